"""marshmallow schemas of the compact API: what comes in (validated, Chinese errors) and what
goes out."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.localities import LocalityCodeError, validate_code

from gongzhi_compact.workflow import FORM_TRANSITIONS, VERSION_WORKFLOW

NO_NUL = validate.Regexp(r"^[^\x00]*$", error="不能包含空字符")
MAX_ID = 2**31 - 1
ID = validate.Range(min=1, max=MAX_ID, error="必须是有效的记录编号")


def _code(value: str) -> None:
    try:
        validate_code(value)
    except LocalityCodeError as exc:
        raise ValidationError(str(exc)) from exc


class CompactVersionCreateSchema(Schema):
    """A new draft: for a village, or as a revision of an earlier version."""

    locality_code = fields.String(
        load_default=None,
        validate=_code,
        metadata={"description": "村（社区）代码；修订时可省略"},
    )
    title = fields.String(
        load_default=None,
        validate=[validate.Length(min=1, max=100), NO_NUL],
        metadata={"description": "标题，如“城南社区居民公约”；修订时默认沿用"},
    )
    based_on_id = fields.Integer(
        load_default=None,
        strict=True,
        validate=ID,
        metadata={"description": "修订自哪一版（其条款被复制到新草稿）"},
    )

    @validates_schema
    def _village_or_revision(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data.get("based_on_id"):
            if not data.get("locality_code"):
                raise ValidationError("请填写村（社区）代码，或指定修订自哪一版", "locality_code")
            if not data.get("title"):
                raise ValidationError("请填写标题", "title")


class CompactVersionUpdateSchema(Schema):
    """A draft's title."""

    title = fields.String(required=True, validate=[validate.Length(min=1, max=100), NO_NUL])


class CompactVersionQuerySchema(Schema):
    """Filters for listing versions."""

    state = fields.String(validate=validate.OneOf(list(VERSION_WORKFLOW.states)))
    locality_code = fields.String(validate=_code)


class CompactArticleCreateSchema(Schema):
    """A new article of a draft."""

    number = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=999, error="条号须在 1 到 999 之间"),
    )
    chapter = fields.String(
        load_default=None, allow_none=True, validate=[validate.Length(max=50), NO_NUL]
    )
    body = fields.String(required=True, validate=[validate.Length(min=1, max=2000), NO_NUL])


class CompactArticleUpdateSchema(Schema):
    """Changes to an article of a draft; omitted fields stay, an empty chapter removes it."""

    number = fields.Integer(
        strict=True, validate=validate.Range(min=1, max=999, error="条号须在 1 到 999 之间")
    )
    chapter = fields.String(allow_none=True, validate=[validate.Length(max=50), NO_NUL])
    body = fields.String(validate=[validate.Length(min=1, max=2000), NO_NUL])

    @validates_schema
    def _something(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data:
            raise ValidationError("请至少修改一项：number、chapter 或 body", "_schema")


class CompactTransitionSchema(Schema):
    """A workflow step: submit, return, approve, adopt, reject, withdraw, publish."""

    name = fields.String(
        required=True,
        validate=validate.OneOf(
            [t.name for t in VERSION_WORKFLOW.transitions if t.name not in FORM_TRANSITIONS],
            error="必须是以下之一：{choices}",
        ),
    )
    reason = fields.String(
        load_default=None, allow_none=True, validate=[validate.Length(max=200), NO_NUL]
    )


class CompactReferralSchema(Schema):
    """The village's meeting that is to deliberate the version."""

    deliberation_id = fields.Integer(required=True, strict=True, validate=ID)


class CompactArticleSchema(Schema):
    """An article."""

    id = fields.Integer(required=True)
    version_id = fields.Integer(required=True)
    number = fields.Integer(required=True)
    chapter = fields.String(allow_none=True)
    body = fields.String(required=True)
    locality_code = fields.String(required=True)


class CompactAdoptionSchema(Schema):
    """The recorded vote of a deliberation on a version."""

    id = fields.Integer(required=True)
    version_id = fields.Integer(required=True)
    version_number = fields.Integer(required=True)
    adopted = fields.Boolean(required=True)
    deliberation_id = fields.Integer(required=True)
    matter_id = fields.Integer(required=True)
    attendees = fields.Integer(required=True)
    votes_for = fields.Integer(allow_none=True)
    votes_against = fields.Integer(allow_none=True)
    votes_abstain = fields.Integer(allow_none=True)
    outcome = fields.String(required=True)
    recorded_at = fields.DateTime(required=True)
    locality_code = fields.String(required=True)


class CompactVersionSchema(Schema):
    """A version and where it stands."""

    id = fields.Integer(required=True)
    number = fields.Integer(required=True)
    title = fields.String(required=True)
    state = fields.String(required=True)
    state_label = fields.Function(lambda v: VERSION_WORKFLOW.states[v.state], required=True)
    locality_code = fields.String(required=True)
    based_on_id = fields.Integer(allow_none=True)
    deliberation_id = fields.Integer(allow_none=True)
    matter_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    submitted_at = fields.DateTime(allow_none=True)
    reviewed_at = fields.DateTime(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    superseded_at = fields.DateTime(allow_none=True)


class CompactTopicSchema(Schema):
    """A recommended topic and whether the version covers it."""

    topic = fields.String(required=True)
    covered = fields.Boolean(required=True)


class CompactCheckSchema(Schema):
    """The rule check of a version: what keeps it from going forward, and the advice."""

    problems = fields.List(fields.String(), required=True)
    coverage = fields.List(fields.Nested(CompactTopicSchema), required=True)


class CompactVersionDetailSchema(CompactVersionSchema):
    """A version with its articles, its rule check, the steps the caller may take and the vote."""

    articles = fields.List(fields.Nested(CompactArticleSchema), required=True)
    problems = fields.List(fields.String(), required=True)
    coverage = fields.List(fields.Nested(CompactTopicSchema), required=True)
    transitions = fields.List(fields.String(), required=True)
    adoption = fields.Nested(CompactAdoptionSchema, allow_none=True)
