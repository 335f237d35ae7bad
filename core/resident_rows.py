"""Checking the rows of a residents file, without the database, in this process or in a worker.

:func:`plan_rows` checks each row on its own: the name, the identity number (check digit, area,
birth date), the locality code's form and scope, the phone, the limits of the other cells and
the tags. What needs the database (numbers already registered, localities, households) is left
to :mod:`core.importer`.

:func:`checked_chunks` reads and checks a file chunk by chunk and hands each chunk over as
columns (:class:`CheckedChunk`), ready for ``executemany``, with the audit digest of its rows
when the ids they will get are known (:class:`DigestBasis`). For a large file it does so in a
worker process (:func:`checked_chunks_in_worker`), so that reading, checking and digesting the
next rows runs on another core while the importer writes the previous ones.
"""

from __future__ import annotations

import array
import dataclasses
import datetime as dt
import os
import pickle
import re
import subprocess
import sys
import traceback
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice, repeat
from pathlib import Path
from typing import Any, NamedTuple

from stdnum.cn import ric

from core import localities
from core.gc_pause import collector_paused
from core.identity import (
    IdentityError,
    birth_date_of,
    latest_birth_date,
    normalize_id_number,
    normalize_phone,
)
from core.import_files import (
    PERSON_COLUMN_BY_KEY,
    PERSON_COLUMNS,
    TAG_MAX_LENGTH,
    Column,
    ImportFailed,
    Problems,
    Row,
    Table,
    cell_value,
    data_rows,
    map_header,
    table_lines,
)
from core.localities import LocalityCodeError, validate_code
from core.row_digest import bulk_digest

_TAG_SEPARATORS = re.compile(r"[，,；;、\s]+")


class PersonPlan(NamedTuple):
    """One data row of a residents file as checked; a field that failed a check is ``None``."""

    line: int
    name: str | None
    id_number: str | None
    locality_code: str | None
    phone: str | None
    household: str | None
    relation: str | None
    tags: list[str]
    note: str | None


class IdentityChecker:
    """:func:`~core.identity.normalize_id_number` with its costly checks done once per prefix.

    The full check's expensive part, looking the area code up in the division list, depends only
    on characters 1–6. Once a number passed the full check its area is known good; a later number
    of a known area needs the per-number checks (18 characters, digits, the check digit) and its
    birth date (a real date, from 1880 to today, as the full check demands; each date is checked
    once). Anything that fails goes through the full check, which words the error, so the outcome
    is the full check's, about twenty times faster on a city's file.
    """

    def __init__(self) -> None:
        self.areas: set[str] = set()
        self.births: dict[str, dt.date] = {}
        self.latest_birth = latest_birth_date()  # once: the same day for the whole file
        self.birth_texts: dict[str, str] = {}  # ISO text of births, filled in by chunk_of
        self.codes: dict[str, str | LocalityCodeError] = {}
        self._scope = ""
        self._prefix = ""

    def normalize(self, value: str) -> str:
        """The canonical number, or :class:`~core.identity.IdentityError` as the full check."""
        raw = value.upper()
        if (
            len(raw) == 18
            and raw.isascii()  # isdigit() takes other digits too, which the full check folds
            and raw[:6] in self.areas
            and raw[:17].isdigit()
            and (raw[17].isdigit() or raw[17] == "X")
            and ric.calc_check_digit(raw) == raw[17]
            and (raw[6:14] in self.births or self._new_birth(raw))
        ):
            return raw
        number = normalize_id_number(value)
        self.areas.add(number[:6])
        self.births[number[6:14]] = birth_date_of(number)
        return number

    def _new_birth(self, raw: str) -> bool:
        """Whether the birth date of ``raw`` is one the full check accepts (and remember it).

        ``raw`` has 18 ASCII characters, the first 17 digits, so the date is read as stdnum's
        ``get_birth_date`` reads it, without its clean-up of the text (20 µs a call).
        """
        try:
            birth = dt.date(int(raw[6:10]), int(raw[10:12]), int(raw[12:14]))
        except ValueError:
            return False
        if birth > self.latest_birth or birth.year < 1880:
            return False
        self.births[raw[6:14]] = birth
        return True

    def locality_code(self, code: str) -> str:
        """:func:`~core.localities.validate_code`, remembered per code (a file names few)."""
        known = self.codes.get(code)
        if known is None:
            try:
                known = validate_code(code)
            except LocalityCodeError as exc:
                known = exc
            self.codes[code] = known
        if isinstance(known, LocalityCodeError):
            raise known
        return known

    def scope_prefix(self, scope_code: str) -> str:
        """:func:`~core.localities.scope_prefix`, remembered for the import's one scope."""
        if self._scope != scope_code:
            self._scope, self._prefix = scope_code, localities.scope_prefix(scope_code)
        return self._prefix

    def birth_date(self, number: str) -> dt.date:
        """The birth date of a number this checker accepted."""
        return self.births[number[6:14]]


