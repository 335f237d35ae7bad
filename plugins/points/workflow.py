"""The state machines: claims (积分申报), redemptions (爱心超市兑换), ranking snapshots."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core.runtime import plugin_settings
from core.workflow import Transition, Workflow
from plugins.points import periods


def _not_the_submitter(record: Any, actor: Any, session: Session) -> str | None:
    """Separation of duties: whoever submitted a claim does not review it."""
    account = getattr(actor, "account", None)
    if account is not None and record.submitted_by_id == account.id:
        return "审核人不能是申报人本人"
    return None


def _notice_configured(record: Any, actor: Any, session: Session) -> str | None:
    if plugin_settings(session, "points", record.locality_code)["notice_days"] == 0:
        return "本地不设公示期，请使用“审核通过并入账”"
    return None


def _no_notice(record: Any, actor: Any, session: Session) -> str | None:
    if plugin_settings(session, "points", record.locality_code)["notice_days"] > 0:
        return "须先公示，公示期满后才能入账"
    return None


def _notice_running(record: Any, actor: Any, session: Session) -> str | None:
    if record.notice_ends_on is not None and periods.today(session) > record.notice_ends_on:
        return f"公示期已于 {record.notice_ends_on} 结束，不能再提出异议"
    return None


def _notice_over(record: Any, actor: Any, session: Session) -> str | None:
    if record.notice_ends_on is not None and periods.today(session) <= record.notice_ends_on:
        return f"公示期至 {record.notice_ends_on}，期满后才能入账"
    return None


CLAIM_WORKFLOW = Workflow(
    states={
        "submitted": "待审核",
        "notice": "公示中",
        "posted": "已入账",
        "rejected": "已驳回",
        "reversed": "已冲正",
    },
    initial="submitted",
    transitions=[
        Transition(
            "approve",
            "审核通过（进入公示）",
            ("submitted",),
            "notice",
            "points.claim.review",
            guards=(_not_the_submitter, _notice_configured),
        ),
        Transition(
            "approve_post",
            "审核通过并入账",
            ("submitted",),
            "posted",
            "points.claim.review",
            guards=(_not_the_submitter, _no_notice),
        ),
        Transition(
            "reject", "驳回", ("submitted",), "rejected", "points.claim.review", needs_reason=True
        ),
        Transition(
            "object",
            "记录异议（退回审核）",
            ("notice",),
            "submitted",
            "points.claim.submit",
            guards=(_notice_running,),
            needs_reason=True,
        ),
        Transition(
            "post", "公示期满入账", ("notice",), "posted", "points.claim.review", (_notice_over,)
        ),
        Transition(
            "reverse",
            "冲正（撤销入账）",
            ("posted",),
            "reversed",
            "points.ledger.correct",
            needs_reason=True,
        ),
    ],
)


def _through_a_settlement(record: Any, actor: Any, session: Session) -> str | None:
    if record.settlement_id is None:
        return "请在“结算单”中按商户和期间结算"
    return None


REDEMPTION_WORKFLOW = Workflow(
    states={
        "reserved": "已预约",
        "fulfilled": "已领取",
        "settled": "已结算",
        "cancelled": "已取消",
    },
    initial="reserved",
    transitions=[
        Transition("fulfil", "确认领取", ("reserved",), "fulfilled", "points.redemption.manage"),
        Transition(
            "cancel",
            "取消兑换（退还积分和库存）",
            ("reserved",),
            "cancelled",
            "points.redemption.manage",
            needs_reason=True,
        ),
        Transition(
            "settle",
            "结算",
            ("fulfilled",),
            "settled",
            "points.settlement.manage",
            guards=(_through_a_settlement,),
        ),
    ],
)


RANKING_WORKFLOW = Workflow(
    states={"draft": "草稿", "published": "已公布"},
    initial="draft",
    transitions=[
        Transition("refresh", "重新计算", ("draft",), "draft", "points.ranking.publish"),
        Transition("publish", "公布（冻结）", ("draft",), "published", "points.ranking.publish"),
    ],
)
