"""四议两公开: recording each deliberation's meeting, checking quorum and majority, moving on."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.events import emit
from plugins.supervision.events import MatterAdvanced, MeetingHeld
from plugins.supervision.models import MajorMatter, MatterMeeting
from plugins.supervision.models.common import clean_text
from plugins.supervision.models.constants import MEETING_STEPS
from plugins.supervision.services import SupervisionError, require_permission, today
from plugins.supervision.workflows import (
    MATTER_WORKFLOW,
    STEP_OF_STATE,
    TRANSITION_OF_STEP,
    actor_label,
)


def next_step(matter: MajorMatter) -> str | None:
    """The deliberation the matter needs next (``None`` once the four are done)."""
    return STEP_OF_STATE.get(matter.state)


def record_meeting(
    session: Session,
    matter: MajorMatter,
    actor: Any,
    *,
    step: str,
    held_on: dt.date,
    expected: int,
    present: int,
    votes_for: int,
    votes_against: int = 0,
    abstentions: int = 0,
    minutes: str,
    place: str | None = None,
    resolution: str | None = None,
) -> MatterMeeting:
    """Record the meeting of the matter's next deliberation and move the matter accordingly.

    The step must be exactly the next one (no skipping, no reordering). The figures must add
    up, and the meeting must be quorate (the villager representatives' meeting: at least two
    thirds present), or nothing is written. A passed vote moves the matter on; a failed vote
    returns it to proposal for a new round. ``resolution`` (决议内容) is kept from the
    representatives' meeting.
    """
    require_permission(actor, "supervision.matter.manage", "录入四议两公开会议")
    if step not in MEETING_STEPS:
        raise SupervisionError(f"步骤必须是 {'、'.join(MEETING_STEPS)} 之一：{step}", "step")
    expected_step = next_step(matter)
    if expected_step is None:
        raise SupervisionError("该事项的四个议事步骤已全部完成，不能再录入会议", "step")
    if step != expected_step:
        raise SupervisionError(
            f"四议两公开必须按顺序进行：当前应进行“{MEETING_STEPS[expected_step]}”，"
            f"不能进行“{MEETING_STEPS[step]}”",
            "step",
        )
    minutes = clean_text(minutes, "会议记录", limit=20000)
    place = clean_text(place, "会议地点", required=False, limit=100)
    if held_on > today(session):
        raise SupervisionError(f"会议日期 {held_on} 晚于今天，不能预先录入", "held_on")
    last = session.scalar(
        select(func.max(MatterMeeting.held_on)).where(
            MatterMeeting.matter_id == matter.id, MatterMeeting.round == matter.round
        )
    )
    if last is not None and held_on < last:
        raise SupervisionError(
            f"会议日期 {held_on} 早于上一步骤的会议日期 {last}，步骤不能颠倒", "held_on"
        )
    if step == "representatives":
        resolution = clean_text(resolution, "决议内容", required=False, limit=20000)
    meeting = MatterMeeting(
        round=matter.round,
        step=step,
        held_on=held_on,
        place=place,
        expected=expected,
        present=present,
        votes_for=votes_for,
        votes_against=votes_against,
        abstentions=abstentions,
        minutes=minutes,
        recorded_by=actor_label(actor),
    )
    refusal = meeting.refusal()
    if refusal:
        raise SupervisionError(refusal, "present")
    meeting.passed = meeting.outcome_passed()
    if meeting.passed and step == "representatives" and not resolution:
        raise SupervisionError("村民代表会议表决通过的，请填写决议内容", "resolution")
    meeting.matter = matter
    session.add(meeting)
    session.flush()
    emit(
        session,
        MeetingHeld(
            locality_code=matter.locality_code,
            matter_id=matter.id,
            meeting_id=meeting.id,
            step=step,
            round=meeting.round,
            passed=meeting.passed,
            present=present,
            expected=expected,
        ),
    )
    if meeting.passed:
        if step == "representatives":
            matter.resolution = resolution
        MATTER_WORKFLOW.apply(matter, TRANSITION_OF_STEP[step], actor, session)
    else:
        reason = (
            f"{MEETING_STEPS[step]}表决未通过：实到 {present} 人，赞成 {votes_for} 票，"
            "未超过实到人数的半数"
        )
        MATTER_WORKFLOW.apply(matter, "return_to_proposal", actor, session, reason=reason)
    return meeting


def after_matter_transition(
    matter: MajorMatter, transition: Any, actor: Any, session: Session, reason: str | None
) -> None:
    """A return opens a new round; the two disclosures (两公开) publish what was decided/done."""
    from plugins.supervision.services import disclosures

    if transition.name == "return_to_proposal":
        matter.round += 1
        matter.returned_reason = (reason or "").strip()[:200] or None
    elif transition.name == "disclose_resolution":
        disclosures.publish(
            session,
            actor,
            locality_code=matter.locality_code,
            category="village",
            title=f"关于“{matter.title}”的决议公开",
            content=_resolution_text(matter),
            source="matter",
            matter_id=matter.id,
        )
    elif transition.name == "disclose_result":
        disclosures.publish(
            session,
            actor,
            locality_code=matter.locality_code,
            category="village",
            title=f"关于“{matter.title}”的实施结果公开",
            content=(matter.result or "").strip(),
            source="matter",
            matter_id=matter.id,
        )
    emit(
        session,
        MatterAdvanced(
            locality_code=matter.locality_code, matter_id=matter.id, state=transition.target
        ),
    )


def _resolution_text(matter: MajorMatter) -> str:
    meeting = next(
        (
            m
            for m in reversed(matter.meetings)
            if m.step == "representatives" and m.round == matter.round
        ),
        None,
    )
    lines = [(matter.resolution or "").strip()]
    if meeting is not None:
        lines.append(
            f"{meeting.held_on} 召开村民代表会议，应到 {meeting.expected} 人，实到 "
            f"{meeting.present} 人；赞成 {meeting.votes_for} 票，反对 {meeting.votes_against} 票，"
            f"弃权 {meeting.abstentions} 票，表决通过。"
        )
    return "\n".join(line for line in lines if line)


def progress(matter: MajorMatter) -> list[dict[str, Any]]:
    """The six steps of 四议两公开 with what happened in the current round, for display."""
    meetings = {m.step: m for m in matter.meetings if m.round == matter.round}
    order = list(MATTER_WORKFLOW.states)
    reached = order.index(matter.state)
    steps: list[dict[str, Any]] = []
    for index, (step, label) in enumerate(MEETING_STEPS.items(), start=1):
        meeting = meetings.get(step)
        steps.append(
            {
                "label": label,
                "done": reached >= index,
                "current": reached == index - 1,
                "meeting": meeting,
            }
        )
    steps.append(
        {"label": "决议公开", "done": reached >= 5, "current": reached == 4, "meeting": None}
    )
    steps.append(
        {"label": "实施结果公开", "done": reached >= 6, "current": reached == 5, "meeting": None}
    )
    return steps
