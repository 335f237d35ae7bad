"""``gongzhi assistance …``: what the civil-affairs office runs from the console.

Monthly batches and bank files, departments' verification files, imported lead lists, overdue
reviews, coverage figures and the care fund. Every write is one transaction attributed to the
operator in the audit log; any error leaves the database as it was.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from plugins.assistance import clock
from plugins.assistance.errors import AssistanceError
from plugins.assistance.programmes import DATA_CHECKS, LEAD_KINDS
from plugins.assistance.rules import yuan


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


def _scope(runtime: Any, scope: str | None) -> str:
    from core.localities import LocalityCodeError, is_within, validate_code

    if scope is None:
        return runtime.config.locality_code
    try:
        code = validate_code(scope)
    except LocalityCodeError as exc:
        _fail(f"--scope：{exc}")
    if not is_within(code, runtime.config.locality_code):
        _fail(f"--scope：{code} 不在本部署的行政区划 {runtime.config.locality_code} 之内")
    return code


def register(cli: click.Group) -> None:
    """Add the ``assistance`` command group."""

    @cli.group("assistance")
    def assistance() -> None:
        """社会救助：发放批次、银行代发文件、核对数据、线索名单、复核与统计。"""

    scope_option = click.option(
        "--scope", default=None, help="行政区划代码（默认为本部署的根区划）。"
    )

    @assistance.command("pay")
    @click.argument("period")
    @scope_option
    @click.pass_obj
    def pay(state: Any, period: str, scope: str | None) -> None:
        """生成 PERIOD（YYYY-MM）的发放批次；同一月份只生成一次。"""
        from plugins.assistance.payments import run_batch_and_commit

        runtime = state.runtime()
        code = _scope(runtime, scope)
        with state.session(runtime) as session:
            try:
                result = run_batch_and_commit(
                    session, period=period, scope_code=code, actor_label=session.info["actor"]
                )
            except AssistanceError as exc:
                _fail(str(exc))
        click.echo(result.message)

    @assistance.command("export-batch")
    @click.argument("period")
    @click.option(
        "--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="xlsx", show_default=True
    )
    @click.option("--output", required=True, type=click.Path(dir_okay=False), help="输出文件路径。")
    @scope_option
    @click.pass_obj
    def export_batch(state: Any, period: str, fmt: str, output: str, scope: str | None) -> None:
        """导出 PERIOD 发放批次的银行代发文件（含完整身份证号与账号，请妥善保管）。"""
        from plugins.assistance.payments import bank_file, find_batch

        runtime = state.runtime()
        code = _scope(runtime, scope)
        with state.session(runtime) as session:
            batch = find_batch(session, period, code)
            if batch is None:
                _fail(f"{period} 还没有发放批次，请先运行 gongzhi assistance pay {period}")
            try:
                content = bank_file(session, batch, fmt, session.info["actor"])
            except AssistanceError as exc:
                _fail(str(exc))
            Path(output).write_bytes(content)
        click.echo(
            f"已导出 {period} 银行代发文件：{output}"
            f"（{batch.line_count} 笔，合计 {yuan(batch.total)}）"
        )

    @assistance.command("verify-batches")
    @click.pass_obj
    def verify_batches(state: Any) -> None:
        """核验每个发放批次的明细是否与生成时的摘要和合计一致。"""
        from plugins.assistance.models import AssistanceBatch
        from plugins.assistance.payments import verify_batch

        runtime = state.runtime()
        broken = []
        with runtime.db.new_session() as session:
            batches = session.scalars(
                select(AssistanceBatch).order_by(AssistanceBatch.period)
            ).all()
            for batch in batches:
                if not verify_batch(session, batch):
                    broken.append(f"{batch.period}（批次#{batch.id}）")
        if broken:
            _fail("以下发放批次的明细在生成后被改动：" + "、".join(broken))
        click.echo(f"已核验 {len(batches)} 个发放批次，明细均与生成时一致")

    @assistance.command("upload-source")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option("--check", type=click.Choice(DATA_CHECKS), required=True, help="核对项目。")
    @click.option("--department", required=True, help="提供数据的核对部门。")
    @scope_option
    @click.pass_obj
    def upload_source(
        state: Any, file: str, check: str, department: str, scope: str | None
    ) -> None:
        """导入核对部门的数据文件（CSV：身份证号,金额,说明），并据此完成待核对任务。"""
        from plugins.assistance.sources import upload_source_file

        runtime = state.runtime()
        code = _scope(runtime, scope)
        path = Path(file)
        with state.session(runtime) as session:
            try:
                upload = upload_source_file(
                    session,
                    check=check,
                    department=department,
                    file_name=path.name,
                    content=path.read_bytes(),
                    scope_code=code,
                    actor_label=session.info["actor"],
                )
            except AssistanceError as exc:
                _fail(f"{path.name}：{exc}")
            click.echo(f"已导入 {upload.rows} 行，据此完成核对任务 {upload.answered} 项")

    @assistance.command("fetch")
    @scope_option
    @click.pass_obj
    def fetch(state: Any, scope: str | None) -> None:
        """向各核对数据源查询所有待核对任务。"""
        from plugins.assistance.verification import answer_pending_tasks

        runtime = state.runtime()
        code = _scope(runtime, scope)
        with state.session(runtime) as session:
            answered = answer_pending_tasks(
                session, scope_code=code, actor_label=session.info["actor"]
            )
        click.echo(f"数据源完成核对任务 {answered} 项")

    @assistance.command("import-leads")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option(
        "--kind", type=click.Choice(list(LEAD_KINDS)), default="high_expense", show_default=True
    )
    @click.option(
        "--source-name", default="医院大额自付费用名单", show_default=True, help="名单来源。"
    )
    @scope_option
    @click.pass_obj
    def import_leads(state: Any, file: str, kind: str, source_name: str, scope: str | None) -> None:
        """导入主动发现名单（CSV：身份证号,姓名,金额,说明），达到金额门槛的生成救助线索。"""
        from plugins.assistance.leads import import_lead_list

        runtime = state.runtime()
        code = _scope(runtime, scope)
        path = Path(file)
        with state.session(runtime) as session:
            try:
                result = import_lead_list(
                    session,
                    content=path.read_bytes(),
                    kind=kind,
                    scope_code=code,
                    actor=session.info["actor"],
                    source_name=source_name,
                )
            except AssistanceError as exc:
                _fail(f"{path.name}：{exc}")
        click.echo(result.summary)

    @assistance.command("reviews-due")
    @scope_option
    @click.pass_obj
    def reviews_due(state: Any, scope: str | None) -> None:
        """列出逾期未复核的救助对象（最早的在前）。"""
        from plugins.assistance.enrolments import overdue_reviews

        runtime = state.runtime()
        code = _scope(runtime, scope)
        with runtime.db.new_session() as session:
            today = clock.today(session)
            reviews = session.scalars(overdue_reviews(code, today)).all()
            for review in reviews:
                enrolment = review.enrolment
                click.echo(
                    f"{review.due_on}  逾期 {(today - review.due_on).days:>4} 天  "
                    f"{enrolment.programme_title}  {enrolment.person.name}  {review.locality.name}"
                )
        click.echo(f"逾期未复核 {len(reviews)} 条（截至 {today}）")

    @assistance.command("coverage")
    @click.option(
        "--from", "period_from", default=None, help="起始月份 YYYY-MM（默认近 12 个月）。"
    )
    @click.option("--to", "period_to", default=None, help="截止月份 YYYY-MM（默认本月）。")
    @scope_option
    @click.pass_obj
    def coverage(
        state: Any, period_from: str | None, period_to: str | None, scope: str | None
    ) -> None:
        """保障统计：当前在保户数人数、各月发放金额。"""
        from plugins.assistance.coverage import coverage_report

        runtime = state.runtime()
        code = _scope(runtime, scope)
        with runtime.db.new_session() as session:
            today = clock.today(session)
            period_to = period_to or clock.month_of(today)
            period_from = period_from or clock.month_of(clock.add_months(today.replace(day=1), -11))
            for value in (period_from, period_to):
                try:
                    clock.parse_period(value)
                except ValueError as exc:
                    _fail(str(exc))
            report = coverage_report(session, code, period_from, period_to)
        click.echo("当前在保：")
        for f in report.enrolled:
            households = f"{f.households} 户，" if f.per_household else ""
            click.echo(f"  {f.title}：{households}{f.persons} 人，月发放 {yuan(f.amount)}")
        click.echo(f"{period_from} 至 {period_to} 发放：合计 {yuan(report.paid_total)}")
        for period, rows in report.by_period.items():
            for f in rows:
                click.echo(f"  {period}  {f.title}：{f.persons} 人，{yuan(f.amount)}")

    @assistance.command("fund-raise")
    @click.argument("amount")
    @click.option("--note", required=True, help="资金来源说明。")
    @scope_option
    @click.pass_obj
    def fund_raise(state: Any, amount: str, note: str, scope: str | None) -> None:
        """登记党内关爱资金的筹集款（没有资金时先设立）。"""
        from decimal import Decimal, InvalidOperation

        from plugins.assistance.carefund import fund_for, open_fund, raise_funds

        runtime = state.runtime()
        code = _scope(runtime, scope)
        try:
            value = Decimal(amount)
        except InvalidOperation:
            _fail(f"金额必须是数字：{amount}")
        with state.session(runtime) as session:
            try:
                fund = fund_for(session, code) or open_fund(session, code)
                entry = raise_funds(session, fund, value, note, session.info["actor"])
            except AssistanceError as exc:
                _fail(str(exc))
            click.echo(f"{fund.name}：筹集 {yuan(entry.amount)}，余额 {yuan(entry.balance_after)}")
