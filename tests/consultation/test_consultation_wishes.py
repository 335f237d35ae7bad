"""Micro-wishes (微心愿): posted by a resident, claimed once by a volunteer or a merchant even under
concurrent clicks, fulfilled, and confirmed by the wisher."""

from __future__ import annotations

import threading

import pytest
from consultation_support import NEIGHBOUR, VILLAGE, principal
from sqlalchemy import select

from core.models import EventRecord
from core.workflow import WorkflowError
from plugins.consultation import wishes
from plugins.consultation.errors import ConsultationError
from plugins.consultation.models import ConsultationWish

WORKFLOW = ConsultationWish.__workflow__


def post(session, runtime, **extra):
    data = {
        "wisher_id": runtime.ids.elder,
        "title": "想要一副老花镜",
        "description": "眼睛看不清报纸了。",
    }
    data.update(extra)
    return wishes.post_wish(session, **data)


def test_a_wish_hangs_on_the_wall_of_the_wishers_village(consult):
    with consult.db.transaction() as session:
        wish = post(session, consult)
        assert (wish.state, wish.locality_code) == ("posted", VILLAGE)
        with pytest.raises(ConsultationError, match="管辖范围") as caught:
            post(session, consult, scope_code=NEIGHBOUR)
        assert caught.value.field == "wisher_id"
        with pytest.raises(ConsultationError, match="不能为空"):
            post(session, consult, title=" ")


def test_a_volunteer_or_a_merchant_may_claim_but_not_any_resident_nor_the_wisher(consult):
    ids = consult.ids
    with consult.db.transaction() as session:
        actor = principal(consult, session, "village")
        wish = post(session, consult)
        with pytest.raises(ConsultationError, match="志愿者或党员"):
            wishes.claim_wish(session, wish, actor, person_id=ids.r2)
        with pytest.raises(ConsultationError, match="二者选一"):
            wishes.claim_wish(
                session, wish, actor, person_id=ids.volunteer, organization_id=ids.orgs.merchant
            )
        wishes.claim_wish(session, wish, actor, person_id=ids.volunteer)
        assert (wish.state, wish.claimer_person_id) == ("claimed", ids.volunteer)
        second = post(session, consult, title="想学用智能手机")
        wishes.claim_wish(session, second, actor, organization_id=ids.orgs.merchant)
        assert second.claimer_organization_id == ids.orgs.merchant
        own = post(session, consult, wisher_id=ids.volunteer, title="修自行车")
        with pytest.raises(ConsultationError, match="自己的心愿"):
            wishes.claim_wish(session, own, actor, person_id=ids.volunteer)


def test_the_wishers_confirmation_emits_the_event_naming_who_fulfilled_it(consult):
    ids = consult.ids
    with consult.db.transaction() as session:
        actor = principal(consult, session, "village")
        by_person = post(session, consult)
        wishes.claim_wish(session, by_person, actor, person_id=ids.volunteer)
        wishes.fulfil_wish(session, by_person, actor, "已送到家")
        assert not session.scalars(select(EventRecord)).all()
        WORKFLOW.apply(by_person, "dispute", actor, session, reason="度数不合适")
        assert by_person.state == "claimed"
        wishes.fulfil_wish(session, by_person, actor, "已换合适度数")
        WORKFLOW.apply(by_person, "confirm", actor, session)
        by_shop = post(session, consult, title="想要一袋米")
        wishes.claim_wish(session, by_shop, actor, organization_id=ids.orgs.merchant)
        wishes.fulfil_wish(session, by_shop, actor)
        WORKFLOW.apply(by_shop, "confirm", actor, session)
        payloads = [
            e.payload
            for e in session.scalars(
                select(EventRecord)
                .where(EventRecord.name == "consultation.wish_fulfilled")
                .order_by(EventRecord.id)
            )
        ]
        assert payloads == [
            {
                "locality_code": VILLAGE,
                "wish_id": by_person.id,
                "wisher_person_id": ids.elder,
                "fulfiller_person_id": ids.volunteer,
            },
            {
                "locality_code": VILLAGE,
                "wish_id": by_shop.id,
                "wisher_person_id": ids.elder,
                "fulfiller_person_id": None,
            },
        ]
        assert by_person.confirmed_at is not None


def test_a_released_claim_frees_the_wish_and_a_withdrawn_wish_needs_a_reason(consult):
    with consult.db.transaction() as session:
        actor = principal(consult, session, "village")
        wish = post(session, consult)
        wishes.claim_wish(session, wish, actor, person_id=consult.ids.volunteer)
        WORKFLOW.apply(wish, "release", actor, session, reason="临时外出")
        assert (wish.state, wish.claimer) == ("posted", None)
        with pytest.raises(WorkflowError, match="理由"):
            WORKFLOW.apply(wish, "withdraw", actor, session)
        WORKFLOW.apply(wish, "withdraw", actor, session, reason="家人已买")
        with pytest.raises(ConsultationError, match="不能认领"):
            wishes.claim_wish(session, wish, actor, person_id=consult.ids.volunteer)


def test_two_claimers_at_the_same_moment_never_both_get_the_wish(consult):
    ids = consult.ids
    with consult.db.transaction() as session:
        wish_id = post(session, consult).id
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def claim(name: str, **claimer: int) -> None:
        try:
            with consult.db.transaction(actor=f"account:{name}", channel="api") as session:
                wish = session.get(ConsultationWish, wish_id)
                actor = principal(consult, session, "village")
                barrier.wait()
                wishes.claim_wish(session, wish, actor, **claimer)
            outcomes[name] = "claimed"
        except ConsultationError as exc:
            outcomes[name] = exc.message

    threads = [
        threading.Thread(target=claim, args=("volunteer",), kwargs={"person_id": ids.volunteer}),
        threading.Thread(
            target=claim, args=("shop",), kwargs={"organization_id": ids.orgs.merchant}
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()).count("claimed") == 1, outcomes
    loser = next(v for v in outcomes.values() if v != "claimed")
    assert "已被他人认领" in loser
    with consult.db.transaction() as session:
        wish = session.get(ConsultationWish, wish_id)
        winner = next(k for k, v in outcomes.items() if v == "claimed")
        assert wish.state == "claimed" and wish.version == 2
        if winner == "volunteer":
            assert (wish.claimer_person_id, wish.claimer_organization_id) == (ids.volunteer, None)
        else:
            assert (wish.claimer_person_id, wish.claimer_organization_id) == (
                None,
                ids.orgs.merchant,
            )


def test_public_names_are_masked():
    assert wishes.masked_name("张三") == "张*"
    assert wishes.masked_name("郑奶奶") == "郑**"
    assert wishes.masked_name("欧阳娜娜") == "欧阳**"
    assert wishes.masked_name("") == ""
