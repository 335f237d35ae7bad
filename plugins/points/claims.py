"""积分申报: submitting a claim for one or many holders, review, public notice, posting, reversal.

Whatever goes wrong is a :class:`ClaimError` naming the field (and the resident) in Chinese, raised
before anything is written or inside the caller's transaction so that it rolls back whole.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.events import emit
from core.localities import is_within
from core.models import Household, Locality, Organization, OrganizationKind, Person
from core.runtime import plugin_settings
from core.security import SystemActor
from core.workflow import WorkflowError
from plugins.points import periods
from plugins.points.events import ClaimPosted
from plugins.points.ledger import (
    Holder,
    LedgerError,
    accounts_for,
    issuing_locality,
    post_transfer,
    release_cap,
    reverse_transfer,
    system_key,
    take_cap,
)
from plugins.points.models import PointsAccount, PointsClaim, PointsMovement, PointsRuleTally
from plugins.points.rules import RuleError, award_level_label, effective_rule, may_award
from plugins.points.settings import CAP_PERIODS, SCHEMES
from plugins.points.workflow import CLAIM_WORKFLOW

PARTY_MEMBER_TAG = "党员"


class ClaimError(ValueError):
    """A claim that cannot be accepted; ``field`` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def actor_label(actor: Any) -> str:
    """How the audit and the records name the actor."""
    return getattr(actor, "label", None) or "system"


def scope_of(actor: Any) -> str | None:
    """The locality scope of an acting account (``None`` for the console operator)."""
    account = getattr(actor, "account", None)
    return account.scope_code if account is not None else None


def _clean_text(field: str, value: str | None, label: str, max_length: int, required: bool) -> str:
    text = (value or "").strip()
    if "\x00" in text:
        raise ClaimError(field, f"{label}含有非法字符")
    if required and not text:
        raise ClaimError(field, f"请填写{label}")
    if len(text) > max_length:
        raise ClaimError(field, f"{label}不能超过 {max_length} 个字")
    return text


def submit_claim(
    session: Session,
    actor: Any,
    *,
    rule_code: str,
    locality_code: str,
    activity: str,
    occurred_on: dt.date,
    evidence: str = "",
    person_ids: Sequence[int] = (),
    branch_ids: Sequence[int] = (),
    source: str = "manual",
) -> PointsClaim:
    """Submit a claim under the rule in force at ``locality_code``; if the rule needs no review
    it goes straight to public notice (or is posted when the notice period is 0)."""
    settings = plugin_settings(session, "points")
    if not actor.has_permission("points.claim.submit"):
        raise ClaimError("rule_code", "您没有申报积分的权限")
    scope = scope_of(actor)
    locality_code = (locality_code or "").strip()
    locality = session.get(Locality, locality_code) if locality_code else None
    if locality is None:
        raise ClaimError("locality_code", f"行政区划不存在：{locality_code}")
    if scope is not None and not is_within(locality_code, scope):
        raise ClaimError("locality_code", f"{locality.name}不在您的管辖范围内")
    try:
        rule = effective_rule(session, locality_code, rule_code)
    except RuleError as exc:
        raise ClaimError("rule_code", str(exc)) from exc
    if scope is not None and not may_award(rule, scope):
        raise ClaimError(
            "rule_code", f"规则 {rule.code}（{rule.name}）须由{award_level_label(rule)}及以上申报"
        )
    activity = _clean_text("activity", activity, "活动名称", 100, True)
    evidence = _clean_text("evidence", evidence, "佐证材料说明", 2000, False)
    if not isinstance(occurred_on, dt.date):
        raise ClaimError("occurred_on", "请填写活动日期")
    if occurred_on > periods.today(session):
        raise ClaimError("occurred_on", "活动日期不能晚于今天")
    persons, branches = _holders(session, rule.scheme, scope, locality, person_ids, branch_ids)
    if len(persons) + len(branches) > settings["max_claim_holders"]:
        raise ClaimError(
            "person_ids", f"一次申报最多 {settings['max_claim_holders']} 人，请分批申报"
        )
    claim = PointsClaim(
        rule_id=rule.id,
        rule_code=rule.code,
        scheme=rule.scheme,
        points=rule.points,
        locality_code=locality_code,
        activity=activity,
        occurred_on=occurred_on,
        evidence=evidence,
        source=source,
        state="submitted",
        submitted_by_id=getattr(getattr(actor, "account", None), "id", None),
        submitted_by=actor_label(actor),
    )
    claim.rule = rule
    claim.persons = persons
    claim.branches = branches
    _check_caps_ahead(session, claim)
    session.add(claim)
    session.flush()
    if not rule.needs_review:
        claim.reviewed_by = "无需审核"
        if plugin_settings(session, "points", locality_code)["notice_days"] > 0:
            claim.state = "notice"
            start_notice(session, claim)
        else:
            claim.state = "posted"
            post_claim(session, claim, actor_label(actor))
    return claim


