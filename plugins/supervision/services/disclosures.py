"""村务公开: publishing and amending disclosures, financial disclosures from booked vouchers,
the disclosure calendar with its overdue flags, and the one public board of a village."""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session, aliased

from core.events import emit
from core.localities import Level, level_of
from core.models import Locality
from core.portal import PublicNotice
from core.workflow import WorkflowError
from plugins.supervision.events import DisclosurePublished
from plugins.supervision.models import Disclosure, DisclosureDue, FundAccount, Voucher
from plugins.supervision.models.constants import DISCLOSURE_CATEGORIES, FREQUENCIES
from plugins.supervision.services import SupervisionError, local_date, now, today
from plugins.supervision.services.funds import statements_of
from plugins.supervision.workflows import VOUCHER_WORKFLOW, actor_label


@dataclasses.dataclass(frozen=True)
class Period:
    """A disclosure period: its label (2026年3月) and first and last days."""

    label: str
    start: dt.date
    end: dt.date

    @property
    def months(self) -> list[str]:
        """The accounting periods (YYYY-MM) it covers."""
        months = []
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            months.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months


def month_period(year: int, month: int) -> Period:
    """The period of one month."""
    last = calendar.monthrange(year, month)[1]
    return Period(f"{year}年{month}月", dt.date(year, month, 1), dt.date(year, month, last))


def quarter_period(year: int, quarter: int) -> Period:
    """The period of one quarter."""
    first = 3 * (quarter - 1) + 1
    last_month = first + 2
    last = calendar.monthrange(year, last_month)[1]
    return Period(
        f"{year}年第{quarter}季度", dt.date(year, first, 1), dt.date(year, last_month, last)
    )


def year_period(year: int) -> Period:
    """The period of one year."""
    return Period(f"{year}年度", dt.date(year, 1, 1), dt.date(year, 12, 31))


def periods_of_year(year: int, frequency: str) -> list[Period]:
    """Every period of ``frequency`` (monthly, quarterly, yearly) in ``year``."""
    if frequency == "monthly":
        return [month_period(year, m) for m in range(1, 13)]
    if frequency == "quarterly":
        return [quarter_period(year, q) for q in range(1, 5)]
    if frequency == "yearly":
        return [year_period(year)]
    raise SupervisionError(f"公开频次必须是 {'、'.join(FREQUENCIES)} 之一：{frequency}")


_PERIOD_FORMS = (
    (re.compile(r"^(\d{4})-(\d{1,2})$"), "month"),
    (re.compile(r"^(\d{4})-?[Qq]([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})$"), "year"),
)


def parse_period(text: str) -> Period:
    """A period from ``2026-03`` (month), ``2026Q1`` (quarter) or ``2026`` (year)."""
    text = (text or "").strip()
    for pattern, kind in _PERIOD_FORMS:
        match = pattern.match(text)
        if not match:
            continue
        year = int(match[1])
        if not 2000 <= year <= 2100:
            break
        if kind == "month":
            month = int(match[2])
            if 1 <= month <= 12:
                return month_period(year, month)
            break
        if kind == "quarter":
            return quarter_period(year, int(match[2]))
        return year_period(year)
    raise SupervisionError(
        f"期间格式不对：{text!r}（月份写 2026-03，季度写 2026Q1，年度写 2026）", "period"
    )


# --- Publishing ----------------------------------------------------------------------------------


def publish(
    session: Session,
    actor: Any,
    *,
    locality_code: str,
    category: str,
    title: str,
    content: str,
    period: Period | None = None,
    online: bool = True,
    board: bool = True,
    source: str = "manual",
    matter_id: int | None = None,
    figures: Mapping[str, Any] | None = None,
    amends: Disclosure | None = None,
    amendment_reason: str | None = None,
) -> Disclosure:
    """Publish a disclosure; it is final. With ``amends``, it corrects that one and must say why.

    Calendar entries of the village that the disclosure covers are marked fulfilled.
    """
    if session.get(Locality, locality_code) is None:
        raise SupervisionError(f"行政区划不存在：{locality_code}", "locality_code")
    if category not in DISCLOSURE_CATEGORIES:
        raise SupervisionError(
            f"公开类别必须是 {'、'.join(DISCLOSURE_CATEGORIES)} 之一：{category}", "category"
        )
    if not (online or board):
        raise SupervisionError("请至少选择一种公开渠道（网上或公开栏）", "online")
    if amends is not None:
        if amends.locality_code != locality_code:
            raise SupervisionError("更正公告必须与原公开内容属于同一村", "amends_id")
        if not (amendment_reason or "").strip():
            raise SupervisionError("发布更正公告必须写明更正理由", "amendment_reason")
        later = session.scalar(select(Disclosure).where(Disclosure.amends_id == amends.id))
        if later is not None:
            raise SupervisionError(
                f"该公开内容已于 {local_date(later.published_at)} 更正（“{later.title}”），"
                "请在最新的更正公告上再作更正",
                "amends_id",
            )
    elif amendment_reason:
        raise SupervisionError("只有更正公告才填写更正理由", "amendment_reason")
    try:
        disclosure = Disclosure(
            locality_code=locality_code,
            category=category,
            title=title,
            content=content,
            period_label=period.label if period else None,
            period_start=period.start if period else None,
            period_end=period.end if period else None,
            online=online,
            board=board,
            source=source,
            matter_id=matter_id,
            figures=dict(figures) if figures is not None else None,
            amends_id=amends.id if amends is not None else None,
            amendment_reason=amendment_reason,
            published_by=actor_label(actor),
            published_at=now(session),
        )
    except ValueError as exc:
        field = "title" if "标题" in str(exc) else "content"
        raise SupervisionError(str(exc), field) from exc
    session.add(disclosure)
    session.flush()
    if period is not None:
        _fulfil_calendar(session, disclosure)
    emit(
        session,
        DisclosurePublished(
            locality_code=locality_code,
            disclosure_id=disclosure.id,
            category=category,
            title=disclosure.title,
            amends_id=disclosure.amends_id,
        ),
    )
    return disclosure


