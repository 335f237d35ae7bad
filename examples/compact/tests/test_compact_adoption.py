"""A compact's life: the village drafts it, the township reviews it, a real deliberation of the
consultation plugin votes on it, the village records the vote and publishes it; a revision
starts from it and supersedes it, and the adopted version stays as it was adopted."""

from __future__ import annotations

import pytest
from compact_support import (
    LAWFUL_ARTICLES,
    WORKFLOW,
    draft_with,
    hold_and_vote,
    plan_meeting,
    put_to_meeting,
    reviewed,
)
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from core.models import EventRecord, Organization
from core.testing import NEIGHBOUR, VILLAGE, principal
from core.workflow import WorkflowError
from plugins.consultation.models import (
    ConsultationAgendaItem,
    ConsultationAssignment,
    ConsultationMatter,
)

from gongzhi_compact import adoption, drafting
from gongzhi_compact.errors import CompactError
from gongzhi_compact.models import CompactAdoption, CompactVersion


def test_a_draft_with_a_fine_cannot_be_submitted_and_the_refusal_names_article_and_phrase(
    compact,
):
    with compact.db.transaction() as session:
        version = draft_with(session, [*LAWFUL_ARTICLES, (None, "乱扔垃圾的，罚款20元。")])
        village = principal(compact, session, "village")
        with pytest.raises(WorkflowError) as caught:
            WORKFLOW.apply(version, "submit", village, session)
        assert "第4条含有“罚款20元”" in str(caught.value)
        assert version.state == "draft"
        article = version.articles[-1]
        drafting.update_article(session, article, body="乱扔垃圾的，批评教育并通报。")
        WORKFLOW.apply(version, "submit", village, session)
        assert version.state == "submitted"


def test_a_draft_with_a_gap_in_its_numbering_cannot_be_submitted(compact):
    with compact.db.transaction() as session:
        version = drafting.start_draft(session, locality_code="500243001001", title="居民公约")
        drafting.add_article(session, version, number=1, body="孝老爱亲。")
        drafting.add_article(session, version, number=3, body="邻里和睦。")
        with pytest.raises(WorkflowError, match="缺少第2条"):
            WORKFLOW.apply(version, "submit", principal(compact, session, "village"), session)


def test_only_the_township_reviews_and_not_the_one_who_submitted(compact):
    with compact.db.transaction() as session:
        version = draft_with(session)
        county = principal(compact, session, "county")
        WORKFLOW.apply(version, "submit", county, session)
        with pytest.raises(WorkflowError, match="权限"):
            WORKFLOW.apply(version, "approve", principal(compact, session, "village"), session)
        with pytest.raises(WorkflowError, match="提交人不能审查自己提交的村规民约"):
            WORKFLOW.apply(version, "approve", county, session)
        WORKFLOW.apply(version, "approve", principal(compact, session, "town"), session)
        assert version.state == "reviewed"
        assert version.reviewed_by == "account:town"


def test_the_township_returns_a_draft_with_a_reason(compact):
    with compact.db.transaction() as session:
        version = draft_with(session)
        WORKFLOW.apply(version, "submit", principal(compact, session, "village"), session)
        town = principal(compact, session, "town")
        with pytest.raises(WorkflowError, match="必须填写理由"):
            WORKFLOW.apply(version, "return", town, session)
        WORKFLOW.apply(version, "return", town, session, reason="第2条表述不清")
        assert (version.state, version.reason) == ("draft", "第2条表述不清")


def test_a_submitted_compact_is_frozen(compact):
    with compact.db.transaction() as session:
        version = draft_with(session)
        WORKFLOW.apply(version, "submit", principal(compact, session, "village"), session)
        with pytest.raises(CompactError, match="只有草稿可以修改"):
            drafting.add_article(session, version, number=4, body="新增一条。")
        with pytest.raises(CompactError, match="只有草稿可以修改"):
            drafting.update_article(session, version.articles[0], body="改一改。")


