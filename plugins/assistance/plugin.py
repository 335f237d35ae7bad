"""Manifest and hook implementations of the ``assistance`` plugin (社会救助).

低保、特困供养、临时救助与党内关爱资金 from intake (一证一书、一门受理) through verification
(核对), assessment, public notice (公示), decision, enrolment, monthly payments and periodic review.
Each hook below only hands over to the module named after what it does.
"""

from __future__ import annotations

from pathlib import Path

from core import hookimpl
from core.manifest import Permission, PluginManifest
from plugins.assistance import hookspecs
from plugins.assistance.models import (  # noqa: F401  (every table on Base.metadata)
    AssistanceApplication,
    AssistanceEnrolment,
)
from plugins.assistance.settings import AssistanceSettings

HERE = Path(__file__).resolve().parent

MANIFEST = PluginManifest(
    name="assistance",
    title="社会救助",
    version="0.1.0",
    description="低保、特困供养、临时救助与党内关爱资金：一证一书、一门受理、核对、公示、发放与复核。",
    requires_core=">=0.1,<1",
    settings_schema=AssistanceSettings,
    # Eligibility tests, care-fund bands, checks, departments, deadlines and review intervals are
    # county policy applied alike to every applicant; only the village's 公示 period may differ.
    local_settings=("notice_days",),
    migrations=HERE / "migrations",
    templates=HERE / "templates",
    hookspecs=hookspecs,
)

ALL_ADMINS = ("county_admin", "town_admin", "village_admin")
TOWN_AND_COUNTY = ("county_admin", "town_admin")
COUNTY = ("county_admin",)


@hookimpl
def register_permissions():
    """The plugin's permissions: villages take cases in, towns decide, the county pays."""
    return [
        Permission("assistance.view", "查看社会救助", ALL_ADMINS),
        Permission("assistance.application.accept", "受理救助申请（一门受理）", ALL_ADMINS),
        Permission("assistance.application.handle", "办理核对和评估", TOWN_AND_COUNTY),
        Permission("assistance.verification.handle", "办理核对任务", TOWN_AND_COUNTY),
        Permission("assistance.source.upload", "上传核对数据文件", TOWN_AND_COUNTY),
        Permission("assistance.notice.publish", "发布救助公示", TOWN_AND_COUNTY),
        Permission("assistance.objection.record", "登记公示异议", ALL_ADMINS),
        Permission("assistance.application.decide", "审批救助申请", TOWN_AND_COUNTY),
        Permission(
            "assistance.enrolment.manage", "管理救助对象（暂停、恢复、退出）", TOWN_AND_COUNTY
        ),
        Permission("assistance.review.handle", "办理定期复核", TOWN_AND_COUNTY),
        Permission("assistance.lead.manage", "管理主动发现线索", ALL_ADMINS),
        Permission("assistance.payment.run", "生成发放批次", COUNTY),
        Permission("assistance.payment.export", "导出银行代发文件", COUNTY),
        Permission("assistance.payment.adjust", "发放冲正与补发", COUNTY),
        Permission("assistance.standard.manage", "维护救助标准", COUNTY),
        Permission("assistance.care_fund.manage", "管理党内关爱资金", COUNTY),
    ]


@hookimpl
def provide_verification_sources():
    """The two sources that ship with the plugin: manual entry and departments' files."""
    from plugins.assistance.sources import FILE_SOURCE, MANUAL_SOURCE

    return [MANUAL_SOURCE, FILE_SOURCE]


@hookimpl
def on_event(event, session):
    """Raise a lead (主动发现) for the events named in the ``lead_events`` setting."""
    from plugins.assistance.leads import lead_from_event

    lead_from_event(event, session)


@hookimpl
def register_admin_views(admin):
    """Programmes and standards, cases, verification, notices, enrolments, payments, the fund."""
    from plugins.assistance.admin import register

    register(admin)


@hookimpl
def register_api(api):
    """Intake and status under ``/api/v1/assistance``."""
    from plugins.assistance.api import register

    register(api)


@hookimpl
def register_cli_commands(cli):
    """``gongzhi assistance …``: batches, bank files, department files, lead lists, reports."""
    from plugins.assistance.cli import register

    register(cli)


@hookimpl
def register_portal_sections(locality, session):
    """The 社会救助公示 page section: proposed recipients in notice, names masked."""
    from plugins.assistance.portal import portal_sections

    return portal_sections(locality, session)


@hookimpl
def provide_public_notices(locality, session):
    """Each proposed recipient in notice as a 公示 entry of the locality's notice list."""
    from plugins.assistance.portal import public_notices

    return public_notices(locality, session)


@hookimpl
def provide_person_summary(person_id, session):
    """A resident's open cases and enrolments, for the admin's resident page."""
    from plugins.assistance.portal import person_summary

    return person_summary(person_id, session)


@hookimpl
def register_demo_data(session, root, rng):
    """A year of 社会救助 in the demo county."""
    from plugins.assistance.demo import seed

    seed(session, root, rng)
