"""``gongzhi points …`` as an operator runs it."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import tomli_w
from click.testing import CliRunner
from openpyxl import load_workbook
from points_support import VILLAGE
from sqlalchemy import update

from core.testing import make_config_data
from hostapp.cli import main
from plugins.points.claims import submit_claim
from plugins.points.models import (
    PointsAccount,
    PointsClaim,
    PointsMerchant,
    PointsProduct,
)
from plugins.points.supermarket import reserve
from plugins.points.workflow import CLAIM_WORKFLOW, REDEMPTION_WORKFLOW

SETTINGS = {"resident_holder": "person", "notice_days": 3}


@pytest.fixture
def gongzhi(make_county, tmp_path, database_url):
    """``gongzhi(*args)`` against the seeded county's database."""
    county = make_county(SETTINGS)
    data = make_config_data(database_url, ["points"], {"points": SETTINGS})
    path = tmp_path / "county.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")

    def run(*args):
        return CliRunner().invoke(main, ["--config", str(path), *args], catch_exceptions=False)

    run.county = county
    return run


def claim_in_notice(county, day):
    with county.runtime.db.transaction() as session:
        claim = submit_claim(
            session,
            county.principal(session, "village"),
            rule_code="HJ01",
            locality_code=VILLAGE,
            activity="河道清漂",
            occurred_on=day,
            person_ids=[county.people["张三"], county.people["李梅"]],
        )
        return claim.id


def test_post_due_posts_the_claims_whose_notice_is_over(gongzhi, travel):
    travel(dt.date(2026, 3, 2))
    claim_id = claim_in_notice(gongzhi.county, dt.date(2026, 3, 1))
    result = gongzhi("points", "post-due")
    assert result.exit_code == 0 and "已入账 0 份申报" in result.output
    travel(dt.date(2026, 3, 5))
    result = gongzhi("points", "post-due")
    assert result.exit_code == 0 and "已入账 1 份申报" in result.output
    with gongzhi.county.runtime.db.new_session() as session:
        assert session.get(PointsClaim, claim_id).state == "posted"
    result = gongzhi("points", "verify")
    assert result.exit_code == 0 and "积分台账完好：1 笔转账" in result.output
    board = gongzhi("points", "leaderboard", "--locality", VILLAGE, "--period", "2026-03")
    assert board.exit_code == 0
    assert [line.split()[:3] for line in board.output.splitlines()] == [
        ["1", "张三", "2"],
        ["1", "李梅", "2"],
    ]


def test_verify_reports_a_balance_that_no_longer_matches_its_ledger(gongzhi, travel):
    travel(dt.date(2026, 3, 5))
    claim_in_notice(gongzhi.county, dt.date(2026, 3, 1))
    travel(dt.date(2026, 3, 9))
    assert gongzhi("points", "post-due").exit_code == 0
    with gongzhi.county.runtime.db.transaction() as session:  # tampering behind the ledger's back
        session.execute(
            update(PointsAccount).where(PointsAccount.kind == "holder").values(balance=99)
        )
    result = gongzhi("points", "verify")
    assert result.exit_code == 1 and "余额 99，流水之和 2" in result.output


