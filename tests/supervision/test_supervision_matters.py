"""四议两公开: a major matter goes 党支部提议 → 两委商议 → 党员大会审议 → 村民代表会议决议 →
决议公开 → 实施结果公开, in that order only, and the representatives' vote is checked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from supervision_support import VILLAGE

from core.models import EventRecord
from core.workflow import WorkflowError
from plugins.supervision.models import (
    CollectiveAsset,
    Disclosure,
    LockedRecordError,
    MajorMatter,
    MatterMeeting,
)
from plugins.supervision.services import SupervisionError, matters
from plugins.supervision.workflows import ASSET_WORKFLOW, MATTER_WORKFLOW

NOW = dt.datetime(2025, 6, 30, 4, tzinfo=dt.UTC)
QUORATE = {"expected": 7, "present": 7, "votes_for": 6}
REPRESENTATIVES = {"expected": 30, "present": 21, "votes_for": 15, "votes_against": 4}


@pytest.fixture
def matter_id(desk):
    def work(session, actor):
        matter = MajorMatter(
            locality_code=VILLAGE,
            title="村民活动广场建设",
            category="project",
            amount=Decimal("180000"),
            description="在村部旁建设 600 平方米活动广场",
            created_by="account:clerk",
        )
        session.add(matter)
        session.flush()
        return matter.id

    return desk("clerk", work)


def hold(desk, matter_id, step, day, **figures):
    numbers = {**QUORATE, **figures}
    if step == "representatives" and not figures:
        numbers = dict(REPRESENTATIVES)

    def work(session, actor):
        matter = session.get(MajorMatter, matter_id)
        meeting = matters.record_meeting(
            session,
            matter,
            actor,
            step=step,
            held_on=dt.date(2025, 6, day),
            minutes=f"{step} 会议记录",
            resolution="同意建设村民活动广场，预算 18 万元，公开招标。",
            **numbers,
        )
        return meeting.passed, matter.state, matter.round

    return desk("clerk", work, now=NOW)


def state(county, matter_id):
    with county.db.transaction() as session:
        matter = session.get(MajorMatter, matter_id)
        return matter.state, matter.round


def meetings(county):
    with county.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(MatterMeeting))


def test_a_matter_goes_through_the_four_deliberations_and_two_disclosures_in_order(
    county, desk, matter_id
):
    assert hold(desk, matter_id, "proposal", 1) == (True, "proposed", 1)
    assert hold(desk, matter_id, "consultation", 3) == (True, "consulted", 1)
    assert hold(desk, matter_id, "party_review", 8) == (True, "reviewed", 1)
    assert hold(desk, matter_id, "representatives", 12) == (True, "resolved", 1)

    def disclose(name, result=None):
        def work(session, actor):
            matter = session.get(MajorMatter, matter_id)
            if result:
                matter.result = result
            MATTER_WORKFLOW.apply(matter, name, actor, session)
            return matter.state

        return work

    assert desk("clerk", disclose("disclose_resolution"), now=NOW) == "resolution_disclosed"
    with pytest.raises(WorkflowError, match="请先填写实施结果"):
        desk("clerk", disclose("disclose_result"), now=NOW)
    done = desk(
        "clerk", disclose("disclose_result", "广场已于 9 月建成，决算 17.6 万元。"), now=NOW
    )
    assert done == "completed"
    with county.db.transaction() as session:
        published = session.scalars(
            select(Disclosure).where(Disclosure.matter_id == matter_id).order_by(Disclosure.id)
        ).all()
        assert [d.title for d in published] == [
            "关于“村民活动广场建设”的决议公开",
            "关于“村民活动广场建设”的实施结果公开",
        ]
        assert "应到 30 人，实到 21 人；赞成 15 票" in published[0].content
        states = session.scalars(
            select(EventRecord.payload).where(EventRecord.name == "supervision.matter_advanced")
        ).all()
        assert [p["state"] for p in states] == [
            "proposed",
            "consulted",
            "reviewed",
            "resolved",
            "resolution_disclosed",
            "completed",
        ]


@pytest.mark.parametrize(
    ("done", "attempt", "expected"),
    [
        ([], "consultation", "当前应进行“党支部提议”"),
        ([], "representatives", "当前应进行“党支部提议”"),
        (["proposal"], "party_review", "当前应进行“两委商议”"),
        (["proposal", "consultation"], "representatives", "当前应进行“党员大会审议”"),
        (["proposal", "consultation"], "proposal", "当前应进行“党员大会审议”"),
    ],
)
def test_no_deliberation_can_be_skipped_or_reordered_and_nothing_is_written(
    county, desk, matter_id, done, attempt, expected
):
    for day, step in enumerate(done, start=1):
        hold(desk, matter_id, step, day)
    before = (state(county, matter_id), meetings(county))
    with pytest.raises(SupervisionError, match=expected):
        hold(desk, matter_id, attempt, 20)
    assert (state(county, matter_id), meetings(county)) == before


def test_the_workflow_refuses_a_step_without_its_meeting_even_when_called_directly(
    county, desk, matter_id
):
    def jump(session, actor):
        MATTER_WORKFLOW.apply(session.get(MajorMatter, matter_id), "propose", actor, session)

    with pytest.raises(WorkflowError, match="请先录入“党支部提议”的会议记录"):
        desk("clerk", jump)

    def skip(session, actor):
        matter = session.get(MajorMatter, matter_id)
        MATTER_WORKFLOW.apply(matter, "resolve", actor, session)

    with pytest.raises(WorkflowError, match="当前状态为“待党支部提议”，不能执行“村民代表会议决议”"):
        desk("clerk", skip)


def test_a_representatives_meeting_without_two_thirds_present_is_refused_and_nothing_written(
    county, desk, matter_id
):
    for day, step in enumerate(["proposal", "consultation", "party_review"], start=1):
        hold(desk, matter_id, step, day)
    with pytest.raises(SupervisionError, match="不足三分之二，会议无效"):
        hold(desk, matter_id, "representatives", 10, expected=30, present=19, votes_for=19)
    assert state(county, matter_id) == ("reviewed", 1)
    assert meetings(county) == 3
    # exactly two thirds is enough
    assert hold(desk, matter_id, "representatives", 11, expected=30, present=20, votes_for=11)[0]


def test_a_vote_needs_more_than_half_of_those_present_and_a_failed_vote_returns_to_proposal(
    county, desk, matter_id
):
    for day, step in enumerate(["proposal", "consultation", "party_review"], start=1):
        hold(desk, matter_id, step, day)
    passed, new_state, new_round = hold(
        desk, matter_id, "representatives", 10, expected=30, present=24, votes_for=12,
        votes_against=10, abstentions=2,
    )  # fmt: skip
    assert (passed, new_state, new_round) == (False, "draft", 2)
    with county.db.transaction() as session:
        matter = session.get(MajorMatter, matter_id)
        assert "赞成 12 票，未超过实到人数的半数" in matter.returned_reason
        assert matter.resolution is None
    # the new round starts again from the branch's proposal
    with pytest.raises(SupervisionError, match="当前应进行“党支部提议”"):
        hold(desk, matter_id, "representatives", 20)
    assert hold(desk, matter_id, "proposal", 20) == (True, "proposed", 2)


@pytest.mark.parametrize(
    ("figures", "message"),
    [
        ({"expected": 7, "present": 8, "votes_for": 5}, "实到人数 8 超过应到人数 7"),
        (
            {"expected": 7, "present": 6, "votes_for": 5, "votes_against": 2},
            "合计 7 票，超过实到人数 6",
        ),
        ({"expected": 7, "present": 3, "votes_for": 3}, "未过半数，会议无效"),
        ({"expected": 0, "present": 0, "votes_for": 0}, "应到人数至少为 1"),
        ({"expected": 7, "present": 7, "votes_for": -1}, "赞成票必须是不小于 0 的整数"),
    ],
)
def test_meeting_figures_that_do_not_add_up_are_refused(county, desk, matter_id, figures, message):
    with pytest.raises(SupervisionError, match=message):
        hold(desk, matter_id, "proposal", 1, **figures)
    assert meetings(county) == 0


def test_meetings_are_dated_in_order_and_never_in_the_future(county, desk, matter_id):
    hold(desk, matter_id, "proposal", 10)
    with pytest.raises(SupervisionError, match="早于上一步骤的会议日期"):
        hold(desk, matter_id, "consultation", 9)

    def future(session, actor):
        matters.record_meeting(
            session,
            session.get(MajorMatter, matter_id),
            actor,
            step="consultation",
            held_on=dt.date(2025, 7, 2),
            minutes="…",
            **QUORATE,
        )

    with pytest.raises(SupervisionError, match="晚于今天"):
        desk("clerk", future, now=NOW)


def test_a_meeting_record_is_never_edited(county, desk, matter_id):
    hold(desk, matter_id, "proposal", 1)

    def edit(session, actor):
        session.scalar(select(MatterMeeting)).votes_for = 1

    with pytest.raises(LockedRecordError, match="会议记录录入后不能修改"):
        desk("clerk", edit)


def test_only_staff_with_the_matter_permission_record_meetings(county, desk, matter_id):
    def work(session, actor):
        matters.record_meeting(
            session,
            session.get(MajorMatter, matter_id),
            actor,
            step="proposal",
            held_on=dt.date(2025, 6, 1),
            minutes="…",
            **QUORATE,
        )

    with pytest.raises(SupervisionError, match="没有录入四议两公开会议的权限"):
        desk("county", work, now=NOW)


def test_an_asset_is_disposed_of_only_through_a_decided_disposal_matter(county, desk):
    def setup(session, actor):
        asset = CollectiveAsset(
            locality_code=VILLAGE,
            code="ZC-001",
            name="旧村小学校舍",
            category="building",
            acquisition="build",
            acquired_on=dt.date(1998, 9, 1),
            original_value=Decimal("260000"),
        )
        matter = MajorMatter(locality_code=VILLAGE, title="处置旧校舍", category="asset_disposal")
        session.add_all([asset, matter])
        session.flush()
        return asset.id, matter.id

    asset_id, matter_id = desk("clerk", setup)

    def dispose(session, actor):
        asset = session.get(CollectiveAsset, asset_id)
        asset.disposal_matter_id = matter_id
        asset.disposed_on = dt.date(2025, 6, 20)
        asset.disposal_method = "公开拍卖"
        session.flush()
        session.refresh(asset, ["disposal_matter"])
        ASSET_WORKFLOW.apply(asset, "dispose", actor, session)

    with pytest.raises(WorkflowError, match="尚未经村民代表会议决议"):
        desk("clerk", dispose)
    for day, step in enumerate(["proposal", "consultation", "party_review"], start=1):
        hold(desk, matter_id, step, day)
    hold(desk, matter_id, "representatives", 5)
    desk("clerk", dispose)
    with county.db.transaction() as session:
        assert session.get(CollectiveAsset, asset_id).state == "disposed"

    def edit(session, actor):
        session.get(CollectiveAsset, asset_id).name = "改名"

    with pytest.raises(LockedRecordError, match="资产已处置"):
        desk("clerk", edit)
