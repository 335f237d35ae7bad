"""积分申报: submission, review by someone else, public notice, objections, posting, reversal."""

from __future__ import annotations

import datetime as dt

import pytest
from points_support import NEIGHBOUR, VILLAGE
from sqlalchemy import func, select

from core.models import EventRecord
from core.workflow import WorkflowError
from plugins.points.claims import ClaimError, submit_claim
from plugins.points.ledger import verify
from plugins.points.models import (
    PointsAccount,
    PointsClaim,
    PointsMovement,
    PointsRule,
    PointsTransfer,
)
from plugins.points.workflow import CLAIM_WORKFLOW

DAY = dt.date(2026, 3, 2)


def balances(session):
    """Holder balances by holder name."""
    accounts = session.scalars(select(PointsAccount).where(PointsAccount.kind == "holder")).all()
    return {a.holder_name: a.balance for a in accounts}


def submit(county, session, username="village", **overrides):
    data = {
        "rule_code": "ZY01",
        "locality_code": VILLAGE,
        "activity": "三月学雷锋志愿服务",
        "occurred_on": DAY,
        "evidence": "活动照片 5 张",
        "person_ids": [county.people["张三"], county.people["李梅"]],
    }
    data.update(overrides)
    return submit_claim(session, county.principal(session, username), **data)


def test_a_reviewed_claim_is_noticed_then_posted_to_every_resident_at_once(county, travel):
    travel(DAY)
    claim_person_ids = [county.people["张三"], county.people["李梅"]]
    workflow = CLAIM_WORKFLOW
    with county.runtime.db.transaction() as session:
        claim = submit(county, session)
        assert claim.state == "submitted"
        workflow.apply(claim, "approve", county.principal(session, "town"), session)
        assert claim.state == "notice"
        assert (claim.notice_starts_on, claim.notice_ends_on) == (DAY, dt.date(2026, 3, 4))
        assert balances(session) == {}
        with pytest.raises(WorkflowError, match="期满后才能入账"):
            workflow.apply(claim, "post", county.principal(session, "town"), session)
    travel(dt.date(2026, 3, 5))
    with county.runtime.db.transaction() as session:
        claim = session.get(PointsClaim, claim.id)
        workflow.apply(claim, "post", county.principal(session, "town"), session)
        assert balances(session) == {"张三": 3, "李梅": 3}
        transfer = session.get(PointsTransfer, claim.transfer_id)
        assert transfer.rule.code == "ZY01" and transfer.rule.version == 1
        assert sum(m.amount for m in transfer.movements) == 0
        assert verify(session).ok
        event = session.scalar(select(EventRecord).where(EventRecord.name == "points.claim_posted"))
        assert event.payload["claim_id"] == claim.id and event.payload["points_each"] == 3
        assert sorted(event.payload["person_ids"]) == sorted(claim_person_ids)


def test_whoever_submits_a_claim_cannot_review_it(county, travel):
    travel(DAY)
    with county.runtime.db.transaction() as session:
        claim = submit(county, session, username="town")
        with pytest.raises(WorkflowError, match="审核人不能是申报人本人"):
            CLAIM_WORKFLOW.apply(claim, "approve", county.principal(session, "town"), session)
        CLAIM_WORKFLOW.apply(claim, "approve", county.principal(session, "town2"), session)
        assert claim.reviewed_by == "account:town2"


def test_a_village_account_cannot_review_claims_by_default(county, travel):
    travel(DAY)
    with county.runtime.db.transaction() as session:
        claim = submit(county, session, username="town")
        with pytest.raises(WorkflowError, match="权限"):
            CLAIM_WORKFLOW.apply(claim, "approve", county.principal(session, "village"), session)


def test_an_objection_during_the_notice_sends_the_claim_back_for_review(county, travel):
    travel(DAY)
    with county.runtime.db.transaction() as session:
        claim = submit(county, session)
        CLAIM_WORKFLOW.apply(claim, "approve", county.principal(session, "town"), session)
        with pytest.raises(WorkflowError, match="必须填写理由"):
            CLAIM_WORKFLOW.apply(claim, "object", county.principal(session, "village"), session)
        CLAIM_WORKFLOW.apply(
            claim, "object", county.principal(session, "village"), session, reason="李梅当天不在村"
        )
        assert (claim.state, claim.objection, claim.objections) == (
            "submitted",
            "李梅当天不在村",
            1,
        )
        assert claim.notice_ends_on is None
        CLAIM_WORKFLOW.apply(
            claim, "reject", county.principal(session, "town"), session, reason="经核实不符"
        )
        assert claim.state == "rejected" and claim.reason == "经核实不符"
        assert session.scalar(select(func.count()).select_from(PointsTransfer)) == 0


