"""村民直评村官 and 勤廉指数: cadres to rate, households' ballots, the index and its disclosure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from core.events import emit
from core.localities import is_within
from core.models import Household, Membership, Organization, OrganizationKind, Person
from core.runtime import plugin_settings
from plugins.supervision.events import RatingCast
from plugins.supervision.models import CadreRating, CadreRatingCampaign, RatedCadre
from plugins.supervision.models.constants import CADRE_POSTS
from plugins.supervision.services import SupervisionError, now
from plugins.supervision.workflows import actor_label

CADRE_ORGANIZATIONS = (
    OrganizationKind.PARTY_BRANCH.value,
    OrganizationKind.VILLAGE_COMMITTEE.value,
    OrganizationKind.RESIDENTS_COMMITTEE.value,
)
POST_ORDER = {post: index for index, post in enumerate(CADRE_POSTS)}


def village_of(code: str) -> str:
    """The village (12-digit) code of a village or of one of its groups."""
    return code[:12]


def enlist_cadres(session: Session, campaign: CadreRatingCampaign) -> int:
    """Add the campaign's cadres: current members of the village party branches and village
    (residents') committees under its locality holding a cadre post. One row per person, with
    every post they hold (书记、主任 for “一肩挑”). Returns how many were added."""
    if campaign.state != "draft":
        raise SupervisionError("测评开始后不能再调整参评名单", "state")
    rows = session.execute(
        select(Membership.person_id, Membership.role, Organization.locality_code)
        .join(Organization, Membership.organization_id == Organization.id)
        .where(
            Organization.scope_clause(campaign.locality_code),
            Organization.kind.in_(CADRE_ORGANIZATIONS),
            Membership.role.in_(CADRE_POSTS),
            or_(Membership.end_on.is_(None), Membership.end_on >= campaign.opens_on),
            or_(Membership.start_on.is_(None), Membership.start_on <= campaign.closes_on),
        )
    ).all()
    posts: dict[tuple[int, str], set[str]] = {}
    for person_id, role, code in rows:
        if len(code) < 12 or code[9:] == "000":
            continue  # a town's party committee is not a village cadre
        posts.setdefault((person_id, village_of(code)), set()).add(role)
    existing = set(
        session.scalars(select(RatedCadre.person_id).where(RatedCadre.campaign_id == campaign.id))
    )
    added = 0
    for (person_id, code), roles in sorted(posts.items(), key=lambda item: item[0]):
        if person_id in existing:
            continue
        post = "、".join(sorted(roles, key=lambda r: POST_ORDER.get(r, 99)))
        session.add(
            RatedCadre(campaign=campaign, person_id=person_id, post=post, locality_code=code)
        )
        existing.add(person_id)
        added += 1
    session.flush()
    return added


def cast_ballot(
    session: Session,
    actor: Any,
    campaign: CadreRatingCampaign,
    household: Household,
    scores: Iterable[Mapping[str, Any]],
    person: Person | None = None,
) -> list[CadreRating]:
    """Record one household's ratings of its village's cadres (``{"cadre_id", "diligence",
    "integrity"}``, scores 1-5). A household rates each cadre once: if it already rated any of
    them, the whole ballot is refused and nothing is written."""
    if campaign.state != "open":
        raise SupervisionError(f"测评“{campaign.title}”不在测评期间，不能评议", "campaign_id")
    village = village_of(household.locality_code)
    if not is_within(village, campaign.locality_code):
        raise SupervisionError("该户不在本次测评的范围内", "household_id")
    if person is not None and person.household_id != household.id:
        raise SupervisionError("投票人不是该户成员", "person_id")
    cadres = {
        c.id: c
        for c in session.scalars(
            select(RatedCadre).where(
                RatedCadre.campaign_id == campaign.id, RatedCadre.locality_code == village
            )
        )
    }
    ballot: list[tuple[RatedCadre, int, int]] = []
    seen: set[int] = set()
    for index, raw in enumerate(scores, start=1):
        cadre = cadres.get(raw.get("cadre_id"))
        if cadre is None:
            raise SupervisionError(f"第 {index} 项：该村干部不是本村本次测评的对象", "scores")
        if cadre.id in seen:
            raise SupervisionError(f"第 {index} 项：同一张票对同一名村干部只能评一次", "scores")
        seen.add(cadre.id)
        values = []
        for key, label in (("diligence", "勤"), ("integrity", "廉")):
            value = raw.get(key)
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
                raise SupervisionError(
                    f"第 {index} 项：“{label}”的评分必须是 1 到 5 的整数", "scores"
                )
            values.append(value)
        ballot.append((cadre, values[0], values[1]))
    if not ballot:
        raise SupervisionError("评议票上没有任何评分", "scores")
    already = session.scalars(
        select(RatedCadre)
        .join(CadreRating, CadreRating.cadre_id == RatedCadre.id)
        .where(CadreRating.household_id == household.id, CadreRating.cadre_id.in_(seen))
    ).all()
    if already:
        names = "、".join(str(c) for c in already)
        raise SupervisionError(
            f"该户已经评议过 {names}，每户对每名村干部只能评议一次", "household_id"
        )
    label = actor_label(actor)
    moment = now(session)
    ratings = [
        CadreRating(
            campaign_id=campaign.id,
            cadre_id=cadre.id,
            household_id=household.id,
            locality_code=village,
            diligence=diligence,
            integrity=integrity,
            recorded_by=label,
            rated_at=moment,
        )
        for cadre, diligence, integrity in ballot
    ]
    session.add_all(ratings)
    session.flush()  # the unique (cadre, household) constraint backs the check above
    table = RatedCadre.__table__
    for cadre, diligence, integrity in ballot:
        session.execute(
            update(table)
            .where(table.c.id == cadre.id)
            .values(
                ratings=table.c.ratings + 1,
                diligence_total=table.c.diligence_total + diligence,
                integrity_total=table.c.integrity_total + integrity,
            )
        )
        session.expire(cadre, ["ratings", "diligence_total", "integrity_total"])
    emit(
        session,
        RatingCast(
            locality_code=village,
            campaign_id=campaign.id,
            household_id=household.id,
            cadres=len(ballot),
            person_id=person.id if person is not None else None,
        ),
    )
    return ratings


def index_of(cadre: RatedCadre, diligence_weight: int, integrity_weight: int) -> Decimal | None:
    """勤廉指数 (0-100): the weighted average of the two scores, scaled so that 5 is 100."""
    if not cadre.ratings:
        return None
    weighted = (
        Decimal(cadre.diligence_total) * diligence_weight
        + Decimal(cadre.integrity_total) * integrity_weight
    ) / (Decimal(cadre.ratings) * 100)
    return (weighted * 20).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def after_campaign_transition(
    campaign: CadreRatingCampaign, transition: Any, actor: Any, session: Session, reason: str | None
) -> None:
    """Closing computes each cadre's index; publishing discloses the results per village."""
    if transition.name == "close":
        settings = plugin_settings(session, "supervision")
        session.flush()
        # The totals were kept by UPDATEs beside the ORM: read them fresh, in one query.
        fresh = session.scalars(
            select(RatedCadre)
            .where(RatedCadre.campaign_id == campaign.id)
            .execution_options(populate_existing=True)
        ).all()
        for cadre in fresh:
            cadre.index_value = index_of(
                cadre, settings["rating_diligence_weight"], settings["rating_integrity_weight"]
            )
    elif transition.name == "publish":
        publish_results(session, actor, campaign)


def publish_results(session: Session, actor: Any, campaign: CadreRatingCampaign) -> int:
    """Disclose the campaign's results, one disclosure per village; returns how many."""
    from plugins.supervision.services import disclosures

    by_village: dict[str, list[RatedCadre]] = {}
    for cadre in campaign.cadres:
        by_village.setdefault(cadre.locality_code, []).append(cadre)
    settings = plugin_settings(session, "supervision")
    for code, cadres in sorted(by_village.items()):
        lines = [
            f"{campaign.period_label}村民直评村官结果（勤 {settings['rating_diligence_weight']}%、"
            f"廉 {settings['rating_integrity_weight']}%，满分 100）："
        ]
        for cadre in sorted(cadres, key=lambda c: -(c.index_value or 0)):
            if cadre.index_value is None:
                lines.append(f"{cadre.person.name}（{cadre.post}）：无人评议")
                continue
            lines.append(
                f"{cadre.person.name}（{cadre.post}）：勤 {cadre.diligence_average}，"
                f"廉 {cadre.integrity_average}，勤廉指数 {cadre.index_value}"
                f"（{cadre.ratings} 户参评）"
            )
        disclosures.publish(
            session,
            actor,
            locality_code=code,
            category="party",
            title=f"{campaign.period_label}村干部勤廉指数测评结果",
            content="\n".join(lines),
            source="rating",
        )
    return len(by_village)
