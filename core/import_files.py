"""What an import file holds and how it is read: columns, headers, rows, problems and results.

Files are ``.csv`` (UTF-8 with or without BOM, else GB18030, which covers GBK exports from Excel)
or ``.xlsx`` (first sheet). The first non-blank row is the header; columns may be named in
Chinese or English, in any order. Nothing here touches the database, so a worker process can
read and check a file (see :mod:`core.resident_rows`).
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
from typing import Any, Literal

MAX_LISTED_ERRORS = 200
"""How many errors the message of :class:`ImportFailed` lists; ``errors`` always holds all."""

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

PERSON_COLUMN_BY_KEY = {column.key: column for column in PERSON_COLUMNS}

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


class Problems:
    """Errors collected while validating, sorted by line and column when reported."""

    def __init__(self, columns: Sequence[Column]) -> None:
        self._order = {column.key: index for index, column in enumerate(columns)}
        self._items: list[tuple[int, int, str]] = []
        self.bad_lines: set[int] = set()

    def add(self, line: int, message: str, column: Column | None = None) -> None:
        """Record a problem of data line ``line``, in ``column`` if it concerns one cell."""
        if column is None:
            self._items.append((line, -1, f"第 {line} 行：{message}"))
        else:
            text = f"第 {line} 行，{column.label}：{message}"
            self._items.append((line, self._order[column.key], text))
        self.bad_lines.add(line)

    def __bool__(self) -> bool:
        return bool(self._items)

    def extend(self, other: Problems) -> None:
        """Take over the problems ``other`` collected (for example in a worker process)."""
        self._items.extend(other._items)
        self.bad_lines.update(other.bad_lines)

    def messages(self) -> list[str]:
        """Every problem's message, by line and then by column."""
        return [text for _line, _order, text in sorted(self._items, key=lambda i: i[:2])]


# --- Reading files ------------------------------------------------------------------------------


@dataclasses.dataclass
class Table:
    """A file read whole: the header's line and cells, and the data rows."""

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


def table_lines(path: Path) -> Iterator[tuple[int, list[str]]]:
    """The file's non-blank rows as (physical line, cells), the header first.

    Raises :class:`ImportFailed` for a file type other than CSV or XLSX, a missing file, an
    unknown encoding, malformed CSV, an unreadable workbook, or a file without any row.
    """
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
    empty = True
    for line, cells in reader(path):
        # A blank row: no cell holds anything but whitespace (the first cell usually tells).
        if (not cells or not cells[0].strip()) and not "".join(cells).strip():
            continue
        empty = False
        yield line, cells
    if empty:
        raise ImportFailed(["文件是空的：第一行应为表头（列名）"], 0, 0)


def read_table(path: Path) -> Table:
    """The whole file: its header and its data rows (see :func:`table_lines`)."""
    lines = table_lines(path)
    header_line, header = next(lines)
    return Table(header_line, header, list(lines))


def map_header(table: Table, columns: Sequence[Column]) -> dict[int, Column]:
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
class Row:
    """A data row's text per column key, from :func:`data_rows`."""

    line: int
    values: dict[str, str]  # stripped text per column key; absent when the cell was refused


def data_rows(table: Table, mapping: dict[int, Column], problems: Problems) -> list[Row]:
    """The data rows as text per column; NUL characters and headerless content are refused."""
    result: list[Row] = []
    width = len(mapping)
    keys = [column.key for _index, column in sorted(mapping.items())]
    contiguous = sorted(mapping) == list(range(width))
    for line, cells in table.rows:
        # The usual row: every cell under a named column and no NUL anywhere.
        if contiguous and len(cells) <= width and "\x00" not in "".join(cells):
            values = dict(zip(keys, map(str.strip, cells), strict=False))
            if len(cells) < width:
                values.update((key, "") for key in keys[len(cells) :])
            result.append(Row(line, values))
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
        result.append(Row(line, values))
    return result


def cell_value(row: Row, column: Column, problems: Problems) -> str | None:
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
