"""The shared state machine: transitions, permissions, guards and reasons."""

import dataclasses

import pytest

from core.workflow import Transition, Workflow, WorkflowError


@dataclasses.dataclass
class Case:
    state: str = "draft"
    amount: int = 0
    log: list = dataclasses.field(default_factory=list)

    def on_transition(self, transition, actor, session, reason):
        self.log.append((transition.name, reason))


@dataclasses.dataclass
class Actor:
    permissions: frozenset = frozenset()

    def has_permission(self, permission):
        return permission in self.permissions


FLOW = Workflow(
    states={"draft": "草稿", "submitted": "已提交", "approved": "已批准", "rejected": "已驳回"},
    initial="draft",
    transitions=[
        Transition(
            "submit",
            "提交",
            ("draft",),
            "submitted",
            guards=(lambda case, actor, session: None if case.amount > 0 else "金额必须大于零",),
        ),
        Transition("approve", "批准", ("submitted",), "approved", "case.approve"),
        Transition("reject", "驳回", ("submitted",), "rejected", "case.approve", needs_reason=True),
    ],
)


def test_a_transition_moves_the_record_and_calls_its_hook():
    case = Case(amount=5)
    FLOW.apply(case, "submit", Actor(), None)
    assert case.state == "submitted"
    assert case.log == [("submit", None)]


def test_a_transition_from_the_wrong_state_is_refused_in_chinese():
    with pytest.raises(WorkflowError, match="当前状态为“草稿”，不能执行“批准”"):
        FLOW.apply(Case(), "approve", Actor(frozenset({"case.approve"})), None)


def test_a_transition_needs_its_permission():
    case = Case(state="submitted")
    with pytest.raises(WorkflowError, match="没有执行“批准”的权限"):
        FLOW.apply(case, "approve", Actor(), None)
    assert case.state == "submitted"


def test_a_guard_can_refuse_with_its_reason():
    with pytest.raises(WorkflowError, match="金额必须大于零"):
        FLOW.apply(Case(), "submit", Actor(), None)


def test_a_transition_that_needs_a_reason_refuses_a_blank_one():
    case = Case(state="submitted")
    approver = Actor(frozenset({"case.approve"}))
    with pytest.raises(WorkflowError, match="必须填写理由"):
        FLOW.apply(case, "reject", approver, None, reason="  ")
    FLOW.apply(case, "reject", approver, None, reason="材料不全")
    assert (case.state, case.log) == ("rejected", [("reject", "材料不全")])


def test_allowed_lists_only_what_the_actor_may_do_now():
    case = Case(state="submitted")
    assert FLOW.allowed(case, Actor(), None) == []
    names = [t.name for t in FLOW.allowed(case, Actor(frozenset({"case.approve"})), None)]
    assert names == ["approve", "reject"]


def test_a_workflow_naming_an_unknown_state_is_refused_at_declaration():
    with pytest.raises(ValueError, match="unknown state"):
        Workflow(states={"a": "甲"}, initial="a", transitions=[Transition("go", "走", ("a",), "b")])


def test_an_unknown_transition_name_is_an_error():
    with pytest.raises(WorkflowError, match="没有名为 fly 的操作"):
        FLOW.apply(Case(), "fly", Actor(), None)