def amend(
    session: Session,
    actor: Any,
    original: Disclosure,
    *,
    content: str,
    reason: str,
    title: str | None = None,
) -> Disclosure:
    """Publish a correction of ``original`` (same village, category and period) with a reason."""
    period = (
        Period(original.period_label or "", original.period_start, original.period_end)
        if original.period_start and original.period_end
        else None
    )
    return publish(
        session,
        actor,
        locality_code=original.locality_code,
        category=original.category,
        title=title or f"更正：{original.title.removeprefix('更正：')}",
        content=content,
        period=period,
        online=original.online,
        board=original.board,
        source=original.source,
        matter_id=original.matter_id,
        amends=original,
        amendment_reason=reason,
    )


def chain(session: Session, disclosure: Disclosure) -> list[Disclosure]:
    """The whole amendment chain ``disclosure`` belongs to, from the original to the latest."""
    first = disclosure
    while first.amends is not None:
        first = first.amends
    found = [first]
    while found[-1].amended_by is not None:
        found.append(found[-1].amended_by)
    return found


def current_clause() -> Any:
    """A condition selecting disclosures that no later disclosure amends (the valid versions)."""
    later = aliased(Disclosure)
    return ~exists(select(later.id).where(later.amends_id == Disclosure.id))


# --- Financial disclosures -----------------------------------------------------------------------


def financial_disclosure(
    session: Session, actor: Any, locality_code: str, period: Period
) -> Disclosure:
    """Generate the village's financial disclosure for ``period`` from its booked vouchers.

    Per account: opening balance, receipts, payments, closing balance (from the maintained
    period totals), and every voucher booked in the period. The vouchers move to 已公开.
    """
    if period.end >= today(session):
        raise SupervisionError(f"{period.label}尚未结束，结束后才能生成财务公开", "period")
    existing = session.scalar(
        select(Disclosure).where(
            Disclosure.locality_code == locality_code,
            Disclosure.source == "finance",
            Disclosure.period_start == period.start,
            Disclosure.period_end == period.end,
        )
    )
    if existing is not None:
        raise SupervisionError(
            f"{period.label}的财务公开已经发布（“{existing.title}”），如需更正请发布更正公告",
            "period",
        )
    accounts = session.scalars(
        select(FundAccount)
        .where(FundAccount.locality_code == locality_code)
        .order_by(FundAccount.code)
    ).all()
    if not accounts:
        raise SupervisionError("该村还没有资金账户，无法生成财务公开", "locality_code")
    vouchers = session.scalars(
        select(Voucher)
        .where(
            Voucher.locality_code == locality_code,
            Voucher.state == "booked",
            Voucher.period.in_(period.months),
        )
        .order_by(Voucher.account_id, Voucher.seq)
    ).all()
    place = session.get(Locality, locality_code)
    figures: dict[str, Any] = {"period": period.label, "accounts": []}
    lines = [f"{place.name if place else locality_code}{period.label}财务收支公开"]
    statements = statements_of(session, accounts, period.months[0], period.months[-1])
    for account in accounts:
        figures_of = statements[account.id]
        own = [v for v in vouchers if v.account_id == account.id]
        figures["accounts"].append(
            {
                "account": str(account),
                "opening": str(figures_of.opening),
                "receipts": str(figures_of.receipts),
                "payments": str(figures_of.payments),
                "closing": str(figures_of.closing),
                "vouchers": [
                    {
                        "number": v.seq,
                        "date": v.voucher_date.isoformat(),
                        "kind": v.kind_label,
                        "summary": v.summary,
                        "amount": str(v.amount),
                    }
                    for v in own
                ],
            }
        )
        lines.append(
            f"【{account}】期初余额 {figures_of.opening} 元，本期收入 {figures_of.receipts} 元，"
            f"本期支出 {figures_of.payments} 元，期末余额 {figures_of.closing} 元。"
        )
        lines += [
            f"  记字第 {v.seq} 号 {v.voucher_date} {v.kind_label} {v.summary} {v.amount} 元"
            for v in own
        ]
    if not vouchers:
        lines.append("本期无收支业务。")
    disclosure = publish(
        session,
        actor,
        locality_code=locality_code,
        category="finance",
        title=f"{period.label}财务收支公开",
        content="\n".join(lines),
        period=period,
        source="finance",
        figures=figures,
    )
    for voucher in vouchers:
        voucher.disclosure_id = disclosure.id
        try:
            VOUCHER_WORKFLOW.apply(voucher, "disclose", actor, session)
        except WorkflowError as exc:
            raise SupervisionError(str(exc)) from exc
    session.flush()
    return disclosure


