"""Micro-wishes (微心愿): posted by a resident, claimed by a volunteer, a party member or an
organisation (a merchant), fulfilled, and confirmed by the wisher.

A wish is claimed at most once at a time, even when two people press 认领 at the same moment:
the wish's version column turns the second update into a refusal on every backend. The wisher's
confirmation emits ``consultation.wish_fulfilled``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core.localities import is_within
from core.models import Organization, Person
from core.runtime import plugin_settings
from plugins.consultation.errors import ConsultationError, clean_text, visible
from plugins.consultation.models import ConsultationWish
from plugins.consultation.workflow import WISH_WORKFLOW


class AlreadyClaimed(ConsultationError):
    """Someone else claimed the wish first."""

    def __init__(self) -> None:
        super().__init__("wish", "这个心愿刚刚已被他人认领，请刷新后查看")


def post_wish(
    session: Session,
    *,
    wisher_id: int,
    title: str,
    description: str,
    scope_code: str | None = None,
) -> ConsultationWish:
    """Put a resident's wish on the wall of the village where the resident lives."""
    title = clean_text("title", "心愿", title, 100)
    description = clean_text("description", "心愿说明", description, 2000)
    wisher = session.get(Person, wisher_id)
    if wisher is None:
        raise ConsultationError("wisher_id", f"居民 {wisher_id} 不存在")
    if scope_code and not is_within(wisher.locality_code, scope_code):
        raise ConsultationError("wisher_id", f"居民 {wisher.name} 不在您的管辖范围内")
    wish = ConsultationWish(
        wisher_id=wisher.id,
        title=title,
        description=description,
        locality_code=wisher.locality_code,
        state=WISH_WORKFLOW.initial,
    )
    session.add(wish)
    session.flush()
    return wish


def claim_wish(
    session: Session,
    wish: ConsultationWish,
    actor: Any,
    *,
    person_id: int | None = None,
    organization_id: int | None = None,
    scope_code: str | None = None,
) -> ConsultationWish:
    """A volunteer or party member (``person_id``) or an organisation (``organization_id``)
    claims a posted wish. Raises :class:`AlreadyClaimed` if someone else was quicker (the
    caller rolls back). With the caller's ``scope_code``, a claiming resident must be within it
    and an organisation within it or above it."""
    if (person_id is None) == (organization_id is None):
        raise ConsultationError("person_id", "请选择认领的居民或认领的单位（二者选一）")
    if person_id is not None:
        person = session.get(Person, person_id)
        if person is None or not visible(person.locality_code, scope_code):
            raise ConsultationError("person_id", f"居民 {person_id} 不存在或不在您的管辖范围内")
        if person.id == wish.wisher_id:
            raise ConsultationError("person_id", "心愿人不能认领自己的心愿")
        tags = plugin_settings(session, "consultation", wish.locality_code)["claimer_tags"]
        if tags and not any(person.has_tag(tag) for tag in tags):
            raise ConsultationError(
                "person_id", f"{person.name} 不是{'或'.join(tags)}，不能以个人身份认领心愿"
            )
    else:
        organization = session.get(Organization, organization_id)
        if organization is None or not (
            visible(organization.locality_code, scope_code)
            or is_within(scope_code or "", organization.locality_code)
        ):
            raise ConsultationError(
                "organization_id", f"组织 {organization_id} 不存在或不在您的管辖范围内"
            )
    if wish.state != "posted":
        raise (
            AlreadyClaimed()
            if wish.state == "claimed"
            else ConsultationError(
                "wish", f"心愿当前状态为“{WISH_WORKFLOW.states[wish.state]}”，不能认领"
            )
        )
    wish.claimer_person_id = person_id
    wish.claimer_organization_id = organization_id
    WISH_WORKFLOW.apply(wish, "claim", actor, session)
    try:
        session.flush()
    except StaleDataError as exc:
        raise AlreadyClaimed() from exc
    return wish


def fulfil_wish(
    session: Session, wish: ConsultationWish, actor: Any, note: str | None = None
) -> ConsultationWish:
    """The claimer reports the wish fulfilled; the wisher still has to confirm."""
    wish.fulfilment_note = clean_text("note", "实现情况", note, 500, required=False) or None
    WISH_WORKFLOW.apply(wish, "fulfil", actor, session)
    session.flush()
    return wish


def masked_name(name: str | None) -> str:
    """A name for public pages: the surname and a star per remaining character (张*, 欧阳**)."""
    name = (name or "").strip()
    if not name:
        return ""
    keep = 2 if len(name) >= 4 else 1
    return name[:keep] + "*" * (len(name) - keep)
