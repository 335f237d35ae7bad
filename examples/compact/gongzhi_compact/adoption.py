"""Adoption: a reviewed version is put to a deliberation of the consultation plugin, the
meeting votes on it, and the vote adopts or rejects the version the moment the meeting's results
are published; the village then publishes the adopted version.

The link to the consultation plugin (which this plugin ``requires``) goes through its public
services: putting a version forward submits a consultation matter (协商事项, catalogue item
``consultation_item``, A01 村规民约的制定和修订 by default) and places it on the chosen meeting's
agenda with :func:`plugins.consultation.deliberations.add_agenda`; being the village committee's
own proposal, the matter is taken up at once where it can be (accepted, triaged as a 小事 led by
the committee, started) and resolved with the vote's result. The meeting then runs as any
other: attendance, the outcome and the vote (赞成/反对/弃权), publication of its results.

Publishing the results emits ``consultation.deliberation_published``; :func:`react` (the
plugin's ``on_event``, matching the event by name) adopts each version on that agenda when more
than half of those present voted for it (村民会议所作决定应当经到会人员的过半数通过) and rejects
it otherwise, in the publication's transaction, as the system (:data:`EVENT_ACTOR`). A version
leaves ``deliberation`` when its result is recorded, and the adoption record is unique per
version, so the same event delivered twice records nothing more.

The manual ``adopt`` and ``reject`` steps (补录) remain for a version whose meeting's results were
published without the reaction: before consultation emitted the event, or while ``[coverage]``
had this plugin switched off at the village. They are guarded by the same published vote.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import utcnow
from core.events import emit
from core.models import Organization
from core.runtime import plugin_settings
from core.security import SystemActor
from core.workflow import WorkflowError
from plugins.consultation.deliberations import add_agenda, attendee_count
from plugins.consultation.errors import ConsultationError
from plugins.consultation.matters import COMMITTEE_KINDS, resolve, submit_matter, triage_matter
from plugins.consultation.models import (
    ConsultationAgendaItem,
    ConsultationDeliberation,
    ConsultationMatter,
)
from plugins.consultation.workflow import HANDLE, MATTER_WORKFLOW, TRIAGE

from gongzhi_compact.errors import CompactError
from gongzhi_compact.events import CompactAdopted, CompactPublished
from gongzhi_compact.models import CompactAdoption, CompactVersion

MAX_DESCRIPTION = 5000
"""The longest description of a consultation matter."""

PUBLISHED_EVENT = "consultation.deliberation_published"
"""The consultation plugin's event for a meeting whose results were published, matched by name."""

EVENT_ACTOR = "system:compact-event"
"""Who records a vote on the event's behalf, in the adoption record and the audit log."""


def linked_deliberation(
    session: Session, version: CompactVersion
) -> ConsultationDeliberation | None:
    """The meeting chosen to deliberate the version, if any."""
    if version.deliberation_id is None:
        return None
    return session.get(ConsultationDeliberation, version.deliberation_id)


def meeting_problem(session: Session, version: CompactVersion) -> str | None:
    """Why the chosen meeting cannot deliberate the version, or ``None``.

    The meeting must be the village's own (a 村民会议 or 村民代表会议 of the whole village, not a
    group's or the township's) and still planned or under way.
    """
    if version.deliberation_id is None:
        return "请选择审议本村规民约的议事会议"
    deliberation = linked_deliberation(session, version)
    if deliberation is None:
        return f"议事会议 {version.deliberation_id} 不存在"
    if deliberation.locality_code != version.locality_code:
        return (
            f"议事会议“{deliberation.title}”不是本村（社区）召开的会议："
            "村规民约须由本村（社区）的会议审议"
        )
    if deliberation.state not in ("planned", "held"):
        return f"议事会议“{deliberation.title}”已公开结果或已取消，不能再列入议题"
    return None


