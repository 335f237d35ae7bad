"""The compact plugin as a deployment sees it: it cannot run without the consultation plugin,
its migration branch builds exactly its tables, its permissions split drafting from review, and
its demo data tells a compact's story in the demo county."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from core.migrate import schema_differences
from core.models import Locality, SettingOverride
from core.plugin_manager import MissingDependencyError, PluginManager
from core.settings import SettingOverrideError, check_override
from core.testing import COUNTY, NEIGHBOUR, TOWN, VILLAGE, add_person, principal
from plugins.consultation.models import ConsultationAgendaItem, ConsultationDeliberation

from gongzhi_compact import drafting
from gongzhi_compact.models import CompactAdoption, CompactVersion


def test_enabling_the_compact_without_consultation_names_the_missing_plugin():
    with pytest.raises(MissingDependencyError) as caught:
        PluginManager(["compact"])
    assert str(caught.value) == (
        "插件 compact 依赖插件 consultation，但后者未启用。"
        "请在 plugins.enabled 中加入 consultation。"
    )


def test_consultation_comes_first_in_plugin_order_whatever_the_config_says(make_runtime):
    runtime = make_runtime(["compact", "consultation"], migrated=False)
    assert runtime.plugins.names == ["consultation", "compact"]


def test_the_migrations_create_exactly_the_models(gongzhi_runtime):
    assert schema_differences(gongzhi_runtime) == []


def test_the_village_drafts_and_the_township_reviews(gongzhi_runtime):
    with gongzhi_runtime.db.new_session() as session:
        village = principal(gongzhi_runtime, session, "village")
        town = principal(gongzhi_runtime, session, "town")
        assert village.has_permission("compact.draft")
        assert not village.has_permission("compact.review")
        assert town.has_permission("compact.review")


def test_hook_register_demo_data_gives_villages_an_adopted_compact_and_one_a_revision(
    gongzhi_runtime,
):
    with gongzhi_runtime.db.transaction() as session:
        for sequence, code in enumerate([VILLAGE, VILLAGE, NEIGHBOUR, "500243101001"], 1):
            add_person(session, "村民", code, 400 + sequence)
        root = session.get(Locality, COUNTY[0])
        gongzhi_runtime.plugins.hook.register_demo_data(
            session=session, root=root, rng=random.Random(2026)
        )
    with gongzhi_runtime.db.new_session() as session:
        versions = session.scalars(select(CompactVersion).order_by(CompactVersion.id)).all()
        in_force = {v.locality_code for v in versions if v.state == "published"}
        assert in_force == {VILLAGE, NEIGHBOUR, "500243101001"}
        revision = next(v for v in versions if v.state == "draft")
        assert (revision.locality_code, revision.number) == (VILLAGE, 2)
        assert drafting.problems(session, revision) == [
            "第14条含有“罚款200元”：村规民约不得设定罚款等处罚（所修订的民约不允许有罚款等条约）"
        ]
        for version in versions:
            if version.state == "published":
                assert drafting.problems(session, version) == []
        votes = session.scalars(select(CompactAdoption)).all()
        assert len(votes) == 3
        for vote in votes:
            assert vote.adopted and vote.votes_for * 2 > vote.attendees
            meeting = session.get(ConsultationDeliberation, vote.deliberation_id)
            assert meeting.state == "published"
            item = session.scalar(
                select(ConsultationAgendaItem).where(
                    ConsultationAgendaItem.deliberation_id == meeting.id
                )
            )
            assert item.votes_for == vote.votes_for


def test_a_town_may_change_the_advice_but_never_the_forbidden_phrases(gongzhi_runtime):
    with gongzhi_runtime.db.transaction() as session:
        topics = [{"name": "禁毒", "keywords": ["毒品"]}]
        check_override(session, "compact", "recommended_topics", topics, TOWN)
        session.add(
            SettingOverride(
                locality_code=TOWN, plugin="compact", key="recommended_topics", value=topics
            )
        )
        with pytest.raises(SettingOverrideError):
            check_override(session, "compact", "forbidden_phrases", [], TOWN)
    with gongzhi_runtime.db.transaction() as session:
        version = drafting.start_draft(session, locality_code=VILLAGE, title="城南社区居民公约")
        drafting.add_article(session, version, number=1, body="远离毒品。")
        assert drafting.coverage(session, version) == [("禁毒", True)]
