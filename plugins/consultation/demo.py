"""Demo data: a year of consultation in every village of the demo county, up to the day the demo
is seeded.

Matters at every stage (submitted, triaged, in progress, overdue and escalated, resolved and rated,
reopened after a "not satisfied" majority, closed, private matters closed with guidance), with their
triage decisions and 四办; deliberations (past ones published with outcomes, votes and attendance,
an upcoming one in each village); and a wish wall. Every random choice comes from the demo's
seeded ``rng``; the records are built in bulk from a handful of lookups, never a query per row.

The history is written as records, not replayed through the services: attendance and fulfilled
wishes of the demo year emit no domain events (the points plugin seeds its own demo ledger).
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import random
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.db import utcnow
from core.demo import demo_place, plugin_covers
from core.localities import is_within
from core.models import Locality, Organization, OrganizationKind, Person
from core.runtime import plugin_settings
from plugins.consultation.catalogue import Item, catalogue_for
from plugins.consultation.matters import NEXT_LEVEL, first_limit, handling_level
from plugins.consultation.models import (
    ConsultationAgendaItem,
    ConsultationAssignment,
    ConsultationAttendee,
    ConsultationDeliberation,
    ConsultationEscalation,
    ConsultationMatter,
    ConsultationRating,
    ConsultationTriageDecision,
    ConsultationWish,
)
from plugins.consultation.workflow import OPEN_STATES

ACTOR = "system:demo"
DAY = dt.timedelta(days=1)

TITLES: dict[str, list[tuple[str, str]]] = {
    "A01": [
        ("修订村规民约中的红白喜事条款", "大家希望把操办标准写进村规民约，刹住攀比风。"),
        ("居民公约增加文明养犬内容", "小区里遛狗不牵绳的多，希望写进居民公约。"),
    ],
    "A02": [
        ("村务公开栏内容更新不及时", "公开栏还是上个季度的内容，希望按月更新。"),
        ("希望在微信群同步公开村务", "外出务工的村民看不到公开栏，希望线上同步。"),
    ],
    "A03": [("议事会开会时间请征求大家意见", "晚上开会老人不方便，白天开会年轻人不在家。")],
    "A04": [("集体经济分红办法怎么定", "合作社今年有收益，分红办法要大家商量。")],
    "B01": [
        ("村道塌方需要修复", "三组通往集镇的村道雨后塌了一段，车过不去。"),
        ("饮水管网老化经常停水", "自来水一个月停了好几次，管子太旧了。"),
        ("河边便桥栏杆损坏", "便桥栏杆断了，孩子上学经过很危险。"),
    ],
    "B02": [
        ("垃圾清运不及时", "垃圾桶满了三天没人清运，气味很大。"),
        ("沟渠堵塞污水外溢", "房后沟渠堵了，下雨污水漫到路上。"),
        ("公厕无人打扫", "集市旁的公厕长期没人打扫。"),
    ],
    "B03": [
        ("希望开设老年食堂", "村里独居老人多，希望有个老年食堂。"),
        ("文化广场缺少照明", "晚上跳广场舞太黑，希望装几盏灯。"),
    ],
    "B04": [("修建组道一事一议筹资", "组里想硬化入户路，大家愿意出钱出力。")],
    "B05": [
        ("低保政策不清楚找谁问", "家里老人生病花了很多钱，不知道能不能申请救助。"),
        ("医保缴费渠道不方便", "老人不会用手机缴医保，希望有人帮忙。"),
    ],
    "C01": [("闲置村小学校舍怎么用", "老校舍空了几年，有人想租来办加工厂。")],
    "C02": [
        ("土地流转租金迟迟未付", "流转给合作社的土地，去年的租金还没付。"),
        ("宅基地边界有争议", "两户建房时对宅基地边界有不同意见。"),
    ],
    "C03": [
        ("小区停车位不够", "晚上车停满消防通道，希望重新划线。"),
        ("物业服务不到位", "电梯坏了一周物业才来修。"),
    ],
    "C04": [("路口缺少减速带", "学校门口车速太快，希望装减速带。")],
    "D01": [("邻居装修噪音扰民", "楼上装修每天早上七点就开始打钻。")],
    "D02": [("倡导红事新办白事简办", "大家想一起商量酒席桌数和礼金的标准。")],
    "D03": [
        ("想找人修房顶漏雨", "自家房顶漏雨，想找靠谱的师傅修。"),
        ("想学电商卖土特产", "想把家里的晶丝苕粉放到网上卖，不知道怎么开始。"),
    ],
}

RESOLUTIONS = {
    "major": [
        "已由部门立项实施，工程已完工并通过验收。",
        "乡镇（街道）协调相关部门现场办公，问题已解决。",
        "已纳入年度民生实事项目，本月完成整改。",
    ],
    "minor": [
        "经议事会协商，由村（居）委会牵头、志愿者协助，已整改到位。",
        "经院坝会商定办法，已按方案落实并公示。",
        "村（居）委会协调当事各方，问题已解决。",
    ],
}

GUIDANCE = [
    "属个人事务，已告知可通过社区便民服务站推荐的服务商解决。",
    "属市场服务事项，已提供县电商服务中心的培训报名方式。",
    "属邻里之间的私事，已告知可申请人民调解委员会调解。",
]

OUTCOMES = [
    "与会人员一致同意实施方案，由村（居）委会牵头落实。",
    "议定分两步解决：先应急处理，再纳入下季度计划。",
    "同意按议定标准执行，结果在公开栏公示。",
]

WISHES = [
    ("想要一副老花镜", "眼睛看不清报纸了，想配一副老花镜。"),
    ("希望有人陪我去县医院复查", "子女在外打工，一个人去医院不方便。"),
    ("想学用智能手机视频通话", "想和在外地的孙子视频，不会用手机。"),
    ("家里灯泡坏了想请人换", "够不着，一个人换不了。"),
    ("想要一个书包和一套文具", "开学了，孩子的书包破了。"),
    ("冬天想要一床新棉被", "家里的被子太薄了。"),
    ("想请人帮忙挑一担柴", "年纪大了挑不动。"),
    ("希望周末有人辅导作业", "爷爷奶奶看不懂孩子的作业。"),
]

WISH_TAGS = ("老年人", "留守老人", "留守儿童", "残疾人")


@dataclasses.dataclass
class _Village:
    locality: Locality
    residents: list[Person]
    organizations: list[Organization]
    committee: Organization | None
    council: Organization | None
    party_branch: Organization | None = None


def seed(session: Session, root: Locality, rng: random.Random) -> None:
    """Add the demo year of consultation under ``root`` (the county)."""
    settings = plugin_settings(session, "consultation")
    now = utcnow().replace(microsecond=0)
    villages = _villages(session, root)
    if not villages:
        return
    county_orgs = session.scalars(
        select(Organization).where(
            Organization.scope_clause(root.code),
            Organization.kind.in_(
                [
                    OrganizationKind.GOVERNMENT_DEPARTMENT.value,
                    OrganizationKind.PARTY_BRANCH.value,
                    OrganizationKind.SOCIAL_ORGANIZATION.value,
                    OrganizationKind.MERCHANT.value,
                ]
            ),
        )
    ).all()
    departments = [o for o in county_orgs if o.kind == OrganizationKind.GOVERNMENT_DEPARTMENT]
    town_parties = {
        o.locality_code: o
        for o in county_orgs
        if o.kind == OrganizationKind.PARTY_BRANCH and o.locality_code.endswith("000")
    }
    helpers = [
        o
        for o in county_orgs
        if o.kind in (OrganizationKind.SOCIAL_ORGANIZATION, OrganizationKind.MERCHANT)
    ]
    builder = _Builder(session, rng, settings, now, departments, town_parties, helpers)
    builder.offices = demo_place(session).four_offices
    task_force = builder.offices.get("task_force")
    builder.task_force = next(
        (d for d in departments if task_force and d.name.endswith(task_force)), None
    )
    for village in villages:
        builder.village(village)
    builder.flush()


def _villages(session: Session, root: Locality) -> list[_Village]:
    places = session.scalars(
        select(Locality)
        .where(Locality.scope_clause(root.code), Locality.level == "village")
        .order_by(Locality.code)
    ).all()
    people = session.scalars(
        select(Person)
        .where(Person.scope_clause(root.code))
        .options(selectinload(Person.tags))
        .order_by(Person.id)
    ).all()
    organizations = session.scalars(
        select(Organization).where(Organization.scope_clause(root.code)).order_by(Organization.id)
    ).all()
    by_village: dict[str, list[Person]] = collections.defaultdict(list)
    for person in people:
        by_village[person.locality_code[:12]].append(person)
    orgs_by_village: dict[str, list[Organization]] = collections.defaultdict(list)
    for organization in organizations:
        orgs_by_village[organization.locality_code[:12]].append(organization)
    result = []
    for place in places:
        if not plugin_covers(session, "consultation", place.code):
            continue  # the deployment does not run 协商议事 here ([coverage.consultation])
        residents = by_village.get(place.code, [])
        local_orgs = orgs_by_village.get(place.code, [])
        if not residents or not local_orgs:
            continue
        committee = next(
            (
                o
                for o in local_orgs
                if o.kind
                in (
                    OrganizationKind.VILLAGE_COMMITTEE.value,
                    OrganizationKind.RESIDENTS_COMMITTEE.value,
                )
            ),
            None,
        )
        council = next((o for o in local_orgs if o.kind == OrganizationKind.COUNCIL), None)
        branch = next(
            (
                o
                for o in local_orgs
                if o.kind == OrganizationKind.PARTY_BRANCH and o.locality_code == place.code
            ),
            None,
        )
        result.append(_Village(place, residents, local_orgs, committee, council, branch))
    return result


class _Builder:
    """Builds the records of each village and adds them in batches."""

    def __init__(
        self,
        session: Session,
        rng: random.Random,
        settings: dict[str, Any],
        now: dt.datetime,
        departments: list[Organization],
        town_parties: dict[str, Organization],
        helpers: list[Organization],
    ) -> None:
        self.session = session
        self.rng = rng
        self.settings = settings
        self.now = now
        self.departments = departments
        self.town_parties = town_parties
        self.helpers = helpers
        self.pending: list[Any] = []
        # 四办 as the place divides it (core.demo.FOUR_OFFICES); the default is the usual one
        self.offices: dict[str, str] = {}
        self.task_force: Organization | None = None

    def flush(self) -> None:
        """Add what was built so far."""
        self.session.add_all(self.pending)
        self.session.flush()
        self.pending = []

    # -- one village ----------------------------------------------------------------------------

    def village(self, village: _Village) -> None:
        """A year of matters, meetings and wishes in one village."""
        rng = self.rng
        count = max(len(_STORIES) + 2, min(40, round(len(village.residents) / 7)))
        items = catalogue_for(self.settings, village.locality.code).items
        # every village shows each interesting stage once, at a plausible age; the rest is random
        plan = [(rng.randint(low, high), story) for story, (low, high) in _STORIES.items()]
        plan += [(rng.randint(1, 360), None) for _ in range(count - len(plan))]
        plan.sort(key=lambda entry: -entry[0])
        matters = [self.matter(village, items, age, story) for age, story in plan]
        self.meetings(village, matters)
        self.wishes(village)
        if len(self.pending) > 2000:
            self.flush()

    # -- matters --------------------------------------------------------------------------------

    def matter(
        self, village: _Village, items: list[Item], age: int, story: str | None
    ) -> ConsultationMatter:
        rng = self.rng
        if story == "private":
            pool = [i for i in items if i.triage == "private"] or items
        elif story in ("escalated", "reopened"):
            pool = [i for i in items if i.triage == "minor"] or items
        else:
            pool = items
        item = rng.choice(pool)
        title, description = rng.choice(
            TITLES.get(item.code) or [(f"关于{item.name}的建议", f"希望村里研究{item.name}。")]
        )
        reporter = rng.choice(village.residents)
        submitted = self.now - age * DAY - dt.timedelta(minutes=rng.randint(0, 600))
        source = rng.choices(["resident", "grid_member", "committee", "hotline"], [6, 3, 1, 1])[0]
        matter = ConsultationMatter(
            title=title,
            description=description,
            source=source,
            category_code=item.category_code,
            item_code=item.code,
            default_triage=item.triage,
            reporter=reporter,
            is_public=item.triage != "private",
            locality_code=reporter.locality_code,
            state="submitted",
            handling_level="village",
            submitted_at=submitted,
            due_at=submitted + first_limit(self.settings, item.triage) * DAY,
            escalation_count=0,
            evaluation_round=1,
            reopen_count=0,
        )
        if matter.source != "resident":
            matter.reporter = None
        self.pending.append(matter)
        stage = story or self._stage(age)
        self._build(village, matter, item, stage)
        if matter.state in OPEN_STATES:
            self.escalate(matter)
        return matter

    def _build(self, village: _Village, matter: ConsultationMatter, item: Item, stage: str) -> None:
        rng = self.rng
        submitted = matter.submitted_at
        if stage == "submitted":
            return
        matter.state = "accepted"
        matter.accepted_at = submitted + dt.timedelta(hours=rng.randint(2, 48))
        if stage == "rejected":
            matter.state, matter.closed_at = "rejected", matter.accepted_at
            matter.accepted_at = None
            matter.reason = "与已受理的事项重复，已合并办理"
            matter.due_at = None
            return
        if stage == "accepted":
            return
        lead = self.triage(village, matter, item, stage == "private")
        if lead is None or stage == "triaged":
            return
        matter.state = "in_progress"
        self.four_parties(village, matter, lead)
        if stage in ("escalated", "in_progress"):
            return
        self.resolve(village, matter, reopened=stage == "reopened", pending=stage == "resolved")
        if stage == "resolved":
            return
        matter.state = "evaluated"
        if stage == "evaluated":
            return
        matter.state = "closed"
        matter.closed_at = matter.resolved_at + rng.randint(7, 12) * DAY

    def _stage(self, age: int) -> str:
        rng = self.rng
        if age <= 3:
            return rng.choice(["submitted", "accepted", "triaged"])
        if age <= 14:
            return rng.choice(["triaged", "in_progress", "in_progress", "resolved"])
        if age <= 40:
            return rng.choices(["in_progress", "evaluated", "closed"], [1, 2, 8])[0]
        return rng.choices(["closed", "rejected", "private", "reopened"], (16, 1, 3, 1))[0]

    def triage(
        self, village: _Village, matter: ConsultationMatter, item: Item, private: bool
    ) -> Organization | None:
        """三事分流 with its decision and lead; returns the lead (``None``: closed as private)."""
        rng = self.rng
        triage = "private" if private else item.triage
        town = self.town_parties.get(village.locality.code[:9] + "000")
        if triage == "private" and item.triage != "private":
            triage = item.triage  # a catalogue without private items
        if triage == "major" and not (self.departments or town):
            triage = "minor"  # a county without departments or township offices on record
        reason = None
        if triage == "minor" and item.triage == "major" and rng.random() < 0.1:
            reason = "经核实属本村公共事项，由村（居）委会牵头办理"
        matter.triage = triage
        matter.triage_reason = reason
        matter.triaged_at = matter.accepted_at + dt.timedelta(hours=rng.randint(1, 30))
        lead = None
        if triage == "major":
            lead = town if town and rng.random() < 0.6 else rng.choice(self.departments or [town])
        elif triage == "minor":
            lead = village.committee or village.council or village.organizations[0]
        self.pending.append(
            ConsultationTriageDecision(
                matter=matter,
                previous=None,
                triage=triage,
                default_triage=item.triage,
                reason=reason,
                lead_organization=lead,
                decided_by=ACTOR,
                decided_at=matter.triaged_at,
                locality_code=matter.locality_code,
            )
        )
        matter.state = "triaged"
        if triage == "private":
            matter.guidance = rng.choice(GUIDANCE)
            matter.is_public = False
            matter.state = "closed"
            matter.closed_at = matter.triaged_at
            matter.due_at = None
            return None
        matter.handling_level = handling_level(lead.locality_code)
        matter.due_at = matter.submitted_at + self.settings["deadline_days"][triage] * DAY
        self._assign(matter, "lead", lead, matter.triaged_at)
        return lead

    def _assign(
        self, matter: ConsultationMatter, role: str, org: Organization, at: dt.datetime
    ) -> None:
        self.pending.append(
            ConsultationAssignment(
                matter=matter,
                role=role,
                organization=org,
                level=handling_level(org.locality_code),
                assigned_by=ACTOR,
                assigned_at=at,
                locality_code=matter.locality_code,
            )
        )

    def four_parties(
        self, village: _Village, matter: ConsultationMatter, lead: Organization
    ) -> None:
        """议办 by the village council, 协办 by a social organisation or a merchant nearby, 督办 by
        the township's party committee over a village-led matter, where the county has them.

        A place may divide 四办 otherwise (``four_offices`` in its description): Xiantao's
        村党组织议办、乡镇党委协办、工作专班督办."""
        rng = self.rng
        offices = self.offices
        at = matter.triaged_at + dt.timedelta(hours=2)
        taken = {id(lead)}
        town_code = matter.locality_code[:9] + "000"
        town = self.town_parties.get(town_code)
        village_led = handling_level(lead.locality_code) == "village"
        deliberator = (
            village.party_branch
            if offices.get("deliberate") == "village_party"
            else village.council
        )
        if deliberator is not None and id(deliberator) not in taken:
            self._assign(matter, "deliberate", deliberator, at)
            taken.add(id(deliberator))
        if offices.get("assist") == "town_party":
            if town is not None and id(town) not in taken and village_led:
                self._assign(matter, "assist", town, at)
                taken.add(id(town))
        else:
            nearby = [
                h
                for h in self.helpers
                if is_within(matter.locality_code, h.locality_code)
                or is_within(h.locality_code, matter.village_code)
            ]
            if nearby and rng.random() < 0.5:
                helper = rng.choice(nearby)
                if id(helper) not in taken:
                    self._assign(matter, "assist", helper, at)
                    taken.add(id(helper))
        if offices.get("supervise") == "county_task_force":
            force = self.task_force
            if force is not None and id(force) not in taken and matter.handling_level != "county":
                self._assign(matter, "supervise", force, at)
        elif town is not None and id(town) not in taken and village_led:
            self._assign(matter, "supervise", town, at)

    def escalate(self, matter: ConsultationMatter) -> None:
        """What the daily ``consultation escalate`` run did to a matter still open: each time
        its time limit passed it moved one level up with a new limit, up to the county."""
        sequence = 0
        while matter.due_at < self.now and matter.handling_level in NEXT_LEVEL:
            sequence += 1
            escalated_at = matter.due_at + dt.timedelta(hours=self.rng.randint(1, 20))
            if escalated_at > self.now:
                break
            target = NEXT_LEVEL[matter.handling_level]
            new_due = escalated_at + self.settings["escalation_days"] * DAY
            self.pending.append(
                ConsultationEscalation(
                    matter=matter,
                    sequence=sequence,
                    from_level=matter.handling_level,
                    to_level=target,
                    overdue_since=matter.due_at,
                    new_due_at=new_due,
                    escalated_by=ACTOR,
                    escalated_at=escalated_at,
                    locality_code=matter.locality_code,
                )
            )
            matter.handling_level = target
            matter.escalation_count = sequence
            matter.due_at = new_due

    def resolve(
        self, village: _Village, matter: ConsultationMatter, reopened: bool, pending: bool
    ) -> None:
        """办结 with the residents' ratings; ``pending``: still within its evaluation period,
        with fewer ratings than it takes to conclude."""
        rng = self.rng
        days = rng.randint(2, max(3, self.settings["deadline_days"][matter.triage] - 1))
        resolved = min(matter.triaged_at + days * DAY, self.now - DAY)
        if pending:
            window = self.settings["evaluation_days"]
            recent = self.now - dt.timedelta(hours=rng.randint(2, 24 * window - 2))
            resolved = max(recent, matter.triaged_at + dt.timedelta(hours=1))
        if reopened:
            # the first result did not satisfy the village: a second round followed
            self._ratings(village, matter, resolved, 1, dissatisfied=True)
            matter.reopen_count = 1
            matter.evaluation_round = 2
            resolved = min(resolved + rng.randint(5, 12) * DAY, self.now - DAY)
        matter.resolution = rng.choice(RESOLUTIONS[matter.triage])
        matter.resolved_at = resolved
        matter.resolve_seconds = int((resolved - matter.submitted_at).total_seconds())
        matter.due_at = None
        matter.state = "resolved"
        size = rng.randint(0, self.settings["evaluation_min_ratings"] - 1) if pending else None
        self._ratings(village, matter, resolved, matter.evaluation_round, False, size)

    def _ratings(
        self,
        village: _Village,
        matter: ConsultationMatter,
        resolved: dt.datetime,
        round_: int,
        dissatisfied: bool,
        size: int | None = None,
    ) -> None:
        rng = self.rng
        wanted = rng.randint(3, 7) if size is None else size
        raters = rng.sample(village.residents, min(len(village.residents), wanted))
        unhappy = False
        for n, person in enumerate(raters):
            if dissatisfied:
                verdict = "not_satisfied" if n < len(raters) // 2 + 1 else "partly"
            elif n == 0:
                verdict = "satisfied"
            else:  # at most one "not satisfied" here: this round's majority was content
                verdict = rng.choices(["satisfied", "partly", "not_satisfied"], [14, 4, 1])[0]
                if verdict == "not_satisfied" and unhappy:
                    verdict = "partly"
                unhappy = unhappy or verdict == "not_satisfied"
            rated = min(resolved + dt.timedelta(hours=rng.randint(3, 120)), self.now)
            self.pending.append(
                ConsultationRating(
                    matter=matter,
                    round=round_,
                    person=person,
                    verdict=verdict,
                    comment="还是没有解决" if verdict == "not_satisfied" else None,
                    recorded_by=ACTOR,
                    rated_at=rated,
                    locality_code=matter.locality_code,
                )
            )

    # -- meetings -------------------------------------------------------------------------------

    def meetings(self, village: _Village, matters: list[ConsultationMatter]) -> None:
        """Published meetings over the year on the village's matters, and one coming up."""
        rng = self.rng
        # 一村一策: the forms of meeting the village itself holds.
        forms = plugin_settings(self.session, "consultation", village.locality.code)[
            "meeting_forms"
        ]
        discussable = [m for m in matters if m.is_public and m.state != "rejected"]
        months = sorted(rng.sample(range(1, 12), min(len(discussable), rng.randint(3, 5))))
        for months_ago in reversed(months):
            held = self.now - months_ago * 30 * DAY + dt.timedelta(hours=rng.randint(0, 72))
            candidates = [m for m in discussable if m.submitted_at < held] or discussable[:1]
            agenda = rng.sample(candidates, min(len(candidates), rng.randint(1, 2)))
            self._meeting(village, rng.choice(forms), held, agenda, published=True)
        upcoming = [m for m in discussable if m.state in ("accepted", "triaged", "in_progress")]
        if upcoming:
            held = (self.now + rng.randint(2, 14) * DAY).replace(hour=11, minute=0, second=0)
            self._meeting(village, rng.choice(forms), held, upcoming[:2], published=False)

    def _meeting(
        self,
        village: _Village,
        form: str,
        held: dt.datetime,
        agenda: list[ConsultationMatter],
        published: bool,
    ) -> None:
        rng = self.rng
        place = "村委会议室" if not village.locality.name.endswith("社区") else "社区活动室"
        if form in ("院坝会", "屋场夜话", "板凳会"):
            place = f"{village.locality.name}{rng.choice(['大院坝', '老屋场', '晒坝'])}"
        meeting = ConsultationDeliberation(
            title=f"{form}：{agenda[0].title}",
            form=form,
            held_at=held,
            place=place,
            locality_code=village.locality.code,
            state="published" if published else "planned",
            minutes=(
                f"到会居民围绕{'、'.join(m.title for m in agenda)}充分讨论，形成一致意见。"
                if published
                else None
            ),
            created_at=held - rng.randint(3, 10) * DAY,
        )
        self.pending.append(meeting)
        attendees = []
        if published:
            attendees = rng.sample(
                village.residents, min(len(village.residents), rng.randint(5, 15))
            )
            for person in attendees:
                self.pending.append(
                    ConsultationAttendee(
                        deliberation=meeting,
                        person=person,
                        recorded_by=ACTOR,
                        recorded_at=held + dt.timedelta(hours=2),
                        locality_code=meeting.locality_code,
                    )
                )
            host = village.committee or village.council
            if host is not None:
                self.pending.append(
                    ConsultationAttendee(
                        deliberation=meeting,
                        organization=host,
                        recorded_by=ACTOR,
                        recorded_at=held + dt.timedelta(hours=2),
                        locality_code=meeting.locality_code,
                    )
                )
        for matter in agenda:
            item = ConsultationAgendaItem(
                deliberation=meeting, matter=matter, locality_code=meeting.locality_code
            )
            if published:
                item.outcome = rng.choice(OUTCOMES)
                present = len(attendees) + (1 if village.committee or village.council else 0)
                if rng.random() < 0.6 and present:
                    against = rng.randint(0, max(0, present // 5))
                    abstain = rng.randint(0, max(0, present // 6))
                    item.votes_for = max(0, present - against - abstain)
                    item.votes_against, item.votes_abstain = against, abstain
            self.pending.append(item)

    # -- wishes ---------------------------------------------------------------------------------

    def wishes(self, village: _Village) -> None:
        """The village's wish wall: wishes of elderly and left-behind residents first."""
        rng = self.rng
        tagged = [p for p in village.residents if any(t.name in WISH_TAGS for t in p.tags)]
        wishers = tagged or village.residents
        claim_tags = set(self.settings["claimer_tags"])
        town = village.locality.code[:9]
        volunteers = [p for p in village.residents if any(t.name in claim_tags for t in p.tags)]
        shops = [h for h in self.helpers if h.locality_code.startswith(town)] or [
            o for o in village.organizations if o.kind != OrganizationKind.SUPERVISION_COMMITTEE
        ]
        for title, description in rng.sample(WISHES, rng.randint(2, 4)):
            wisher = rng.choice(wishers)
            posted = self.now - rng.randint(1, 200) * DAY
            wish = ConsultationWish(
                wisher=wisher,
                title=title,
                description=description,
                locality_code=wisher.locality_code,
                state="posted",
                posted_at=posted,
            )
            self.pending.append(wish)
            stage = rng.choices(["posted", "claimed", "fulfilled", "confirmed"], (2, 1, 1, 4))[0]
            if stage == "posted":
                continue
            people = [v for v in volunteers if v is not wisher]
            if people and rng.random() < 0.6:
                wish.claimer_person = rng.choice(people)
            elif shops:
                wish.claimer_organization = rng.choice(shops)
            else:
                continue
            wish.state = "claimed"
            wish.claimed_at = min(posted + rng.randint(1, 5) * DAY, self.now)
            if stage == "claimed":
                continue
            wish.state = "fulfilled"
            wish.fulfilled_at = min(wish.claimed_at + rng.randint(1, 7) * DAY, self.now)
            wish.fulfilment_note = "已送到心愿人家中"
            if stage == "fulfilled":
                continue
            wish.state = "confirmed"
            wish.confirmed_at = min(wish.fulfilled_at + DAY, self.now)


_STORIES = {
    "closed": (60, 300),
    "reopened": (60, 200),
    "private": (10, 200),
    "escalated": (17, 21),
    "resolved": (4, 10),
    "triaged": (1, 3),
}
"""Stages every village shows once, with the range of ages (days since submission) they have."""
