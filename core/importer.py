"""Importing residents and localities from CSV or XLSX files: all rows, or none.

Every row is checked, and nothing stays written unless all rows pass. If any row has a problem,
:class:`ImportFailed` lists every problem with its line number and nothing is added to the
session; otherwise the rows are written through the caller's session, which the caller commits.

:func:`import_persons` writes through the ORM, so the audit listener records each row, and each
new resident emits a :class:`~core.events.PersonRegistered` event.

:func:`bulk_import_persons` is the same import for city-sized files: the same checks and errors,
then ``executemany`` batches with one hash-chained audit entry (carrying a digest of the rows)
and one :class:`PersonsImported` event per batch. It writes each batch as soon as it is
checked, inside a savepoint that is rolled back if any later row fails, and for large files it
reads and checks the rows in a worker process meanwhile (:mod:`core.resident_rows`).

How files are read and what their columns are: :mod:`core.import_files`.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from itertools import repeat
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import Connection, Table, false, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction

from core import audit
from core.db import utcnow
from core.events import DomainEvent, PersonRegistered, emit
from core.gc_pause import collector_paused
from core.identity import mask_id_number
from core.import_files import (
    LOCALITY_COLUMNS,
    MAX_LISTED_ERRORS,
    PERSON_COLUMN_BY_KEY,
    PERSON_COLUMNS,
    TAG_MAX_LENGTH,
    Column,
    ImportFailed,
    ImportReport,
    Problems,
    cell_value,
    data_rows,
    map_header,
    read_table,
)
from core.localities import (
    LEVEL_LABELS,
    PREFIX_LENGTH,
    Level,
    LocalityCodeError,
    is_within,
    level_of,
    parent_code,
    validate_code,
)
from core.models import Household, Locality, Person, Tag
from core.models.person import person_tags
from core.resident_rows import (
    BULK_PERSON_COLUMNS,
    WORKER_MIN_BYTES,
    CheckedChunk,
    DigestBasis,
    IdentityChecker,
    PersonPlan,
    checked_chunks,
    checked_chunks_in_worker,
    chunk_of,
    digest_of,
    plan_rows,
)

__all__ = [
    "BATCH_SIZE",
    "BULK_BATCH_SIZE",
    "LOCALITY_COLUMNS",
    "MAX_LISTED_ERRORS",
    "PERSON_COLUMNS",
    "TAG_MAX_LENGTH",
    "Column",
    "ImportFailed",
    "ImportReport",
    "PersonsImported",
    "bulk_import_persons",
    "import_localities",
    "import_persons",
]

BATCH_SIZE = 500
"""Objects added per flush."""

_QUERY_CHUNK = 500
_ID_QUERY_CHUNK = 5_000
_PERSON_LEVELS = {Level.VILLAGE.value, Level.GROUP.value}


def _chunks(items: Sequence[str], size: int = _QUERY_CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- What residents' rows refer to ---------------------------------------------------------------


_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def _registered_numbers(connection: Connection, numbers: Sequence[str]) -> list[tuple[str, int]]:
    """Which of ``numbers`` the residents table already holds, with the resident's id.

    With a driver taking positional placeholders (SQLite's, psycopg's) the statement goes to it
    as text, because compiling an ``IN`` of thousands of values costs more than the query.
    """
    table = Person.__table__
    placeholder = _PLACEHOLDERS.get(connection.dialect.paramstyle)
    if placeholder is None or not numbers:
        query = select(table.c.id_number, table.c.id).where(table.c.id_number.in_(numbers))
        return [(number, person_id) for number, person_id in connection.execute(query)]
    marks = ", ".join([placeholder] * len(numbers))
    statement = f"SELECT id_number, id FROM {table.name} WHERE id_number IN ({marks})"
    rows = connection.exec_driver_sql(statement, tuple(numbers))
    return [(number, person_id) for number, person_id in rows]


@dataclasses.dataclass
class _NewReferences:
    """What one chunk's rows refer to for the first time in the file."""

    households: list[tuple[str, str]]  # (number, locality code) of households to create
    existing_households: list[Household]  # households found in the database
    tags: list[str]  # names of tags to create


