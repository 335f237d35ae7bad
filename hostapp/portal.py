"""The public portal: a mobile-friendly page per locality, with sections contributed by plugins."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from flask import Blueprint, Flask, abort, redirect, render_template, url_for
from markupsafe import Markup
from sqlalchemy import func, select

from core.localities import LocalityCodeError, is_within, validate_code
from core.models import Locality, Person
from core.portal import PortalSection
from core.runtime import Runtime
from hostapp.context import current_runtime

HERE = Path(__file__).resolve().parent
NOTICES_SHOWN = 20
blueprint = Blueprint(
    "portal", __name__, static_folder=str(HERE / "static"), static_url_path="/static/portal"
)


def init_app(app: Flask, runtime: Runtime) -> None:
    """Mount the portal at ``/`` and let plugins' template folders be found."""
    folders = [
        str(plugin.manifest.templates)
        for plugin in runtime.plugins.plugins
        if plugin.manifest.templates is not None
    ]
    if folders:
        assert app.jinja_loader is not None
        app.jinja_loader = jinja2.ChoiceLoader(
            [app.jinja_loader, *(jinja2.FileSystemLoader(f) for f in folders)]
        )

    @app.context_processor
    def _deployment() -> dict[str, Any]:
        return {"deployment_name": runtime.config.name}

    app.register_blueprint(blueprint)


@blueprint.get("/")
def home() -> Any:
    """The deployment's own locality page."""
    return redirect(url_for("portal.locality", code=current_runtime().config.locality_code))


@blueprint.get("/l/<code>")
def locality(code: str) -> Any:
    """A locality's page: where it sits, what lies under it, and the plugins' sections."""
    runtime = current_runtime()
    try:
        code = validate_code(code)
    except LocalityCodeError:
        abort(404)
    if not is_within(code, runtime.config.locality_code):
        abort(404)
    session = runtime.db.session
    place = session.get(Locality, code)
    if place is None:
        abort(404)
    ancestors = []
    parent = place.parent_code
    while parent and is_within(parent, runtime.config.locality_code):
        found = session.get(Locality, parent)
        if found is None:
            break
        ancestors.insert(0, found)
        parent = found.parent_code
    children = session.scalars(
        select(Locality).where(Locality.parent_code == code).order_by(Locality.code)
    ).all()
    residents = session.scalar(
        select(func.count()).select_from(Person).where(Person.scope_clause(code))
    )

    # Only the plugins running at or under this place speak on its page ([coverage]).
    def hook(name: str) -> Any:
        return runtime.plugins.hook_reaching(code, name)

    title = hook("provide_locality_title")(locality=place, session=session) or place.name
    sections: list[tuple[int, int, PortalSection]] = []
    results = hook("register_portal_sections")(locality=place, session=session)
    for plugin_index, result in enumerate(results):
        for section in result or ():
            sections.append((section.order, plugin_index, section))
    sections.sort(key=lambda item: (item[0], item[1]))
    notices = sorted(
        (
            n
            for result in hook("provide_public_notices")(locality=place, session=session)
            for n in result or ()
        ),
        key=lambda notice: notice.published_at,
        reverse=True,
    )[:NOTICES_SHOWN]
    return render_template(
        "portal/locality.html",
        notices=notices,
        place=place,
        title=title,
        ancestors=ancestors,
        children=children,
        residents=residents,
        sections=[
            (s.title, Markup(render_template(s.template, locality=place, **s.context)))
            for _, _, s in sections
        ],
    )
