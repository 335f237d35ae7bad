"""核对 and 协同办理: verification tasks per check, assigned to departments, answered by sources.

When a case goes to verification, one task is created per check its programme requires (plus
the expense or loss check its kind or cause needs), each for the department named in the
settings, due in ``check_due_days``. Automatic sources are asked at once and again whenever a
department uploads a file; what they cannot answer, staff enter by hand. The case moves on only
when every task is done.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.localities import within
from core.models import Person
from core.runtime import plugin_settings
from plugins.assistance import clock
from plugins.assistance.models import AssistanceApplication, AssistanceMember, AssistanceTask
from plugins.assistance.programmes import (
    MONTHLY_CHECKS,
    PARTY_CARE,
    TEMPORARY,
    check_label,
)
from plugins.assistance.rules import yuan
from plugins.assistance.sources import (
    FILE_SOURCE,
    MANUAL_SOURCE,
    CheckRequest,
    Finding,
    VerificationSource,
)
from plugins.assistance.workflow import actor_label

BUILT_IN_SOURCES = (MANUAL_SOURCE, FILE_SOURCE)


def all_sources(session: Session) -> list[VerificationSource]:
    """Every source offered through ``provide_verification_sources``, in plugin order.

    A code offered twice keeps its first offer.
    """
    plugins = session.info.get("plugins")
    offered: list[Any] = []
    if plugins is not None and hasattr(plugins.hook, "provide_verification_sources"):
        for result in plugins.hook.provide_verification_sources():
            offered.extend(result or ())
    else:
        offered.extend(BUILT_IN_SOURCES)
    sources: dict[str, Any] = {}
    for source in offered:
        sources.setdefault(source.code, source)
    return list(sources.values())


def source_title(session: Session, code: str | None) -> str:
    """The Chinese title of a source code."""
    for source in all_sources(session):
        if source.code == code:
            return source.title
    return code or ""


def required_checks(application: AssistanceApplication, settings: dict[str, Any]) -> list[str]:
    """The checks a case needs: its programme's list plus what its kind or cause calls for."""
    checks = list(settings["checks"][application.programme])
    if application.programme == TEMPORARY and application.temporary_kind == "expenditure":
        checks.append("expense")
    if application.programme == PARTY_CARE:
        checks.append("expense" if application.cause == "illness" else "loss")
    return list(dict.fromkeys(checks))


def create_tasks(
    session: Session, application: AssistanceApplication, actor: str
) -> list[AssistanceTask]:
    """Create the missing tasks of a case and let the automatic sources answer what they can."""
    settings = plugin_settings(session, "assistance")
    existing = {task.check for task in application.tasks if task.objection_id is None}
    due = clock.today(session) + dt.timedelta(days=settings["check_due_days"])
    created = []
    for check in required_checks(application, settings):
        if check in existing:
            continue
        task = AssistanceTask(
            application=application,
            task_key=f"{application.id}:{check}",
            check=check,
            department=settings["departments"][check],
            due_on=due,
            locality_code=application.locality_code,
        )
        session.add(task)
        created.append(task)
    session.flush()
    if created:
        _answer(session, created, actor)
    return created


