"""Bulk import of residents and localities from CSV or XLSX files: all rows, or none.

Every row is validated before anything is written. If any row has a problem, :class:`ImportFailed`
lists every problem with its line number and nothing is added to the session; otherwise the
objects are added and flushed through the caller's session, which the caller commits. Writes go
through the ORM so the audit listener records each row, and each new resident emits a
:class:`~core.events.PersonRegistered` event.

:func:`bulk_import_persons` is the same import for city-sized files: the same checks and errors,
then ``executemany`` batches with one hash-chained audit entry (carrying a digest of the rows)
and one :class:`PersonsImported` event per batch.

Files: ``.csv`` (UTF-8 with or without BOM, else GB18030, which covers GBK exports from Excel)
or ``.xlsx`` (first sheet). The first row is the header; columns may be named in Chinese or
English, in any order.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

from sqlalchemy import Connection, Table, false, func, insert, select, text, update
from sqlalchemy.orm import Session
from stdnum.cn import ric

from core import audit, localities
from core.db import utcnow
from core.events import DomainEvent, PersonRegistered, emit
from core.gc_pause import collector_paused
from core.identity import (
    IdentityError,
    birth_date_of,
    mask_id_number,
    normalize_id_number,
    normalize_phone,
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

MAX_LISTED_ERRORS = 200
"""How many errors the message of :class:`ImportFailed` lists; ``errors`` always holds all."""

BATCH_SIZE = 500
"""Objects added per flush."""

_QUERY_CHUNK = 500
_ID_QUERY_CHUNK = 5_000
_TAG_SEPARATORS = re.compile(r"[，,；;、\s]+")
_PERSON_LEVELS = {Level.VILLAGE.value, Level.GROUP.value}


# --- Columns ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Column:
    """A column an import understands: its key, Chinese label, accepted header names, limits."""

    key: str
    label: str
    aliases: tuple[str, ...]
    required: bool = False
    max_length: int | None = None


PERSON_COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", ("姓名", "name"), required=True, max_length=50),
    Column(
        "id_number",
        "身份证号",
        ("身份证号", "身份证号码", "公民身份号码", "id_number"),
        required=True,
    ),
    Column("locality_code", "行政区划代码", ("行政区划代码", "locality_code"), required=True),
    Column("phone", "电话", ("电话", "手机", "手机号", "手机号码", "联系电话", "phone")),
    Column("household", "户号", ("户号", "household"), max_length=40),
    Column("relation", "与户主关系", ("与户主关系", "relation"), max_length=20),
    Column("tags", "标签", ("标签", "tags")),
    Column("note", "备注", ("备注", "note")),
)
"""Columns of a residents file."""

_PERSON_COLUMN = {column.key: column for column in PERSON_COLUMNS}

LOCALITY_COLUMNS: tuple[Column, ...] = (
    Column("code", "代码", ("代码", "行政区划代码", "code"), required=True),
    Column("name", "名称", ("名称", "name"), required=True, max_length=100),
)
"""Columns of a localities file."""

TAG_MAX_LENGTH = 50


def _header_key(text: str) -> str:
    """A header name compared without case, whitespace, underscores or hyphens."""
    return re.sub(r"[\s_\-]+", "", text).lower()


# --- Results and failure ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ImportReport:
    """What an import did (or, for a dry run, would do)."""

    kind: Literal["persons", "localities"]
    total_rows: int
    created: int
    households_created: int = 0
    tags_created: int = 0
    dry_run: bool = False

    def summary(self) -> str:
        """A one-line summary in Chinese."""
        if self.kind == "persons":
            if self.dry_run:
                return (
                    f"试运行通过：共 {self.total_rows} 行，全部无误，可导入居民 {self.created} 人，"
                    f"将新建户 {self.households_created} 个、标签 {self.tags_created} 个；"
                    "未写入任何数据。"
                )
            return (
                f"已导入居民 {self.created} 人（共 {self.total_rows} 行），"
                f"新建户 {self.households_created} 个，新建标签 {self.tags_created} 个。"
            )
        if self.dry_run:
            return (
                f"试运行通过：共 {self.total_rows} 行，全部无误，"
                f"可导入行政区划 {self.created} 个；未写入任何数据。"
            )
        return f"已导入行政区划 {self.created} 个（共 {self.total_rows} 行）。"


class ImportFailed(Exception):
    """The file had problems, so nothing was imported.

    ``errors`` holds every problem (``第 5 行，身份证号：…``), ``total_rows`` the data rows read
    and ``valid_rows`` how many of them had no problem. The message lists at most
    :data:`MAX_LISTED_ERRORS` errors.
    """

    def __init__(self, errors: Sequence[str], valid_rows: int, total_rows: int) -> None:
        self.errors = list(errors)
        self.valid_rows = valid_rows
        self.total_rows = total_rows
        super().__init__(self.errors, valid_rows, total_rows)

    def __str__(self) -> str:
        lines = [
            f"导入失败，没有导入任何数据：共读取 {self.total_rows} 行数据，"
            f"其中 {self.valid_rows} 行无误、本可导入；发现 {len(self.errors)} 条错误，"
            "请修改文件后重新导入。"
        ]
        lines += self.errors[:MAX_LISTED_ERRORS]
        hidden = len(self.errors) - MAX_LISTED_ERRORS
        if hidden > 0:
            lines.append(f"还有 {hidden} 条错误未列出")
        return "\n".join(lines)


class _Problems:
    """Errors collected while validating, sorted by line and column when reported."""

    def __init__(self, columns: Sequence[Column]) -> None:
        self._order = {column.key: index for index, column in enumerate(columns)}
        self._items: list[tuple[int, int, str]] = []
        self.bad_lines: set[int] = set()

    def add(self, line: int, message: str, column: Column | None = None) -> None:
        if column is None:
            self._items.append((line, -1, f"第 {line} 行：{message}"))
        else:
            text = f"第 {line} 行，{column.label}：{message}"
            self._items.append((line, self._order[column.key], text))
        self.bad_lines.add(line)

    def __bool__(self) -> bool:
        return bool(self._items)

    def messages(self) -> list[str]:
        return [text for _line, _order, text in sorted(self._items, key=lambda i: i[:2])]


# --- Reading files ------------------------------------------------------------------------------


@dataclasses.dataclass
class _Table:
    header_line: int
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (physical line, cells), blank rows left out


def _cell_text(value: Any) -> str:
    """An XLSX cell value as text: integral numbers without ``.0``, dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _csv_lines(path: Path) -> Iterator[tuple[int, list[str]]]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFailed(["无法识别文件编码：请将 CSV 文件另存为 UTF-8 或 GBK 编码"], 0, 0)
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFailed([f"第 {start} 行：CSV 格式错误（{exc}）"], 0, 0) from exc


