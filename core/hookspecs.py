"""Hook specifications: everything a plugin can contribute to a Gongzhi deployment.

Hooks are grouped by phase. ``register_*`` hooks contribute things at start-up (called once per
app, in plugin order: dependencies first, then config order); ``on_*`` hooks react to domain events
inside the emitter's transaction; ``provide_*`` hooks answer questions. Implement them in a plugin
module with ``@core.hookimpl``; a misspelled implementation is refused at start-up.

Plugins receive *registrars* from the host app (objects with ``add_*`` methods) rather than
importing the host app: ``plugins -> core`` stays the only dependency.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pluggy

from core import PROJECT_NAME

if TYPE_CHECKING:
    import random

    import click
    from sqlalchemy.orm import Session

    from core.events import DomainEvent
    from core.manifest import Permission
    from core.models import Locality
    from core.portal import PortalSection, PublicNotice

hookspec = pluggy.HookspecMarker(PROJECT_NAME)


# --- Start-up: what the plugin adds to the app -------------------------------------------------


@hookspec
def register_permissions() -> Sequence[Permission]:
    """Declare the plugin's permissions and the built-in roles that hold them by default.

    Called once when the app (or the CLI) starts. Return a sequence of
    :class:`core.manifest.Permission`; codes must start with the plugin's name and a dot
    (``"points.claim.review"``). A deployment can grant more in ``[roles.NAME]``.
    All results are combined; order does not matter.
    """


@hookspec
def register_admin_views(admin: Any) -> None:
    """Add the plugin's pages to the admin backend.

    Called once per app, in plugin order, which is the menu order. ``admin`` is the host's
    ``AdminRegistrar``: ``admin.add_model_view(Model, name=..., **options)`` adds a list/edit view
    filtered by the account's locality scope (the model needs a ``scope_clause`` classmethod);
    ``admin.ModelView`` is that scoped base class for subclassing; ``admin.add_view(view)`` adds
    any Flask-Admin view. Views land in a menu category named after the plugin's title unless
    they name one. Return nothing.
    """


@hookspec
def register_api(api: Any) -> None:
    """Add the plugin's REST endpoints under ``/api/v1``.

    Called once per app, in plugin order. ``api`` is the host's ``ApiRegistrar``:
    ``api.register_blueprint(blp)`` mounts a flask-smorest ``Blueprint`` (token authentication and
    CSRF exemption are applied by the host); ``api.current_principal()`` returns the caller inside a
    request, and ``api.scoped(select_stmt, Model)`` filters a query by the caller's scope.
    Return nothing.
    """


@hookspec
def register_portal_sections(locality: Locality, session: Session) -> Sequence[PortalSection]:
    """Contribute sections to the public portal page of ``locality``.

    Called on every portal page view, in plugin order, with the locality shown and a read-only
    session. Return :class:`core.portal.PortalSection` objects (title, template, context, order);
    sections are sorted by ``order`` then plugin order. Show only what is public: no identity
    numbers, phone numbers or addresses.
    """


@hookspec
def register_cli_commands(cli: click.Group) -> None:
    """Add commands to the ``gongzhi`` command line.

    Called once per ``gongzhi`` invocation that names a config, after the plugins are enabled,
    with a ``click.Group`` that collects the plugins' commands; they become top-level commands of
    ``gongzhi``. Add one group named after the plugin (``@cli.group("points")``); a name that
    clashes with a core command is an error. Inside a command, ``click.pass_obj`` gives the CLI
    state, whose ``runtime()`` is the deployment. Return nothing.
    """


@hookspec
def register_demo_data(session: Session, root: Locality, rng: random.Random) -> None:
    """Seed realistic demo data for the plugin under ``root`` (the demo county).

    Called by ``gongzhi demo`` after core's residents, households, organisations and accounts
    exist, in plugin order, inside one transaction: an error rolls the whole demo back. Use
    ``rng`` (the plugin's own, seeded from the demo seed and the plugin's name) for every random
    choice so that the demo is reproducible. Return nothing.
    """


# --- Runtime: reacting to what happens ----------------------------------------------------------


@hookspec
def on_event(event: DomainEvent, session: Session) -> None:
    """React to a domain event emitted by core or any plugin.

    Called by :func:`core.events.emit` inside the emitter's transaction, in plugin order, once per
    event, for every enabled plugin. Check ``isinstance(event, SomeEvent)`` and ignore the rest.
    Write with ``session`` and do not commit: raising aborts the emitter's change as well.
    """


# --- Questions: plugins answering on behalf of the deployment ----------------------------------


@hookspec
def provide_person_summary(person_id: int, session: Session) -> Sequence[tuple[str, str]]:
    """Describe a resident from the plugin's point of view, for the admin's resident page.

    Called when staff open a resident's details, in plugin order. Return (label, value) pairs in
    Chinese, for example ``[("积分余额", "120")]``; return an empty sequence if the plugin has
    nothing to say. All results are shown, grouped by plugin.
    """


@hookspec
def provide_public_notices(locality: Locality, session: Session) -> Sequence[PublicNotice]:
    """List the public notices the plugin shows for ``locality`` (公示, 公开, 答复…).

    Called on every portal page view, in plugin order, with the locality shown and a read-only
    session. Return :class:`core.portal.PublicNotice` objects for that locality (and, if the
    plugin wishes, notices of the levels above it that concern it). The portal merges all
    plugins' notices, newest first. Public data only: mask names and never show identity or
    phone numbers.
    """


@hookspec(firstresult=True)
def provide_locality_title(locality: Locality, session: Session) -> str | None:
    """Give the portal heading for ``locality`` (for example a branded village name).

    Called on every portal page view with the locality shown and a read-only session.
    Single winner: the first plugin in plugin order returning a string decides; return ``None``
    to leave it to the next plugin or to the default (the locality's own name).
    """