def test_an_adopted_compact_goes_through_a_real_deliberation(compact):
    with compact.db.transaction() as session:
        version = reviewed(compact, session)
        meeting = put_to_meeting(compact, session, version)
        assert version.state == "deliberation"
        matter = session.get(ConsultationMatter, version.matter_id)
        assert matter.item_code == "A01"
        assert matter.source == "committee"
        assert matter.title == "审议《城南社区居民公约》第1版"
        assert "第3条 违反本公约的" in matter.description
        on_agenda = session.scalar(
            select(ConsultationAgendaItem.matter_id).where(
                ConsultationAgendaItem.deliberation_id == meeting.id
            )
        )
        assert on_agenda == matter.id

        village = principal(compact, session, "village")
        with pytest.raises(WorkflowError, match="协商结果尚未公开"):
            WORKFLOW.apply(version, "adopt", village, session)
        hold_and_vote(compact, session, version, meeting, (7, 2, 1), attendees=10)
        with pytest.raises(WorkflowError, match="已超过参会人数的半数，应记录为通过"):
            WORKFLOW.apply(version, "reject", village, session)
        WORKFLOW.apply(version, "adopt", village, session)
        WORKFLOW.apply(version, "publish", village, session)
        assert version.state == "published"

        record = session.scalar(select(CompactAdoption))
        assert (record.adopted, record.attendees, record.votes_for) == (True, 10, 7)
        assert record.deliberation_id == meeting.id
        names = session.scalars(
            select(EventRecord.name).where(EventRecord.name.like("compact.%"))
        ).all()
        assert names == ["compact.compact_adopted", "compact.compact_published"]


def test_half_of_those_present_is_not_enough_to_adopt(compact):
    with compact.db.transaction() as session:
        version = reviewed(compact, session)
        meeting = put_to_meeting(compact, session, version)
        hold_and_vote(compact, session, version, meeting, (5, 4, 1), attendees=10)
        village = principal(compact, session, "village")
        with pytest.raises(WorkflowError) as caught:
            WORKFLOW.apply(version, "adopt", village, session)
        assert str(caught.value) == (
            "赞成 5 票、反对 4 票、弃权 1 票（参会 10 人），未超过参会人数的半数，不能记录为通过"
        )
        WORKFLOW.apply(version, "reject", village, session)
        record = session.scalar(select(CompactAdoption))
        assert (version.state, record.adopted, record.votes_for) == ("rejected", False, 5)


def test_a_meeting_without_a_vote_on_the_compact_cannot_adopt_it(compact):
    with compact.db.transaction() as session:
        version = reviewed(compact, session)
        meeting = put_to_meeting(compact, session, version)
        hold_and_vote(compact, session, version, meeting, None)
        with pytest.raises(WorkflowError, match="没有对本村规民约进行表决"):
            WORKFLOW.apply(version, "adopt", principal(compact, session, "village"), session)


def test_only_a_meeting_of_the_village_itself_may_deliberate_its_compact(compact):
    with compact.db.transaction() as session:
        version = reviewed(compact, session)
        next_door = plan_meeting(session, locality=NEIGHBOUR)
        with pytest.raises(WorkflowError, match="不是本村（社区）召开的会议"):
            put_to_meeting(compact, session, version, next_door)
        with pytest.raises(CompactError, match="不存在或不在您的管辖范围内"):
            adoption.refer(
                session,
                version,
                next_door.id,
                principal(compact, session, "village"),
                scope_code="500243001001",
            )


def test_the_village_may_withdraw_until_the_meeting_is_held(compact):
    with compact.db.transaction() as session:
        version = reviewed(compact, session)
        meeting = put_to_meeting(compact, session, version)
        village = principal(compact, session, "village")
        WORKFLOW.apply(version, "withdraw", village, session, reason="补充条款")
        assert (version.state, version.deliberation_id) == ("draft", None)
        WORKFLOW.apply(version, "submit", village, session)
        WORKFLOW.apply(version, "approve", principal(compact, session, "town"), session)
        put_to_meeting(compact, session, version, plan_meeting(session))
        hold_and_vote(compact, session, version, version.deliberation, (8, 1, 1), publish=False)
        with pytest.raises(WorkflowError, match="议事会议已经召开"):
            WORKFLOW.apply(version, "withdraw", village, session, reason="再改改")
        assert meeting.id != version.deliberation_id


