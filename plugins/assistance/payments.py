"""Monthly payment batches (发放批次), adjustments (冲正/补发) and the bank payment file.

A batch pays, for one month and one county (or wider) scope: every enrolment that is not
suspended and runs in that month, every approved one-off grant not yet paid, and every pending
adjustment. Lines are written set-based (a county-wide batch holds tens of thousands), never
edited, and guarded by unique keys, so the same month can never be paid twice: running the batch
again returns the existing one, and two runs racing produce one batch (the loser's transaction
fails on the unique constraint and reports the winner's batch).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import (
    Integer,
    Numeric,
    String,
    case,
    cast,
    exists,
    func,
    insert,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.db import UTCDateTime
from core.gc_pause import collector_paused
from core.localities import level_of, within
from core.models import Locality, Person
from plugins.assistance import clock
from plugins.assistance.errors import AssistanceError
from plugins.assistance.models import (
    AssistanceAdjustment,
    AssistanceApplication,
    AssistanceBatch,
    AssistanceCoverage,
    AssistanceEnrolment,
    AssistanceMember,
    AssistancePayment,
)
from plugins.assistance.programmes import PROGRAMMES, programme_title
from plugins.assistance.rules import money, yuan

ONE_OFF = [code for code, p in PROGRAMMES.items() if not p.recurring]
BATCH_LEVELS = ("province", "city", "county")


@dataclasses.dataclass(frozen=True)
class BatchResult:
    """What a batch run did: the batch (new or existing) and whether this run created it."""

    batch: AssistanceBatch | None
    created: bool
    message: str


def monthly_key(enrolment_id: Any, period: str) -> Any:
    """The SQL of a monthly line's unique key, ``<enrolment id>:<month>``."""
    return cast(enrolment_id, String) + f":{period}"


def _due_statement(period: str, scope_code: str) -> Any:
    """Every line due in ``period`` under ``scope_code`` and not yet paid, as one
    ``UNION ALL`` of monthly enrolments, approved one-off grants and pending adjustments."""
    first, last = clock.parse_period(period)
    next_month = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    monthly = select(
        literal("monthly", String).label("kind"),
        AssistanceEnrolment.application_id.label("application_id"),
        AssistanceEnrolment.id.label("enrolment_id"),
        cast(null(), Integer).label("adjustment_id"),
        AssistanceEnrolment.programme.label("programme"),
        AssistanceEnrolment.person_id.label("person_id"),
        AssistanceEnrolment.persons.label("persons"),
        AssistanceEnrolment.monthly_amount.label("amount"),
        AssistanceEnrolment.locality_code.label("locality_code"),
    ).where(
        within(AssistanceEnrolment.locality_code, scope_code),
        AssistanceEnrolment.state != "suspended",
        AssistanceEnrolment.start_on <= last,
        or_(AssistanceEnrolment.ended_on.is_(None), AssistanceEnrolment.ended_on > first),
        # Paid already: the line's unique key (enrolment and month), looked up in its index.
        ~exists().where(
            AssistancePayment.monthly_key == monthly_key(AssistanceEnrolment.id, period)
        ),
    )
    members = (
        select(func.count(AssistanceMember.id))
        .where(AssistanceMember.application_id == AssistanceApplication.id)
        .scalar_subquery()
    )
    one_off = select(
        literal("one_off", String),
        AssistanceApplication.id,
        cast(null(), Integer),
        cast(null(), Integer),
        AssistanceApplication.programme,
        AssistanceApplication.applicant_id,
        members,
        AssistanceApplication.amount,
        AssistanceApplication.locality_code,
    ).where(
        within(AssistanceApplication.locality_code, scope_code),
        AssistanceApplication.programme.in_(ONE_OFF),
        AssistanceApplication.state == "approved",
        AssistanceApplication.decided_at < next_month,
        ~exists().where(AssistancePayment.award_application_id == AssistanceApplication.id),
    )
    adjustments = select(
        literal("adjustment", String),
        AssistanceAdjustment.application_id,
        AssistanceAdjustment.enrolment_id,
        AssistanceAdjustment.id,
        AssistanceAdjustment.programme,
        AssistanceAdjustment.person_id,
        literal(0, Integer),
        AssistanceAdjustment.amount,
        AssistanceAdjustment.locality_code,
    ).where(
        within(AssistanceAdjustment.locality_code, scope_code),
        AssistanceAdjustment.requested_at < next_month,
        ~exists().where(AssistancePayment.adjustment_id == AssistanceAdjustment.id),
    )
    return union_all(monthly, one_off, adjustments)


