"""The REST API under ``/api/v1/consultation``: matters, wishes, deliberations, catalogue, figures.

Every list and record is limited to the caller's locality scope; writes need the permission of
the step; bad input answers 422 naming the field, a step not allowed now 409, a missing permission
403, and nothing is written on any of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from core.db import utcnow
from core.localities import is_within, within
from core.workflow import Workflow, WorkflowError
from plugins.consultation import deliberations as deliberation_service
from plugins.consultation import matters as matter_service
from plugins.consultation import wishes as wish_service
from plugins.consultation.catalogue import session_catalogue
from plugins.consultation.errors import ConsultationError
from plugins.consultation.evaluation import rate, tally
from plugins.consultation.models import (
    ConsultationAssignment,
    ConsultationAttachment,
    ConsultationDeliberation,
    ConsultationEscalation,
    ConsultationMatter,
    ConsultationWish,
)
from plugins.consultation.schemas import (
    ConsultationAssignSchema,
    ConsultationAttachmentSchema,
    ConsultationCatalogueCategorySchema,
    ConsultationClaimSchema,
    ConsultationDeliberationSchema,
    ConsultationFiguresQuerySchema,
    ConsultationFiguresSchema,
    ConsultationMatterCreateSchema,
    ConsultationMatterDetailSchema,
    ConsultationMatterQuerySchema,
    ConsultationMatterSchema,
    ConsultationRatingCreateSchema,
    ConsultationRatingSchema,
    ConsultationResolutionSchema,
    ConsultationTransitionSchema,
    ConsultationTriageSchema,
    ConsultationUploadSchema,
    ConsultationWishCreateSchema,
    ConsultationWishQuerySchema,
    ConsultationWishSchema,
    ConsultationWishTransitionSchema,
)
from plugins.consultation.statistics import figures, local_today
from plugins.consultation.workflow import (
    DELIBERATE,
    EVALUATE,
    FORM_TRANSITIONS,
    HANDLE,
    OPEN_STATES,
    TRIAGE,
    WISHES,
)

FIGURES = "consultation.figures.view"


def register(api: Any) -> None:
    """Build the plugin's blueprints for one app and mount them."""
    for blueprint in (_matters(api), _wishes(api), _deliberations(api), _meta(api)):
        api.register_blueprint(blueprint)


# --- shared helpers -------------------------------------------------------------------------


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
    except ConsultationError as exc:
        session.rollback()
        abort(422, errors={"json": {exc.field: [exc.message]}})
    except WorkflowError as exc:
        session.rollback()
        abort(409, message=str(exc))
    except StaleDataError:
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


def _transition(api: Any, workflow: Workflow, record: Any, name: str, reason: str | None) -> None:
    """Apply a plain workflow step, answering 403 when the caller lacks its permission."""
    principal = api.current_principal()
    try:
        step = workflow.transition(name)
    except WorkflowError:
        abort(422, errors={"json": {"name": [f"没有名为 {name} 的操作"]}})
    if name in FORM_TRANSITIONS:
        abort(422, errors={"json": {"name": [f"“{step.label}”请使用专门的接口"]}})
    if step.permission and not principal.has_permission(step.permission):
        abort(403, message=f"您没有执行“{step.label}”的权限")
    _write(api, lambda: workflow.apply(record, name, principal, api.session, reason=reason))


# --- matters --------------------------------------------------------------------------------


class MatterDetail:
    """A matter with the extra facts its detail view shows; other attributes are the matter's."""

    def __init__(self, matter: ConsultationMatter, **extra: Any) -> None:
        self._matter = matter
        self.__dict__.update(extra)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._matter, name)


def _matter_detail(api: Any, matter: ConsultationMatter) -> MatterDetail:
    session = api.session
    principal = api.current_principal()
    escalations = session.scalars(
        select(ConsultationEscalation)
        .where(ConsultationEscalation.matter_id == matter.id)
        .order_by(ConsultationEscalation.id)
    )
    return MatterDetail(
        matter,
        assignments=session.scalars(
            select(ConsultationAssignment)
            .where(ConsultationAssignment.matter_id == matter.id)
            .order_by(ConsultationAssignment.id)
        ).all(),
        escalations=[
            {
                "sequence": e.sequence,
                "from_level": e.from_level,
                "to_level": e.to_level,
                "escalated_at": e.escalated_at.isoformat(),
            }
            for e in escalations
        ],
        ratings=tally(session, matter),
        transitions=[
            t.name for t in ConsultationMatter.__workflow__.allowed(matter, principal, session)
        ],
    )


