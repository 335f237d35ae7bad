"""``ConsultationError``: bad input or a refused action, with the field it concerns."""

from __future__ import annotations


class ConsultationError(ValueError):
    """A refused request: ``field`` names the input at fault, the message says why in Chinese.

    The services raise it before writing anything, or leave the session to be rolled back by the
    caller, so a refused request never half-writes data.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def clean_text(
    field: str, label: str, value: str | None, maximum: int, required: bool = True
) -> str:
    """``value`` stripped; refused if required and empty, longer than ``maximum`` or holding NUL
    (which PostgreSQL cannot store)."""
    value = (value or "").strip()
    if required and not value:
        raise ConsultationError(field, f"{label}不能为空")
    if len(value) > maximum:
        raise ConsultationError(field, f"{label}最长 {maximum} 个字")
    if "\x00" in value:
        raise ConsultationError(field, f"{label}含有非法字符")
    return value


def visible(code: str, scope_code: str | None) -> bool:
    """Whether a record at ``code`` lies within the caller's ``scope_code`` (``None``: no limit).

    Error messages name a resident or a matter only when the caller may see it; otherwise they
    give the id alone, so a refusal never reveals who lives in a neighbouring village.
    """
    from core.localities import is_within

    return scope_code is None or is_within(code, scope_code)
