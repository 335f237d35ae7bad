"""A case from the window to the decision: 一证一书, 一门受理, 核对, 评估, 公示, 异议, 审批."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from assistance_support import (
    FAR_VILLAGE,
    PDF,
    TODAY,
    VILLAGE,
    build_county,
    consent_for,
    fill_tasks,
    freeze,
)
from sqlalchemy import func, select

from core.events import EventRecord
from core.models import AuditEntry, Person
from core.workflow import WorkflowError
from plugins.assistance.cases import create_application, record_consent, record_objection
from plugins.assistance.errors import AssistanceError
from plugins.assistance.models import (
    AssistanceApplication,
    AssistanceAssessment,
    AssistanceEnrolment,
    AssistanceMember,
    AssistanceNotice,
    AssistanceReview,
    AssistanceTask,
)
from plugins.assistance.workflow import APPLICATION_WORKFLOW as FLOW


@pytest.fixture
def county(make_runtime, monkeypatch):
    freeze(monkeypatch)
    return build_county(make_runtime)


def count(county, model) -> int:
    with county.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def apply(session, county, application, name, username, reason=None):
    return FLOW.apply(application, name, county.actor(session, username), session, reason=reason)


def accepted_minimum_living(session, county, username="town"):
    return create_application(
        session,
        actor=county.actor(session, username),
        id_number=county.zhang.head,
        programme_code="minimum_living",
        category="variable",
        statement="丈夫务工受伤，家庭收入骤减",
        accept=True,
    )


def to_notice(session, county, application, figures):
    consent_for(session, county, application)
    apply(session, county, application, "verify", "town")
    fill_tasks(session, county, application, figures)
    apply(session, county, application, "assess", "town")
    apply(session, county, application, "publish", "town")


# --- intake: 一证一书, 一门受理 ---------------------------------------------------------------


def test_an_application_needs_only_the_identity_number_and_counts_the_whole_household(county):
    with county.session() as session:
        application = accepted_minimum_living(session, county)
        assert application.state == "accepted"
        assert application.locality_code == VILLAGE
        assert [m.person.name for m in application.members] == county.zhang.names
        assert application.accepted_by == "account:town"
        assert application.accepted_office == "500243001000"


def test_an_invalid_identity_number_is_refused_naming_the_field_and_nothing_is_written(county):
    broken = county.zhang.head[:-1] + ("0" if county.zhang.head[-1] != "0" else "1")
    with county.session() as session, pytest.raises(AssistanceError) as caught:
        create_application(
            session,
            actor=county.actor(session, "town"),
            id_number=broken,
            programme_code="minimum_living",
        )
    assert caught.value.field == "id_number"
    assert "校验码" in str(caught.value)
    assert broken not in str(caught.value)  # the number is masked in the message
    assert count(county, AssistanceApplication) == 0


def test_any_window_accepts_any_programme_for_any_resident_of_the_county(county):
    with county.session() as session:
        application = create_application(
            session,
            actor=county.actor(session, "town"),
            id_number=county.li.head,
            programme_code="party_care",
            cause="illness",
            claimed_amount="62000",
            accept=True,
        )
        assert application.locality_code == FAR_VILLAGE
        assert application.accepted_office == "500243001000"


def test_the_verification_cannot_start_without_a_signed_authorisation(county):
    with county.session() as session:
        application = accepted_minimum_living(session, county)
        with pytest.raises(WorkflowError, match="缺少授权书"):
            apply(session, county, application, "verify", "town")
        consent_for(session, county, application, scope=["income", "pension"])
        with pytest.raises(WorkflowError, match="授权书未覆盖以下核对项目：房产"):
            apply(session, county, application, "verify", "town")
        consent_for(session, county, application)
        apply(session, county, application, "verify", "town")
        assert application.state == "verifying"


def test_an_authorisation_must_be_a_scanned_pdf_or_image_signed_in_the_past(county):
    with county.session() as session:
        application = accepted_minimum_living(session, county)
        actor = county.actor(session, "town")
        common = dict(
            actor=actor,
            signer_name="张建国",
            signer_relation="本人",
            scope=["income"],
            file_name="x",
        )
        with pytest.raises(AssistanceError, match="PDF、JPEG 或 PNG"):
            record_consent(session, application, signed_on=TODAY, content=b"hello", **common)
        with pytest.raises(AssistanceError, match="不能晚于今天"):
            record_consent(
                session, application, signed_on=TODAY + dt.timedelta(days=1), content=PDF, **common
            )
        with pytest.raises(AssistanceError, match="请上传"):
            record_consent(session, application, signed_on=TODAY, content=b"", **common)
        assert application.consents == []


def test_an_expired_authorisation_does_not_count(county, monkeypatch):
    with county.session() as session:
        application = accepted_minimum_living(session, county)
        consent_for(session, county, application)
        application_id = application.id
    freeze(monkeypatch, TODAY + dt.timedelta(days=200))
    with county.session() as session:
        application = session.get(AssistanceApplication, application_id)
        with pytest.raises(WorkflowError, match="超过 180 天有效期"):
            apply(session, county, application, "verify", "town")


# --- no duplicates ----------------------------------------------------------------------------


def test_a_household_cannot_have_two_open_applications_for_the_same_programme(county):
    with county.session() as session:
        first = accepted_minimum_living(session, county)
        first_id = first.id
    with county.session() as session, pytest.raises(AssistanceError) as caught:
        create_application(
            session,
            actor=county.actor(session, "village"),
            id_number=county.zhang.id_numbers[1],  # the wife applies for the same household
            programme_code="minimum_living",
        )
    assert f"申请#{first_id}" in str(caught.value)
    assert "不能重复申请" in str(caught.value)
    assert count(county, AssistanceApplication) == 1


def test_the_same_household_may_apply_for_another_programme_at_the_same_time(county):
    with county.session() as session:
        accepted_minimum_living(session, county)
        create_application(
            session,
            actor=county.actor(session, "town"),
            id_number=county.zhang.head,
            programme_code="temporary",
            temporary_kind="emergency",
            claimed_amount="3000",
        )
    assert count(county, AssistanceApplication) == 2


def test_a_person_cannot_be_counted_in_two_households_allowance(county):
    with county.session() as session:
        accepted_minimum_living(session, county)
        # 李秀英 moves into the Wang household on paper while still counted with the Zhangs
        wife = session.get(Person, county.zhang.member_ids[1])
        wife.household_id = county.wang.household_id
    with county.session() as session, pytest.raises(AssistanceError) as caught:
        create_application(
            session,
            actor=county.actor(session, "neighbour"),
            id_number=county.wang.head,
            programme_code="minimum_living",
        )
    assert "李秀英" in str(caught.value)
    assert "同一人不能在两户重复计入" in str(caught.value)


def test_the_database_itself_refuses_a_person_locked_into_two_cases(county):
    from sqlalchemy.exc import IntegrityError

    with county.session() as session:
        application = accepted_minimum_living(session, county)
        application_id = application.id
    with pytest.raises(IntegrityError), county.session() as session:
        session.add(
            AssistanceMember(
                application_id=application_id,
                person_id=county.zhang.member_ids[0],
                programme="minimum_living",
                lock_person_id=county.zhang.member_ids[0],
            )
        )


def test_a_rejected_case_frees_the_household_to_apply_again(county):
    with county.session() as session:
        application = accepted_minimum_living(session, county)
        apply(session, county, application, "withdraw", "town", reason="申请人主动撤回")
        assert application.open_key is None
        assert all(m.lock_person_id is None for m in application.members)
    with county.session() as session:
        accepted_minimum_living(session, county, username="village")
    assert count(county, AssistanceApplication) == 2


# --- verification and assessment --------------------------------------------------------------


def test_starting_verification_assigns_one_task_per_required_check_to_its_department(county):
    with county.session() as session:
        application = accepted_minimum_living(session, county)
        consent_for(session, county, application)
        apply(session, county, application, "verify", "town")
        tasks = {t.check: t for t in application.tasks}
        assert list(tasks) == ["income", "pension", "housing", "vehicle", "business", "deposit"]
        assert tasks["deposit"].department == "人民银行及各商业银行"
        assert tasks["income"].due_on == TODAY + dt.timedelta(days=10)
        assert all(t.state == "pending" for t in tasks.values())


def test_the_case_is_assessed_only_when_every_task_is_done(county):
    with county.session() as session:
        application = accepted_minimum_living(session, county)
        consent_for(session, county, application)
        apply(session, county, application, "verify", "town")
        with pytest.raises(WorkflowError, match="尚有 6 项核对未完成"):
            apply(session, county, application, "assess", "town")
        fill_tasks(session, county, application, {"income": "900", "pension": "300"})
        apply(session, county, application, "assess", "town")
        assessment = application.latest_assessment
        assert assessment.eligible
        # 城南社区 has its own urban standard of 800: (800 − 1200 ÷ 3) × 3 = 1200
        assert application.amount == Decimal("1200.00")
        assert "城南社区（2026-01-01 起执行）每人每月 800.00 元" in assessment.breakdown
        assert "（800.00 元 − 400.00 元）× 3 人 = 1,200.00 元" in assessment.breakdown


def test_a_task_needs_a_figure_and_evidence_before_it_is_complete(county):
    with county.session() as session:
        application = accepted_minimum_living(session, county)
        consent_for(session, county, application)
        apply(session, county, application, "verify", "town")
        task = application.tasks[0]
        from plugins.assistance.workflow import TASK_WORKFLOW

        with pytest.raises(WorkflowError, match="核对金额"):
            TASK_WORKFLOW.apply(task, "complete", county.actor(session, "town"), session)
        task.amount = Decimal("0")
        with pytest.raises(WorkflowError, match="核对依据"):
            TASK_WORKFLOW.apply(task, "complete", county.actor(session, "town"), session)


def test_an_ineligible_case_cannot_be_published_and_is_rejected_with_a_reason(county):
    with county.session() as session:
        application = accepted_minimum_living(session, county)
        consent_for(session, county, application)
        apply(session, county, application, "verify", "town")
        fill_tasks(session, county, application, {"income": "3000", "deposit": "10000"})
        apply(session, county, application, "assess", "town")
        assert application.eligible is False
        assert "人均收入不低于低保标准" in application.latest_assessment.breakdown
        with pytest.raises(WorkflowError, match="不能公示"):
            apply(session, county, application, "publish", "town")
        apply(session, county, application, "reject", "town2", reason="人均收入高于当地低保标准")
        assert application.state == "rejected"
        assert application.decision_reason == "人均收入高于当地低保标准"


# --- public notice, objections and the decision -----------------------------------------------


def test_a_proposed_recipient_is_in_notice_for_seven_days_with_the_name_masked(county):
    with county.session() as session:
        application = accepted_minimum_living(session, county)
        to_notice(session, county, application, {"income": "900", "pension": "300"})
        notice = application.open_notice
        assert application.state == "notice"
        assert (notice.starts_on, notice.ends_on) == (TODAY, TODAY + dt.timedelta(days=6))
        assert notice.masked_name == "张**"
        assert (notice.persons, notice.amount) == (3, Decimal("1200.00"))


def test_the_decision_waits_for_the_end_of_the_notice_period(county, monkeypatch):
    with county.session() as session:
        application = accepted_minimum_living(session, county)
        to_notice(session, county, application, {"income": "900", "pension": "300"})
        with pytest.raises(WorkflowError, match="公示期至 2026-03-08"):
            apply(session, county, application, "approve", "town2", reason="公示无异议")
        application_id = application.id
    freeze(monkeypatch, TODAY + dt.timedelta(days=7))
    with county.session() as session:
        application = session.get(AssistanceApplication, application_id)
        apply(session, county, application, "approve", "town2", reason="公示无异议，符合条件")
        assert application.state == "approved"


def test_whoever_accepted_an_application_cannot_approve_it(county, monkeypatch):
    with county.session() as session:
        application = accepted_minimum_living(session, county, username="town")
        to_notice(session, county, application, {"income": "900", "pension": "300"})
        application_id = application.id
    freeze(monkeypatch, TODAY + dt.timedelta(days=7))
    with county.session() as session:
        application = session.get(AssistanceApplication, application_id)
        with pytest.raises(WorkflowError, match="受理人不能审批"):
            apply(session, county, application, "approve", "town", reason="同意")
        with pytest.raises(WorkflowError, match="受理人不能审批"):
            apply(session, county, application, "reject", "town", reason="不同意")
        allowed = [
            t.name for t in FLOW.allowed(application, county.actor(session, "town"), session)
        ]
        assert "approve" not in allowed
        assert "approve" in [
            t.name for t in FLOW.allowed(application, county.actor(session, "town2"), session)
        ]


def test_an_objection_during_the_notice_sends_the_case_back_to_verification(county, monkeypatch):
    with county.session() as session:
        application = accepted_minimum_living(session, county)
        to_notice(session, county, application, {"income": "900", "pension": "300"})
        application_id = application.id
    freeze(monkeypatch, TODAY + dt.timedelta(days=3))
    with county.session() as session:
        application = session.get(AssistanceApplication, application_id)
        objection = record_objection(
            session,
            application,
            actor=county.actor(session, "village"),
            content="该户在县城有一套商品房出租",
            objector="匿名群众",
        )
        assert application.state == "verifying"
        assert application.open_notice is None
        assert application.notices[0].closed_reason.startswith("收到异议")
        task = application.tasks[-1]
        assert (task.check, task.objection_id, task.state) == ("objection", objection.id, "pending")
        with pytest.raises(WorkflowError, match="尚有 1 项核对未完成"):
            apply(session, county, application, "assess", "town")
        task.verdict = "异议成立"
        task.evidence = "经不动产登记中心查询，该户名下另有住房一套，月租金 1500 元"
        from plugins.assistance.workflow import TASK_WORKFLOW

        TASK_WORKFLOW.apply(task, "complete", county.actor(session, "town"), session)
        apply(session, county, application, "assess", "town")
        assert application.eligible is False
        assert "公示异议经核实成立" in application.latest_assessment.breakdown
        assert len(application.assessments) == 2  # the first assessment is kept


def test_an_objection_is_refused_outside_the_notice(county):
    with county.session() as session:
        application = accepted_minimum_living(session, county)
        with pytest.raises(AssistanceError, match="只能对公示中的申请登记异议"):
            record_objection(
                session, application, actor=county.actor(session, "village"), content="x"
            )


def test_approval_enrols_the_household_schedules_a_review_and_emits_an_event(county, monkeypatch):
    with county.session() as session:
        application = accepted_minimum_living(session, county)
        to_notice(session, county, application, {"income": "900", "pension": "300"})
        application_id = application.id
    freeze(monkeypatch, TODAY + dt.timedelta(days=7))
    with county.session() as session:
        application = session.get(AssistanceApplication, application_id)
        apply(session, county, application, "approve", "town2", reason="公示无异议")
    with county.session() as session:
        enrolment = session.scalars(select(AssistanceEnrolment)).one()
        assert (enrolment.start_on, enrolment.monthly_amount, enrolment.persons) == (
            dt.date(2026, 3, 1),
            Decimal("1200.00"),
            3,
        )
        assert enrolment.active_key == f"minimum_living:h{county.zhang.household_id}"
        review = session.scalars(select(AssistanceReview)).one()
        assert review.due_on == dt.date(2026, 9, 1)  # 收入不固定：每半年复核
        event = session.scalars(
            select(EventRecord).where(EventRecord.name == "assistance.application_approved")
        ).one()
        assert event.payload["household_id"] == county.zhang.household_id
        assert event.payload["amount"] == "1200.00"
        notice = session.scalars(select(AssistanceNotice)).one()
        assert notice.closed_reason == "公示期满，已批准"


def test_every_step_of_a_case_is_audited_and_the_scan_never_enters_the_audit_log(county):
    with county.session() as session:
        application = accepted_minimum_living(session, county)
        consent_for(session, county, application)
    with county.session() as session:
        consent_entry = session.scalars(
            select(AuditEntry).where(AuditEntry.table_name == "assistance_consent")
        ).one()
        assert consent_entry.after["file_content"] == "***"
        assert consent_entry.after["signer_name"] == "张建国"
        tables = set(session.scalars(select(AuditEntry.table_name)))
        assert {"assistance_application", "assistance_member"} <= tables


def test_tasks_and_assessments_are_kept_per_case(county):
    with county.session() as session:
        application = accepted_minimum_living(session, county)
        to_notice(session, county, application, {"income": "900", "pension": "300"})
    assert count(county, AssistanceTask) == 6
    assert count(county, AssistanceAssessment) == 1


def test_an_extreme_poverty_case_uses_the_countys_basic_standard_and_care_allowance(county):
    with county.session() as session:
        application = create_application(
            session,
            actor=county.actor(session, "village"),
            id_number=county.chen.head,
            programme_code="extreme_poverty",
            care_level="partial",
            accept=True,
        )
        consent_for(session, county, application)
        apply(session, county, application, "verify", "town")
        assert [t.check for t in application.tasks] == [
            "income",
            "pension",
            "housing",
            "vehicle",
            "deposit",
        ]
        fill_tasks(session, county, application, {"pension": "160"})
        apply(session, county, application, "assess", "town")
        assert application.amount == Decimal("1540.00")  # 1,040 + 500 (部分失能)
        assert (
            "护理等级：部分失能，护理补贴每月 500.00 元" in application.latest_assessment.breakdown
        )


def test_an_expenditure_case_is_verified_against_the_medical_insurance_figures(county):
    with county.session() as session:
        application = create_application(
            session,
            actor=county.actor(session, "village"),
            id_number=county.zhang.head,
            programme_code="temporary",
            temporary_kind="expenditure",
            claimed_amount="52000",
            accept=True,
        )
        consent_for(session, county, application)
        apply(session, county, application, "verify", "town")
        expense = next(t for t in application.tasks if t.check == "expense")
        assert expense.department == "医疗保障局"
        fill_tasks(session, county, application, {"income": "1500", "expense": "26000"})
        apply(session, county, application, "assess", "town")
        # 城南社区 800 a month: cap 4,800; need 26,000 − 18,000 = 8,000 → 4,800
        assert application.amount == Decimal("4800.00")
        assert "核对确认 26,000.00 元" in application.latest_assessment.breakdown


def test_a_case_without_a_standard_for_its_place_cannot_be_assessed(county):
    from plugins.assistance.models import AssistanceStandard

    with county.session() as session:
        for standard in session.scalars(select(AssistanceStandard)):
            session.delete(standard)
    with county.session() as session:
        application = accepted_minimum_living(session, county)
        consent_for(session, county, application)
        apply(session, county, application, "verify", "town")
        fill_tasks(session, county, application, {})
        with pytest.raises(WorkflowError, match="尚未设置城南社区适用的城乡低保标准"):
            apply(session, county, application, "assess", "town")


def test_two_windows_taking_the_same_household_at_once_open_one_case(county):
    import threading

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def take(id_number: str, username: str) -> None:
        session = county.runtime.db.new_session(actor=f"account:{username}", channel="test")
        try:
            actor = county.actor(session, username)
            barrier.wait(timeout=30)
            create_application(
                session,
                actor=actor,
                id_number=id_number,
                programme_code="minimum_living",
                accept=True,
            )
            session.commit()
            outcomes.append("saved")
        except AssistanceError as exc:
            session.rollback()
            outcomes.append(str(exc))
        finally:
            session.close()

    threads = [
        threading.Thread(target=take, args=(county.zhang.id_numbers[0], "village")),
        threading.Thread(target=take, args=(county.zhang.id_numbers[1], "town")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes)[0] == "saved"
    assert outcomes.count("saved") == 1
    refused = next(o for o in outcomes if o != "saved")
    assert "不能重复申请" in refused or "刚刚提交" in refused
    assert count(county, AssistanceApplication) == 1