def _description(version: CompactVersion) -> str:
    lines = [f"审议{version.label}，共 {len(version.articles)} 条："]
    chapter = None
    for article in version.articles:
        if article.chapter and article.chapter != chapter:
            chapter = article.chapter
            lines.append(chapter)
        lines.append(f"第{article.number}条 {article.body}")
    text = "\n".join(lines)
    if len(text) > MAX_DESCRIPTION:
        text = text[: MAX_DESCRIPTION - 20] + "……（全文见村规民约）"
    return text


def put_on_agenda(session: Session, version: CompactVersion, actor: Any) -> None:
    """Submit the version as a consultation matter, take it up for the village committee (see
    :func:`_take_up`) and put it on the chosen meeting's agenda."""
    deliberation = linked_deliberation(session, version)
    assert deliberation is not None  # the refer guard checked it
    item_code = plugin_settings(session, "compact", version.locality_code)["consultation_item"]
    try:
        matter = submit_matter(
            session,
            locality_code=version.locality_code,
            item_code=item_code,
            title=f"审议{version.label}"[:100],
            description=_description(version),
            source="committee",
            is_public=True,
        )
    except ConsultationError as exc:
        if exc.field == "item_code":
            raise CompactError(
                "consultation_item",
                f"设置 plugins.compact.consultation_item 有误：{exc.message}",
            ) from exc
        raise CompactError("deliberation_id", exc.message) from exc
    _take_up(session, matter, actor)
    try:
        add_agenda(session, deliberation, [matter.id])
    except ConsultationError as exc:
        raise CompactError("deliberation_id", exc.message) from exc
    version.matter_id = matter.id


def _take_up(session: Session, matter: ConsultationMatter, actor: Any) -> None:
    """The village committee proposes the compact itself, so its matter is accepted, triaged as
    the catalogue says (小事, led by the village committee) and started at once, by the same
    actor. When that cannot be done here (the actor lacks consultation's permissions, the item is
    not a 小事, the village has no committee registered), the matter waits in 协商事项 for the
    staff, as any other."""
    if not (actor.has_permission(HANDLE) and actor.has_permission(TRIAGE)):
        return
    if matter.default_triage != "minor":
        return
    committee = session.scalar(
        select(Organization.id)
        .where(
            Organization.locality_code == matter.locality_code,
            Organization.kind.in_(COMMITTEE_KINDS),
        )
        .limit(1)
    )
    if committee is None:
        return
    MATTER_WORKFLOW.apply(matter, "accept", actor, session)
    triage_matter(session, matter, actor, "minor", lead_organization_id=committee)
    MATTER_WORKFLOW.apply(matter, "start", actor, session)


def _conclude_matter(session: Session, version: CompactVersion, actor: Any, result: str) -> None:
    """办结 the version's matter with ``result`` when it is in progress and the actor may."""
    matter = session.get(ConsultationMatter, version.matter_id) if version.matter_id else None
    if matter is None or matter.state != "in_progress" or not actor.has_permission(HANDLE):
        return
    resolve(session, matter, actor, result)


@dataclasses.dataclass(frozen=True)
class Vote:
    """Where a version's deliberation stands: ``problem`` says why no result can be recorded
    yet (or that there was no vote), ``final`` whether the meeting's results are published.
    ``counts`` is (for, against, abstain), ``None`` when the meeting took no vote on it."""

    deliberation: ConsultationDeliberation | None
    attendees: int
    counts: tuple[int, int, int] | None
    outcome: str | None
    problem: str | None
    final: bool

    @property
    def passed(self) -> bool:
        """More than half of those present voted for the version."""
        if self.counts is None or self.problem:
            return False
        return self.counts[0] * 2 > self.attendees

    @property
    def summary(self) -> str:
        """``赞成 8 票、反对 2 票、弃权 1 票（参会 11 人）``."""
        if self.counts is None:
            return "未表决"
        votes_for, against, abstain = self.counts
        return (
            f"赞成 {votes_for} 票、反对 {against} 票、弃权 {abstain} 票（参会 {self.attendees} 人）"
        )


