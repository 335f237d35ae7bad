"""The state machines of matters, deliberations and micro-wishes, with their guards.

Matters: submitted → accepted → triaged → in progress → resolved → evaluated → closed; a private
matter (私事) closes from triage with guidance; a "not satisfied" majority of the residents'
ratings sends a resolved matter back to in progress (reopen). Deliberations: planned → held →
published (or cancelled). Wishes: posted → claimed → fulfilled → confirmed (or withdrawn).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import utcnow
from core.workflow import Transition, Workflow

HANDLE = "consultation.matter.handle"
TRIAGE = "consultation.matter.triage"
EVALUATE = "consultation.matter.evaluate"
DELIBERATE = "consultation.deliberation.manage"
WISHES = "consultation.wish.manage"

OPEN_STATES = ("submitted", "accepted", "triaged", "in_progress")
"""States in which a matter's time limit runs (and it can be overdue)."""

FORM_TRANSITIONS = frozenset({"triage", "guide", "resolve", "claim"})
"""Transitions that need more than a reason: the admin shows a form for them, not a button."""


# --- matter guards -------------------------------------------------------------------------------


def _has_lead(matter: Any, session: Session) -> bool:
    from plugins.consultation.models import ConsultationAssignment

    count = session.scalar(
        select(func.count())
        .select_from(ConsultationAssignment)
        .where(ConsultationAssignment.matter_id == matter.id, ConsultationAssignment.role == "lead")
    )
    return bool(count)


def _triage_chosen(matter: Any, actor: Any, session: Session) -> str | None:
    from plugins.consultation.settings import TRIAGE_CLASSES

    if matter.triage not in TRIAGE_CLASSES:
        return "请先选择分流类别（大事、小事或私事）"
    if matter.triage != matter.default_triage and not (matter.triage_reason or "").strip():
        return (
            f"分流类别“{TRIAGE_CLASSES[matter.triage]}”与清单默认的"
            f"“{TRIAGE_CLASSES[matter.default_triage]}”不同，请填写改变分流的理由"
        )
    if matter.triage != "private" and not _has_lead(matter, session):
        return "请先指定领办单位"
    return None


def _is_private(matter: Any, actor: Any, session: Session) -> str | None:
    if matter.triage != "private":
        return "只有私事才能告知办理途径后结案"
    if not (matter.guidance or "").strip():
        return "请填写告知居民的办理途径"
    return None


def _is_public_matter(matter: Any, actor: Any, session: Session) -> str | None:
    if matter.triage not in ("major", "minor"):
        return "私事不进入办理环节，请告知办理途径后结案"
    if not _has_lead(matter, session):
        return "请先指定领办单位"
    return None


def _has_resolution(matter: Any, actor: Any, session: Session) -> str | None:
    if not (matter.resolution or "").strip():
        return "请先填写办理结果"
    return None


def _evaluation(matter: Any, session: Session) -> tuple[bool, bool, str | None]:
    """(concluded, dissatisfied majority, why not concluded)."""
    from plugins.consultation.evaluation import evaluation_status

    status = evaluation_status(session, matter, utcnow())
    return status.concluded, status.dissatisfied_majority, status.pending_reason


def _satisfied_enough(matter: Any, actor: Any, session: Session) -> str | None:
    concluded, dissatisfied, pending = _evaluation(matter, session)
    if not concluded:
        return pending
    if dissatisfied:
        return "多数参评居民不满意，应重新办理"
    return None


def _dissatisfied(matter: Any, actor: Any, session: Session) -> str | None:
    concluded, dissatisfied, pending = _evaluation(matter, session)
    if not concluded:
        return pending
    if not dissatisfied:
        return "参评居民多数不是“不满意”，不能因评议重新办理"
    return None


