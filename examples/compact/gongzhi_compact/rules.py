"""What a village compact (村规民约) may not say, checked before a draft goes any further.

Seed 004, a township's 2022 guidance on community governance, orders every village to revise its
compact and states one limit on the content: "所修订的民约不允许有罚款等条约" — a revised compact
may contain no fines or similar clauses. :func:`violations` implements that rule (罚款, 罚金, 罚钱,
罚没, 经济处罚, 违约金, and "罚" followed by a sum of money), plus the extra phrases a deployment or
a county forbids in its settings. A clause that *rules out* fines ("不得罚款", "禁止以罚款代替教育")
is lawful and passes.

It also checks the shape the workflow relies on: at least one article, numbered 1, 2, 3…
without gaps. :func:`coverage` tells which of the recommended topics (移风易俗, from the same
seed) a compact covers; that is advice, never a refusal.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from typing import Any

FINE_RULE = "村规民约不得设定罚款等处罚（所修订的民约不允许有罚款等条约）"
LOCAL_RULE = "按本地规定，村规民约不得含有此内容"

_WS = r"\s*"
_AMOUNT = r"[0-9０-９零〇一二两三四五六七八九十百千万]+"
FINE_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern)
    for pattern in (
        *(_WS.join(word) for word in ("罚款", "罚金", "罚钱", "罚没", "经济处罚", "违约金")),
        rf"罚[^，。；、,.;\s]{{0,3}}?{_AMOUNT}{_WS}(?:元|块|圆)",
    )
)
"""Ways of imposing a fine: the words, and "罚" followed by a sum (罚500元, 罚其二百元)."""

NEGATIONS = (
    "不得",
    "不准",
    "不能",
    "不允许",
    "不以",
    "不采取",
    "不设",
    "不搞",
    "不实行",
    "禁止",
    "严禁",
    "杜绝",
    "取消",
)
"""Words that, just before a fine, rule it out instead of imposing it (不得罚款)."""

NEGATION_WINDOW = 5
"""How many characters before the phrase, within its clause, a negation may stand."""

CLAUSE_END = re.compile(r"[，。；！？：、,;!?:\n]")


@dataclasses.dataclass(frozen=True)
class Violation:
    """A phrase a compact may not contain: where it is (``第3条`` or ``标题``), the phrase as
    written, and the rule it breaks."""

    place: str
    phrase: str
    rule: str

    @property
    def message(self) -> str:
        """The refusal in Chinese, naming the article and the offending phrase."""
        return f"{self.place}含有“{self.phrase}”：{self.rule}"


@dataclasses.dataclass(frozen=True)
class ArticleText:
    """What the rules need of an article: its number and its text."""

    number: int
    body: str


def _negated(text: str, start: int) -> bool:
    clause_start = 0
    for match in CLAUSE_END.finditer(text, 0, start):
        clause_start = match.end()
    before = text[max(clause_start, start - NEGATION_WINDOW) : start]
    return any(word in before for word in NEGATIONS)


def fines_in(text: str) -> list[str]:
    """The phrases of ``text`` that impose a fine, in order, each once; where two overlap (罚款
    and 罚款500元) the longer one. Fines that are ruled out (不得罚款) are not listed."""
    matches = sorted(
        (match.start(), -len(match.group()), match.group())
        for pattern in FINE_PATTERNS
        for match in pattern.finditer(text)
        if not _negated(text, match.start())
    )
    phrases: list[str] = []
    covered_until = -1
    for start, negative_length, phrase in matches:
        if start < covered_until:
            continue
        covered_until = start - negative_length
        if phrase not in phrases:
            phrases.append(phrase)
    return phrases


def _local_phrases_in(text: str, phrases: Iterable[str]) -> list[str]:
    compact_text = re.sub(r"\s+", "", text)
    return [p for p in phrases if re.sub(r"\s+", "", p) in compact_text]


def violations(
    title: str, articles: Sequence[ArticleText], extra_phrases: Sequence[str] = ()
) -> list[Violation]:
    """Every breach of the rules in ``title`` and ``articles``, in article order.

    ``extra_phrases`` are the locally forbidden phrases (see :func:`local_phrases`).
    """
    found: list[Violation] = []
    places = [("标题", title)] + [
        (f"第{a.number}条", a.body) for a in sorted(articles, key=lambda a: a.number)
    ]
    for place, text in places:
        found.extend(Violation(place, phrase, FINE_RULE) for phrase in fines_in(text))
        found.extend(
            Violation(place, phrase, LOCAL_RULE)
            for phrase in _local_phrases_in(text, extra_phrases)
        )
    return found


def numbering_problem(numbers: Sequence[int]) -> str | None:
    """Why the article numbers are not 1, 2, 3… (or there are none), or ``None``."""
    if not numbers:
        return "村规民约至少要有一条条款"
    expected = 1
    for number in sorted(numbers):
        if number != expected:
            return f"条款须从第1条起连续编号：缺少第{expected}条"
        expected += 1
    return None


def local_phrases(settings: dict[str, Any], locality_code: str) -> list[str]:
    """The phrases forbidden at ``locality_code``: the deployment's, then its county's."""
    county = locality_code[:6] + "000000"
    phrases = list(settings["forbidden_phrases"])
    for phrase in settings["county_forbidden_phrases"].get(county, []):
        if phrase not in phrases:
            phrases.append(phrase)
    return phrases


def coverage(texts: Iterable[str], topics: Sequence[dict[str, Any]]) -> list[tuple[str, bool]]:
    """For each recommended topic, its name and whether any of its keywords occurs in ``texts``."""
    whole = "\n".join(texts)
    return [(t["name"], any(k in whole for k in t["keywords"])) for t in topics]
