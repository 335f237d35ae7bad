"""Shared set-up for the assistance plugin's tests: a county with standards, families and staff.

Not a test module: the test modules import what they need from here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core.models import Account, Household, Tag
from core.security import SystemActor
from core.testing import COUNTY, add_account, add_person, seed_tree
from plugins.assistance import clock
from plugins.assistance.carefund import open_fund, raise_funds
from plugins.assistance.models import AssistanceStandard

COUNTY_CODE = COUNTY[0]
VILLAGE = "500243001001"  # 城南社区 (汉葭街道)
NEIGHBOUR = "500243001002"  # 长滩村 (汉葭街道)
TOWN = "500243001000"  # 汉葭街道
OTHER_TOWN = "500243101000"  # 保家镇
FAR_VILLAGE = "500243101001"  # 中心村 (保家镇)

TODAY = dt.date(2026, 3, 2)
PDF = b"%PDF-1.4\n% scanned authorisation\n"
EVERY_CHECK = ["income", "pension", "housing", "vehicle", "business", "deposit", "expense", "loss"]


@dataclasses.dataclass
class Family:
    """A household and its members' ids and identity numbers."""

    household_id: int
    member_ids: list[int]
    id_numbers: list[str]
    names: list[str]

    @property
    def head(self) -> str:
        """The identity number of the household head."""
        return self.id_numbers[0]


def freeze(monkeypatch: Any, day: dt.date = TODAY, hour: int = 2) -> None:
    """Make the plugin's clock say ``day`` (02:00 UTC, 10:00 in Shanghai)."""
    moment = dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)
    monkeypatch.setattr(clock, "now", lambda: moment)


def add_family(
    session: Any, number: str, locality_code: str, people: list[tuple[str, str, int]], seq: int
) -> Family:
    """Add a household with members given as (name, relation, birth year)."""
    household = Household(number=number, locality_code=locality_code)
    session.add(household)
    session.flush()
    ids, numbers, names = [], [], []
    for offset, (name, relation, year) in enumerate(people):
        person = add_person(session, name, locality_code, seq + offset, dt.date(year, 5, 1))
        person.household = household
        person.relation = relation
        ids.append(person.id)
        numbers.append(person.id_number)
        names.append(name)
    session.flush()
    return Family(household.id, ids, numbers, names)


@dataclasses.dataclass
class County:
    """The test county: a runtime and its families."""

    runtime: Any
    zhang: Family  # 城南社区, three members
    wang: Family  # 长滩村, two members
    li: Family  # 中心村 (another town), one member, a party member
    chen: Family  # 城南社区, an old man living alone

    def session(self) -> Any:
        """A transaction attributed to the test."""
        return self.runtime.db.transaction(actor="system:test", channel="cli")

    def actor(self, session: Any, username: str) -> Any:
        """The principal of an account (or the console operator for ``"cli"``)."""
        if username == "cli":
            return SystemActor("cli:test")
        account = session.scalar(select(Account).where(Account.username == username))
        return self.runtime.plugins.permissions.principal(account)


def build_county(make_runtime: Any, settings: dict[str, Any] | None = None) -> County:
    """A migrated runtime with the assistance plugin, staff, standards, a care fund and families.

    Accounts: ``county``; ``town`` and ``town2`` (two staff of 汉葭街道); ``village`` (城南社区);
    ``neighbour`` (长滩村); ``baojia`` (保家镇).
    """
    runtime = make_runtime(["assistance"], settings={"assistance": settings or {}})
    with runtime.db.transaction(actor="system:test", channel="cli") as session:
        seed_tree(session)
        add_account(session, "county", COUNTY[0], ["county_admin"])
        add_account(session, "town", TOWN, ["town_admin"])
        add_account(session, "town2", TOWN, ["town_admin"])
        add_account(session, "village", VILLAGE, ["village_admin"])
        add_account(session, "neighbour", NEIGHBOUR, ["village_admin"])
        add_account(session, "baojia", OTHER_TOWN, ["town_admin"])
        session.add_all(
            [
                AssistanceStandard(
                    programme="minimum_living",
                    locality_code=COUNTY[0],
                    effective_from=dt.date(2025, 1, 1),
                    monthly_standard=Decimal("700"),
                ),
                AssistanceStandard(
                    programme="minimum_living",
                    locality_code=COUNTY[0],
                    effective_from=dt.date(2026, 1, 1),
                    monthly_standard=Decimal("750"),
                ),
                AssistanceStandard(
                    programme="minimum_living",
                    locality_code=VILLAGE,
                    effective_from=dt.date(2026, 1, 1),
                    monthly_standard=Decimal("800"),
                    note="城市低保标准",
                ),
                AssistanceStandard(
                    programme="extreme_poverty",
                    locality_code=COUNTY[0],
                    effective_from=dt.date(2026, 1, 1),
                    monthly_standard=Decimal("1040"),
                    care_self=Decimal("100"),
                    care_partial=Decimal("500"),
                    care_full=Decimal("1000"),
                ),
            ]
        )
        zhang = add_family(
            session,
            "H-ZHANG",
            VILLAGE,
            [("张建国", "户主", 1968), ("李秀英", "配偶", 1970), ("张小明", "子女", 2012)],
            11,
        )
        wang = add_family(
            session, "H-WANG", NEIGHBOUR, [("王大山", "户主", 1975), ("王小花", "子女", 2008)], 21
        )
        li = add_family(session, "H-LI", FAR_VILLAGE, [("李党员", "户主", 1965)], 31)
        chen = add_family(session, "H-CHEN", VILLAGE, [("陈孤老", "户主", 1940)], 41)
        party = Tag(name="党员")
        session.add(party)
        from core.models import Person

        session.get(Person, li.member_ids[0]).tags = [party]
        session.get(Person, zhang.member_ids[0]).tags = [party]
        fund = open_fund(session, COUNTY[0])
        raise_funds(session, fund, Decimal("20000"), "县委组织部划拨启动资金", "system:test")
    return County(runtime, zhang, wang, li, chen)


def consent_for(
    session: Any, county: County, application: Any, scope: list[str] | None = None
) -> Any:
    """File a valid signed authorisation covering ``scope`` (every check by default)."""
    from plugins.assistance.cases import record_consent

    return record_consent(
        session,
        application,
        actor=county.actor(session, "town"),
        signer_name=application.applicant.name,
        signer_relation="本人",
        signed_on=TODAY - dt.timedelta(days=1),
        scope=scope or EVERY_CHECK,
        file_name="授权书.pdf",
        content=PDF,
    )


def fill_tasks(
    session: Any, county: County, application: Any, figures: dict[str, str], username: str = "town"
) -> None:
    """Enter each pending task's figure by hand and complete it (0 for checks not listed)."""
    from plugins.assistance.workflow import TASK_WORKFLOW

    actor = county.actor(session, username)
    for task in application.tasks:
        if task.state == "pending" and task.check != "objection":
            task.amount = Decimal(figures.get(task.check, "0"))
            task.evidence = f"{task.department}书面回复"
            TASK_WORKFLOW.apply(task, "complete", actor, session)
    session.flush()
