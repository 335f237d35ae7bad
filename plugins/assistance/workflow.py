"""The state machines of 社会救助 and their guards.

Applications: 已提交 → 已受理 → 核对中 → 已评估 → 公示中 → 已批准, with 不予受理/不予批准/已撤回
on the way and 异议退回 (an objection sends a case in notice back to verification). Whoever
accepted an application cannot decide it. Verification tasks, enrolments, reviews and leads have
their own small machines. What each step *does* lives in ``cases.py``, ``verification.py`` and
``enrolments.py`` (called from the models' ``on_transition``), in the same transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core.workflow import Transition, Workflow

# --- guards -----------------------------------------------------------------------------------


def actor_label(actor: Any) -> str:
    """How an actor is named in records and in the audit log (``account:NAME``, ``cli:USER``)."""
    return getattr(actor, "label", None) or "system"


def _not_the_acceptor(record: Any, actor: Any, session: Session) -> str | None:
    if record.accepted_by and actor_label(actor) == record.accepted_by:
        return "受理人不能审批自己受理的申请（审批须由另一名工作人员办理）"
    return None


def _consent_on_file(record: Any, actor: Any, session: Session) -> str | None:
    from plugins.assistance.cases import consent_problem

    return consent_problem(record, session)


def _every_task_done(record: Any, actor: Any, session: Session) -> str | None:
    from plugins.assistance.verification import unfinished_tasks_problem

    return unfinished_tasks_problem(record, session)


def _assessed_eligible(record: Any, actor: Any, session: Session) -> str | None:
    if not record.eligible:
        return "评估结论为不符合条件，不能公示；请作出不予批准的决定"
    return None


def _notice_period_over(record: Any, actor: Any, session: Session) -> str | None:
    from plugins.assistance import clock

    notice = record.open_notice
    if notice is None:
        return "没有进行中的公示"
    if clock.today(session) <= notice.ends_on:
        return f"公示期至 {notice.ends_on}，期满无异议后方可审批"
    return None


def _care_fund_covers(record: Any, actor: Any, session: Session) -> str | None:
    from plugins.assistance.carefund import care_fund_problem

    return care_fund_problem(record, session)


def _objection_on_file(record: Any, actor: Any, session: Session) -> str | None:
    notice = record.open_notice
    if notice is None or not any(o.notice_id == notice.id for o in record.objections):
        return "请先登记异议内容（登记异议后案件自动退回核对）"
    return None


def _case_in_verification(record: Any, actor: Any, session: Session) -> str | None:
    if record.application.state != "verifying":
        return "申请不在核对阶段，不能办理核对任务"
    return None


def _task_filled_in(record: Any, actor: Any, session: Session) -> str | None:
    if record.check == "objection":
        if record.verdict not in ("异议成立", "异议不成立"):
            return "请先选择核实结论（异议成立或异议不成立）"
    elif record.amount is None:
        return "请先填写核对金额（无记录填 0）"
    elif record.amount < 0:
        return "核对金额不能为负数"
    if not (record.evidence or "").strip():
        return "请先填写核对依据（查询渠道、文书或说明）"
    return None


def _a_source_answers(record: Any, actor: Any, session: Session) -> str | None:
    from plugins.assistance.verification import find_finding

    if record.check == "objection":
        return "异议核实须由工作人员录入"
    if find_finding(session, record) is None:
        return "各数据源暂无该项核对结果"
    return None


def _review_findings(record: Any, actor: Any, session: Session) -> str | None:
    if not (record.findings or "").strip():
        return "请先填写复核情况"
    if record.enrolment.state == "exited":
        return "该救助对象已退出，无需复核"
    return None


def _review_new_amount(record: Any, actor: Any, session: Session) -> str | None:
    if record.new_amount is None or record.new_amount <= 0:
        return "请先填写调整后的月救助金额（大于 0）"
    return None


def _lead_programme(record: Any, actor: Any, session: Session) -> str | None:
    from plugins.assistance.programmes import PROGRAMMES

    if record.programme not in PROGRAMMES:
        return "请先选择建议的救助项目"
    return None


# --- workflows --------------------------------------------------------------------------------

APPLICATION_WORKFLOW = Workflow(
    states={
        "submitted": "已提交",
        "accepted": "已受理",
        "verifying": "核对中",
        "assessed": "已评估",
        "notice": "公示中",
        "approved": "已批准",
        "rejected": "不予批准",
        "withdrawn": "已撤回",
    },
    initial="submitted",
    transitions=[
        Transition("accept", "受理", ("submitted",), "accepted", "assistance.application.accept"),
        Transition(
            "refuse",
            "不予受理",
            ("submitted",),
            "rejected",
            "assistance.application.accept",
            needs_reason=True,
        ),
        Transition(
            "verify",
            "发起核对",
            ("accepted",),
            "verifying",
            "assistance.application.handle",
            guards=(_consent_on_file,),
        ),
        Transition(
            "assess",
            "评估",
            ("verifying",),
            "assessed",
            "assistance.application.handle",
            guards=(_every_task_done,),
        ),
        Transition(
            "recheck",
            "退回重新核对",
            ("assessed",),
            "verifying",
            "assistance.application.handle",
            needs_reason=True,
        ),
        Transition(
            "publish",
            "发布公示",
            ("assessed",),
            "notice",
            "assistance.notice.publish",
            guards=(_assessed_eligible,),
        ),
        Transition(
            "objection",
            "异议退回核对",
            ("notice",),
            "verifying",
            "assistance.objection.record",
            guards=(_objection_on_file,),
            needs_reason=True,
        ),
        Transition(
            "approve",
            "批准",
            ("notice",),
            "approved",
            "assistance.application.decide",
            guards=(_notice_period_over, _not_the_acceptor, _care_fund_covers),
            needs_reason=True,
        ),
        Transition(
            "reject",
            "不予批准",
            ("assessed", "notice"),
            "rejected",
            "assistance.application.decide",
            guards=(_not_the_acceptor,),
            needs_reason=True,
        ),
        Transition(
            "withdraw",
            "撤回申请",
            ("submitted", "accepted", "verifying", "assessed", "notice"),
            "withdrawn",
            "assistance.application.accept",
            needs_reason=True,
        ),
    ],
)
"""救助申请. ``approve`` and ``reject`` are refused to the account that accepted the case."""

OPEN_STATES = ("submitted", "accepted", "verifying", "assessed", "notice")
"""Application states in which a case is still open."""

TASK_WORKFLOW = Workflow(
    states={"pending": "待核对", "done": "已完成"},
    initial="pending",
    transitions=[
        Transition(
            "complete",
            "录入核对结果",
            ("pending",),
            "done",
            "assistance.verification.handle",
            guards=(_case_in_verification, _task_filled_in),
        ),
        Transition(
            "fetch",
            "从数据源获取",
            ("pending",),
            "done",
            "assistance.verification.handle",
            guards=(_case_in_verification, _a_source_answers),
        ),
        Transition(
            "reopen",
            "重新核对",
            ("done",),
            "pending",
            "assistance.verification.handle",
            guards=(_case_in_verification,),
            needs_reason=True,
        ),
    ],
)
"""核对任务."""

ENROLMENT_WORKFLOW = Workflow(
    states={"active": "享受中", "suspended": "暂停发放", "exited": "已退出"},
    initial="active",
    transitions=[
        Transition(
            "suspend",
            "暂停发放",
            ("active",),
            "suspended",
            "assistance.enrolment.manage",
            needs_reason=True,
        ),
        Transition("resume", "恢复发放", ("suspended",), "active", "assistance.enrolment.manage"),
        Transition(
            "exit",
            "退出保障",
            ("active", "suspended"),
            "exited",
            "assistance.enrolment.manage",
            needs_reason=True,
        ),
    ],
)
"""救助对象 (an enrolment)."""

REVIEW_WORKFLOW = Workflow(
    states={"due": "待复核", "done": "已复核"},
    initial="due",
    transitions=[
        Transition(
            "keep",
            "继续享受",
            ("due",),
            "done",
            "assistance.review.handle",
            guards=(_review_findings,),
        ),
        Transition(
            "adjust",
            "调整金额",
            ("due",),
            "done",
            "assistance.review.handle",
            guards=(_review_findings, _review_new_amount),
        ),
        Transition(
            "suspend",
            "暂停发放",
            ("due",),
            "done",
            "assistance.review.handle",
            guards=(_review_findings,),
            needs_reason=True,
        ),
        Transition(
            "exit",
            "退出保障",
            ("due",),
            "done",
            "assistance.review.handle",
            guards=(_review_findings,),
            needs_reason=True,
        ),
    ],
)
"""复核: the transition taken is the outcome (continue, adjust, suspend, exit)."""

REVIEW_OUTCOMES = {
    "keep": "继续享受",
    "adjust": "调整金额",
    "suspend": "暂停发放",
    "exit": "退出保障",
    "closed": "对象已退出，复核关闭",
}

LEAD_WORKFLOW = Workflow(
    states={"open": "待核实", "converted": "已转申请", "dismissed": "已排除"},
    initial="open",
    transitions=[
        Transition(
            "convert",
            "转为救助申请",
            ("open",),
            "converted",
            "assistance.lead.manage",
            guards=(_lead_programme,),
        ),
        Transition(
            "dismiss", "排除", ("open",), "dismissed", "assistance.lead.manage", needs_reason=True
        ),
    ],
)
"""主动发现线索."""
