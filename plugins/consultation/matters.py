"""Matters: submission, triage (三事分流), 四办 assignments, resolution, escalation and evaluation.

Every function validates all of its input before it writes anything and raises
:class:`~plugins.consultation.errors.ConsultationError` (naming the field) or
:class:`core.workflow.WorkflowError` (naming why the step is not allowed now). The caller owns the
transaction: it commits on success and rolls back on any error.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core.db import Database, utcnow
from core.localities import Level, is_within, level_of
from core.models import Locality, Organization, OrganizationKind, Person
from core.runtime import plugin_settings
from core.security import SystemActor
from core.workflow import WorkflowError
from plugins.consultation.catalogue import session_catalogue
from plugins.consultation.errors import ConsultationError, clean_text, visible
from plugins.consultation.evaluation import evaluation_status
from plugins.consultation.models import (
    LEVELS,
    ROLES,
    SOURCES,
    ConsultationAssignment,
    ConsultationAttachment,
    ConsultationEscalation,
    ConsultationMatter,
    ConsultationRating,
    ConsultationTriageDecision,
)
from plugins.consultation.settings import TRIAGE_CLASSES
from plugins.consultation.workflow import MATTER_WORKFLOW, OPEN_STATES, TRIAGE

RANK = {
    Level.GROUP: 0,
    Level.VILLAGE: 1,
    Level.TOWN: 2,
    Level.COUNTY: 3,
    Level.CITY: 4,
    Level.PROVINCE: 5,
}
"""How high a locality level is; 四办's supervisor must sit higher than the lead."""

NEXT_LEVEL = {"village": "town", "town": "county"}
"""Escalation: 小事不出村, 大事不出镇; an overdue matter goes one level up for supervision."""

SINGLE_ROLES = ("lead", "deliberate", "supervise")
"""Roles held by one organisation per matter; 协办 (assist) may be several."""

COMMITTEE_KINDS = (OrganizationKind.VILLAGE_COMMITTEE.value, OrganizationKind.RESIDENTS_COMMITTEE)


def actor_label(actor: Any) -> str:
    """How records and the audit log name ``actor``."""
    return getattr(actor, "label", None) or "system"


def handling_level(code: str) -> str:
    """The handling level (village, town, county) of a locality code."""
    level = level_of(code)
    if level in (Level.GROUP, Level.VILLAGE):
        return "village"
    if level is Level.TOWN:
        return "town"
    return "county"


# --- submission ----------------------------------------------------------------------------------


def first_limit(settings: dict[str, Any], default_triage: str) -> int:
    """Days a new matter has until it is triaged: ``acceptance_days``; a matter whose catalogue
    item is a 私事 closes at triage with guidance, so it has the private time limit instead."""
    if default_triage == "private":
        return settings["deadline_days"]["private"]
    return settings["acceptance_days"]


