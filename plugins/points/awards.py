"""Automatic awards: other plugins' domain events award points through the rules they trigger.

Runs inside the emitter's transaction (``on_event``). Each (event occurrence, rule) is claimed
first with ``INSERT … ON CONFLICT DO NOTHING`` on a unique key made from ``event.key()``, so an
occurrence emitted twice — or twice at the same moment — awards once. A reaction never raises for
an ordinary reason (no such resident, not a party member, cap reached): it records why it gave
nothing, so that the emitter's own change (an attendance, a fulfilled wish) is never lost.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from core.db import utcnow
from core.events import DomainEvent
from core.models import Organization, OrganizationKind, Person
from core.runtime import plugin_settings
from core.security import SystemActor
from plugins.points import periods
from plugins.points.claims import PARTY_MEMBER_TAG, ClaimError, submit_claim
from plugins.points.ledger import (
    Holder,
    accounts_for,
    insert_ignoring_duplicates,
    issuing_locality,
    post_transfer,
    system_key,
    take_cap,
)
from plugins.points.models import PointsAutoAward, PointsRule
from plugins.points.rules import rules_for_event

EVENT_ACTOR = "system:points-event"


def event_key_hash(event: DomainEvent) -> str:
    """SHA-256 of the event's stable identity (``DomainEvent.key()``)."""
    return hashlib.sha256(event.key().encode()).hexdigest()


def react(event: DomainEvent, session: Session) -> None:
    """Award points for ``event`` under every rule in force at its locality that it triggers."""
    rules = rules_for_event(session, event.locality_code, event.name)
    if not rules:
        return
    key_hash = event_key_hash(event)
    for rule in rules:
        holder_id = getattr(event, rule.person_field, None)
        table = PointsAutoAward.__table__
        claimed = insert_ignoring_duplicates(
            session,
            table,
            [
                {
                    "event_name": event.name,
                    "event_key_hash": key_hash,
                    "rule_code": rule.code,
                    "locality_code": event.locality_code,
                    "person_id": None,
                    "outcome": "pending",
                    "note": "",
                    "created_at": utcnow(),
                }
            ],
            ["event_key_hash", "rule_code"],
        )
        if not claimed:
            continue  # this occurrence was handled already
        outcome, note, claim_id, transfer_id = _award(session, event, rule, holder_id)
        known_person = outcome != "skipped" and rule.scheme != "bastion"
        session.execute(
            update(table)
            .where(table.c.event_key_hash == key_hash, table.c.rule_code == rule.code)
            .values(
                outcome=outcome,
                note=note[:200],
                claim_id=claim_id,
                transfer_id=transfer_id,
                person_id=holder_id if known_person else None,
            )
        )


def _award(
    session: Session, event: DomainEvent, rule: PointsRule, holder_id: Any
) -> tuple[str, str, int | None, int | None]:
    if holder_id is None:
        return (
            "skipped",
            f"事件未指明持有人（{rule.person_field} 为空，例如由组织完成）",
            None,
            None,
        )
    if isinstance(holder_id, bool) or not isinstance(holder_id, int):
        return "skipped", f"事件字段 {rule.person_field} 不是编号：{holder_id!r}", None, None
    holder, locality_code, problem = _holder(session, rule, holder_id)
    if problem:
        return "skipped", problem, None, None
    if rule.needs_review:
        try:
            claim = submit_claim(
                session,
                SystemActor(EVENT_ACTOR),
                rule_code=rule.code,
                locality_code=event.locality_code,
                activity=f"自动申报：{rule.name}",
                occurred_on=periods.today(session),
                evidence=f"领域事件 {event.name}",
                person_ids=[holder_id] if rule.scheme != "bastion" else [],
                branch_ids=[holder_id] if rule.scheme == "bastion" else [],
                source="event",
            )
        except ClaimError as exc:  # raised before anything is written
            return "skipped", f"未能生成申报：{exc}", None, None
        return "review", "规则需要审核，已生成待审核的申报", claim.id, None
    day = periods.today(session)
    village = issuing_locality(locality_code)
    accounts = accounts_for(session, [(holder, locality_code)], [("issuing", rule.scheme, village)])
    account = accounts[holder.key]
    issuing = accounts[system_key("issuing", rule.scheme, village)]
    if rule.points < 0 and account.floor is not None:
        session.refresh(account, ["balance"])
        if account.balance + rule.points < account.floor:
            return "skipped", f"余额 {account.balance} 分，扣分后将低于下限", None, None
    if rule.cap is not None:
        period = periods.cap_period_key(rule.cap_period, day)
        if take_cap(session, rule.code, rule.cap, period, {account.id: rule.points}):
            return "capped", f"已达{period}上限 {rule.cap} 分，本次不计分", None, None
    transfer = post_transfer(
        session,
        kind="award" if rule.points > 0 else "deduction",
        scheme=rule.scheme,
        locality_code=event.locality_code,
        value_date=day,
        memo=f"{rule.code} {rule.name}（自动：{event.name}）",
        lines=[(account, rule.points), (issuing, -rule.points)],
        actor=EVENT_ACTOR,
        rule_id=rule.id,
    )
    return "posted", "", None, transfer.id


def _holder(session: Session, rule: PointsRule, holder_id: int) -> tuple[Holder, str, str | None]:
    if rule.scheme == "bastion":
        branch = session.get(Organization, holder_id)
        if branch is None or branch.kind != OrganizationKind.PARTY_BRANCH:
            return Holder("bastion"), "", f"组织 #{holder_id} 不存在或不是党支部"
        return Holder("bastion", organization_id=branch.id), branch.locality_code, None
    person = session.get(Person, holder_id)
    if person is None:
        return Holder(rule.scheme), "", f"居民 #{holder_id} 不存在"
    if rule.scheme == "pioneer":
        if not person.has_tag(PARTY_MEMBER_TAG):
            return Holder("pioneer"), "", f"{person.name}不是党员，不计先锋指数"
        return Holder("pioneer", person_id=person.id), person.locality_code, None
    if plugin_settings(session, "points")["resident_holder"] == "household":
        if person.household is None:
            return Holder("resident"), "", f"{person.name}未登记户，无法计入户积分"
        return (
            Holder("resident", household_id=person.household.id),
            person.household.locality_code,
            None,
        )
    return Holder("resident", person_id=person.id), person.locality_code, None
