"""Export tables as CSV (UTF-8 with a byte-order mark, so Excel opens Chinese correctly) or XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def _text(value: Any) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return "" if value is None else str(value)


def to_csv(
    header: Sequence[str], rows: Sequence[Sequence[Any]], title: Sequence[Sequence[Any]] = ()
) -> bytes:
    """The table as CSV bytes; ``title`` lines come first, then a blank line, then the table."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in title:
        writer.writerow([_text(v) for v in line])
    if title:
        writer.writerow([])
    writer.writerow(header)
    for row in rows:
        writer.writerow([_text(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(
    sheet_title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    title: Sequence[Sequence[Any]] = (),
) -> bytes:
    """The table as an XLSX workbook; money stays numeric with two decimals."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title[:31]
    for line in title:
        sheet.append([_cell(v) for v in line])
    if title:
        sheet.append([])
    sheet.append(list(header))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell(v) for v in row])
        for cell, value in zip(sheet[sheet.max_row], row, strict=False):
            if isinstance(value, Decimal):
                cell.number_format = "0.00"
    for column in sheet.columns:
        width = max(len(_text(c.value)) for c in column) if column else 8
        sheet.column_dimensions[column[0].column_letter].width = min(max(width * 2, 8), 40)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)  # a spreadsheet number; the value has two decimals already
    return value


def export(
    fmt: str,
    sheet_title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    title: Sequence[Sequence[Any]] = (),
) -> bytes:
    """The table in format ``fmt`` (``csv`` or ``xlsx``)."""
    if fmt == "csv":
        return to_csv(header, rows, title)
    if fmt == "xlsx":
        return to_xlsx(sheet_title, header, rows, title)
    raise ValueError(f"不支持的导出格式：{fmt}（可选 csv、xlsx）")
