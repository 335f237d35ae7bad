"""Manifest and hook implementations of the ``points`` plugin (积分制).

Where to find things: ``settings.py`` (积分细则 defaults and knobs), ``models.py`` (tables),
``workflow.py`` (state machines), ``rules.py`` (effective rules, 一村一策), ``ledger.py``
(double-entry ledger, caps, expiry), ``claims.py`` (积分申报), ``awards.py`` (automatic awards
from events), ``supermarket.py`` (爱心超市), ``dividends.py`` (超额积累分红), ``rankings.py``
(排行、评星、积德榜), ``admin.py``, ``api.py``, ``portal.py``, ``cli.py``, ``demo.py``.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from core import hookimpl
from core.manifest import Permission, PluginManifest
from core.security import ALL_ADMINS
from plugins.points import admin as points_admin
from plugins.points import api as points_api
from plugins.points import awards, demo, portal
from plugins.points import cli as points_cli
from plugins.points.models import PointsAccount
from plugins.points.settings import SCHEMES, PointsSettings

HERE = Path(__file__).resolve().parent
UPPER = ("town_admin", "county_admin")

MANIFEST = PluginManifest(
    name="points",
    title="积分制",
    version="0.1.0",
    description="积分细则、积分台账、爱心超市、积分排行与双指数（堡垒指数、先锋指数）。",
    requires_core=">=0.1,<1",
    settings_schema=PointsSettings,
    # The ledger's shape (resident_holder, holder_floor, expiry_months), 评星 thresholds and the
    # claim size limit stay county-wide so balances and stars compare across the county; rules
    # have their own 一村一策 versions (rules.py).
    local_settings=("notice_days", "portal_names", "portal_board_size", "snapshot_size"),
    migrations=HERE / "migrations",
    templates=HERE / "templates",
)


@hookimpl
def register_permissions():
    """The points plugin's permissions and the roles holding them by default."""
    return [
        Permission("points.view", "查看积分", ALL_ADMINS),
        Permission("points.claim.submit", "申报积分、记录异议", ALL_ADMINS),
        Permission("points.claim.review", "审核积分申报、入账", UPPER),
        Permission("points.ledger.correct", "积分冲正", UPPER),
        Permission("points.rule.manage", "设置本地积分细则（一村一策）", ALL_ADMINS),
        Permission("points.merchant.manage", "维护爱心商户和商品", ALL_ADMINS),
        Permission("points.redemption.manage", "办理爱心超市兑换", ALL_ADMINS),
        Permission("points.settlement.manage", "爱心商户结算", UPPER),
        Permission("points.dividend.manage", "计算积分分红", ALL_ADMINS),
        Permission("points.ranking.publish", "生成并公布年度排行", ALL_ADMINS),
    ]


@hookimpl
def register_admin_views(admin):
    """Rules, claims, accounts, ledger, supermarket, settlements, dividends, rankings, stars."""
    points_admin.register(admin)


@hookimpl
def register_api(api):
    """Balances, ledgers, claims, redemptions, catalogue, leaderboards, rules."""
    points_api.register(api)


@hookimpl
def register_portal_sections(locality, session):
    """积德榜, the live leaderboards (村民积分 and 双指数) and the love supermarket's catalogue."""
    return portal.sections(locality, session)


@hookimpl
def provide_public_notices(locality, session):
    """Claims under public notice, with residents' names masked."""
    return portal.notices(locality, session)


@hookimpl
def register_cli_commands(cli):
    """``gongzhi points …``."""
    points_cli.register(cli)


@hookimpl
def register_demo_data(session, root, rng):
    """A year of points activity in the demo county."""
    demo.seed(session, root, rng)


@hookimpl
def on_event(event, session):
    """Automatic awards: any event some rule in force names as its trigger."""
    awards.react(event, session)


@hookimpl
def provide_person_summary(person_id, session):
    """The resident's balances in every scheme, on their admin details page."""
    from core.models import Person

    person = session.get(Person, person_id)
    if person is None:
        return []
    conditions = [PointsAccount.person_id == person_id]
    if person.household_id is not None:
        conditions.append(PointsAccount.household_id == person.household_id)
    rows = []
    for account in session.scalars(
        select(PointsAccount).where(PointsAccount.kind == "holder", conditions[0] | conditions[-1])
    ):
        label = SCHEMES[account.scheme] + ("（户）" if account.household_id else "")
        rows.append((f"{label}余额", f"{account.balance} 分"))
        rows.append((f"{label}累计", f"{account.earned} 分"))
    return rows