def _no_vote(deliberation: ConsultationDeliberation, attendees: int, outcome: str | None) -> Vote:
    return Vote(
        deliberation,
        attendees,
        None,
        outcome,
        f"议事会议“{deliberation.title}”没有对本村规民约进行表决",
        True,
    )


def vote_of(session: Session, version: CompactVersion) -> Vote:
    """The vote on the version at its meeting, as far as it has got, read from the meeting's
    agenda."""
    deliberation = linked_deliberation(session, version)
    if deliberation is None:
        return Vote(None, 0, None, None, "尚未选择审议本村规民约的议事会议", False)
    if deliberation.state == "cancelled":
        return Vote(deliberation, 0, None, None, "议事会议已取消，请撤回后重新提交议事协商", False)
    if deliberation.state != "published":
        return Vote(
            deliberation,
            0,
            None,
            None,
            f"议事会议“{deliberation.title}”的协商结果尚未公开，结果公开时将按表决情况自动记录",
            False,
        )
    item = session.scalar(
        select(ConsultationAgendaItem).where(
            ConsultationAgendaItem.deliberation_id == deliberation.id,
            ConsultationAgendaItem.matter_id == version.matter_id,
        )
    )
    attendees = attendee_count(session, deliberation)
    if item is None or not item.has_vote:
        return _no_vote(deliberation, attendees, item.outcome if item else None)
    counts = (item.votes_for or 0, item.votes_against or 0, item.votes_abstain or 0)
    return Vote(deliberation, attendees, counts, item.outcome, None, True)


def vote_in_event(
    deliberation: ConsultationDeliberation, payload: Mapping[str, Any], matter_id: int | None
) -> Vote:
    """The vote on matter ``matter_id`` as ``consultation.deliberation_published`` announces it
    (its payload: ``present`` and one ``agenda`` entry per matter)."""
    present = int(payload["present"])
    entry = next((e for e in payload.get("agenda") or () if e.get("matter_id") == matter_id), None)
    if entry is None or entry.get("votes_for") is None:
        return _no_vote(deliberation, present, entry.get("outcome") if entry else None)
    counts = (
        int(entry["votes_for"]),
        int(entry.get("votes_against") or 0),
        int(entry.get("votes_abstain") or 0),
    )
    return Vote(deliberation, present, counts, entry.get("outcome"), None, True)


def record_decision(
    session: Session, version: CompactVersion, actor: Any, *, adopted: bool
) -> CompactAdoption:
    """Keep the vote with the version (append-only) and resolve its consultation matter with the
    result; an adoption emits ``CompactAdopted``."""
    vote = vote_of(session, version)
    recorded_by = getattr(actor, "label", None) or "system"
    assert vote.deliberation is not None and version.matter_id is not None
    counts = vote.counts or (None, None, None)
    record = CompactAdoption(
        version_id=version.id,
        version_number=version.number,
        adopted=adopted,
        deliberation_id=vote.deliberation.id,
        matter_id=version.matter_id,
        attendees=vote.attendees,
        votes_for=counts[0],
        votes_against=counts[1],
        votes_abstain=counts[2],
        outcome=vote.outcome or "未表决",
        recorded_by=recorded_by,
        locality_code=version.locality_code,
    )
    session.add(record)
    session.flush()
    verdict = "表决通过" if adopted else "表决未通过"
    _conclude_matter(
        session,
        version,
        actor,
        f"{version.label}经“{vote.deliberation.title}”{verdict}：{vote.summary}。",
    )
    if adopted:
        emit(
            session,
            CompactAdopted(
                locality_code=version.locality_code,
                version_id=version.id,
                deliberation_id=vote.deliberation.id,
            ),
        )
    return record


