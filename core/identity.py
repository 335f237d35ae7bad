"""Identity numbers (居民身份证号) and phone numbers: validation, derived facts and masking."""

from __future__ import annotations

import datetime as dt
import re

from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


class IdentityError(ValueError):
    """An identity or phone number that does not validate; the message is for the user."""


def normalize_id_number(value: str) -> str:
    """Return the canonical 18-character identity number or raise :class:`IdentityError`.

    The GB 11643 check digit and the embedded birth date are verified (python-stdnum ``cn.ric``).
    """
    raw = (value or "").strip().upper()
    try:
        number = ric.validate(raw)
    except StdnumError as exc:
        raise IdentityError(f"身份证号码无效：{mask_id_number(raw)}（{_reason(exc)}）") from exc
    if len(number) != 18:
        raise IdentityError("身份证号码必须为 18 位")
    return number


def _reason(exc: StdnumError) -> str:
    name = type(exc).__name__
    return {
        "InvalidChecksum": "校验码错误",
        "InvalidLength": "位数错误",
        "InvalidFormat": "格式错误",
        "InvalidComponent": "出生日期错误",
    }.get(name, "格式错误")


def birth_date_of(number: str) -> dt.date:
    """The birth date encoded in a valid identity number."""
    return ric.get_birth_date(number)


def sex_of(number: str) -> str:
    """``"male"`` or ``"female"``, from the parity of the 17th digit."""
    return "male" if int(number[16]) % 2 else "female"


def mask_id_number(number: str | None) -> str:
    """Mask an identity number for display: the first 6 and last 4 characters stay visible."""
    if not number:
        return ""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def normalize_phone(value: str | None) -> str | None:
    """Return a validated mainland mobile or landline number, ``None`` for blank input."""
    if value is None or not value.strip():
        return None
    phone = re.sub(r"[\s()]", "", value.strip())
    if phone.startswith("+86"):
        phone = phone[3:]
    if not (_MOBILE.match(phone) or _LANDLINE.match(phone)):
        raise IdentityError(f"电话号码无效：{value.strip()}")
    return phone


def mask_phone(phone: str | None) -> str:
    """Mask a phone number for display: ``138****1234``."""
    if not phone:
        return ""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


def make_id_number(area_code: str, birth_date: dt.date, sequence: int) -> str:
    """Build a valid identity number from a 6-digit area code, a birth date and a 3-digit sequence.

    The sequence's parity gives the sex (odd: male). Used for demo data and tests.
    """
    if len(area_code) != 6 or not area_code.isdigit():
        raise ValueError("area_code must be 6 digits")
    body = f"{area_code}{birth_date:%Y%m%d}{sequence % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check digit
