"""Residents' evaluation (群众评议) of resolved matters: who may rate, and when it is decided.

Residents of the matter's village (not only the reporter) rate it satisfied, partly satisfied or
not satisfied, once per resident and round. The evaluation can be concluded once enough residents
have rated (``evaluation_min_ratings``) or the evaluation period (``evaluation_days``) is over;
then a "not satisfied" majority of the ratings reopens the matter, otherwise it is evaluated.
A period that ends without any rating counts as no objection.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.localities import is_within
from core.models import Person
from core.runtime import plugin_settings
from plugins.consultation.errors import ConsultationError, visible
from plugins.consultation.models import VERDICTS, ConsultationMatter, ConsultationRating


@dataclasses.dataclass(frozen=True)
class EvaluationStatus:
    """The current round's ratings of a matter and whether they decide it."""

    counts: dict[str, int]
    concluded: bool
    pending_reason: str | None

    @property
    def total(self) -> int:
        """How many residents rated in this round."""
        return sum(self.counts.values())

    @property
    def dissatisfied_majority(self) -> bool:
        """More than half of the ratings are "not satisfied"."""
        return self.counts["not_satisfied"] * 2 > self.total

    @property
    def satisfaction_rate(self) -> float | None:
        """Share of "satisfied" ratings, ``None`` without ratings."""
        return self.counts["satisfied"] / self.total if self.total else None


def tally(session: Session, matter: ConsultationMatter) -> dict[str, int]:
    """Ratings of the matter's current round by verdict (every verdict present, maybe 0)."""
    counts = dict.fromkeys(VERDICTS, 0)
    rows = session.execute(
        select(ConsultationRating.verdict, func.count())
        .where(
            ConsultationRating.matter_id == matter.id,
            ConsultationRating.round == matter.evaluation_round,
        )
        .group_by(ConsultationRating.verdict)
    )
    for verdict, count in rows:
        counts[verdict] = count
    return counts


def evaluation_status(
    session: Session, matter: ConsultationMatter, now: dt.datetime
) -> EvaluationStatus:
    """Whether the evaluation of a resolved matter can be concluded now, and how it stands."""
    settings = plugin_settings(session, "consultation", matter.locality_code)
    counts = tally(session, matter)
    total = sum(counts.values())
    minimum = settings["evaluation_min_ratings"]
    ends = (matter.resolved_at or now) + dt.timedelta(days=settings["evaluation_days"])
    if total >= minimum or now >= ends:
        return EvaluationStatus(counts, True, None)
    return EvaluationStatus(
        counts,
        False,
        f"评议尚未结束：已有 {total} 人评议，需满 {minimum} 人或等到评议期满",
    )


def rate(
    session: Session,
    matter: ConsultationMatter,
    person_id: int,
    verdict: str,
    comment: str | None,
    recorded_by: str,
    scope_code: str | None = None,
) -> ConsultationRating:
    """Record a resident's rating of a resolved matter; refuses (writing nothing) a rating by
    someone outside the matter's village, of a matter not awaiting evaluation, or a second
    rating by the same resident in the same round. ``scope_code`` is the caller's scope: a
    resident outside it is named by id only. On :class:`ConsultationError` the caller
    rolls its transaction back."""
    if verdict not in VERDICTS:
        raise ConsultationError("verdict", f"评价必须是以下之一：{'、'.join(VERDICTS.values())}")
    if matter.state != "resolved":
        raise ConsultationError("matter", "只有已办结、正在评议的事项可以评价")
    person = session.get(Person, person_id)
    if person is None or not visible(person.locality_code, scope_code):
        raise ConsultationError("person_id", f"居民 {person_id} 不存在或不在您的管辖范围内")
    if not is_within(person.locality_code, matter.village_code):
        raise ConsultationError("person_id", f"居民 {person.name} 不是本村（社区）居民，不能评议")
    comment = (comment or "").strip() or None
    if comment and len(comment) > 500:
        raise ConsultationError("comment", "评价意见最长 500 个字")
    if comment and "\x00" in comment:
        raise ConsultationError("comment", "评价意见含有非法字符")
    already = session.scalar(
        select(ConsultationRating.id).where(
            ConsultationRating.matter_id == matter.id,
            ConsultationRating.round == matter.evaluation_round,
            ConsultationRating.person_id == person_id,
        )
    )
    if already is not None:
        raise ConsultationError("person_id", f"居民 {person.name} 已经评价过本轮办理结果")
    rating = ConsultationRating(
        matter_id=matter.id,
        round=matter.evaluation_round,
        person_id=person_id,
        verdict=verdict,
        comment=comment,
        recorded_by=recorded_by,
        locality_code=matter.locality_code,
    )
    name = person.name  # the session is unusable after a failed flush
    session.add(rating)
    try:
        session.flush()
    except IntegrityError as exc:  # the same resident, concurrently: the caller rolls back
        raise ConsultationError("person_id", f"居民 {name} 已经评价过本轮办理结果") from exc
    return rating


def may_rate(person: Person, matter: ConsultationMatter) -> bool:
    """Whether ``person`` lives in the matter's village."""
    return is_within(person.locality_code, matter.village_code)
