"""Manifest and hook implementations of the ``consultation`` plugin (协商议事).

What lives where: ``settings.py`` (the settings and the default catalogue), ``catalogue.py``,
``models.py``, ``workflow.py`` (state machines and guards), ``matters.py`` (submission, 三事分流,
四办, escalation), ``evaluation.py`` (群众评议), ``deliberations.py``, ``wishes.py``,
``statistics.py``, ``events.py``, ``admin.py``, ``api.py``, ``portal.py``, ``cli.py``, ``demo.py``.
"""

from __future__ import annotations

from pathlib import Path

from core import hookimpl
from core.manifest import Permission, PluginManifest
from plugins.consultation import admin as admin_views
from plugins.consultation import api as api_endpoints
from plugins.consultation import cli as commands
from plugins.consultation import (
    demo,
    models,  # noqa: F401  (the tables on Base as soon as enabled)
    portal,
)
from plugins.consultation.settings import ConsultationSettings

HERE = Path(__file__).resolve().parent
ALL_ADMINS = ("county_admin", "town_admin", "village_admin")

MANIFEST = PluginManifest(
    name="consultation",
    title="协商议事",
    version="0.1.0",
    description="协商事项清单、三事分流、四办、议事协商、微心愿与群众评议。",
    requires_core=">=0.1,<1",
    settings_schema=ConsultationSettings,
    # The catalogue (per county already), escalation time (the upper level's, not the village's)
    # and the upload limit stay county-wide.
    local_settings=(
        "acceptance_days",
        "deadline_days",
        "meeting_forms",
        "evaluation_min_ratings",
        "evaluation_days",
        "wish_tags",
        "claimer_tags",
    ),
    migrations=HERE / "migrations",
    templates=HERE / "templates",
)


@hookimpl
def register_permissions():
    """受理办理、分流和四办、评议、议事、心愿、统计：默认各级管理员都有。"""
    return [
        Permission("consultation.matter.handle", "受理和办理协商事项", ALL_ADMINS),
        Permission("consultation.matter.triage", "三事分流和四办分工", ALL_ADMINS),
        Permission("consultation.matter.evaluate", "组织群众评议和结案", ALL_ADMINS),
        Permission("consultation.deliberation.manage", "组织议事协商", ALL_ADMINS),
        Permission("consultation.wish.manage", "管理微心愿", ALL_ADMINS),
        Permission("consultation.figures.view", "查看协商议事统计和逾期督办", ALL_ADMINS),
    ]


@hookimpl
def register_admin_views(admin):
    """协商事项、四办、议事协商、微心愿、评议、统计、逾期督办、事项清单。"""
    admin_views.register(admin)


@hookimpl
def register_api(api):
    """``/api/v1/consultation/...``: matters, wishes, ratings, catalogue, figures."""
    api_endpoints.register(api)


@hookimpl
def register_portal_sections(locality, session):
    """A village's public matters, deliberations and wish wall; figures for higher levels."""
    return portal.sections(locality, session)


@hookimpl
def provide_public_notices(locality, session):
    """Published deliberation outcomes (议事结果公开)."""
    return portal.notices(locality, session)


@hookimpl
def register_cli_commands(cli):
    """``gongzhi consultation escalate|conclude|overdue|figures|catalogue``."""
    commands.register(cli)


@hookimpl
def register_demo_data(session, root, rng):
    """A year of matters, meetings and wishes in every village of the demo county."""
    demo.seed(session, root, rng)


@hookimpl
def provide_person_summary(person_id, session):
    """What a resident raised, attended, rated and wished for."""
    return portal.person_summary(person_id, session)