class _References:
    """The checks of residents' rows that need the database, chunk by chunk in file order.

    An identity number must not be registered yet nor repeat an earlier row; a locality must
    exist and be a village or group; a household number must keep one locality, whether it
    exists or first appears in the file. The database is asked once per chunk, and a chunk
    whose rows all pass takes the checks as whole columns, without a loop per row.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.first_line: dict[str, int] = {}  # identity number -> its first line in the file
        self.levels: dict[str, str | None] = {}  # locality code -> level, None if missing
        self.households: dict[str, Household] = {}  # existing households by number
        self.new_households: dict[str, tuple[int, str]] = {}  # number -> (first line, code)
        self.tags: dict[str, Tag] = {}  # existing tags by name
        self.new_tag_names: list[str] = []
        self._looked_up: set[str] = set()  # household numbers already looked for
        self._new_tags: set[str] = set()

    def check(self, chunk: CheckedChunk, problems: Problems) -> _NewReferences:
        """Check the localities, households and tags of ``chunk`` (whose own problems
        ``problems`` already holds) after every earlier chunk; add what fails to ``problems``
        and return what the chunk refers to first. The identity numbers are
        :meth:`check_numbers`'s."""
        codes = self._check_codes(chunk, problems)
        households, existing = self._check_households(
            chunk.lines, codes, chunk.households, problems
        )
        return _NewReferences(households, existing, self._check_tags(chunk.tags))

    def check_numbers(
        self,
        chunk: CheckedChunk,
        problems: Problems,
        written_line: Callable[[int], int | None] = lambda _id: None,
    ) -> None:
        """Check that no identity number of ``chunk`` is registered or repeats an earlier row.

        Earlier rows are those checked here and those this import already wrote, whose line
        ``written_line`` tells from the resident's id (``None`` for anyone registered before).
        """
        column = PERSON_COLUMN_BY_KEY["id_number"]
        first_line, lines, numbers = self.first_line, chunk.lines, chunk.numbers
        if not chunk.problems:  # every number is there: try the columns whole
            # Reversed, so that a number repeated in the chunk keeps its first line.
            fresh = dict(zip(reversed(numbers), reversed(lines), strict=True))
            found = self._registered(fresh)
            unique = len(fresh) == len(numbers) and first_line.keys().isdisjoint(fresh)
            if unique and not found:
                first_line.update(fresh)
                return
        else:
            found = self._registered({n for n in numbers if n and n not in first_line})
        for line, number in zip(lines, numbers, strict=True):
            if not number:
                continue
            first = first_line.get(number)
            if first is None and number in found:
                first = written_line(found[number])
            if first is not None:
                masked = mask_id_number(number)
                problems.add(line, f"与第 {first} 行重复：{masked}", column)
                continue
            first_line[number] = line
            if number in found:
                problems.add(line, f"该身份证号已经登记过：{mask_id_number(number)}", column)

    def _registered(self, numbers: Collection[str]) -> dict[str, int]:
        """The residents already stored under any of ``numbers``: their ids by number."""
        ordered = list(numbers)
        connection = self.session.connection()
        found: dict[str, int] = {}
        for part in _chunks(ordered, _ID_QUERY_CHUNK):  # a city's file: few large lookups
            found.update(_registered_numbers(connection, part))
        return found

    def _check_codes(self, chunk: CheckedChunk, problems: Problems) -> Sequence[str | None]:
        """The chunk's locality codes, ``None`` where the locality is missing or not a village
        or group."""
        levels, codes = self.levels, chunk.codes
        distinct = set(codes)
        distinct.discard(None)
        unknown = sorted(distinct - levels.keys())
        for part in _chunks(unknown):
            levels.update(dict.fromkeys(part))
            query = select(Locality.code, Locality.level).where(Locality.code.in_(part))
            levels.update((code, level) for code, level in self.session.execute(query))
        if all(levels[code] in _PERSON_LEVELS for code in distinct):
            return codes
        column = PERSON_COLUMN_BY_KEY["locality_code"]
        checked: list[str | None] = []
        for line, code in zip(chunk.lines, codes, strict=True):
            level = levels[code] if code else None
            if code and level is None:
                problems.add(line, f"系统中没有这个行政区划：{code}", column)
                code = None
            elif code and level not in _PERSON_LEVELS:
                label = LEVEL_LABELS[Level(level)]
                problems.add(line, f"{code} 是{label}，居民只能登记到村（社区）或村民小组", column)
                code = None
            checked.append(code)
        return checked

    def _check_households(
        self,
        lines: Sequence[int],
        codes: Sequence[str | None],
        numbers: Sequence[str | None],
        problems: Problems,
    ) -> tuple[list[tuple[str, str]], list[Household]]:
        if not any(numbers):
            return [], []
        wanted = sorted({n for n in numbers if n} - self._looked_up)
        self._looked_up.update(wanted)
        existing: list[Household] = []
        for part in _chunks(wanted):
            existing.extend(
                self.session.scalars(select(Household).where(Household.number.in_(part)))
            )
        self.households.update((h.number, h) for h in existing)
        column = PERSON_COLUMN_BY_KEY["household"]
        created: list[tuple[str, str]] = []
        for line, code, number in zip(lines, codes, numbers, strict=True):
            if not (code and number):
                continue
            household = self.households.get(number)
            if household is not None:
                if household.locality_code != code:
                    problems.add(line, f"户号“{number}”已登记在其他行政区划，不属于 {code}", column)
            elif number in self.new_households:
                other_line, other_code = self.new_households[number]
                if other_code != code:
                    problems.add(
                        line,
                        f"户号“{number}”在第 {other_line} 行属于 {other_code}，"
                        f"与本行的 {code} 不一致",
                        column,
                    )
            else:
                self.new_households[number] = (line, code)
                created.append((number, code))
        return created, existing

    def _check_tags(self, tags: Sequence[list[str]]) -> list[str]:
        if not any(tags):
            return []
        names = sorted({name for row in tags for name in row} - self.tags.keys() - self._new_tags)
        for part in _chunks(names):
            query = select(Tag).where(Tag.name.in_(part))
            self.tags.update((tag.name, tag) for tag in self.session.scalars(query))
        created = [name for name in names if name not in self.tags]
        self._new_tags.update(created)
        self.new_tag_names.extend(created)
        return created


