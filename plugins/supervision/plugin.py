"""Manifest and hook implementations of the ``supervision`` plugin (村务监督).

The practice lives in the modules named after it: ``models/`` (tables), ``workflows.py`` (state
machines and guards), ``services/`` (what each practice does), ``admin.py``, ``api.py``,
``portal.py``, ``cli.py`` and ``demo.py``. This file only wires them to the hooks.
"""

from __future__ import annotations

from pathlib import Path

from core import hookimpl
from core.manifest import PluginManifest
from plugins.supervision import models  # noqa: F401  (maps the tables as soon as enabled)
from plugins.supervision.permissions import PERMISSIONS
from plugins.supervision.settings import SupervisionSettings

HERE = Path(__file__).resolve().parent

MANIFEST = PluginManifest(
    name="supervision",
    title="村务监督",
    version="0.1.0",
    description="村务监督委员会：三资管理、四议两公开、村务公开、巡查与村干部评议。",
    requires_core=">=0.1,<1",
    settings_schema=SupervisionSettings,
    # The 重大事项 threshold, 公开日历, 抽查 rate, rating weights, rent grace (one county arrears
    # list) and upload limit bind every village alike; only a finding's default deadline may vary.
    local_settings=("rectification_days",),
    migrations=HERE / "migrations",
    templates=HERE / "templates",
)


@hookimpl
def register_permissions():
    """The plugin's permissions (see :mod:`plugins.supervision.permissions`)."""
    return PERMISSIONS


@hookimpl
def register_admin_views(admin):
    """The registers of 三资, 四议两公开, 村务公开, 权力清单, 督查 and 村民直评村官."""
    from plugins.supervision.admin import register

    register(admin)


@hookimpl
def register_api(api):
    """``/api/v1/supervision/…``: vouchers, matters, disclosures, calendar, ratings."""
    from plugins.supervision.api import register

    register(api)


@hookimpl
def register_portal_sections(locality, session):
    """Per village: disclosures (with amendments), matter progress, power list flowcharts and
    rating results; per town or county: the power list and the inspections."""
    from plugins.supervision.portal import sections

    return sections(locality, session)


@hookimpl
def provide_public_notices(locality, session):
    """The newest disclosures at or under ``locality`` in the portal's 公示公告 list."""
    from plugins.supervision.services.disclosures import notices

    return notices(session, locality)


@hookimpl
def register_cli_commands(cli):
    """``gongzhi supervision …``: calendar, overdue lists, inspection draws, financial
    disclosures, the printable board and a balance check."""
    from plugins.supervision.cli import register

    register(cli)


@hookimpl
def register_demo_data(session, root, rng):
    """A county's year of 村务监督 under ``root``."""
    from plugins.supervision.demo import seed

    seed(session, root, rng)


@hookimpl
def provide_person_summary(person_id, session):
    """For a village cadre rated by villagers: the 勤廉指数 of the latest campaigns."""
    from plugins.supervision.portal import person_summary

    return person_summary(person_id, session)
