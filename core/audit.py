"""The audit log: every write appends who, when, what, before and after, in a hash chain.

Entries are written by a session listener, so no write path (admin, API, CLI, import) can forget
them. Each entry's hash covers its content and the previous entry's hash: editing or deleting an
entry breaks the chain, and :func:`verify` names the first entry that no longer fits.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, Integer, String, event, insert, inspect, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base, UTCDateTime, utcnow
from core.row_digest import bulk_digest as bulk_digest  # part of this module's API
from core.row_digest import jsonable

GENESIS = "0" * 64


class AuditEntry(Base):
    """One audited change of one record."""

    __tablename__ = "core_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(10))
    table_name: Mapped[str] = mapped_column(String(100), index=True)
    record_id: Mapped[str] = mapped_column(String(100))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """A single row holding the chain's last hash; locking it serialises concurrent writers."""

    __tablename__ = "core_audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))


_SKIPPED_TABLES = {"core_audit", "core_audit_head", "core_event"}
MASK = "***"


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """The chain hash of an entry: SHA-256 over the previous hash and the canonical content."""
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _hashed_fields(entry: dict[str, Any]) -> dict[str, Any]:
    keys = ("at", "actor", "channel", "action", "table_name", "record_id", "before", "after")
    return {k: jsonable(entry[k]) for k in keys}


@dataclasses.dataclass
class _Change:
    action: str
    table: str
    record_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    obj: Any = None  # a new object, whose primary key is known only after the flush


def _column_values(obj: Any, *, committed: bool) -> dict[str, Any]:
    state = inspect(obj)
    masked = set(getattr(type(obj), "__audit_masked__", ()))
    values: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        hist = state.attrs[attr.key].history
        if committed:
            value = hist.deleted[0] if hist.deleted else (hist.unchanged or [None])[0]
        else:
            value = hist.added[0] if hist.added else (hist.unchanged or [None])[0]
        values[attr.key] = MASK if (attr.key in masked and value is not None) else jsonable(value)
    for relation in state.mapper.relationships:
        # Many-to-many links (a resident's tags) live in a bare table: record them on the owner.
        if relation.secondary is None:
            continue
        hist = state.attrs[relation.key].history
        if not (hist.added or hist.deleted):
            continue
        linked = [*hist.unchanged, *(hist.deleted if committed else hist.added)]
        values[relation.key] = sorted(str(item) for item in linked)
    return values


def _record_id(obj: Any) -> str:
    """The primary key as text; read from the instance, since a new row has no identity yet."""
    values = inspect(obj).mapper.primary_key_from_instance(obj)
    return str(values[0]) if len(values) == 1 else ",".join(str(v) for v in values)


def _collect(session: Session) -> list[_Change]:
    changes: list[_Change] = []
    for obj in session.new:
        table = getattr(obj, "__tablename__", None)
        if table and table not in _SKIPPED_TABLES:
            after = _column_values(obj, committed=False)
            changes.append(_Change("create", table, "", None, after, obj))
    for obj in session.dirty:
        table = getattr(obj, "__tablename__", None)
        if not table or table in _SKIPPED_TABLES or not session.is_modified(obj):
            continue
        before = _column_values(obj, committed=True)
        after = _column_values(obj, committed=False)
        if before != after:
            changes.append(_Change("update", table, _record_id(obj), before, after))
    for obj in session.deleted:
        table = getattr(obj, "__tablename__", None)
        if table and table not in _SKIPPED_TABLES:
            before = _column_values(obj, committed=True)
            changes.append(_Change("delete", table, _record_id(obj), before, None))
    return changes


def _before_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    session.info.setdefault("_audit_pending", []).extend(_collect(session))


def _locked_head(connection: Any) -> str:
    """The chain's last hash, its row locked until the transaction ends (writers queue here)."""
    head = connection.execute(
        select(AuditHead.last_hash).where(AuditHead.id == 1).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        connection.execute(insert(AuditHead).values(id=1, last_hash=GENESIS))
        head = GENESIS
    return head


def _after_flush(session: Session, _ctx: Any) -> None:
    pending: list[_Change] = session.info.pop("_audit_pending", [])
    if not pending:
        return
    connection = session.connection()
    head = _locked_head(connection)
    actor = session.info.get("actor") or "system"
    channel = session.info.get("channel") or "system"
    rows = []
    prev = head
    now = utcnow()
    for change in pending:
        record_id = change.record_id
        after = change.after
        obj = change.obj
        if obj is not None:
            # Read a new row after the flush: keys, foreign keys and defaults are filled in now.
            record_id = _record_id(obj)
            after = {**(after or {}), **_stored_values(obj)}
        row = {
            "at": now,
            "actor": actor,
            "channel": channel,
            "action": change.action,
            "table_name": change.table,
            "record_id": record_id,
            "before": change.before,
            "after": after,
        }
        row["prev_hash"] = prev
        row["hash"] = prev = entry_hash(prev, _hashed_fields(row))
        rows.append(row)
    connection.execute(insert(AuditEntry), rows)
    connection.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=prev))


