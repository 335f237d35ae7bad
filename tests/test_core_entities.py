"""Core entities: locality codes and scoping, identity numbers, organisations, accounts."""

import datetime as dt

import pytest
from sqlalchemy import select

from core.identity import (
    IdentityError,
    latest_birth_date,
    make_id_number,
    mask_id_number,
    mask_phone,
    normalize_id_number,
    normalize_phone,
)
from core.localities import Level, LocalityCodeError, level_of, parent_code, validate_code, within
from core.models import Account, Locality, Organization, Person
from core.testing import add_person


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [
        ("500000000000", Level.PROVINCE, None),
        ("500200000000", Level.CITY, "500000000000"),
        ("500243000000", Level.COUNTY, "500200000000"),
        ("500243101000", Level.TOWN, "500243000000"),
        ("500243101001", Level.VILLAGE, "500243101000"),
        ("500243101001002", Level.GROUP, "500243101001"),
    ],
)
def test_a_code_tells_its_level_and_parent(code, level, parent):
    assert level_of(code) == level
    assert parent_code(code) == parent


@pytest.mark.parametrize("bad", ["", "5002431010", "50024310100a", "000000000000", "5002431010011"])
def test_a_malformed_locality_code_is_refused(bad):
    with pytest.raises(LocalityCodeError):
        validate_code(bad)


def test_scoping_selects_a_locality_and_everything_under_it_only(seeded):
    with seeded.db.transaction() as session:
        codes = session.scalars(
            select(Locality.code)
            .where(within(Locality.code, "500243001000"))
            .order_by(Locality.code)
        ).all()
    assert codes == ["500243001000", "500243001001", "500243001002"]


def test_an_identity_number_gives_sex_and_birth_date_and_is_shown_masked(seeded):
    number = make_id_number("500243", dt.date(1990, 5, 17), 12)
    with seeded.db.transaction() as session:
        person = Person(name="李梅", id_number=number, locality_code="500243001001")
        session.add(person)
    assert person.sex == "female"
    assert person.birth_date == dt.date(1990, 5, 17)
    assert person.masked_id_number == number[:6] + "********" + number[-4:]
    assert str(person) == f"李梅（{person.masked_id_number}）"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("50024319900517001", "18 位"),
        ("500243199005170120", "校验码"),
        ("500243199013170122", "出生日期"),
        ("500243300001010010", "不合理"),
        ("990243199005170123", "地区代码"),
        ("9902431990051701XX", "只能包含数字"),
    ],
)
def test_an_invalid_identity_number_is_refused_with_the_reason(value, message):
    with pytest.raises(IdentityError, match=message):
        normalize_id_number(value)


def test_the_latest_birth_date_is_todays_date_in_china_not_the_servers():
    """01:13 on 24 November in Beijing is still 23 November in UTC."""
    assert latest_birth_date(dt.datetime(2026, 11, 23, 17, 13, tzinfo=dt.UTC)) == dt.date(
        2026, 11, 24
    )
    assert latest_birth_date(dt.datetime(2026, 11, 23, 15, 59, tzinfo=dt.UTC)) == dt.date(
        2026, 11, 23
    )


def test_a_baby_born_today_in_china_is_accepted_and_one_born_tomorrow_is_not():
    today = latest_birth_date()
    assert normalize_id_number(make_id_number("500243", today, 1))
    with pytest.raises(IdentityError, match="不合理"):
        normalize_id_number(make_id_number("500243", today + dt.timedelta(days=1), 1))


def test_a_lowercase_x_check_digit_is_accepted_as_uppercase():
    assert normalize_id_number("11010519491231002x") == "11010519491231002X"


def test_masking_hides_the_middle():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_phone("13800138000") == "138****8000"


@pytest.mark.parametrize("phone", ["13800138000", "+86 138 0013 8000", "023-78441234"])
def test_mainland_phone_numbers_are_accepted(phone):
    assert normalize_phone(phone)


@pytest.mark.parametrize("phone", ["12345", "10800138000", "电话"])
def test_other_phone_numbers_are_refused(phone):
    with pytest.raises(IdentityError, match="电话号码无效"):
        normalize_phone(phone)


def test_an_identity_number_is_stored_once(seeded):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), seeded.db.transaction() as session:
        add_person(session, "甲", "500243001001", 1)
        add_person(session, "乙", "500243001002", 1)


def test_an_organisation_validates_its_credit_code_and_kind(seeded):
    with pytest.raises(ValueError, match="统一社会信用代码无效"):
        Organization(name="协会", kind="social_organization", credit_code="123")
    with pytest.raises(ValueError, match="组织类型无效"):
        Organization(name="协会", kind="club")


def test_account_passwords_are_hashed_and_checked(seeded):
    account = Account(username="clerk", display_name="办事员", scope_code="500243001001", roles=[])
    with pytest.raises(ValueError, match="至少"):
        account.set_password("short")
    account.set_password("a-long-enough-password")
    assert account.password_hash != "a-long-enough-password"
    assert account.check_password("a-long-enough-password")
    assert not account.check_password("wrong-password!")
    assert account.sees("500243001001") and not account.sees("500243001002")
