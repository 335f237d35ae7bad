"""Assessment (评估): eligibility and amount of each programme, with the working written out.

Pure functions over :class:`CaseFacts` (no database), so every rule has worked examples in the
tests. Each returns an :class:`Outcome` whose ``lines`` say, in Chinese, which standard applied,
which figures were used, how they were combined and why the case is or is not eligible.

- 低保: the gap between the local monthly standard and the household's per-capita income, times
  the members counted; financial assets per head at most N months of the standard; no extra
  housing, business, or vehicle above the limit.
- 特困: the basic living standard plus the care allowance of the person's care level, for a person
  whose own income is below the basic standard and whose assets pass the same tests.
- 临时救助: the need, capped at N months of the local 低保 standard; 急难型 need is the declared
  emergency cost, 支出型 need is what the verified out-of-pocket cost exceeds of the household's
  annual income (times a ratio).
- 党内关爱资金: the band of the cause (illness, disaster, accident) the verified loss reaches.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from plugins.assistance.programmes import (
    CARE_CAUSES,
    CARE_LEVELS,
    EXTREME_POVERTY,
    MINIMUM_LIVING,
    PARTY_CARE,
    TEMPORARY,
    TEMPORARY_KINDS,
    check_label,
    programme_title,
)

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value: Decimal | int | str) -> Decimal:
    """``value`` as money: a Decimal rounded half-up to the cent."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def yuan(value: Decimal | int | str) -> str:
    """Money as shown in the working: ``1,200.00 元``."""
    return f"{money(value):,.2f} 元"


@dataclasses.dataclass(frozen=True)
class StandardFacts:
    """The standard that applies: where it was set, since when, and its amounts."""

    place: str
    effective_from: dt.date
    monthly: Decimal
    care: Decimal | None = None

    def describe(self, what: str) -> str:
        """``适用低保标准：城南社区（2026-01-01 起执行）每人每月 800.00 元``."""
        return (
            f"适用{what}：{self.place}（{self.effective_from} 起执行）每人每月 {yuan(self.monthly)}"
        )


@dataclasses.dataclass
class CaseFacts:
    """Everything an assessment looks at, gathered from the case and its verification."""

    programme: str
    members: list[str]
    figures: dict[str, Decimal]
    standard: StandardFacts | None = None
    category: str | None = None
    care_level: str | None = None
    temporary_kind: str | None = None
    cause: str | None = None
    claimed_amount: Decimal | None = None
    upheld_objections: list[str] = dataclasses.field(default_factory=list)
    party_member: bool = True
    fund_balance: Decimal | None = None

    def figure(self, check: str) -> Decimal:
        """The verified figure of ``check`` (0 when the check was not required)."""
        return money(self.figures.get(check, ZERO))


@dataclasses.dataclass
class Outcome:
    """Eligibility, amount (monthly for 低保/特困, one-off otherwise) and the working."""

    eligible: bool
    amount: Decimal
    lines: list[str]
    inputs: dict[str, Any]

    @property
    def text(self) -> str:
        """The working as numbered lines."""
        return "\n".join(f"{n}. {line}" for n, line in enumerate(self.lines, start=1))


def assess(facts: CaseFacts, settings: dict[str, Any]) -> Outcome:
    """Assess a case of any programme."""
    rules = {
        MINIMUM_LIVING: _minimum_living,
        EXTREME_POVERTY: _extreme_poverty,
        TEMPORARY: _temporary,
        PARTY_CARE: _party_care,
    }
    return rules[facts.programme](facts, settings)


def _inputs(facts: CaseFacts, **extra: Any) -> dict[str, Any]:
    data = {
        "programme": facts.programme,
        "members": len(facts.members),
        "figures": {k: str(money(v)) for k, v in sorted(facts.figures.items())},
    }
    if facts.standard is not None:
        data["standard"] = {
            "place": facts.standard.place,
            "effective_from": facts.standard.effective_from.isoformat(),
            "monthly": str(facts.standard.monthly),
            "care": None if facts.standard.care is None else str(facts.standard.care),
        }
    data.update({k: (str(v) if isinstance(v, Decimal) else v) for k, v in extra.items()})
    return data


def _monthly_income(facts: CaseFacts, lines: list[str], who: str) -> Decimal:
    income, pension = facts.figure("income"), facts.figure("pension")
    total = income + pension
    lines.append(
        f"{who}月收入：{check_label('income')} {yuan(income)} + "
        f"{check_label('pension')} {yuan(pension)} = {yuan(total)}"
    )
    return total


