"""The REST API under ``/api/v1/compact``: versions, their articles, the rule check, the
workflow, the deliberation and the record of votes.

Every list and record is limited to the caller's locality scope (a record outside it is a 404);
writes need ``compact.draft`` or, for the review, ``compact.review`` (403); bad input answers 422
naming the field, and a draft with forbidden content answers 422 listing every problem by article
and phrase; a step not allowed now 409. Nothing is written in any of these cases.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from core.workflow import WorkflowError

from gongzhi_compact import adoption, drafting
from gongzhi_compact.errors import CompactError
from gongzhi_compact.models import CompactAdoption, CompactArticle, CompactVersion
from gongzhi_compact.schemas import (
    CompactAdoptionSchema,
    CompactArticleCreateSchema,
    CompactArticleSchema,
    CompactArticleUpdateSchema,
    CompactCheckSchema,
    CompactReferralSchema,
    CompactTransitionSchema,
    CompactVersionCreateSchema,
    CompactVersionDetailSchema,
    CompactVersionQuerySchema,
    CompactVersionSchema,
    CompactVersionUpdateSchema,
)
from gongzhi_compact.workflow import DRAFT, VERSION_WORKFLOW

CHECKED_TRANSITIONS = ("submit", "approve")
"""Steps that run the rule check: refused with every problem listed, as a bad request."""


def register(api: Any) -> None:
    """Build the plugin's blueprints for one app and mount them."""
    api.register_blueprint(_versions(api))
    api.register_blueprint(_records(api))


def _require(api: Any, permission: str) -> Any:
    principal = api.current_principal()
    if not principal.has_permission(permission):
        abort(403, message="您没有执行此操作的权限")
    return principal


def _write(api: Any, work: Callable[[], Any]) -> Any:
    """Run ``work`` and commit; on refusal roll back and answer with the field or the reason."""
    session = api.session
    try:
        result = work()
        session.commit()
    except CompactError as exc:
        session.rollback()
        abort(422, errors={"json": {exc.field: [exc.message]}})
    except WorkflowError as exc:
        session.rollback()
        abort(409, message=str(exc))
    except (IntegrityError, StaleDataError):
        session.rollback()
        abort(409, message="记录刚被他人修改，请刷新后重试")
    return result


def _page(api: Any, statement: Any, pagination: Any) -> list[Any]:
    session = api.session
    pagination.item_count = session.scalar(
        select(func.count()).select_from(statement.order_by(None).subquery())
    )
    offset = (pagination.page - 1) * pagination.page_size
    return list(session.scalars(statement.offset(offset).limit(pagination.page_size)))


class VersionDetail:
    """A version with what its detail view adds; other attributes are the version's."""

    def __init__(self, version: CompactVersion, **extra: Any) -> None:
        self._version = version
        self.__dict__.update(extra)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._version, name)


def _detail(api: Any, version: CompactVersion) -> VersionDetail:
    session = api.session
    principal = api.current_principal()
    return VersionDetail(
        version,
        articles=list(version.articles),
        problems=drafting.problems(session, version),
        coverage=[
            {"topic": topic, "covered": covered}
            for topic, covered in drafting.coverage(session, version)
        ],
        transitions=[t.name for t in VERSION_WORKFLOW.allowed(version, principal, session)],
        adoption=session.scalar(
            select(CompactAdoption).where(CompactAdoption.version_id == version.id)
        ),
    )


