"""What residents see on a village's public page: public matters with their status, meetings with
outcomes, the wish wall with masked names; figures on the township page; nothing private."""

from __future__ import annotations

import datetime as dt

import pytest
from consultation_support import TOWN, VILLAGE, principal
from sqlalchemy import select

from core.db import utcnow
from core.models import Person
from hostapp import create_app
from plugins.consultation import deliberations, matters, wishes
from plugins.consultation.evaluation import rate
from plugins.consultation.models import (
    ConsultationDeliberation,
    ConsultationMatter,
    ConsultationWish,
)


@pytest.fixture
def village_life(consult):
    ids = consult.ids
    with consult.db.transaction() as session:
        actor = principal(consult, session, "village")
        road = matters.submit_matter(
            session,
            locality_code=VILLAGE,
            item_code="B02",
            title="垃圾清运不及时",
            description="三天没人清运。",
            reporter_id=ids.reporter,
        )
        ConsultationMatter.__workflow__.apply(road, "accept", actor, session)
        matters.triage_matter(session, road, actor, "minor")
        ConsultationMatter.__workflow__.apply(road, "start", actor, session)
        matters.resolve(session, road, actor, "已协调每日清运")
        for person in (ids.r2, ids.r3):
            rate(session, road, person, "satisfied", None, "x")
        private = matters.submit_matter(
            session,
            locality_code=VILLAGE,
            item_code="D01",
            title="邻居家吵架的私事",
            description="不宜公开",
            reporter_id=ids.r4,
        )
        assert private.is_public is False
        past = deliberations.plan_deliberation(
            session,
            locality_code=VILLAGE,
            title="垃圾清运院坝会",
            form="院坝会",
            held_at=utcnow() - dt.timedelta(days=3),
            place="三号楼院坝",
        )
        deliberations.add_agenda(session, past, [road.id])
        ConsultationDeliberation.__workflow__.apply(past, "hold", actor, session)
        deliberations.record_attendance(session, past, "x", person_ids=[ids.r2, ids.r3, ids.r4])
        deliberations.record_outcome(session, past, road.id, "议定每日清运", (3, 0, 0))
        deliberations.set_minutes(session, past, "到会 3 人。")
        ConsultationDeliberation.__workflow__.apply(past, "publish", actor, session)
        deliberations.plan_deliberation(
            session,
            locality_code=VILLAGE,
            title="停车位怎么划",
            form="板凳会",
            held_at=utcnow() + dt.timedelta(days=5),
            place="社区活动室",
        )
        wish = wishes.post_wish(
            session, wisher_id=ids.elder, title="想要一副老花镜", description="看不清报纸"
        )
        wishes.claim_wish(session, wish, actor, organization_id=ids.orgs.merchant)
        elder = session.get(Person, ids.elder)
        elder.phone = "13800138000"
        consult.secrets = (elder.id_number, elder.phone, elder.name)
    return consult


def test_a_village_page_shows_public_matters_meetings_and_the_wish_wall(village_life):
    client = create_app(village_life).test_client()
    text = client.get(f"/l/{VILLAGE}").get_data(as_text=True)
    for expected in (
        "协商事项",
        "垃圾清运不及时",
        "已办结（评议中）",
        "办理结果：已协调每日清运",
        "议事协商",
        "停车位怎么划",
        "议定每日清运（赞成 3，反对 0，弃权 0）",
        "参会 3 人（单位）",
        "心愿墙",
        "想要一副老花镜",
        "心愿人 郑**",
        "认领：滨江便利店",
        "老年人",
    ):
        assert expected in text, expected
    assert "邻居家吵架的私事" not in text
    id_number, phone, name = village_life.secrets
    for secret in (id_number, phone, name, "张三"):
        assert secret not in text


def test_published_outcomes_are_public_notices_and_the_township_sees_figures(village_life):
    client = create_app(village_life).test_client()
    text = client.get(f"/l/{TOWN}").get_data(as_text=True)
    assert "垃圾清运院坝会（院坝会）协商结果" in text
    assert "提交协商事项 2 件，办结 1 件" in text
    assert "小事不出村 100.0%" in text


def test_a_withdrawn_wish_leaves_the_wall(village_life):
    with village_life.db.transaction() as session:
        wish = session.scalars(select(ConsultationWish)).one()
        ConsultationWish.__workflow__.apply(
            wish, "release", principal(village_life, session, "village"), session, reason="店主外出"
        )
        ConsultationWish.__workflow__.apply(
            wish,
            "withdraw",
            principal(village_life, session, "village"),
            session,
            reason="家人已买",
        )
    text = create_app(village_life).test_client().get(f"/l/{VILLAGE}").get_data(as_text=True)
    assert "想要一副老花镜" not in text