def person_plan(
    row: Row, scope_code: str, problems: Problems, identity: IdentityChecker
) -> PersonPlan:
    """Checks of one row that need no database; invalid fields come back as ``None``."""
    col = PERSON_COLUMN_BY_KEY
    scope_prefix = identity.scope_prefix(scope_code)  # is_within, without working it out per row
    name = cell_value(row, col["name"], problems)

    id_number = cell_value(row, col["id_number"], problems)
    if id_number:
        try:
            id_number = identity.normalize(id_number)
        except IdentityError as exc:
            problems.add(row.line, str(exc), col["id_number"])
            id_number = None

    code = cell_value(row, col["locality_code"], problems)
    if code:
        try:
            code = identity.locality_code(code)
        except LocalityCodeError as exc:
            problems.add(row.line, str(exc), col["locality_code"])
            code = None
    if code and not code.startswith(scope_prefix):
        problems.add(row.line, f"{code} 不在您的管辖范围（{scope_code}）内", col["locality_code"])
        code = None

    values = row.values
    phone = cell_value(row, col["phone"], problems) if values.get("phone") else None
    if phone:
        try:
            phone = normalize_phone(phone)
        except IdentityError as exc:
            problems.add(row.line, str(exc), col["phone"])
            phone = None

    tags: list[str] = []
    tag_text = cell_value(row, col["tags"], problems) if values.get("tags") else None
    for tag in _TAG_SEPARATORS.split(tag_text) if tag_text else ():
        if not tag or tag in tags:
            continue
        if len(tag) > TAG_MAX_LENGTH:
            problems.add(row.line, f"标签“{tag[:10]}…”超过 {TAG_MAX_LENGTH} 个字符", col["tags"])
            continue
        tags.append(tag)
    if len(tags) > 1:
        tags.sort()

    return PersonPlan(
        line=row.line,
        name=name,
        id_number=id_number,
        locality_code=code,
        phone=phone or None,
        household=(cell_value(row, col["household"], problems) or None)
        if values.get("household")
        else None,
        relation=(cell_value(row, col["relation"], problems) or None)
        if values.get("relation")
        else None,
        tags=tags,
        note=(cell_value(row, col["note"], problems) or None) if values.get("note") else None,
    )


_PLAIN_MOBILE = re.compile(r"1[3-9][0-9]{9}")
"""A mobile number as :func:`~core.identity.normalize_phone` returns it unchanged."""


