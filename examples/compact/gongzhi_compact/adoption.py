"""Adoption: a reviewed version is put to a deliberation of the consultation plugin, the
meeting votes on it, and the village records the result and publishes the adopted version.

The link to the consultation plugin (which this plugin ``requires``) goes through its public
services: putting a version forward submits a consultation matter (协商事项, catalogue item
``consultation_item``, A01 村规民约的制定和修订 by default) and places it on the chosen meeting's
agenda with :func:`plugins.consultation.deliberations.add_agenda`; being the village committee's
own proposal, the matter is taken up at once where it can be (accepted, triaged as a 小事 led by
the committee, started) and resolved with the vote's result. The meeting then runs as any
other: attendance, the outcome and the vote (赞成/反对/弃权), publication of its results. Once
the results are published, the vote is final and the village records it here: adopted when more
than half of those present voted for it (村民会议所作决定应当经到会人员的过半数通过).

Consultation emits no event when a meeting's results are published, so the adoption is a step
the village takes (the ``adopt`` transition), guarded by the published vote, rather than a
reaction to an event.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import utcnow
from core.events import emit
from core.models import Organization
from core.runtime import plugin_settings
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
    yet (or that there was no vote), ``final`` whether the meeting's results are published."""

    deliberation: ConsultationDeliberation | None
    item: ConsultationAgendaItem | None
    attendees: int
    problem: str | None
    final: bool

    @property
    def passed(self) -> bool:
        """More than half of those present voted for the version."""
        if self.item is None or not self.item.has_vote or self.problem:
            return False
        return (self.item.votes_for or 0) * 2 > self.attendees

    @property
    def summary(self) -> str:
        """``赞成 8 票、反对 2 票、弃权 1 票（参会 11 人）``."""
        if self.item is None or not self.item.has_vote:
            return "未表决"
        item = self.item
        return (
            f"赞成 {item.votes_for} 票、反对 {item.votes_against} 票、弃权 {item.votes_abstain} 票"
            f"（参会 {self.attendees} 人）"
        )


def vote_of(session: Session, version: CompactVersion) -> Vote:
    """The vote on the version at its meeting, as far as it has got."""
    deliberation = linked_deliberation(session, version)
    if deliberation is None:
        return Vote(None, None, 0, "尚未选择审议本村规民约的议事会议", False)
    if deliberation.state == "cancelled":
        return Vote(deliberation, None, 0, "议事会议已取消，请撤回后重新提交议事协商", False)
    if deliberation.state != "published":
        return Vote(
            deliberation,
            None,
            0,
            f"议事会议“{deliberation.title}”的协商结果尚未公开，请在结果公开后再记录表决结果",
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
        return Vote(
            deliberation,
            item,
            attendees,
            f"议事会议“{deliberation.title}”没有对本村规民约进行表决",
            True,
        )
    return Vote(deliberation, item, attendees, None, True)


def record_decision(
    session: Session, version: CompactVersion, actor: Any, *, adopted: bool
) -> CompactAdoption:
    """Keep the vote with the version (append-only) and resolve its consultation matter with the
    result; an adoption emits ``CompactAdopted``."""
    vote = vote_of(session, version)
    recorded_by = getattr(actor, "label", None) or "system"
    assert vote.deliberation is not None and version.matter_id is not None
    item = vote.item
    record = CompactAdoption(
        version_id=version.id,
        version_number=version.number,
        adopted=adopted,
        deliberation_id=vote.deliberation.id,
        matter_id=version.matter_id,
        attendees=vote.attendees,
        votes_for=item.votes_for if item else None,
        votes_against=item.votes_against if item else None,
        votes_abstain=item.votes_abstain if item else None,
        outcome=(item.outcome if item else None) or "未表决",
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
