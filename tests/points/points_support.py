"""Fixtures for the points plugin's specifications: a county with residents, households, a party
branch, staff accounts at every level, and helpers to act as them."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from core.models import Account as StaffAccount
from core.models import Household, Organization, Person, Tag
from core.testing import add_account, add_person, seed_tree
from plugins.points import periods

VILLAGE = "500243001001"  # 城南社区
NEIGHBOUR = "500243001002"  # 长滩村
TOWN = "500243001000"  # 汉葭街道
OTHER_TOWN_VILLAGE = "500243101001"  # 中心村 (保家镇)
COUNTY = "500243000000"


@dataclasses.dataclass
class County:
    """The seeded county: the runtime, residents by name and helpers."""

    runtime: Any
    people: dict[str, int]
    branch_id: int
    neighbour_branch_id: int

    def principal(self, session, username: str):
        """The acting principal of a staff account."""
        account = session.scalar(select(StaffAccount).where(StaffAccount.username == username))
        return self.runtime.plugins.permissions.principal(account)

    def person(self, session, name: str) -> Person:
        """A seeded resident by name."""
        return session.get(Person, self.people[name])


def _household(session, number: str, code: str, members: list[tuple[str, str]], seq: list[int]):
    household = Household(number=number, locality_code=code)
    session.add(household)
    session.flush()
    persons = []
    for name, relation in members:
        seq[0] += 1
        person = add_person(session, name, code, seq[0])
        person.household_id = household.id
        person.relation = relation
        persons.append(person)
    session.flush()
    return persons


@pytest.fixture
def make_county(make_runtime):
    """``make_county(settings)``: a migrated runtime with points enabled and the county seeded."""

    def make(settings: dict | None = None) -> County:
        runtime = make_runtime(["points"], settings={"points": settings or {}})
        people: dict[str, int] = {}
        seq = [0]
        with runtime.db.transaction() as session:
            seed_tree(session)
            add_account(session, "county", COUNTY, ["county_admin"])
            add_account(session, "town", TOWN, ["town_admin"])
            add_account(session, "town2", TOWN, ["town_admin"])
            add_account(session, "village", VILLAGE, ["village_admin"])
            add_account(session, "neighbour", NEIGHBOUR, ["village_admin"])
            party = Tag(name="党员")
            session.add(party)
            for number, code, members in [
                ("H001", VILLAGE, [("张三", "户主"), ("李梅", "配偶")]),
                ("H002", VILLAGE, [("王五", "户主")]),
                ("H003", VILLAGE, [("赵六", "户主"), ("赵小六", "子女")]),
                ("H004", NEIGHBOUR, [("孙七", "户主")]),
                ("H005", OTHER_TOWN_VILLAGE, [("周八", "户主")]),
            ]:
                for person in _household(session, number, code, members, seq):
                    people[person.name] = person.id
            session.get(Person, people["王五"]).tags = [party]
            session.get(Person, people["孙七"]).tags = [party]
            branch = Organization(name="城南社区党支部", kind="party_branch", locality_code=VILLAGE)
            neighbour = Organization(
                name="长滩村党支部", kind="party_branch", locality_code=NEIGHBOUR
            )
            session.add_all([branch, neighbour])
            session.flush()
            branch_id, neighbour_id = branch.id, neighbour.id
        return County(runtime, people, branch_id, neighbour_id)

    return make


@pytest.fixture
def county(make_county) -> County:
    """Points enabled with individual resident accounts and a 3-day public notice."""
    return make_county({"resident_holder": "person", "notice_days": 3})


@pytest.fixture
def travel(monkeypatch):
    """``travel(date)``: make "now" noon of that date for the plugin (notices, stamps)."""

    def go(day: dt.date) -> None:
        moment = dt.datetime.combine(day, dt.time(4), dt.UTC)  # noon in Asia/Shanghai
        monkeypatch.setattr(periods, "now", lambda session: moment)

    return go