# --- Residents, row by row ------------------------------------------------------------------------


@dataclasses.dataclass
class _ValidPersons:
    """A residents file that passed every check, with what its rows refer to."""

    plans: list[PersonPlan]
    references: _References


def _validate_persons(session: Session, path: str | Path, scope_code: str) -> _ValidPersons:
    """Read and check every row of a residents file; raise :class:`ImportFailed` on any problem."""
    table = read_table(Path(path))
    mapping = map_header(table, PERSON_COLUMNS)
    problems = Problems(PERSON_COLUMNS)
    identity = IdentityChecker()
    plans = plan_rows(table, mapping, scope_code, problems, identity)
    references = _References(session)
    chunk = chunk_of(plans, problems, identity)
    references.check_numbers(chunk, problems)
    references.check(chunk, problems)
    if problems:
        raise ImportFailed(problems.messages(), len(plans) - len(problems.bad_lines), len(plans))
    return _ValidPersons(plans, references)


def import_persons(
    session: Session, path: str | Path, *, scope_code: str, dry_run: bool = False
) -> ImportReport:
    """Import residents from ``path`` into localities at or under ``scope_code``, all or none.

    Each row must name a village or group (行政区划代码) that exists and lies within
    ``scope_code``, carry a valid identity number not already registered nor repeated in the
    file, and a valid phone number if any. Households (户号) are created on first use with the
    row's locality; an existing household must belong to the same locality. Tags are created if
    missing. Raises :class:`ImportFailed` listing every problem, having added nothing to
    ``session``. On success the rows are added and flushed (the caller commits) and a
    :class:`~core.events.PersonRegistered` event is emitted per resident; with ``dry_run`` nothing
    is written and the report tells what would have been.
    """
    valid = _validate_persons(session, path, validate_code(scope_code))
    plans, references = valid.plans, valid.references
    total = len(plans)
    report = ImportReport(
        kind="persons",
        total_rows=total,
        created=total,
        households_created=len(references.new_households),
        tags_created=len(references.new_tag_names),
        dry_run=dry_run,
    )
    if dry_run:
        return report
    tags, households = references.tags, references.households

    for name in references.new_tag_names:
        tags[name] = Tag(name=name)
        session.add(tags[name])
    for number, (_line, code) in references.new_households.items():
        households[number] = Household(number=number, locality_code=code)
        session.add(households[number])
    session.flush()

    for start in range(0, total, BATCH_SIZE):
        batch = []
        for plan in plans[start : start + BATCH_SIZE]:
            person = Person(
                name=plan.name,
                id_number=plan.id_number,
                locality_code=plan.locality_code,
                phone=plan.phone,
                relation=plan.relation,
                note=plan.note,
            )
            if plan.household:
                person.household = households[plan.household]
            person.tags = [tags[name] for name in plan.tags]
            batch.append(person)
        session.add_all(batch)
        session.flush()
        for person in batch:
            emit(session, PersonRegistered(locality_code=person.locality_code, person_id=person.id))
    return report


