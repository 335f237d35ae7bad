"""``ScopedModelView``: the admin's base view, filtered by the account's locality scope.

Every list, count, detail, edit and delete goes through the scope: a village account gets 404
for a sibling village's record even by typing its id. Relationship choices in forms are scoped
too, and a save that would place a record outside the scope is refused. Models with a
``__workflow__`` show their allowed transitions as actions on the details page.
"""

from __future__ import annotations

import warnings
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla import tools as sqla_tools
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.model.helpers import get_mdict_item_or_list
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import false, inspect
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from core.identity import IdentityError
from core.runtime import Runtime
from core.security import Principal
from core.workflow import Workflow, WorkflowError
from hostapp.admin.forms import ChineseForm
from hostapp.auth import current_principal


class ScopeError(ValueError):
    """A save that would put a record outside the account's scope."""


def bind_actor(runtime: Runtime, principal: Principal | None, channel: str) -> None:
    """Name the actor and channel that the audit log records for this request's writes."""
    if principal is not None:
        runtime.db.session.info.update(actor=principal.label, channel=channel)


class GuardedViewMixin:
    """Login and permission checks shared by every admin view."""

    permission: str | None = None
    """Permission needed to open the view at all (``None``: any logged-in account)."""

    def is_accessible(self) -> bool:
        principal = current_principal()
        if principal is None:
            return False
        return self.permission is None or principal.has_permission(self.permission)

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        abort(403)

    def is_visible(self) -> bool:
        return self.is_accessible()


def typed_id(model: type, raw: Any) -> Any:
    """``raw`` (text from a URL or form) as the model's primary-key type; 404 if it cannot be.

    PostgreSQL refuses to compare an integer column with text, and nonsense ids must not reach
    the database at all.
    """
    column = inspect(model).primary_key[0]
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return raw
    if python_type is int:
        try:
            value = int(str(raw))
        except ValueError:
            abort(404)
        if not 0 < value <= 2**31 - 1:
            abort(404)
        return value
    if isinstance(raw, str) and "\x00" in raw:
        abort(404)
    return raw


class ScopedAjaxLoader(QueryAjaxModelLoader):
    """An autocomplete for a relationship field that offers and accepts only in-scope records.

    Use it for relations to large registers (residents, households), where a plain select would
    list every record in a county.
    """

    def __init__(self, name: str, session: Any, model: type, **options: Any) -> None:
        # Flask-Admin's own catalogue renders the default placeholder as 请选择模型 ("a model").
        options.setdefault("placeholder", _l("输入关键字搜索"))
        super().__init__(name, session, model, **options)

    def get_query(self) -> Any:
        principal = current_principal()
        query = super().get_query()
        if principal is None:
            return query.filter(false())
        return query.filter(self.model.scope_clause(principal.scope_code))

    def get_one(self, pk: Any) -> Any:
        try:
            pk = typed_id(self.model, pk)
        except HTTPException:
            return None
        with self.session.no_autoflush:
            return sqla_tools.get_query_for_ids(self.get_query(), self.model, [pk]).one_or_none()