@contextlib.contextmanager
def _as_system(session: Session) -> Iterator[SystemActor]:
    """Write as :data:`EVENT_ACTOR`: the changes pending so far (the meeting's publication) are
    flushed first under the session's own actor, so the audit log tells the clerk who published
    the results from the system that recorded the vote."""
    session.flush()
    previous = session.info.get("actor")
    session.info["actor"] = EVENT_ACTOR
    try:
        yield SystemActor(label=EVENT_ACTOR)
        session.flush()
    finally:
        session.info["actor"] = previous


def react(event: Any, session: Session) -> list[CompactVersion]:
    """Record the vote on every version on the agenda of a meeting whose results were just
    published (``consultation.deliberation_published``, matched by name; other events are
    ignored); returns the versions decided.

    A version is adopted when more than half of those present voted for it, rejected otherwise
    (also when the meeting took no vote on it). Only versions still waiting for this meeting
    (state ``deliberation``) are decided, so the same event delivered again changes nothing.
    """
    if getattr(event, "name", None) != PUBLISHED_EVENT:
        return []
    from gongzhi_compact.workflow import VERSION_WORKFLOW

    payload = event.payload()
    waiting = session.scalars(
        select(CompactVersion)
        .where(
            CompactVersion.deliberation_id == payload["deliberation_id"],
            CompactVersion.state == "deliberation",
        )
        .order_by(CompactVersion.id)
    ).all()
    if not waiting:
        return []
    with _as_system(session) as system:
        for version in waiting:
            deliberation = linked_deliberation(session, version)
            assert deliberation is not None  # selected by its deliberation
            vote = vote_in_event(deliberation, payload, version.matter_id)
            step = "adopt" if vote.passed else "reject"
            try:
                VERSION_WORKFLOW.apply(version, step, system, session)
            except WorkflowError as exc:  # the stored vote disagrees with the announced one
                raise CompactError(
                    "deliberation_id",
                    f"{version.label}的表决结果与议事会议公开的结果不一致：{exc}",
                ) from exc
    return list(waiting)


def withdraw_from_meeting(session: Session, version: CompactVersion, actor: Any) -> None:
    """The village takes the version back before its meeting: its matter is resolved saying so,
    and the version no longer points at the meeting."""
    _conclude_matter(session, version, actor, f"{version.label}撤回修改：{version.reason or ''}")
    version.deliberation_id = None
    version.matter_id = None


def supersede_and_announce(session: Session, version: CompactVersion) -> None:
    """The village's previously published version gives way; emits ``CompactPublished``."""
    previous = session.scalars(
        select(CompactVersion).where(
            CompactVersion.locality_code == version.locality_code,
            CompactVersion.state == "published",
            CompactVersion.id != version.id,
        )
    ).all()
    now = utcnow()
    for old in previous:
        old.state = "superseded"
        old.superseded_at = now
    session.flush()
    emit(
        session,
        CompactPublished(
            locality_code=version.locality_code,
            version_id=version.id,
            superseded_version_id=max((v.id for v in previous), default=None),
        ),
    )


def refer(
    session: Session,
    version: CompactVersion,
    deliberation_id: int,
    actor: object,
    scope_code: str | None = None,
) -> None:
    """Put a reviewed version to the meeting ``deliberation_id`` (the ``refer`` transition).

    ``scope_code`` is the caller's scope: a meeting outside it is named by id only.
    """
    from core.localities import is_within

    from gongzhi_compact.workflow import VERSION_WORKFLOW

    deliberation = session.get(ConsultationDeliberation, deliberation_id)
    if deliberation is None or (
        scope_code is not None and not is_within(deliberation.locality_code, scope_code)
    ):
        raise CompactError(
            "deliberation_id", f"议事会议 {deliberation_id} 不存在或不在您的管辖范围内"
        )
    version.deliberation_id = deliberation.id
    VERSION_WORKFLOW.apply(version, "refer", actor, session)  # type: ignore[arg-type]