# --- The calendar --------------------------------------------------------------------------------


def villages_under(session: Session, scope_code: str) -> list[str]:
    """Codes of the villages and communities at or under ``scope_code``, in code order."""
    return list(
        session.scalars(
            select(Locality.code)
            .where(Locality.scope_clause(scope_code), Locality.level == Level.VILLAGE.value)
            .order_by(Locality.code)
        )
    )


def build_calendar(
    session: Session, scope_code: str, year: int, rules: Sequence[Mapping[str, Any]]
) -> int:
    """Add the year's calendar entries for every village under ``scope_code``; returns how many
    were added. Entries that exist are kept; those already covered are marked fulfilled."""
    if not 2000 <= year <= 2100:
        raise SupervisionError(f"年度不正确：{year}", "year")
    villages = villages_under(session, scope_code)
    if not villages:
        raise SupervisionError("该范围内没有村（社区），无法生成公开日历", "scope")
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    existing = set(
        session.execute(
            select(
                DisclosureDue.locality_code, DisclosureDue.category, DisclosureDue.period_start
            ).where(
                DisclosureDue.scope_clause(scope_code),
                DisclosureDue.period_start >= start,
                DisclosureDue.period_start <= end,
            )
        ).all()
    )
    published = _published_in(session, scope_code, start, end)
    added = []
    for code in villages:
        for rule in rules:
            for period in periods_of_year(year, rule["frequency"]):
                key = (code, rule["category"], period.start)
                if key in existing:
                    continue
                due = DisclosureDue(
                    locality_code=code,
                    category=rule["category"],
                    period_label=period.label,
                    period_start=period.start,
                    period_end=period.end,
                    due_on=period.end + dt.timedelta(days=int(rule.get("due_days", 10))),
                )
                covering = _covering(published.get((code, rule["category"]), ()), period)
                if covering is not None:
                    due.disclosure_id, due.fulfilled_on = covering
                added.append(due)
    session.add_all(added)
    session.flush()
    return len(added)


def _published_in(
    session: Session, scope_code: str, start: dt.date, end: dt.date
) -> dict[tuple[str, str], list[tuple[int, dt.date, dt.date, dt.datetime]]]:
    rows = session.execute(
        select(
            Disclosure.locality_code,
            Disclosure.category,
            Disclosure.id,
            Disclosure.period_start,
            Disclosure.period_end,
            Disclosure.published_at,
        )
        .where(
            Disclosure.scope_clause(scope_code),
            Disclosure.period_start.is_not(None),
            Disclosure.period_end >= start,
            Disclosure.period_start <= end,
        )
        .order_by(Disclosure.published_at)
    ).all()
    found: dict[tuple[str, str], list[tuple[int, dt.date, dt.date, dt.datetime]]] = {}
    for code, category, ident, first, last, published_at in rows:
        found.setdefault((code, category), []).append((ident, first, last, published_at))
    return found


def _covering(
    candidates: Iterable[tuple[int, dt.date, dt.date, dt.datetime]], period: Period
) -> tuple[int, dt.date] | None:
    for ident, first, last, published_at in candidates:
        if first <= period.start and last >= period.end:
            return ident, local_date(published_at)
    return None


def _fulfil_calendar(session: Session, disclosure: Disclosure) -> None:
    dues = session.scalars(
        select(DisclosureDue).where(
            DisclosureDue.locality_code == disclosure.locality_code,
            DisclosureDue.category == disclosure.category,
            DisclosureDue.fulfilled_on.is_(None),
            DisclosureDue.period_start >= disclosure.period_start,
            DisclosureDue.period_end <= disclosure.period_end,
        )
    ).all()
    for due in dues:
        due.disclosure_id = disclosure.id
        due.fulfilled_on = local_date(disclosure.published_at)