@dataclasses.dataclass(frozen=True, kw_only=True)
class PersonsImported(DomainEvent):
    """A batch of residents was registered by :func:`bulk_import_persons` (one event per batch,
    instead of one :class:`~core.events.PersonRegistered` per resident). ``locality_code`` is the
    import's scope; ``person_ids`` are the new residents of the batch, in file order."""

    name: ClassVar[str] = "core.persons_imported"
    person_ids: tuple[int, ...]

    def payload(self) -> dict[str, Any]:
        """The event log's JSON: the scope and the ids (built directly: there are thousands)."""
        return {"locality_code": self.locality_code, "person_ids": list(self.person_ids)}


BULK_BATCH_SIZE = 20_000
"""Rows per statement, audit entry and :class:`PersonsImported` event of a bulk import."""


_OPTIONAL_COLUMNS = frozenset({"phone", "household_id", "relation", "note"})
"""Columns of the bulk insert that default to NULL and are left out of a batch with no value."""

_HOUSEHOLD_COLUMNS = ("id", "number", "created_at", "locality_code")


def _lock_for_writing(session: Session, table: Table) -> None:
    """Take SQLite's write lock (one writer at a time) with a write that changes nothing; on
    other databases, do nothing."""
    if session.connection().dialect.name == "sqlite":
        session.execute(update(table).where(false()).values(id=table.c.id))


def _next_ids(session: Session, table: Table, count: int) -> list[int]:
    """``count`` new primary keys for ``table``, taken before the rows are written.

    PostgreSQL draws them from the column's sequence. SQLite has no sequence: a no-op write takes
    the database's write lock first (SQLite lets one writer at a time), so the keys after the
    largest one stay ours until the commit.
    """
    connection = session.connection()
    name = table.name
    if connection.dialect.name == "postgresql":
        query = text(
            f"SELECT nextval(pg_get_serial_sequence('{name}', 'id')) FROM generate_series(1, :n)"
        )
        return list(connection.execute(query, {"n": count}).scalars())
    _lock_for_writing(session, table)
    last = _largest_id(session, table)
    return list(range(last + 1, last + 1 + count))