def test_no_objection_is_taken_after_the_notice_ended(county, travel):
    travel(DAY)
    with county.runtime.db.transaction() as session:
        claim = submit(county, session)
        CLAIM_WORKFLOW.apply(claim, "approve", county.principal(session, "town"), session)
    travel(dt.date(2026, 3, 10))
    with county.runtime.db.transaction() as session:
        claim = session.get(PointsClaim, claim.id)
        with pytest.raises(WorkflowError, match="公示期已于 2026-03-04 结束"):
            CLAIM_WORKFLOW.apply(
                claim, "object", county.principal(session, "village"), session, reason="晚了"
            )


def test_a_rule_without_review_goes_straight_to_notice(county, travel):
    travel(DAY)
    with county.runtime.db.transaction() as session:
        claim = submit(county, session, rule_code="HJ01", activity="河道清漂")
        assert claim.state == "notice" and claim.reviewed_by == "无需审核"


def test_with_no_notice_period_an_approved_claim_is_posted_at_once(make_county, travel):
    county = make_county({"resident_holder": "person", "notice_days": 0})
    travel(DAY)
    with county.runtime.db.transaction() as session:
        claim = submit(county, session)
        town = county.principal(session, "town")
        assert [t.name for t in CLAIM_WORKFLOW.allowed(claim, town, session)] == [
            "approve_post",
            "reject",
        ]
        CLAIM_WORKFLOW.apply(claim, "approve_post", town, session)
        assert claim.state == "posted"
        assert balances(session) == {"张三": 3, "李梅": 3}
        instant = submit(county, session, rule_code="HJ01", activity="河道清漂")
        assert instant.state == "posted"
        assert balances(session) == {"张三": 5, "李梅": 5}


def test_household_points_accrue_to_the_household_once_per_participant(make_county, travel):
    county = make_county({"resident_holder": "household", "notice_days": 0})
    travel(DAY)
    with county.runtime.db.transaction() as session:
        submit(county, session, rule_code="HJ01", activity="河道清漂")
        assert balances(session) == {"张三户": 4}


def test_a_correction_is_a_reversing_transfer_with_a_reason(make_county, travel):
    county = make_county({"resident_holder": "person", "notice_days": 0})
    travel(DAY)
    with county.runtime.db.transaction() as session:
        claim = submit(county, session, rule_code="HJ01", activity="河道清漂")
        original = claim.transfer_id
        with pytest.raises(WorkflowError, match="必须填写理由"):
            CLAIM_WORKFLOW.apply(claim, "reverse", county.principal(session, "town"), session)
        CLAIM_WORKFLOW.apply(
            claim, "reverse", county.principal(session, "town"), session, reason="重复申报"
        )
        assert claim.state == "reversed"
        reversal = session.get(PointsTransfer, claim.reversal_id)
        assert (reversal.kind, reversal.reverses_id, reversal.reason) == (
            "reversal",
            original,
            "重复申报",
        )
        assert balances(session) == {"张三": 0, "李梅": 0}
        assert session.scalar(select(func.count()).select_from(PointsMovement)) == 6
        assert all(
            a.earned == 0 for a in session.scalars(select(PointsAccount)) if a.kind == "holder"
        )
        assert verify(session).ok


def test_the_monthly_cap_is_enforced_and_freed_by_a_reversal(make_county, travel):
    county = make_county({"resident_holder": "person", "notice_days": 0})
    travel(DAY)
    people = [county.people["张三"]]
    with county.runtime.db.transaction() as session:
        claims = [
            submit(county, session, rule_code="HJ01", activity=f"第{n}次", person_ids=people)
            for n in range(5)
        ]
        assert balances(session) == {"张三": 10}
        message = "超过规则 HJ01（参加环境整治、垃圾分类）每月上限 10 分：张三"
        with pytest.raises(ClaimError, match=message):
            submit(county, session, rule_code="HJ01", activity="第6次", person_ids=people)
        february = dt.date(2026, 2, 27)
        submit(
            county,
            session,
            rule_code="HJ01",
            activity="二月",
            person_ids=people,
            occurred_on=february,
        )
        assert balances(session) == {"张三": 12}
        CLAIM_WORKFLOW.apply(
            claims[0], "reverse", county.principal(session, "town"), session, reason="重复"
        )
        submit(county, session, rule_code="HJ01", activity="第6次", person_ids=people)
        assert balances(session) == {"张三": 12}


