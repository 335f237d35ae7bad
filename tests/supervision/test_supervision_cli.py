"""``gongzhi supervision …`` as an operator uses it: the calendar, overdue lists, reproducible
inspection draws, financial disclosures, the printable board and the balance check."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import tomli_w
from click.testing import CliRunner
from sqlalchemy import func, select, update
from supervision_support import NEIGHBOUR, VILLAGE

from core.testing import make_config_data
from hostapp.cli import main
from plugins.supervision.models import (
    DisclosureDue,
    FundAccount,
    InspectionRound,
    InspectionTarget,
    Voucher,
)
from plugins.supervision.services import funds

OTHER_TOWN_VILLAGES = ("500243101001", "500243101002")


@pytest.fixture
def gongzhi(county, tmp_path, database_url):
    """Run ``gongzhi --config <file> …`` against the county's database."""
    path = tmp_path / "county.toml"
    path.write_text(tomli_w.dumps(make_config_data(database_url, ["supervision"])), "utf-8")

    def run(*args):
        return CliRunner().invoke(main, ["--config", str(path), *args], catch_exceptions=False)

    return run


def test_the_supervision_commands_are_listed(gongzhi):
    result = gongzhi("supervision", "--help")
    assert result.exit_code == 0
    for command in (
        "calendar",
        "overdue",
        "draw",
        "verify-draw",
        "financial",
        "board",
        "verify-balances",
    ):
        assert command in result.output


def test_the_calendar_is_built_and_the_overdue_list_names_each_village(gongzhi, county):
    built = gongzhi("supervision", "calendar", "2025", "--scope", "500243001000")
    assert built.exit_code == 0, built.output
    assert "已生成 2025 年公开日历 24 条" in built.output  # 2 villages × 3 categories × 4 quarters
    again = gongzhi("supervision", "calendar", "2025", "--scope", "500243001000")
    assert "已生成 2025 年公开日历 0 条" in again.output
    overdue = gongzhi("supervision", "overdue", "--scope", VILLAGE, "--on", "2025-08-01")
    assert overdue.exit_code == 0
    assert "逾期未公开 6 项（截至 2025-08-01）" in overdue.output
    assert "城南社区  2025年第1季度财务公开  应于 2025-04-15 前公开" in overdue.output
    with county.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(DisclosureDue)) == 24


def test_a_draw_prints_the_villages_and_can_be_verified_from_its_seed(gongzhi, county):
    drawn = gongzhi(
        "supervision", "draw", "--year", "2025", "--quarter", "2", "--rate", "50", "--seed", "abc"
    )
    assert drawn.exit_code == 0, drawn.output
    assert "2025年第2季度：从 4 个村（社区）中抽取 2 个" in drawn.output
    round_id = re.search(r"编号 (\d+)", drawn.output)[1]
    verified = gongzhi("supervision", "verify-draw", round_id)
    assert verified.exit_code == 0 and "一致" in verified.output
    with county.db.transaction() as session:
        chosen = session.scalars(select(InspectionTarget.locality_code)).all()
        outsider = next(c for c in (VILLAGE, NEIGHBOUR, *OTHER_TOWN_VILLAGES) if c not in chosen)
        session.execute(
            update(InspectionTarget)
            .where(InspectionTarget.locality_code == chosen[0])
            .values(locality_code=outsider)
        )
    tampered = gongzhi("supervision", "verify-draw", round_id)
    assert tampered.exit_code == 1 and "不一致" in tampered.output


def test_a_draw_below_15_percent_is_refused_and_writes_nothing(gongzhi, county):
    result = gongzhi("supervision", "draw", "--year", "2025", "--quarter", "1", "--rate", "10")
    assert result.exit_code == 1
    assert "抽查比例 10% 低于规定的 15%" in result.output
    with county.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(InspectionRound)) == 0


def test_the_financial_disclosure_and_the_board_from_the_console(gongzhi, county, desk, cash):
    moment = dt.datetime(2025, 2, 10, 2, tzinfo=dt.UTC)

    def make(session, actor):
        return funds.make_voucher(
            session,
            account=session.get(FundAccount, cash.id),
            kind="receipt",
            voucher_date=dt.date(2025, 2, 10),
            summary="收到鱼塘承包费",
            lines=[{"subject": "发包及上交收入", "amount": "2400"}],
            actor=actor,
        ).id

    voucher_id = desk("clerk", make)
    for user, name in (("clerk", "submit"), ("supervisor", "audit"), ("accountant", "book")):
        desk(
            user, lambda s, a, n=name: funds.apply(s.get(Voucher, voucher_id), n, a, s), now=moment
        )
    published = gongzhi("supervision", "financial", "--village", VILLAGE, "--period", "2025-02")
    assert published.exit_code == 0, published.output
    assert "已发布“2025年2月财务收支公开”（1 个账户）" in published.output
    twice = gongzhi("supervision", "financial", "--village", VILLAGE, "--period", "2025-02")
    assert twice.exit_code == 1 and "已经发布" in twice.output
    bad = gongzhi("supervision", "financial", "--village", VILLAGE, "--period", "二月")
    assert bad.exit_code == 1 and "期间格式不对" in bad.output
    board = gongzhi("supervision", "board", VILLAGE)
    assert board.exit_code == 0
    assert "【城南社区村务公开栏】" in board.output
    assert "记字第 1 号 2025-02-10 收入凭证 收到鱼塘承包费 2400.00 元" in board.output
    balances = gongzhi("supervision", "verify-balances")
    assert balances.exit_code == 0 and "已核对 1 个账户" in balances.output
    with county.db.transaction() as session:
        assert session.get(FundAccount, cash.id).balance == Decimal("12400.00")


def test_a_tampered_balance_is_caught_by_the_check(gongzhi, county, cash):
    with county.db.transaction() as session:
        session.execute(update(FundAccount).values(balance=Decimal("1.00")))
    result = gongzhi("supervision", "verify-balances")
    assert result.exit_code == 1
    assert "余额 1.00，凭证合计 10000.00" in result.output


def test_a_malformed_scope_is_explained(gongzhi):
    result = gongzhi("supervision", "overdue", "--scope", "12345")
    assert result.exit_code == 1
    assert "--scope：行政区划代码必须是 12 位数字" in result.output
