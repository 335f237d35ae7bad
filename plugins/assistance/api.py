"""The assistance REST API under ``/api/v1/assistance``: intake, status, consents, objections,
verification results and coverage, each limited to the caller's scope.

Identity numbers are accepted only in request bodies (``POST``), never in URLs, and answered
only masked.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.workflow import WorkflowError
from plugins.assistance import clock
from plugins.assistance.cases import (
    create_application,
    find_resident,
    record_consent,
    record_objection,
    set_payee,
)
from plugins.assistance.coverage import coverage_report
from plugins.assistance.errors import AssistanceError
from plugins.assistance.models import AssistanceApplication, AssistanceTask
from plugins.assistance.schemas import (
    AssistanceApplicationDetailSchema,
    AssistanceApplicationQuerySchema,
    AssistanceApplicationSchema,
    AssistanceConsentSchema,
    AssistanceCoverageQuerySchema,
    AssistanceCoverageSchema,
    AssistanceIntakeSchema,
    AssistanceObjectionSchema,
    AssistanceStatusQuerySchema,
    AssistanceTaskQuerySchema,
    AssistanceTaskResultSchema,
    AssistanceTaskSchema,
    AssistanceTransitionSchema,
)
from plugins.assistance.workflow import APPLICATION_WORKFLOW, TASK_WORKFLOW


def register(api: Any) -> None:
    """Build the blueprints (new ones per app) and mount them through the registrar."""
    for blueprint in (_applications(api), _status(api), _tasks(api), _coverage(api)):
        api.register_blueprint(blueprint)


def _refuse(exc: AssistanceError | WorkflowError, code: int = 422) -> None:
    field = getattr(exc, "field", None)
    if field:
        abort(code, message=str(exc), errors={"json": {field: [str(exc)]}})
    abort(code, message=str(exc))


def _require(api: Any, permission: str) -> Any:
    principal = api.current_principal()
    if not principal.has_permission(permission):
        abort(403, message="您没有执行此操作的权限")
    return principal


def _page(api: Any, statement: Any, pagination: Any) -> list[Any]:
    session = api.session
    pagination.item_count = session.scalar(
        select(func.count()).select_from(statement.order_by(None).subquery())
    )
    offset = (pagination.page - 1) * pagination.page_size
    return list(session.scalars(statement.offset(offset).limit(pagination.page_size)))


def _detail(api: Any, application: AssistanceApplication) -> AssistanceApplication:
    principal = api.current_principal()
    application.allowed_transitions = [  # type: ignore[attr-defined]
        {"name": t.name, "label": t.label, "needs_reason": t.needs_reason}
        for t in APPLICATION_WORKFLOW.allowed(application, principal, api.session)
    ]
    return application


def _commit(api: Any) -> None:
    try:
        api.session.commit()
    except IntegrityError:
        api.session.rollback()
        abort(409, message="与同时提交的另一项操作冲突（记录重复），未保存，请刷新后重试")


def _applications(api: Any) -> Blueprint:
    blp = Blueprint(
        "assistance_api_applications",
        __name__,
        url_prefix="/assistance/applications",
        description="社会救助申请：一证一书受理、办理进度",
    )

    @blp.route("")
    class Applications(MethodView):
        """Applications within the caller's scope."""

        @blp.arguments(AssistanceApplicationQuerySchema, location="query")
        @blp.response(200, AssistanceApplicationSchema(many=True))
        @blp.paginate()
        def get(
            self, query: dict[str, Any], pagination_parameters: Any
        ) -> list[AssistanceApplication]:
            """List applications, newest first, optionally by state and programme."""
            _require(api, "assistance.view")
            statement = api.scoped(select(AssistanceApplication), AssistanceApplication).order_by(
                AssistanceApplication.id.desc()
            )
            if "state" in query:
                statement = statement.where(AssistanceApplication.state == query["state"])
            if "programme" in query:
                statement = statement.where(AssistanceApplication.programme == query["programme"])
            return _page(api, statement, pagination_parameters)

        @blp.arguments(AssistanceIntakeSchema)
        @blp.response(201, AssistanceApplicationDetailSchema)
        def post(self, data: dict[str, Any]) -> AssistanceApplication:
            """Register an application by identity number (window: accepted at once)."""
            principal = _require(api, "assistance.application.accept")
            try:
                application = create_application(
                    api.session,
                    actor=principal,
                    id_number=data["id_number"],
                    programme_code=data["programme"],
                    channel=data["channel"],
                    category=data["category"],
                    care_level=data["care_level"],
                    temporary_kind=data["temporary_kind"],
                    cause=data["cause"],
                    claimed_amount=data["claimed_amount"],
                    statement=data["statement"],
                    accept=data["channel"] == "window",
                )
                set_payee(application, data["payee_bank"], data["payee_account"])
            except AssistanceError as exc:
                api.session.rollback()
                _refuse(exc)
            _commit(api)
            return _detail(api, application)

    @blp.route("/<int:application_id>")
    class ApplicationItem(MethodView):
        """One application's status."""

        @blp.response(200, AssistanceApplicationDetailSchema)
        def get(self, application_id: int) -> AssistanceApplication:
            """The application with its tasks, assessment working, notice and next steps."""
            _require(api, "assistance.view")
            return _detail(api, api.get_scoped_or_404(AssistanceApplication, application_id))

    @blp.route("/<int:application_id>/transitions")
    class Transitions(MethodView):
        """Workflow steps."""

        @blp.arguments(AssistanceTransitionSchema)
        @blp.response(200, AssistanceApplicationDetailSchema)
        def post(self, data: dict[str, Any], application_id: int) -> AssistanceApplication:
            """Apply a step (accept, verify, assess, publish, approve, reject, withdraw…)."""
            application = api.get_scoped_or_404(AssistanceApplication, application_id)
            try:
                APPLICATION_WORKFLOW.apply(
                    application,
                    data["transition"],
                    api.current_principal(),
                    api.session,
                    reason=data["reason"],
                )
            except WorkflowError as exc:
                api.session.rollback()
                _refuse(exc, 409)
            _commit(api)
            return _detail(api, application)

    @blp.route("/<int:application_id>/consents")
    class Consents(MethodView):
        """The signed authorisation (授权书)."""

        @blp.arguments(AssistanceConsentSchema)
        @blp.response(201, AssistanceApplicationDetailSchema)
        def post(self, data: dict[str, Any], application_id: int) -> AssistanceApplication:
            """File the signed authorisation with its scan (base64 PDF, JPEG or PNG)."""
            principal = _require(api, "assistance.application.accept")
            application = api.get_scoped_or_404(AssistanceApplication, application_id)
            try:
                content = base64.b64decode(data["file_base64"], validate=True)
            except (binascii.Error, ValueError):
                abort(422, errors={"json": {"file_base64": ["不是有效的 base64 编码"]}})
            try:
                record_consent(
                    api.session,
                    application,
                    actor=principal,
                    signer_name=data["signer_name"],
                    signer_relation=data["signer_relation"],
                    signed_on=data["signed_on"],
                    scope=data["scope"],
                    file_name=data["file_name"],
                    content=content,
                )
            except AssistanceError as exc:
                api.session.rollback()
                _refuse(exc)
            _commit(api)
            return _detail(api, application)

    @blp.route("/<int:application_id>/objections")
    class Objections(MethodView):
        """Objections during the public notice."""

        @blp.arguments(AssistanceObjectionSchema)
        @blp.response(201, AssistanceApplicationDetailSchema)
        def post(self, data: dict[str, Any], application_id: int) -> AssistanceApplication:
            """Record an objection; the case goes back to verification."""
            principal = _require(api, "assistance.objection.record")
            application = api.get_scoped_or_404(AssistanceApplication, application_id)
            try:
                record_objection(
                    api.session,
                    application,
                    actor=principal,
                    content=data["content"],
                    received_on=data["received_on"],
                    objector=data["objector"],
                    contact=data["contact"],
                )
            except (AssistanceError, WorkflowError) as exc:
                api.session.rollback()
                _refuse(exc, 409 if not getattr(exc, "field", None) else 422)
            _commit(api)
            return _detail(api, application)

    return blp


