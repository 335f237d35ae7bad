"""Worked examples of each programme's assessment: the amount, the eligibility and the working."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from plugins.assistance.rules import CaseFacts, StandardFacts, assess
from plugins.assistance.settings import AssistanceSettings

SETTINGS = AssistanceSettings().load({})
D = Decimal


def standard(monthly: str, care: str | None = None) -> StandardFacts:
    return StandardFacts("彭水县", dt.date(2026, 1, 1), D(monthly), D(care) if care else None)


def minimum_living(members: int, **figures: str) -> CaseFacts:
    return CaseFacts(
        programme="minimum_living",
        members=[f"成员{n}" for n in range(1, members + 1)],
        figures={k: D(v) for k, v in figures.items()},
        standard=standard("750"),
    )


# --- 低保 -------------------------------------------------------------------------------------


def test_minimum_living_pays_the_gap_to_the_standard_times_the_members():
    outcome = assess(
        minimum_living(4, income="1000", pension="200", deposit="20000", housing="0", vehicle="0"),
        SETTINGS,
    )
    # per capita (1000 + 200) / 4 = 300; (750 − 300) × 4 = 1800
    assert outcome.eligible
    assert outcome.amount == D("1800.00")
    assert outcome.lines == [
        "适用低保标准：彭水县（2026-01-01 起执行）每人每月 750.00 元",
        "计入保障人数：4 人（成员1、成员2、成员3、成员4）",
        "家庭月收入：工资及经营性收入 1,000.00 元 + 养老金及社会保险待遇 200.00 元 = 1,200.00 元",
        "人均月收入：1,200.00 元 ÷ 4 = 300.00 元",
        "存款及有价证券：合计 20,000.00 元，人均 5,000.00 元；"
        "上限为 24 个月标准即 18,000.00 元——未超过上限",
        "房产（唯一住房以外）：无",
        "机动车辆：价值 0.00 元，上限 0.00 元——未超过上限",
        "月救助金额：（750.00 元 − 300.00 元）× 4 人 = 1,800.00 元",
        "结论：符合城乡低保条件，月救助金额 1,800.00 元",
    ]
    assert outcome.text.startswith("1. 适用低保标准")


def test_minimum_living_rounds_the_per_capita_income_to_the_cent():
    outcome = assess(minimum_living(3, income="1000"), SETTINGS)
    # 1000 / 3 = 333.33; (750 − 333.33) × 3 = 1250.01
    assert outcome.amount == D("1250.01")


def test_a_household_at_or_above_the_standard_is_not_eligible():
    outcome = assess(minimum_living(2, income="1500"), SETTINGS)
    assert not outcome.eligible
    assert outcome.amount == D("0")
    assert "人均月收入 750.00 元 不低于低保标准 750.00 元" in outcome.lines
    assert outcome.lines[-1] == "结论：不符合城乡低保条件（人均收入不低于低保标准）"


@pytest.mark.parametrize(
    ("figures", "reason"),
    [
        ({"deposit": "40000"}, "人均金融资产超过上限"),  # 20,000 a head > 18,000
        ({"housing": "300000"}, "有房产（唯一住房以外）"),
        ({"business": "50000"}, "有工商登记（市场主体）"),
        ({"vehicle": "45000"}, "机动车辆价值超过上限"),
    ],
)
def test_assets_above_the_limits_make_a_poor_household_ineligible(figures, reason):
    outcome = assess(minimum_living(2, income="0", **figures), SETTINGS)
    assert not outcome.eligible
    assert reason in outcome.lines[-1]


def test_the_vehicle_limit_and_the_deposit_months_come_from_the_settings():
    settings = AssistanceSettings().load({"vehicle_value_limit": 30000, "deposit_limit_months": 36})
    outcome = assess(minimum_living(2, income="0", vehicle="25000", deposit="50000"), settings)
    assert outcome.eligible  # 25,000 ≤ 30,000; 25,000 a head ≤ 36 × 750 = 27,000
    assert outcome.amount == D("1500.00")


# --- 特困 -------------------------------------------------------------------------------------


def test_extreme_poverty_pays_the_basic_standard_plus_the_care_allowance_of_the_level():
    facts = CaseFacts(
        programme="extreme_poverty",
        members=["陈孤老"],
        figures={"income": D("0"), "pension": D("180"), "deposit": D("3000")},
        standard=standard("1040", "500"),
        care_level="partial",
    )
    outcome = assess(facts, SETTINGS)
    assert outcome.eligible
    assert outcome.amount == D("1540.00")
    assert "护理等级：部分失能，护理补贴每月 500.00 元" in outcome.lines
    assert (
        "月供养金额：基本生活标准 1,040.00 元 + 护理补贴 500.00 元 = 1,540.00 元" in outcome.lines
    )


def test_extreme_poverty_needs_an_income_below_the_basic_standard():
    facts = CaseFacts(
        programme="extreme_poverty",
        members=["陈孤老"],
        figures={"income": D("0"), "pension": D("1200")},
        standard=standard("1040", "100"),
        care_level="self_care",
    )
    outcome = assess(facts, SETTINGS)
    assert not outcome.eligible
    assert "本人收入不低于基本生活标准" in outcome.lines[-1]


def test_extreme_poverty_without_a_care_allowance_for_the_level_says_so():
    facts = CaseFacts(
        programme="extreme_poverty",
        members=["陈孤老"],
        figures={},
        standard=standard("1040"),
        care_level="full",
    )
    outcome = assess(facts, SETTINGS)
    assert not outcome.eligible
    assert "标准中缺少“完全失能”护理补贴" in outcome.lines[-1]


# --- 临时救助 ---------------------------------------------------------------------------------


def temporary(kind: str, claimed: str, **figures: str) -> CaseFacts:
    return CaseFacts(
        programme="temporary",
        members=["甲", "乙", "丙"],
        figures={k: D(v) for k, v in figures.items()},
        standard=standard("750"),
        temporary_kind=kind,
        claimed_amount=D(claimed),
    )


def test_emergency_assistance_pays_the_declared_need_within_the_cap():
    outcome = assess(temporary("emergency", "3000", income="0"), SETTINGS)
    assert (outcome.eligible, outcome.amount) == (True, D("3000.00"))
    capped = assess(temporary("emergency", "9000", income="0"), SETTINGS)
    # the cap is 6 months of the standard: 6 × 750 = 4,500
    assert capped.amount == D("4500.00")
    assert "救助金额：需求 9,000.00 元 与上限 4,500.00 元 取较小者 = 4,500.00 元" in capped.lines


def test_expenditure_poverty_compares_verified_costs_with_the_household_income():
    # income 1,500 a month = 18,000 a year; verified costs 20,000 exceed it by 2,000
    outcome = assess(temporary("expenditure", "26000", income="1500", expense="20000"), SETTINGS)
    assert outcome.eligible
    assert outcome.amount == D("2000.00")
    assert "自付刚性支出：申报 26,000.00 元，核对确认 20,000.00 元，按核对数计算" in outcome.lines
    assert "救助需求：20,000.00 元 − 18,000.00 元 = 2,000.00 元" in outcome.lines


def test_expenditure_within_what_the_household_can_bear_is_not_poverty():
    outcome = assess(temporary("expenditure", "10000", income="1500", expense="10000"), SETTINGS)
    assert not outcome.eligible
    assert "刚性支出未超过家庭可承受范围" in outcome.lines[-1]


def test_the_temporary_cap_and_ratio_come_from_the_settings():
    settings = AssistanceSettings().load({"temporary_cap_months": 2, "expenditure_ratio": "0.5"})
    outcome = assess(temporary("expenditure", "30000", income="1500", expense="30000"), settings)
    # threshold 0.5 × 18,000 = 9,000; need 21,000; cap 2 × 750 = 1,500
    assert outcome.amount == D("1500.00")


# --- 党内关爱资金 -----------------------------------------------------------------------------


def party_care(cause: str, claimed: str, balance: str = "100000", **figures: str) -> CaseFacts:
    return CaseFacts(
        programme="party_care",
        members=["李党员"],
        figures={k: D(v) for k, v in figures.items()},
        cause=cause,
        claimed_amount=D(claimed),
        fund_balance=D(balance),
    )


@pytest.mark.parametrize(
    ("cause", "loss", "amount"),
    [
        ("illness", "20000", "3000.00"),
        ("illness", "49999.99", "3000.00"),
        ("illness", "50000", "5000.00"),
        ("illness", "180000", "10000.00"),
        ("disaster", "12000", "2000.00"),
        ("accident", "88000", "5000.00"),
    ],
)
def test_the_care_fund_pays_the_band_the_verified_loss_reaches(cause, loss, amount):
    check = "expense" if cause == "illness" else "loss"
    outcome = assess(party_care(cause, "999999", **{check: loss}), SETTINGS)
    assert (outcome.eligible, outcome.amount) == (True, D(amount))


def test_a_loss_below_the_lowest_band_gets_nothing():
    outcome = assess(party_care("illness", "15000", expense="15000"), SETTINGS)
    assert not outcome.eligible
    assert "未达到最低档起付标准 20,000.00 元" in outcome.lines


def test_the_care_fund_is_for_party_members_only():
    facts = party_care("illness", "60000", expense="60000")
    facts.party_member = False
    outcome = assess(facts, SETTINGS)
    assert not outcome.eligible
    assert "党内关爱资金只资助党员" in outcome.lines[-1]


def test_the_working_warns_when_the_fund_cannot_cover_the_grant():
    outcome = assess(party_care("illness", "60000", balance="1000", expense="60000"), SETTINGS)
    assert outcome.eligible  # eligibility is policy; the money is checked again at approval
    assert "关爱资金当前余额 1,000.00 元，不足以拨付本次资助，审批时将无法拨付" in outcome.lines
