"""主动发现 (proactive assistance): leads raised before anyone applies, turned into applications.

A lead comes from a flag staff put on a person or household (serious illness, disaster, sudden
loss of income), from another plugin's domain event named in the ``lead_events`` setting, or
from an imported list such as a hospital's large out-of-pocket expenses. Each event occurrence
and each list line raises at most one lead (``source_key`` is unique). Staff convert a lead into
an application (channel 主动发现) or dismiss it with a reason.
"""

from __future__ import annotations

import dataclasses
import hashlib
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.events import DomainEvent
from core.identity import mask_id_number
from core.localities import is_within
from core.models import Household, Person
from core.runtime import plugin_settings
from plugins.assistance.errors import AssistanceError
from plugins.assistance.models import AssistanceLead
from plugins.assistance.programmes import (
    LEAD_KINDS,
    LEAD_SOURCES,
    MINIMUM_LIVING,
    PARTY_CARE,
    TEMPORARY,
)
from plugins.assistance.sources import parse_figures_csv

DEFAULT_PROGRAMMES = {
    "serious_illness": TEMPORARY,
    "disaster": TEMPORARY,
    "income_loss": MINIMUM_LIVING,
    "high_expense": TEMPORARY,
    "other": None,
}
"""The programme a lead of each kind most likely calls for; staff may change it."""


def raise_lead(
    session: Session,
    *,
    person: Person,
    kind: str,
    source: str,
    actor: str,
    detail: str = "",
    amount: Decimal | None = None,
    source_key: str | None = None,
    household: Household | None = None,
) -> AssistanceLead:
    """Add an open lead about ``person`` (and their household)."""
    if kind not in LEAD_KINDS:
        raise AssistanceError(f"线索类别无效：{kind}。可选：{'、'.join(LEAD_KINDS)}", "kind")
    if source not in LEAD_SOURCES:
        raise AssistanceError(f"线索来源无效：{source}", "source")
    detail = (detail or "").strip()
    if len(detail) > 2000 or "\x00" in detail:
        raise AssistanceError("情况说明不能超过 2000 字，且不能含非法字符", "detail")
    household = household or person.household
    lead = AssistanceLead(
        person=person,
        household=household,
        kind=kind,
        programme=DEFAULT_PROGRAMMES[kind],
        source=source,
        source_key=source_key,
        detail=detail,
        amount=amount,
        locality_code=household.locality_code if household is not None else person.locality_code,
        raised_by=actor,
    )
    session.add(lead)
    return lead


def after_lead_transition(
    lead: AssistanceLead, transition: Any, actor: Any, session: Session, reason: str | None
) -> None:
    """Converting a lead opens an application (主动发现); dismissing keeps the reason."""
    from plugins.assistance.cases import create_application

    if transition.name == "dismiss":
        lead.reason = reason
        return
    details: dict[str, Any] = {}
    if lead.programme == TEMPORARY:
        emergency = lead.kind in ("disaster", "income_loss", "other")
        details["temporary_kind"] = "emergency" if emergency else "expenditure"
        details["claimed_amount"] = lead.amount
    elif lead.programme == PARTY_CARE:
        details["cause"] = {"disaster": "disaster", "other": "accident"}.get(lead.kind, "illness")
        details["claimed_amount"] = lead.amount
    elif lead.programme == "extreme_poverty":
        details["care_level"] = "self_care"
    if "claimed_amount" in details and not details["claimed_amount"]:
        raise AssistanceError("转为临时救助或关爱资金申请前，请先在线索中填写金额", "amount")
    create_application(
        session,
        actor=actor,
        id_number=lead.person.id_number,
        programme_code=lead.programme or "",
        channel="proactive",
        statement=f"主动发现（{lead.kind_label}，{lead.source_label}）：{lead.detail}",
        lead=lead,
        **details,
    )


