"""A compact's life: the village drafts it, the township reviews it, a real deliberation of the
consultation plugin votes on it and, the moment the meeting's results are published, the vote
adopts or rejects it without anyone clicking; the village publishes it; a revision starts from it
and supersedes it, and the adopted version stays as it was adopted."""

from __future__ import annotations

import pytest
from compact_support import (
    LAWFUL_ARTICLES,
    MEETING,
    WORKFLOW,
    draft_with,
    hold_and_vote,
    plan_meeting,
    put_to_meeting,
    reviewed,
)
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from core.audit import AuditEntry, verify
from core.config import parse_config
from core.models import EventRecord, Organization
from core.runtime import Runtime
from core.testing import NEIGHBOUR, VILLAGE, make_config_data, principal
from core.workflow import WorkflowError
from plugins.consultation import deliberations
from plugins.consultation.models import (
    ConsultationAgendaItem,
    ConsultationAssignment,
    ConsultationDeliberation,
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
        hold_and_vote(compact, session, version, meeting, (7, 2, 1), attendees=10, publish=False)
        assert version.state == "deliberation"  # held and voted, results not yet public
        MEETING.apply(meeting, "publish", village, session)
        assert version.state == "adopted"  # without any further click
        assert version.decided_at is not None
        assert [t.name for t in WORKFLOW.allowed(version, village, session)] == ["publish"]
        WORKFLOW.apply(version, "publish", village, session)
        assert version.state == "published"

        record = session.scalar(select(CompactAdoption))
        assert (record.adopted, record.attendees, record.votes_for) == (True, 10, 7)
        assert (record.deliberation_id, record.outcome) == (meeting.id, "逐条审议")
        assert record.recorded_by == adoption.EVENT_ACTOR
        names = session.scalars(select(EventRecord.name).order_by(EventRecord.id)).all()
        assert [n for n in names if not n.endswith("_attended")] == [
            "consultation.deliberation_published",
            "compact.compact_adopted",
            "compact.compact_published",
        ]


def test_half_of_those_present_is_not_enough_to_adopt(compact):
    with compact.db.transaction() as session:
        version = reviewed(compact, session)
        meeting = put_to_meeting(compact, session, version)
        hold_and_vote(compact, session, version, meeting, (5, 4, 1), attendees=10)
        record = session.scalar(select(CompactAdoption))
        assert (version.state, record.adopted, record.votes_for) == ("rejected", False, 5)
        assert WORKFLOW.allowed(version, principal(compact, session, "village"), session) == []
        adopted = session.scalars(
            select(EventRecord).where(EventRecord.name == "compact.compact_adopted")
        ).all()
        assert adopted == []


def test_the_rule_is_more_than_half_of_those_present_not_of_those_who_voted(compact):
    with compact.db.transaction() as session:
        version = reviewed(compact, session)
        meeting = put_to_meeting(compact, session, version)
        hold_and_vote(compact, session, version, meeting, (6, 0, 0), attendees=10)
        assert version.state == "adopted"
        vote = adoption.vote_of(session, version)
        assert vote.summary == "赞成 6 票、反对 0 票、弃权 0 票（参会 10 人）"


def test_a_meeting_without_a_vote_on_the_compact_rejects_it(compact):
    with compact.db.transaction() as session:
        version = reviewed(compact, session)
        meeting = put_to_meeting(compact, session, version)
        hold_and_vote(compact, session, version, meeting, None)
        record = session.scalar(select(CompactAdoption))
        assert version.state == "rejected"
        assert (record.adopted, record.votes_for, record.outcome) == (False, None, "逐条审议")


def test_the_same_publication_delivered_twice_records_the_vote_once(compact):
    with compact.db.transaction() as session:
        version = reviewed(compact, session)
        meeting = put_to_meeting(compact, session, version)
        hold_and_vote(compact, session, version, meeting, (8, 1, 1))
        first = session.scalar(
            select(EventRecord.payload).where(
                EventRecord.name == "consultation.deliberation_published"
            )
        )
        again = deliberations.announce_results(session, meeting)  # delivered again
        assert again.payload() == first
        meeting_id = meeting.id
    with compact.db.transaction() as session:  # and again, later, in another transaction
        deliberations.announce_results(session, session.get(ConsultationDeliberation, meeting_id))
    with compact.db.new_session() as session:
        assert session.scalar(select(func.count()).select_from(CompactAdoption)) == 1
        adopted = session.scalars(
            select(EventRecord.name).where(EventRecord.name == "compact.compact_adopted")
        ).all()
        assert len(adopted) == 1
        published = session.scalars(
            select(EventRecord.name).where(
                EventRecord.name == "consultation.deliberation_published"
            )
        ).all()
        assert len(published) == 3


def test_the_system_records_the_vote_and_the_audit_log_tells_it_from_the_clerk(compact):
    with compact.db.transaction(actor="account:village", channel="admin") as session:
        version = reviewed(compact, session)
        hold_and_vote(
            compact, session, version, put_to_meeting(compact, session, version), (8, 1, 1)
        )
        version_id = version.id
    with compact.db.new_session() as session:

        def actors(table, action):
            return session.scalars(
                select(AuditEntry.actor).where(
                    AuditEntry.table_name == table, AuditEntry.action == action
                )
            ).all()

        assert actors("compact_adoption", "create") == [adoption.EVENT_ACTOR]
        published = session.scalars(
            select(AuditEntry).where(
                AuditEntry.table_name == "consultation_deliberation",
                AuditEntry.action == "update",
            )
        ).all()
        assert [e.actor for e in published if e.after.get("state") == "published"] == [
            "account:village"
        ]
        decided = session.scalars(
            select(AuditEntry).where(
                AuditEntry.table_name == "compact_version",
                AuditEntry.record_id == str(version_id),
                AuditEntry.action == "update",
            )
        ).all()
        assert [e.actor for e in decided if e.after.get("state") == "adopted"] == [
            adoption.EVENT_ACTOR
        ]
        assert verify(session).ok


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
        assert version.state == "adopted"
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
        hold_and_vote(compact, session, version, meeting, (6, 3, 1))  # adopted by the vote
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


def test_a_vote_published_while_the_compact_was_switched_off_at_the_village_is_recorded_by_hand(
    compact, database_url
):
    with compact.db.transaction() as session:
        version = reviewed(compact, session)
        meeting = put_to_meeting(compact, session, version)
        hold_and_vote(compact, session, version, meeting, (7, 2, 1), publish=False)
        version_id, meeting_id = version.id, meeting.id
    data = make_config_data(database_url, ["consultation", "compact"])
    data["coverage"] = {"compact": {"exclude": [VILLAGE]}}
    switched_off = Runtime(parse_config(data))
    try:
        with switched_off.db.transaction() as session:
            meeting = session.get(ConsultationDeliberation, meeting_id)
            MEETING.apply(meeting, "publish", principal(switched_off, session, "village"), session)
    finally:
        switched_off.close()
    with compact.db.transaction() as session:
        version = session.get(CompactVersion, version_id)
        assert version.state == "deliberation"  # the compact did not react where it was off
        village = principal(compact, session, "village")
        assert [t.name for t in WORKFLOW.allowed(version, village, session)] == ["adopt"]
        with pytest.raises(WorkflowError, match="已超过参会人数的半数，应记录为通过"):
            WORKFLOW.apply(version, "reject", village, session)
        WORKFLOW.apply(version, "adopt", village, session)
        record = session.scalar(select(CompactAdoption))
        assert (version.state, record.votes_for, record.recorded_by) == (
            "adopted",
            7,
            "account:village",
        )
        names = session.scalars(select(EventRecord.name).order_by(EventRecord.id)).all()
        assert names[-2:] == ["consultation.deliberation_published", "compact.compact_adopted"]