def test_a_revision_supersedes_the_compact_in_force_which_stays_as_adopted(compact):
    with compact.db.transaction() as session:
        first = reviewed(compact, session)
        hold_and_vote(compact, session, first, put_to_meeting(compact, session, first), (8, 1, 1))
        village = principal(compact, session, "village")
        WORKFLOW.apply(first, "adopt", village, session)
        WORKFLOW.apply(first, "publish", village, session)
        adopted_text = [a.body for a in first.articles]

        second = drafting.start_draft(
            session, locality_code=first.locality_code, based_on_id=first.id
        )
        assert (second.number, second.title, second.based_on_id) == (2, first.title, first.id)
        with pytest.raises(CompactError, match="已有正在办理的《城南社区居民公约》第2版（草稿）"):
            drafting.start_draft(session, locality_code=first.locality_code, title="另起一版")
        drafting.update_article(session, second.articles[1], body="红白喜事简办，婚事新办。")
        WORKFLOW.apply(second, "submit", village, session)
        WORKFLOW.apply(second, "approve", principal(compact, session, "town"), session)
        meeting = put_to_meeting(compact, session, second)
        hold_and_vote(compact, session, second, meeting, (9, 0, 1))
        WORKFLOW.apply(second, "adopt", village, session)
        WORKFLOW.apply(second, "publish", village, session)

        assert (first.state, second.state) == ("superseded", "published")
        assert first.superseded_at is not None
        assert [a.body for a in first.articles] == adopted_text
        assert drafting.in_force(session, first.locality_code).id == second.id
        assert session.query(CompactAdoption).count() == 2
        assert session.query(CompactVersion).count() == 2


@pytest.mark.gongzhi_plugins(
    "consultation", "compact", settings={"compact": {"consultation_item": "Z99"}}
)
def test_the_consultation_catalogue_item_comes_from_the_settings(compact):
    with compact.db.transaction() as session:
        version = reviewed(compact, session)
        with pytest.raises(CompactError) as caught:
            put_to_meeting(compact, session, version)
        assert caught.value.field == "consultation_item"
        assert str(caught.value).startswith("设置 plugins.compact.consultation_item 有误：")


def test_two_clerks_publishing_the_same_compact_at_once_publish_it_once(compact):
    with compact.db.transaction() as session:
        version = reviewed(compact, session)
        hold_and_vote(
            compact, session, version, put_to_meeting(compact, session, version), (8, 1, 1)
        )
        WORKFLOW.apply(version, "adopt", principal(compact, session, "village"), session)
        version_id = version.id
    first, second = compact.db.new_session(), compact.db.new_session()
    try:
        records = [session.get(CompactVersion, version_id) for session in (first, second)]
        WORKFLOW.apply(records[0], "publish", principal(compact, first, "village"), first)
        first.commit()
        with pytest.raises(StaleDataError):
            WORKFLOW.apply(records[1], "publish", principal(compact, second, "village"), second)
            second.commit()
        second.rollback()
    finally:
        first.close()
        second.close()
    with compact.db.new_session() as session:
        published = session.scalars(
            select(EventRecord).where(EventRecord.name == "compact.compact_published")
        ).all()
        assert len(published) == 1


def test_the_village_committee_takes_up_the_matter_and_it_is_resolved_with_the_vote(compact):
    with compact.db.transaction() as session:
        committee = Organization(
            name="城南社区居民委员会", kind="residents_committee", locality_code=VILLAGE
        )
        session.add(committee)
        version = reviewed(compact, session)
        meeting = put_to_meeting(compact, session, version)
        matter = session.get(ConsultationMatter, version.matter_id)
        assert (matter.state, matter.triage) == ("in_progress", "minor")
        lead = session.scalar(
            select(ConsultationAssignment.organization_id).where(
                ConsultationAssignment.matter_id == matter.id,
                ConsultationAssignment.role == "lead",
            )
        )
        assert lead == committee.id
        hold_and_vote(compact, session, version, meeting, (6, 3, 1))
        WORKFLOW.apply(version, "adopt", principal(compact, session, "village"), session)
        assert matter.state == "resolved"
        assert matter.resolution == (
            "《城南社区居民公约》第1版经“居民公约修订会议”表决通过："
            "赞成 6 票、反对 3 票、弃权 1 票（参会 10 人）。"
        )


def test_a_withdrawn_compacts_matter_is_resolved_saying_so(compact):
    with compact.db.transaction() as session:
        session.add(
            Organization(
                name="城南社区居民委员会", kind="residents_committee", locality_code=VILLAGE
            )
        )
        version = reviewed(compact, session)
        put_to_meeting(compact, session, version)
        matter = session.get(ConsultationMatter, version.matter_id)
        WORKFLOW.apply(
            version, "withdraw", principal(compact, session, "village"), session, reason="补充条款"
        )
        assert (matter.state, matter.resolution) == (
            "resolved",
            "《城南社区居民公约》第1版撤回修改：补充条款",
        )
