"""The state machine of a compact version, with its guards.

draft (草稿) → submitted (待乡镇审查) → reviewed (审查通过) → deliberation (提交议事协商) →
adopted (表决通过) or rejected (表决未通过), by the vote, as soon as the meeting's results are
published (see :mod:`gongzhi_compact.adoption`); adopted → published (公布施行), which supersedes
the village's previously published version. ``adopt`` and ``reject`` taken by hand are the 补录 of a
vote whose publication the plugin did not see (before the event existed, or while the plugin was
switched off at the village). The town returns a draft with a reason; the village may
withdraw a version to revise it again until its meeting has been held.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core.workflow import Transition, Workflow

DRAFT = "compact.draft"
"""Draft, submit, put to a deliberation, record the vote and publish (the village)."""
REVIEW = "compact.review"
"""Review a submitted compact against the law (the township, 乡镇审查)."""

FORM_TRANSITIONS = frozenset({"refer"})
"""Transitions that need more than a reason (the deliberation): a form, not a plain button."""


def _lawful(version: Any, actor: Any, session: Session) -> str | None:
    from gongzhi_compact.drafting import problems

    found = problems(session, version)
    if not found:
        return None
    return f"村规民约有 {len(found)} 处问题，请修改后再提交：" + "；".join(found)


def _not_own_submission(version: Any, actor: Any, session: Session) -> str | None:
    label = getattr(actor, "label", None)
    if label is not None and label == version.submitted_by:
        return "提交人不能审查自己提交的村规民约"
    return None


def _meeting_chosen(version: Any, actor: Any, session: Session) -> str | None:
    from gongzhi_compact.adoption import meeting_problem

    return meeting_problem(session, version)


def _vote_passed(version: Any, actor: Any, session: Session) -> str | None:
    from gongzhi_compact.adoption import vote_of

    vote = vote_of(session, version)
    if vote.problem:
        return vote.problem
    if not vote.passed:
        return f"{vote.summary}，未超过参会人数的半数，不能记录为通过"
    return None


def _vote_failed(version: Any, actor: Any, session: Session) -> str | None:
    from gongzhi_compact.adoption import vote_of

    vote = vote_of(session, version)
    if vote.problem and not vote.final:
        return vote.problem
    if vote.passed:
        return f"{vote.summary}，已超过参会人数的半数，应记录为通过"
    return None


def _meeting_not_held(version: Any, actor: Any, session: Session) -> str | None:
    from gongzhi_compact.adoption import linked_deliberation

    deliberation = linked_deliberation(session, version)
    held = deliberation is not None and deliberation.state in ("held", "published")
    if version.state == "deliberation" and held:
        return "议事会议已经召开，请按表决结果记录通过或未通过"
    return None


VERSION_WORKFLOW = Workflow(
    states={
        "draft": "草稿",
        "submitted": "待乡镇审查",
        "reviewed": "审查通过",
        "deliberation": "提交议事协商",
        "adopted": "表决通过",
        "rejected": "表决未通过",
        "published": "公布施行",
        "superseded": "已被新版本取代",
    },
    initial="draft",
    transitions=[
        Transition("submit", "提交乡镇审查", ("draft",), "submitted", DRAFT, guards=(_lawful,)),
        Transition("return", "退回修改", ("submitted",), "draft", REVIEW, needs_reason=True),
        Transition(
            "approve",
            "审查通过",
            ("submitted",),
            "reviewed",
            REVIEW,
            guards=(_not_own_submission, _lawful),
        ),
        Transition(
            "refer", "提交议事协商", ("reviewed",), "deliberation", DRAFT, guards=(_meeting_chosen,)
        ),
        Transition(
            "adopt", "补录表决通过", ("deliberation",), "adopted", DRAFT, guards=(_vote_passed,)
        ),
        Transition(
            "reject", "补录表决未通过", ("deliberation",), "rejected", DRAFT, guards=(_vote_failed,)
        ),
        Transition(
            "withdraw",
            "撤回修改",
            ("submitted", "reviewed", "deliberation"),
            "draft",
            DRAFT,
            guards=(_meeting_not_held,),
            needs_reason=True,
        ),
        Transition("publish", "公布施行", ("adopted",), "published", DRAFT),
    ],
)

EDITABLE_STATES = ("draft",)
"""Only a draft's title and articles may change; everything after is the record of a decision."""