def submit_matter(
    session: Session,
    *,
    locality_code: str,
    item_code: str,
    title: str,
    description: str,
    source: str = "resident",
    reporter_id: int | None = None,
    is_public: bool | None = None,
    scope_code: str | None = None,
    now: dt.datetime | None = None,
) -> ConsultationMatter:
    """Register a matter raised in a village or group, with its default triage from the catalogue
    and its acceptance time limit running.

    ``scope_code`` (the caller's scope) must contain the locality. A matter from a resident names
    the reporter, who must live in the matter's village.
    """
    now = now or utcnow()
    title = clean_text("title", "标题", title, 100)
    description = clean_text("description", "内容", description, 5000)
    if source not in SOURCES:
        raise ConsultationError("source", f"来源必须是以下之一：{'、'.join(SOURCES)}")
    locality = session.get(Locality, locality_code or "")
    if locality is None:
        raise ConsultationError("locality_code", f"行政区划 {locality_code} 不存在")
    if scope_code and not is_within(locality.code, scope_code):
        raise ConsultationError("locality_code", "所属区划不在您的管辖范围内")
    if level_of(locality.code) not in (Level.VILLAGE, Level.GROUP):
        raise ConsultationError(
            "locality_code", f"{locality.name} 不是村（社区）或村民小组：协商事项在村（社区）提出"
        )
    item = session_catalogue(session, locality.code).item((item_code or "").strip())
    if item is None:
        raise ConsultationError(
            "item_code", f"协商事项清单中没有编码为 {item_code!r} 的事项，请从清单中选择"
        )
    reporter = None
    if reporter_id is not None:
        reporter = session.get(Person, reporter_id)
        if reporter is None or not visible(reporter.locality_code, scope_code):
            raise ConsultationError("reporter_id", f"居民 {reporter_id} 不存在或不在您的管辖范围内")
        if not is_within(reporter.locality_code, locality.code[:12]):
            raise ConsultationError("reporter_id", f"反映人 {reporter.name} 不是本村（社区）居民")
    elif source == "resident":
        raise ConsultationError("reporter_id", "居民反映的事项须填写反映人")
    settings = plugin_settings(session, "consultation", locality.code)
    matter = ConsultationMatter(
        title=title,
        description=description,
        source=source,
        category_code=item.category_code,
        item_code=item.code,
        default_triage=item.triage,
        reporter_id=reporter.id if reporter else None,
        # a 私事 concerns one resident: never on the portal, whatever the form said
        is_public=item.triage != "private" and (is_public is None or bool(is_public)),
        locality_code=locality.code,
        state=MATTER_WORKFLOW.initial,
        handling_level="village",
        submitted_at=now,
        due_at=now + dt.timedelta(days=first_limit(settings, item.triage)),
        escalation_count=0,
        evaluation_round=1,
        reopen_count=0,
    )
    session.add(matter)
    session.flush()
    return matter


# --- triage and 四办 ----------------------------------------------------------------------------


def _organization(session: Session, field: str, organization_id: int | None) -> Organization:
    organization = session.get(Organization, organization_id) if organization_id else None
    if organization is None:
        raise ConsultationError(field, f"组织 {organization_id} 不存在")
    return organization


def _default_lead(session: Session, matter: ConsultationMatter) -> Organization:
    committee = session.scalar(
        select(Organization)
        .where(Organization.locality_code == matter.village_code)
        .where(Organization.kind.in_(COMMITTEE_KINDS))
        .order_by(Organization.id)
        .limit(1)
    )
    if committee is None:
        raise ConsultationError(
            "lead_organization_id", "本村（社区）没有登记村（居）民委员会，请指定领办单位"
        )
    return committee


def _check_lead(matter: ConsultationMatter, triage: str, organization: Organization) -> None:
    on_path = is_within(matter.locality_code, organization.locality_code)
    if triage == "minor":
        if not is_within(organization.locality_code, matter.village_code):
            raise ConsultationError(
                "lead_organization_id",
                f"小事由本村（社区）牵头办理（小事不出村）：{organization.name} "
                "不是本村（社区）的组织",
            )
    elif triage == "major":
        department = organization.kind == OrganizationKind.GOVERNMENT_DEPARTMENT
        town = level_of(organization.locality_code) is Level.TOWN
        if not (on_path and (department or town)):
            raise ConsultationError(
                "lead_organization_id",
                f"大事交由政府部门或乡镇（街道）办理：{organization.name} 不是政府部门，"
                "也不是本乡镇（街道）的组织",
            )


def _drop_lead(session: Session, matter: ConsultationMatter) -> None:
    leads = select(ConsultationAssignment).where(
        ConsultationAssignment.matter_id == matter.id, ConsultationAssignment.role == "lead"
    )
    for old in session.scalars(leads).all():
        session.delete(old)
    session.flush()