class ScopedModelView(GuardedViewMixin, ModelView):
    """A Flask-Admin model view whose every query is limited to the account's locality scope.

    The model must have a ``scope_clause(scope_code)`` classmethod (see
    :class:`core.models.scoped.LocalityScoped`). ``manage_permission`` is needed to create, edit
    or delete; ``permission`` to see the view.
    """

    manage_permission: str | None = None
    allow_create = True
    allow_edit = True
    allow_delete = True
    can_view_details = True
    can_set_page_size = True
    page_size = 50
    details_template = "admin/gongzhi/details.html"
    action_disallowed_list = ["delete"]
    form_base_class = ChineseForm

    def __init__(self, model: type, runtime: Runtime, **kwargs: Any) -> None:
        self.runtime = runtime
        with warnings.catch_warnings():
            # Flask-Admin 2 warns that passing a session becomes a ``db`` parameter in 3.0; we
            # pass our scoped session on purpose (Flask-SQLAlchemy does not fit SQLAlchemy 2.1).
            warnings.filterwarnings(
                "ignore",
                message="Passing a session object directly is deprecated",
                category=DeprecationWarning,
            )
            super().__init__(model, runtime.db.session, **kwargs)

    # -- permissions --------------------------------------------------------------------------

    def _may_manage(self) -> bool:
        principal = current_principal()
        if principal is None:
            return False
        return self.manage_permission is None or principal.has_permission(self.manage_permission)

    @property  # type: ignore[override]
    def can_create(self) -> bool:
        return self.allow_create and self._may_manage()

    @property  # type: ignore[override]
    def can_edit(self) -> bool:
        return self.allow_edit and self._may_manage()

    @property  # type: ignore[override]
    def can_delete(self) -> bool:
        return self.allow_delete and self._may_manage()

    def _handle_view(self, name: str, **kwargs: Any) -> Any:
        response = super()._handle_view(name, **kwargs)
        if response is None:
            bind_actor(self.runtime, current_principal(), "admin")
        return response

    # -- scoping ------------------------------------------------------------------------------

    def scope_condition(self) -> Any:
        """The SQL condition limiting this view to the current account's scope."""
        principal = current_principal()
        if principal is None:
            return false()
        return self.model.scope_clause(principal.scope_code)

    def get_query(self) -> Any:
        return super().get_query().filter(self.scope_condition())

    def get_count_query(self) -> Any:
        return super().get_count_query().filter(self.scope_condition())

    def get_one(self, id: Any) -> Any:
        """The record ``id`` if it lies within scope; otherwise 404, never a hint it exists."""
        record = sqla_tools.get_query_for_ids(
            self.get_query(), self.model, [typed_id(self.model, id)]
        ).one_or_none()
        if record is None:
            abort(404)
        return record

    def _scoped_choices(self, form: Any) -> Any:
        principal = current_principal()
        if principal is None:
            return form
        for name, relation in inspect(self.model).relationships.items():
            field = getattr(form, name, None)
            remote = relation.mapper.class_
            if field is None or not hasattr(field, "query") or not hasattr(remote, "scope_clause"):
                continue
            field.query = self.session.query(remote).filter(
                remote.scope_clause(principal.scope_code)
            )
        return form

    def create_form(self, obj: Any = None) -> Any:
        return self._scoped_choices(super().create_form(obj))

    def edit_form(self, obj: Any = None) -> Any:
        return self._scoped_choices(super().edit_form(obj))

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        """After the form is applied, refuse the save if the record left the scope."""
        self.session.flush()
        pk = inspect(model).identity
        if pk is None:
            return
        still_visible = sqla_tools.get_query_for_ids(
            self.get_query(), self.model, [sqla_tools.iterencode(pk) if len(pk) > 1 else pk[0]]
        ).count()
        if not still_visible:
            raise ScopeError(_("所属区划超出您的管辖范围，无法保存"))

    def handle_view_exception(self, exc: Exception) -> bool:
        """Show validation problems to the user in Chinese instead of a stack trace."""
        if isinstance(exc, ValueError | IdentityError | WorkflowError):
            flash(_("保存失败：%(error)s", error=str(exc)), "error")
            return True
        if isinstance(exc, IntegrityError):
            flash(_("保存失败：与已有记录重复，或引用的记录不存在"), "error")
            return True
        return super().handle_view_exception(exc)

    def extra_details(self, record: Any) -> list[Any]:
        """Extra titled tables for the details page; views override this."""
        return []

    # -- workflow actions ---------------------------------------------------------------------

    @property
    def workflow(self) -> Workflow | None:
        """The model's declared state machine, if any."""
        return getattr(self.model, "__workflow__", None)

    def allowed_transitions(self, record: Any) -> list[Any]:
        """Transitions the current account may apply to ``record`` now (for the template)."""
        principal = current_principal()
        if self.workflow is None or principal is None:
            return []
        return self.workflow.allowed(record, principal, self.session)

    @expose("/transition/", methods=["POST"])
    def transition_view(self) -> Any:
        """Apply a workflow transition to a record, then return to its details page."""
        if self.workflow is None:
            abort(404)
        record_id = get_mdict_item_or_list(request.form, "id")
        record = self.get_one(record_id)
        name = request.form.get("transition", "")
        reason = request.form.get("reason") or None
        principal = current_principal()
        assert principal is not None
        try:
            applied = self.workflow.apply(record, name, principal, self.session, reason=reason)
            self.session.commit()
        except (WorkflowError, ValueError) as exc:
            # ValueError: plugins' own domain errors, raised by a transition's effects or by a
            # reaction to the event it emits; the whole step is rolled back and explained.
            self.session.rollback()
            flash(str(exc), "error")
        else:
            flash(_("已执行：%(label)s", label=applied.label), "success")
        return redirect(self.get_url(".details_view", id=record_id))


class ReadOnlyScopedView(ScopedModelView):
    """A scoped list and details view with no create, edit or delete (logs, ledgers)."""

    allow_create = False
    allow_edit = False
    allow_delete = False


class DashboardView(GuardedViewMixin, AdminIndexView):
    """The admin home page: who is logged in and the records within their scope."""

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(name=_("首页"), template="admin/gongzhi/index.html", url="/admin")
        self.runtime = runtime

    @expose()
    def index(self) -> Any:
        from hostapp.admin.dashboard import scope_counts

        principal = current_principal()
        assert principal is not None
        return self.render(
            "admin/gongzhi/index.html",
            principal=principal,
            counts=scope_counts(self.runtime, principal.scope_code),
            plugins=[
                plugin
                for plugin in self.runtime.plugins.plugins
                if self.runtime.plugins.reaches(plugin.name, principal.scope_code)
            ],
        )
