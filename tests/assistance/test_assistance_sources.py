"""Verification data sources: manual entry, departments' files, and sources offered by plugins."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from assistance_support import TODAY, build_county, consent_for, freeze
from sqlalchemy import func, select

from core import hookimpl
from core.identity import mask_id_number
from core.models import AuditEntry
from core.workflow import WorkflowError
from plugins.assistance.cases import create_application
from plugins.assistance.errors import AssistanceError
from plugins.assistance.models import AssistanceSourceRecord, AssistanceSourceUpload
from plugins.assistance.sources import VerificationSource, upload_source_file
from plugins.assistance.verification import all_sources, answer_pending_tasks
from plugins.assistance.workflow import APPLICATION_WORKFLOW, TASK_WORKFLOW


@pytest.fixture
def county(make_runtime, monkeypatch):
    freeze(monkeypatch)
    return build_county(make_runtime)


def in_verification(session, county, family=None):
    family = family or county.zhang
    application = create_application(
        session,
        actor=county.actor(session, "town"),
        id_number=family.head,
        programme_code="minimum_living",
        accept=True,
    )
    consent_for(session, county, application)
    APPLICATION_WORKFLOW.apply(application, "verify", county.actor(session, "town"), session)
    return application


def csv_bytes(rows, header="身份证号,金额,说明", encoding="utf-8"):
    return ("\n".join([header, *rows]) + "\n").encode(encoding)


def upload(session, check, content, name="核对结果.csv"):
    return upload_source_file(
        session,
        check=check,
        department="县人力资源和社会保障局",
        file_name=name,
        content=content,
        scope_code="500243000000",
        actor_label="account:county",
    )


def test_the_plugin_offers_manual_entry_and_department_files(county):
    with county.session() as session:
        assert [s.code for s in all_sources(session)] == ["manual", "file"]


def test_a_department_file_answers_every_pending_task_whose_people_it_covers(county):
    with county.session() as session:
        zhang = in_verification(session, county)
        wang = in_verification(session, county, county.wang)
        rows = [
            f"{n},{amount},工资"
            for n, amount in zip(county.zhang.id_numbers, ["1800", "0", "0"], strict=True)
        ]
        rows.append(f"{county.wang.id_numbers[0]},650,务工")  # 王小花 is missing: not answered
        result = upload(session, "income", csv_bytes(rows))
        assert result.answered == 1
        income = next(t for t in zhang.tasks if t.check == "income")
        assert (income.state, income.amount, income.source) == ("done", Decimal("1800.00"), "file")
        assert income.verdict == "月收入 1,800.00 元"
        assert "县人力资源和社会保障局" in income.evidence and "3 人均有记录" in income.evidence
        assert next(t for t in wang.tasks if t.check == "income").state == "pending"


def test_tasks_raised_after_an_upload_are_answered_from_it_at_once(county):
    with county.session() as session:
        upload(session, "deposit", csv_bytes([f"{n},1000" for n in county.zhang.id_numbers]))
        application = in_verification(session, county)
        deposit = next(t for t in application.tasks if t.check == "deposit")
        assert (deposit.state, deposit.amount) == ("done", Decimal("3000.00"))


def test_an_old_file_does_not_answer_a_new_case(county, monkeypatch):
    with county.session() as session:
        upload(session, "deposit", csv_bytes([f"{n},1000" for n in county.zhang.id_numbers]))
    freeze(monkeypatch, TODAY + dt.timedelta(days=120))
    with county.session() as session:
        application = in_verification(session, county)
        assert next(t for t in application.tasks if t.check == "deposit").state == "pending"


def test_a_file_with_bad_lines_is_refused_whole_naming_each_line_with_masked_numbers(county):
    good = county.zhang.id_numbers[0]
    broken = good[:-1] + ("0" if good[-1] != "0" else "1")
    rows = [
        f"{good},100",
        f"{broken},200",
        f"{county.zhang.id_numbers[1]},abc",
        f"{good},300",
        ",5",
    ]
    with county.session() as session:
        with pytest.raises(AssistanceError) as caught:
            upload(session, "income", csv_bytes(rows))
        message = str(caught.value)
        assert "文件有 4 处错误，未导入任何数据" in message
        assert "第 3 行：身份证号 身份证号码校验码错误" in message
        assert "第 4 行：金额必须是数字" in message
        assert f"第 5 行：身份证号 {mask_id_number(good)} 与第 2 行重复" in message
        assert "第 6 行：缺少身份证号" in message
        assert good not in message and broken not in message
        assert session.scalar(select(func.count()).select_from(AssistanceSourceUpload)) == 0


def test_a_file_needs_the_identity_and_amount_columns_and_a_known_check(county):
    with county.session() as session:
        with pytest.raises(AssistanceError, match=r"表头.*必须包含“身份证号”和“金额”"):
            upload(session, "income", csv_bytes(["x,1"], header="姓名,收入"))
        with pytest.raises(AssistanceError, match="核对项目无效"):
            upload(session, "salary", csv_bytes([f"{county.zhang.head},1"]))


def test_gbk_files_from_excel_are_read(county):
    with county.session() as session:
        content = csv_bytes([f"{county.zhang.head},0,无房产"], encoding="gb18030")
        assert upload(session, "housing", content).rows == 1


def test_the_same_file_is_not_imported_twice(county):
    content = csv_bytes([f"{county.zhang.head},0"])
    with county.session() as session:
        upload(session, "vehicle", content)
    with county.session() as session, pytest.raises(AssistanceError, match="上传过"):
        upload(session, "vehicle", content)


def test_identity_numbers_in_uploaded_files_are_masked_in_the_audit_log(county):
    with county.session() as session:
        upload(session, "vehicle", csv_bytes([f"{county.zhang.head},0"]))
    with county.session() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.table_name == "assistance_source_record")
        ).one()
        assert entry.after["id_number"] == "***"
        assert county.zhang.head not in str(entry.after)
        assert session.scalar(select(AssistanceSourceRecord.id_number)) == county.zhang.head


def test_staff_fetch_a_finding_for_one_task_or_are_told_there_is_none(county):
    with county.session() as session:
        application = in_verification(session, county)
        task = next(t for t in application.tasks if t.check == "business")
        actor = county.actor(session, "town")
        with pytest.raises(WorkflowError, match="各数据源暂无该项核对结果"):
            TASK_WORKFLOW.apply(task, "fetch", actor, session)
        # another town's upload answers only its own cases by itself; staff fetch it here
        result = upload_source_file(
            session,
            check="business",
            department="县市场监督管理局",
            file_name="工商登记核对.csv",
            content=csv_bytes([f"{n},0" for n in county.zhang.id_numbers]),
            scope_code="500243101000",
            actor_label="account:baojia",
        )
        assert result.answered == 0 and task.state == "pending"
        TASK_WORKFLOW.apply(task, "fetch", actor, session)
        assert (task.state, task.amount, task.verdict, task.source) == (
            "done",
            Decimal("0.00"),
            "无记录",
            "file",
        )
        assert task.completed_by == "account:town"


def test_a_done_task_can_be_reopened_with_a_reason_while_the_case_is_in_verification(county):
    with county.session() as session:
        application = in_verification(session, county)
        task = application.tasks[0]
        task.amount = Decimal("500")
        task.evidence = "电话询问"
        actor = county.actor(session, "town")
        TASK_WORKFLOW.apply(task, "complete", actor, session)
        with pytest.raises(WorkflowError, match="理由"):
            TASK_WORKFLOW.apply(task, "reopen", actor, session)
        TASK_WORKFLOW.apply(task, "reopen", actor, session, reason="需书面材料")
        assert task.state == "pending"
        assert "重新核对：需书面材料" in task.evidence


def test_a_village_account_cannot_enter_verification_results(county):
    with county.session() as session:
        application = in_verification(session, county)
        task = application.tasks[0]
        task.amount, task.evidence = Decimal("0"), "无"
        with pytest.raises(WorkflowError, match="权限"):
            TASK_WORKFLOW.apply(task, "complete", county.actor(session, "village"), session)


# --- a source offered by another plugin -------------------------------------------------------


@dataclasses.dataclass
class _Platform:
    """A stand-in for a provincial verification platform plugin (核对平台接口)."""

    def answer(self, session, requests):
        from plugins.assistance.sources import Finding

        return {
            r.task_id: Finding(Decimal("88.00") * len(r.id_numbers), "省级核对平台返回", "platform")
            for r in requests
        }


class PlatformPlugin:
    """A plugin module stand-in implementing the assistance plugin's hook."""

    @staticmethod
    @hookimpl
    def provide_verification_sources():
        platform = _Platform()
        return [
            VerificationSource(
                code="platform",
                title="省级核对平台",
                checks=("pension",),
                automatic=True,
                answer=platform.answer,
            )
        ]


def test_a_source_offered_through_the_hook_answers_its_checks(county):
    county.runtime.plugins._pm.register(PlatformPlugin, name="platform")
    try:
        with county.session() as session:
            assert [s.code for s in all_sources(session)] == ["platform", "manual", "file"]
            application = in_verification(session, county)
            pension = next(t for t in application.tasks if t.check == "pension")
            assert (pension.state, pension.amount, pension.source) == (
                "done",
                Decimal("264.00"),
                "platform",
            )
            assert all(t.state == "pending" for t in application.tasks if t.check != "pension")
            assert answer_pending_tasks(session, actor_label="system:test") == 0
    finally:
        county.runtime.plugins._pm.unregister(name="platform")
