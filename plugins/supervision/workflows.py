"""The state machines of 村务监督: vouchers, major matters, assets, findings, rating campaigns.

Guards return ``None`` to allow or a Chinese reason to refuse. They read only the record, the
actor and the session, so the models can declare ``__workflow__`` without circular imports;
side effects (booking a voucher, publishing a disclosure) live in the models' ``on_transition``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.runtime import plugin_settings
from core.workflow import Transition, Workflow
from plugins.supervision.models.constants import MEETING_STEPS


def actor_label(actor: Any) -> str:
    """How an actor is named in records and the audit log (``account:li``, ``cli:root``)."""
    return str(getattr(actor, "label", None) or actor)


# --- 三资: vouchers ------------------------------------------------------------------------------

VOUCHER_STATES = {
    "draft": "草稿",
    "submitted": "待审核",
    "audited": "已审核",
    "booked": "已记账",
    "disclosed": "已公开",
}
LOCKED_VOUCHER_STATES = ("booked", "disclosed")


def _voucher_has_lines(record: Any, actor: Any, session: Session) -> str | None:
    if not record.lines:
        return "凭证至少要有一条明细"
    total = sum((line.amount for line in record.lines), Decimal("0"))
    if total != record.amount:
        return f"凭证金额 {record.amount} 与明细合计 {total} 不符"
    if record.reverses_id is None and total <= 0:
        return "凭证金额必须大于零（冲销请使用“红字冲销”）"
    return None


def _voucher_not_by_maker(record: Any, actor: Any, session: Session) -> str | None:
    if actor_label(actor) in {record.made_by, record.submitted_by}:
        return "制单人不能审核自己制作或提交的凭证（先审核再记账，审核须由他人进行）"
    return None


def _voucher_booker_separate(record: Any, actor: Any, session: Session) -> str | None:
    label = actor_label(actor)
    if label in {record.made_by, record.submitted_by}:
        return "制单人不能为自己制作的凭证记账"
    if label == record.audited_by:
        return "审核人不能为自己审核的凭证记账"
    return None


DECIDED_MATTER_STATES = ("resolved", "resolution_disclosed", "completed")


def _major_spending_decided(record: Any, actor: Any, session: Session) -> str | None:
    if record.kind != "payment" or record.reverses_id is not None:
        return None
    threshold = plugin_settings(session, "supervision")["major_matter_threshold"]
    if record.amount < threshold:
        return None
    matter = record.matter
    if matter is None or matter.state not in DECIDED_MATTER_STATES:
        return (
            f"单笔支出 {record.amount} 元达到重大事项标准（{threshold} 元），"
            "须关联已经村民代表会议决议的四议两公开事项"
        )
    if matter.locality_code != record.locality_code:
        return "关联的四议两公开事项不属于本村"
    return None


def _voucher_has_disclosure(record: Any, actor: Any, session: Session) -> str | None:
    if record.disclosure_id is None:
        return "凭证随财务公开一并公开：请生成该记账期间的财务公开"
    return None


VOUCHER_WORKFLOW = Workflow(
    states=VOUCHER_STATES,
    initial="draft",
    transitions=[
        Transition(
            "submit",
            "提交审核",
            ("draft",),
            "submitted",
            "supervision.voucher.make",
            guards=(_voucher_has_lines,),
        ),
        Transition(
            "audit",
            "审核通过",
            ("submitted",),
            "audited",
            "supervision.voucher.audit",
            guards=(_voucher_not_by_maker, _voucher_has_lines, _major_spending_decided),
        ),
        Transition(
            "send_back",
            "退回修改",
            ("submitted",),
            "draft",
            "supervision.voucher.audit",
            guards=(_voucher_not_by_maker,),
            needs_reason=True,
        ),
        Transition(
            "book",
            "记账",
            ("audited",),
            "booked",
            "supervision.voucher.book",
            guards=(_voucher_booker_separate,),
        ),
        Transition(
            "disclose",
            "随财务公开",
            ("booked",),
            "disclosed",
            "supervision.disclosure.publish",
            guards=(_voucher_has_disclosure,),
        ),
    ],
)


# --- 四议两公开: major matters ------------------------------------------------------------------

MATTER_STATES = {
    "draft": "待党支部提议",
    "proposed": "党支部已提议",
    "consulted": "两委已商议",
    "reviewed": "党员大会已审议",
    "resolved": "村民代表会议已决议",
    "resolution_disclosed": "决议已公开",
    "completed": "实施结果已公开",
}

STEP_OF_STATE = {
    "draft": "proposal",
    "proposed": "consultation",
    "consulted": "party_review",
    "reviewed": "representatives",
}
"""Which deliberation comes next in each state: the order cannot be skipped or changed."""

TRANSITION_OF_STEP = {
    "proposal": "propose",
    "consultation": "consult",
    "party_review": "review",
    "representatives": "resolve",
}


def _meeting_of_round(record: Any, step: str, session: Session) -> Any:
    from plugins.supervision.models import MatterMeeting

    return session.scalar(
        select(MatterMeeting).where(
            MatterMeeting.matter_id == record.id,
            MatterMeeting.round == record.round,
            MatterMeeting.step == step,
        )
    )


def _step_passed(step: str):
    def guard(record: Any, actor: Any, session: Session) -> str | None:
        """Refuse unless this round's meeting of the step stands and passed."""
        meeting = _meeting_of_round(record, step, session)
        if meeting is None:
            return f"请先录入“{MEETING_STEPS[step]}”的会议记录"
        refusal = meeting.refusal()
        if refusal:
            return refusal
        if not meeting.outcome_passed():
            return f"“{MEETING_STEPS[step]}”未通过，不能进入下一步"
        return None

    return guard


