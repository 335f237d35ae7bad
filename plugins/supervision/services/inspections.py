"""季度督查: drawing a reproducible sample of at least 15% of the villages, and findings."""

from __future__ import annotations

import datetime as dt
import math
import random
import secrets
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.events import emit
from core.localities import Level, level_of
from core.models import Locality
from core.runtime import plugin_settings
from plugins.supervision.events import FindingVerified
from plugins.supervision.models import InspectionFinding, InspectionRound, InspectionTarget
from plugins.supervision.models.common import clean_text
from plugins.supervision.models.constants import FINDING_CATEGORIES
from plugins.supervision.services import SupervisionError, now, today
from plugins.supervision.services.disclosures import villages_under
from plugins.supervision.workflows import actor_label


def sample_size(population: int, rate: int) -> int:
    """How many of ``population`` villages a ``rate``% sample takes: rounded up, at least one."""
    if population <= 0:
        return 0
    return max(1, math.ceil(population * rate / 100))


def draw(population: Sequence[str], seed: str, size: int) -> list[str]:
    """The sample: ``size`` codes drawn from the sorted ``population`` with ``random.Random(seed)``.

    Python seeds a ``Random`` from a string through SHA-512, the same on every platform and
    version since 3.2, so anyone holding the population and the seed can redraw the sample.
    """
    return random.Random(seed).sample(sorted(population), size)


def draw_round(
    session: Session,
    actor: Any,
    *,
    scope_code: str,
    year: int,
    quarter: int,
    rate: int | None = None,
    seed: str | None = None,
    note: str | None = None,
) -> InspectionRound:
    """Draw the quarter's sample of the villages under ``scope_code`` (a county or town).

    The rate may not be below the county's minimum (15% unless set higher); the seed is kept
    (a fresh random one if none is given) together with the population, so the draw can be
    reproduced and checked with :func:`verify_round`.
    """
    minimum = plugin_settings(session, "supervision")["inspection_min_rate"]
    rate = minimum if rate is None else rate
    if not isinstance(rate, int) or rate < minimum or rate > 100:
        raise SupervisionError(
            f"抽查比例 {rate}% 低于规定的 {minimum}%：每季度抽查的村不得少于 {minimum}%"
            if isinstance(rate, int) and rate < minimum
            else f"抽查比例必须是 {minimum} 到 100 之间的整数：{rate}",
            "rate",
        )
    if quarter not in (1, 2, 3, 4):
        raise SupervisionError(f"季度必须是 1 到 4：{quarter}", "quarter")
    if not 2000 <= year <= 2100:
        raise SupervisionError(f"年度不正确：{year}", "year")
    place = session.get(Locality, scope_code)
    if place is None or level_of(scope_code) not in (Level.COUNTY, Level.TOWN):
        raise SupervisionError("抽查范围必须是县或乡镇", "scope_code")
    seed = (seed or "").strip() or secrets.token_hex(8)
    if len(seed) > 64 or not seed.isprintable():
        raise SupervisionError("随机种子最长 64 个字符，且不能含控制字符", "seed")
    existing = session.scalar(
        select(InspectionRound).where(
            InspectionRound.locality_code == scope_code,
            InspectionRound.year == year,
            InspectionRound.quarter == quarter,
        )
    )
    if existing is not None:
        raise SupervisionError(f"{existing.label}已经抽取过，不能重新抽取", "quarter")
    population = villages_under(session, scope_code)
    if not population:
        raise SupervisionError("该范围内没有村（社区），无法抽查", "scope_code")
    size = sample_size(len(population), rate)
    chosen = draw(population, seed, size)
    inspection = InspectionRound(
        locality_code=scope_code,
        year=year,
        quarter=quarter,
        rate=rate,
        seed=seed,
        population=population,
        population_size=len(population),
        sample_size=size,
        note=clean_text(note, "说明", required=False, limit=2000),
        drawn_by=actor_label(actor),
        drawn_at=now(session),
    )
    inspection.targets = [
        InspectionTarget(locality_code=code, draw_order=order)
        for order, code in enumerate(chosen, start=1)
    ]
    session.add(inspection)
    session.flush()
    return inspection


def verify_round(inspection: InspectionRound) -> tuple[bool, list[str]]:
    """Redraw the sample from the recorded population and seed: (matches, the redrawn codes)."""
    expected = draw(inspection.population, inspection.seed, inspection.sample_size)
    drawn = [t.locality_code for t in sorted(inspection.targets, key=lambda t: t.draw_order)]
    rate_ok = inspection.sample_size * 100 >= inspection.population_size * inspection.rate
    return expected == drawn and rate_ok, expected


def add_finding(
    session: Session,
    actor: Any,
    target: InspectionTarget,
    *,
    category: str,
    description: str,
    deadline: dt.date | None = None,
) -> InspectionFinding:
    """Record a problem found in an inspected village, with a rectification deadline (by default
    the ``rectification_days`` in force at that village)."""
    if not actor.has_permission("supervision.inspection.manage"):
        raise SupervisionError("您没有录入督查问题的权限")
    if category not in FINDING_CATEGORIES:
        raise SupervisionError(
            f"问题类别必须是 {'、'.join(FINDING_CATEGORIES)} 之一：{category}", "category"
        )
    days = plugin_settings(session, "supervision", target.locality_code)["rectification_days"]
    deadline = deadline or today(session) + dt.timedelta(days=days)
    try:
        finding = InspectionFinding(
            target=target,
            locality_code=target.locality_code,
            category=category,
            description=description,
            deadline=deadline,
            created_at=now(session),
        )
    except ValueError as exc:
        raise SupervisionError(str(exc), "description") from exc
    session.add(finding)
    session.flush()
    return finding


def after_finding_transition(
    finding: InspectionFinding, transition: Any, actor: Any, session: Session, reason: str | None
) -> None:
    """Keep who reported and verified; a verified finding is announced."""
    label = actor_label(actor)
    if transition.name == "report":
        finding.reported_by, finding.reported_at = label, now(session)
    elif transition.name in ("verify", "reject"):
        finding.verified_by, finding.verified_at = label, now(session)
        finding.reason = (reason or "").strip()[:200] or None
    if transition.name == "verify":
        session.flush()
        emit(
            session,
            FindingVerified(
                locality_code=finding.locality_code,
                finding_id=finding.id,
                round_id=finding.target.round_id,
            ),
        )