def test_a_merchant_is_settled_and_the_settlement_exported(gongzhi, travel, tmp_path):
    county = gongzhi.county
    travel(dt.date(2026, 3, 2))
    with county.runtime.db.transaction() as session:
        claim = submit_claim(
            session,
            county.principal(session, "village"),
            rule_code="ZY01",
            locality_code=VILLAGE,
            activity="志愿服务",
            occurred_on=dt.date(2026, 3, 1),
            person_ids=[county.people["张三"]],
        )
        town = county.principal(session, "town")
        CLAIM_WORKFLOW.apply(claim, "approve", town, session)
    travel(dt.date(2026, 3, 6))
    assert gongzhi("points", "post-due").exit_code == 0
    with county.runtime.db.transaction() as session:
        merchant = PointsMerchant(name="城南爱心超市", locality_code=VILLAGE, contract_active=True)
        session.add(merchant)
        session.flush()
        product = PointsProduct(
            merchant_id=merchant.id,
            locality_code=VILLAGE,
            name="牙膏",
            unit="支",
            points_price=1,
            cost_price=Decimal("5.80"),
            stock=10,
        )
        session.add(product)
        session.flush()
        account = session.query(PointsAccount).filter_by(kind="holder").one()
        redemption = reserve(
            session,
            county.principal(session, "village"),
            account=account,
            product_id=product.id,
            quantity=3,
        )
        REDEMPTION_WORKFLOW.apply(
            redemption, "fulfil", county.principal(session, "village"), session
        )
        merchant_id = merchant.id
    travel(dt.date(2026, 4, 3))
    bad = gongzhi(
        "points",
        "settle",
        "--merchant",
        str(merchant_id),
        "--from",
        "2026-3-1",
        "--to",
        "2026-03-31",
    )
    assert bad.exit_code == 1 and "--from: 日期格式应为 YYYY-MM-DD" in bad.output
    result = gongzhi(
        "points",
        "settle",
        "--merchant",
        str(merchant_id),
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
    )
    assert result.exit_code == 0, result.output
    assert "结算单 #1：1 笔，3 分，应付 17.40 元" in result.output
    again = gongzhi(
        "points",
        "settle",
        "--merchant",
        str(merchant_id),
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
    )
    assert again.exit_code == 1 and "没有待结算的兑换" in again.output
    csv_text = gongzhi("points", "export-settlement", "1").output
    assert "牙膏,支,3,3,5.80,17.40" in csv_text
    target = tmp_path / "settlement.xlsx"
    result = gongzhi(
        "points", "export-settlement", "1", "--format", "xlsx", "--output", str(target)
    )
    assert result.exit_code == 0
    rows = [
        [c.value for c in r]
        for r in load_workbook(io.BytesIO(target.read_bytes())).active.iter_rows()
    ]
    assert ["牙膏", "支", 3, 3, 5.8, 17.4] in rows


def test_a_dividend_is_split_and_exported_from_the_command_line(gongzhi, travel, tmp_path):
    travel(dt.date(2026, 3, 2))
    claim_in_notice(gongzhi.county, dt.date(2026, 3, 1))
    travel(dt.date(2026, 3, 9))
    gongzhi("points", "post-due")
    target = tmp_path / "dividend.csv"
    result = gongzhi(
        "points",
        "dividend",
        "--locality",
        VILLAGE,
        "--period",
        "2026",
        "--pool",
        "100.01",
        "--output",
        str(target),
    )
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8-sig")
    assert "张三" in text and "李梅" in text and "合计,,4,100.01" in text
    assert "50.01" in text and "50.00" in text
    bad = gongzhi("points", "dividend", "--locality", VILLAGE, "--period", "2026", "--pool", "一百")
    assert bad.exit_code == 1 and "pool: 分红总额不是有效的金额" in bad.output


def test_rules_lists_what_is_in_force_at_a_village(gongzhi):
    result = gongzhi("points", "rules", "--locality", VILLAGE)
    assert result.exit_code == 0
    assert "已将配置中的 16 条细则写为新版本" in result.output
    assert "CY01 v1 [村民积分] 参加村民议事会、院坝会等议事协商 +2 分，每月上限 8" in result.output
    assert "自动：consultation.deliberation_attended" in result.output
    again = gongzhi("points", "rules")
    assert "写为新版本" not in again.output


def test_expire_and_reverse_from_the_command_line(make_county, tmp_path, database_url, travel):
    settings = {**SETTINGS, "expiry_months": 1, "notice_days": 0}
    county = make_county(settings)
    data = make_config_data(database_url, ["points"], {"points": settings})
    path = tmp_path / "county.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")

    def run(*args):
        return CliRunner().invoke(main, ["--config", str(path), *args], catch_exceptions=False)

    travel(dt.date(2026, 1, 20))
    with county.runtime.db.transaction() as session:
        claim = submit_claim(
            session,
            county.principal(session, "village"),
            rule_code="HJ01",
            locality_code=VILLAGE,
            activity="一月大扫除",
            occurred_on=dt.date(2026, 1, 10),
            person_ids=[county.people["张三"]],
        )
        transfer_id = claim.transfer_id
    assert "已过期处理 0 个" in run("points", "expire", "--as-of", "2026-02-10").output
    result = run("points", "expire", "--as-of", "2026-03-01")
    assert result.exit_code == 0 and "已过期处理 1 个村（社区），共 2 分" in result.output
    refused = run("points", "reverse", str(transfer_id), "--reason", "重复")
    assert (
        refused.exit_code == 1
        and "积分余额不足：张三（余额 0 分，需扣 2 分）" not in refused.output
    )
    assert run("points", "verify").exit_code == 0