def _current_step_failed(record: Any, actor: Any, session: Session) -> str | None:
    step = STEP_OF_STATE.get(record.state)
    meeting = _meeting_of_round(record, step, session) if step else None
    if meeting is None or meeting.outcome_passed():
        return "只有本轮表决未通过的事项才退回重新提议"
    return None


def _matter_has_resolution(record: Any, actor: Any, session: Session) -> str | None:
    if not (record.resolution or "").strip():
        return "请先填写决议内容"
    return None


def _matter_has_result(record: Any, actor: Any, session: Session) -> str | None:
    if not (record.result or "").strip():
        return "请先填写实施结果"
    return None


MATTER_WORKFLOW = Workflow(
    states=MATTER_STATES,
    initial="draft",
    transitions=[
        Transition(
            "propose",
            "党支部提议",
            ("draft",),
            "proposed",
            "supervision.matter.manage",
            guards=(_step_passed("proposal"),),
        ),
        Transition(
            "consult",
            "两委商议",
            ("proposed",),
            "consulted",
            "supervision.matter.manage",
            guards=(_step_passed("consultation"),),
        ),
        Transition(
            "review",
            "党员大会审议",
            ("consulted",),
            "reviewed",
            "supervision.matter.manage",
            guards=(_step_passed("party_review"),),
        ),
        Transition(
            "resolve",
            "村民代表会议决议",
            ("reviewed",),
            "resolved",
            "supervision.matter.manage",
            guards=(_step_passed("representatives"),),
        ),
        Transition(
            "return_to_proposal",
            "表决未通过，退回重新提议",
            ("draft", "proposed", "consulted", "reviewed"),
            "draft",
            "supervision.matter.manage",
            guards=(_current_step_failed,),
            needs_reason=True,
        ),
        Transition(
            "disclose_resolution",
            "决议公开",
            ("resolved",),
            "resolution_disclosed",
            "supervision.disclosure.publish",
            guards=(_matter_has_resolution,),
        ),
        Transition(
            "disclose_result",
            "实施结果公开",
            ("resolution_disclosed",),
            "completed",
            "supervision.disclosure.publish",
            guards=(_matter_has_result,),
        ),
    ],
)