def _asset_problems(
    facts: CaseFacts, settings: dict[str, Any], persons: int, standard: Decimal, lines: list[str]
) -> list[str]:
    """Check the asset figures that were verified; return the reasons for ineligibility."""
    problems = []
    if "deposit" in facts.figures:
        deposit = facts.figure("deposit")
        per_head = money(deposit / persons)
        months = settings["deposit_limit_months"]
        limit = money(standard * months)
        over = per_head > limit
        lines.append(
            f"{check_label('deposit')}：合计 {yuan(deposit)}，人均 {yuan(per_head)}；"
            f"上限为 {months} 个月标准即 {yuan(limit)}——{'超过上限' if over else '未超过上限'}"
        )
        if over:
            problems.append("人均金融资产超过上限")
    for check in ("housing", "business"):
        if check in facts.figures:
            value = facts.figure(check)
            lines.append(
                f"{check_label(check)}：{'有，价值 ' + yuan(value) if value > 0 else '无'}"
            )
            if value > 0:
                problems.append(f"有{check_label(check)}")
    if "vehicle" in facts.figures:
        value = facts.figure("vehicle")
        limit = money(settings["vehicle_value_limit"])
        over = value > limit
        lines.append(
            f"{check_label('vehicle')}：价值 {yuan(value)}，上限 {yuan(limit)}——"
            f"{'超过上限' if over else '未超过上限'}"
        )
        if over:
            problems.append("机动车辆价值超过上限")
    return problems


def _objection_problems(facts: CaseFacts, lines: list[str]) -> list[str]:
    for evidence in facts.upheld_objections:
        lines.append(f"公示异议经核实成立：{evidence}")
    return ["公示异议经核实成立"] if facts.upheld_objections else []


def _conclusion(
    facts: CaseFacts, problems: list[str], amount: Decimal, lines: list[str], unit: str
) -> tuple[bool, Decimal]:
    title = programme_title(facts.programme)
    if problems:
        lines.append(f"结论：不符合{title}条件（{'；'.join(problems)}）")
        return False, ZERO
    lines.append(f"结论：符合{title}条件，{unit} {yuan(amount)}")
    return True, amount


def _minimum_living(facts: CaseFacts, settings: dict[str, Any]) -> Outcome:
    assert facts.standard is not None
    lines = [facts.standard.describe("低保标准")]
    standard = money(facts.standard.monthly)
    persons = len(facts.members)
    lines.append(f"计入保障人数：{persons} 人（{'、'.join(facts.members)}）")
    income = _monthly_income(facts, lines, "家庭")
    per_capita = money(income / persons)
    lines.append(f"人均月收入：{yuan(income)} ÷ {persons} = {yuan(per_capita)}")
    problems = _asset_problems(facts, settings, persons, standard, lines)
    problems += _objection_problems(facts, lines)
    if per_capita >= standard:
        lines.append(f"人均月收入 {yuan(per_capita)} 不低于低保标准 {yuan(standard)}")
        problems.insert(0, "人均收入不低于低保标准")
        amount = ZERO
    else:
        amount = money((standard - per_capita) * persons)
        lines.append(
            f"月救助金额：（{yuan(standard)} − {yuan(per_capita)}）× {persons} 人 = {yuan(amount)}"
        )
    eligible, amount = _conclusion(facts, problems, amount, lines, "月救助金额")
    return Outcome(eligible, amount, lines, _inputs(facts, per_capita=per_capita, income=income))


def _extreme_poverty(facts: CaseFacts, settings: dict[str, Any]) -> Outcome:
    assert facts.standard is not None
    standard = money(facts.standard.monthly)
    lines = [facts.standard.describe("特困人员基本生活标准")]
    level = CARE_LEVELS.get(facts.care_level or "", "未定")
    care = facts.standard.care
    problems: list[str] = []
    if care is None:
        lines.append(f"护理等级：{level}；该标准未设置此等级的护理补贴")
        problems.append(f"标准中缺少“{level}”护理补贴")
        care = ZERO
    else:
        care = money(care)
        lines.append(f"护理等级：{level}，护理补贴每月 {yuan(care)}")
    income = _monthly_income(facts, lines, "本人")
    problems += _asset_problems(facts, settings, 1, standard, lines)
    problems += _objection_problems(facts, lines)
    if income >= standard:
        lines.append(f"本人月收入 {yuan(income)} 不低于基本生活标准 {yuan(standard)}")
        problems.insert(0, "本人收入不低于基本生活标准")
    amount = money(standard + care)
    lines.append(
        f"月供养金额：基本生活标准 {yuan(standard)} + 护理补贴 {yuan(care)} = {yuan(amount)}"
    )
    eligible, amount = _conclusion(facts, problems, amount, lines, "月供养金额")
    return Outcome(
        eligible, amount, lines, _inputs(facts, income=income, care_level=facts.care_level)
    )


