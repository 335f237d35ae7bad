"""保障统计 (应保尽保): who is enrolled now and what was paid, by programme, period and place.

Paid figures come from the coverage rows written with each batch (a few rows per village and
month), never from a scan of the payment ledger; current enrolment is one grouped count over the
indexed enrolment table.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.localities import PREFIX_LENGTH, Level, level_of, within
from core.models import Locality
from plugins.assistance.models import AssistanceCoverage, AssistanceEnrolment
from plugins.assistance.programmes import PROGRAMMES


@dataclasses.dataclass
class Figures:
    """Households, persons and money for one programme (and period or place)."""

    programme: str
    households: int = 0
    persons: int = 0
    amount: Decimal = Decimal("0.00")

    @property
    def title(self) -> str:
        """The programme in Chinese."""
        return PROGRAMMES[self.programme].title

    @property
    def per_household(self) -> bool:
        """Whether households are counted for this programme."""
        return PROGRAMMES[self.programme].per_household


@dataclasses.dataclass
class CoverageReport:
    """Current enrolment, payments by period, and payments by the places under the scope."""

    scope_code: str
    period_from: str
    period_to: str
    enrolled: list[Figures]
    by_period: dict[str, list[Figures]]
    by_place: list[tuple[str, str, list[Figures]]]

    @property
    def paid_total(self) -> Decimal:
        """Everything paid in the periods."""
        return sum((f.amount for rows in self.by_period.values() for f in rows), Decimal("0.00"))


def _child_prefix_length(scope_code: str) -> int | None:
    levels = list(PREFIX_LENGTH)
    index = levels.index(level_of(scope_code))
    if index + 1 >= len(levels) or levels[index + 1] is Level.GROUP:
        return None
    return PREFIX_LENGTH[levels[index + 1]]


def _child_code(code: str, length: int) -> str:
    return code[:length] + "0" * (12 - length)


def coverage_report(
    session: Session, scope_code: str, period_from: str, period_to: str
) -> CoverageReport:
    """The coverage figures of a scope for the periods ``period_from``..``period_to``."""
    enrolled: dict[str, Figures] = {
        code: Figures(code) for code in PROGRAMMES if PROGRAMMES[code].recurring
    }
    rows = session.execute(
        select(
            AssistanceEnrolment.programme,
            func.count(AssistanceEnrolment.id),
            func.coalesce(func.sum(AssistanceEnrolment.persons), 0),
            func.coalesce(func.sum(AssistanceEnrolment.monthly_amount), 0),
        )
        .where(
            within(AssistanceEnrolment.locality_code, scope_code),
            AssistanceEnrolment.state == "active",
        )
        .group_by(AssistanceEnrolment.programme)
    ).all()
    for code, count, persons, amount in rows:
        figures = enrolled.setdefault(code, Figures(code))
        figures.households = count if PROGRAMMES[code].per_household else 0
        figures.persons = int(persons)
        figures.amount = Decimal(amount).quantize(Decimal("0.01"))
    paid = session.execute(
        select(
            AssistanceCoverage.period,
            AssistanceCoverage.programme,
            AssistanceCoverage.locality_code,
            AssistanceCoverage.households,
            AssistanceCoverage.persons,
            AssistanceCoverage.amount,
        ).where(
            within(AssistanceCoverage.locality_code, scope_code),
            AssistanceCoverage.period >= period_from,
            AssistanceCoverage.period <= period_to,
        )
    ).all()
    by_period: dict[str, dict[str, Figures]] = defaultdict(dict)
    length = _child_prefix_length(scope_code)
    by_place: dict[str, dict[str, Figures]] = defaultdict(dict)
    for period, code, place, households, persons, amount in paid:
        for bucket in (by_period[period], by_place[_child_code(place, length)] if length else None):
            if bucket is None:
                continue
            figures = bucket.setdefault(code, Figures(code))
            figures.households += households
            figures.persons += persons
            figures.amount += amount
    names = {}
    if by_place:
        names = dict(
            session.execute(
                select(Locality.code, Locality.name).where(Locality.code.in_(list(by_place)))
            ).all()
        )
    order = list(PROGRAMMES)
    return CoverageReport(
        scope_code=scope_code,
        period_from=period_from,
        period_to=period_to,
        enrolled=[enrolled[c] for c in order if c in enrolled],
        by_period={
            p: sorted(v.values(), key=lambda f: order.index(f.programme))
            for p, v in sorted(by_period.items())
        },
        by_place=[
            (
                code,
                names.get(code, code),
                sorted(v.values(), key=lambda f: order.index(f.programme)),
            )
            for code, v in sorted(by_place.items())
        ],
    )