# --- 资产: collective assets -------------------------------------------------------------------

ASSET_STATES = {"in_use": "在用", "idle": "闲置", "leased": "出租出借", "disposed": "已处置"}


def _disposal_decided(record: Any, actor: Any, session: Session) -> str | None:
    matter = record.disposal_matter
    if matter is None:
        return "资产处置须经四议两公开决策：请先关联已决议的资产处置事项"
    if matter.category != "asset_disposal":
        return "关联的事项不是资产处置事项"
    if matter.locality_code != record.locality_code:
        return "关联的资产处置事项不属于本村"
    if matter.state not in DECIDED_MATTER_STATES:
        return "关联的资产处置事项尚未经村民代表会议决议"
    if record.disposed_on is None or not (record.disposal_method or "").strip():
        return "请先填写处置日期和处置方式"
    return None


ASSET_WORKFLOW = Workflow(
    states=ASSET_STATES,
    initial="in_use",
    transitions=[
        Transition("idle", "转为闲置", ("in_use", "leased"), "idle", "supervision.asset.manage"),
        Transition("use", "投入使用", ("idle", "leased"), "in_use", "supervision.asset.manage"),
        Transition("lease", "出租出借", ("in_use", "idle"), "leased", "supervision.asset.manage"),
        Transition(
            "dispose",
            "处置",
            ("in_use", "idle", "leased"),
            "disposed",
            "supervision.asset.manage",
            guards=(_disposal_decided,),
        ),
    ],
)


# --- 督查: findings and their rectification -----------------------------------------------------

FINDING_STATES = {
    "open": "待整改",
    "rectifying": "整改中",
    "reported": "已报整改",
    "verified": "已销号",
}


def _has_rectification(record: Any, actor: Any, session: Session) -> str | None:
    if not (record.rectification or "").strip():
        return "请先填写整改情况"
    return None


def _verifier_is_not_reporter(record: Any, actor: Any, session: Session) -> str | None:
    if actor_label(actor) == record.reported_by:
        return "报送整改的人不能验收自己的整改"
    return None


FINDING_WORKFLOW = Workflow(
    states=FINDING_STATES,
    initial="open",
    transitions=[
        Transition("start", "开始整改", ("open",), "rectifying", "supervision.finding.rectify"),
        Transition(
            "report",
            "报送整改情况",
            ("open", "rectifying"),
            "reported",
            "supervision.finding.rectify",
            guards=(_has_rectification,),
        ),
        Transition(
            "verify",
            "验收销号",
            ("reported",),
            "verified",
            "supervision.finding.verify",
            guards=(_verifier_is_not_reporter,),
        ),
        Transition(
            "reject",
            "验收不通过",
            ("reported",),
            "rectifying",
            "supervision.finding.verify",
            guards=(_verifier_is_not_reporter,),
            needs_reason=True,
        ),
    ],
)


# --- 村民直评村官: rating campaigns --------------------------------------------------------------

CAMPAIGN_STATES = {"draft": "筹备中", "open": "测评中", "closed": "已结束", "published": "已公开"}


def _campaign_has_cadres(record: Any, actor: Any, session: Session) -> str | None:
    if not record.cadres:
        return "测评对象为空：请先生成参评村干部名单"
    return None


CAMPAIGN_WORKFLOW = Workflow(
    states=CAMPAIGN_STATES,
    initial="draft",
    transitions=[
        Transition(
            "open",
            "开始测评",
            ("draft",),
            "open",
            "supervision.rating.manage",
            guards=(_campaign_has_cadres,),
        ),
        Transition("close", "结束测评并计算指数", ("open",), "closed", "supervision.rating.manage"),
        Transition(
            "publish", "公开测评结果", ("closed",), "published", "supervision.disclosure.publish"
        ),
    ],
)