def overdue_clause(day: dt.date) -> Any:
    """A condition selecting calendar entries still undisclosed after their due date."""
    return and_(DisclosureDue.fulfilled_on.is_(None), DisclosureDue.due_on < day)


def overdue(
    session: Session, scope_code: str, day: dt.date, limit: int = 500
) -> list[DisclosureDue]:
    """Calendar entries under ``scope_code`` overdue on ``day``, oldest first."""
    return list(
        session.scalars(
            select(DisclosureDue)
            .where(DisclosureDue.scope_clause(scope_code), overdue_clause(day))
            .order_by(DisclosureDue.due_on, DisclosureDue.locality_code)
            .limit(limit)
        )
    )


# --- What residents see --------------------------------------------------------------------------


def notices(session: Session, locality: Locality, limit: int = 20) -> list[PublicNotice]:
    """The newest disclosures at or under ``locality`` as portal notices (公示公告)."""
    rows = session.scalars(
        select(Disclosure)
        .where(Disclosure.scope_clause(locality.code), Disclosure.online.is_(True))
        .order_by(Disclosure.published_at.desc(), Disclosure.id.desc())
        .limit(limit)
    ).all()
    result = []
    for d in rows:
        prefix = "【更正】" if d.amends_id and not d.title.startswith("更正") else ""
        summary = d.amendment_reason and f"更正理由：{d.amendment_reason}"
        result.append(
            PublicNotice(
                title=f"{prefix}{d.title}",
                category=d.category_label,
                locality_code=d.locality_code,
                published_at=d.published_at,
                summary=summary or _first_line(d.content),
                url=_portal_anchor(d),
            )
        )
    return result


def _first_line(text: str, limit: int = 80) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= limit else first[: limit - 1] + "…"


def _portal_anchor(disclosure: Disclosure) -> str | None:
    from flask import has_request_context, url_for

    if not has_request_context():
        return None
    try:
        base = url_for("portal.locality", code=disclosure.locality_code)
    except Exception:  # the host has no portal (an API-only app): no link
        return None
    return f"{base}#disclosure-{disclosure.id}"


def other_plugins_notices(session: Session, locality: Locality) -> list[PublicNotice]:
    """Public notices the other enabled plugins give for ``locality`` (救助公示…), through the
    core hook ``provide_public_notices``, newest first."""
    plugins = session.info.get("plugins")
    if plugins is None:
        return []
    found: list[PublicNotice] = []
    for plugin in plugins.plugins:
        if plugin.name == "supervision":
            continue
        caller = plugins.plugin_hook_caller(plugin.name, "provide_public_notices")
        for result in caller(locality=locality, session=session):
            found.extend(result or ())
    return sorted(found, key=lambda n: n.published_at, reverse=True)


@dataclasses.dataclass(frozen=True)
class BoardEntry:
    """One entry of a village's public board: a disclosure of ours or another plugin's notice."""

    category: str
    title: str
    published_at: dt.datetime
    body: str
    amended: bool = False
    amendment_reason: str | None = None


def board(session: Session, locality: Locality, limit: int = 50) -> list[BoardEntry]:
    """Everything public for ``locality`` in one list (村务公开栏): the valid disclosures and the
    other plugins' notices, newest first. Printed for the bulletin board, so online and offline
    show the same."""
    disclosures = session.scalars(
        select(Disclosure)
        .where(Disclosure.scope_clause(locality.code), current_clause())
        .order_by(Disclosure.published_at.desc())
        .limit(limit)
    ).all()
    entries = [
        BoardEntry(
            category=d.category_label,
            title=d.title,
            published_at=d.published_at,
            body=d.content,
            amended=d.amends_id is not None,
            amendment_reason=d.amendment_reason,
        )
        for d in disclosures
    ]
    entries += [
        BoardEntry(
            category=n.category,
            title=n.title,
            published_at=n.published_at,
            body=n.summary + (f"（公示至 {n.ends_on}）" if n.ends_on else ""),
        )
        for n in other_plugins_notices(session, locality)
    ]
    entries.sort(key=lambda e: e.published_at, reverse=True)
    return entries[:limit]


def is_village(code: str) -> bool:
    """Whether ``code`` is a village or community (12-digit, village level)."""
    try:
        return level_of(code) is Level.VILLAGE
    except ValueError:
        return False


def money_text(value: Decimal) -> str:
    """An amount as shown in disclosures: 1,234.50."""
    return f"{value:,.2f}"