def plan_rows(
    table: Table,
    mapping: dict[int, Column],
    scope_code: str,
    problems: Problems,
    identity: IdentityChecker,
) -> list[PersonPlan]:
    """The plan of every data row, exactly as :func:`~core.import_files.data_rows` then
    :func:`person_plan` give it.

    The usual row of a large file is planned here straight from its cells, without the
    per-row dict and calls: a cell under every column and no NUL, a name within its limit, an
    identity number of an area and a birth date the checker has already accepted, a locality
    code it has already found valid and within the scope, a blank phone or a plain mobile number,
    household, relation and note within their limits, and no tags. Any other row, and every row
    with a problem, takes the full path, which words the errors; so the plans and the errors are
    the same, only the usual row is cheaper.
    """
    width = len(mapping)
    keys = [column.key for _index, column in sorted(mapping.items())]
    if sorted(mapping) != list(range(width)):  # columns without a name: the full path only
        rows = data_rows(table, mapping, problems)
        return [person_plan(row, scope_code, problems, identity) for row in rows]
    at = {key: index for index, key in enumerate(keys)}
    i_name, i_id, i_code = at["name"], at["id_number"], at["locality_code"]
    optional = [at.get(key) for key in ("phone", "household", "relation", "tags", "note")]
    i_phone, i_household, i_relation, i_tags, i_note = optional
    limits = {key: column.max_length for key, column in PERSON_COLUMN_BY_KEY.items()}
    name_limit, household_limit, relation_limit = (
        limits["name"] or 0,
        limits["household"] or 0,
        limits["relation"] or 0,
    )
    prefix = identity.scope_prefix(scope_code)
    areas, births, codes = identity.areas, identity.births, identity.codes
    check_digit, new_birth = ric.calc_check_digit, identity._new_birth
    plain_mobile = _PLAIN_MOBILE.fullmatch
    plans: list[PersonPlan] = []
    append = plans.append
    for line, cells in table.rows:
        if len(cells) == width and "\x00" not in "".join(cells):
            name = cells[i_name].strip()
            number = cells[i_id].strip().upper()
            code = codes.get(cells[i_code].strip())
            phone = cells[i_phone].strip() if i_phone is not None else ""
            household = cells[i_household].strip() if i_household is not None else ""
            relation = cells[i_relation].strip() if i_relation is not None else ""
            note = cells[i_note].strip() if i_note is not None else ""
            if (
                name
                and len(name) <= name_limit
                and len(number) == 18
                and number.isascii()
                and number[:6] in areas
                and number[:17].isdigit()
                and (number[17].isdigit() or number[17] == "X")
                and check_digit(number) == number[17]
                and (number[6:14] in births or new_birth(number))
                and isinstance(code, str)
                and code.startswith(prefix)
                and (not phone or plain_mobile(phone))
                and len(household) <= household_limit
                and len(relation) <= relation_limit
                and (i_tags is None or not cells[i_tags].strip())
            ):
                append(
                    PersonPlan(
                        line,
                        name,
                        number,
                        code,
                        phone or None,
                        household or None,
                        relation or None,
                        [],
                        note or None,
                    )
                )
                continue
        row = data_rows(Table(0, [], [(line, cells)]), mapping, problems)[0]
        append(person_plan(row, scope_code, problems, identity))
    return plans


# --- Chunks -------------------------------------------------------------------------------------


@dataclasses.dataclass
class CheckedChunk:
    """Consecutive data rows of a residents file, checked on their own, as columns.

    Each sequence has one entry per data row, in file order. A field that failed a check is
    ``None`` there, and ``problems`` says why; ``sexes`` and ``births`` (ISO dates) are derived
    from the identity number and ``None`` where it failed.
    """

    lines: Sequence[int]
    names: Sequence[str | None]
    numbers: Sequence[str | None]
    codes: Sequence[str | None]
    phones: Sequence[str | None]
    households: Sequence[str | None]
    relations: Sequence[str | None]
    tags: Sequence[list[str]]
    notes: Sequence[str | None]
    sexes: Sequence[str | None]
    births: Sequence[str | None]
    problems: Problems
    digest: tuple[int, str] | None = None  # (first id, audit digest): see DigestBasis

    def __len__(self) -> int:
        return len(self.lines)

    # Pickled for the worker's pipe, each text column travels as one string: unpickling
    # thousands of small strings one by one cost the importer about 1.3 s per million rows,
    # splitting one string about 0.1 s.

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = {
            "lines": array.array("q", self.lines),
            "tags": self.tags if any(self.tags) else None,  # usually no row has a tag
            "problems": self.problems,
            "digest": self.digest,
        }
        state.update((name, _packed(getattr(self, name))) for name in _TEXT_COLUMNS)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        size = len(state["lines"])
        self.lines = state["lines"]
        self.tags = state["tags"] or [[] for _ in range(size)]
        self.problems = state["problems"]
        self.digest = state["digest"]
        for name in _TEXT_COLUMNS:
            setattr(self, name, _unpacked(state[name], size))


