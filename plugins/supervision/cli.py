"""``gongzhi supervision …``: what an operator does for 村务监督 from the console.

Every command reads the deployment from ``--config``; writes run in one transaction attributed
to the operator (``cli:<user>``) and are audited. Refusals print the reason and exit with 1.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from typing import Any

import click
from sqlalchemy import select

from core.localities import LocalityCodeError, validate_code
from core.models import Locality
from core.runtime import plugin_settings
from core.security import SystemActor
from core.workflow import WorkflowError
from plugins.supervision.models import FundAccount, InspectionRound, LockedRecordError
from plugins.supervision.services import (
    SupervisionError,
    disclosures,
    funds,
    inspections,
    local_date,
    resources,
    today,
)
from plugins.supervision.services.disclosures import parse_period

REFUSALS = (SupervisionError, WorkflowError, LockedRecordError, ValueError)


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


def _code(value: str | None, default: str, field: str) -> str:
    try:
        return validate_code(value or default)
    except LocalityCodeError as exc:
        _fail(f"{field}：{exc}")
        raise  # unreachable


def _write(state: Any, work: Callable[[Any, Any], Any]) -> Any:
    """Run ``work(session, operator)`` in an audited transaction; print refusals and exit 1."""
    runtime = state.runtime()
    try:
        with state.session(runtime) as session:
            operator = SystemActor(label=session.info.get("actor") or "system:cli")
            return work(session, operator)
    except REFUSALS as exc:
        _fail(f"未完成：{exc}")


def register(cli: click.Group) -> None:
    """Add the ``supervision`` command group."""

    @cli.group("supervision")
    def supervision() -> None:
        """村务监督：公开日历、逾期清单、督查抽查、财务公开、公开栏和账户核对。"""

    @supervision.command("calendar")
    @click.argument("year", type=int)
    @click.option("--scope", help="区划代码（默认：本级）。")
    @click.pass_obj
    def calendar_command(state: Any, year: int, scope: str | None) -> None:
        """按设置为范围内每个村生成某年度的村务公开日历。"""
        runtime = state.runtime()
        code = _code(scope, runtime.config.locality_code, "--scope")

        def work(session: Any, operator: Any) -> int:
            """The change, run inside the caller's transaction."""
            rules = plugin_settings(session, "supervision")["disclosure_calendar"]
            return disclosures.build_calendar(session, code, year, rules)

        added = _write(state, work)
        click.echo(f"已生成 {year} 年公开日历 {added} 条（已有的不重复生成）")

    @supervision.command("overdue")
    @click.option("--scope", help="区划代码（默认：本级）。")
    @click.option(
        "--on", "day", type=click.DateTime(["%Y-%m-%d"]), help="按哪一天计算（默认今天）。"
    )
    @click.pass_obj
    def overdue_command(state: Any, scope: str | None, day: dt.datetime | None) -> None:
        """列出逾期未公开的事项和超过宽限期的欠租。"""
        runtime = state.runtime()
        code = _code(scope, runtime.config.locality_code, "--scope")
        with runtime.db.new_session() as session:
            on = day.date() if day else today(session)
            names = dict(session.execute(select(Locality.code, Locality.name)).all())
            late = disclosures.overdue(session, code, on)
            click.echo(f"逾期未公开 {len(late)} 项（截至 {on}）：")
            for due in late:
                click.echo(
                    f"  {names.get(due.locality_code, due.locality_code)}  "
                    f"{due.period_label}{due.category_label}  应于 {due.due_on} 前公开"
                )
            grace = plugin_settings(session, "supervision")["rent_grace_days"]
            rents = resources.overdue_rents(session, code, on, grace)
            click.echo(f"欠缴租金 {len(rents)} 笔（宽限 {grace} 天）：")
            for due in rents:
                click.echo(
                    f"  {names.get(due.locality_code, due.locality_code)}  合同 "
                    f"{due.contract.number}（{due.contract.lessee}） {due.label}  "
                    f"应缴 {due.amount} 元，欠 {due.outstanding} 元，{due.due_on} 到期"
                )

    @supervision.command("draw")
    @click.option("--year", type=int, required=True, help="年度。")
    @click.option("--quarter", type=click.IntRange(1, 4), required=True, help="季度（1-4）。")
    @click.option("--rate", type=int, help="抽查比例（%），默认为县里规定的下限。")
    @click.option("--seed", help="随机种子（如公开的彩票开奖号）；不填则自动生成并记录。")
    @click.option("--scope", help="县或乡镇的区划代码（默认：本级）。")
    @click.pass_obj
    def draw_command(
        state: Any, year: int, quarter: int, rate: int | None, seed: str | None, scope: str | None
    ) -> None:
        """抽取季度村务公开民主管理专项督查的村（不少于 15%），记录种子以便复核。"""
        runtime = state.runtime()
        code = _code(scope, runtime.config.locality_code, "--scope")

        def work(session: Any, operator: Any) -> tuple[Any, ...]:
            """The change, run inside the caller's transaction."""
            found = inspections.draw_round(
                session, operator, scope_code=code, year=year, quarter=quarter, rate=rate, seed=seed
            )
            names = dict(
                session.execute(
                    select(Locality.code, Locality.name).where(
                        Locality.code.in_([t.locality_code for t in found.targets])
                    )
                ).all()
            )
            picked = [names.get(t.locality_code, t.locality_code) for t in found.targets]
            return found.id, found.label, found.seed, found.population_size, picked

        ident, label, used_seed, population, picked = _write(state, work)
        click.echo(
            f"{label}：从 {population} 个村（社区）中抽取 {len(picked)} 个（编号 {ident}，"
            f"种子 {used_seed}）："
        )
        for order, name in enumerate(picked, start=1):
            click.echo(f"  {order}. {name}")

    @supervision.command("verify-draw")
    @click.argument("round_id", type=int)
    @click.pass_obj
    def verify_draw(state: Any, round_id: int) -> None:
        """用记录的种子和总体重新抽取，核对某次抽查结果。"""
        runtime = state.runtime()
        with runtime.db.new_session() as session:
            found = session.get(InspectionRound, round_id)
            if found is None:
                _fail(f"没有编号为 {round_id} 的抽查")
            ok, expected = inspections.verify_round(found)
            if not ok:
                _fail(f"{found.label}的抽查结果与重新抽取不一致！应为：{'、'.join(expected)}")
            click.echo(f"{found.label}的抽查结果与重新抽取一致（种子 {found.seed}）")

    @supervision.command("financial")
    @click.option("--village", required=True, help="村（社区）区划代码。")
    @click.option("--period", required=True, help="2026-03（月）、2026Q1（季度）。")
    @click.pass_obj
    def financial(state: Any, village: str, period: str) -> None:
        """从已记账凭证生成某村某期的财务公开并发布。"""
        code = _code(village, village, "--village")

        def work(session: Any, operator: Any) -> tuple[str, int]:
            """The change, run inside the caller's transaction."""
            disclosure = disclosures.financial_disclosure(
                session, operator, code, parse_period(period)
            )
            return disclosure.title, len((disclosure.figures or {}).get("accounts", []))

        title, accounts = _write(state, work)
        click.echo(f"已发布“{title}”（{accounts} 个账户）")

    @supervision.command("board")
    @click.argument("code")
    @click.pass_obj
    def board(state: Any, code: str) -> None:
        """打印某地的公开栏内容（含其他插件的公示），供线下张贴，线上线下一致。"""
        runtime = state.runtime()
        code = _code(code, code, "CODE")
        with runtime.db.new_session() as session:
            place = session.get(Locality, code)
            if place is None:
                _fail(f"行政区划不存在：{code}")
            click.echo(f"【{place.name}村务公开栏】")
            for entry in disclosures.board(session, place):
                mark = "（更正）" if entry.amended else ""
                click.echo(
                    f"\n[{entry.category}] {entry.title}{mark}  {local_date(entry.published_at)}"
                )
                if entry.amendment_reason:
                    click.echo(f"更正理由：{entry.amendment_reason}")
                if entry.body:
                    click.echo(entry.body)

    @supervision.command("verify-balances")
    @click.option("--scope", help="区划代码（默认：本级）。")
    @click.pass_obj
    def verify_balances(state: Any, scope: str | None) -> None:
        """核对每个资金账户的余额与已记账凭证是否一致。"""
        runtime = state.runtime()
        code = _code(scope, runtime.config.locality_code, "--scope")
        with runtime.db.new_session() as session:
            accounts = session.scalars(
                select(FundAccount).where(FundAccount.scope_clause(code)).order_by(FundAccount.id)
            ).all()
            wrong = []
            for account in accounts:
                kept, recomputed = funds.balance_check(session, account)
                if kept != recomputed:
                    wrong.append(
                        f"  {account.locality_code} {account}：余额 {kept}，凭证合计 {recomputed}"
                    )
        if wrong:
            _fail("以下账户余额与凭证不符：\n" + "\n".join(wrong))
        click.echo(f"已核对 {len(accounts)} 个账户，余额与已记账凭证一致")