def _xlsx_lines(path: Path) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise ImportFailed([f"无法读取 Excel 文件（{exc}）：请确认是 .xlsx 格式"], 0, 0) from exc
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers declare wrong dimensions; read every row
        for line, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            yield line, [_cell_text(v) for v in values]
    finally:
        workbook.close()


def _read_table(path: Path) -> _Table:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        reader: Callable[[Path], Iterator[tuple[int, list[str]]]] = _csv_lines
    elif suffix == ".xlsx":
        reader = _xlsx_lines
    else:
        hint = "（旧版 .xls 请在 Excel 中另存为 .xlsx）" if suffix == ".xls" else ""
        raise ImportFailed(
            [f"不支持的文件类型“{suffix or path.name}”：只能导入 .csv 或 .xlsx 文件{hint}"], 0, 0
        )
    if not path.is_file():
        raise ImportFailed([f"找不到文件：{path}"], 0, 0)
    header_line = 0
    header: list[str] = []
    rows: list[tuple[int, list[str]]] = []
    for line, cells in reader(path):
        if not "".join(cells).strip():  # a blank row: no cell has anything but whitespace
            continue
        if not header_line:
            header_line, header = line, cells
        else:
            rows.append((line, cells))
    if not header_line:
        raise ImportFailed(["文件是空的：第一行应为表头（列名）"], 0, 0)
    return _Table(header_line, header, rows)


