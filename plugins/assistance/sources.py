"""Verification data sources (核对数据源): what the ``provide_verification_sources`` hook returns.

A source answers checks (income, deposits…) for verification tasks. Two ship with the plugin:

- ``manual`` (人工录入): staff enter the figure and the evidence on the task; it never answers
  automatically.
- ``file`` (部门数据文件): a department uploads a CSV of identity numbers and figures for one
  check (``gongzhi assistance upload-source`` or the admin's 核对数据文件 page); a task is
  answered when every person it covers appears in a recent file for its check.

Other plugins add sources (a provincial 核对平台 interface, say) by implementing the hook and
declaring ``requires=("assistance",)``.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.identity import IdentityError, mask_id_number, normalize_id_number
from plugins.assistance.errors import AssistanceError
from plugins.assistance.programmes import DATA_CHECKS
from plugins.assistance.rules import money, yuan


@dataclasses.dataclass(frozen=True)
class CheckRequest:
    """A question to a source: the figure of ``check`` for these people, as of ``asked_at``."""

    task_id: int
    check: str
    id_numbers: tuple[str, ...]
    asked_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class Finding:
    """A source's answer for one task: the figure and the evidence it rests on."""

    amount: Decimal
    evidence: str
    source: str


Answer = Callable[[Session, Sequence[CheckRequest]], Mapping[int, Finding]]


@dataclasses.dataclass(frozen=True)
class VerificationSource:
    """A data source: its code, Chinese title, the checks it answers and how it answers them.

    ``checks`` empty means every check. ``answer`` (for automatic sources) receives many
    requests at once and returns a finding for each task it can answer; it must not write.
    """

    code: str
    title: str
    description: str = ""
    checks: tuple[str, ...] = ()
    automatic: bool = False
    answer: Answer | None = None

    def answers(self, check: str) -> bool:
        """Whether this source can answer ``check`` automatically."""
        return (
            self.automatic and self.answer is not None and (not self.checks or check in self.checks)
        )


MANUAL_SOURCE = VerificationSource(
    code="manual",
    title="人工录入",
    description="核对部门或经办人员查询后，在核对任务中录入金额和依据。",
)

FILE_VALID_DAYS = 90
"""A department's file answers tasks raised up to this many days after it was uploaded."""

_QUERY_CHUNK = 500


def _answer_from_files(session: Session, requests: Sequence[CheckRequest]) -> dict[int, Finding]:
    """Answer each request whose every person appears in a recent uploaded file for its check."""
    from plugins.assistance.models import AssistanceSourceRecord, AssistanceSourceUpload

    found: dict[int, Finding] = {}
    by_check: dict[str, list[CheckRequest]] = {}
    for request in requests:
        by_check.setdefault(request.check, []).append(request)
    for check, group in by_check.items():
        numbers = sorted({n for r in group for n in r.id_numbers})
        oldest = min(r.asked_at for r in group) - dt.timedelta(days=FILE_VALID_DAYS)
        latest: dict[str, tuple[int, Decimal, AssistanceSourceUpload]] = {}
        for start in range(0, len(numbers), _QUERY_CHUNK):
            rows = session.execute(
                select(
                    AssistanceSourceRecord.id_number,
                    AssistanceSourceRecord.amount,
                    AssistanceSourceUpload,
                )
                .join(
                    AssistanceSourceUpload,
                    AssistanceSourceUpload.id == AssistanceSourceRecord.upload_id,
                )
                .where(
                    AssistanceSourceRecord.check == check,
                    AssistanceSourceRecord.id_number.in_(numbers[start : start + _QUERY_CHUNK]),
                    AssistanceSourceUpload.uploaded_at >= oldest,
                )
            ).all()
            for number, amount, upload in rows:
                if number not in latest or upload.id > latest[number][0]:
                    latest[number] = (upload.id, amount, upload)
        for request in group:
            hits = [latest.get(n) for n in request.id_numbers]
            if not request.id_numbers or any(
                hit is None
                or hit[2].uploaded_at < request.asked_at - dt.timedelta(days=FILE_VALID_DAYS)
                for hit in hits
            ):
                continue
            total = money(sum((hit[1] for hit in hits if hit), Decimal("0")))
            files = sorted(
                {
                    (hit[2].department, hit[2].uploaded_at.date(), hit[2].file_name)
                    for hit in hits
                    if hit
                }
            )
            where = "；".join(f"{d} {day} 上传的《{name}》" for d, day, name in files)
            with_records = sum(1 for hit in hits if hit and hit[1] > 0)
            found[request.task_id] = Finding(
                amount=total,
                evidence=f"{where}：{len(hits)} 人均有记录，"
                f"其中 {with_records} 人数额不为零，合计 {yuan(total)}",
                source="file",
            )
    return found


FILE_SOURCE = VerificationSource(
    code="file",
    title="部门数据文件",
    description="核对部门上传身份证号和金额的 CSV 文件，系统按身份证号自动比对。",
    automatic=True,
    answer=_answer_from_files,
)


# --- parsing a department's file --------------------------------------------------------------

MAX_FILE_BYTES = 10 * 1024 * 1024
_ID_HEADERS = ("身份证号", "身份证号码", "公民身份号码", "id_number")
_AMOUNT_HEADERS = ("金额", "数额", "月收入", "价值", "amount")
_NOTE_HEADERS = ("说明", "备注", "note")
_NAME_HEADERS = ("姓名", "name")


@dataclasses.dataclass(frozen=True)
class ParsedRow:
    """One valid line of an uploaded file."""

    line: int
    id_number: str
    amount: Decimal
    note: str | None
    name: str | None