def _status(api: Any) -> Blueprint:
    blp = Blueprint(
        "assistance_api_status",
        __name__,
        url_prefix="/assistance/status",
        description="按身份证号查询救助办理进度（身份证号只在请求体中传递）",
    )

    @blp.route("")
    class Status(MethodView):
        """A resident's cases."""

        @blp.arguments(AssistanceStatusQuerySchema)
        @blp.response(200, AssistanceApplicationSchema(many=True))
        def post(self, data: dict[str, Any]) -> list[AssistanceApplication]:
            """The resident's applications within the caller's scope, newest first."""
            _require(api, "assistance.view")
            try:
                person = find_resident(api.session, data["id_number"])
            except AssistanceError as exc:
                _refuse(exc)
            statement = api.scoped(select(AssistanceApplication), AssistanceApplication).where(
                (AssistanceApplication.applicant_id == person.id)
                | (AssistanceApplication.household_id == person.household_id)
            )
            return list(api.session.scalars(statement.order_by(AssistanceApplication.id.desc())))

    return blp


def _tasks(api: Any) -> Blueprint:
    blp = Blueprint(
        "assistance_api_tasks",
        __name__,
        url_prefix="/assistance/tasks",
        description="核对任务：各部门的办理时限与核对结果",
    )

    @blp.route("")
    class Tasks(MethodView):
        """Verification tasks within the caller's scope."""

        @blp.arguments(AssistanceTaskQuerySchema, location="query")
        @blp.response(200, AssistanceTaskSchema(many=True))
        @blp.paginate()
        def get(self, query: dict[str, Any], pagination_parameters: Any) -> list[AssistanceTask]:
            """List tasks by due date, optionally by state, check and department."""
            _require(api, "assistance.view")
            statement = api.scoped(select(AssistanceTask), AssistanceTask).order_by(
                AssistanceTask.due_on, AssistanceTask.id
            )
            for key in ("state", "check", "department"):
                if key in query:
                    statement = statement.where(getattr(AssistanceTask, key) == query[key])
            return _page(api, statement, pagination_parameters)

    @blp.route("/<int:task_id>/result")
    class Result(MethodView):
        """A department's answer."""

        @blp.arguments(AssistanceTaskResultSchema)
        @blp.response(200, AssistanceTaskSchema)
        def post(self, data: dict[str, Any], task_id: int) -> AssistanceTask:
            """Enter the figure and the evidence (objections: the verdict); complete the task."""
            task = api.get_scoped_or_404(AssistanceTask, task_id)
            if task.state != "pending":
                abort(409, message="该核对任务已完成；如需更正请先重新核对")
            task.amount = data["amount"]
            task.evidence = data["evidence"]
            if task.check == "objection":
                task.verdict = data["verdict"]
            try:
                TASK_WORKFLOW.apply(task, "complete", api.current_principal(), api.session)
            except WorkflowError as exc:
                api.session.rollback()
                _refuse(exc, 409)
            _commit(api)
            return task

    return blp


def _coverage(api: Any) -> Blueprint:
    blp = Blueprint(
        "assistance_api_coverage",
        __name__,
        url_prefix="/assistance/coverage",
        description="保障统计（应保尽保）",
    )

    @blp.route("")
    class Coverage(MethodView):
        """Coverage of the caller's scope."""

        @blp.arguments(AssistanceCoverageQuerySchema, location="query")
        @blp.response(200, AssistanceCoverageSchema)
        def get(self, query: dict[str, Any]) -> Any:
            """Enrolled households and persons now, and payments by month (default: last 12)."""
            _require(api, "assistance.view")
            today = clock.today(api.session)
            period_to = query.get("period_to") or clock.month_of(today)
            period_from = query.get("period_from") or clock.month_of(
                clock.add_months(today.replace(day=1), -11)
            )
            for key, value in (("from", period_from), ("to", period_to)):
                try:
                    clock.parse_period(value)
                except ValueError as exc:
                    abort(422, errors={"query": {key: [str(exc)]}})
            return coverage_report(
                api.session, api.current_principal().scope_code, period_from, period_to
            )

    return blp