def _map_header(table: _Table, columns: Sequence[Column]) -> dict[int, Column]:
    """Which column each header cell names; raises :class:`ImportFailed` on a bad header."""
    by_alias = {_header_key(alias): column for column in columns for alias in column.aliases}
    line = table.header_line
    errors: list[str] = []
    mapping: dict[int, Column] = {}
    seen: dict[str, str] = {}
    for index, raw in enumerate(table.header):
        name = raw.replace("\x00", "").strip()
        if not name:
            continue
        column = by_alias.get(_header_key(name))
        if column is None:
            known = "、".join(c.label for c in columns)
            errors.append(f"第 {line} 行：无法识别的列“{name}”（可用的列：{known}）")
        elif column.key in seen:
            errors.append(
                f"第 {line} 行：列“{name}”与列“{seen[column.key]}”重复（都表示{column.label}）"
            )
        else:
            seen[column.key] = name
            mapping[index] = column
    for column in columns:
        if column.required and column.key not in seen:
            errors.append(f"第 {line} 行：缺少必填列“{column.label}”")
    if errors:
        raise ImportFailed(errors, 0, len(table.rows))
    return mapping


@dataclasses.dataclass(slots=True)
class _Row:
    line: int
    values: dict[str, str]  # stripped text per column key; absent when the cell was refused


def _rows(table: _Table, mapping: dict[int, Column], problems: _Problems) -> list[_Row]:
    """The data rows as text per column; NUL characters and headerless content are refused."""
    result: list[_Row] = []
    width = len(mapping)
    keys = [column.key for _index, column in sorted(mapping.items())]
    contiguous = sorted(mapping) == list(range(width))
    for line, cells in table.rows:
        # The usual row: every cell under a named column and no NUL anywhere.
        if contiguous and len(cells) <= width and "\x00" not in "".join(cells):
            values = dict(zip(keys, map(str.strip, cells), strict=False))
            if len(cells) < width:
                values.update((key, "") for key in keys[len(cells) :])
            result.append(_Row(line, values))
            continue
        values = {column.key: "" for column in mapping.values()}
        for index, cell in enumerate(cells):
            column = mapping.get(index)
            if column is None:
                if cell.strip():
                    problems.add(line, f"第 {index + 1} 列有内容，但该列没有列名")
                continue
            if "\x00" in cell:
                problems.add(line, "含有不允许的空字符（\\x00），请删除后重试", column)
                del values[column.key]
                continue
            values[column.key] = cell.strip()
        result.append(_Row(line, values))
    return result


def _text(row: _Row, column: Column, problems: _Problems) -> str | None:
    """The cell's text, ``""`` if blank, or ``None`` if it was refused (already reported)."""
    value = row.values.get(column.key)
    if value is None:
        return None
    if not value and column.required:
        problems.add(row.line, "不能为空", column)
        return None
    limit = column.max_length
    if limit is not None and len(value) > limit:
        problems.add(row.line, f"长度不能超过 {limit} 个字符（现为 {len(value)} 个）", column)
        return None
    return value


