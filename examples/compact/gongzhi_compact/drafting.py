"""Drafting: a village starts a version (new, or a revision of an earlier one), writes its
articles, and checks it against the rules before submitting it.

Every function validates its input before writing and raises
:class:`~gongzhi_compact.errors.CompactError` naming the field; the caller owns the transaction.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.localities import Level, is_within, level_of
from core.models import Locality
from core.runtime import plugin_settings

from gongzhi_compact import rules
from gongzhi_compact.errors import CompactError, clean_text
from gongzhi_compact.models import CompactArticle, CompactVersion
from gongzhi_compact.workflow import EDITABLE_STATES, VERSION_WORKFLOW

OPEN_STATES = ("draft", "submitted", "reviewed", "deliberation", "adopted")
"""States of a version still on its way: a village has at most one at a time."""

MAX_ARTICLE = 2000
"""The longest article, in characters."""


def _visible(code: str, scope_code: str | None) -> bool:
    return scope_code is None or is_within(code, scope_code)


def open_version(session: Session, locality_code: str) -> CompactVersion | None:
    """The village's version still on its way (draft to adopted), if any."""
    return session.scalar(
        select(CompactVersion).where(
            CompactVersion.locality_code == locality_code, CompactVersion.state.in_(OPEN_STATES)
        )
    )


def in_force(session: Session, locality_code: str) -> CompactVersion | None:
    """The village's published version, the one in force, if any."""
    return session.scalar(
        select(CompactVersion)
        .where(CompactVersion.locality_code == locality_code, CompactVersion.state == "published")
        .order_by(CompactVersion.number.desc())
        .limit(1)
    )


def start_draft(
    session: Session,
    *,
    locality_code: str,
    title: str | None = None,
    based_on_id: int | None = None,
    scope_code: str | None = None,
) -> CompactVersion:
    """Start the next version of a village's compact, empty or as a copy of ``based_on_id`` (a
    revision: the articles are copied, the earlier version stays as it was).

    ``scope_code`` is the caller's scope. A village has one version on its way at a time.
    """
    based_on = None
    if based_on_id is not None:
        based_on = session.get(CompactVersion, based_on_id)
        if based_on is None or not _visible(based_on.locality_code, scope_code):
            raise CompactError("based_on_id", f"村规民约 {based_on_id} 不存在或不在您的管辖范围内")
        if locality_code and locality_code != based_on.locality_code:
            raise CompactError("based_on_id", f"{based_on.label}不是本村（社区）的村规民约")
        locality_code = based_on.locality_code
    locality = session.get(Locality, locality_code or "")
    if locality is None or not _visible(locality.code, scope_code):
        raise CompactError("locality_code", f"行政区划 {locality_code} 不存在或不在您的管辖范围内")
    if level_of(locality.code) is not Level.VILLAGE:
        raise CompactError(
            "locality_code", f"{locality.name} 不是村（社区）：村规民约、居民公约由村（社区）制定"
        )
    title = clean_text("title", "标题", title or (based_on.title if based_on else ""), 100)
    pending = open_version(session, locality.code)
    if pending is not None:
        state = VERSION_WORKFLOW.states[pending.state]
        raise CompactError(
            "locality_code",
            f"{locality.name}已有正在办理的{pending.label}（{state}），请先完成或撤回它",
        )
    number = (
        session.scalar(
            select(func.max(CompactVersion.number)).where(
                CompactVersion.locality_code == locality.code
            )
        )
        or 0
    ) + 1
    version = CompactVersion(
        locality_code=locality.code,
        number=number,
        title=title,
        state=VERSION_WORKFLOW.initial,
        based_on_id=based_on.id if based_on else None,
    )
    session.add(version)
    session.flush()
    if based_on is not None:
        for article in based_on.articles:
            session.add(
                CompactArticle(
                    version_id=version.id,
                    number=article.number,
                    chapter=article.chapter,
                    body=article.body,
                    locality_code=version.locality_code,
                )
            )
        session.flush()
        session.refresh(version, ["articles"])
    return version


def ensure_editable(version: CompactVersion) -> None:
    """Refuse changes to a version that is no longer a draft."""
    if version.state not in EDITABLE_STATES:
        state = VERSION_WORKFLOW.states[version.state]
        raise CompactError(
            "version_id",
            f"{version.label}当前为“{state}”，只有草稿可以修改；如需修订，请在它的基础上起草新版本",
        )


def article_fields(
    number: int | None, chapter: str | None, body: str | None
) -> tuple[int, str | None, str]:
    if number is None or isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise CompactError("number", "条号必须是正整数")
    if number > 999:
        raise CompactError("number", "条号不能超过 999")
    chapter = clean_text("chapter", "章节", chapter, 50, required=False) or None
    body = clean_text("body", f"第{number}条条文", body, MAX_ARTICLE)
    return number, chapter, body


def add_article(
    session: Session,
    version: CompactVersion,
    *,
    number: int,
    body: str,
    chapter: str | None = None,
) -> CompactArticle:
    """Add article ``number`` to a draft."""
    ensure_editable(version)
    number, chapter, body = article_fields(number, chapter, body)
    if any(a.number == number for a in version.articles):
        raise CompactError("number", f"{version.label}已有第{number}条")
    article = CompactArticle(
        version_id=version.id,
        number=number,
        chapter=chapter,
        body=body,
        locality_code=version.locality_code,
    )
    session.add(article)
    session.flush()
    session.refresh(version, ["articles"])
    return article


def update_article(
    session: Session,
    article: CompactArticle,
    *,
    number: int | None = None,
    body: str | None = None,
    chapter: str | None = None,
) -> CompactArticle:
    """Change a draft's article; ``None`` keeps a value (an empty chapter removes it)."""
    version = article.version
    ensure_editable(version)
    new_number, new_chapter, new_body = article_fields(
        article.number if number is None else number,
        article.chapter if chapter is None else chapter,
        article.body if body is None else body,
    )
    if any(a.number == new_number and a.id != article.id for a in version.articles):
        raise CompactError("number", f"{version.label}已有第{new_number}条")
    article.number, article.chapter, article.body = new_number, new_chapter, new_body
    session.flush()
    return article


def delete_article(session: Session, article: CompactArticle) -> None:
    """Remove an article from a draft."""
    version = article.version
    ensure_editable(version)
    session.delete(article)
    session.flush()
    session.refresh(version, ["articles"])


def violations(session: Session, version: CompactVersion) -> list[rules.Violation]:
    """The version's breaches of the rules, with the locally forbidden phrases in force."""
    settings = plugin_settings(session, "compact", version.locality_code)
    texts = [rules.ArticleText(a.number, a.body) for a in version.articles]
    extra = rules.local_phrases(settings, version.locality_code)
    return rules.violations(version.title, texts, extra)


def problems(session: Session, version: CompactVersion) -> list[str]:
    """Everything that keeps the version from going forward, in Chinese: the numbering, then
    each forbidden phrase with its article."""
    found = [v.message for v in violations(session, version)]
    numbering = rules.numbering_problem([a.number for a in version.articles])
    return ([numbering] if numbering else []) + found


def coverage(session: Session, version: CompactVersion) -> list[tuple[str, bool]]:
    """Which recommended topics the version covers (advice only)."""
    topics = plugin_settings(session, "compact", version.locality_code)["recommended_topics"]
    return rules.coverage([version.title, *(a.body for a in version.articles)], topics)
