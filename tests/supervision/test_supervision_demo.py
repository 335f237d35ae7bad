"""The demo county's year of 村务监督: every practice is there, in every village, consistent
with the rules (balances match the vouchers, samples verify), and the same seed gives the same
year."""

from __future__ import annotations

import random
from pathlib import Path

from sqlalchemy import func, select

from core.demo import seed_demo
from core.models import Household, Locality, Membership, Organization
from core.testing import COUNTY, add_person, reset_postgres, seed_tree
from plugins.supervision.models import (
    CadreRating,
    CadreRatingCampaign,
    CollectiveAsset,
    Disclosure,
    DisclosureDue,
    FundAccount,
    InspectionFinding,
    InspectionRound,
    MajorMatter,
    PowerItem,
    RentDue,
    SupervisionAttachment,
    Voucher,
)
from plugins.supervision.services import funds, inspections

TREE_VILLAGES = ["500243001001", "500243001002", "500243101001", "500243101002"]


def small_county(make_runtime, seed=7):
    """The test tree with one resident and household per village, then the plugin's demo."""
    runtime = make_runtime(["supervision"])
    with runtime.db.transaction(actor="system:test") as session:
        seed_tree(session)
        for sequence, code in enumerate(TREE_VILLAGES, start=1):
            person = add_person(session, f"居民{sequence}", code, 100 + sequence)
            person.household = Household(number=f"H{sequence}", locality_code=code)
            organization = Organization(
                name=f"理事会{sequence}", kind="council", locality_code=code
            )
            session.add_all(
                [organization, Membership(person=person, organization=organization, role="理事")]
            )
        runtime.plugins.hook.register_demo_data(
            session=session, root=session.get(Locality, COUNTY[0]), rng=random.Random(seed)
        )
    return runtime


def fingerprint(runtime):
    with runtime.db.transaction() as session:
        return (
            session.execute(
                select(Voucher.locality_code, Voucher.amount, Voucher.state).order_by(Voucher.id)
            ).all(),
            session.execute(
                select(Disclosure.title, Disclosure.content).order_by(Disclosure.id)
            ).all(),
            session.execute(select(InspectionRound.seed).order_by(InspectionRound.id)).all(),
        )


def test_every_village_of_a_small_county_gets_every_practice(make_runtime):
    runtime = small_county(make_runtime)
    with runtime.db.transaction() as session:
        for model in (
            FundAccount,
            Voucher,
            Disclosure,
            DisclosureDue,
            MajorMatter,
            CollectiveAsset,
            RentDue,
            CadreRating,
            SupervisionAttachment,
        ):
            places = set(session.scalars(select(model.locality_code).distinct()))
            assert places == set(TREE_VILLAGES), model.__name__
        items = session.scalars(select(PowerItem.locality_code)).all()
        assert sorted(items) == [COUNTY[0]] * 8 + ["500243001000", "500243101000"]
        findings = set(session.scalars(select(InspectionFinding.locality_code)))
        assert {code[:9] for code in findings} == {"500243001", "500243101"}


def test_the_same_seed_gives_the_same_year(make_runtime, database_url):
    first_runtime = small_county(make_runtime, seed=5)
    first = fingerprint(first_runtime)
    first_runtime.close()
    if database_url.startswith("postgresql"):
        reset_postgres(database_url)
    else:
        path = Path(database_url.removeprefix("sqlite:///"))
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
    assert fingerprint(small_county(make_runtime, seed=5)) == first


def test_a_demo_county_year_is_realistic_and_consistent(make_runtime):
    runtime = make_runtime(["supervision"])
    seed_demo(runtime, residents=80)
    with runtime.db.transaction() as session:
        states = dict(
            session.execute(select(Voucher.state, func.count()).group_by(Voucher.state)).all()
        )
        assert {"draft", "submitted", "audited", "booked", "disclosed"} <= set(states)
        assert session.scalar(select(func.count()).where(Voucher.reverses_id.is_not(None)))
        for account in session.scalars(select(FundAccount)):
            maintained, recomputed = funds.balance_check(session, account)
            assert maintained == recomputed, account
        assert session.scalar(select(func.count()).where(MajorMatter.round > 1)), "a failed vote"
        assert session.scalar(select(func.count()).where(MajorMatter.state == "completed"))
        assert session.scalar(select(func.count()).where(Disclosure.amends_id.is_not(None)))
        assert session.scalar(select(func.count()).where(DisclosureDue.fulfilled_on.is_(None)))
        late = session.scalars(select(DisclosureDue).where(DisclosureDue.fulfilled_on.is_not(None)))
        assert any(d.fulfilled_on > d.due_on for d in late), "one late disclosure"
        assert session.scalar(select(func.count()).where(RentDue.paid_amount < RentDue.amount))
        assert session.scalar(select(func.count()).where(CollectiveAsset.state == "disposed"))
        for found in session.scalars(select(InspectionRound)):
            ok, _ = inspections.verify_round(found)
            assert ok and found.sample_size * 100 >= found.population_size * 15
        campaigns = session.scalars(select(CadreRatingCampaign)).all()
        assert [c.locality_code[6:9] for c in campaigns] == ["001", "101", "102", "103"]
        for campaign in campaigns:
            assert campaign.state == "published"
            assert all(c.index_value is not None for c in campaign.cadres if c.ratings)
        assert session.scalar(select(func.count()).where(Disclosure.source == "rating")) == 16
