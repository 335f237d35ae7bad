"""SHA-256 digests of rows as the audit log records them, with nothing else imported.

The audit log (:mod:`core.audit`) stores one digest per bulk insert; the import's worker process
(:mod:`core.resident_rows`) computes the residents' digests too, and needs no database for it.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import hashlib
import json
from collections.abc import Sequence
from typing import Any


def jsonable(value: Any) -> Any:
    """``value`` as JSON takes it: dates and times in ISO form, decimals as text, enums as
    their values, sequences and mappings converted throughout."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


def bulk_digest(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """SHA-256 of rows given as value sequences in ``columns`` order: the UTF-8 of the compact
    JSON ``{"columns": [...], "rows": [[...], ...]}`` (dates and times in ISO form). Whoever
    holds the rows can recompute it and compare it with the ``sha256`` of a bulk entry; the
    chain makes the entry itself tamper-evident."""
    text = json.dumps(
        {"columns": list(columns), "rows": list(rows)},
        ensure_ascii=False,
        separators=(",", ":"),
        default=jsonable,
    )
    return hashlib.sha256(text.encode()).hexdigest()