def _set_lead(
    session: Session, matter: ConsultationMatter, organization: Organization, by: str
) -> None:
    _drop_lead(session, matter)
    session.add(
        ConsultationAssignment(
            matter_id=matter.id,
            role="lead",
            organization_id=organization.id,
            level=handling_level(organization.locality_code),
            assigned_by=by,
            locality_code=matter.locality_code,
        )
    )
    session.flush()


def _decide(
    session: Session,
    matter: ConsultationMatter,
    actor: Any,
    triage: str,
    reason: str | None,
    lead_organization_id: int | None,
    guidance: str | None,
    *,
    change: bool,
) -> ConsultationMatter:
    if triage not in TRIAGE_CLASSES:
        raise ConsultationError(
            "triage",
            "分流类别必须是以下之一："
            + "、".join(f"{k}（{v}）" for k, v in TRIAGE_CLASSES.items()),
        )
    reason = clean_text("reason", "理由", reason, 200, required=False) or None
    guidance = clean_text("guidance", "办理途径", guidance, 2000, required=False) or None
    if change and not reason:
        raise ConsultationError("reason", "改变分流类别必须填写理由")
    if triage != matter.default_triage and not reason:
        raise ConsultationError(
            "reason",
            f"清单默认为“{TRIAGE_CLASSES[matter.default_triage]}”，"
            f"分为“{TRIAGE_CLASSES[triage]}”必须填写理由",
        )
    lead = None
    if triage == "private":
        if lead_organization_id:
            raise ConsultationError(
                "lead_organization_id", "私事由居民自行解决或寻求市场服务，不指定领办单位"
            )
        if not guidance:
            raise ConsultationError("guidance", "私事须告知居民办理途径")
    elif lead_organization_id:
        lead = _organization(session, "lead_organization_id", lead_organization_id)
    elif triage == "minor":
        lead = _default_lead(session, matter)
    else:
        raise ConsultationError("lead_organization_id", "大事须指定领办的政府部门或乡镇（街道）")
    if lead is not None:
        _check_lead(matter, triage, lead)

    by = actor_label(actor)
    previous = matter.triage
    settings = plugin_settings(session, "consultation", matter.locality_code)
    session.add(
        ConsultationTriageDecision(
            matter_id=matter.id,
            previous=previous,
            triage=triage,
            default_triage=matter.default_triage,
            reason=reason,
            lead_organization_id=lead.id if lead else None,
            decided_by=by,
            locality_code=matter.locality_code,
        )
    )
    matter.triage = triage
    matter.triage_reason = reason
    if triage == "private":
        _drop_lead(session, matter)
        matter.guidance = guidance
        matter.is_public = False
        matter.handling_level = "village"
    else:
        _set_lead(session, matter, lead, by)
        matter.handling_level = max(
            handling_level(lead.locality_code), matter.handling_level, key=list(LEVELS).index
        )
        if change:
            matter.due_at = matter.submitted_at + dt.timedelta(
                days=settings["deadline_days"][triage]
            )
    if not change:
        MATTER_WORKFLOW.apply(matter, "triage", actor, session, reason=reason)
    if triage == "private":
        MATTER_WORKFLOW.apply(matter, "guide", actor, session, reason=reason)
    session.flush()
    return matter


def triage_matter(
    session: Session,
    matter: ConsultationMatter,
    actor: Any,
    triage: str,
    *,
    reason: str | None = None,
    lead_organization_id: int | None = None,
    guidance: str | None = None,
) -> ConsultationMatter:
    """三事分流 of an accepted matter.

    大事 routes to a government department or the township (``lead_organization_id``), 小事 to
    the village committee (the default lead) with community organisations, 私事 closes at once
    with ``guidance`` to the resident. A class other than the catalogue's default needs a reason.
    """
    if matter.state != "accepted":
        raise WorkflowError(
            f"当前状态为“{MATTER_WORKFLOW.states[matter.state]}”，只有已受理的事项可以分流"
        )
    if not actor.has_permission(TRIAGE):
        raise WorkflowError("您没有执行“分流”的权限")
    return _decide(
        session, matter, actor, triage, reason, lead_organization_id, guidance, change=False
    )


