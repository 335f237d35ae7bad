"""Manifest and hook implementations of the ``compact`` plugin (村规民约).

What lives where: ``settings.py`` (settings and the recommended topics), ``rules.py`` (what a
compact may not say: no fines), ``models.py``, ``workflow.py`` (the state machine and its guards),
``drafting.py`` (versions, revisions and articles), ``adoption.py`` (the deliberation, the vote,
publication), ``events.py``, ``admin.py``, ``api.py`` and ``schemas.py``, ``portal.py``,
``demo.py``, ``migrations/``, ``templates/compact/``.
"""

from __future__ import annotations

from pathlib import Path

from core import hookimpl
from core.manifest import Permission, PluginManifest

from gongzhi_compact import admin as admin_views
from gongzhi_compact import (
    adoption,
    demo,
    models,  # noqa: F401  (the tables on Base as soon as the plugin is enabled)
    portal,
)
from gongzhi_compact import api as api_endpoints
from gongzhi_compact.settings import CompactSettings
from gongzhi_compact.workflow import DRAFT, REVIEW

HERE = Path(__file__).resolve().parent

MANIFEST = PluginManifest(
    name="compact",
    title="村规民约",
    version="0.1.0",
    description="村规民约的起草、乡镇审查、议事协商表决通过和公布施行，不得设定罚款。",
    requires=("consultation",),
    requires_core=">=0.1,<1",
    settings_schema=CompactSettings,
    migrations=HERE / "migrations",
    templates=HERE / "templates",
    # 一村一策: towns and villages may change the advice, never loosen the forbidden phrases (an
    # override replaces a list) nor the catalogue item the county's consultation expects.
    local_settings=("recommended_topics",),
)


@hookimpl
def register_permissions():
    """The village drafts, puts to deliberation and publishes; the township reviews."""
    return [
        Permission(
            DRAFT, "起草、提交和公布村规民约", ("village_admin", "town_admin", "county_admin")
        ),
        Permission(REVIEW, "审查村规民约", ("town_admin", "county_admin")),
    ]


@hookimpl
def register_admin_views(admin):
    """村规民约 (versions with their articles and workflow), 条款, 表决记录."""
    admin_views.register(admin)


@hookimpl
def register_api(api):
    """``/api/v1/compact/versions/...``."""
    api_endpoints.register(api)


@hookimpl
def register_portal_sections(locality, session):
    """A village's compact in force, article by article."""
    return portal.sections(locality, session)


@hookimpl
def provide_public_notices(locality, session):
    """Newly published compacts (村规民约公布)."""
    return portal.notices(locality, session)


@hookimpl
def on_event(event, session):
    """The vote decides: when a meeting's results are published
    (``consultation.deliberation_published``), each compact on its agenda is adopted or rejected
    by the vote (see :func:`gongzhi_compact.adoption.react`)."""
    adoption.react(event, session)


@hookimpl
def register_demo_data(session, root, rng):
    """A published compact in the first villages, a revision under way in one."""
    demo.seed(session, root, rng)
