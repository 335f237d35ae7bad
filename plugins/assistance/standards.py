"""Which 救助标准 applies to a place on a day: the most specific locality, then the latest date."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.localities import parent_code
from core.models import Locality
from plugins.assistance.errors import AssistanceError
from plugins.assistance.models import AssistanceStandard
from plugins.assistance.programmes import programme_title


def lineage(code: str) -> list[str]:
    """``code`` and every code above it, from the most specific up (no database needed)."""
    codes = [code]
    while (up := parent_code(codes[-1])) is not None:
        codes.append(up)
    return codes


def applicable_standard(
    session: Session, programme: str, locality_code: str, day: dt.date
) -> AssistanceStandard:
    """The standard of ``programme`` in force at ``locality_code`` on ``day``.

    A locality's own standard beats its town's, which beats its county's. Raises
    :class:`AssistanceError` naming the place when none is set.
    """
    codes = lineage(locality_code)
    candidates = session.scalars(
        select(AssistanceStandard).where(
            AssistanceStandard.programme == programme,
            AssistanceStandard.locality_code.in_(codes),
            AssistanceStandard.effective_from <= day,
        )
    ).all()
    if not candidates:
        place = session.get(Locality, locality_code)
        name = place.name if place else locality_code
        raise AssistanceError(
            f"尚未设置{name}适用的{programme_title(programme)}标准（{day} 有效），"
            "请先在“救助标准”中维护"
        )
    rank = {code: index for index, code in enumerate(codes)}
    return min(candidates, key=lambda s: (rank[s.locality_code], -s.effective_from.toordinal()))