def change_triage(
    session: Session,
    matter: ConsultationMatter,
    actor: Any,
    triage: str,
    *,
    reason: str | None,
    lead_organization_id: int | None = None,
    guidance: str | None = None,
) -> ConsultationMatter:
    """Change the triage of a matter already triaged or in progress; always needs a reason.

    The lead is replaced, the time limit is recomputed for the new class, and a change to 私事
    closes the matter with guidance.
    """
    if matter.state not in ("triaged", "in_progress"):
        raise WorkflowError(f"当前状态为“{MATTER_WORKFLOW.states[matter.state]}”，不能改变分流类别")
    if not actor.has_permission(TRIAGE):
        raise WorkflowError("您没有改变分流类别的权限")
    if triage == matter.triage and not lead_organization_id:
        raise ConsultationError("triage", f"事项已经是“{TRIAGE_CLASSES[triage]}”")
    return _decide(
        session, matter, actor, triage, reason, lead_organization_id, guidance, change=True
    )


def assign(
    session: Session,
    matter: ConsultationMatter,
    actor: Any,
    role: str,
    organization_id: int,
    note: str | None = None,
) -> ConsultationAssignment:
    """四办: add an organisation that deliberates (议办), assists (协办) or supervises (督办).

    The lead (领办) is set by triage. Each organisation must sit on the matter's path (in its
    village or above it); one organisation holds one role; the supervisor sits higher than the
    lead; 议办 and 督办 are held by one organisation each.
    """
    if role not in ROLES:
        raise ConsultationError("role", f"四办角色必须是以下之一：{'、'.join(ROLES)}")
    if role == "lead":
        raise ConsultationError("role", "领办单位在分流时确定；要更换请改变分流")
    if not actor.has_permission(TRIAGE):
        raise WorkflowError("您没有安排四办分工的权限")
    if matter.state not in ("triaged", "in_progress"):
        raise WorkflowError(f"当前状态为“{MATTER_WORKFLOW.states[matter.state]}”，不能安排四办分工")
    organization = _organization(session, "organization_id", organization_id)
    if not (
        is_within(matter.locality_code, organization.locality_code)
        or is_within(organization.locality_code, matter.village_code)
    ):
        raise ConsultationError(
            "organization_id", f"{organization.name} 不在本事项所在村（社区）及其上级范围内"
        )
    existing = session.scalars(
        select(ConsultationAssignment).where(ConsultationAssignment.matter_id == matter.id)
    ).all()
    for other in existing:
        if other.organization_id == organization.id:
            raise ConsultationError(
                "organization_id",
                f"{organization.name} 已是本事项的{ROLES[other.role]}单位，同一单位不能兼任",
            )
        if role in SINGLE_ROLES and other.role == role:
            raise ConsultationError("role", f"本事项已有{ROLES[role]}单位：{other.organization}")
    lead = next((a for a in existing if a.role == "lead"), None)
    if role == "supervise":
        if lead is None:
            raise ConsultationError("role", "请先确定领办单位")
        if (
            RANK[level_of(organization.locality_code)]
            <= RANK[level_of(lead.organization.locality_code)]
        ):
            raise ConsultationError(
                "organization_id",
                f"督办单位须比领办单位（{lead.organization}）层级更高",
            )
    assignment = ConsultationAssignment(
        matter_id=matter.id,
        role=role,
        organization_id=organization.id,
        level=handling_level(organization.locality_code),
        note=clean_text("note", "备注", note, 200, required=False) or None,
        assigned_by=actor_label(actor),
        locality_code=matter.locality_code,
    )
    session.add(assignment)
    try:
        session.flush()
    except IntegrityError as exc:
        raise ConsultationError("organization_id", "该单位已在本事项的四办分工中") from exc
    return assignment