@dataclasses.dataclass(frozen=True)
class LeadImport:
    """What importing a list did."""

    raised: int
    below_threshold: int
    total: int

    @property
    def summary(self) -> str:
        """One line in Chinese."""
        return (
            f"名单共 {self.total} 行：生成线索 {self.raised} 条，"
            f"{self.below_threshold} 行低于金额门槛未生成"
        )


def import_lead_list(
    session: Session,
    *,
    content: bytes,
    kind: str,
    scope_code: str,
    actor: str,
    source_name: str,
) -> LeadImport:
    """Raise leads from a list of ``身份证号, 金额[, 姓名][, 说明]`` (a hospital's list, say).

    Every line is checked first (identity number valid and registered within the scope, the
    name matching if given); any problem refuses the whole file, naming its lines. Lines below
    the ``expense_lead_threshold`` setting raise nothing. The same file imported again raises
    nothing twice.
    """
    if kind not in LEAD_KINDS:
        raise AssistanceError(f"线索类别无效：{kind}", "kind")
    rows = parse_figures_csv(content)
    digest = hashlib.sha256(content).hexdigest()[:32]
    if session.scalar(
        select(AssistanceLead.id).where(AssistanceLead.source_key.startswith(f"import:{digest}:"))
    ):
        raise AssistanceError("该名单已经导入过，不重复生成线索", "file")
    numbers = [r.id_number for r in rows]
    people: dict[str, Person] = {}
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        for person in session.scalars(select(Person).where(Person.id_number.in_(chunk))):
            people[person.id_number] = person
    errors = []
    for row in rows:
        person = people.get(row.id_number)
        masked = mask_id_number(row.id_number)
        if person is None or not is_within(person.locality_code, scope_code):
            errors.append(f"第 {row.line} 行：身份证号 {masked} 不是您辖区内的登记居民")
        elif row.name and row.name != person.name:
            errors.append(f"第 {row.line} 行：姓名“{row.name}”与登记信息不符（{masked}）")
    if errors:
        raise AssistanceError(
            f"名单有 {len(errors)} 处错误，未生成任何线索：\n" + "\n".join(errors[:50]), "file"
        )
    threshold = plugin_settings(session, "assistance")["expense_lead_threshold"]
    raised = 0
    for row in rows:
        if row.amount < threshold:
            continue
        raise_lead(
            session,
            person=people[row.id_number],
            kind=kind,
            source="import",
            actor=actor,
            detail=f"{source_name}第 {row.line} 行：{row.note or ''}".rstrip("："),
            amount=row.amount,
            source_key=f"import:{digest}:{row.line}",
        )
        raised += 1
    session.flush()
    return LeadImport(raised, len(rows) - raised, len(rows))


def lead_from_event(event: DomainEvent, session: Session) -> AssistanceLead | None:
    """Raise a lead for an event named in ``lead_events``; at most once per occurrence.

    The event must carry ``person_id`` or ``household_id`` (then the household head, or its
    first member, is the lead's person). Other events are ignored.
    """
    settings = plugin_settings(session, "assistance")
    kind = settings["lead_events"].get(event.name)
    if kind is None:
        return None
    payload = event.payload()
    key = "event:" + hashlib.sha256(event.key().encode()).hexdigest()
    if (
        session.scalar(select(AssistanceLead.id).where(AssistanceLead.source_key == key))
        is not None
    ):
        return None
    person = household = None
    if payload.get("person_id") is not None:
        person = session.get(Person, payload["person_id"])
    elif payload.get("household_id") is not None:
        household = session.get(Household, payload["household_id"])
        if household is not None and household.members:
            heads = [m for m in household.members if m.relation == "户主"]
            person = (heads or sorted(household.members, key=lambda m: m.id))[0]
    if person is None:
        return None
    return raise_lead(
        session,
        person=person,
        household=household,
        kind=kind,
        source="event",
        actor=session.info.get("actor") or "system:event",
        detail=f"由业务事件 {event.name} 触发",
        source_key=key,
    )
