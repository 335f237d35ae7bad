"""``gongzhi consultation ...``: escalation and evaluation runs for cron, overdue list, figures,
and the catalogue in effect."""

from __future__ import annotations

import datetime as dt
import getpass
from typing import Any

import click

from core.db import utcnow
from core.localities import LocalityCodeError, is_within, validate_code
from core.models import Locality
from core.security import SystemActor
from plugins.consultation.catalogue import session_catalogue
from plugins.consultation.matters import conclude_due_evaluations, overdue_statement, run_escalation
from plugins.consultation.models import LEVELS
from plugins.consultation.settings import TRIAGE_CLASSES
from plugins.consultation.statistics import figures, local_today


def _operator() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli:unknown"


def _scope(runtime: Any, code: str | None) -> str:
    """The scope to work in: ``code`` (checked) or the deployment's own locality."""
    root = runtime.config.locality_code
    if not code:
        return root
    try:
        code = validate_code(code)
    except LocalityCodeError as exc:
        raise click.BadParameter(str(exc), param_hint="--scope") from exc
    if not is_within(code, root):
        raise click.BadParameter(f"{code} 不在本部署的区划范围内", param_hint="--scope")
    with runtime.db.new_session() as session:
        if session.get(Locality, code) is None:
            raise click.BadParameter(f"行政区划 {code} 不存在", param_hint="--scope")
    return code


def _local(value: dt.datetime | None, timezone: str) -> str:
    if value is None:
        return "—"
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def _parse_now(value: str | None) -> dt.datetime:
    if not value:
        return utcnow()
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(
            "时间格式应为 ISO 8601，如 2026-05-01T08:00+08:00", param_hint="--now"
        ) from exc
    if parsed.tzinfo is None:
        raise click.BadParameter("请带上时区，如 +08:00", param_hint="--now")
    return parsed.astimezone(dt.UTC)


def register(cli: click.Group) -> None:
    """Add the ``consultation`` command group."""

    @cli.group("consultation")
    def consultation() -> None:
        """协商议事：逾期升级督办、结束评议、逾期清单、统计、事项清单。"""

    @consultation.command("escalate")
    @click.option("--scope", help="只处理该区划及其下级（默认：整个部署）。")
    @click.option("--now", "now_text", help="按此时间判断逾期（ISO 8601，默认当前时间）。")
    @click.pass_obj
    def escalate(state: Any, scope: str | None, now_text: str | None) -> None:
        """把逾期未办结的事项升级一级督办（村→乡镇→县）；可由 cron 定时运行，重复运行无副作用。"""
        runtime = state.runtime()
        code = _scope(runtime, scope)
        report = run_escalation(runtime.db, _parse_now(now_text), _operator(), code)
        click.echo(f"升级督办 {len(report.escalated)} 件")
        for matter_id, title, source, target in report.escalated:
            click.echo(f"  #{matter_id} {title}：{LEVELS[source]} → {LEVELS[target]}")
        if report.at_top:
            click.echo(f"另有 {report.at_top} 件已由县级督办、仍然逾期")

    @consultation.command("conclude")
    @click.option("--scope", help="只处理该区划及其下级（默认：整个部署）。")
    @click.pass_obj
    def conclude(state: Any, scope: str | None) -> None:
        """结束已到期的群众评议：多数不满意的事项重新办理，其余评议通过。"""
        runtime = state.runtime()
        code = _scope(runtime, scope)
        with state.session(runtime) as session:
            done = conclude_due_evaluations(session, SystemActor(_operator()), code)
        click.echo(f"评议通过 {done['evaluate']} 件，重新办理 {done['reopen']} 件")

    @consultation.command("overdue")
    @click.option("--scope", help="只列出该区划及其下级（默认：整个部署）。")
    @click.pass_obj
    def overdue(state: Any, scope: str | None) -> None:
        """列出逾期未办结的事项。"""
        runtime = state.runtime()
        code = _scope(runtime, scope)
        zone = runtime.config.timezone
        with runtime.db.new_session() as session:
            rows = session.scalars(overdue_statement(code, utcnow()).limit(1000)).all()
            click.echo(f"逾期事项 {len(rows)} 件")
            for m in rows:
                triage = TRIAGE_CLASSES.get(m.triage or "", "未分流")
                click.echo(
                    f"  #{m.id} {m.title}（{m.locality_code}，{triage}，{LEVELS[m.handling_level]}"
                    f"办理）时限 {_local(m.due_at, zone)}"
                )

    @consultation.command("figures")
    @click.option("--scope", help="统计该区划及其下级（默认：整个部署）。")
    @click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="开始日期。")
    @click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="结束日期（含）。")
    @click.pass_obj
    def figures_command(state: Any, scope: str | None, start: Any, end: Any) -> None:
        """按区划和时段统计：三事分流、办理层级、办结、平均办结天数、满意率。"""
        runtime = state.runtime()
        code = _scope(runtime, scope)
        today = local_today(runtime.config.timezone)
        first = start.date() if start else today.replace(month=1, day=1)
        last = end.date() if end else today
        if last < first:
            raise click.BadParameter("结束日期不能早于开始日期", param_hint="--to")
        with runtime.db.new_session() as session:
            result = figures(session, code, first, last, runtime.config.timezone)
            place = session.get(Locality, code)
            click.echo(f"{place.name if place else code} {first} 至 {last}")
            for label, value in result.rows():
                click.echo(f"  {label}：{value}")
            for child_code, name, submitted, resolved in result.children:
                click.echo(f"  · {name}（{child_code}）提交 {submitted}，办结 {resolved}")

    @consultation.command("catalogue")
    @click.option("--scope", help="查看该区划所在县的清单（默认：本部署）。")
    @click.pass_obj
    def catalogue(state: Any, scope: str | None) -> None:
        """显示正在使用的协商事项清单。"""
        runtime = state.runtime()
        code = _scope(runtime, scope)
        with runtime.db.new_session() as session:
            current = session_catalogue(session, code)
        total = len(current.items)
        click.echo(f"协商事项清单：{len(current.categories)} 大类 {total} 小项")
        for category in current.categories:
            click.echo(f"{category.code} {category.name}")
            for item in category.items:
                click.echo(f"  {item.code} {item.name}（默认{item.triage_label}）")