def _largest_id(session: Session, table: Table) -> int:
    """The largest primary key of ``table``, 0 if it is empty."""
    return session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()


def _driver_insert(session: Session, table: Table, columns: Sequence[str], rows: list[tuple]):
    """``executemany`` of ``rows`` straight to the driver: tuples in ``columns`` order whose
    values are already as the driver takes them (see :func:`_converter`)."""
    connection = session.connection()
    compiled = insert(table).compile(dialect=connection.dialect, column_keys=list(columns))
    parameters: list[Any]
    if not compiled.positional:
        parameters = [dict(zip(columns, row, strict=True)) for row in rows]
    elif list(compiled.positiontup or ()) == list(columns):
        parameters = rows
    else:
        order = [columns.index(name) for name in compiled.positiontup or ()]
        parameters = [tuple(row[i] for i in order) for row in rows]
    connection.exec_driver_sql(compiled.string, parameters)


def _converter(session: Session, table: Table, column: str) -> Callable[[Any], Any]:
    """What the column's type does to a value before the driver sees it (aware times to naive
    UTC), then what ``sqlite3`` itself does to it (its registered adapter turns dates and times
    into text), remembered per distinct value, so a million rows do not pay for it a million
    times."""
    dialect = session.connection().dialect
    processor = table.c[column].type.bind_processor(dialect)
    if dialect.driver == "pysqlite":
        import sqlite3

        def adapted(value: Any) -> Any:
            value = processor(value) if processor is not None else value
            adapter = sqlite3.adapters.get((type(value), sqlite3.PrepareProtocol))
            return value if adapter is None else adapter(value)

        process: Callable[[Any], Any] = adapted
    elif processor is None:
        return lambda value: value
    else:
        process = processor
    results: dict[Any, Any] = {None: process(None)}

    def convert(value: Any) -> Any:
        try:
            return results[value]
        except KeyError:
            results[value] = result = process(value)
            return result

    return convert


def bulk_import_persons(
    session: Session,
    path: str | Path,
    *,
    scope_code: str,
    dry_run: bool = False,
    batch_size: int = BULK_BATCH_SIZE,
    worker: bool | None = None,
) -> ImportReport:
    """Import residents like :func:`import_persons`, but with bulk statements, for city-sized files.

    The same checks and the same all-or-nothing rule, with every problem listed by line and
    column. Rows are written with ``executemany`` statements of ``batch_size`` rows instead of
    one ORM object each, and each batch as soon as it is checked, inside a savepoint: if a later
    row fails, the savepoint is rolled back and :class:`ImportFailed` lists every problem of the
    whole file, so nothing of the import stays in ``session``. Three things differ, by design:

    * the audit log gets one entry per batch (action ``bulk``) instead of one per row: it names
      the table, the new ids and the SHA-256 of the rows as written
      (:func:`core.audit.bulk_digest` over :data:`~core.resident_rows.BULK_PERSON_COLUMNS`), in
      the same hash chain, so ``gongzhi audit verify`` checks it like any other; new households
      get their own entries;
    * plugins receive one :class:`PersonsImported` event per batch, once every row has passed,
      not one :class:`~core.events.PersonRegistered` per resident. A plugin that reacts to each
      new resident handles both;
    * with ``worker`` (by default for files of :data:`~core.resident_rows.WORKER_MIN_BYTES` and
      more), the file is read, checked and digested in a worker process while this one writes,
      so the import uses two cores.

    While batches are written, the unique index on identity numbers is what refuses a number
    registered before or repeated in the file; a batch it refuses is rolled back and checked
    against the database and the rows already written, for the same messages as
    :func:`import_persons`.

    The caller commits, as with :func:`import_persons`. Python's cyclic garbage collector is
    paused meanwhile (:func:`core.gc_pause.collector_paused`): a city's file becomes millions of
    small objects that all live until the import ends, which it would rescan for nothing.
    """
    scope_code = validate_code(scope_code)
    path = Path(path)
    if worker is None:
        worker = path.is_file() and path.stat().st_size >= WORKER_MIN_BYTES
    read = checked_chunks_in_worker if worker else checked_chunks
    with collector_paused():
        writer = None if dry_run else _BulkWriter(session)
        chunks = read(path, scope_code, batch_size, writer.basis if writer else None)
        try:
            report = _bulk_import_persons(session, chunks, writer)
        except BaseException:
            if writer is not None:
                writer.abandon()
            raise
        finally:
            chunks.close()  # stops the worker if the import stopped early
        if writer is not None:
            writer.finish(scope_code)
        return report


