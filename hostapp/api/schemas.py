"""marshmallow schemas of the core resources."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates

from core.identity import mask_id_number, mask_phone
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


VIEW_ID_NUMBER = "core.person.view_id_number"
"""The permission to see residents' identity numbers in full; without it they are masked."""


def _id_number(person: Any) -> str:
    if current_principal().has_permission(VIEW_ID_NUMBER):
        return person.id_number
    return person.masked_id_number


@dataclasses.dataclass(frozen=True, slots=True)
class ListedTag:
    """A tag as a list of residents carries it: its name."""

    name: str


@dataclasses.dataclass(slots=True)
class ListedPerson:
    """A resident in a list, read as a plain row rather than a mapped ``Person``.

    It answers what :class:`PersonSchema` reads from a ``Person`` (the listed columns, ``tags``
    with their names in name order, ``masked_id_number``), so a list and a single resident are
    shown identically. A list is only read: building 50 mapped objects (identity map, change
    tracking, the tags' collections) cost about 1 ms of the 8 ms of CPU a page took, for nothing
    written back.
    """

    id: int
    name: str
    id_number: str
    sex: str
    birth_date: dt.date
    phone: str | None
    locality_code: str
    household_id: int | None
    relation: str | None
    tags: list[ListedTag] = dataclasses.field(default_factory=list)

    @property
    def masked_id_number(self) -> str:
        """The identity number with its middle hidden, as ``Person.masked_id_number``."""
        return mask_id_number(self.id_number)


def dump_listed_persons(people: list[ListedPerson]) -> list[dict[str, Any]]:
    """``PersonSchema(many=True).dump(people)``, field for field, without marshmallow's per-field
    machinery (about a tenth of the CPU time of a page of 50 residents).

    Each value is converted as its field would (``String``: ``str``, ``Integer``: ``int``,
    ``Date``: ISO text, ``None`` kept). The permission to see identity numbers is asked once for
    the list instead of once per resident. Keep it in step with :class:`PersonSchema`: a test
    compares the two on varied residents, with and without that permission.
    """
    full_id_numbers = current_principal().has_permission(VIEW_ID_NUMBER)
    dumped = []
    for person in people:
        name, sex, code = person.name, person.sex, person.locality_code
        born, household, relation = person.birth_date, person.household_id, person.relation
        dumped.append(
            {
                "id": None if person.id is None else int(person.id),
                "name": None if name is None else str(name),
                "id_number": person.id_number if full_id_numbers else person.masked_id_number,
                "sex": None if sex is None else str(sex),
                "birth_date": None if born is None else born.isoformat(),
                "phone": mask_phone(person.phone) or None,
                "locality_code": None if code is None else str(code),
                "household_id": None if household is None else int(household),
                "relation": None if relation is None else str(relation),
                "tags": [tag.name for tag in person.tags],
            }
        )
    return dumped


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

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:
        """Dump ``obj``; a list of :class:`ListedPerson` (a page of residents) takes
        :func:`dump_listed_persons`, which gives the same result faster."""
        many = self.many if many is None else bool(many)
        if (
            many
            and type(self) is PersonSchema
            and self.only is None
            and not self.exclude
            and not self.load_only
            and isinstance(obj, list)
            and all(type(person) is ListedPerson for person in obj)
        ):
            return dump_listed_persons(obj)
        return super().dump(obj, many=many)


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