def _holders(
    session: Session,
    scheme: str,
    scope: str | None,
    locality: Locality,
    person_ids: Sequence[int],
    branch_ids: Sequence[int],
) -> tuple[list[Person], list[Organization]]:
    settings = plugin_settings(session, "points")
    if scheme == "bastion":
        if person_ids:
            raise ClaimError("person_ids", "堡垒指数计入党支部，请选择党支部而不是居民")
        ids = _ids("branch_ids", branch_ids)
        if not ids:
            raise ClaimError("branch_ids", "请至少选择一个党支部")
        found = {
            o.id: o for o in session.scalars(select(Organization).where(Organization.id.in_(ids)))
        }
        for organization_id in ids:
            branch = found.get(organization_id)
            if branch is None:
                raise ClaimError("branch_ids", f"组织 #{organization_id} 不存在")
            if branch.kind != OrganizationKind.PARTY_BRANCH:
                raise ClaimError("branch_ids", f"{branch.name}不是党支部")
            _check_place("branch_ids", branch.name, branch.locality_code, scope, locality)
        return [], [found[i] for i in ids]
    if branch_ids:
        raise ClaimError("branch_ids", f"{SCHEMES[scheme]}计入个人，请选择居民而不是党支部")
    ids = _ids("person_ids", person_ids)
    if not ids:
        raise ClaimError("person_ids", "请至少选择一名居民")
    found_persons: dict[int, Person] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        statement = select(Person).where(Person.id.in_(chunk)).options(selectinload(Person.tags))
        found_persons.update((p.id, p) for p in session.scalars(statement))
    for person_id in ids:
        person = found_persons.get(person_id)
        if person is None:
            raise ClaimError("person_ids", f"居民 #{person_id} 不存在")
        _check_place("person_ids", person.name, person.locality_code, scope, locality)
        if scheme == "pioneer" and not person.has_tag(PARTY_MEMBER_TAG):
            raise ClaimError("person_ids", f"{person.name}不是党员，不能计入先锋指数")
        if (
            scheme == "resident"
            and settings["resident_holder"] == "household"
            and person.household_id is None
        ):
            raise ClaimError("person_ids", f"{person.name}未登记户，无法计入户积分")
    return [found_persons[i] for i in ids], []


def _ids(field: str, values: Sequence[Any]) -> list[int]:
    ids: list[int] = []
    for value in values or ():
        if isinstance(value, bool) or not isinstance(value, int):
            raise ClaimError(field, f"编号必须是整数：{value!r}")
        if value not in ids:
            ids.append(value)
    return ids


def _check_place(field: str, name: str, code: str, scope: str | None, locality: Locality) -> None:
    if scope is not None and not is_within(code, scope):
        raise ClaimError(field, f"{name}不在您的管辖范围内")
    if not is_within(code, locality.code):
        raise ClaimError(field, f"{name}不属于{locality.name}，请在其所在地申报")


def holders_of(session: Session, claim: PointsClaim) -> list[tuple[Holder, str, int]]:
    """(holder, holder's locality, participants) for the claim, under the current settings."""
    settings = plugin_settings(session, "points")
    if claim.scheme == "bastion":
        return [
            (Holder("bastion", organization_id=b.id), b.locality_code, 1) for b in claim.branches
        ]
    if claim.scheme == "resident" and settings["resident_holder"] == "household":
        counts: Counter[int] = Counter()
        household_ids = sorted({p.household_id for p in claim.persons if p.household_id})
        places = dict(
            session.execute(
                select(Household.id, Household.locality_code).where(Household.id.in_(household_ids))
            ).all()
        )
        for person in claim.persons:
            if person.household_id is None:
                raise ClaimError("person_ids", f"{person.name}未登记户，无法计入户积分")
            counts[person.household_id] += 1
        return [
            (Holder("resident", household_id=h), places[h], n) for h, n in sorted(counts.items())
        ]
    return [(Holder(claim.scheme, person_id=p.id), p.locality_code, 1) for p in claim.persons]