def _line_order(row: Any) -> tuple[str, int, int, int]:
    return (row.kind, row.application_id, row.enrolment_id or 0, row.adjustment_id or 0)


def _digest(period: str, rows: list[Any]) -> str:
    return _digest_text(
        period,
        (
            (
                r.kind,
                r.application_id,
                r.enrolment_id,
                r.adjustment_id,
                r.person_id,
                money(r.amount),
            )
            for r in rows
        ),
    )


def _digest_text(period: str, lines: Iterable[tuple[Any, ...]]) -> str:
    """SHA-256 of a batch's lines in line order: ``period|kind|application|enrolment|
    adjustment|person|amount`` (the amount with two decimals), one line each."""
    text = "\n".join(
        f"{period}|{kind}|{application_id}|{enrolment_id or ''}|{adjustment_id or ''}"
        f"|{person_id}|{amount}"
        for kind, application_id, enrolment_id, adjustment_id, person_id, amount in lines
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _cents(amount: Any) -> Any:
    """An amount in whole cents, as an integer the driver returns as it is (SQLite keeps
    numbers as floating point: rounding first keeps 1140.10 from becoming 114009)."""
    return cast(func.round(amount * 100), Integer)


def _money_text(cents: int) -> str:
    """Whole cents as ``money`` prints them: ``-1140.10``."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _digest_fields(line: Any) -> tuple[Any, ...]:
    """(kind, application, enrolment, adjustment, person, amount text) of a line read with
    :func:`_line_columns` (the amount in cents)."""
    return (line[0], line[1], line[2], line[3], line[4], _money_text(line[5]))


def _line_columns(due: Any) -> list[Any]:
    """What a batch reads of each line: the digest's fields, the amount in cents."""
    return [
        due.c.kind,
        due.c.application_id,
        due.c.enrolment_id,
        due.c.adjustment_id,
        due.c.person_id,
        _cents(due.c.amount).label("cents"),
    ]


def _ordered(lines: Iterable[Any]) -> list[Any]:
    return sorted(lines, key=lambda r: (r[0], r[1], r[2] or 0, r[3] or 0))


def find_batch(session: Session, period: str, scope_code: str) -> AssistanceBatch | None:
    """The batch of ``period`` for ``scope_code``, if it exists."""
    return session.scalar(
        select(AssistanceBatch).where(
            AssistanceBatch.locality_code == scope_code, AssistanceBatch.period == period
        )
    )


class DueLine(NamedTuple):
    """One line a batch will pay."""

    kind: str
    application_id: int
    enrolment_id: int | None
    adjustment_id: int | None
    programme: str
    person_id: int
    persons: int
    amount: Decimal
    locality_code: str


def new_batch(
    period: str, scope_code: str, rows: list[DueLine], actor_label: str, now: dt.datetime
) -> AssistanceBatch:
    """A batch row for ``rows`` with its totals and digest (not yet added to a session)."""
    rows = sorted(rows, key=_line_order)
    return AssistanceBatch(
        period=period,
        line_count=len(rows),
        total=money(sum((r.amount for r in rows), Decimal("0"))),
        digest=_digest(period, rows),
        locality_code=scope_code,
        created_by=actor_label,
        created_at=now,
        exported_count=0,
    )


def insert_lines(
    session: Session, batch: AssistanceBatch, rows: list[DueLine], now: dt.datetime
) -> None:
    """Write a flushed batch's given lines and its coverage rows (the demo's history of
    batches; :func:`run_batch` writes the due lines with one ``INSERT … SELECT``)."""
    period = batch.period
    session.execute(
        insert(AssistancePayment.__table__),
        [
            {
                "batch_id": batch.id,
                "period": period,
                "programme": r.programme,
                "kind": r.kind,
                "application_id": r.application_id,
                "enrolment_id": r.enrolment_id,
                "monthly_key": f"{r.enrolment_id}:{period}" if r.kind == "monthly" else None,
                "award_application_id": r.application_id if r.kind == "one_off" else None,
                "adjustment_id": r.adjustment_id,
                "person_id": r.person_id,
                "persons": r.persons or 0,
                "amount": money(r.amount),
                "locality_code": r.locality_code,
                "created_at": now,
            }
            for r in sorted(rows, key=_line_order)
        ],
    )
    _insert_batch_coverage(session, batch)


def _insert_due_lines(session: Session, batch: AssistanceBatch, now: dt.datetime) -> list[Any]:
    """Write the batch's lines with one ``INSERT … SELECT`` of the due lines, in line order,
    and return what was written (``RETURNING``), so that the caller can check it against the
    digest the batch records."""
    period = batch.period
    due = _due_statement(period, batch.locality_code).subquery("due")
    paid = due.c.kind
    source = select(
        literal(batch.id, Integer),
        literal(period, String),
        due.c.programme,
        paid,
        due.c.application_id,
        due.c.enrolment_id,
        case((paid == "monthly", monthly_key(due.c.enrolment_id, period)), else_=None),
        case((paid == "one_off", due.c.application_id), else_=None),
        due.c.adjustment_id,
        due.c.person_id,
        func.coalesce(due.c.persons, 0),
        due.c.amount,
        due.c.locality_code,
        literal(now, UTCDateTime),
    ).order_by(paid, due.c.application_id, due.c.enrolment_id, due.c.adjustment_id)
    table = AssistancePayment.__table__
    statement = (
        insert(table)
        .from_select(
            [
                "batch_id",
                "period",
                "programme",
                "kind",
                "application_id",
                "enrolment_id",
                "monthly_key",
                "award_application_id",
                "adjustment_id",
                "person_id",
                "persons",
                "amount",
                "locality_code",
                "created_at",
            ],
            source,
        )
        .returning(*_line_columns(table))
    )
    return list(session.connection().execute(statement).all())


def _insert_batch_coverage(session: Session, batch: AssistanceBatch) -> None:
    """The coverage figures of a batch whose lines are written, with one ``INSERT … SELECT …
    GROUP BY`` over them: households (lines of per-household programmes), persons and the
    amount (summed in whole cents, so exactly) by programme and place."""
    line = AssistancePayment.__table__.c
    counted = line.kind != "adjustment"
    per_household = [code for code, p in PROGRAMMES.items() if p.per_household]
    households = case((counted & line.programme.in_(per_household), 1), else_=0)
    source = (
        select(
            line.batch_id,
            line.period,
            line.programme,
            line.locality_code,
            func.sum(households),
            func.sum(case((counted, line.persons), else_=0)),
            func.sum(_cents(line.amount)) * literal_column("0.01", Numeric(14, 2)),
        )
        .where(line.batch_id == batch.id)
        .group_by(line.batch_id, line.period, line.programme, line.locality_code)
        .order_by(line.programme, line.locality_code)
    )
    session.execute(
        insert(AssistanceCoverage.__table__).from_select(
            ["batch_id", "period", "programme", "locality_code", "households", "persons", "amount"],
            source,
        )
    )


def run_batch(session: Session, *, period: str, scope_code: str, actor_label: str) -> BatchResult:
    """Create the month's batch for a scope, or return the one that exists. Does not commit."""
    try:
        clock.parse_period(period)
    except ValueError as exc:
        raise AssistanceError(str(exc), "period") from None
    if level_of(scope_code).value not in BATCH_LEVELS:
        raise AssistanceError("发放批次须由县级及以上账号生成（按县统一发放）", "scope")
    existing = find_batch(session, period, scope_code)
    if existing is not None:
        return BatchResult(
            existing, False, f"{period} 的发放批次已存在（批次#{existing.id}），未重复生成"
        )
    with collector_paused():
        return _write_batch(session, period, scope_code, actor_label)


def _write_batch(session: Session, period: str, scope_code: str, actor_label: str) -> BatchResult:
    """Read the due lines, record the batch (its digest audited), write the lines with one
    ``INSERT … SELECT`` and check that they are the lines the digest covers."""
    due = _due_statement(period, scope_code).subquery("due")
    reading = session.connection().execute(select(*_line_columns(due)))
    lines = _ordered(reading.all())
    if not lines:
        # A run racing this one may have just paid everything: then its batch is the answer.
        existing = find_batch(session, period, scope_code)
        if existing is not None:
            return BatchResult(
                existing, False, f"{period} 的发放批次已存在（批次#{existing.id}），未重复生成"
            )
        return BatchResult(None, False, f"{period} 没有待发放的记录，未生成批次")
    now = clock.now()
    total = sum(line[5] for line in lines)
    batch = AssistanceBatch(
        period=period,
        line_count=len(lines),
        total=money(Decimal(total) / 100),
        digest=_digest_text(period, map(_digest_fields, lines)),
        locality_code=scope_code,
        created_by=actor_label,
        created_at=now,
        exported_count=0,
    )
    session.add(batch)
    session.flush()
    written = _ordered(_insert_due_lines(session, batch, now))
    if written != lines:
        # Another transaction committed a change of what is due between the two statements
        # (each reads what is committed when it starts): the lines would not match the digest.
        raise AssistanceError(
            "生成批次期间待发放记录发生了变化（有人同时修改了在保对象、救助或调整），"
            "本次未生成，请重试"
        )
    _insert_batch_coverage(session, batch)
    return BatchResult(
        batch, True, f"已生成 {period} 发放批次：{len(lines)} 笔，合计 {yuan(batch.total)}"
    )


def run_batch_and_commit(
    session: Session, *, period: str, scope_code: str, actor_label: str
) -> BatchResult:
    """Run the batch and commit; if another run won the race, report its batch instead."""
    try:
        result = run_batch(session, period=period, scope_code=scope_code, actor_label=actor_label)
        session.commit()
        return result
    except IntegrityError:
        session.rollback()
    except AssistanceError:
        session.rollback()
        raise
    existing = find_batch(session, period, scope_code)
    if existing is not None:
        return BatchResult(
            existing,
            False,
            f"{period} 的发放批次已由另一次操作生成（批次#{existing.id}），未重复生成",
        )
    raise AssistanceError(
        "与同时进行的另一次发放冲突：部分记录已在其他批次中发放，本次未生成，请刷新后重试"
    )


def verify_batch(session: Session, batch: AssistanceBatch) -> bool:
    """Whether the batch's lines still match the digest and totals recorded when it was made."""
    rows = session.execute(
        select(
            AssistancePayment.kind,
            AssistancePayment.application_id,
            AssistancePayment.enrolment_id,
            AssistancePayment.adjustment_id,
            AssistancePayment.person_id,
            AssistancePayment.amount,
        ).where(AssistancePayment.batch_id == batch.id)
    ).all()
    rows = sorted(rows, key=_line_order)
    total = money(sum((r.amount for r in rows), Decimal("0")))
    return (
        len(rows) == batch.line_count
        and total == batch.total
        and _digest(batch.period, rows) == batch.digest
    )


# --- adjustments ------------------------------------------------------------------------------


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason or len(reason) > 500 or "\x00" in reason:
        raise AssistanceError("请填写调整理由（不超过 500 字）", "reason")
    return reason


def request_reversal(
    session: Session, payment: AssistancePayment, reason: str, actor_label: str
) -> AssistanceAdjustment:
    """冲正: take back a paid line in the next batch (a negative line), with a reason."""
    reason = _reason(reason)
    if payment.kind == "adjustment" or payment.amount <= 0:
        raise AssistanceError("只能冲正按月发放或一次性救助的发放记录", "payment")
    already = session.scalar(
        select(AssistanceAdjustment.id).where(
            AssistanceAdjustment.reverses_payment_id == payment.id
        )
    )
    if already is not None:
        raise AssistanceError(f"发放#{payment.id} 已申请过冲正（调整#{already}）", "payment")
    adjustment = AssistanceAdjustment(
        application_id=payment.application_id,
        enrolment_id=payment.enrolment_id,
        reverses_payment_id=payment.id,
        programme=payment.programme,
        person_id=payment.person_id,
        amount=-payment.amount,
        reason=reason,
        locality_code=payment.locality_code,
        requested_by=actor_label,
    )
    session.add(adjustment)
    session.flush()
    return adjustment


def request_supplement(
    session: Session, application: AssistanceApplication, amount: Any, reason: str, actor_label: str
) -> AssistanceAdjustment:
    """补发: pay an approved case an extra amount in the next batch, with a reason."""
    reason = _reason(reason)
    try:
        amount = money(amount)
    except Exception:
        raise AssistanceError("补发金额必须是数字", "amount") from None
    if amount <= 0:
        raise AssistanceError("补发金额必须大于 0", "amount")
    if application.state != "approved":
        raise AssistanceError("只能对已批准的救助申请补发", "application")
    enrolment = session.scalar(
        select(AssistanceEnrolment).where(AssistanceEnrolment.application_id == application.id)
    )
    adjustment = AssistanceAdjustment(
        application_id=application.id,
        enrolment_id=enrolment.id if enrolment else None,
        programme=application.programme,
        person_id=application.applicant_id,
        amount=amount,
        reason=reason,
        locality_code=application.locality_code,
        requested_by=actor_label,
    )
    session.add(adjustment)
    session.flush()
    return adjustment


# --- the bank payment file --------------------------------------------------------------------

BANK_COLUMNS = (
    "序号",
    "领款人姓名",
    "身份证号",
    "开户银行",
    "银行账号",
    "金额",
    "救助项目",
    "所属区划",
    "发放月份",
    "类型",
)


def bank_rows(session: Session, batch: AssistanceBatch) -> list[list[str]]:
    """The rows the bank pays: every positive line with the payee and the account.

    Refuses (naming the payees) when anyone lacks a bank account: a file the bank rejects
    line by line helps nobody.
    """
    rows = session.execute(
        select(
            AssistancePayment,
            Person.name,
            Person.id_number,
            Locality.name,
            AssistanceEnrolment,
            AssistanceApplication,
        )
        .join(Person, Person.id == AssistancePayment.person_id)
        .join(Locality, Locality.code == AssistancePayment.locality_code)
        .join(AssistanceApplication, AssistanceApplication.id == AssistancePayment.application_id)
        .outerjoin(AssistanceEnrolment, AssistanceEnrolment.id == AssistancePayment.enrolment_id)
        .where(AssistancePayment.batch_id == batch.id, AssistancePayment.amount > 0)
        .order_by(AssistancePayment.locality_code, AssistancePayment.id)
    ).all()
    table: list[list[str]] = []
    missing: list[str] = []
    for n, (payment, name, id_number, place, enrolment, application) in enumerate(rows, start=1):
        holder = enrolment if enrolment is not None else application
        if not holder.payee_account:
            missing.append(f"{name}（{place}，{holder}）")
            continue
        table.append(
            [
                str(n),
                name,
                id_number,
                holder.payee_bank or "",
                holder.payee_account,
                f"{money(payment.amount):.2f}",
                programme_title(payment.programme),
                place,
                payment.period,
                AssistancePayment.KIND_LABELS.get(payment.kind, payment.kind),
            ]
        )
    if missing:
        shown = "；".join(missing[:20]) + ("……" if len(missing) > 20 else "")
        raise AssistanceError(
            f"有 {len(missing)} 人未登记收款账号，不能生成代发文件：{shown}", "payee_account"
        )
    return table


def bank_file(session: Session, batch: AssistanceBatch, fmt: str, actor_label: str) -> bytes:
    """The bank payment file of a batch as CSV (UTF-8 with BOM, for Excel) or XLSX.

    It holds full identity numbers and accounts for the bank; each export is recorded on the
    batch (and so in the audit log).
    """
    if fmt not in ("csv", "xlsx"):
        raise AssistanceError("文件格式必须是 csv 或 xlsx", "format")
    rows = bank_rows(session, batch)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(BANK_COLUMNS)
        writer.writerows(rows)
        content = ("\ufeff" + buffer.getvalue()).encode("utf-8")
    else:
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = f"{batch.period}代发"
        sheet.append(list(BANK_COLUMNS))
        for row in rows:
            sheet.append([*row[:5], Decimal(row[5]), *row[6:]])
        for column in ("C", "E"):  # identity numbers and accounts stay text, never 5.0E+17
            for cell in sheet[column]:
                cell.number_format = "@"
        output = io.BytesIO()
        workbook.save(output)
        content = output.getvalue()
    batch.exported_count = (batch.exported_count or 0) + 1
    batch.last_exported_at = clock.now()
    batch.last_exported_by = actor_label
    session.flush()
    return content
