"""Identity numbers (居民身份证号) and phone numbers: validation, derived facts and masking."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


CHINA = ZoneInfo("Asia/Shanghai")
"""The time zone of the identity numbers' birth dates."""


def latest_birth_date(now: dt.datetime | None = None) -> dt.date:
    """The latest birth date an identity number may carry: today's date in China.

    Not the server's date: a server on UTC is still on yesterday until 08:00 in China, and would
    refuse a baby registered on the morning of its birthday.
    """
    return (now or dt.datetime.now(dt.UTC)).astimezone(CHINA).date()


class IdentityError(ValueError):
    """An identity or phone number that does not validate; the message is for the user."""


def normalize_id_number(value: str) -> str:
    """Return the canonical 18-character identity number or raise :class:`IdentityError`.

    Checks, with python-stdnum's ``cn.ric``: length, digits, the GB 11643 check digit, a real
    birth date not in the future, and an area code that exists in the division code list.
    ``ric.validate`` also demands that the area code existed in the *birth* year, which rejects
    real numbers issued after a county was renamed or created (Pengshui's 500243 dates from
    1997, yet its residents born earlier who registered later carry it), so that check is left out.
    """
    raw = ric.compact(value or "").upper()
    if len(raw) != 18:
        raise IdentityError(f"身份证号码必须为 18 位（现为 {len(raw)} 位）")
    if not raw[:-1].isdigit() or not (raw[-1].isdigit() or raw[-1] == "X"):
        raise IdentityError("身份证号码只能包含数字，最后一位可以是 X")
    if ric.calc_check_digit(raw) != raw[-1]:
        raise IdentityError(f"身份证号码校验码错误：{mask_id_number(raw)}")
    try:
        birth = ric.get_birth_date(raw)
    except StdnumError as exc:
        raise IdentityError(f"身份证号码中的出生日期无效：{mask_id_number(raw)}") from exc
    if birth > latest_birth_date() or birth.year < 1880:
        raise IdentityError(f"身份证号码中的出生日期不合理：{mask_id_number(raw)}")
    if not _area_exists(raw[:6]):
        raise IdentityError(f"身份证号码中的地区代码不存在：{raw[:6]}")
    return raw


def _area_exists(area: str) -> bool:
    from stdnum import numdb

    return any(props for _part, props in numdb.get("cn/loc").info(area))


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