def decode_csv(content: bytes) -> str:
    """The text of a CSV file: UTF-8 (with or without BOM), else GB18030 (Excel's GBK)."""
    if len(content) > MAX_FILE_BYTES:
        raise AssistanceError(f"文件过大：不能超过 {MAX_FILE_BYTES // 1024 // 1024} MB", "file")
    if b"\x00" in content:
        raise AssistanceError("文件含有非法字符（NUL），请另存为 CSV 文本文件后再上传", "file")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AssistanceError("无法识别文件编码：请保存为 UTF-8 或 GBK 编码的 CSV 文件", "file")


def _column(header: list[str], names: Sequence[str]) -> int | None:
    cleaned = [h.strip().lower() for h in header]
    for name in names:
        if name.lower() in cleaned:
            return cleaned.index(name.lower())
    return None


def parse_figures_csv(
    content: bytes, *, amount_required: bool = True, max_errors: int = 50
) -> list[ParsedRow]:
    """Parse ``身份证号, 金额[, 姓名][, 说明]`` lines; all problems at once, naming each line.

    Raises :class:`AssistanceError` listing every bad line (identity numbers masked); returns
    the rows only if every line is valid.
    """
    reader = csv.reader(io.StringIO(decode_csv(content)))
    rows = [(n, row) for n, row in enumerate(reader, start=1) if any(c.strip() for c in row)]
    if not rows:
        raise AssistanceError("文件是空的：第一行应为表头（身份证号,金额,说明）", "file")
    header_line, header = rows[0]
    id_column = _column(header, _ID_HEADERS)
    amount_column = _column(header, _AMOUNT_HEADERS)
    if id_column is None or (amount_required and amount_column is None):
        raise AssistanceError(
            f"第 {header_line} 行（表头）必须包含“身份证号”和“金额”两列，现为：{'，'.join(header)}",
            "file",
        )
    note_column = _column(header, _NOTE_HEADERS)
    name_column = _column(header, _NAME_HEADERS)
    errors: list[str] = []
    parsed: list[ParsedRow] = []
    seen: dict[str, int] = {}

    def cell(row: list[str], index: int | None) -> str:
        return row[index].strip() if index is not None and index < len(row) else ""

    for line, row in rows[1:]:
        raw_number = cell(row, id_column)
        try:
            number = normalize_id_number(raw_number)
        except IdentityError as exc:
            errors.append(
                f"第 {line} 行：身份证号 {exc}" if raw_number else f"第 {line} 行：缺少身份证号"
            )
            continue
        if number in seen:
            errors.append(
                f"第 {line} 行：身份证号 {mask_id_number(number)} 与第 {seen[number]} 行重复"
            )
            continue
        seen[number] = line
        raw_amount = cell(row, amount_column).replace(",", "").replace("，", "")
        amount = Decimal("0")
        if amount_column is not None:
            try:
                amount = Decimal(raw_amount)
            except InvalidOperation:
                errors.append(f"第 {line} 行：金额必须是数字，现为“{raw_amount}”")
                continue
            if not amount.is_finite() or amount < 0:
                errors.append(f"第 {line} 行：金额不能为负数，现为“{raw_amount}”")
                continue
            if amount >= Decimal("1e12"):
                errors.append(f"第 {line} 行：金额过大，现为“{raw_amount}”")
                continue
        note = cell(row, note_column)[:200] or None
        name = cell(row, name_column)[:50] or None
        parsed.append(ParsedRow(line, number, money(amount), note, name))
    if errors:
        shown = errors[:max_errors]
        more = f"\n……另有 {len(errors) - max_errors} 处错误" if len(errors) > max_errors else ""
        raise AssistanceError(
            f"文件有 {len(errors)} 处错误，未导入任何数据：\n" + "\n".join(shown) + more, "file"
        )
    if not parsed:
        raise AssistanceError("文件只有表头，没有数据行", "file")
    return parsed


def upload_source_file(
    session: Session,
    *,
    check: str,
    department: str,
    file_name: str,
    content: bytes,
    scope_code: str,
    actor_label: str,
) -> Any:
    """Store a department's file for ``check`` and answer the pending tasks it covers.

    All or nothing: any bad line refuses the whole file. Returns the ``AssistanceSourceUpload``.
    """
    from plugins.assistance.models import AssistanceSourceRecord, AssistanceSourceUpload
    from plugins.assistance.verification import answer_pending_tasks

    if check not in DATA_CHECKS:
        raise AssistanceError(f"核对项目无效：{check}。可选：{'、'.join(DATA_CHECKS)}", "check")
    department = (department or "").strip()
    if not department or len(department) > 100 or "\x00" in department:
        raise AssistanceError("请填写核对部门名称（不超过 100 个字）", "department")
    file_name = (file_name or "").strip()[:200] or "未命名.csv"
    rows = parse_figures_csv(content)
    digest = hashlib.sha256(content).hexdigest()
    earlier = session.scalar(
        select(AssistanceSourceUpload).where(AssistanceSourceUpload.file_sha256 == digest)
    )
    if earlier is not None:
        raise AssistanceError(
            f"该文件已于 {earlier.uploaded_at:%Y-%m-%d} 上传过（{earlier.file_name}），不重复导入",
            "file",
        )
    upload = AssistanceSourceUpload(
        check=check,
        department=department,
        file_name=file_name,
        file_sha256=digest,
        rows=len(rows),
        locality_code=scope_code,
        uploaded_by=actor_label,
    )
    session.add(upload)
    session.add_all(
        AssistanceSourceRecord(
            upload=upload, check=check, id_number=r.id_number, amount=r.amount, note=r.note
        )
        for r in rows
    )
    session.flush()
    upload.answered = answer_pending_tasks(
        session, check=check, scope_code=scope_code, actor_label=actor_label
    )
    return upload
