"""A year (2025) of 社会救助 in the demo county, drawn from the seeded ``rng``.

Every village gets one showcase household whose 低保 case went the whole way: accepted at the
window, verified by departments (the pension figures from 人社局's file), assessed, in notice,
an anonymous objection checked and dismissed, approved, enrolled, paid monthly, a missed month
paid as a supplement, reviewed. Around it: more 低保 households (about one in twenty), 特困
elderly people living alone, temporary assistance (急难型 and 支出型), party care-fund grants for
party members, leads from grid workers, rejected and withdrawn cases, cases still open at the
year's end, twelve monthly batches and the county's care fund.

The amounts are computed by the real assessment rules from the drawn figures, and the batches
are written by the same functions as ``gongzhi assistance pay``. The data is read with a handful
of queries and written with two flushes plus set-based inserts, whatever the county's size.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import random
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.demo import DEMO_REFERENCE_DATE, demo_place, plugin_covers
from core.localities import is_within
from core.models import Account, Locality, Person, Tag
from core.models.person import person_tags
from core.runtime import plugin_settings
from plugins.assistance import clock
from plugins.assistance.models import (
    AssistanceAdjustment,
    AssistanceApplication,
    AssistanceAssessment,
    AssistanceConsent,
    AssistanceEnrolment,
    AssistanceLead,
    AssistanceMember,
    AssistanceNotice,
    AssistanceObjection,
    AssistanceReview,
    AssistanceSourceRecord,
    AssistanceSourceUpload,
    AssistanceStandard,
    AssistanceTask,
    CareFund,
    CareFundEntry,
    mask_name,
)
from plugins.assistance.payments import DueLine, insert_lines, new_batch
from plugins.assistance.programmes import EXTREME_POVERTY, MINIMUM_LIVING, PARTY_CARE, TEMPORARY
from plugins.assistance.rules import CaseFacts, StandardFacts, assess, money
from plugins.assistance.verification import required_checks, verdict_of

YEAR = 2025
AS_OF = DEMO_REFERENCE_DATE
SCAN = b"%PDF-1.4\n% demo scan of a signed authorisation\n%%EOF\n"
PENSION_DEPARTMENT = "人力资源和社会保障局"


@dataclasses.dataclass
class _Member:
    id: int
    name: str
    id_number: str
    birth: dt.date
    relation: str | None
    party: bool

    @property
    def age(self) -> int:
        years = AS_OF.year - self.birth.year
        return years - ((AS_OF.month, AS_OF.day) < (self.birth.month, self.birth.day))


@dataclasses.dataclass
class _Household:
    id: int
    locality_code: str
    members: list[_Member]

    @property
    def village(self) -> str:
        return self.locality_code[:12]

    @property
    def head(self) -> _Member:
        heads = [m for m in self.members if m.relation == "户主"]
        return heads[0] if heads else self.members[0]


def _at(day: dt.date, hour: int = 2) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


class _Builder:
    """Draws the year; every choice comes from ``rng``."""

    def __init__(self, session: Session, root: Locality, rng: random.Random) -> None:
        self.session = session
        self.root = root
        self.rng = rng
        self.settings = plugin_settings(session, "assistance")
        self.place = demo_place(session)
        self.fund: CareFund | None = None
        self.movements: list[tuple[dt.date, Decimal, str, str, AssistanceApplication | None]] = []
        self.objects: list[Any] = []
        self.later: list[Any] = []  # added after the first flush (they need ids in keys)
        self.tasks: list[tuple[AssistanceApplication, str, dict[str, Any]]] = []
        self.enrolments: list[AssistanceEnrolment] = []
        self.one_offs: list[AssistanceApplication] = []
        self.supplements: list[
            tuple[AssistanceApplication, AssistanceEnrolment, Decimal, dt.date]
        ] = []
        self.pensions: dict[str, Decimal] = {}
        self.used: set[int] = set()

    # -- reading ---------------------------------------------------------------------------

    def load(self) -> None:
        session, code = self.session, self.root.code
        self.places = dict(
            session.execute(
                select(Locality.code, Locality.name).where(Locality.scope_clause(code))
            ).all()
        )
        party_tag = self.settings["party_member_tag"]
        party = set(
            session.scalars(
                select(person_tags.c.person_id)
                .join(Tag, Tag.id == person_tags.c.tag_id)
                .where(Tag.name == party_tag)
            )
        )
        households: dict[int, _Household] = {}
        rows = session.execute(
            select(
                Person.id,
                Person.name,
                Person.id_number,
                Person.birth_date,
                Person.relation,
                Person.household_id,
                Person.locality_code,
            )
            .where(Person.scope_clause(code), Person.household_id.is_not(None))
            .order_by(Person.household_id, Person.id)
        ).all()
        for pid, name, number, birth, relation, household_id, locality in rows:
            if not plugin_covers(session, "assistance", locality):
                continue  # the county runs 社会救助 elsewhere only ([coverage.assistance])
            household = households.setdefault(household_id, _Household(household_id, locality, []))
            household.members.append(_Member(pid, name, number, birth, relation, pid in party))
        self.households = list(households.values())
        self.by_village: dict[str, list[_Household]] = defaultdict(list)
        for household in self.households:
            self.by_village[household.village].append(household)
        self.accounts = session.execute(
            select(Account.username, Account.scope_code, Account.roles).where(
                Account.scope_clause(code)
            )
        ).all()

    def staff(self, locality_code: str) -> tuple[str, str, str]:
        """An acceptor (village or town staff), a different decider (town or county staff) and
        the acceptor's office."""
        covering = [a for a in self.accounts if is_within(locality_code, a.scope_code)]
        covering.sort(key=lambda a: -len(a.scope_code.rstrip("0")))
        if not covering:
            return "account:demo", "account:demo_reviewer", self.root.code
        acceptor = covering[0]
        deciders = [
            a.username
            for a in covering
            if a.username != acceptor.username
            and {"town_admin", "county_admin"} & set(a.roles or [])
        ]
        decider = deciders[0] if deciders else "demo_reviewer"
        return f"account:{acceptor.username}", f"account:{decider}", acceptor.scope_code

    # -- standards, the fund, the department's file ----------------------------------------

    def standards(self) -> None:
        rural, urban = self.place.rural_standard, self.place.urban_standard
        self.rural = {YEAR: rural, YEAR + 1: rural + 40}
        self.urban = {YEAR: urban, YEAR + 1: urban + 40}
        county = self.root.code
        for year in (YEAR, YEAR + 1):
            self.objects.append(
                AssistanceStandard(
                    programme=MINIMUM_LIVING,
                    locality_code=county,
                    effective_from=dt.date(year, 1, 1),
                    monthly_standard=self.rural[year],
                    note=f"{year} 年农村低保标准",
                )
            )
            self.objects.append(
                AssistanceStandard(
                    programme=EXTREME_POVERTY,
                    locality_code=county,
                    effective_from=dt.date(year, 1, 1),
                    monthly_standard=money(self.rural[year] * Decimal("1.3")),
                    care_self=Decimal("120"),
                    care_partial=Decimal("520"),
                    care_full=Decimal("1040"),
                    note=f"{year} 年特困人员基本生活标准（低保标准的 1.3 倍）及照料护理标准",
                )
            )
            for village in self.by_village:
                if self.places.get(village, "").endswith("社区"):
                    self.objects.append(
                        AssistanceStandard(
                            programme=MINIMUM_LIVING,
                            locality_code=village,
                            effective_from=dt.date(year, 1, 1),
                            monthly_standard=self.urban[year],
                            note=f"{year} 年城市低保标准",
                        )
                    )

    def standard_of(self, programme: str, locality_code: str, day: dt.date) -> StandardFacts:
        year = day.year
        if programme == EXTREME_POVERTY:
            return StandardFacts(
                self.places.get(self.root.code, ""),
                dt.date(year, 1, 1),
                money(self.rural[year] * Decimal("1.3")),
            )
        village = locality_code[:12]
        if self.places.get(village, "").endswith("社区"):
            return StandardFacts(self.places[village], dt.date(year, 1, 1), self.urban[year])
        return StandardFacts(
            self.places.get(self.root.code, ""), dt.date(year, 1, 1), self.rural[year]
        )

    def care_fund(self) -> None:
        """The county's 党内关爱资金 and its raising, where the place runs one (Xiantao)."""
        if not self.place.party_care_fund:
            return
        self.fund = CareFund(
            name=f"{self.root.name}党内关爱资金",
            locality_code=self.root.code,
            balance=Decimal("0"),
            raised=Decimal("0"),
            granted=Decimal("0"),
            created_at=_at(dt.date(YEAR, 3, 1)),
        )
        self.objects.append(self.fund)
        county = "account:county_admin"
        word = self.root.name[-1] if self.root.name[-1] in "县区市旗" else "县"
        self.movements = [
            (
                dt.date(YEAR, 3, 1),
                Decimal("300000"),
                f"{word}委组织部从党费中划拨启动资金",
                county,
                None,
            ),
            (dt.date(YEAR, 7, 1), Decimal("126500"), "“七一”党员自愿捐款", county, None),
            (dt.date(YEAR, 9, 15), Decimal("80000"), f"{word}内爱心企业定向捐赠", county, None),
        ]

    def fund_balance_on(self, day: dt.date) -> Decimal:
        """What the fund held on ``day`` (the movements drawn so far)."""
        return money(sum((m[1] for m in self.movements if m[0] <= day), Decimal("0")))

    def fund_entries(self) -> None:
        """The ledger in date order, each entry with the balance after it; the fund's totals."""
        if self.fund is None:
            return
        balance = Decimal("0")
        for day, amount, note, actor, application in sorted(self.movements, key=lambda m: m[0]):
            balance += amount
            if application is None:
                self.fund.raised += amount
            else:
                self.fund.granted -= amount
            self.later.append(
                CareFundEntry(
                    fund=self.fund,
                    kind="raise" if application is None else "grant",
                    amount=money(amount),
                    balance_after=money(balance),
                    note=note,
                    grant_application_id=application.id if application else None,
                    application_id=application.id if application else None,
                    locality_code=self.root.code,
                    created_at=_at(day, 7),
                    created_by=actor,
                )
            )
        self.fund.balance = money(balance)

    def pension_file(self) -> None:
        """人社局's file: the monthly pension (城乡居民养老保险) of every resident aged 60+."""
        self.upload_day = dt.date(YEAR, 1, 10)
        elderly = [m for h in self.households for m in h.members if m.age >= 60]
        for member in elderly:
            self.pensions[member.id_number] = Decimal(self.rng.randrange(130, 280))
        self.upload = AssistanceSourceUpload(
            check="pension",
            department=PENSION_DEPARTMENT,
            file_name=f"{YEAR}年城乡居民养老金领取名单.csv",
            file_sha256=hashlib.sha256(f"demo-pension-{self.root.code}".encode()).hexdigest(),
            rows=len(elderly),
            answered=0,
            locality_code=self.root.code,
            uploaded_at=_at(self.upload_day),
            uploaded_by="account:county_admin",
        )
        self.objects.append(self.upload)
        self.objects.extend(
            AssistanceSourceRecord(
                upload=self.upload,
                check="pension",
                id_number=m.id_number,
                amount=self.pensions[m.id_number],
                note="城乡居民基本养老金",
            )
            for m in elderly
        )

    # -- cases -----------------------------------------------------------------------------

    def case(
        self,
        household: _Household,
        programme: str,
        applicant: _Member,
        members: list[_Member],
        submitted: dt.date,
        *,
        outcome: str,
        objection: bool = False,
        income: Decimal = Decimal("0"),
        channel: str = "window",
        lead: AssistanceLead | None = None,
        **details: Any,
    ) -> AssistanceApplication | None:
        """One case drawn through to ``outcome``: approved, rejected, withdrawn or an open state."""
        acceptor, decider, office = self.staff(household.locality_code)
        locality = household.locality_code
        per_household = programme in (MINIMUM_LIVING, TEMPORARY)
        application = AssistanceApplication(
            programme=programme,
            applicant_id=applicant.id,
            household_id=household.id,
            channel=channel,
            lead=lead,
            state="accepted",
            statement=details.pop("statement", ""),
            locality_code=locality,
            submitted_at=_at(submitted),
            submitted_by=acceptor,
            accepted_at=_at(submitted),
            accepted_by=acceptor,
            accepted_office=office,
            open_key=f"{programme}:"
            + (f"h{household.id}" if per_household else f"p{applicant.id}"),
            payee_bank=self.place.bank,
            payee_account=f"6217{self.rng.randrange(10**12):012d}",
            **details,
        )
        application.members = [
            AssistanceMember(person_id=m.id, programme=programme, lock_person_id=m.id)
            for m in members
        ]
        self.objects.append(application)
        self.used.update(m.id for m in members)
        self.objects.append(
            AssistanceConsent(
                application=application,
                signer_name=applicant.name,
                signer_relation="本人",
                signed_on=submitted,
                scope=required_checks(application, self.settings),
                file_name="核对授权书.pdf",
                file_type="application/pdf",
                file_size=len(SCAN),
                file_sha256=hashlib.sha256(SCAN).hexdigest(),
                file_content=SCAN,
                locality_code=locality,
                recorded_at=_at(submitted),
                recorded_by=acceptor,
            )
        )
        if outcome == "withdrawn":
            self._close(
                application,
                "withdrawn",
                submitted + dt.timedelta(days=2),
                acceptor,
                "申请人外出务工，主动撤回申请",
            )
            return application
        if outcome == "accepted":
            return application
        verify_day = submitted + dt.timedelta(days=1)
        application.state = "verifying"
        figures = self._figures(application, members, income)
        done_day = verify_day + dt.timedelta(days=self.rng.randint(3, 9))
        for check in required_checks(application, self.settings):
            self.tasks.append(
                (
                    application,
                    check,
                    {"amount": figures[check], "day": done_day, "decider": decider},
                )
            )
        if outcome == "verifying":
            for entry in self.tasks[-len(figures) :]:
                if self.rng.random() < 0.5:
                    entry[2]["pending"] = True
            return application
        facts = CaseFacts(
            programme=programme,
            members=[m.name for m in members],
            figures=figures,
            category=application.category,
            care_level=application.care_level,
            temporary_kind=application.temporary_kind,
            cause=application.cause,
            claimed_amount=application.claimed_amount,
            party_member=applicant.party,
        )
        if programme != PARTY_CARE:
            facts.standard = self.standard_of(programme, locality, done_day)
            if programme == EXTREME_POVERTY:
                care = {"self_care": "120", "partial": "520", "full": "1040"}[
                    application.care_level
                ]
                facts.standard = dataclasses.replace(facts.standard, care=Decimal(care))
        else:
            facts.fund_balance = self.fund_balance_on(done_day)
        outcome_of = assess(facts, self.settings)
        self._assessment(application, outcome_of, done_day, decider)
        if not outcome_of.eligible or outcome == "rejected":
            self._close(
                application,
                "rejected",
                done_day + dt.timedelta(days=2),
                decider,
                "经核对不符合条件：" + outcome_of.lines[-1].removeprefix("结论："),
            )
            return application
        notice_day = done_day + dt.timedelta(days=1)
        days = self.settings["notice_days"]
        notice = AssistanceNotice(
            application=application,
            programme=programme,
            masked_name=mask_name(applicant.name),
            persons=len(members),
            amount=outcome_of.amount,
            starts_on=notice_day,
            ends_on=notice_day + dt.timedelta(days=days - 1),
            locality_code=locality,
            published_at=_at(notice_day),
            published_by=decider,
        )
        self.objects.append(notice)
        application.state = "notice"
        if objection:
            received = notice_day + dt.timedelta(days=2)
            complaint = AssistanceObjection(
                application=application,
                notice=notice,
                received_on=received,
                content=self.rng.choice(
                    [
                        "反映该户家中有小汽车一辆",
                        "反映该户子女在外务工收入较高",
                        "反映该户在县城另有住房",
                    ]
                ),
                objector="匿名群众",
                locality_code=locality,
                recorded_at=_at(received),
                recorded_by=acceptor,
            )
            self.objects.append(complaint)
            notice.closed_at = _at(received)
            notice.closed_reason = "收到异议，退回核对"
            checked = received + dt.timedelta(days=4)
            self.tasks.append(
                (
                    application,
                    "objection",
                    {"objection": complaint, "day": checked, "decider": decider},
                )
            )
            self._assessment(application, outcome_of, checked, decider)
            notice_day = checked + dt.timedelta(days=1)
            notice = AssistanceNotice(
                application=application,
                programme=programme,
                masked_name=mask_name(applicant.name),
                persons=len(members),
                amount=outcome_of.amount,
                starts_on=notice_day,
                ends_on=notice_day + dt.timedelta(days=days - 1),
                locality_code=locality,
                published_at=_at(notice_day),
                published_by=decider,
            )
            self.objects.append(notice)
        if outcome == "notice" or notice.ends_on >= AS_OF:
            return application
        decided = notice.ends_on + dt.timedelta(days=1)
        notice.closed_at = _at(decided)
        notice.closed_reason = "公示期满，已批准"
        self._close(
            application, "approved", decided, decider, "经核对符合条件，公示期满无异议，同意救助"
        )
        application.amount = outcome_of.amount
        if programme in (MINIMUM_LIVING, EXTREME_POVERTY):
            self._enrol(application, household, applicant, members, decided)
        else:
            for member in application.members:
                member.lock_person_id = None
            self.one_offs.append(application)
            if programme == PARTY_CARE:
                place = self.places.get(household.village, "")
                note = f"资助{applicant.name}（{place}）"
                self.movements.append((decided, -outcome_of.amount, note, decider, application))
        return application

    def _figures(
        self, application: AssistanceApplication, members: list[_Member], income: Decimal
    ) -> dict[str, Decimal]:
        figures: dict[str, Decimal] = {}
        for check in required_checks(application, self.settings):
            if check == "income":
                figures[check] = money(income)
            elif check == "pension":
                figures[check] = money(
                    sum(
                        (self.pensions.get(m.id_number, Decimal("0")) for m in members),
                        Decimal("0"),
                    )
                )
            elif check == "deposit":
                figures[check] = money(self.rng.randrange(0, 6000, 100) * len(members))
            elif check in ("expense", "loss"):
                figures[check] = money(application.claimed_amount or 0)
            else:
                figures[check] = Decimal("0.00")
        return figures

    def _assessment(
        self, application: AssistanceApplication, outcome: Any, day: dt.date, actor: str
    ) -> None:
        self.objects.append(
            AssistanceAssessment(
                application=application,
                eligible=outcome.eligible,
                amount=outcome.amount,
                breakdown=outcome.text,
                inputs=outcome.inputs,
                locality_code=application.locality_code,
                created_at=_at(day, 3),
                created_by=actor,
            )
        )
        application.eligible = outcome.eligible
        application.amount = outcome.amount

    def _close(
        self, application: AssistanceApplication, state: str, day: dt.date, actor: str, reason: str
    ) -> None:
        application.state = state
        application.decided_at = _at(day, 6)
        application.decided_by = actor
        application.decision_reason = reason
        application.open_key = None
        if state != "approved":
            for member in application.members:
                member.lock_person_id = None

    def _enrol(
        self,
        application: AssistanceApplication,
        household: _Household,
        applicant: _Member,
        members: list[_Member],
        decided: dt.date,
    ) -> None:
        start = decided.replace(day=1)
        per_household = application.programme == MINIMUM_LIVING
        enrolment = AssistanceEnrolment(
            application=application,
            programme=application.programme,
            person_id=applicant.id,
            household_id=household.id,
            category=application.category,
            state="active",
            active_key=f"{application.programme}:"
            + (f"h{household.id}" if per_household else f"p{applicant.id}"),
            start_on=start,
            monthly_amount=application.amount,
            persons=len(members),
            payee_bank=application.payee_bank,
            payee_account=application.payee_account,
            locality_code=application.locality_code,
            created_at=_at(decided, 6),
        )
        self.objects.append(enrolment)
        self.enrolments.append(enrolment)

    # -- drawing the year ------------------------------------------------------------------

    def day_in(self, first_month: int, last_month: int) -> dt.date:
        start = dt.date(YEAR, first_month, 1)
        end = clock.add_months(dt.date(YEAR, last_month, 1), 1) - dt.timedelta(days=1)
        return start + dt.timedelta(days=self.rng.randint(0, (end - start).days))

    def poor_income(self, members: list[_Member], standard: Decimal, share: float) -> Decimal:
        pension = sum((self.pensions.get(m.id_number, Decimal("0")) for m in members), Decimal("0"))
        target = standard * len(members) * Decimal(str(share))
        return money(max(Decimal("0"), target - pension))

    def draw(self) -> None:
        for village, households in sorted(self.by_village.items()):
            standard = (
                self.urban[YEAR]
                if self.places.get(village, "").endswith("社区")
                else self.rural[YEAR]
            )
            showcase, *others = households
            self.case(
                showcase,
                MINIMUM_LIVING,
                showcase.head,
                showcase.members,
                self.day_in(1, 2),
                outcome="approved",
                objection=True,
                income=self.poor_income(showcase.members, standard, 0.45),
                category="variable",
                statement="家庭主要劳动力患病，无稳定收入",
            )
            enrolment = (
                self.enrolments[-1]
                if self.enrolments and self.enrolments[-1].application.household_id == showcase.id
                else None
            )
            if enrolment is not None:
                missed = clock.add_months(enrolment.start_on, 1)
                self.supplements.append(
                    (enrolment.application, enrolment, enrolment.monthly_amount, missed)
                )
            self._lead(village, households)
            for household in others:
                self._maybe_cases(household, standard)

    def _maybe_cases(self, household: _Household, standard: Decimal) -> None:
        rng = self.rng
        members = household.members
        free = [m for m in members if m.id not in self.used]
        if len(free) != len(members):
            return
        elderly_alone = len(members) == 1 and members[0].age >= 62
        draw = rng.random()
        if elderly_alone and draw < 0.35:
            person = members[0]
            outcome = rng.choices(["approved", "rejected", "notice"], [8, 1, 1])[0]
            self.case(
                household,
                EXTREME_POVERTY,
                person,
                [person],
                self.day_in(1, 11) if outcome != "notice" else dt.date(YEAR, 12, 16),
                outcome=outcome,
                income=Decimal("0") if outcome != "rejected" else Decimal("2600"),
                care_level=rng.choices(["self_care", "partial", "full"], [5, 3, 1])[0],
                statement="无劳动能力、无生活来源、无法定赡养人",
            )
        elif draw < 0.06:
            outcome = rng.choices(
                ["approved", "rejected", "withdrawn", "verifying", "notice"], [14, 2, 1, 1, 1]
            )[0]
            late = outcome in ("verifying", "notice")
            share = 0.5 if outcome != "rejected" else 1.4
            self.case(
                household,
                MINIMUM_LIVING,
                household.head,
                members,
                dt.date(YEAR, 12, rng.randint(14, 18)) if late else self.day_in(1, 10),
                outcome=outcome,
                income=self.poor_income(members, standard, share),
                category="stable" if any(m.age >= 65 for m in members) else "variable",
                statement=rng.choice(
                    [
                        "户主残疾，家庭收入低",
                        "因病致贫，主要劳动力长期患病",
                        "老人户，无其他收入来源",
                    ]
                ),
            )
        elif draw < 0.085:
            expenditure = rng.random() < 0.5
            claimed = Decimal(
                rng.randrange(30000, 90000, 500) if expenditure else rng.randrange(2000, 8000, 100)
            )
            self.case(
                household,
                TEMPORARY,
                household.head,
                members,
                self.day_in(1, 11),
                outcome="approved",
                income=self.poor_income(members, standard, 1.2),
                temporary_kind="expenditure" if expenditure else "emergency",
                claimed_amount=claimed,
                statement="家人住院治疗，自付医疗费用较高"
                if expenditure
                else "房屋遭暴雨损毁，急需过渡安置",
            )
        elif draw < 0.12 and self.fund is not None:
            party = [m for m in members if m.party]
            if party:
                cause = rng.choice(["illness", "illness", "disaster", "accident"])
                loss = Decimal(rng.randrange(22000, 160000, 1000))
                self.case(
                    household,
                    PARTY_CARE,
                    party[0],
                    [party[0]],
                    self.day_in(3, 11),
                    outcome="approved",
                    cause=cause,
                    claimed_amount=loss,
                    statement={
                        "illness": "患重大疾病住院治疗",
                        "disaster": "家中遭受洪涝灾害",
                        "accident": "发生交通意外致残",
                    }[cause],
                )

    def _lead(self, village: str, households: list[_Household]) -> None:
        rng = self.rng
        candidates = [
            h for h in households if not any(m.id in self.used for m in h.members)
        ] or households
        household = rng.choice(candidates)
        person = household.head
        kind = rng.choice(["serious_illness", "income_loss", "disaster", "high_expense"])
        acceptor, _, _ = self.staff(household.locality_code)
        day = self.day_in(9, 12)
        lead = AssistanceLead(
            person_id=person.id,
            household_id=household.id,
            kind=kind,
            programme=MINIMUM_LIVING if kind == "income_loss" else TEMPORARY,
            source="import" if kind == "high_expense" else "flag",
            source_key=f"import:demo:{village}" if kind == "high_expense" else None,
            detail={
                "serious_illness": "网格员走访发现：户主确诊重病，正在住院",
                "income_loss": "网格员走访发现：家庭主要劳动力失业返乡",
                "disaster": "村干部上报：房屋受暴雨损毁",
                "high_expense": "县医保局大额自付费用名单",
            }[kind],
            amount=Decimal(rng.randrange(12000, 60000, 500))
            if kind in ("high_expense", "serious_illness")
            else Decimal(rng.randrange(2000, 6000, 100)),
            state="open",
            locality_code=household.locality_code,
            raised_at=_at(day),
            raised_by=acceptor if kind != "high_expense" else "account:county_admin",
        )
        self.objects.append(lead)
        if any(m.id in self.used for m in household.members):
            lead.state = "dismissed"
            lead.reason = "该户已在享受救助，情况已掌握"
        elif day < dt.date(YEAR, 12, 1) and rng.random() < 0.6 and lead.programme == TEMPORARY:
            lead.state = "converted"
            self.case(
                household,
                TEMPORARY,
                person,
                household.members,
                day + dt.timedelta(days=2),
                outcome="approved",
                channel="proactive",
                lead=lead,
                income=Decimal(rng.randrange(800, 2500, 100)),
                temporary_kind="expenditure"
                if kind in ("high_expense", "serious_illness")
                else "emergency",
                claimed_amount=lead.amount,
                statement=f"主动发现：{lead.detail}",
            )

    # -- what needs ids --------------------------------------------------------------------

    def tasks_and_reviews(self) -> None:
        for application, check, info in self.tasks:
            day = info["day"]
            objection = info.get("objection")
            key = (
                f"{application.id}:objection:{objection.id}"
                if objection
                else f"{application.id}:{check}"
            )
            task = AssistanceTask(
                application=application,
                objection=objection,
                task_key=key,
                check=check,
                department=self.settings["departments"][check],
                due_on=application.submitted_at.date()
                + dt.timedelta(days=1 + self.settings["check_due_days"]),
                state="pending" if info.get("pending") else "done",
                locality_code=application.locality_code,
                created_at=application.submitted_at + dt.timedelta(days=1),
            )
            if not info.get("pending"):
                task.completed_at = _at(day, 5)
                task.completed_by = info["decider"]
                if objection:
                    task.verdict = "异议不成立"
                    task.evidence = "经入户核查并向公安交警、不动产登记中心查询，反映情况不属实"
                    task.source = "manual"
                elif check == "pension":
                    task.amount = info["amount"]
                    task.verdict = verdict_of(check, task.amount)
                    task.source = "file"
                    task.evidence = (
                        f"{PENSION_DEPARTMENT} {self.upload_day} 上传的《{self.upload.file_name}》"
                    )
                    self.upload.answered += 1
                else:
                    task.amount = info["amount"]
                    task.verdict = verdict_of(check, task.amount)
                    task.source = "manual"
                    task.evidence = f"{task.department}书面回复"
            self.later.append(task)
        for enrolment in self.enrolments:
            months = (
                12
                if enrolment.category == "stable" or enrolment.programme == EXTREME_POVERTY
                else 6
            )
            due = clock.add_months(enrolment.start_on, months)
            if due < dt.date(YEAR, 12, 1) and self.rng.random() < 0.85:
                done = due + dt.timedelta(days=self.rng.randint(-10, 5))
                _, decider, _ = self.staff(enrolment.locality_code)
                outcome = self.rng.choices(["keep", "exit"], [9, 1])[0]
                self.later.append(
                    AssistanceReview(
                        enrolment=enrolment,
                        due_on=due,
                        state="done",
                        outcome=outcome,
                        findings="入户核查，家庭人口和收入无明显变化"
                        if outcome == "keep"
                        else "子女就业，家庭人均收入已超过当地低保标准",
                        completed_at=_at(done),
                        completed_by=decider,
                        locality_code=enrolment.locality_code,
                    )
                )
                if outcome == "exit":
                    enrolment.state = "exited"
                    enrolment.active_key = None
                    enrolment.ended_on = clock.add_months(done.replace(day=1), 1)
                    enrolment.end_reason = "复核发现家庭人均收入超过标准"
                    for member in enrolment.application.members:
                        member.lock_person_id = None
                    continue
                due = clock.add_months(done, months)
            self.later.append(
                AssistanceReview(
                    enrolment=enrolment,
                    open_key=enrolment.id,
                    due_on=due,
                    state="due",
                    locality_code=enrolment.locality_code,
                )
            )
        for application, enrolment, amount, month in self.supplements:
            if month > dt.date(YEAR, 12, 1):
                continue
            self.later.append(
                AssistanceAdjustment(
                    application_id=application.id,
                    enrolment_id=enrolment.id,
                    programme=application.programme,
                    person_id=application.applicant_id,
                    amount=amount,
                    reason=f"{enrolment.start_on:%Y 年 %m 月}批准后当月未纳入发放批次，补发一个月",
                    locality_code=application.locality_code,
                    requested_at=_at(month + dt.timedelta(days=3)),
                    requested_by="account:county_admin",
                )
            )

    def batches(self) -> None:
        adjustments = [a for a in self.later if isinstance(a, AssistanceAdjustment)]
        batches = []
        for month in range(1, 13):
            first = dt.date(YEAR, month, 1)
            last = clock.add_months(first, 1) - dt.timedelta(days=1)
            period = clock.month_of(first)
            rows = [
                DueLine(
                    "monthly",
                    e.application.id,
                    e.id,
                    None,
                    e.programme,
                    e.person_id,
                    e.persons,
                    e.monthly_amount,
                    e.locality_code,
                )
                for e in self.enrolments
                if e.start_on <= last
                and (e.ended_on is None or e.ended_on > first)
                and not (e.application.id in self._skipped and e.start_on == first)
            ]
            rows += [
                DueLine(
                    "one_off",
                    a.id,
                    None,
                    None,
                    a.programme,
                    a.applicant_id,
                    len(a.members),
                    a.amount,
                    a.locality_code,
                )
                for a in self.one_offs
                if a.decided_at.date() <= last and a.decided_at.date() >= first
            ]
            rows += [
                DueLine(
                    "adjustment",
                    a.application_id,
                    a.enrolment_id,
                    a.id,
                    a.programme,
                    a.person_id,
                    0,
                    a.amount,
                    a.locality_code,
                )
                for a in adjustments
                if first <= a.requested_at.date() <= last
            ]
            if rows:
                now = _at(dt.date(YEAR, month, 25))
                batch = new_batch(period, self.root.code, rows, "account:county_admin", now)
                batches.append((batch, rows, now))
        self.session.add_all(b for b, _, _ in batches)
        self.session.flush()
        for batch, rows, now in batches:
            insert_lines(self.session, batch, rows, now)

    @property
    def _skipped(self) -> set[int]:
        return {a.id for a, _, _, _ in self.supplements}


def seed(session: Session, root: Locality, rng: random.Random) -> None:
    """Seed a year of 社会救助 under ``root`` (the demo county)."""
    builder = _Builder(session, root, rng)
    builder.load()
    if not builder.households:
        return
    builder.standards()
    builder.care_fund()
    builder.pension_file()
    builder.draw()
    session.add_all(builder.objects)
    session.flush()
    builder.tasks_and_reviews()
    builder.fund_entries()
    session.add_all(builder.later)
    session.flush()
    builder.batches()