def _id_numbers(session: Session, application_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    numbers: dict[int, list[str]] = {}
    for start in range(0, len(application_ids), 500):
        rows = session.execute(
            select(AssistanceMember.application_id, Person.id_number)
            .join(Person, Person.id == AssistanceMember.person_id)
            .where(AssistanceMember.application_id.in_(application_ids[start : start + 500]))
            .order_by(AssistanceMember.id)
        ).all()
        for application_id, number in rows:
            numbers.setdefault(application_id, []).append(number)
    return {k: tuple(v) for k, v in numbers.items()}


def _requests(session: Session, tasks: Sequence[AssistanceTask]) -> list[CheckRequest]:
    numbers = _id_numbers(session, sorted({t.application_id for t in tasks}))
    return [
        CheckRequest(
            task_id=t.id,
            check=t.check,
            id_numbers=numbers.get(t.application_id, ()),
            asked_at=t.created_at or clock.now(),
        )
        for t in tasks
        if t.check != "objection"
    ]


def _findings(session: Session, tasks: Sequence[AssistanceTask]) -> dict[int, Finding]:
    requests = _requests(session, tasks)
    found: dict[int, Finding] = {}
    for source in all_sources(session):
        waiting = [r for r in requests if r.task_id not in found and source.answers(r.check)]
        if not waiting:
            continue
        for task_id, finding in (source.answer(session, waiting) or {}).items():
            found.setdefault(task_id, finding)
    return found


def find_finding(session: Session, task: AssistanceTask) -> Finding | None:
    """What the first automatic source that can answer ``task`` finds, or ``None``."""
    return _findings(session, [task]).get(task.id)


def verdict_of(check: str, amount: Any) -> str:
    """The verdict a figure means, in Chinese (无记录, 月收入 1,200.00 元, 有记录 …)."""
    if amount is None:
        return ""
    if check in MONTHLY_CHECKS:
        return f"月收入 {yuan(amount)}" if amount > 0 else "无收入记录"
    return f"有记录，价值 {yuan(amount)}" if amount > 0 else "无记录"


def _apply(task: AssistanceTask, finding: Finding, actor: str) -> None:
    task.amount = finding.amount
    task.evidence = finding.evidence
    task.source = finding.source
    task.verdict = verdict_of(task.check, finding.amount)
    task.completed_at = clock.now()
    task.completed_by = actor


def _answer(session: Session, tasks: Sequence[AssistanceTask], actor: str) -> int:
    found = _findings(session, tasks)
    for task in tasks:
        finding = found.get(task.id)
        if finding is not None and task.state == "pending":
            _apply(task, finding, actor)
            task.state = "done"
    return sum(1 for t in tasks if t.id in found)


def answer_pending_tasks(
    session: Session,
    *,
    actor_label: str,
    check: str | None = None,
    scope_code: str | None = None,
) -> int:
    """Ask the automatic sources about every pending task of cases in verification.

    Limited to one check and to a scope if given. Returns how many tasks were answered.
    """
    statement = (
        select(AssistanceTask)
        .join(AssistanceApplication, AssistanceApplication.id == AssistanceTask.application_id)
        .where(AssistanceTask.state == "pending", AssistanceApplication.state == "verifying")
        .where(AssistanceTask.check != "objection")
        .order_by(AssistanceTask.id)
    )
    if check is not None:
        statement = statement.where(AssistanceTask.check == check)
    if scope_code is not None:
        statement = statement.where(within(AssistanceTask.locality_code, scope_code))
    tasks = session.scalars(statement).all()
    answered = 0
    for start in range(0, len(tasks), 500):
        answered += _answer(session, tasks[start : start + 500], actor_label)
    session.flush()
    return answered


def after_task_transition(
    task: AssistanceTask, transition: Any, actor: Any, session: Session, reason: str | None
) -> None:
    """Record who completed a task (and the finding of a fetch), or reopen it with its reason."""
    label = actor_label(actor)
    if transition.name == "fetch":
        finding = find_finding(session, task)
        if finding is None:  # the guard saw one; a source changed its mind in between
            from plugins.assistance.errors import AssistanceError

            raise AssistanceError("各数据源暂无该项核对结果")
        _apply(task, finding, label)
    elif transition.name == "complete":
        task.source = task.source if task.source and task.source != "file" else "manual"
        if task.check != "objection":
            task.verdict = verdict_of(task.check, task.amount)
        task.completed_at = clock.now()
        task.completed_by = label
    elif transition.name == "reopen":
        task.completed_at = None
        task.completed_by = None
        note = f"【{clock.today(session)} 重新核对：{reason}】"
        task.evidence = f"{task.evidence}\n{note}" if task.evidence else note


def unfinished_tasks_problem(application: AssistanceApplication, session: Session) -> str | None:
    """Why the case cannot be assessed yet (unfinished or missing tasks), or ``None``."""
    settings = plugin_settings(session, "assistance")
    have = {t.check for t in application.tasks if t.objection_id is None}
    missing = [c for c in required_checks(application, settings) if c not in have]
    if missing:
        return "缺少核对任务：" + "、".join(check_label(c) for c in missing) + "（请重新发起核对）"
    pending = [t for t in application.tasks if t.state != "done"]
    if pending:
        listed = "；".join(
            f"{t.check_label}（{t.department}，应于 {t.due_on} 前）" for t in pending
        )
        return f"尚有 {len(pending)} 项核对未完成：{listed}"
    return None