def _versions(api: Any) -> Blueprint:
    blp = Blueprint(
        "compact_versions",
        __name__,
        url_prefix="/compact/versions",
        description="村规民约：起草、审查、议事协商表决、公布",
    )

    @blp.route("")
    class Versions(MethodView):
        """The versions of the compacts within the caller's scope."""

        @blp.arguments(CompactVersionQuerySchema, location="query")
        @blp.response(200, CompactVersionSchema(many=True))
        @blp.paginate()
        def get(self, query: dict[str, Any], pagination_parameters: Any) -> list[CompactVersion]:
            """List versions, newest first, optionally by state or village."""
            statement = api.scoped(select(CompactVersion), CompactVersion).order_by(
                CompactVersion.id.desc()
            )
            if "state" in query:
                statement = statement.where(CompactVersion.state == query["state"])
            if "locality_code" in query:
                statement = statement.where(CompactVersion.locality_code == query["locality_code"])
            return _page(api, statement, pagination_parameters)

        @blp.arguments(CompactVersionCreateSchema)
        @blp.response(201, CompactVersionDetailSchema)
        def post(self, data: dict[str, Any]) -> VersionDetail:
            """Start a draft for a village, or a revision of an earlier version."""
            principal = _require(api, DRAFT)
            version = _write(
                api,
                lambda: drafting.start_draft(
                    api.session,
                    locality_code=data["locality_code"],
                    title=data["title"],
                    based_on_id=data["based_on_id"],
                    scope_code=principal.scope_code,
                ),
            )
            return _detail(api, version)

    @blp.route("/<int:version_id>")
    class Version(MethodView):
        """One version."""

        @blp.response(200, CompactVersionDetailSchema)
        def get(self, version_id: int) -> VersionDetail:
            """The version with its articles, rule check, allowed steps and recorded vote."""
            return _detail(api, api.get_scoped_or_404(CompactVersion, version_id))

        @blp.arguments(CompactVersionUpdateSchema)
        @blp.response(200, CompactVersionDetailSchema)
        def patch(self, data: dict[str, Any], version_id: int) -> VersionDetail:
            """Change a draft's title."""
            version = api.get_scoped_or_404(CompactVersion, version_id)
            _require(api, DRAFT)

            def work() -> None:
                drafting.ensure_editable(version)
                version.title = data["title"].strip()
                if not version.title:
                    raise CompactError("title", "标题不能为空")

            _write(api, work)
            return _detail(api, version)

    @blp.route("/<int:version_id>/check")
    class Check(MethodView):
        """The rule check."""

        @blp.response(200, CompactCheckSchema)
        def get(self, version_id: int) -> dict[str, Any]:
            """What keeps the version from going forward (article and phrase), and the topics
            it covers."""
            version = api.get_scoped_or_404(CompactVersion, version_id)
            return {
                "problems": drafting.problems(api.session, version),
                "coverage": [
                    {"topic": topic, "covered": covered}
                    for topic, covered in drafting.coverage(api.session, version)
                ],
            }

    @blp.route("/<int:version_id>/articles")
    class Articles(MethodView):
        """A version's articles."""

        @blp.response(200, CompactArticleSchema(many=True))
        def get(self, version_id: int) -> list[CompactArticle]:
            """The articles in order."""
            return list(api.get_scoped_or_404(CompactVersion, version_id).articles)

        @blp.arguments(CompactArticleCreateSchema)
        @blp.response(201, CompactArticleSchema)
        def post(self, data: dict[str, Any], version_id: int) -> CompactArticle:
            """Add an article to a draft (a forbidden phrase is allowed in a draft, and listed
            by the check until it is gone)."""
            version = api.get_scoped_or_404(CompactVersion, version_id)
            _require(api, DRAFT)
            return _write(api, lambda: drafting.add_article(api.session, version, **data))

    @blp.route("/<int:version_id>/transitions")
    class Transitions(MethodView):
        """Workflow steps."""

        @blp.arguments(CompactTransitionSchema)
        @blp.response(200, CompactVersionDetailSchema)
        def post(self, data: dict[str, Any], version_id: int) -> VersionDetail:
            """Apply a step: submit, return, approve, adopt, reject, withdraw or publish."""
            version = api.get_scoped_or_404(CompactVersion, version_id)
            principal = api.current_principal()
            step = VERSION_WORKFLOW.transition(data["name"])
            if step.permission and not principal.has_permission(step.permission):
                abort(403, message=f"您没有执行“{step.label}”的权限")
            if data["name"] in CHECKED_TRANSITIONS and version.state in step.sources:
                problems = drafting.problems(api.session, version)
                if problems:
                    abort(422, errors={"json": {"articles": problems}})
            _write(
                api,
                lambda: VERSION_WORKFLOW.apply(
                    version, data["name"], principal, api.session, reason=data["reason"]
                ),
            )
            return _detail(api, version)

    @blp.route("/<int:version_id>/referral")
    class Referral(MethodView):
        """Putting a reviewed version to a deliberation."""

        @blp.arguments(CompactReferralSchema)
        @blp.response(200, CompactVersionDetailSchema)
        def post(self, data: dict[str, Any], version_id: int) -> VersionDetail:
            """Put the version on the agenda of one of the village's meetings (as a
            consultation matter)."""
            version = api.get_scoped_or_404(CompactVersion, version_id)
            principal = _require(api, DRAFT)
            _write(
                api,
                lambda: adoption.refer(
                    api.session, version, data["deliberation_id"], principal, principal.scope_code
                ),
            )
            return _detail(api, version)

    return blp


def _records(api: Any) -> Blueprint:
    blp = Blueprint(
        "compact_records", __name__, url_prefix="/compact", description="村规民约：条款与表决记录"
    )

    @blp.route("/articles/<int:article_id>")
    class Article(MethodView):
        """One article."""

        @blp.response(200, CompactArticleSchema)
        def get(self, article_id: int) -> CompactArticle:
            """The article."""
            return api.get_scoped_or_404(CompactArticle, article_id)

        @blp.arguments(CompactArticleUpdateSchema)
        @blp.response(200, CompactArticleSchema)
        def patch(self, data: dict[str, Any], article_id: int) -> CompactArticle:
            """Change an article of a draft."""
            article = api.get_scoped_or_404(CompactArticle, article_id)
            _require(api, DRAFT)
            return _write(api, lambda: drafting.update_article(api.session, article, **data))

        @blp.response(204)
        def delete(self, article_id: int) -> None:
            """Remove an article from a draft."""
            article = api.get_scoped_or_404(CompactArticle, article_id)
            _require(api, DRAFT)
            _write(api, lambda: drafting.delete_article(api.session, article))

    @blp.route("/adoptions")
    class Adoptions(MethodView):
        """The record of votes."""

        @blp.response(200, CompactAdoptionSchema(many=True))
        @blp.paginate()
        def get(self, pagination_parameters: Any) -> list[CompactAdoption]:
            """Every recorded vote within the caller's scope, newest first."""
            statement = api.scoped(select(CompactAdoption), CompactAdoption).order_by(
                CompactAdoption.id.desc()
            )
            return _page(api, statement, pagination_parameters)

    return blp
