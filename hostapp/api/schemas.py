"""marshmallow schemas of the core resources."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates

from core.identity import mask_phone
from core.localities import LocalityCodeError, validate_code
from hostapp.api.registrar import MAX_ID, current_principal

NO_NUL = validate.Regexp(r"^[^\x00]*$", error="不能包含空字符")
CODE_PATTERN = validate.Regexp(
    r"^\d{12}(\d{3})?$", error="行政区划代码必须是 12 位数字（村民小组为 15 位）"
)
ID_NUMBER_PATTERN = validate.Regexp(
    r"^\d{17}[\dXx]$", error="身份证号码必须是 17 位数字加 1 位数字或 X"
)


def _code(value: str) -> None:
    try:
        validate_code(value)
    except LocalityCodeError as exc:
        raise ValidationError(str(exc)) from exc


class LocalitySchema(Schema):
    """A locality."""

    code = fields.String(required=True)
    name = fields.String(required=True)
    level = fields.String(required=True)
    level_label = fields.String(required=True)
    parent_code = fields.String(allow_none=True)


class LocalityQuerySchema(Schema):
    """Filters for listing localities."""

    parent_code = fields.String(validate=[CODE_PATTERN, _code])
    level = fields.String(
        validate=validate.OneOf(["province", "city", "county", "town", "village", "group"])
    )


def _id_number(person: Any) -> str:
    if current_principal().has_permission("core.person.view_id_number"):
        return person.id_number
    return person.masked_id_number


class PersonSchema(Schema):
    """A resident as the API shows it: the identity number masked unless the role may see it."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    id_number = fields.Function(_id_number, required=True)
    sex = fields.String(required=True)
    birth_date = fields.Date(required=True)
    phone = fields.Function(lambda p: mask_phone(p.phone) or None, allow_none=True)
    locality_code = fields.String(required=True)
    household_id = fields.Integer(allow_none=True)
    relation = fields.String(allow_none=True)
    tags = fields.Function(lambda p: [t.name for t in p.tags], required=True)


class PersonWriteSchema(Schema):
    """Fields a client may set on a resident."""

    name = fields.String(required=True, validate=[validate.Length(min=1, max=50), NO_NUL])
    id_number = fields.String(required=True, validate=ID_NUMBER_PATTERN)
    phone = fields.String(allow_none=True, validate=validate.Length(max=20))
    locality_code = fields.String(required=True, validate=[CODE_PATTERN, _code])
    household_id = fields.Integer(
        allow_none=True, strict=True, validate=validate.Range(min=1, max=MAX_ID)
    )
    relation = fields.String(allow_none=True, validate=[validate.Length(max=20), NO_NUL])
    note = fields.String(allow_none=True, validate=[validate.Length(max=2000), NO_NUL])
    tags = fields.List(fields.String(validate=[validate.Length(min=1, max=50), NO_NUL]))

    @validates("id_number")
    def _no_nul(self, value: str, **_: Any) -> None:
        if "\x00" in value:
            raise ValidationError("不能包含空字符")


class PersonPatchSchema(PersonWriteSchema):
    """Fields a client may change on a resident; all optional."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(partial=True, **kwargs)


class PersonQuerySchema(Schema):
    """Filters for listing residents."""

    locality_code = fields.String(
        validate=[CODE_PATTERN, _code], metadata={"description": "该区划及其下级"}
    )
    name = fields.String(validate=[validate.Length(max=50), NO_NUL])


class HouseholdSchema(Schema):
    """A household."""

    id = fields.Integer(dump_only=True)
    number = fields.String(required=True, validate=[validate.Length(min=1, max=40), NO_NUL])
    locality_code = fields.String(required=True, validate=[CODE_PATTERN, _code])
    address = fields.String(allow_none=True, validate=[validate.Length(max=200), NO_NUL])
    member_ids = fields.Function(lambda h: [m.id for m in h.members], dump_only=True)