def _bulk_import_persons(
    session: Session, chunks: Iterator[CheckedChunk], writer: _BulkWriter | None
) -> ImportReport:
    """Check every chunk, and write each while all is well; raise :class:`ImportFailed` if
    any row failed (the caller then rolls the writes back)."""
    problems = Problems(PERSON_COLUMNS)
    references = _References(session)
    writing = writer is not None
    total = 0
    for chunk in chunks:
        total += len(chunk)
        problems.extend(chunk.problems)
        new = references.check(chunk, problems)
        # While writing, the unique index on identity numbers is the check for numbers
        # registered before or repeated in the file: no lookup for the usual chunk.
        if writing and writer is not None and not problems and writer.write(chunk, new):
            continue
        # Nothing of this file will stay: stop writing and check the rest, numbers included.
        writing = False
        if writer is None:
            references.check_numbers(chunk, problems)
            continue
        references.check_numbers(chunk, problems, writer.written_line)
        if writer.refused is not None and not problems:
            raise writer.refused  # refused for another reason than a number
    if problems:
        raise ImportFailed(problems.messages(), total - len(problems.bad_lines), total)
    return ImportReport(
        kind="persons",
        total_rows=total,
        created=total,
        households_created=len(references.new_households),
        tags_created=len(references.new_tag_names),
        dry_run=writer is None,
    )