def _chunks(items: Sequence[str], size: int = _QUERY_CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- Residents ----------------------------------------------------------------------------------


@dataclasses.dataclass(slots=True)
class _PersonPlan:
    line: int
    name: str | None
    id_number: str | None
    locality_code: str | None
    phone: str | None
    household: str | None
    relation: str | None
    tags: list[str]
    note: str | None


class _IdentityChecker:
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
        self.codes: dict[str, str | LocalityCodeError] = {}
        self._scope = ""
        self._prefix = ""

    def normalize(self, value: str) -> str:
        """The canonical number, or :class:`~core.identity.IdentityError` as the full check."""
        raw = value.upper()
        if (
            len(raw) == 18
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
        """Whether the birth date of ``raw`` is one the full check accepts (and remember it)."""
        try:
            birth = birth_date_of(raw)
        except ValueError:  # stdnum's ValidationError
            return False
        if birth > dt.date.today() or birth.year < 1880:
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


def _person_plan(
    row: _Row, scope_code: str, problems: _Problems, identity: _IdentityChecker
) -> _PersonPlan:
    """Checks of one row that need no database; invalid fields come back as ``None``."""
    col = _PERSON_COLUMN
    scope_prefix = identity.scope_prefix(scope_code)  # is_within, without working it out per row
    name = _text(row, col["name"], problems)

    id_number = _text(row, col["id_number"], problems)
    if id_number:
        try:
            id_number = identity.normalize(id_number)
        except IdentityError as exc:
            problems.add(row.line, str(exc), col["id_number"])
            id_number = None

    code = _text(row, col["locality_code"], problems)
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
    phone = _text(row, col["phone"], problems) if values.get("phone") else None
    if phone:
        try:
            phone = normalize_phone(phone)
        except IdentityError as exc:
            problems.add(row.line, str(exc), col["phone"])
            phone = None

    tags: list[str] = []
    tag_text = _text(row, col["tags"], problems) if values.get("tags") else None
    for tag in _TAG_SEPARATORS.split(tag_text) if tag_text else ():
        if not tag or tag in tags:
            continue
        if len(tag) > TAG_MAX_LENGTH:
            problems.add(row.line, f"标签“{tag[:10]}…”超过 {TAG_MAX_LENGTH} 个字符", col["tags"])
            continue
        tags.append(tag)
    if len(tags) > 1:
        tags.sort()

    return _PersonPlan(
        line=row.line,
        name=name,
        id_number=id_number,
        locality_code=code,
        phone=phone or None,
        household=(_text(row, col["household"], problems) or None)
        if values.get("household")
        else None,
        relation=(_text(row, col["relation"], problems) or None)
        if values.get("relation")
        else None,
        tags=tags,
        note=(_text(row, col["note"], problems) or None) if values.get("note") else None,
    )


_PLAIN_MOBILE = re.compile(r"1[3-9][0-9]{9}")
"""A mobile number as :func:`~core.identity.normalize_phone` returns it unchanged."""


def _plan_rows(
    table: _Table,
    mapping: dict[int, Column],
    scope_code: str,
    problems: _Problems,
    identity: _IdentityChecker,
) -> list[_PersonPlan]:
    """The plan of every data row, exactly as :func:`_rows` then :func:`_person_plan` give it.

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
        rows = _rows(table, mapping, problems)
        return [_person_plan(row, scope_code, problems, identity) for row in rows]
    at = {key: index for index, key in enumerate(keys)}
    i_name, i_id, i_code = at["name"], at["id_number"], at["locality_code"]
    optional = [at.get(key) for key in ("phone", "household", "relation", "tags", "note")]
    i_phone, i_household, i_relation, i_tags, i_note = optional
    limits = {key: column.max_length for key, column in _PERSON_COLUMN.items()}
    name_limit, household_limit, relation_limit = (
        limits["name"] or 0,
        limits["household"] or 0,
        limits["relation"] or 0,
    )
    prefix = identity.scope_prefix(scope_code)
    areas, births, codes = identity.areas, identity.births, identity.codes
    check_digit, new_birth = ric.calc_check_digit, identity._new_birth
    plain_mobile = _PLAIN_MOBILE.fullmatch
    plans: list[_PersonPlan] = []
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
                    _PersonPlan(
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
        row = _rows(_Table(0, [], [(line, cells)]), mapping, problems)[0]
        append(_person_plan(row, scope_code, problems, identity))
    return plans


@dataclasses.dataclass
class _ValidPersons:
    """A residents file that passed every check, with what its rows refer to."""

    plans: list[_PersonPlan]
    tags: dict[str, Tag]  # existing tags by name
    households: dict[str, Household]  # existing households by number
    new_tag_names: list[str]
    new_households: dict[str, tuple[int, str]]  # number -> (first line, locality code)
    identity: _IdentityChecker

    def report(self, dry_run: bool) -> ImportReport:
        """The report of importing these rows."""
        total = len(self.plans)
        return ImportReport(
            kind="persons",
            total_rows=total,
            created=total,
            households_created=len(self.new_households),
            tags_created=len(self.new_tag_names),
            dry_run=dry_run,
        )


_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def _registered_numbers(connection: Connection, numbers: Sequence[str]) -> list[str]:
    """Which of ``numbers`` the residents table already holds.

    With a driver taking positional placeholders (SQLite's, psycopg's) the statement goes to it
    as text, because compiling an ``IN`` of thousands of values costs more than the query.
    """
    column = Person.__table__.c.id_number
    placeholder = _PLACEHOLDERS.get(connection.dialect.paramstyle)
    if placeholder is None or not numbers:
        return list(connection.execute(select(column).where(column.in_(numbers))).scalars())
    marks = ", ".join([placeholder] * len(numbers))
    statement = f"SELECT id_number FROM {Person.__table__.name} WHERE id_number IN ({marks})"
    return [number for (number,) in connection.exec_driver_sql(statement, tuple(numbers))]


def _validate_persons(session: Session, path: str | Path, scope_code: str) -> _ValidPersons:
    """Read and check every row of a residents file; raise :class:`ImportFailed` on any problem."""
    scope_code = validate_code(scope_code)
    table = _read_table(Path(path))
    mapping = _map_header(table, PERSON_COLUMNS)
    problems = _Problems(PERSON_COLUMNS)
    col = _PERSON_COLUMN
    identity = _IdentityChecker()
    plans = _plan_rows(table, mapping, scope_code, problems, identity)

    # A few queries for everything the rows refer to, instead of one per row.
    ids = sorted({p.id_number for p in plans if p.id_number})
    codes = sorted({p.locality_code for p in plans if p.locality_code})
    numbers = sorted({p.household for p in plans if p.household})
    tag_names = sorted({tag for p in plans for tag in p.tags})
    registered: set[str] = set()
    connection = session.connection()
    for chunk in _chunks(ids, _ID_QUERY_CHUNK):  # a city's file: few large lookups
        registered.update(_registered_numbers(connection, chunk))
    levels: dict[str, str] = {}
    for chunk in _chunks(codes):
        query = select(Locality.code, Locality.level).where(Locality.code.in_(chunk))
        levels.update((code, level) for code, level in session.execute(query))
    households: dict[str, Household] = {}
    for chunk in _chunks(numbers):
        query = select(Household).where(Household.number.in_(chunk))
        households.update((h.number, h) for h in session.scalars(query))
    tags: dict[str, Tag] = {}
    for chunk in _chunks(tag_names):
        tags.update((t.name, t) for t in session.scalars(select(Tag).where(Tag.name.in_(chunk))))

    first_line: dict[str, int] = {}
    new_households: dict[str, tuple[int, str]] = {}  # number -> (first line, locality code)
    for plan in plans:
        if plan.id_number:
            if plan.id_number in first_line:
                problems.add(
                    plan.line,
                    f"与第 {first_line[plan.id_number]} 行重复：{mask_id_number(plan.id_number)}",
                    col["id_number"],
                )
            else:
                first_line[plan.id_number] = plan.line
                if plan.id_number in registered:
                    masked = mask_id_number(plan.id_number)
                    problems.add(plan.line, f"该身份证号已经登记过：{masked}", col["id_number"])
        code = plan.locality_code
        if code:
            level = levels.get(code)
            if level is None:
                problems.add(plan.line, f"系统中没有这个行政区划：{code}", col["locality_code"])
                code = None
            elif level not in _PERSON_LEVELS:
                label = LEVEL_LABELS[Level(level)]
                problems.add(
                    plan.line,
                    f"{code} 是{label}，居民只能登记到村（社区）或村民小组",
                    col["locality_code"],
                )
                code = None
        if code and plan.household:
            existing = households.get(plan.household)
            if existing is not None:
                if existing.locality_code != code:
                    problems.add(
                        plan.line,
                        f"户号“{plan.household}”已登记在其他行政区划，不属于 {code}",
                        col["household"],
                    )
            elif plan.household in new_households:
                other_line, other_code = new_households[plan.household]
                if other_code != code:
                    problems.add(
                        plan.line,
                        f"户号“{plan.household}”在第 {other_line} 行属于 {other_code}，"
                        f"与本行的 {code} 不一致",
                        col["household"],
                    )
            else:
                new_households[plan.household] = (plan.line, code)

    total = len(plans)
    if problems:
        valid = sum(1 for plan in plans if plan.line not in problems.bad_lines)
        raise ImportFailed(problems.messages(), valid, total)

    return _ValidPersons(
        plans=plans,
        tags=tags,
        households=households,
        new_tag_names=[name for name in tag_names if name not in tags],
        new_households=new_households,
        identity=identity,
    )


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
    report = valid.report(dry_run)
    if dry_run:
        return report
    plans, tags, households = valid.plans, valid.tags, valid.households
    total = len(plans)

    for name in valid.new_tag_names:
        tags[name] = Tag(name=name)
        session.add(tags[name])
    for number, (_line, code) in valid.new_households.items():
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

_BULK_PERSON_COLUMNS = (
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
column order, which the insert statement takes without reordering, then the tag names)."""


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
    connection.execute(update(table).where(false()).values(id=table.c.id))
    last = connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    return list(range(last + 1, last + 1 + count))


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
) -> ImportReport:
    """Import residents like :func:`import_persons`, but with bulk statements, for city-sized files.

    The same checks and the same all-or-nothing rule, with every problem listed by line and
    column. Rows are then written with ``executemany`` statements of ``batch_size`` rows instead
    of one ORM object each. Two things differ, by design:

    * the audit log gets one entry per batch (action ``bulk``) instead of one per row: it names
      the table, the new ids and the SHA-256 of the rows as written
      (:func:`core.audit.bulk_digest` over :data:`_BULK_PERSON_COLUMNS`), in the same hash chain,
      so ``gongzhi audit verify`` checks it like any other; new households get their own entries;
    * plugins receive one :class:`PersonsImported` event per batch, not one
      :class:`~core.events.PersonRegistered` per resident. A plugin that reacts to each new
      resident handles both.

    The caller commits, as with :func:`import_persons`. Python's cyclic garbage collector is
    paused meanwhile (:func:`core.gc_pause.collector_paused`): a city's file becomes millions of
    small objects that all live until the import ends, which it would rescan for nothing.
    """
    with collector_paused():
        return _bulk_import_persons(session, path, scope_code, dry_run, batch_size)


def _bulk_import_persons(
    session: Session, path: str | Path, scope_code: str, dry_run: bool, batch_size: int
) -> ImportReport:
    scope_code = validate_code(scope_code)
    valid = _validate_persons(session, path, scope_code)
    report = valid.report(dry_run)
    if dry_run:
        return report
    plans, tags = valid.plans, valid.tags
    session.flush()  # pending ORM work first, so the chain stays in write order

    for name in valid.new_tag_names:
        tags[name] = Tag(name=name)
        session.add(tags[name])
    session.flush()  # few tags: audited row by row
    tag_ids = {name: tag.id for name, tag in tags.items()}

    now = utcnow()
    now_text = now.isoformat()
    stored_now = _converter(session, Person.__table__, "created_at")(now)
    stored_birth = _converter(session, Person.__table__, "birth_date")
    household_ids = {number: h.id for number, h in valid.households.items()}
    new_households = list(valid.new_households.items())
    household_columns = ("id", "number", "created_at", "locality_code")
    for start in range(0, len(new_households), batch_size):
        chunk = new_households[start : start + batch_size]
        ids = _next_ids(session, Household.__table__, len(chunk))
        rows = [
            (i, number, stored_now, code)
            for i, (number, (_line, code)) in zip(ids, chunk, strict=True)
        ]
        _driver_insert(session, Household.__table__, household_columns, rows)
        household_ids.update((row[1], row[0]) for row in rows)
        audit.record_bulk(
            session,
            table_name="core_household",
            record_ids=ids,
            columns=household_columns,
            digest=audit.bulk_digest(household_columns, [(*r[:2], now_text, r[3]) for r in rows]),
        )

    # Per birth date (a few tens of thousands in a city): the stored value and the digest's text.
    birth_values = {
        key: (stored_birth(birth), birth.isoformat())
        for key, birth in valid.identity.births.items()
    }
    columns = _BULK_PERSON_COLUMNS[:-1]
    for start in range(0, len(plans), batch_size):
        chunk = plans[start : start + batch_size]
        ids = _next_ids(session, Person.__table__, len(chunk))
        rows = []
        digest_rows = []  # the same rows as the digest takes them: dates as text, with tags
        for person_id, plan in zip(ids, chunk, strict=True):
            number = plan.id_number or ""  # never blank once checked
            birth, birth_text = birth_values[number[6:14]]
            household_id = household_ids[plan.household] if plan.household else None
            sex = "male" if int(number[16]) % 2 else "female"  # as core.identity.sex_of
            name, phone, relation, note = plan.name, plan.phone, plan.relation, plan.note
            code = plan.locality_code
            rows.append(
                (
                    person_id,
                    name,
                    number,
                    sex,
                    birth,
                    phone,
                    household_id,
                    relation,
                    note,
                    stored_now,
                    code,
                )
            )
            digest_rows.append(
                (
                    person_id,
                    name,
                    number,
                    sex,
                    birth_text,
                    phone,
                    household_id,
                    relation,
                    note,
                    now_text,
                    code,
                    plan.tags,
                )
            )
        _driver_insert(session, Person.__table__, columns, rows)
        links = [
            (person_id, tag_ids[name])
            for person_id, plan in zip(ids, chunk, strict=True)
            for name in plan.tags
        ]
        if links:
            _driver_insert(session, person_tags, ("person_id", "tag_id"), links)
        digest = audit.bulk_digest(_BULK_PERSON_COLUMNS, digest_rows)
        audit.record_bulk(
            session,
            table_name="core_person",
            record_ids=ids,
            columns=_BULK_PERSON_COLUMNS,
            digest=digest,
        )
        emit(session, PersonsImported(locality_code=scope_code, person_ids=tuple(ids)))
    session.flush()
    return report


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
    table = _read_table(Path(path))
    mapping = _map_header(table, LOCALITY_COLUMNS)
    problems = _Problems(LOCALITY_COLUMNS)
    code_column, name_column = LOCALITY_COLUMNS

    plans: list[tuple[int, str | None, str | None]] = []  # (line, code, name)
    for row in _rows(table, mapping, problems):
        code = _text(row, code_column, problems)
        if code:
            try:
                code = validate_code(code)
            except LocalityCodeError as exc:
                problems.add(row.line, str(exc), code_column)
                code = None
        if code and not is_within(code, scope_code):
            problems.add(row.line, f"{code} 不在您的管辖范围（{scope_code}）内", code_column)
            code = None
        plans.append((row.line, code, _text(row, name_column, problems)))

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
