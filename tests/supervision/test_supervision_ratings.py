"""村民直评村官 and 勤廉指数: every household rates each of its village's cadres once, and the
index is computed from the maintained totals and disclosed village by village."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from supervision_support import NEIGHBOUR, VILLAGE, principal

from core.models import Household, Membership, Organization, Person
from core.testing import add_person
from core.workflow import WorkflowError
from plugins.supervision.models import CadreRating, CadreRatingCampaign, Disclosure, RatedCadre
from plugins.supervision.services import SupervisionError, ratings
from plugins.supervision.workflows import CAMPAIGN_WORKFLOW


@pytest.fixture
def village(county):
    """城南社区 with a branch secretary who is also committee director, a committee member,
    three households; 长滩村 with its own secretary and one household."""
    with county.db.transaction() as session:
        people = {}
        for sequence, (name, code) in enumerate(
            [
                ("冉书记", VILLAGE),
                ("向委员", VILLAGE),
                ("田书记", NEIGHBOUR),
                ("住户甲", VILLAGE),
                ("住户乙", VILLAGE),
                ("住户丙", VILLAGE),
                ("邻村户", NEIGHBOUR),
            ],
            start=1,
        ):
            people[name] = add_person(session, name, code, sequence)
        branch = Organization(name="城南社区党支部", kind="party_branch", locality_code=VILLAGE)
        committee = Organization(
            name="城南社区居民委员会", kind="residents_committee", locality_code=VILLAGE
        )
        other = Organization(name="长滩村党支部", kind="party_branch", locality_code=NEIGHBOUR)
        session.add_all([branch, committee, other])
        session.add_all(
            [
                Membership(person=people["冉书记"], organization=branch, role="书记"),
                Membership(person=people["冉书记"], organization=committee, role="主任"),
                Membership(person=people["向委员"], organization=committee, role="委员"),
                Membership(person=people["田书记"], organization=other, role="书记"),
                Membership(person=people["住户甲"], organization=branch, role="党员"),
                Membership(
                    person=people["住户乙"],
                    organization=committee,
                    role="委员",
                    end_on=dt.date(2024, 12, 31),
                ),
            ]
        )
        households = {}
        for name in ("住户甲", "住户乙", "住户丙", "邻村户"):
            household = Household(number=f"H-{name}", locality_code=people[name].locality_code)
            people[name].household = household
            households[name] = household
        campaign = CadreRatingCampaign(
            locality_code="500243001000",
            title="2025年度汉葭街道村民直评村官",
            period_label="2025年度",
            opens_on=dt.date(2025, 12, 1),
            closes_on=dt.date(2025, 12, 20),
        )
        session.add(campaign)
        session.flush()
        return {
            "campaign": campaign.id,
            "households": {k: v.id for k, v in households.items()},
            "people": {k: v.id for k, v in people.items()},
        }


def run(county, username, work):
    with county.db.transaction(actor=f"account:{username}") as session:
        return work(session, principal(county, session, username))


def opened(county, village):
    def work(session, actor):
        campaign = session.get(CadreRatingCampaign, village["campaign"])
        ratings.enlist_cadres(session, campaign)
        CAMPAIGN_WORKFLOW.apply(campaign, "open", actor, session)
        return {c.person.name: c.id for c in campaign.cadres}

    return run(county, "town", work)


def ballot(county, village, household, scores, username="clerk"):
    def work(session, actor):
        return len(
            ratings.cast_ballot(
                session,
                actor,
                session.get(CadreRatingCampaign, village["campaign"]),
                session.get(Household, village["households"][household]),
                scores,
            )
        )

    return run(county, username, work)


def test_the_cadres_to_rate_are_the_villages_current_branch_and_committee_members(county, village):
    cadres = opened(county, village)
    assert set(cadres) == {"冉书记", "向委员", "田书记"}
    with county.db.transaction() as session:
        posts = {
            c.person.name: (c.post, c.locality_code) for c in session.scalars(select(RatedCadre))
        }
    assert posts == {
        "冉书记": ("书记、主任", VILLAGE),
        "向委员": ("委员", VILLAGE),
        "田书记": ("书记", NEIGHBOUR),
    }


def test_a_campaign_without_cadres_cannot_open(county, village):
    def work(session, actor):
        CAMPAIGN_WORKFLOW.apply(
            session.get(CadreRatingCampaign, village["campaign"]), "open", actor, session
        )

    with pytest.raises(WorkflowError, match="测评对象为空"):
        run(county, "town", work)


def test_a_household_rates_each_cadre_once_and_a_second_ballot_writes_nothing(county, village):
    cadres = opened(county, village)
    first = [
        {"cadre_id": cadres["冉书记"], "diligence": 5, "integrity": 4},
        {"cadre_id": cadres["向委员"], "diligence": 3, "integrity": 4},
    ]
    assert ballot(county, village, "住户甲", first) == 2
    again = [
        {"cadre_id": cadres["向委员"], "diligence": 1, "integrity": 1},
    ]
    with pytest.raises(
        SupervisionError, match="该户已经评议过 向委员（委员），每户对每名村干部只能评议一次"
    ):
        ballot(county, village, "住户甲", again)
    with county.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(CadreRating)) == 2
        member = session.get(RatedCadre, cadres["向委员"])
        assert (member.ratings, member.diligence_total, member.integrity_total) == (1, 3, 4)


@pytest.mark.parametrize(
    ("household", "scores", "message"),
    [
        (
            "住户甲",
            [{"cadre_id": "田书记", "diligence": 5, "integrity": 5}],
            "不是本村本次测评的对象",
        ),
        (
            "住户甲",
            [{"cadre_id": "冉书记", "diligence": 6, "integrity": 5}],
            "“勤”的评分必须是 1 到 5",
        ),
        (
            "住户甲",
            [{"cadre_id": "冉书记", "diligence": 5, "integrity": "好"}],
            "“廉”的评分必须是 1 到 5",
        ),
        (
            "住户甲",
            [
                {"cadre_id": "冉书记", "diligence": 5, "integrity": 5},
                {"cadre_id": "冉书记", "diligence": 4, "integrity": 4},
            ],
            "第 2 项：同一张票对同一名村干部只能评一次",
        ),
        ("住户甲", [], "评议票上没有任何评分"),
    ],
)
def test_a_bad_ballot_is_refused_whole(county, village, household, scores, message):
    cadres = opened(county, village)
    resolved = [{**s, "cadre_id": cadres.get(s["cadre_id"], s["cadre_id"])} for s in scores]
    with pytest.raises(SupervisionError, match=message):
        ballot(county, village, household, resolved)
    with county.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(CadreRating)) == 0


def test_ballots_are_taken_only_while_the_campaign_is_open(county, village):
    def work(session, actor):
        campaign = session.get(CadreRatingCampaign, village["campaign"])
        ratings.enlist_cadres(session, campaign)
        return {c.person.name: c.id for c in campaign.cadres}

    cadres = run(county, "town", work)
    with pytest.raises(SupervisionError, match="不在测评期间"):
        ballot(
            county,
            village,
            "住户甲",
            [{"cadre_id": cadres["冉书记"], "diligence": 5, "integrity": 5}],
        )


def test_closing_computes_the_index_and_publishing_discloses_it_per_village(county, village):
    cadres = opened(county, village)
    secretary = cadres["冉书记"]
    ballot(county, village, "住户甲", [{"cadre_id": secretary, "diligence": 5, "integrity": 5}])
    ballot(county, village, "住户乙", [{"cadre_id": secretary, "diligence": 4, "integrity": 5}])
    ballot(county, village, "住户丙", [{"cadre_id": secretary, "diligence": 3, "integrity": 4}])
    ballot(
        county,
        village,
        "邻村户",
        [{"cadre_id": cadres["田书记"], "diligence": 2, "integrity": 3}],
        username="neighbour",
    )

    def move(name):
        def work(session, actor):
            CAMPAIGN_WORKFLOW.apply(
                session.get(CadreRatingCampaign, village["campaign"]), name, actor, session
            )

        return work

    run(county, "town", move("close"))
    with county.db.transaction() as session:
        index = {c.person.name: c.index_value for c in session.scalars(select(RatedCadre))}
    # 冉书记: 勤 avg 4, 廉 avg 4.667 → (4×50 + 4.667×50)/100 × 20 = 86.67
    assert index == {"冉书记": Decimal("86.67"), "向委员": None, "田书记": Decimal("50.00")}
    run(county, "town", move("publish"))
    with county.db.transaction() as session:
        published = {
            d.locality_code: d.content
            for d in session.scalars(select(Disclosure).where(Disclosure.source == "rating"))
        }
    assert set(published) == {VILLAGE, NEIGHBOUR}
    assert (
        "冉书记（书记、主任）：勤 4.00，廉 4.67，勤廉指数 86.67（3 户参评）" in published[VILLAGE]
    )
    assert "向委员（委员）：无人评议" in published[VILLAGE]
    assert "住户" not in published[VILLAGE]  # households are never named


def test_weights_of_diligence_and_integrity_come_from_the_settings(make_runtime):
    from core.plugin_manager import PluginSettingsError

    runtime = make_runtime(
        ["supervision"],
        settings={"supervision": {"rating_diligence_weight": 40, "rating_integrity_weight": 60}},
    )
    assert runtime.plugins.settings("supervision")["rating_integrity_weight"] == 60
    cadre = RatedCadre(post="书记", ratings=2, diligence_total=10, integrity_total=6)
    assert ratings.index_of(cadre, 40, 60) == Decimal("76.00")
    with pytest.raises(PluginSettingsError, match="两项权重之和须为 100"):
        make_runtime(
            ["supervision"],
            settings={"supervision": {"rating_diligence_weight": 40}},
        )


def test_two_clerks_entering_the_same_households_ballot_at_once_record_it_once(county, village):
    cadres = opened(county, village)
    scores = [{"cadre_id": cadres["冉书记"], "diligence": 4, "integrity": 4}]
    barrier = threading.Barrier(2)
    outcomes = []

    def enter(username):
        try:
            with county.db.transaction(actor=f"account:{username}") as session:
                actor = principal(county, session, username)
                campaign = session.get(CadreRatingCampaign, village["campaign"])
                household = session.get(Household, village["households"]["住户甲"])
                barrier.wait(timeout=10)
                ratings.cast_ballot(session, actor, campaign, household, scores)
            outcomes.append("ok")
        except Exception as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=enter, args=(u,)) for u in ("clerk", "supervisor")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes.count("ok") == 1, outcomes
    with county.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(CadreRating)) == 1
        assert session.get(RatedCadre, cadres["冉书记"]).ratings == 1


def test_the_voter_must_belong_to_the_household(county, village):
    cadres = opened(county, village)

    def work(session, actor):
        ratings.cast_ballot(
            session,
            actor,
            session.get(CadreRatingCampaign, village["campaign"]),
            session.get(Household, village["households"]["住户甲"]),
            [{"cadre_id": cadres["冉书记"], "diligence": 5, "integrity": 5}],
            person=session.get(Person, village["people"]["住户乙"]),
        )

    with pytest.raises(SupervisionError, match="投票人不是该户成员"):
        run(county, "clerk", work)


def test_a_cadres_resident_page_shows_their_index(county, village):
    cadres = opened(county, village)
    ballot(
        county, village, "住户甲", [{"cadre_id": cadres["冉书记"], "diligence": 4, "integrity": 4}]
    )

    def close(session, actor):
        campaign = session.get(CadreRatingCampaign, village["campaign"])
        CAMPAIGN_WORKFLOW.apply(campaign, "close", actor, session)

    run(county, "town", close)
    with county.db.transaction() as session:
        results = county.plugins.hook.provide_person_summary(
            person_id=village["people"]["冉书记"], session=session
        )
        assert [("2025年度勤廉指数", "80.00（书记、主任，1 户参评）")] in results
        silent = county.plugins.hook.provide_person_summary(
            person_id=village["people"]["住户甲"], session=session
        )
        assert silent == [[]]
