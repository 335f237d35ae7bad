"""``gongzhi assistance …`` as the civil-affairs office runs it from the console."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import tomli_w
from assistance_support import build_county, freeze
from click.testing import CliRunner
from sqlalchemy import func, select

from core.testing import make_config_data
from hostapp.cli import main
from plugins.assistance.models import (
    AssistanceBatch,
    AssistanceEnrolment,
    AssistanceLead,
    AssistancePayment,
    AssistanceReview,
    AssistanceSourceUpload,
    CareFund,
)


@pytest.fixture
def office(make_runtime, database_url, tmp_path, monkeypatch):
    freeze(monkeypatch)
    county = build_county(make_runtime)
    path = tmp_path / "county.toml"
    path.write_text(tomli_w.dumps(make_config_data(database_url, ["assistance"])), encoding="utf-8")

    def run(*args: str):
        return CliRunner().invoke(main, ["--config", str(path), "assistance", *args])

    county.run = run
    county.tmp = tmp_path
    return county


def enrol(office, family, amount="1200", start=dt.date(2026, 1, 1)):
    from plugins.assistance.cases import create_application
    from plugins.assistance.enrolments import enrol as make_enrolment

    with office.session() as session:
        application = create_application(
            session,
            actor=office.actor(session, "town"),
            id_number=family.head,
            programme_code="minimum_living",
            accept=True,
        )
        application.state, application.amount, application.open_key = (
            "approved",
            Decimal(amount),
            None,
        )
        application.payee_bank, application.payee_account = "农商银行", "62170000123456"
        enrolment = make_enrolment(session, application, office.actor(session, "town2"))
        enrolment.start_on = start


def count(office, model) -> int:
    with office.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_pay_creates_the_months_batch_once(office):
    enrol(office, office.zhang)
    first = office.run("pay", "2026-03")
    assert first.exit_code == 0, first.output
    assert "已生成 2026-03 发放批次：1 笔，合计 1,200.00 元" in first.output
    again = office.run("pay", "2026-03")
    assert again.exit_code == 0
    assert "已存在" in again.output
    assert count(office, AssistanceBatch) == 1
    assert count(office, AssistancePayment) == 1


def test_pay_refuses_a_bad_month_and_a_town_scope(office):
    bad = office.run("pay", "March")
    assert bad.exit_code == 1
    assert "YYYY-MM" in bad.output
    town = office.run("pay", "2026-03", "--scope", "500243001000")
    assert town.exit_code == 1
    assert "县级及以上" in town.output
    outside = office.run("pay", "2026-03", "--scope", "110101000000")
    assert outside.exit_code == 1
    assert "不在本部署的行政区划" in outside.output


def test_the_bank_file_is_exported_and_batches_verified(office):
    enrol(office, office.zhang)
    office.run("pay", "2026-03")
    target = office.tmp / "bank.csv"
    result = office.run("export-batch", "2026-03", "--format", "csv", "--output", str(target))
    assert result.exit_code == 0, result.output
    assert office.zhang.head in target.read_text(encoding="utf-8-sig")
    assert office.zhang.head not in result.output
    missing = office.run("export-batch", "2026-04", "--output", str(office.tmp / "x.xlsx"))
    assert missing.exit_code == 1
    assert "还没有发放批次" in missing.output
    verified = office.run("verify-batches")
    assert verified.exit_code == 0
    assert "明细均与生成时一致" in verified.output


def test_a_department_file_is_uploaded_from_the_console(office):
    rows = "\n".join(f"{n},0" for n in office.zhang.id_numbers)
    path = office.tmp / "车辆核对.csv"
    path.write_text(f"身份证号,金额\n{rows}\n", encoding="utf-8")
    result = office.run(
        "upload-source", str(path), "--check", "vehicle", "--department", "县公安局交警大队"
    )
    assert result.exit_code == 0, result.output
    assert "已导入 3 行" in result.output
    bad = office.tmp / "bad.csv"
    bad.write_text("身份证号,金额\n123,abc\n", encoding="utf-8")
    refused = office.run("upload-source", str(bad), "--check", "vehicle", "--department", "交警")
    assert refused.exit_code == 1
    assert "bad.csv：文件有 1 处错误" in refused.output
    assert count(office, AssistanceSourceUpload) == 1


def test_a_hospital_list_raises_leads(office):
    path = office.tmp / "名单.csv"
    path.write_text(
        f"身份证号,姓名,金额,说明\n{office.wang.head},王大山,36000,住院\n", encoding="utf-8"
    )
    result = office.run("import-leads", str(path), "--source-name", "县人民医院")
    assert result.exit_code == 0, result.output
    assert "生成线索 1 条" in result.output
    assert count(office, AssistanceLead) == 1


def test_overdue_reviews_and_coverage_are_reported(office, monkeypatch):
    enrol(office, office.zhang)
    office.run("pay", "2026-03")
    freeze(monkeypatch, dt.date(2026, 12, 1))
    due = office.run("reviews-due")
    assert due.exit_code == 0, due.output
    assert "张建国" in due.output and "逾期未复核 1 条" in due.output
    with office.session() as session:
        assert session.scalar(select(AssistanceReview.due_on)) == dt.date(2026, 9, 1)
    report = office.run("coverage", "--from", "2026-01", "--to", "2026-12")
    assert report.exit_code == 0, report.output
    assert "城乡低保：1 户，3 人，月发放 1,200.00 元" in report.output
    assert "2026-03  城乡低保：3 人，1,200.00 元" in report.output
    with office.session() as session:
        assert session.scalar(select(func.count()).select_from(AssistanceEnrolment)) == 1


def test_money_raised_for_the_care_fund_is_recorded(office):
    result = office.run("fund-raise", "5000", "--note", "党员自愿捐款")
    assert result.exit_code == 0, result.output
    assert "余额 25,000.00 元" in result.output
    with office.session() as session:
        assert session.scalars(select(CareFund)).one().balance == Decimal("25000.00")
    bad = office.run("fund-raise", "0", "--note", "x")
    assert bad.exit_code == 1
    assert "筹集金额必须大于 0" in bad.output
    words = office.run("fund-raise", "五千", "--note", "x")
    assert words.exit_code == 1
    assert "金额必须是数字：五千" in words.output