class _BulkWriter:
    """Writes checked chunks of residents with ``executemany``, inside a savepoint of the
    caller's transaction, with one audit entry per statement; the events wait for
    :meth:`finish`."""

    def __init__(self, session: Session) -> None:
        self.session = session
        session.flush()  # pending ORM work first, so the chain stays in write order
        # On SQLite a write must open the transaction before the savepoint: a SAVEPOINT that
        # opened it would commit everything on release (the driver does not see it begin).
        _lock_for_writing(session, Person.__table__)
        self.savepoint: SessionTransaction | None = session.begin_nested()
        now = utcnow()
        self.now_text = now.isoformat()
        # SQLite gives the rows the ids after the largest (the lock keeps them ours), so the
        # digests can be worked out while the file is read (see DigestBasis).
        table = Person.__table__
        self.basis = (
            DigestBasis(_largest_id(session, table) + 1, self.now_text)
            if session.connection().dialect.name == "sqlite"
            else None
        )
        self.stored_now = _converter(session, Person.__table__, "created_at")(now)
        stored_birth = _converter(session, Person.__table__, "birth_date")
        self.stored_births = _Memo(lambda text: stored_birth(dt.date.fromisoformat(text)))
        self.household_ids: dict[str, int] = {}
        self.tag_ids: dict[str, int] = {}
        self.batches: list[tuple[Sequence[int], Sequence[int]]] = []  # (ids, lines) written
        self._first_ids: list[int] = []
        self.refused: IntegrityError | None = None

    def write(self, chunk: CheckedChunk, new: _NewReferences) -> bool:
        """Write ``chunk``'s new tags and households, then its residents, each audited.

        Returns ``False``, having written nothing of the chunk, if the database refused a
        resident (an identity number registered before, or repeated in the file); the error is
        kept in :attr:`refused`.
        """
        batch = self.session.begin_nested()
        try:
            ids = self._write(chunk, new)
        except IntegrityError as exc:
            batch.rollback()
            self.refused = exc
            return False
        except BaseException:
            batch.rollback()
            raise
        batch.commit()
        self.batches.append((ids, chunk.lines))
        self._first_ids.append(ids[0])
        return True

    def written_line(self, person_id: int) -> int | None:
        """The file line of a resident written by this import, ``None`` for anyone else."""
        index = bisect.bisect_right(self._first_ids, person_id) - 1
        if index < 0:
            return None
        ids, lines = self.batches[index]
        position = bisect.bisect_left(ids, person_id)
        return lines[position] if position < len(ids) and ids[position] == person_id else None

    def _write(self, chunk: CheckedChunk, new: _NewReferences) -> list[int]:
        session = self.session
        for name in new.tags:  # few tags: audited row by row
            session.add(Tag(name=name))
        if new.tags:
            session.flush()
        if any(chunk.tags):
            names = {name for row in chunk.tags for name in row} - self.tag_ids.keys()
            query = select(Tag.name, Tag.id).where(Tag.name.in_(sorted(names)))
            self.tag_ids.update((name, tag_id) for name, tag_id in session.execute(query))
        self.household_ids.update((h.number, h.id) for h in new.existing_households)
        if new.households:
            self._write_households(new.households)

        ids = _next_ids(session, Person.__table__, len(chunk))
        household_ids = (
            list(map(self.household_ids.get, chunk.households)) if any(chunk.households) else None
        )
        stored: dict[str, Iterable[Any] | None] = {
            "id": ids,
            "name": chunk.names,
            "id_number": chunk.numbers,
            "sex": chunk.sexes,
            "birth_date": list(map(self.stored_births.__getitem__, chunk.births)),
            "phone": chunk.phones,
            "household_id": household_ids,
            "relation": chunk.relations,
            "note": chunk.notes,
            "created_at": repeat(self.stored_now),
            "locality_code": chunk.codes,
        }
        # A column without any value in the chunk is left to its default, NULL: binding a NULL
        # per row and column costs the driver about a tenth of the insert.
        columns = [
            name
            for name, values in stored.items()
            if values is not None and (name not in _OPTIONAL_COLUMNS or any(values))
        ]
        rows = list(zip(*(stored[name] for name in columns), strict=False))  # repeat() is endless
        _driver_insert(session, Person.__table__, columns, rows)
        if any(chunk.tags):
            links = [
                (person_id, self.tag_ids[name])
                for person_id, names in zip(ids, chunk.tags, strict=True)
                for name in names
            ]
            _driver_insert(session, person_tags, ("person_id", "tag_id"), links)
        if (
            chunk.digest is not None
            and chunk.digest[0] == ids[0]
            and ids[-1] - ids[0] == len(ids) - 1
            and household_ids is None
        ):
            digest = chunk.digest[1]  # worked out while the file was read, for the same rows
        else:
            digest = digest_of(chunk, ids, self.now_text, household_ids)
        audit.record_bulk(
            session,
            table_name=Person.__table__.name,
            record_ids=ids,
            columns=BULK_PERSON_COLUMNS,
            digest=digest,
        )
        return ids

    def _write_households(self, households: list[tuple[str, str]]) -> None:
        ids = _next_ids(self.session, Household.__table__, len(households))
        rows = [(i, n, self.stored_now, c) for i, (n, c) in zip(ids, households, strict=True)]
        _driver_insert(self.session, Household.__table__, _HOUSEHOLD_COLUMNS, rows)
        self.household_ids.update((n, i) for i, n, _now, _code in rows)
        audit.record_bulk(
            self.session,
            table_name=Household.__table__.name,
            record_ids=ids,
            columns=_HOUSEHOLD_COLUMNS,
            digest=audit.bulk_digest(
                _HOUSEHOLD_COLUMNS, [(i, n, self.now_text, c) for i, n, _now, c in rows]
            ),
        )

    def abandon(self) -> None:
        """Roll back everything written so far."""
        if self.savepoint is not None and self.savepoint.is_active:
            self.savepoint.rollback()
        self.savepoint = None

    def finish(self, scope_code: str) -> None:
        """Keep what was written and tell the plugins, one event per batch."""
        assert self.savepoint is not None
        self.savepoint.commit()
        self.savepoint = None
        for ids, _lines in self.batches:
            emit(self.session, PersonsImported(locality_code=scope_code, person_ids=tuple(ids)))
        self.session.flush()


