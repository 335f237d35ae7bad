"""Automatic awards: another plugin's events award points exactly once, in the same transaction.

The events are declared here, as the consultation plugin declares them (same names and fields):
the points plugin reacts to names and fields, never to another plugin's classes.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import ClassVar

import pytest
from points_support import VILLAGE
from sqlalchemy import func, select

from core.events import DomainEvent, emit
from plugins.points.ledger import verify
from plugins.points.models import PointsAccount, PointsAutoAward, PointsClaim, PointsTransfer


@dataclasses.dataclass(frozen=True, kw_only=True)
class DeliberationAttended(DomainEvent):
    """A resident attended a deliberation (as the consultation plugin emits it)."""

    name: ClassVar[str] = "consultation.deliberation_attended"
    person_id: int
    deliberation_id: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class WishFulfilled(DomainEvent):
    """A wish was fulfilled, by a resident or by an organisation (fulfiller None)."""

    name: ClassVar[str] = "consultation.wish_fulfilled"
    wish_id: int
    wisher_person_id: int
    fulfiller_person_id: int | None


def balances(session, scheme="resident"):
    accounts = session.scalars(
        select(PointsAccount).where(PointsAccount.kind == "holder", PointsAccount.scheme == scheme)
    ).all()
    return {a.holder_name: a.balance for a in accounts}


def attend(county, name, deliberation_id):
    with county.runtime.db.transaction() as session:
        emit(
            session,
            DeliberationAttended(
                locality_code=VILLAGE,
                person_id=county.people[name],
                deliberation_id=deliberation_id,
            ),
        )


def test_attending_a_deliberation_awards_points_once_per_attendance(county):
    attend(county, "张三", 1)
    attend(county, "张三", 1)  # the same occurrence again: no second award
    attend(county, "张三", 2)
    with county.runtime.db.new_session() as session:
        assert balances(session) == {"张三": 4}
        outcomes = session.scalars(
            select(PointsAutoAward.outcome)
            .where(PointsAutoAward.rule_code == "CY01")
            .order_by(PointsAutoAward.id)
        )
        assert list(outcomes) == ["posted", "posted"]
        transfer = session.scalars(select(PointsTransfer)).first()
        assert (
            transfer.rule.code == "CY01" and "consultation.deliberation_attended" in transfer.memo
        )


def test_a_party_member_attending_also_raises_the_pioneer_index(county):
    attend(county, "王五", 7)
    with county.runtime.db.new_session() as session:
        assert balances(session) == {"王五": 2}
        assert balances(session, "pioneer") == {"王五": 2}
        notes = dict(
            session.execute(select(PointsAutoAward.rule_code, PointsAutoAward.outcome)).all()
        )
        assert notes == {"CY01": "posted", "XF01": "posted"}


def test_a_non_member_attending_is_recorded_as_skipped_for_the_pioneer_index(county):
    attend(county, "张三", 3)
    with county.runtime.db.new_session() as session:
        skipped = session.scalar(select(PointsAutoAward).where(PointsAutoAward.rule_code == "XF01"))
        assert skipped.outcome == "skipped" and "张三不是党员" in skipped.note


def test_the_award_rolls_back_with_the_emitters_change(county):
    with pytest.raises(RuntimeError), county.runtime.db.transaction() as session:
        emit(
            session,
            DeliberationAttended(
                locality_code=VILLAGE, person_id=county.people["张三"], deliberation_id=9
            ),
        )
        raise RuntimeError("the emitter's own change failed")
    with county.runtime.db.new_session() as session:
        assert balances(session) == {}
        assert session.scalar(select(func.count()).select_from(PointsAutoAward)) == 0
    attend(county, "张三", 9)  # retried later: now it counts
    with county.runtime.db.new_session() as session:
        assert balances(session) == {"张三": 2}


def test_the_monthly_cap_stops_automatic_awards_without_failing_the_emitter(county):
    for deliberation in range(6):
        attend(county, "张三", deliberation)
    with county.runtime.db.new_session() as session:
        assert balances(session) == {"张三": 8}
        outcomes = list(
            session.scalars(
                select(PointsAutoAward.outcome)
                .where(PointsAutoAward.rule_code == "CY01")
                .order_by(PointsAutoAward.id)
            )
        )
        assert outcomes == ["posted"] * 4 + ["capped"] * 2


def test_a_wish_fulfilled_by_an_organisation_awards_nobody(county):
    with county.runtime.db.transaction() as session:
        emit(
            session,
            WishFulfilled(
                locality_code=VILLAGE,
                wish_id=1,
                wisher_person_id=county.people["李梅"],
                fulfiller_person_id=None,
            ),
        )
        emit(
            session,
            WishFulfilled(
                locality_code=VILLAGE,
                wish_id=2,
                wisher_person_id=county.people["李梅"],
                fulfiller_person_id=county.people["赵六"],
            ),
        )
    with county.runtime.db.new_session() as session:
        assert balances(session) == {"赵六": 5}
        skipped = session.scalar(
            select(PointsAutoAward).where(PointsAutoAward.outcome == "skipped")
        )
        assert "fulfiller_person_id 为空" in skipped.note


def test_a_rule_that_needs_review_turns_the_event_into_a_claim(make_county):
    rules = [
        {
            "code": "CY09",
            "name": "参加议事会（需审核）",
            "category": "参与公共事务",
            "points": 3,
            "needs_review": True,
            "trigger_event": "consultation.deliberation_attended",
        }
    ]
    county = make_county({"resident_holder": "person", "rules": rules})
    attend(county, "张三", 1)
    with county.runtime.db.new_session() as session:
        claim = session.scalars(select(PointsClaim)).one()
        assert (claim.state, claim.source, claim.rule_code) == ("submitted", "event", "CY09")
        assert [p.name for p in claim.persons] == ["张三"]
        assert balances(session) == {}


def test_the_same_event_emitted_concurrently_awards_once(county):
    attempts = 12
    barrier = threading.Barrier(attempts)
    errors = []

    def emit_once():
        barrier.wait()
        try:
            attend(county, "赵六", 42)
        except Exception as exc:  # a losing writer may only fail, never award twice
            errors.append(exc)

    threads = [threading.Thread(target=emit_once) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with county.runtime.db.new_session() as session:
        assert balances(session) == {"赵六": 2}
        assert session.scalar(select(func.count()).select_from(PointsAutoAward)) == 2  # CY01, XF01
        assert verify(session).ok
    assert errors == []
