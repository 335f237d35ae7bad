"""Helpers of the consultation tests: a small county with villages, residents, organisations and
accounts at every level. (Imported by name: ``conftest`` is ambiguous in a suite of many folders.)

Places (from :mod:`core.testing`): 城南社区 (VILLAGE) and 长滩村 (NEIGHBOUR) under 汉葭街道
(TOWN); 中心村 (FAR_VILLAGE) under 保家镇 (OTHER_TOWN).
"""

from __future__ import annotations

import datetime as dt
import types

from sqlalchemy import select

from core.models import Account, Organization, Tag
from core.testing import COUNTY, add_account, add_person, seed_tree

VILLAGE = "500243001001"
NEIGHBOUR = "500243001002"
TOWN = "500243001000"
OTHER_TOWN = "500243101000"
FAR_VILLAGE = "500243101001"


def principal(runtime, session, username: str):
    """The acting principal of account ``username``."""
    account = session.scalar(select(Account).where(Account.username == username))
    return runtime.plugins.permissions.principal(account)


def populate(session) -> types.SimpleNamespace:
    """Residents, tags, organisations and accounts; returns their ids by role."""
    seed_tree(session)
    add_account(session, "county", COUNTY[0], ["county_admin"])
    add_account(session, "town", TOWN, ["town_admin"])
    add_account(session, "village", VILLAGE, ["village_admin"])
    add_account(session, "neighbour", NEIGHBOUR, ["village_admin"])
    add_account(session, "far", FAR_VILLAGE, ["village_admin"])
    volunteer_tag = Tag(name="志愿者")
    elderly_tag = Tag(name="老年人")
    session.add_all([volunteer_tag, elderly_tag])
    people = {}
    for sequence, (key, name, code) in enumerate(
        [
            ("reporter", "张三", VILLAGE),
            ("r2", "李四", VILLAGE),
            ("r3", "王五", VILLAGE),
            ("r4", "赵六", VILLAGE),
            ("r5", "钱七", VILLAGE),
            ("neighbour", "孙八", NEIGHBOUR),
            ("far", "周九", FAR_VILLAGE),
            ("volunteer", "吴志愿", VILLAGE),
            ("elder", "郑奶奶", VILLAGE),
        ],
        start=1,
    ):
        people[key] = add_person(session, name, code, 100 + sequence, born=dt.date(1950, 1, 1))
    people["volunteer"].tags = [volunteer_tag]
    people["elder"].tags = [elderly_tag]
    organizations = {
        "committee": Organization(
            name="城南社区居民委员会", kind="residents_committee", locality_code=VILLAGE
        ),
        "council": Organization(name="城南社区居民议事会", kind="council", locality_code=VILLAGE),
        "neighbour_committee": Organization(
            name="长滩村村民委员会", kind="village_committee", locality_code=NEIGHBOUR
        ),
        "town_committee": Organization(
            name="中共汉葭街道工作委员会", kind="party_branch", locality_code=TOWN
        ),
        "department": Organization(
            name="彭水县农业农村委员会", kind="government_department", locality_code=COUNTY[0]
        ),
        "other_town": Organization(
            name="中共保家镇委员会", kind="party_branch", locality_code=OTHER_TOWN
        ),
        "merchant": Organization(name="滨江便利店", kind="merchant", locality_code=VILLAGE),
    }
    session.add_all(organizations.values())
    session.flush()
    return types.SimpleNamespace(
        **{f"{k}": v.id for k, v in people.items()},
        orgs=types.SimpleNamespace(**{k: v.id for k, v in organizations.items()}),
    )