_TEXT_COLUMNS = (
    "names",
    "numbers",
    "codes",
    "phones",
    "households",
    "relations",
    "notes",
    "sexes",
    "births",
)
_SEPARATOR = "\x00"  # refused in every cell, so no checked value holds it


def _packed(column: Sequence[str | None]) -> str | list[str | None] | None:
    """A text column as one string (``None`` values as empty strings); ``None`` if every value
    is ``None``; as a list if a value is empty or holds the separator."""
    nones = column.count(None)
    if nones == len(column):
        return None
    if "" in column:
        return list(column)
    text = _SEPARATOR.join([value or "" for value in column] if nones else column)
    return text if text.count(_SEPARATOR) == len(column) - 1 else list(column)


def _unpacked(packed: str | list[str | None] | None, size: int) -> Sequence[str | None]:
    if packed is None:
        return [None] * size
    if isinstance(packed, list):
        return packed
    values = packed.split(_SEPARATOR)
    return [value or None for value in values] if "" in values else values


_ODD_DIGITS = frozenset("13579")


def chunk_of(
    plans: Sequence[PersonPlan], problems: Problems, identity: IdentityChecker
) -> CheckedChunk:
    """``plans`` as one :class:`CheckedChunk`, with the sex and birth date of each number."""
    # One transposition in C instead of a loop per row.
    columns = list(zip(*plans, strict=True)) if plans else [()] * len(PersonPlan._fields)
    numbers = columns[2]
    texts = identity.birth_texts
    texts.update((key, identity.births[key].isoformat()) for key in identity.births.keys() - texts)
    # As core.identity.sex_of: the 17th digit is odd for men.
    sexes = [None if n is None else "male" if n[16] in _ODD_DIGITS else "female" for n in numbers]
    births = [None if n is None else texts[n[6:14]] for n in numbers]
    return CheckedChunk(*columns, sexes=sexes, births=births, problems=problems)


BULK_PERSON_COLUMNS = (
    "id",
    "name",
    "id_number",
    "sex",
    "birth_date",
    "phone",
    "household_id",
    "relation",
    "note",
    "created_at",
    "locality_code",
    "tags",
)
"""What a bulk audit entry's digest covers for each resident, in this order (the table's own
column order, then the tag names)."""


def digest_of(
    chunk: CheckedChunk,
    ids: Sequence[int],
    created_at: str,
    household_ids: Sequence[int | None] | None = None,
) -> str:
    """The audit digest (:func:`core.row_digest.bulk_digest` over :data:`BULK_PERSON_COLUMNS`)
    of ``chunk``'s residents written with ``ids``, ``created_at`` (ISO text) and
    ``household_ids`` (``None``: no household)."""
    shown: dict[str, Iterable[object]] = {
        "id": ids,
        "name": chunk.names,
        "id_number": chunk.numbers,
        "sex": chunk.sexes,
        "birth_date": chunk.births,
        "phone": chunk.phones,
        "household_id": repeat(None) if household_ids is None else household_ids,
        "relation": chunk.relations,
        "note": chunk.notes,
        "created_at": repeat(created_at),
        "locality_code": chunk.codes,
        "tags": chunk.tags,
    }
    rows = zip(*(shown[name] for name in BULK_PERSON_COLUMNS), strict=False)  # repeat() is endless
    return bulk_digest(BULK_PERSON_COLUMNS, list(rows))


@dataclasses.dataclass(frozen=True)
class DigestBasis:
    """What the audit digest of the rows needs beyond the file, known before it is read: the
    id of the first resident (the others follow in file order) and the creation time (ISO).

    With it, :func:`checked_chunks` also digests each chunk that has no problem and no household
    (:attr:`CheckedChunk.digest`), so that a worker does that work too; the importer uses the
    digest only if the ids it gave the rows are the ones assumed.
    """

    first_id: int
    created_at: str


