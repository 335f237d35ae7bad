"""Core resources: localities, residents and households, each limited to the caller's scope."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy import Row, Select, bindparam, func, select
from sqlalchemy.exc import IntegrityError

from core.events import PersonRegistered, emit
from core.localities import within
from core.models import Household, Locality, Person, Tag
from core.models.person import person_tags
from hostapp.api.registrar import PagedBlueprint, current_principal, get_scoped_or_404, scoped
from hostapp.api.schemas import (
    HouseholdSchema,
    ListedPerson,
    ListedTag,
    LocalityQuerySchema,
    LocalitySchema,
    PersonPatchSchema,
    PersonQuerySchema,
    PersonSchema,
    PersonWriteSchema,
)
from hostapp.context import current_runtime

LISTED_PERSON_COLUMNS = (
    Person.id,
    Person.name,
    Person.id_number,
    Person.sex,
    Person.birth_date,
    Person.phone,
    Person.locality_code,
    Person.household_id,
    Person.relation,
)
"""The columns a list of residents reads: what :class:`~hostapp.api.schemas.PersonSchema` shows."""


LISTED_TAGS = (
    select(person_tags.c.person_id, Tag.name)
    .join(Tag, Tag.id == person_tags.c.tag_id)
    .where(person_tags.c.person_id.in_(bindparam("person_ids", expanding=True)))
    .order_by(Tag.name)
)
"""The tags of a page of residents (``person_ids``), in name order; built once."""


@functools.lru_cache(maxsize=512)
def _person_list_statements(
    scope_code: str, locality_code: str | None, name: str | None
) -> tuple[Select[Any], Select[Any]]:
    """The count and the (unpaged) rows of the residents a list shows, for a scope and filters.

    Statements are immutable, so each combination is built once and reused: building them (the
    scope's range, the filters, the count around them) was a tenth of a page's Python time.
    """
    statement = (
        select(*LISTED_PERSON_COLUMNS).where(Person.scope_clause(scope_code)).order_by(Person.id)
    )
    if locality_code is not None:
        statement = statement.where(within(Person.locality_code, locality_code))
    if name:
        statement = statement.where(Person.name.contains(name))
    count = select(func.count()).select_from(statement.order_by(None).subquery())
    return count, statement


def _listed_persons(rows: Sequence[Row[Any]]) -> list[ListedPerson]:
    """The residents of ``rows`` (:data:`LISTED_PERSON_COLUMNS`); their tags take one statement."""
    people = [ListedPerson(*row) for row in rows]
    if not people:
        return people
    tags = {person.id: person.tags for person in people}
    for person_id, name in _session().execute(LISTED_TAGS, {"person_ids": list(tags)}):
        tags[person_id].append(ListedTag(name))
    return people


def _session() -> Any:
    return current_runtime().db.session


def _page_offset(statement: Select[Any], pagination: Any) -> int | None:
    """Count ``statement``'s rows into the pagination; the offset of the page asked for, or
    ``None`` past the last page (which also keeps absurd page numbers away from the database)."""
    pagination.item_count = _session().scalar(
        select(func.count()).select_from(statement.order_by(None).subquery())
    )
    offset = (pagination.page - 1) * pagination.page_size
    return offset if offset < pagination.item_count else None


def _page(statement: Select[Any], pagination: Any) -> list[Any]:
    """One page of ``statement``'s records; sets the pagination's item count."""
    offset = _page_offset(statement, pagination)
    if offset is None:
        return []
    page = statement.offset(offset).limit(pagination.page_size)
    return list(_session().scalars(page).unique())


def _check_in_scope(field: str, code: str) -> None:
    principal = current_principal()
    if not principal.account.sees(code):
        abort(422, errors={"json": {field: ["不在您的管辖范围内"]}})
    if _session().get(Locality, code) is None:
        abort(422, errors={"json": {field: ["行政区划不存在"]}})


def _apply_person(person: Person, data: dict[str, Any]) -> None:
    """Set fields one by one so that a model validation error names its field."""
    session = _session()
    for field in ("name", "id_number", "phone", "relation", "note"):
        if field in data:
            try:
                setattr(person, field, data[field])
            except ValueError as exc:
                abort(422, errors={"json": {field: [str(exc)]}})
    with session.no_autoflush:  # nothing reaches the database before every field is checked
        _apply_relations(person, data, session)


def _apply_relations(person: Person, data: dict[str, Any], session: Any) -> None:
    """Check uniqueness and scope, then set locality, household and tags."""
    taken = session.scalar(
        select(Person.id).where(Person.id_number == person.id_number, Person.id != person.id)
        if person.id is not None
        else select(Person.id).where(Person.id_number == person.id_number)
    )
    if taken is not None:
        abort(422, errors={"json": {"id_number": ["该身份证号已登记"]}})
    if "locality_code" in data:
        _check_in_scope("locality_code", data["locality_code"])
        person.locality_code = data["locality_code"]
    if data.get("household_id") is not None:
        household = session.scalar(
            scoped(select(Household).where(Household.id == data["household_id"]), Household)
        )
        if household is None:
            abort(422, errors={"json": {"household_id": ["户不存在或不在您的管辖范围内"]}})
        person.household = household
    elif "household_id" in data:
        person.household = None
    if "tags" in data:
        names = sorted(set(data["tags"]))
        existing = {t.name: t for t in session.scalars(select(Tag).where(Tag.name.in_(names)))}
        person.tags = [existing.get(n) or Tag(name=n) for n in names]


def _commit_or_conflict(field: str, message: str) -> None:
    session = _session()
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        abort(422, errors={"json": {field: [message]}})


def core_blueprints() -> list[Blueprint]:
    """New blueprints of the core resources, one set per app (an app adds hooks to them)."""
    return [_localities(), _persons(), _households()]


def _localities() -> Blueprint:
    localities = PagedBlueprint(
        "localities", __name__, url_prefix="/localities", description="行政区划"
    )

    @localities.route("")
    class Localities(MethodView):
        """Localities within the caller's scope."""

        @localities.arguments(LocalityQuerySchema(), location="query")
        @localities.response(200, LocalitySchema(many=True))
        @localities.paginate()
        def get(self, query: dict[str, Any], pagination_parameters: Any) -> list[Locality]:
            """List localities, optionally the children of one."""
            statement = scoped(select(Locality), Locality).order_by(Locality.code)
            if "parent_code" in query:
                statement = statement.where(Locality.parent_code == query["parent_code"])
            if "level" in query:
                statement = statement.where(Locality.level == query["level"])
            return _page(statement, pagination_parameters)

    @localities.route("/<string:code>")
    class LocalityItem(MethodView):
        """One locality."""

        @localities.response(200, LocalitySchema)
        def get(self, code: str) -> Locality:
            """Get a locality by its code."""
            return get_scoped_or_404(Locality, code)

    return localities


def _persons() -> Blueprint:
    persons = PagedBlueprint("persons", __name__, url_prefix="/persons", description="居民")

    @persons.route("")
    class Persons(MethodView):
        """Residents within the caller's scope."""

        @persons.arguments(PersonQuerySchema(), location="query")
        @persons.response(200, PersonSchema(many=True))
        @persons.paginate()
        def get(self, query: dict[str, Any], pagination_parameters: Any) -> list[ListedPerson]:
            """List residents, optionally under one locality or by name."""
            count, statement = _person_list_statements(
                current_principal().scope_code, query.get("locality_code"), query.get("name")
            )
            pagination_parameters.item_count = _session().scalar(count)
            offset = (pagination_parameters.page - 1) * pagination_parameters.page_size
            if offset >= pagination_parameters.item_count:
                return []
            page = statement.offset(offset).limit(pagination_parameters.page_size)
            return _listed_persons(_session().execute(page).all())

        @persons.arguments(PersonWriteSchema)
        @persons.response(201, PersonSchema)
        def post(self, data: dict[str, Any]) -> Person:
            """Register a resident."""
            session = _session()
            person = Person()
            _apply_person(person, data)
            session.add(person)
            try:
                session.flush()
            except IntegrityError:  # registered concurrently since the check
                session.rollback()
                abort(422, errors={"json": {"id_number": ["该身份证号已登记"]}})
            emit(session, PersonRegistered(locality_code=person.locality_code, person_id=person.id))
            _commit_or_conflict("id_number", "该身份证号已登记")
            return person

    @persons.route("/<int:person_id>")
    class PersonItem(MethodView):
        """One resident."""

        @persons.response(200, PersonSchema)
        def get(self, person_id: int) -> Person:
            """Get a resident."""
            return get_scoped_or_404(Person, person_id)

        @persons.arguments(PersonPatchSchema)
        @persons.response(200, PersonSchema)
        def patch(self, data: dict[str, Any], person_id: int) -> Person:
            """Change some of a resident's fields."""
            if not request.get_data():
                abort(422, errors={"json": {"_schema": ["请求体不能为空：请提交要修改的字段"]}})
            person = get_scoped_or_404(Person, person_id)
            _apply_person(person, data)
            _commit_or_conflict("id_number", "该身份证号已登记")
            return person

    return persons


def _households() -> Blueprint:
    households = PagedBlueprint("households", __name__, url_prefix="/households", description="户")

    @households.route("")
    class Households(MethodView):
        """Households within the caller's scope."""

        @households.response(200, HouseholdSchema(many=True))
        @households.paginate()
        def get(self, pagination_parameters: Any) -> list[Household]:
            """List households."""
            statement = scoped(select(Household), Household).order_by(Household.id)
            return _page(statement, pagination_parameters)

        @households.arguments(HouseholdSchema)
        @households.response(201, HouseholdSchema)
        def post(self, data: dict[str, Any]) -> Household:
            """Register a household."""
            _check_in_scope("locality_code", data["locality_code"])
            household = Household(**data)
            _session().add(household)
            _commit_or_conflict("number", "该户号已存在")
            return household

    @households.route("/<int:household_id>")
    class HouseholdItem(MethodView):
        """One household."""

        @households.response(200, HouseholdSchema)
        def get(self, household_id: int) -> Household:
            """Get a household."""
            return get_scoped_or_404(Household, household_id)

    return households
