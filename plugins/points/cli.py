"""``gongzhi points …``: what an operator runs for the points plugin (batch jobs and exports)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click
from sqlalchemy import func, select

from core.runtime import plugin_settings
from core.security import SystemActor
from plugins.points import claims, dividends, exports, ledger, periods, rankings, rules, supermarket
from plugins.points.models import PointsSettlement, PointsTransfer
from plugins.points.settings import SCHEMES


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


def _date(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        _fail(f"{name}: 日期格式应为 YYYY-MM-DD：{value}")
    return None


def _write(data: bytes, output: str | None, fmt: str) -> None:
    if output:
        Path(output).write_bytes(data)
        click.echo(f"已导出：{output}")
    elif fmt == "csv":
        click.echo(data.decode("utf-8-sig"), nl=False)
    else:
        _fail("--format xlsx 需要同时给出 --output 文件名")


def register(cli: click.Group) -> None:
    """Add the ``points`` command group."""

    @cli.group("points")
    def points() -> None:
        """积分制：细则、入账、过期、结算、分红、排行、台账校验。"""

    @points.command("rules")
    @click.option("--locality", "locality_code", help="区划代码（默认：部署的县）")
    @click.pass_obj
    def list_rules(state: Any, locality_code: str | None) -> None:
        """列出某地生效的积分细则（并把配置中的县级细则写成新版本）。"""
        runtime = state.runtime()
        with state.session(runtime) as session:
            written = rules.sync_config_rules(session, actor=session.info.get("actor") or "cli")
            code = locality_code or runtime.config.locality_code
            found = rules.effective_rules(session, code)
        if written:
            click.echo(f"已将配置中的 {written} 条细则写为新版本")
        for rule in found.values():
            cap = (
                f"，{(rule.cap_period == 'month' and '每月') or '每年'}上限 {rule.cap}"
                if rule.cap
                else ""
            )
            trigger = f"，自动：{rule.trigger_event}" if rule.trigger_event else ""
            click.echo(
                f"{rule.code} v{rule.version} [{SCHEMES[rule.scheme]}] {rule.name} "
                f"{rule.points:+d} 分{cap}{trigger}（{rule.locality_code}）"
            )

    @points.command("post-due")
    @click.pass_obj
    def post_due(state: Any) -> None:
        """把公示期满、无异议的申报入账。"""
        runtime = state.runtime()
        posted, failures = claims.post_due(
            lambda: runtime.db.new_session(actor="system:cli", channel="cli")
        )
        click.echo(f"已入账 {posted} 份申报")
        for failure in failures:
            click.echo(failure, err=True)
        if failures:
            sys.exit(1)

    @points.command("expire")
    @click.option("--as-of", "as_of", help="处理日期（默认今天）")
    @click.pass_obj
    def expire(state: Any, as_of: str | None) -> None:
        """按有效期（expiry_months）清零过期未用的村民积分。"""
        runtime = state.runtime()
        with state.session(runtime) as session:
            months = plugin_settings(session, "points")["expiry_months"]
            day = _date(as_of, "--as-of") or periods.today(session)
            try:
                transfers = ledger.expire(session, day, months, session.info.get("actor"))
            except ledger.LedgerError as exc:
                _fail(str(exc))
            total = sum(m.amount for t in transfers for m in t.movements if m.amount > 0)
        click.echo(f"已过期处理 {len(transfers)} 个村（社区），共 {total} 分")

    @points.command("reverse")
    @click.argument("transfer_id", type=int)
    @click.option("--reason", required=True, help="冲正理由")
    @click.pass_obj
    def reverse(state: Any, transfer_id: int, reason: str) -> None:
        """冲正一笔转账（不来自积分申报的，例如自动加分）。"""
        runtime = state.runtime()
        with state.session(runtime) as session:
            original = session.get(PointsTransfer, transfer_id)
            if original is None:
                _fail(f"转账 #{transfer_id} 不存在")
            try:
                claims.check_reversible(session, original)
                reversal = ledger.reverse_transfer(
                    session, original, reason, session.info.get("actor"), kind="reversal"
                )
            except ledger.LedgerError as exc:
                _fail(str(exc))
            click.echo(f"已冲正第 {transfer_id} 笔，冲正转账 #{reversal.id}")

    @points.command("settle")
    @click.option("--merchant", "merchant_id", type=int, required=True, help="商户编号")
    @click.option("--from", "start", required=True, help="开始日期 YYYY-MM-DD")
    @click.option("--to", "end", required=True, help="结束日期 YYYY-MM-DD")
    @click.pass_obj
    def settle(state: Any, merchant_id: int, start: str, end: str) -> None:
        """为商户生成一个期间的结算单（按成本价）。"""
        runtime = state.runtime()
        with state.session(runtime) as session:
            try:
                settlement = supermarket.settle(
                    session,
                    SystemActor(),
                    merchant_id,
                    _date(start, "--from"),
                    _date(end, "--to"),
                )
            except supermarket.SupermarketError as exc:
                _fail(f"{exc.field}: {exc}")
            click.echo(
                f"结算单 #{settlement.id}：{settlement.redemptions} 笔，"
                f"{settlement.points} 分，应付 {settlement.amount} 元"
            )

    @points.command("export-settlement")
    @click.argument("settlement_id", type=int)
    @click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv")
    @click.option("--output", help="输出文件（xlsx 必填；csv 省略则打印）")
    @click.pass_obj
    def export_settlement(state: Any, settlement_id: int, fmt: str, output: str | None) -> None:
        """导出结算单。"""
        runtime = state.runtime()
        with runtime.db.new_session() as session:
            settlement = session.get(PointsSettlement, settlement_id)
            if settlement is None:
                _fail(f"结算单 #{settlement_id} 不存在")
            header, rows = supermarket.settlement_rows(session, settlement)
            data = exports.export(
                fmt, "结算单", header, rows, supermarket.settlement_title(settlement)
            )
        _write(data, output, fmt)

    @points.command("dividend")
    @click.option("--locality", "locality_code", required=True, help="区划代码")
    @click.option("--period", required=True, help="积分期间：年份、月份或 all")
    @click.option("--pool", required=True, help="分红总额（元）")
    @click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv")
    @click.option("--output", help="输出文件")
    @click.pass_obj
    def dividend(
        state: Any, locality_code: str, period: str, pool: str, fmt: str, output: str | None
    ) -> None:
        """按积分比例分配集体经济分红（分到分，总额不差一分）。"""
        runtime = state.runtime()
        with state.session(runtime) as session:
            try:
                record = dividends.create_dividend(
                    session,
                    SystemActor(),
                    locality_code=locality_code,
                    period=period,
                    pool=dividends.parse_pool(pool),
                )
            except dividends.DividendError as exc:
                _fail(f"{exc.field}: {exc}")
            header, rows = dividends.dividend_rows(session, record)
            title = [["积分分红"], ["区划", locality_code], ["期间", period], ["总额（元）", pool]]
            data = exports.export(fmt, "分红", header, rows, title)
            click.echo(f"分红 #{record.id}：{record.holders} 个持有人，{record.total_points} 分")
        _write(data, output, fmt)

    @points.command("leaderboard")
    @click.option("--locality", "locality_code", help="区划代码（默认：部署的县）")
    @click.option("--scheme", type=click.Choice(list(SCHEMES)), default="resident")
    @click.option("--period", default=None, help="all、年份或月份（默认本年）")
    @click.option("--limit", type=click.IntRange(1, 1000), default=20)
    @click.pass_obj
    def leaderboard(
        state: Any, locality_code: str | None, scheme: str, period: str | None, limit: int
    ) -> None:
        """打印积分排行。"""
        runtime = state.runtime()
        with runtime.db.new_session() as session:
            code = locality_code or runtime.config.locality_code
            try:
                board = rankings.leaderboard(
                    session,
                    scheme,
                    code,
                    period or periods.year_key(periods.today(session)),
                    limit,
                )
            except rankings.RankingError as exc:
                _fail(f"{exc.field}: {exc}")
            for s in board:
                stars = "★" * (s.stars or 0)
                click.echo(f"{s.rank:>4}  {s.name}  {s.points} 分 {stars}")

    @points.command("verify")
    @click.pass_obj
    def verify(state: Any) -> None:
        """校验积分台账：每笔转账借贷平衡、余额等于流水之和、无余额低于下限。"""
        runtime = state.runtime()
        with runtime.db.new_session() as session:
            check = ledger.verify(session)
            transfers = session.scalar(select(func.count()).select_from(PointsTransfer))
        if check.ok:
            click.echo(f"积分台账完好：{transfers} 笔转账均借贷平衡，余额与流水一致")
            return
        for transfer_id in check.unbalanced_transfers:
            click.echo(f"转账 #{transfer_id} 借贷不平衡", err=True)
        for account_id, kept, actual in check.wrong_balances:
            click.echo(f"账户 #{account_id} 余额 {kept}，流水之和 {actual}", err=True)
        for account_id, kept, actual in check.wrong_earned:
            click.echo(f"账户 #{account_id} 累计 {kept}，流水之和 {actual}", err=True)
        for account_id in check.below_floor:
            click.echo(f"账户 #{account_id} 余额低于下限", err=True)
        sys.exit(1)
