"""``AdminRegistrar``: what a plugin's ``register_admin_views`` hook receives."""

from __future__ import annotations

from typing import Any

from flask_admin import Admin, BaseView

from core.plugin_manager import EnabledPlugin
from core.runtime import Runtime
from hostapp.admin.base import ReadOnlyScopedView, ScopedAjaxLoader, ScopedModelView
from hostapp.auth import current_principal


class AdminRegistrar:
    """Lets one plugin add views to the admin without importing the host app.

    Views without a category land in the plugin's own menu category (its manifest title).
    """

    ModelView = ScopedModelView
    """The scoped base view, for plugins that subclass it."""

    ReadOnlyView = ReadOnlyScopedView
    """The scoped read-only base view (ledgers, logs)."""

    AjaxLoader = ScopedAjaxLoader
    """Autocomplete for relations to large registers: ``AjaxLoader(name, session, Model,
    fields=[...])`` in a view's ``form_ajax_refs``; offers only in-scope records."""

    def __init__(self, admin: Admin, runtime: Runtime, plugin: EnabledPlugin) -> None:
        self.admin = admin
        self.runtime = runtime
        self.plugin = plugin

    @property
    def session(self) -> Any:
        """The request-scoped database session the views use."""
        return self.runtime.db.session

    def add_model_view(
        self,
        model: type,
        name: str,
        view_class: type[ScopedModelView] = ScopedModelView,
        **options: Any,
    ) -> ScopedModelView:
        """Add a scoped list/edit view of ``model``; ``options`` become view attributes.

        ``category``, ``endpoint`` and ``url`` are passed to the view; everything else (for
        example ``column_list`` or ``permission``) is set on a subclass made for this model.
        """
        view_kwargs = {k: options.pop(k) for k in ("category", "endpoint", "url") if k in options}
        view_kwargs.setdefault("category", self.plugin.manifest.title)
        view_kwargs.setdefault("endpoint", f"{self.plugin.name}_{model.__name__.lower()}")
        cls = type(f"{model.__name__}AdminView", (view_class,), options) if options else view_class
        view = cls(model, self.runtime, name=name, **view_kwargs)
        self._honour_coverage(view)
        self.admin.add_view(view)
        return view

    def add_view(self, view: BaseView) -> BaseView:
        """Add any Flask-Admin view; it gets the plugin's category if it has none."""
        if getattr(view, "category", None) is None:
            view.category = self.plugin.manifest.title
        self._honour_coverage(view)
        self.admin.add_view(view)
        return view

    def _honour_coverage(self, view: BaseView) -> None:
        """Hide ``view`` from accounts whose scope the plugin does not reach (``[coverage]``).

        Wrapping the view's own check covers every kind of view a plugin may add, and keeps its
        login and permission rules; a hidden view answers 403 to a typed URL.
        """
        plugins = self.runtime.plugins
        name = self.plugin.name
        if plugins.coverage.of(name).everywhere:
            return
        own_check = view.is_accessible

        def is_accessible() -> bool:
            principal = current_principal()
            if principal is not None and not plugins.reaches(name, principal.scope_code):
                return False
            return own_check()

        view.is_accessible = is_accessible  # type: ignore[method-assign]