def _matters(api: Any) -> Blueprint:
    blp = Blueprint(
        "consultation_matters",
        __name__,
        url_prefix="/consultation/matters",
        description="协商事项：提交、分流、办理、评议",
    )

    @blp.route("")
    class Matters(MethodView):
        """Matters within the caller's scope."""

        @blp.arguments(ConsultationMatterQuerySchema, location="query")
        @blp.response(200, ConsultationMatterSchema(many=True))
        @blp.paginate()
        def get(
            self, query: dict[str, Any], pagination_parameters: Any
        ) -> list[ConsultationMatter]:
            """List matters, newest first, optionally by state, triage, locality or overdue."""
            statement = api.scoped(select(ConsultationMatter), ConsultationMatter).order_by(
                ConsultationMatter.id.desc()
            )
            if "state" in query:
                statement = statement.where(ConsultationMatter.state == query["state"])
            if "triage" in query:
                statement = statement.where(ConsultationMatter.triage == query["triage"])
            if "locality_code" in query:
                statement = statement.where(
                    within(ConsultationMatter.locality_code, query["locality_code"])
                )
            if query.get("overdue"):
                statement = statement.where(
                    ConsultationMatter.state.in_(OPEN_STATES), ConsultationMatter.due_at < utcnow()
                )
            return _page(api, statement, pagination_parameters)

        @blp.arguments(ConsultationMatterCreateSchema)
        @blp.response(201, ConsultationMatterSchema)
        def post(self, data: dict[str, Any]) -> ConsultationMatter:
            """Submit a matter raised in a village or group."""
            principal = _require(api, HANDLE)
            return _write(
                api,
                lambda: matter_service.submit_matter(
                    api.session, scope_code=principal.scope_code, **data
                ),
            )

    @blp.route("/<int:matter_id>")
    class MatterItem(MethodView):
        """One matter."""

        @blp.response(200, ConsultationMatterDetailSchema)
        def get(self, matter_id: int) -> MatterDetail:
            """A matter with its 四办, escalations, current ratings and allowed steps."""
            return _matter_detail(api, api.get_scoped_or_404(ConsultationMatter, matter_id))

    @blp.route("/<int:matter_id>/transitions")
    class MatterTransitions(MethodView):
        """Workflow steps without extra input (accept, reject, start, evaluate, reopen, close)."""

        @blp.arguments(ConsultationTransitionSchema)
        @blp.response(200, ConsultationMatterDetailSchema)
        def post(self, data: dict[str, Any], matter_id: int) -> MatterDetail:
            """Apply a workflow step."""
            matter = api.get_scoped_or_404(ConsultationMatter, matter_id)
            _transition(api, ConsultationMatter.__workflow__, matter, data["name"], data["reason"])
            return _matter_detail(api, matter)

    @blp.route("/<int:matter_id>/triage")
    class MatterTriage(MethodView):
        """三事分流."""

        @blp.arguments(ConsultationTriageSchema)
        @blp.response(200, ConsultationMatterDetailSchema)
        def post(self, data: dict[str, Any], matter_id: int) -> MatterDetail:
            """Triage an accepted matter, or change the triage of one already triaged."""
            principal = _require(api, TRIAGE)
            matter = api.get_scoped_or_404(ConsultationMatter, matter_id)
            service = (
                matter_service.triage_matter
                if matter.state == "accepted"
                else matter_service.change_triage
            )
            _write(
                api,
                lambda: service(
                    api.session,
                    matter,
                    principal,
                    data["triage"],
                    reason=data["reason"],
                    lead_organization_id=data["lead_organization_id"],
                    guidance=data["guidance"],
                ),
            )
            return _matter_detail(api, matter)

    @blp.route("/<int:matter_id>/assignments")
    class MatterAssignments(MethodView):
        """四办."""

        @blp.arguments(ConsultationAssignSchema)
        @blp.response(201, ConsultationMatterDetailSchema)
        def post(self, data: dict[str, Any], matter_id: int) -> MatterDetail:
            """Add a deliberating, assisting or supervising organisation."""
            principal = _require(api, TRIAGE)
            matter = api.get_scoped_or_404(ConsultationMatter, matter_id)
            _write(
                api,
                lambda: matter_service.assign(
                    api.session,
                    matter,
                    principal,
                    data["role"],
                    data["organization_id"],
                    data["note"],
                ),
            )
            return _matter_detail(api, matter)

    @blp.route("/<int:matter_id>/resolution")
    class MatterResolution(MethodView):
        """办结."""

        @blp.arguments(ConsultationResolutionSchema)
        @blp.response(200, ConsultationMatterDetailSchema)
        def post(self, data: dict[str, Any], matter_id: int) -> MatterDetail:
            """Record the result of a matter in progress and open the evaluation."""
            principal = _require(api, HANDLE)
            matter = api.get_scoped_or_404(ConsultationMatter, matter_id)
            _write(
                api,
                lambda: matter_service.resolve(api.session, matter, principal, data["resolution"]),
            )
            return _matter_detail(api, matter)

    @blp.route("/<int:matter_id>/ratings")
    class MatterRatings(MethodView):
        """群众评议."""

        @blp.arguments(ConsultationRatingCreateSchema)
        @blp.response(201, ConsultationRatingSchema)
        def post(self, data: dict[str, Any], matter_id: int) -> Any:
            """Record a village resident's rating of a resolved matter."""
            principal = _require(api, EVALUATE)
            matter = api.get_scoped_or_404(ConsultationMatter, matter_id)
            return _write(
                api,
                lambda: rate(
                    api.session,
                    matter,
                    data["person_id"],
                    data["verdict"],
                    data["comment"],
                    principal.label,
                    scope_code=principal.scope_code,
                ),
            )

    @blp.route("/<int:matter_id>/attachments")
    class MatterAttachments(MethodView):
        """Files attached to a matter."""

        @blp.response(200, ConsultationAttachmentSchema(many=True))
        def get(self, matter_id: int) -> list[ConsultationAttachment]:
            """List a matter's attachments."""
            matter = api.get_scoped_or_404(ConsultationMatter, matter_id)
            return api.session.scalars(
                select(ConsultationAttachment)
                .where(ConsultationAttachment.matter_id == matter.id)
                .order_by(ConsultationAttachment.id)
            ).all()

        @blp.arguments(ConsultationUploadSchema, location="files")
        @blp.response(201, ConsultationAttachmentSchema)
        def post(self, files: dict[str, Any], matter_id: int) -> ConsultationAttachment:
            """Attach a file (multipart field ``file``)."""
            principal = _require(api, HANDLE)
            matter = api.get_scoped_or_404(ConsultationMatter, matter_id)
            upload = files["file"]
            data = upload.read()
            return _write(
                api,
                lambda: matter_service.add_attachment(
                    api.session,
                    matter,
                    upload.filename or "",
                    upload.mimetype,
                    data,
                    principal.label,
                ),
            )

    @blp.route("/<int:matter_id>/attachments/<int:attachment_id>")
    class MatterAttachment(MethodView):
        """One attachment's content."""

        @blp.response(
            200, {"type": "string", "format": "binary"}, content_type="application/octet-stream"
        )
        def get(self, matter_id: int, attachment_id: int) -> Response:
            """Download an attachment."""
            attachment = api.get_scoped_or_404(ConsultationAttachment, attachment_id)
            if attachment.matter_id != matter_id:
                abort(404, message="记录不存在，或不在您的管辖范围内")
            return Response(
                attachment.data,
                mimetype=attachment.content_type,
                headers={"Content-Disposition": _disposition(attachment.filename)},
            )

    return blp


