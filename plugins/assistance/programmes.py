"""The catalogue of 社会救助: the four programmes, the verification checks and their labels.

Programmes are fixed by national policy, so they live in code; the money amounts that vary by
place and year (救助标准) live in the database (:class:`~plugins.assistance.models.Standard`), and
the rules that counties tune (notice days, review intervals, caps, care-fund bands) in the
plugin's settings.
"""

from __future__ import annotations

import dataclasses

MINIMUM_LIVING = "minimum_living"
EXTREME_POVERTY = "extreme_poverty"
TEMPORARY = "temporary"
PARTY_CARE = "party_care"


@dataclasses.dataclass(frozen=True)
class Programme:
    """A programme: who it is for (a household or a person) and whether it pays monthly."""

    code: str
    title: str
    per_household: bool
    recurring: bool
    notice_category: str

    @property
    def unit_label(self) -> str:
        """户 or 人: what one case covers."""
        return "户" if self.per_household else "人"


PROGRAMMES: dict[str, Programme] = {
    MINIMUM_LIVING: Programme(MINIMUM_LIVING, "城乡低保", True, True, "低保公示"),
    EXTREME_POVERTY: Programme(EXTREME_POVERTY, "特困人员供养", False, True, "特困供养公示"),
    TEMPORARY: Programme(TEMPORARY, "临时救助", True, False, "临时救助公示"),
    PARTY_CARE: Programme(PARTY_CARE, "党内关爱资金", False, False, "党内关爱资金公示"),
}
"""Every programme by code, in display order."""

PROGRAMME_CHOICES = [(p.code, p.title) for p in PROGRAMMES.values()]


def programme(code: str) -> Programme:
    """The programme called ``code``; ``ValueError`` with a Chinese message otherwise."""
    try:
        return PROGRAMMES[code]
    except KeyError:
        names = "、".join(f"{p.code}（{p.title}）" for p in PROGRAMMES.values())
        raise ValueError(f"救助项目无效：{code}。可选：{names}") from None


def programme_title(code: str | None) -> str:
    """The Chinese title of a programme code (the code itself if unknown)."""
    found = PROGRAMMES.get(code or "")
    return found.title if found else (code or "")


# --- verification checks (核对项目) -----------------------------------------------------------

CHECKS: dict[str, str] = {
    "income": "工资及经营性收入",
    "pension": "养老金及社会保险待遇",
    "housing": "房产（唯一住房以外）",
    "vehicle": "机动车辆",
    "business": "工商登记（市场主体）",
    "deposit": "存款及有价证券",
    "expense": "自付医疗费用及刚性支出",
    "loss": "灾害或意外事故损失",
    "objection": "公示异议核实",
}
"""Check codes and labels. ``objection`` is created by an objection, never by settings."""

DATA_CHECKS = [code for code in CHECKS if code != "objection"]
"""Checks a data source can answer and settings can require."""

MONTHLY_CHECKS = ("income", "pension")
"""Checks whose figure is a monthly household income (元/月)."""

ASSET_CHECKS = ("housing", "vehicle", "business", "deposit")
"""Checks whose figure is the value of an asset (元)."""

CHECK_UNITS = {"income": "元/月", "pension": "元/月"}


def check_label(code: str | None) -> str:
    """The Chinese label of a check code."""
    return CHECKS.get(code or "", code or "")


# --- case details -----------------------------------------------------------------------------

CATEGORIES = {
    "stable": "收入难以改善（每年复核）",
    "variable": "收入不固定或有劳动能力（每半年复核）",
}
"""低保 household categories; they decide how often the household is reviewed."""

CARE_LEVELS = {
    "self_care": "生活自理",
    "partial": "部分失能",
    "full": "完全失能",
}
"""特困 care levels; each has its own monthly care allowance in the standard."""

TEMPORARY_KINDS = {
    "emergency": "急难型",
    "expenditure": "支出型",
}
"""临时救助 kinds: a sudden emergency, or expenditure-type poverty (刚性支出远超收入)."""

CARE_CAUSES = {
    "illness": "重大疾病",
    "disaster": "重大灾害",
    "accident": "重大意外事故",
}
"""党内关爱资金 causes; each has its own bands."""

CHANNELS = {
    "window": "窗口受理",
    "online": "网上申请",
    "proactive": "主动发现",
}
"""How an application arrived (一门受理: any window accepts every programme)."""

LEAD_KINDS = {
    "serious_illness": "重病",
    "disaster": "受灾",
    "income_loss": "突发收入下降",
    "high_expense": "大额自付医疗费用",
    "other": "其他困难",
}
"""What a lead (主动发现线索) reports."""

LEAD_SOURCES = {
    "flag": "人工标记",
    "event": "业务事件",
    "import": "名单导入",
}

CONSENT_RELATIONS = ("本人", "配偶", "子女", "父母", "监护人", "委托代理人")