def checked_chunks(
    path: Path, scope_code: str, size: int, basis: DigestBasis | None = None
) -> Iterator[CheckedChunk]:
    """Read and check a residents file in this process, ``size`` data rows per chunk.

    Raises :class:`~core.import_files.ImportFailed` for a file that cannot be read or whose
    header is wrong (possibly after earlier chunks: malformed CSV is found where it is). Problems
    of single rows do not raise; they come with their chunk. With ``basis``, chunks carry their
    digest (see :class:`DigestBasis`).
    """
    lines = table_lines(path)
    header_line, header = next(lines)
    try:
        mapping = map_header(Table(header_line, header, []), PERSON_COLUMNS)
    except ImportFailed as exc:
        raise ImportFailed(exc.errors, 0, sum(1 for _ in lines)) from None
    identity = IdentityChecker()
    next_id = basis.first_id if basis else 0
    while batch := list(islice(lines, size)):
        problems = Problems(PERSON_COLUMNS)
        table = Table(header_line, header, batch)
        chunk = chunk_of(
            plan_rows(table, mapping, scope_code, problems, identity), problems, identity
        )
        if basis is not None and not problems and not any(chunk.households):
            ids = range(next_id, next_id + len(chunk))
            chunk.digest = (next_id, digest_of(chunk, ids, basis.created_at))
        next_id += len(chunk)
        yield chunk


WORKER_MIN_BYTES = 4_000_000
"""From this file size on (about 80,000 residents), :func:`checked_chunks_in_worker` reads and
checks the file in a worker process; below it, starting the worker costs more than it saves."""


def checked_chunks_in_worker(
    path: Path, scope_code: str, size: int, basis: DigestBasis | None = None
) -> Iterator[CheckedChunk]:
    """:func:`checked_chunks`, run in a worker process (a new Python interpreter).

    The worker sends each chunk as soon as it is checked, so the caller writes one chunk while
    the next is read and checked on another core; the pipe's buffer bounds how far it runs
    ahead. The same chunks and the same :class:`~core.import_files.ImportFailed` come out as
    in-process. If the caller stops early, the worker is stopped too.
    """
    environment = dict(os.environ)
    # The worker imports this package from where this process found it.
    root = str(Path(__file__).resolve().parent.parent)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [root, environment.get("PYTHONPATH")]))
    digest = [str(basis.first_id), basis.created_at] if basis else []
    worker = subprocess.Popen(
        [sys.executable, "-c", _WORKER, str(path), scope_code, str(size), *digest],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        env=environment,
    )
    assert worker.stdout is not None
    try:
        while True:
            try:
                kind, payload = pickle.load(worker.stdout)
            except EOFError:
                code = worker.wait()
                raise RuntimeError(f"导入校验进程意外退出（退出码 {code}）") from None
            if kind == "chunk":
                yield payload
            elif kind == "done":
                return
            elif kind == "failed":
                raise ImportFailed(*payload)
            else:
                raise RuntimeError(f"导入校验进程出错：\n{payload}")
    finally:
        worker.stdout.close()
        if worker.poll() is None:
            worker.kill()
        worker.wait()


def _work(arguments: Sequence[str]) -> None:
    """The worker's side of :func:`checked_chunks_in_worker`: pickled messages on stdout."""
    path, scope_code, size, *digest = arguments
    basis = DigestBasis(int(digest[0]), digest[1]) if digest else None
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write to the pipe

    def send(kind: str, payload: object) -> None:
        pickle.dump((kind, payload), out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()

    try:
        with collector_paused():
            for chunk in checked_chunks(Path(path), scope_code, int(size), basis):
                send("chunk", chunk)
        send("done", None)
    except ImportFailed as exc:
        send("failed", (exc.errors, exc.valid_rows, exc.total_rows))
    except BrokenPipeError:  # the importer stopped listening
        pass
    except Exception:
        send("crash", traceback.format_exc())


# Not ``-m core.resident_rows``: the classes of the chunks must be pickled under this module's name.
_WORKER = "import sys; from core.resident_rows import _work; _work(sys.argv[1:])"