MATTER_WORKFLOW = Workflow(
    states={
        "submitted": "已提交",
        "accepted": "已受理",
        "rejected": "不予受理",
        "triaged": "已分流",
        "in_progress": "办理中",
        "resolved": "已办结（评议中）",
        "evaluated": "已评议",
        "closed": "已结案",
    },
    initial="submitted",
    transitions=[
        Transition("accept", "受理", ("submitted",), "accepted", HANDLE),
        Transition("reject", "不予受理", ("submitted",), "rejected", HANDLE, needs_reason=True),
        Transition("triage", "分流", ("accepted",), "triaged", TRIAGE, guards=(_triage_chosen,)),
        Transition(
            "guide",
            "告知办理途径并结案",
            ("triaged", "in_progress"),
            "closed",
            TRIAGE,
            guards=(_is_private,),
        ),
        Transition(
            "start", "开始办理", ("triaged",), "in_progress", HANDLE, guards=(_is_public_matter,)
        ),
        Transition(
            "resolve", "办结", ("in_progress",), "resolved", HANDLE, guards=(_has_resolution,)
        ),
        Transition(
            "evaluate",
            "评议通过",
            ("resolved",),
            "evaluated",
            EVALUATE,
            guards=(_satisfied_enough,),
        ),
        Transition(
            "reopen",
            "群众不满意，重新办理",
            ("resolved",),
            "in_progress",
            EVALUATE,
            guards=(_dissatisfied,),
        ),
        Transition("close", "结案", ("evaluated",), "closed", EVALUATE),
    ],
)


# --- deliberation guards -------------------------------------------------------------------------


def _time_has_come(deliberation: Any, actor: Any, session: Session) -> str | None:
    if deliberation.held_at > utcnow():
        return "会议召开时间还没到，不能确认召开"
    return None


def _ready_to_publish(deliberation: Any, actor: Any, session: Session) -> str | None:
    from plugins.consultation.models import ConsultationAgendaItem, ConsultationAttendee

    if not (deliberation.minutes or "").strip():
        return "请先填写会议纪要"
    attendees = session.scalar(
        select(func.count())
        .select_from(ConsultationAttendee)
        .where(ConsultationAttendee.deliberation_id == deliberation.id)
    )
    if not attendees:
        return "请先登记参会人员"
    missing = session.scalar(
        select(func.count())
        .select_from(ConsultationAgendaItem)
        .where(
            ConsultationAgendaItem.deliberation_id == deliberation.id,
            ConsultationAgendaItem.outcome.is_(None),
        )
    )
    if missing:
        return f"还有 {missing} 个议题没有填写协商结果"
    return None


DELIBERATION_WORKFLOW = Workflow(
    states={
        "planned": "已计划",
        "held": "已召开",
        "published": "结果已公开",
        "cancelled": "已取消",
    },
    initial="planned",
    transitions=[
        Transition("hold", "确认已召开", ("planned",), "held", DELIBERATE, (_time_has_come,)),
        Transition(
            "publish", "公开协商结果", ("held",), "published", DELIBERATE, (_ready_to_publish,)
        ),
        Transition("cancel", "取消会议", ("planned",), "cancelled", DELIBERATE, needs_reason=True),
    ],
)


# --- wish guards ---------------------------------------------------------------------------------


def _has_claimer(wish: Any, actor: Any, session: Session) -> str | None:
    if wish.claimer_person_id is None and wish.claimer_organization_id is None:
        return "请先选择认领人或认领单位"
    return None


WISH_WORKFLOW = Workflow(
    states={
        "posted": "待认领",
        "claimed": "已认领",
        "fulfilled": "已完成（待确认）",
        "confirmed": "已实现",
        "withdrawn": "已撤回",
    },
    initial="posted",
    transitions=[
        Transition("claim", "认领", ("posted",), "claimed", WISHES, (_has_claimer,)),
        Transition("release", "放弃认领", ("claimed",), "posted", WISHES, needs_reason=True),
        Transition("fulfil", "完成心愿", ("claimed",), "fulfilled", WISHES),
        Transition("confirm", "心愿人确认实现", ("fulfilled",), "confirmed", WISHES),
        Transition(
            "dispute", "心愿人表示未实现", ("fulfilled",), "claimed", WISHES, needs_reason=True
        ),
        Transition("withdraw", "撤回心愿", ("posted",), "withdrawn", WISHES, needs_reason=True),
    ],
)