def resolve(
    session: Session, matter: ConsultationMatter, actor: Any, resolution: str
) -> ConsultationMatter:
    """办结: record the result and open the residents' evaluation."""
    matter.resolution = clean_text("resolution", "办理结果", resolution, 5000)
    MATTER_WORKFLOW.apply(matter, "resolve", actor, session)
    session.flush()
    return matter


# --- attachments ---------------------------------------------------------------------------------


def add_attachment(
    session: Session,
    matter: ConsultationMatter,
    filename: str,
    content_type: str | None,
    data: bytes,
    uploaded_by: str,
) -> ConsultationAttachment:
    """Attach a file to a matter; refuses an empty or too large file."""
    filename = clean_text("file", "文件名", filename, 200)
    limit = plugin_settings(session, "consultation")["max_attachment_kb"] * 1024
    if not data:
        raise ConsultationError("file", "附件是空文件")
    if len(data) > limit:
        raise ConsultationError("file", f"附件 {filename} 超过 {limit // 1024} KB 的上限")
    attachment = ConsultationAttachment(
        matter_id=matter.id,
        filename=filename,
        content_type=(content_type or "application/octet-stream")[:100],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        uploaded_by=uploaded_by,
        locality_code=matter.locality_code,
    )
    session.add(attachment)
    session.flush()
    return attachment


# --- time limits and escalation ------------------------------------------------------------------


def overdue_statement(scope_code: str, now: dt.datetime) -> Select[Any]:
    """Matters within ``scope_code`` whose time limit has passed while still open."""
    return (
        select(ConsultationMatter)
        .where(ConsultationMatter.scope_clause(scope_code))
        .where(ConsultationMatter.state.in_(OPEN_STATES), ConsultationMatter.due_at < now)
        .order_by(ConsultationMatter.due_at, ConsultationMatter.id)
    )


@dataclasses.dataclass
class EscalationReport:
    """What one escalation run did."""

    escalated: list[tuple[int, str, str, str]] = dataclasses.field(default_factory=list)
    """(matter id, title, from level, to level) for each matter moved up."""
    at_top: int = 0
    """Overdue matters already at county level: they stay on the overdue list."""


def escalate_overdue(
    session: Session, now: dt.datetime, actor: Any, scope_code: str | None = None
) -> EscalationReport:
    """Move every overdue open matter one level up (village → town → county) with a new time
    limit, recording a :class:`ConsultationEscalation`. Running it again changes nothing until a
    new time limit passes. Two concurrent runs cannot both escalate a matter: PostgreSQL locks
    the rows (and re-checks them after the other run commits), and the matter's version column
    and the unique escalation sequence refuse the loser everywhere.
    """
    settings = plugin_settings(session, "consultation")
    extension = dt.timedelta(days=settings["escalation_days"])
    statement = (
        select(ConsultationMatter)
        .where(ConsultationMatter.state.in_(OPEN_STATES), ConsultationMatter.due_at < now)
        .where(ConsultationMatter.handling_level.in_(list(NEXT_LEVEL)))
        .order_by(ConsultationMatter.id)
        .with_for_update()
    )
    if scope_code:
        statement = statement.where(ConsultationMatter.scope_clause(scope_code))
    report = EscalationReport()
    by = actor_label(actor)
    for matter in session.scalars(statement):
        target = NEXT_LEVEL[matter.handling_level]
        sequence = matter.escalation_count + 1
        session.add(
            ConsultationEscalation(
                matter_id=matter.id,
                sequence=sequence,
                from_level=matter.handling_level,
                to_level=target,
                overdue_since=matter.due_at,
                new_due_at=now + extension,
                escalated_by=by,
                escalated_at=now,
                locality_code=matter.locality_code,
            )
        )
        report.escalated.append((matter.id, matter.title, matter.handling_level, target))
        matter.handling_level = target
        matter.escalation_count = sequence
        matter.due_at = now + extension
    session.flush()
    top = (
        select(func.count())
        .select_from(ConsultationMatter)
        .where(ConsultationMatter.state.in_(OPEN_STATES), ConsultationMatter.due_at < now)
        .where(ConsultationMatter.handling_level == "county")
    )
    if scope_code:
        top = top.where(ConsultationMatter.scope_clause(scope_code))
    report.at_top = session.scalar(top) or 0
    return report


