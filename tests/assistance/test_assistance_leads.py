"""主动发现: leads from flags, from other plugins' events and from imported lists."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import ClassVar

import pytest
from assistance_support import FAR_VILLAGE, VILLAGE, build_county, freeze
from sqlalchemy import func, select

from core.events import DomainEvent, emit
from core.identity import make_id_number, mask_id_number
from core.models import Person
from core.workflow import WorkflowError
from plugins.assistance.errors import AssistanceError
from plugins.assistance.leads import import_lead_list, raise_lead
from plugins.assistance.models import AssistanceApplication, AssistanceLead
from plugins.assistance.workflow import LEAD_WORKFLOW


@dataclasses.dataclass(frozen=True, kw_only=True)
class DisasterReported(DomainEvent):
    """What a disaster-reporting plugin might emit."""

    name: ClassVar[str] = "emergency.disaster_reported"
    household_id: int
    damage: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class IllnessReported(DomainEvent):
    """What a grid-worker plugin might emit for a resident."""

    name: ClassVar[str] = "grid.serious_illness_found"
    person_id: int


@pytest.fixture
def county(make_runtime, monkeypatch):
    freeze(monkeypatch)
    return build_county(
        make_runtime,
        {
            "lead_events": {
                "emergency.disaster_reported": "disaster",
                "grid.serious_illness_found": "serious_illness",
            }
        },
    )


def count(county, model) -> int:
    with county.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_flagged_household_becomes_a_proactive_application(county):
    with county.session() as session:
        person = session.get(Person, county.wang.member_ids[0])
        lead = raise_lead(
            session,
            person=person,
            kind="disaster",
            source="flag",
            actor="account:neighbour",
            detail="暴雨致房屋部分垮塌",
            amount=Decimal("8000"),
        )
        session.flush()
        assert lead.programme == "temporary"
        LEAD_WORKFLOW.apply(lead, "convert", county.actor(session, "neighbour"), session)
        application = lead.applications[0]
        assert (application.channel, application.programme, application.temporary_kind) == (
            "proactive",
            "temporary",
            "emergency",
        )
        assert application.claimed_amount == Decimal("8000.00")
        assert "暴雨致房屋部分垮塌" in application.statement
        assert lead.state == "converted"


def test_a_lead_without_an_amount_cannot_become_a_temporary_assistance_case(county):
    with county.session() as session:
        lead = raise_lead(
            session,
            person=session.get(Person, county.wang.member_ids[0]),
            kind="serious_illness",
            source="flag",
            actor="account:neighbour",
        )
        session.flush()
        with pytest.raises(WorkflowError, match="请先在线索中填写金额"):
            LEAD_WORKFLOW.apply(lead, "convert", county.actor(session, "neighbour"), session)


def test_dismissing_a_lead_needs_a_reason(county):
    with county.session() as session:
        lead = raise_lead(
            session,
            person=session.get(Person, county.zhang.member_ids[0]),
            kind="income_loss",
            source="flag",
            actor="account:village",
        )
        session.flush()
        with pytest.raises(WorkflowError, match="理由"):
            LEAD_WORKFLOW.apply(lead, "dismiss", county.actor(session, "village"), session)
        LEAD_WORKFLOW.apply(
            lead, "dismiss", county.actor(session, "village"), session, reason="已返岗复工"
        )
        assert (lead.state, lead.reason) == ("dismissed", "已返岗复工")


def test_an_event_named_in_the_settings_raises_one_lead_per_occurrence(county):
    event = DisasterReported(
        locality_code=VILLAGE, household_id=county.zhang.household_id, damage="屋顶"
    )
    with county.session() as session:
        emit(session, event)
        emit(session, event)  # the same occurrence delivered twice
        emit(session, IllnessReported(locality_code=FAR_VILLAGE, person_id=county.li.member_ids[0]))
    with county.session() as session:
        leads = session.scalars(select(AssistanceLead).order_by(AssistanceLead.id)).all()
        assert [(lead.kind, lead.source, lead.person.name) for lead in leads] == [
            ("disaster", "event", "张建国"),  # the household head
            ("serious_illness", "event", "李党员"),
        ]
        assert leads[0].detail == "由业务事件 emergency.disaster_reported 触发"


def test_events_not_named_in_the_settings_raise_nothing(county):
    @dataclasses.dataclass(frozen=True, kw_only=True)
    class Other(DomainEvent):
        name: ClassVar[str] = "grid.visit_recorded"
        person_id: int

    with county.session() as session:
        emit(session, Other(locality_code=VILLAGE, person_id=county.zhang.member_ids[0]))
    assert count(county, AssistanceLead) == 0


def hospital_list(rows):
    return ("身份证号,姓名,金额,说明\n" + "\n".join(rows) + "\n").encode("utf-8")


def test_a_hospital_list_raises_leads_above_the_threshold(county):
    rows = [
        f"{county.zhang.head},张建国,45000,县人民医院住院自付",
        f"{county.wang.head},王大山,3200,门诊",
    ]
    with county.session() as session:
        result = import_lead_list(
            session,
            content=hospital_list(rows),
            kind="high_expense",
            scope_code="500243000000",
            actor="account:county",
            source_name="县医保局大额自付名单",
        )
        assert result.summary == "名单共 2 行：生成线索 1 条，1 行低于金额门槛未生成"
        lead = session.scalars(select(AssistanceLead)).one()
        assert (lead.person.name, lead.amount, lead.source) == (
            "张建国",
            Decimal("45000.00"),
            "import",
        )
    with county.session() as session, pytest.raises(AssistanceError, match="已经导入过"):
        import_lead_list(
            session,
            content=hospital_list(rows),
            kind="high_expense",
            scope_code="500243000000",
            actor="account:county",
            source_name="again",
        )


def test_a_list_with_unknown_people_or_wrong_names_is_refused_whole(county):
    stranger = make_id_number("500243", dt.date(1990, 1, 1), 123)
    rows = [
        f"{county.zhang.head},张建国,45000,",
        f"{county.wang.head},王小山,30000,",
        f"{stranger},某某,20000,",
        f"{county.li.head},李党员,20000,",
    ]
    with county.session() as session, pytest.raises(AssistanceError) as caught:
        import_lead_list(
            session,
            content=hospital_list(rows),
            kind="high_expense",
            scope_code="500243001000",  # 汉葭街道: 李党员 lives in 保家镇
            actor="account:town",
            source_name="名单",
        )
    message = str(caught.value)
    assert "名单有 3 处错误，未生成任何线索" in message
    assert f"第 3 行：姓名“王小山”与登记信息不符（{mask_id_number(county.wang.head)}）" in message
    assert f"第 4 行：身份证号 {mask_id_number(stranger)} 不是您辖区内的登记居民" in message
    assert "第 5 行" in message
    assert stranger not in message
    assert count(county, AssistanceLead) == 0


def test_converting_a_lead_for_a_household_already_applying_is_refused(county):
    with county.session() as session:
        person = session.get(Person, county.zhang.member_ids[0])
        first = raise_lead(session, person=person, kind="income_loss", source="flag", actor="x")
        second = raise_lead(session, person=person, kind="income_loss", source="flag", actor="x")
        session.flush()
        LEAD_WORKFLOW.apply(first, "convert", county.actor(session, "village"), session)
        second_id = second.id
    with pytest.raises(WorkflowError, match="不能重复申请"), county.session() as session:
        second = session.get(AssistanceLead, second_id)
        LEAD_WORKFLOW.apply(second, "convert", county.actor(session, "village"), session)
    with county.session() as session:
        assert session.get(AssistanceLead, second_id).state == "open"
    assert count(county, AssistanceApplication) == 1