def _check_caps_ahead(session: Session, claim: PointsClaim) -> None:
    """Refuse at submission what would certainly exceed the cap (posting enforces it again)."""
    rule = claim.rule
    if rule.cap is None:
        return
    period = periods.cap_period_key(rule.cap_period, claim.occurred_on)
    holders = holders_of(session, claim)
    keys = {h.key: (h, n) for h, _, n in holders}
    used = dict(
        session.execute(
            select(PointsAccount.key, PointsRuleTally.amount)
            .join(PointsRuleTally, PointsRuleTally.account_id == PointsAccount.id)
            .where(
                PointsAccount.key.in_(list(keys)),
                PointsRuleTally.rule_code == rule.code,
                PointsRuleTally.period == period,
            )
        ).all()
    )
    over = []
    for key, (_, n) in keys.items():
        if used.get(key, 0) + abs(rule.points) * n > rule.cap:
            over.append(key)
    if over:
        raise ClaimError("person_ids", _cap_message(session, claim, over))


def _cap_message(session: Session, claim: PointsClaim, keys_or_ids: Sequence[Any]) -> str:
    rule = claim.rule
    names = _names_for(session, claim, keys_or_ids)
    period = CAP_PERIODS[rule.cap_period]
    return (
        f"超过规则 {rule.code}（{rule.name}）{period}上限 {rule.cap} 分："
        f"{'、'.join(names[:10])}{' 等' if len(names) > 10 else ''}"
    )


def _names_for(session: Session, claim: PointsClaim, keys_or_ids: Sequence[Any]) -> list[str]:
    wanted = set(keys_or_ids)
    names = []
    for holder, _, _ in holders_of(session, claim):
        if holder.key in wanted:
            names.append(_holder_label(session, holder))
    if not names:
        accounts = session.scalars(select(PointsAccount).where(PointsAccount.id.in_(wanted))).all()
        names = [a.holder_name for a in accounts]
    return names


def _holder_label(session: Session, holder: Holder) -> str:
    if holder.person_id is not None:
        return session.get(Person, holder.person_id).name
    if holder.organization_id is not None:
        return session.get(Organization, holder.organization_id).name
    household = session.get(Household, holder.household_id)
    head = next((m for m in household.members if m.relation == "户主"), None)
    return f"{head.name}户" if head else f"户 {household.number}"


def start_notice(session: Session, claim: PointsClaim) -> None:
    """Open the public notice: the claim's village's N days starting today (inclusive)."""
    days = plugin_settings(session, "points", claim.locality_code)["notice_days"]
    start = periods.today(session)
    claim.notice_starts_on = start
    claim.notice_ends_on = start + dt.timedelta(days=max(days, 1) - 1)


def post_claim(session: Session, claim: PointsClaim, actor: str) -> None:
    """Post the claim to the ledger as one transfer: each holder gets the rule's points (times
    the participants of their household), paid by the issuing account of the holder's village.
    Caps and floors are enforced; on refusal a :class:`ClaimError` rolls everything back."""
    rule = claim.rule
    holders = holders_of(session, claim)
    systems = {("issuing", claim.scheme, issuing_locality(code)) for _, code, _ in holders}
    accounts = accounts_for(session, [(h, code) for h, code, _ in holders], sorted(systems))
    amounts = {accounts[h.key].id: claim.points * n for h, _, n in holders}
    if rule.cap is not None:
        period = periods.cap_period_key(rule.cap_period, claim.occurred_on)
        over = take_cap(session, rule.code, rule.cap, period, amounts)
        if over:
            raise ClaimError("person_ids", _cap_message(session, claim, over))
    lines: list[tuple[PointsAccount, int]] = []
    issued: Counter[str] = Counter()
    for holder, code, n in holders:
        lines.append((accounts[holder.key], claim.points * n))
        issued[issuing_locality(code)] += claim.points * n
    for village, total in sorted(issued.items()):
        lines.append((accounts[system_key("issuing", claim.scheme, village)], -total))
    sign = "+" if claim.points > 0 else ""
    try:
        transfer = post_transfer(
            session,
            kind="award" if claim.points > 0 else "deduction",
            scheme=claim.scheme,
            locality_code=claim.locality_code,
            value_date=claim.occurred_on,
            memo=f"{rule.code} {rule.name}：{claim.activity}（每人{sign}{claim.points}分）",
            lines=lines,
            actor=actor,
            rule_id=rule.id,
        )
    except LedgerError as exc:
        raise ClaimError("person_ids", str(exc)) from exc
    claim.transfer_id = transfer.id
    claim.posted_at = periods.now(session)
    emit(
        session,
        ClaimPosted(
            locality_code=claim.locality_code,
            claim_id=claim.id,
            rule_code=rule.code,
            scheme=claim.scheme,
            points_each=claim.points,
            person_ids=[p.id for p in claim.persons],
            organization_ids=[b.id for b in claim.branches],
        ),
    )