def run_escalation(
    db: Database, now: dt.datetime, actor_name: str, scope_code: str | None = None
) -> EscalationReport:
    """One escalation run in its own transaction (for cron). If a concurrent run got there
    first, the loser's transaction is rolled back and run again, finding nothing left to do."""
    for attempt in range(3):
        try:
            with db.transaction(actor=actor_name, channel="cli") as session:
                return escalate_overdue(session, now, SystemActor(actor_name), scope_code)
        except (StaleDataError, IntegrityError):
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


# --- evaluation ----------------------------------------------------------------------------------


def conclude_evaluation(session: Session, matter: ConsultationMatter, actor: Any) -> str:
    """Conclude a resolved matter's evaluation: a "not satisfied" majority reopens it, otherwise
    it is evaluated. Returns the transition applied; :class:`WorkflowError` if it cannot yet."""
    status = evaluation_status(session, matter, utcnow())
    if matter.state != "resolved":
        raise WorkflowError("只有已办结、正在评议的事项可以结束评议")
    if not status.concluded:
        raise WorkflowError(status.pending_reason or "评议尚未结束")
    name = "reopen" if status.dissatisfied_majority else "evaluate"
    MATTER_WORKFLOW.apply(matter, name, actor, session)
    session.flush()
    return name


def conclude_due_evaluations(
    session: Session, actor: Any, scope_code: str | None = None
) -> dict[str, int]:
    """Conclude every resolved matter whose evaluation can be concluded now (for cron).

    The current round's ratings of all matters under evaluation are counted in one grouped
    query; only the matters that conclude are then touched. Each matter's evaluation period and
    quorum are those in force at its village (一村一策), looked up once per village.
    """
    now = utcnow()
    rules: dict[str, tuple[int, dt.timedelta]] = {}
    resolved = (
        select(ConsultationMatter)
        .where(ConsultationMatter.state == "resolved")
        .order_by(ConsultationMatter.id)
    )
    counted = (
        select(ConsultationRating.matter_id, func.count())
        .join(ConsultationMatter, ConsultationMatter.id == ConsultationRating.matter_id)
        .where(
            ConsultationMatter.state == "resolved",
            ConsultationRating.round == ConsultationMatter.evaluation_round,
        )
        .group_by(ConsultationRating.matter_id)
    )
    if scope_code:
        resolved = resolved.where(ConsultationMatter.scope_clause(scope_code))
        counted = counted.where(ConsultationMatter.scope_clause(scope_code))
    ratings = dict(session.execute(counted).all())
    done = {"evaluate": 0, "reopen": 0}
    for matter in session.scalars(resolved).all():
        if matter.locality_code not in rules:
            local = plugin_settings(session, "consultation", matter.locality_code)
            rules[matter.locality_code] = (
                local["evaluation_min_ratings"],
                dt.timedelta(days=local["evaluation_days"]),
            )
        minimum, window = rules[matter.locality_code]
        enough = ratings.get(matter.id, 0) >= minimum
        if enough or now >= (matter.resolved_at or now) + window:
            done[conclude_evaluation(session, matter, actor)] += 1
    return done


def open_transitions(matter: ConsultationMatter, actor: Any, session: Session) -> Sequence[Any]:
    """Workflow transitions ``actor`` may apply to ``matter`` now."""
    return MATTER_WORKFLOW.allowed(matter, actor, session)