class _Memo(dict[Any, Any]):
    """A dict that computes a missing value with ``function`` and keeps it."""

    def __init__(self, function: Callable[[Any], Any]) -> None:
        super().__init__()
        self.function = function

    def __missing__(self, key: Any) -> Any:
        self[key] = value = self.function(key)
        return value


# --- Localities ---------------------------------------------------------------------------------


def import_localities(
    session: Session, path: str | Path, *, scope_code: str, dry_run: bool = False
) -> ImportReport:
    """Import localities (代码, 名称) at or under ``scope_code`` from ``path``, all or none.

    Each code must be well-formed, lie within ``scope_code``, appear once, not exist yet, and
    have its parent either in the database or in the same file; rows may come in any order and
    parents are inserted first. Raises :class:`ImportFailed` listing every problem, having added
    nothing; on success the rows are added and flushed (the caller commits). With ``dry_run``
    nothing is written.
    """
    scope_code = validate_code(scope_code)
    table = read_table(Path(path))
    mapping = map_header(table, LOCALITY_COLUMNS)
    problems = Problems(LOCALITY_COLUMNS)
    code_column, name_column = LOCALITY_COLUMNS

    plans: list[tuple[int, str | None, str | None]] = []  # (line, code, name)
    for row in data_rows(table, mapping, problems):
        code = cell_value(row, code_column, problems)
        if code:
            try:
                code = validate_code(code)
            except LocalityCodeError as exc:
                problems.add(row.line, str(exc), code_column)
                code = None
        if code and not is_within(code, scope_code):
            problems.add(row.line, f"{code} 不在您的管辖范围（{scope_code}）内", code_column)
            code = None
        plans.append((row.line, code, cell_value(row, name_column, problems)))

    in_file = {code for _line, code, _name in plans if code}
    wanted = sorted(in_file | {p for c in in_file if (p := parent_code(c)) is not None})
    existing: set[str] = set()
    for chunk in _chunks(wanted):
        existing.update(session.scalars(select(Locality.code).where(Locality.code.in_(chunk))))

    first_line: dict[str, int] = {}
    for line, code, _name in plans:
        if not code:
            continue
        if code in first_line:
            problems.add(line, f"与第 {first_line[code]} 行重复：{code}", code_column)
            continue
        first_line[code] = line
        if code in existing:
            problems.add(line, f"系统中已有这个行政区划：{code}", code_column)
        parent = parent_code(code)
        if parent is not None and parent not in existing and parent not in in_file:
            problems.add(line, f"上级行政区划 {parent} 既不在系统中，也不在文件中", code_column)

    total = len(plans)
    if problems:
        valid = sum(1 for line, _code, _name in plans if line not in problems.bad_lines)
        raise ImportFailed(problems.messages(), valid, total)

    report = ImportReport(kind="localities", total_rows=total, created=total, dry_run=dry_run)
    if dry_run:
        return report

    def depth(item: tuple[int, str | None, str | None]) -> tuple[int, str]:
        code = item[1] or ""
        return PREFIX_LENGTH[level_of(code)], code

    ordered = sorted(plans, key=depth)  # parents before children
    for start in range(0, total, BATCH_SIZE):
        session.add_all(
            Locality(code=code, name=name)
            for _line, code, name in ordered[start : start + BATCH_SIZE]
        )
        session.flush()
    return report