def reverse_claim(session: Session, claim: PointsClaim, reason: str | None, actor: str) -> None:
    """Reverse a posted claim's transfer (a correction with a reason) and free its cap room."""
    if claim.transfer is None:
        raise ClaimError("state", "该申报尚未入账，无需冲正")
    try:
        reversal = reverse_transfer(session, claim.transfer, reason, actor, kind="reversal")
    except LedgerError as exc:
        raise ClaimError("state", str(exc)) from exc
    rule = claim.rule
    if rule.cap is not None:
        period = periods.cap_period_key(rule.cap_period, claim.occurred_on)
        holder_amounts = dict(
            session.execute(
                select(PointsMovement.account_id, PointsMovement.amount)
                .join(PointsAccount, PointsAccount.id == PointsMovement.account_id)
                .where(
                    PointsMovement.transfer_id == claim.transfer_id, PointsAccount.kind == "holder"
                )
            ).all()
        )
        release_cap(session, rule.code, period, holder_amounts)
    claim.reversal_id = reversal.id
    claim.reason = reason


def after_transition(
    claim: PointsClaim, transition: Any, actor: Any, session: Session, reason: Any
):
    """What each claim transition does besides changing the state (called by the workflow)."""
    label = actor_label(actor)
    name = transition.name
    if name in ("approve", "approve_post", "reject"):
        claim.reviewed_by = label
    if name == "approve":
        start_notice(session, claim)
    elif name in ("approve_post", "post"):
        post_claim(session, claim, label)
    elif name == "reject":
        claim.reason = reason
    elif name == "object":
        claim.objection = (reason or "").strip()[:200]
        claim.objections = (claim.objections or 0) + 1
        claim.notice_starts_on = None
        claim.notice_ends_on = None
    elif name == "reverse":
        reverse_claim(session, claim, reason, label)


def post_due(session_factory: Any) -> tuple[int, list[str]]:
    """Post every claim whose notice period is over, each in its own transaction (one refused
    claim does not hold up the others). Returns (posted, failure messages)."""
    with session_factory() as session:
        today = periods.today(session)
        ids = list(
            session.scalars(
                select(PointsClaim.id)
                .where(PointsClaim.state == "notice", PointsClaim.notice_ends_on < today)
                .order_by(PointsClaim.id)
            )
        )
    posted = 0
    failures = []
    for claim_id in ids:
        try:
            with session_factory() as session:
                claim = session.get(PointsClaim, claim_id)
                CLAIM_WORKFLOW.apply(claim, "post", SystemActor(), session)
                session.commit()
                posted += 1
        except (WorkflowError, ValueError) as exc:
            failures.append(f"申报 #{claim_id}：{exc}")
    return posted, failures


def check_reversible(session: Session, transfer: Any) -> None:
    """Refuse a direct reversal of a transfer that a record owns: a claim's posting is reversed
    through the claim (冲正), a redemption through 取消兑换; reversals and expiries are final."""
    from plugins.points.ledger import LedgerError

    if transfer.kind in ("redemption", "reversal", "cancellation", "expiry"):
        raise LedgerError("兑换请用“取消兑换”；冲正、取消和过期转账不能再冲正")
    claim = session.scalar(select(PointsClaim.id).where(PointsClaim.transfer_id == transfer.id))
    if claim is not None:
        raise LedgerError(f"该笔来自积分申报 #{claim}，请对申报执行“冲正”")
