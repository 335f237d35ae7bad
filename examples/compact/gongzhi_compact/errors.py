"""``CompactError``: bad input or a refused action, naming the field it concerns."""

from __future__ import annotations


class CompactError(ValueError):
    """A refused request: ``field`` names the input at fault, the message says why in Chinese.

    Services raise it before writing anything; the caller rolls back and shows the message (the
    admin flashes it, the API answers 422 with ``{"errors": {"json": {field: [message]}}}``).
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def clean_text(
    field: str, label: str, value: str | None, maximum: int, required: bool = True
) -> str:
    """``value`` stripped; refused if required and empty, longer than ``maximum`` characters or
    holding NUL (which PostgreSQL cannot store)."""
    value = (value or "").strip()
    if required and not value:
        raise CompactError(field, f"{label}不能为空")
    if len(value) > maximum:
        raise CompactError(field, f"{label}最长 {maximum} 个字")
    if "\x00" in value:
        raise CompactError(field, f"{label}含有非法字符")
    return value