def test_the_cap_is_enforced_again_when_claims_waiting_for_review_are_posted(make_county, travel):
    county = make_county({"resident_holder": "person", "notice_days": 0})
    travel(DAY)
    people = [county.people["张三"]]
    with county.runtime.db.transaction() as session:
        waiting = [
            submit(county, session, activity=f"志愿{n}", person_ids=people) for n in range(6)
        ]
        town = county.principal(session, "town")
        for claim in waiting[:5]:
            CLAIM_WORKFLOW.apply(claim, "approve_post", town, session)
        assert balances(session) == {"张三": 15}
    with (
        pytest.raises(WorkflowError, match="每月上限 15 分：张三"),
        county.runtime.db.transaction() as session,
    ):
        claim = session.get(PointsClaim, waiting[5].id)
        CLAIM_WORKFLOW.apply(claim, "approve_post", county.principal(session, "town"), session)
    with county.runtime.db.new_session() as session:
        assert session.get(PointsClaim, waiting[5].id).state == "submitted"
        assert balances(session) == {"张三": 15}


def test_bad_claims_are_refused_with_the_field_named_and_nothing_written(county, travel):
    travel(DAY)
    cases = [
        ({"rule_code": "NOPE"}, "rule_code", "未知的积分规则代码：NOPE"),
        ({"person_ids": []}, "person_ids", "请至少选择一名居民"),
        ({"person_ids": [999999]}, "person_ids", "居民 #999999 不存在"),
        ({"activity": "  "}, "activity", "请填写活动名称"),
        ({"activity": "a\x00b"}, "activity", "非法字符"),
        ({"occurred_on": dt.date(2026, 3, 3)}, "occurred_on", "不能晚于今天"),
        ({"locality_code": NEIGHBOUR}, "locality_code", "长滩村不在您的管辖范围内"),
        ({"rule_code": "XF01"}, "person_ids", "张三不是党员"),
        ({"rule_code": "BL01"}, "rule_code", "须由乡镇（街道）及以上申报"),
    ]
    with county.runtime.db.transaction() as session:
        outsider = county.people["孙七"]
        cases.append(({"person_ids": [outsider]}, "person_ids", "孙七不在您的管辖范围内"))
        for overrides, field, message in cases:
            with pytest.raises(ClaimError, match=message) as caught:
                submit(county, session, **overrides)
            assert caught.value.field == field
        town_case = {"person_ids": [county.people["周八"]]}
        with pytest.raises(ClaimError, match="周八不在您的管辖范围内"):
            submit(county, session, username="town", **town_case)
        with pytest.raises(ClaimError, match="周八不属于城南社区"):
            submit(county, session, username="county", **town_case)
        assert session.scalar(select(func.count()).select_from(PointsClaim)) == 0


def test_an_award_records_the_rule_version_it_used(make_county, travel):
    county = make_county({"resident_holder": "person", "notice_days": 0})
    travel(DAY)
    with county.runtime.db.transaction() as session:
        first = submit(county, session, rule_code="HJ01", activity="一")
        rule = session.get(PointsRule, first.rule_id)
        assert (rule.version, rule.points, rule.source) == (1, 2, "config")
    from plugins.points.rules import add_override

    with county.runtime.db.transaction() as session:
        override = add_override(
            session,
            VILLAGE,
            {
                "code": "HJ01",
                "name": "垃圾分类示范户",
                "category": "环境整治",
                "points": 4,
                "cap": 20,
                "cap_period": "month",
                "needs_review": False,
            },
            "account:village",
        )
        second = submit(county, session, rule_code="HJ01", activity="二")
        assert second.rule_id == override.id and second.points == 4
        neighbour = submit(
            county,
            session,
            username="town",
            rule_code="HJ01",
            activity="三",
            locality_code=NEIGHBOUR,
            person_ids=[county.people["孙七"]],
        )
        assert neighbour.points == 2  # the county's rule, since 长滩村 has no override
        assert session.get(PointsTransfer, first.transfer_id).rule_id == first.rule_id
