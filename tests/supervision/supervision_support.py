"""Fixtures for the 村务监督 specifications: a county with staff in the right seats."""

from __future__ import annotations

import datetime as dt
import types
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.models import Account
from core.security import SystemActor
from core.testing import COUNTY, add_account, seed_tree

VILLAGE = "500243001001"  # 城南社区
NEIGHBOUR = "500243001002"  # 长滩村
TOWN = "500243001000"  # 汉葭街道
OTHER_TOWN = "500243101000"  # 保家镇
OTHER_TOWN_VILLAGE = "500243101001"  # 中心村

STAFF = {
    "county": (COUNTY[0], ["county_admin"]),
    "accountant": (TOWN, ["town_admin"]),  # 乡镇委托代理会计
    "town": (TOWN, ["town_admin"]),
    "clerk": (VILLAGE, ["village_admin"]),  # 村报账员: makes vouchers
    "supervisor": (VILLAGE, ["village_admin"]),  # 村务监督委员会成员: audits
    "neighbour": (NEIGHBOUR, ["village_admin"]),
    "far": (OTHER_TOWN_VILLAGE, ["village_admin"]),
}


def principal(runtime, session, username):
    """The acting principal of account ``username`` in ``session``."""
    account = session.scalar(select(Account).where(Account.username == username))
    return runtime.plugins.permissions.principal(account)


@pytest.fixture
def county(make_runtime):
    """A runtime with supervision enabled, the test tree and the staff accounts of :data:`STAFF`."""
    runtime = make_runtime(["supervision"])
    with runtime.db.transaction() as session:
        seed_tree(session)
        for username, (scope, roles) in STAFF.items():
            add_account(session, username, scope, roles)
    return runtime


class Desk:
    """Runs service calls as a named staff member, each in its own committed transaction."""

    def __init__(self, runtime):
        self.runtime = runtime

    def __call__(self, username, work, now=None):
        """Run ``work(session, actor)`` as ``username`` and return its result."""
        with self.runtime.db.transaction(actor=f"account:{username}", channel="test") as session:
            if now is not None:
                session.info["supervision.now"] = now
            actor = (
                SystemActor(label="cli:root")
                if username == "cli"
                else principal(self.runtime, session, username)
            )
            return work(session, actor)


@pytest.fixture
def desk(county):
    """``desk(username, lambda session, actor: ...)``: act as a staff member."""
    return Desk(county)


@pytest.fixture
def cash(county):
    """城南社区's bank account with 10 000 元 opening balance."""
    from plugins.supervision.models import FundAccount

    with county.db.transaction() as session:
        account = FundAccount(
            locality_code=VILLAGE,
            code="102",
            name="银行存款-农商行",
            opening_balance=Decimal("10000.00"),
            opened_on=dt.date(2025, 1, 1),
        )
        session.add(account)
        session.flush()
        return types.SimpleNamespace(id=account.id)