def _disposition(filename: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename*=UTF-8''{quote(filename)}"


# --- wishes ---------------------------------------------------------------------------------


def _wishes(api: Any) -> Blueprint:
    blp = Blueprint(
        "consultation_wishes",
        __name__,
        url_prefix="/consultation/wishes",
        description="微心愿：发布、认领、实现、确认",
    )

    @blp.route("")
    class Wishes(MethodView):
        """Wishes within the caller's scope."""

        @blp.arguments(ConsultationWishQuerySchema, location="query")
        @blp.response(200, ConsultationWishSchema(many=True))
        @blp.paginate()
        def get(self, query: dict[str, Any], pagination_parameters: Any) -> list[ConsultationWish]:
            """List wishes, newest first."""
            statement = api.scoped(select(ConsultationWish), ConsultationWish).order_by(
                ConsultationWish.id.desc()
            )
            if "state" in query:
                statement = statement.where(ConsultationWish.state == query["state"])
            if "locality_code" in query:
                statement = statement.where(
                    within(ConsultationWish.locality_code, query["locality_code"])
                )
            return _page(api, statement, pagination_parameters)

        @blp.arguments(ConsultationWishCreateSchema)
        @blp.response(201, ConsultationWishSchema)
        def post(self, data: dict[str, Any]) -> ConsultationWish:
            """Post a resident's wish on the wall of their village."""
            principal = _require(api, WISHES)
            return _write(
                api,
                lambda: wish_service.post_wish(
                    api.session, scope_code=principal.scope_code, **data
                ),
            )

    @blp.route("/<int:wish_id>")
    class WishItem(MethodView):
        """One wish."""

        @blp.response(200, ConsultationWishSchema)
        def get(self, wish_id: int) -> ConsultationWish:
            """A wish and its status."""
            return api.get_scoped_or_404(ConsultationWish, wish_id)

    @blp.route("/<int:wish_id>/claim")
    class WishClaim(MethodView):
        """认领."""

        @blp.arguments(ConsultationClaimSchema)
        @blp.response(200, ConsultationWishSchema)
        def post(self, data: dict[str, Any], wish_id: int) -> ConsultationWish:
            """Claim a posted wish for a volunteer or an organisation; 409 if already claimed."""
            principal = _require(api, WISHES)
            wish = api.get_scoped_or_404(ConsultationWish, wish_id)

            def claim() -> ConsultationWish:
                try:
                    return wish_service.claim_wish(
                        api.session,
                        wish,
                        principal,
                        person_id=data["person_id"],
                        organization_id=data["organization_id"],
                        scope_code=principal.scope_code,
                    )
                except wish_service.AlreadyClaimed as exc:
                    raise WorkflowError(exc.message) from exc

            return _write(api, claim)

    @blp.route("/<int:wish_id>/transitions")
    class WishTransitions(MethodView):
        """Workflow steps of a wish (release, fulfil, confirm, dispute, withdraw)."""

        @blp.arguments(ConsultationWishTransitionSchema)
        @blp.response(200, ConsultationWishSchema)
        def post(self, data: dict[str, Any], wish_id: int) -> ConsultationWish:
            """Apply a workflow step; ``confirm`` is the wisher's confirmation."""
            wish = api.get_scoped_or_404(ConsultationWish, wish_id)
            if data["name"] == "fulfil" and data["note"]:
                wish.fulfilment_note = data["note"]
            _transition(api, ConsultationWish.__workflow__, wish, data["name"], data["reason"])
            return wish

    return blp


# --- deliberations --------------------------------------------------------------------------


def _deliberations(api: Any) -> Blueprint:
    blp = Blueprint(
        "consultation_deliberations",
        __name__,
        url_prefix="/consultation/deliberations",
        description="议事协商会议",
    )

    @blp.route("")
    class Deliberations(MethodView):
        """Meetings within the caller's scope."""

        @blp.response(200, ConsultationDeliberationSchema(many=True))
        @blp.paginate()
        def get(self, pagination_parameters: Any) -> list[ConsultationDeliberation]:
            """List meetings, latest first."""
            statement = api.scoped(
                select(ConsultationDeliberation), ConsultationDeliberation
            ).order_by(ConsultationDeliberation.held_at.desc(), ConsultationDeliberation.id.desc())
            return _page(api, statement, pagination_parameters)

    @blp.route("/<int:deliberation_id>/attendance")
    class Attendance(MethodView):
        """Who attended."""

        @blp.arguments(_attendance_schema())
        @blp.response(200, ConsultationDeliberationSchema)
        def post(self, data: dict[str, Any], deliberation_id: int) -> ConsultationDeliberation:
            """Record attending residents and organisations of a held meeting."""
            principal = _require(api, DELIBERATE)
            deliberation = api.get_scoped_or_404(ConsultationDeliberation, deliberation_id)
            _write(
                api,
                lambda: deliberation_service.record_attendance(
                    api.session,
                    deliberation,
                    principal.label,
                    person_ids=data["person_ids"],
                    organization_ids=data["organization_ids"],
                    scope_code=principal.scope_code,
                ),
            )
            return deliberation

    return blp


def _attendance_schema() -> Any:
    from marshmallow import Schema, fields

    class ConsultationAttendanceSchema(Schema):
        """Residents and organisations who attended."""

        person_ids = fields.List(fields.Integer(), load_default=list)
        organization_ids = fields.List(fields.Integer(), load_default=list)

    return ConsultationAttendanceSchema


# --- catalogue and figures ------------------------------------------------------------------


def _meta(api: Any) -> Blueprint:
    blp = Blueprint(
        "consultation_meta",
        __name__,
        url_prefix="/consultation",
        description="协商事项清单和统计",
    )

    @blp.route("/catalogue")
    class CatalogueView(MethodView):
        """The catalogue in effect for the caller."""

        @blp.response(200, ConsultationCatalogueCategorySchema(many=True))
        def get(self) -> list[Any]:
            """The categories and items, with their default triage."""
            return list(
                session_catalogue(api.session, api.current_principal().scope_code).categories
            )

    @blp.route("/figures")
    class FiguresView(MethodView):
        """Figures of a locality over a period."""

        @blp.arguments(ConsultationFiguresQuerySchema, location="query")
        @blp.response(200, ConsultationFiguresSchema)
        def get(self, query: dict[str, Any]) -> Any:
            """Matters by triage and level, resolution, time to resolve, satisfaction."""
            principal = _require(api, FIGURES)
            scope = query.get("scope") or principal.scope_code
            if not is_within(scope, principal.scope_code):
                abort(404, message="记录不存在，或不在您的管辖范围内")
            timezone = api.runtime.config.timezone
            today = local_today(timezone)
            start = query.get("start") or today.replace(month=1, day=1)
            end = query.get("end") or today
            if end < start:
                abort(422, errors={"query": {"end": ["结束日期不能早于开始日期"]}})
            return figures(api.session, scope, start, end, timezone)

    return blp