def _stored_values(obj: Any) -> dict[str, Any]:
    """Column values of a just-flushed object, masked where the model asks."""
    state = inspect(obj)
    masked = set(getattr(type(obj), "__audit_masked__", ()))
    values = {}
    for attr in state.mapper.column_attrs:
        value = state.dict.get(attr.key)
        values[attr.key] = MASK if (attr.key in masked and value is not None) else jsonable(value)
    return values


BULK_ACTION = "bulk"
"""The action of an entry standing for a batch of rows inserted in one statement."""


def id_ranges(ids: Sequence[int]) -> list[list[int]]:
    """Ids as ``[first, last]`` runs of consecutive values, in the given order."""
    if ids and list(ids) == list(range(ids[0], ids[0] + len(ids))):  # the usual case, in C
        return [[ids[0], ids[-1]]]
    runs: list[list[int]] = []
    for value in ids:
        if runs and value == runs[-1][1] + 1:
            runs[-1][1] = value
        else:
            runs.append([value, value])
    return runs


def bulk_ids(entry: AuditEntry) -> list[int]:
    """Every id a bulk entry covers, in order."""
    runs = (entry.after or {}).get("id_ranges", [])
    return [i for first, last in runs for i in range(first, last + 1)]


def record_bulk(
    session: Session,
    *,
    table_name: str,
    record_ids: Sequence[int],
    columns: Sequence[str],
    digest: str,
    note: str = "",
) -> None:
    """Append one chain entry for rows inserted in bulk, bypassing the per-row listener.

    The entry (action :data:`BULK_ACTION`) records the table, how many rows, their ids as
    ``[first, last]`` runs, the columns and the :func:`bulk_digest` of the rows, with the
    session's actor and channel; :func:`verify` checks it like any other entry.
    """
    if not record_ids:
        return
    ids = list(record_ids)
    after: dict[str, Any] = {
        "rows": len(ids),
        "id_ranges": id_ranges(ids),
        "columns": list(columns),
        "sha256": digest,
    }
    if note:
        after["note"] = note
    connection = session.connection()
    head = _locked_head(connection)
    row: dict[str, Any] = {
        "at": utcnow(),
        "actor": session.info.get("actor") or "system",
        "channel": session.info.get("channel") or "system",
        "action": BULK_ACTION,
        "table_name": table_name,
        "record_id": f"{min(ids)}-{max(ids)}",
        "before": None,
        "after": after,
        "prev_hash": head,
    }
    row["hash"] = entry_hash(head, _hashed_fields(row))
    connection.execute(insert(AuditEntry), [row])
    connection.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=row["hash"]))


def install(session_factory: Any) -> None:
    """Attach the audit listeners to a ``sessionmaker`` (or ``Session`` class)."""
    event.listen(session_factory, "before_flush", _before_flush)
    event.listen(session_factory, "after_flush", _after_flush)


@dataclasses.dataclass
class VerifyResult:
    """What :func:`verify` found: how many entries it checked and the first broken one."""

    checked: int
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        """True when the whole chain holds."""
        return not self.reason


def verify(session: Session, batch: int = 5000) -> VerifyResult:
    """Walk the chain in id order and report the first entry whose hash or link does not hold."""
    prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)
        ).all()
        if not entries:
            break
        for entry in entries:
            if entry.prev_hash != prev:
                return VerifyResult(
                    checked, entry.id, "与前一条记录的链接断开（前序记录被修改或删除）"
                )
            fields = _hashed_fields(
                {
                    "at": entry.at,
                    "actor": entry.actor,
                    "channel": entry.channel,
                    "action": entry.action,
                    "table_name": entry.table_name,
                    "record_id": entry.record_id,
                    "before": entry.before,
                    "after": entry.after,
                }
            )
            if entry_hash(prev, fields) != entry.hash:
                return VerifyResult(checked, entry.id, "内容与哈希不符（该记录被篡改）")
            prev = entry.hash
            checked += 1
            last_id = entry.id
    head = session.scalar(select(AuditHead.last_hash).where(AuditHead.id == 1))
    if head is not None and head != prev:
        return VerifyResult(checked, last_id, f"第 {last_id} 条之后的记录被删除（链尾不符）")
    return VerifyResult(checked)