def _temporary(facts: CaseFacts, settings: dict[str, Any]) -> Outcome:
    assert facts.standard is not None
    standard = money(facts.standard.monthly)
    months = Decimal(settings["temporary_cap_months"])
    cap = money(standard * months)
    kind = facts.temporary_kind
    lines = [
        facts.standard.describe("低保标准"),
        f"救助类型：{TEMPORARY_KINDS.get(kind or '', '未定')}；"
        f"单次上限为 {months.normalize()} 个月低保标准即 {yuan(cap)}",
    ]
    problems = _objection_problems(facts, [])
    need = ZERO
    if kind == "expenditure":
        lines.append(f"计入家庭人数：{len(facts.members)} 人（{'、'.join(facts.members)}）")
        income = _monthly_income(facts, lines, "家庭")
        annual = money(income * 12)
        ratio = Decimal(settings["expenditure_ratio"])
        threshold = money(annual * ratio)
        expense = _verified(facts, "expense", lines, "自付刚性支出")
        lines.append(
            f"家庭年收入：{yuan(income)} × 12 = {yuan(annual)}；"
            f"可承受支出为年收入的 {ratio.normalize()} 倍即 {yuan(threshold)}"
        )
        if expense <= threshold:
            lines.append(f"自付刚性支出 {yuan(expense)} 未超过 {yuan(threshold)}，不属于支出型贫困")
            problems.append("刚性支出未超过家庭可承受范围")
        else:
            need = money(expense - threshold)
            lines.append(f"救助需求：{yuan(expense)} − {yuan(threshold)} = {yuan(need)}")
    elif kind == "emergency":
        need = money(facts.claimed_amount or ZERO)
        lines.append(f"急难救助需求（申报）：{yuan(need)}")
        if need <= 0:
            problems.append("未申报救助需求")
    else:
        problems.append("未选择临时救助类型")
    for text in facts.upheld_objections:
        lines.append(f"公示异议经核实成立：{text}")
    amount = min(need, cap)
    if need > 0:
        lines.append(f"救助金额：需求 {yuan(need)} 与上限 {yuan(cap)} 取较小者 = {yuan(amount)}")
    eligible, amount = _conclusion(facts, problems, amount, lines, "一次性救助金额")
    return Outcome(eligible, amount, lines, _inputs(facts, kind=kind, need=need, cap=cap))


def _verified(facts: CaseFacts, check: str, lines: list[str], what: str) -> Decimal:
    """The verified figure if the check was done, else the declared amount, saying which."""
    claimed = money(facts.claimed_amount or ZERO)
    if check in facts.figures:
        verified = facts.figure(check)
        lines.append(f"{what}：申报 {yuan(claimed)}，核对确认 {yuan(verified)}，按核对数计算")
        return verified
    lines.append(f"{what}：按申报数 {yuan(claimed)} 计算（未要求核对）")
    return claimed


def _party_care(facts: CaseFacts, settings: dict[str, Any]) -> Outcome:
    cause = facts.cause or ""
    lines = [f"资助原因：{CARE_CAUSES.get(cause, '未选择')}"]
    problems: list[str] = []
    if not facts.party_member:
        lines.append("申请人未登记为党员")
        problems.append("党内关爱资金只资助党员")
    check = "expense" if cause == "illness" else "loss"
    loss = _verified(facts, check, lines, "自付医疗费用" if cause == "illness" else "损失金额")
    bands = sorted(
        (b for b in settings["care_fund_bands"] if b["cause"] == cause),
        key=lambda b: b["min_loss"],
    )
    if bands:
        table = "；".join(f"{yuan(b['min_loss'])} 起 {yuan(b['amount'])}" for b in bands)
        lines.append(f"{CARE_CAUSES.get(cause, cause)}资助档次：{table}")
    reached = [b for b in bands if loss >= b["min_loss"]]
    amount = ZERO
    if not reached:
        lowest = yuan(bands[0]["min_loss"]) if bands else "（未设置档次）"
        lines.append(f"未达到最低档起付标准 {lowest}")
        problems.append("未达到资助档次")
    else:
        band = reached[-1]
        amount = money(band["amount"])
        lines.append(f"适用档次：{yuan(band['min_loss'])} 起，资助 {yuan(amount)}")
    problems += _objection_problems(facts, lines)
    if facts.fund_balance is not None:
        enough = facts.fund_balance >= amount
        lines.append(
            f"关爱资金当前余额 {yuan(facts.fund_balance)}"
            + ("" if enough or problems else "，不足以拨付本次资助，审批时将无法拨付")
        )
    eligible, amount = _conclusion(facts, problems, amount, lines, "资助金额")
    return Outcome(eligible, amount, lines, _inputs(facts, cause=cause, loss=loss))
