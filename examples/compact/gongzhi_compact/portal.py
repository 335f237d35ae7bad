"""The compact on the public portal: a village's compact in force, article by article, with the
meeting and the vote that adopted it; and a public notice when a version is published."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.localities import Level, level_of
from core.portal import PortalSection, PublicNotice

from gongzhi_compact.drafting import in_force
from gongzhi_compact.models import CompactAdoption, CompactVersion

NOTICE_LIMIT = 20


def _village_code(code: str) -> str | None:
    level = level_of(code)
    if level is Level.VILLAGE:
        return code
    if level is Level.GROUP:
        return code[:12]
    return None


def sections(locality: Any, session: Session) -> list[PortalSection]:
    """The compact in force on a village's page (and its groups' pages)."""
    village = _village_code(locality.code)
    if village is None:
        return []
    version = in_force(session, village)
    if version is None:
        return []
    vote = session.scalar(select(CompactAdoption).where(CompactAdoption.version_id == version.id))
    chapters: list[tuple[str | None, list[Any]]] = []
    for article in version.articles:
        if not chapters or (article.chapter and article.chapter != chapters[-1][0]):
            chapters.append((article.chapter, []))
        chapters[-1][1].append(article)
    return [
        PortalSection(
            "村规民约",
            "compact/portal.html",
            {"version": version, "chapters": chapters, "vote": vote},
            order=40,
        )
    ]


def notices(locality: Any, session: Session) -> list[PublicNotice]:
    """Published versions at or under the locality (村规民约公布), newest first."""
    published = session.scalars(
        select(CompactVersion)
        .where(
            CompactVersion.scope_clause(locality.code),
            CompactVersion.published_at.is_not(None),
        )
        .order_by(CompactVersion.published_at.desc())
        .limit(NOTICE_LIMIT)
    ).all()
    return [
        PublicNotice(
            title=f"{v.label}公布施行",
            category="村规民约",
            locality_code=v.locality_code,
            published_at=v.published_at,
            summary=f"共 {len(v.articles)} 条，经议事协商表决通过。",
        )
        for v in published
        if v.published_at is not None
    ]
