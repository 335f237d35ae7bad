"""The double-entry, append-only points ledger.

Every change of points is a :class:`~plugins.points.models.PointsTransfer` whose movements sum
to zero. Balances (``PointsAccount.balance``), all-time earned points (``PointsAccount.earned``)
and per-period aggregates (``PointsTally``) are maintained by ``UPDATE``/upsert statements in
the same transaction, so reading a balance or a ranking never sums the ledger. A debit that
could take an account below its floor is a conditional ``UPDATE … WHERE balance + delta >=
floor``: if it matches no row the whole transfer is refused, which holds under concurrent
requests on SQLite and PostgreSQL alike (the ``balance_floor`` check constraint backs it up). A
correction is a reversing transfer with a reason; a transfer is reversed at most once (unique
``reverses_id``).

Ordering: the transfer rows are flushed before any balance is touched, so the audit chain's lock
is always taken first and writers never wait on each other in opposite orders; account rows are
then updated in id order.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table, bindparam, case, func, inspect, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from core.models import Household
from core.runtime import plugin_settings
from plugins.points import periods
from plugins.points.models import (
    PointsAccount,
    PointsMovement,
    PointsRuleTally,
    PointsTally,
    PointsTransfer,
)

EARNING_KINDS = frozenset({"award", "deduction", "reversal"})
"""Transfers that change a holder's earned points (rankings, star ratings, dividends)."""


class LedgerError(ValueError):
    """A transfer that may not be posted; the message is in Chinese."""


class InsufficientPoints(LedgerError):
    """A debit would take an account below its floor (or a redemption below zero)."""


@dataclasses.dataclass(frozen=True)
class Holder:
    """Who holds points in a scheme: exactly one of person, household or organisation."""

    scheme: str
    person_id: int | None = None
    household_id: int | None = None
    organization_id: int | None = None

    @property
    def key(self) -> str:
        """The account key (unique): ``holder:resident:household:12``."""
        if self.person_id is not None:
            return f"holder:{self.scheme}:person:{self.person_id}"
        if self.household_id is not None:
            return f"holder:{self.scheme}:household:{self.household_id}"
        return f"holder:{self.scheme}:organization:{self.organization_id}"


def system_key(kind: str, scheme: str, locality_code: str) -> str:
    """The key of a village's issuing or recovery account for a scheme."""
    return f"{kind}:{scheme}:{locality_code}"


def issuing_locality(code: str) -> str:
    """The locality whose issuing account pays a holder living at ``code`` (groups use their
    village's)."""
    return code[:12]


def _dialect_insert(session: Session, table: Table) -> Any:
    name = session.get_bind().dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise RuntimeError(f"不支持的数据库：{name}")
    return dialect_insert(table)


def insert_ignoring_duplicates(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str]
) -> int:
    """``INSERT … ON CONFLICT (keys) DO NOTHING``; returns how many rows were new.

    Each row is its own statement and the count comes from ``RETURNING``: drivers do not agree
    on ``rowcount`` here (psycopg reports -1), and callers decide on that count.
    """
    statement = (
        _dialect_insert(session, table)
        .on_conflict_do_nothing(index_elements=list(keys))
        .returning(table.c[keys[0]])
    )
    inserted = 0
    for row in rows:
        inserted += len(session.execute(statement, row).all())
    return inserted


def upsert_add(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    increments: Sequence[str],
) -> None:
    """Insert ``rows``, or add their ``increments`` columns to the existing rows."""
    if not rows:
        return
    statement = _dialect_insert(session, table)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={column: table.c[column] + statement.excluded[column] for column in increments},
    )
    session.execute(statement, sorted(rows, key=lambda row: tuple(row[k] for k in keys)))


def accounts_for(
    session: Session,
    holders: Iterable[tuple[Holder, str]],
    systems: Iterable[tuple[str, str, str]] = (),
) -> dict[str, PointsAccount]:
    """Holder and system accounts by key, creating the missing ones.

    ``holders`` are ``(Holder, locality_code)`` pairs; ``systems`` are ``(kind, scheme,
    locality_code)``. New holder accounts get the deployment's ``holder_floor``; issuing
    accounts have no floor (they go negative as they issue), recovery accounts a floor of 0.
    """
    floor = plugin_settings(session, "points")["holder_floor"]
    wanted: dict[str, dict[str, Any]] = {}
    for holder, locality_code in holders:
        wanted[holder.key] = {
            "key": holder.key,
            "scheme": holder.scheme,
            "kind": "holder",
            "locality_code": locality_code,
            "person_id": holder.person_id,
            "household_id": holder.household_id,
            "organization_id": holder.organization_id,
            "floor": floor,
        }
    for kind, scheme, locality_code in systems:
        key = system_key(kind, scheme, locality_code)
        wanted[key] = {
            "key": key,
            "scheme": scheme,
            "kind": kind,
            "locality_code": locality_code,
            "person_id": None,
            "household_id": None,
            "organization_id": None,
            "floor": None if kind == "issuing" else 0,
        }
    found = _load_accounts(session, list(wanted))
    missing = [row for key, row in sorted(wanted.items()) if key not in found]
    if missing:
        now = dt.datetime.now(dt.UTC)
        for row in missing:
            row.update(balance=0, earned=0, created_at=now)
        insert_ignoring_duplicates(session, PointsAccount.__table__, missing, ["key"])
        found.update(_load_accounts(session, [row["key"] for row in missing]))
    return found


def _load_accounts(session: Session, keys: list[str]) -> dict[str, PointsAccount]:
    found: dict[str, PointsAccount] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        for account in session.scalars(select(PointsAccount).where(PointsAccount.key.in_(chunk))):
            found[account.key] = account
    return found


def post_transfer(
    session: Session,
    *,
    kind: str,
    scheme: str,
    locality_code: str,
    value_date: dt.date,
    memo: str,
    lines: Sequence[tuple[PointsAccount, int]],
    actor: str | None,
    rule_id: int | None = None,
    reason: str | None = None,
    reverses: PointsTransfer | None = None,
    spend_from_positive: frozenset[int] = frozenset(),
) -> PointsTransfer:
    """Post a transfer of ``lines`` (account, amount) and maintain balances and tallies.

    Raises :class:`LedgerError` if the lines do not sum to zero and
    :class:`InsufficientPoints` if a debit would take an account below its floor, or, for the
    account ids in ``spend_from_positive`` (redemptions), below zero. The caller's transaction
    must then be rolled back: nothing of the transfer survives.
    """
    merged: dict[int, int] = defaultdict(int)
    accounts: dict[int, PointsAccount] = {}
    for account, amount in lines:
        merged[account.id] += amount
        accounts[account.id] = account
    merged = {account_id: amount for account_id, amount in merged.items() if amount}
    if sum(merged.values()) != 0:
        raise LedgerError("转账借贷不平衡：各账户变动之和必须为 0")
    if len(merged) < 2:
        raise LedgerError("一笔转账至少涉及两个账户")
    if reverses is not None:
        taken = session.scalar(
            select(PointsTransfer.id).where(PointsTransfer.reverses_id == reverses.id)
        )
        if taken is not None:
            raise LedgerError(f"第 {reverses.id} 笔已于第 {taken} 笔冲正，不能重复冲正")
    transfer = PointsTransfer(
        kind=kind,
        scheme=scheme,
        locality_code=locality_code,
        value_date=value_date,
        memo=memo[:200],
        reason=reason,
        reverses_id=reverses.id if reverses is not None else None,
        rule_id=rule_id,
        created_by=actor,
    )
    for account_id, amount in sorted(merged.items()):
        PointsMovement(
            transfer=transfer,
            account_id=account_id,
            amount=amount,
            locality_code=accounts[account_id].locality_code,
        )
    session.add(transfer)
    session.flush()  # the audit chain's lock is now held: take account rows only after it
    _apply_balances(session, transfer, merged, accounts, spend_from_positive)
    _apply_tallies(session, transfer, merged, accounts)
    return transfer


def _apply_balances(
    session: Session,
    transfer: PointsTransfer,
    merged: dict[int, int],
    accounts: dict[int, PointsAccount],
    spend_from_positive: frozenset[int],
) -> None:
    table = PointsAccount.__table__
    earning = transfer.kind in EARNING_KINDS
    plain: list[dict[str, Any]] = []
    short: list[tuple[PointsAccount, int]] = []
    for account_id in sorted(merged):
        amount = merged[account_id]
        account = accounts[account_id]
        earned = amount if (earning and account.kind == "holder") else 0
        guarded = amount < 0 and (account.floor is not None or account_id in spend_from_positive)
        if not guarded:
            plain.append({"b_id": account_id, "b_amount": amount, "b_earned": earned})
            continue
        limit = 0 if account_id in spend_from_positive else account.floor
        if account.floor is not None:
            limit = max(limit, account.floor)
        result = session.execute(
            update(table)
            .where(table.c.id == account_id, table.c.balance + amount >= limit)
            .values(balance=table.c.balance + amount, earned=table.c.earned + earned)
        )
        if result.rowcount != 1:
            short.append((account, amount))
    if short:
        session.expire_all()
        names = "、".join(
            f"{account.holder_name}（余额 {account.balance} 分，需扣 {-amount} 分）"
            for account, amount in short[:10]
        )
        more = f"等 {len(short)} 个账户" if len(short) > 10 else ""
        raise InsufficientPoints(f"积分余额不足：{names}{more}")
    if plain:
        session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(
                balance=table.c.balance + bindparam("b_amount"),
                earned=table.c.earned + bindparam("b_earned"),
            ),
            plain,
        )
    for account in accounts.values():
        session.expire(account, ["balance", "earned"])


def _apply_tallies(
    session: Session,
    transfer: PointsTransfer,
    merged: dict[int, int],
    accounts: dict[int, PointsAccount],
) -> None:
    earning = transfer.kind in EARNING_KINDS
    rows = []
    for account_id, amount in merged.items():
        account = accounts[account_id]
        if account.kind != "holder":
            continue
        for period in (
            periods.month_key(transfer.value_date),
            periods.year_key(transfer.value_date),
        ):
            rows.append(
                {
                    "account_id": account_id,
                    "period": period,
                    "scheme": account.scheme,
                    "locality_code": account.locality_code,
                    "earned": amount if earning else 0,
                    "credits": max(amount, 0),
                    "debits": max(-amount, 0),
                }
            )
    upsert_add(
        session,
        PointsTally.__table__,
        rows,
        ["account_id", "period"],
        ["earned", "credits", "debits"],
    )


def reverse_transfer(
    session: Session, transfer: PointsTransfer, reason: str | None, actor: str | None, kind: str
) -> PointsTransfer:
    """Post the reversing transfer of ``transfer`` (every movement negated), with a reason.

    Earning transfers are reversed on their own value date, so the period they counted in is
    corrected. A debit the holder can no longer cover (points already spent) is refused."""
    if not (reason and reason.strip()):
        raise LedgerError("冲正必须填写理由")
    movements = session.scalars(
        select(PointsMovement)
        .where(PointsMovement.transfer_id == transfer.id)
        .options(selectinload(PointsMovement.account))
    ).all()
    value_date = transfer.value_date if transfer.kind in EARNING_KINDS else periods.today(session)
    return post_transfer(
        session,
        kind=kind,
        scheme=transfer.scheme,
        locality_code=transfer.locality_code,
        value_date=value_date,
        memo=f"冲正第 {transfer.id} 笔：{transfer.memo}",
        lines=[(m.account, -m.amount) for m in movements],
        actor=actor,
        rule_id=transfer.rule_id,
        reason=reason.strip(),
        reverses=transfer,
    )


def take_cap(
    session: Session, rule_code: str, cap: int | None, period: str, amounts: dict[int, int]
) -> list[int]:
    """Count ``amounts`` (account id → points, absolute) against a rule's cap for a period.

    Each holder's count rises only if it stays within ``cap`` (a conditional ``UPDATE``), so
    concurrent awards cannot exceed it. Returns the account ids that would exceed the cap (their
    counts unchanged); the caller refuses or skips the award for them.
    """
    if cap is None or not amounts:
        return []
    table = PointsRuleTally.__table__
    insert_ignoring_duplicates(
        session,
        table,
        [
            {"account_id": a, "rule_code": rule_code, "period": period, "amount": 0}
            for a in sorted(amounts)
        ],
        ["account_id", "rule_code", "period"],
    )
    over = []
    for account_id in sorted(amounts):
        amount = abs(amounts[account_id])
        result = session.execute(
            update(table)
            .where(
                table.c.account_id == account_id,
                table.c.rule_code == rule_code,
                table.c.period == period,
                table.c.amount + amount <= cap,
            )
            .values(amount=table.c.amount + amount)
        )
        if result.rowcount != 1:
            over.append(account_id)
    return over


def release_cap(session: Session, rule_code: str, period: str, amounts: dict[int, int]) -> None:
    """Give back cap room after a reversal."""
    table = PointsRuleTally.__table__
    for account_id in sorted(amounts):
        session.execute(
            update(table)
            .where(
                table.c.account_id == account_id,
                table.c.rule_code == rule_code,
                table.c.period == period,
            )
            .values(amount=table.c.amount - abs(amounts[account_id]))
        )


def cap_used(session: Session, account_id: int, rule_code: str, period: str) -> int:
    """Points a rule has already given (or taken) a holder in a cap period."""
    return (
        session.scalar(
            select(PointsRuleTally.amount).where(
                PointsRuleTally.account_id == account_id,
                PointsRuleTally.rule_code == rule_code,
                PointsRuleTally.period == period,
            )
        )
        or 0
    )


# --- expiry ---------------------------------------------------------------------------------


def expire(
    session: Session, as_of: dt.date, months: int, actor: str | None
) -> list[PointsTransfer]:
    """Post expiry transfers for resident points older than ``months`` months and unspent.

    Spending uses the oldest points first, so what has expired is the balance less the credits
    of the recent months: ``max(0, balance − credits since the cut-off)``. One transfer per
    village moves it to the village's expiry account. Running it twice expires nothing more.
    """
    if months <= 0:
        raise LedgerError("未设置积分有效期（expiry_months 为 0），无需过期处理")
    cutoff = periods.month_key(periods.months_before(as_of, months))
    recent = (
        select(PointsTally.account_id, func.sum(PointsTally.credits).label("recent"))
        .where(
            PointsTally.scheme == "resident",
            func.length(PointsTally.period) == 7,
            PointsTally.period >= cutoff,
        )
        .group_by(PointsTally.account_id)
        .subquery()
    )
    rows = session.execute(
        select(PointsAccount, func.coalesce(recent.c.recent, 0))
        .outerjoin(recent, recent.c.account_id == PointsAccount.id)
        .where(
            PointsAccount.scheme == "resident",
            PointsAccount.kind == "holder",
            PointsAccount.balance > func.coalesce(recent.c.recent, 0),
            PointsAccount.balance > 0,
        )
        .order_by(PointsAccount.locality_code, PointsAccount.id)
    ).all()
    by_village: dict[str, list[tuple[PointsAccount, int]]] = defaultdict(list)
    for account, recent_credits in rows:
        by_village[issuing_locality(account.locality_code)].append(
            (account, account.balance - int(recent_credits))
        )
    transfers = []
    for village, items in sorted(by_village.items()):
        sink = accounts_for(session, [], [("expired", "resident", village)])
        sink_account = sink[system_key("expired", "resident", village)]
        total = sum(amount for _, amount in items)
        transfers.append(
            post_transfer(
                session,
                kind="expiry",
                scheme="resident",
                locality_code=village,
                value_date=as_of,
                memo=f"积分过期：{cutoff} 之前获得且未使用的积分",
                lines=[*((a, -amount) for a, amount in items), (sink_account, total)],
                actor=actor,
            )
        )
    return transfers


# --- invariants ------------------------------------------------------------------------------


@dataclasses.dataclass
class LedgerCheck:
    """What :func:`verify` found; empty lists mean the ledger holds."""

    unbalanced_transfers: list[int]
    wrong_balances: list[tuple[int, int, int]]
    wrong_earned: list[tuple[int, int, int]]
    below_floor: list[int]

    @property
    def ok(self) -> bool:
        """Whether every invariant holds."""
        return not (
            self.unbalanced_transfers
            or self.wrong_balances
            or self.wrong_earned
            or self.below_floor
        )


def verify(session: Session) -> LedgerCheck:
    """Check the ledger's invariants by summing it (an audit, not a read path): every transfer
    sums to zero; every balance and earned total equals its movements; no balance below floor."""
    unbalanced = list(
        session.scalars(
            select(PointsMovement.transfer_id)
            .group_by(PointsMovement.transfer_id)
            .having(func.sum(PointsMovement.amount) != 0)
        )
    )
    sums = (
        select(
            PointsMovement.account_id,
            func.sum(PointsMovement.amount).label("total"),
            func.sum(
                case((PointsTransfer.kind.in_(EARNING_KINDS), PointsMovement.amount), else_=0)
            ).label("earned"),
        )
        .join(PointsTransfer, PointsTransfer.id == PointsMovement.transfer_id)
        .group_by(PointsMovement.account_id)
        .subquery()
    )
    rows = session.execute(
        select(
            PointsAccount.id,
            PointsAccount.kind,
            PointsAccount.balance,
            PointsAccount.earned,
            func.coalesce(sums.c.total, 0),
            func.coalesce(sums.c.earned, 0),
        ).outerjoin(sums, sums.c.account_id == PointsAccount.id)
    ).all()
    wrong_balances = [(a, b, int(t)) for a, _, b, _, t, _ in rows if b != int(t)]
    wrong_earned = [
        (a, e, int(s)) for a, kind, _, e, _, s in rows if kind == "holder" and e != int(s)
    ]
    below = list(
        session.scalars(
            select(PointsAccount.id).where(
                PointsAccount.floor.is_not(None), PointsAccount.balance < PointsAccount.floor
            )
        )
    )
    return LedgerCheck(unbalanced, wrong_balances, wrong_earned, below)


def household_of_person_ids(session: Session, person_ids: Iterable[int]) -> dict[int, int]:
    """person id → household id for the given residents (those registered in a household)."""
    from core.models import Person

    ids = sorted(set(person_ids))
    result: dict[int, int] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        result.update(
            session.execute(
                select(Person.id, Person.household_id).where(
                    Person.id.in_(chunk), Person.household_id.is_not(None)
                )
            ).all()
        )
    return result


def load_names(session: Session, accounts: Sequence[PointsAccount]) -> list[Any]:
    """Load what :attr:`PointsAccount.holder_name` needs for many accounts in a few queries.

    Each account is given its loaded person, household (with its members) or organisation as
    its relationship's value, so the names stay loaded for as long as the accounts do: the
    session's identity map holds objects only weakly and would otherwise let them go, and every
    name would be loaded again one statement at a time. Returns the loaded holders.
    """
    from core.models import Organization, Person

    def by_id(model: Any, ids: set[int]) -> dict[int, Any]:
        found: dict[int, Any] = {}
        ordered = sorted(ids)
        for start in range(0, len(ordered), 500):
            chunk = ordered[start : start + 500]
            found.update(
                (o.id, o) for o in session.scalars(select(model).where(model.id.in_(chunk)))
            )
        return found

    holders: dict[str, dict[int, Any]] = {}
    for attribute, model in (
        ("person", Person),
        ("household", Household),
        ("organization", Organization),
    ):
        ids = {getattr(a, f"{attribute}_id") for a in accounts} - {None}
        holders[attribute] = by_id(model, ids) if ids else {}
        for account in accounts:
            holder = holders[attribute].get(getattr(account, f"{attribute}_id"))
            if holder is not None and attribute not in inspect(account).dict:
                set_committed_value(account, attribute, holder)
    households = [h for h in holders["household"].values() if "members" not in inspect(h).dict]
    members: dict[int, list[Any]] = defaultdict(list)
    for start in range(0, len(households), 500):
        chunk = [h.id for h in households[start : start + 500]]
        for person in session.scalars(
            select(Person).where(Person.household_id.in_(chunk)).order_by(Person.id)
        ):
            members[person.household_id].append(person)
    for household in households:
        set_committed_value(household, "members", members[household.id])
    loaded = [h for found in holders.values() for h in found.values()]
    return loaded + [p for group in members.values() for p in group]


def account_for_person(session: Session, person: Any, scheme: str) -> PointsAccount:
    """The holder account a resident's points go to in ``scheme`` (their household's when the
    deployment keeps household points), created if missing."""
    from plugins.points.supermarket import SupermarketError

    if person is None:
        raise SupermarketError("person_id", "请选择居民")
    if (
        scheme == "resident"
        and plugin_settings(session, "points")["resident_holder"] == "household"
    ):
        if person.household is None:
            raise SupermarketError("person_id", f"{person.name}未登记户，没有户积分账户")
        holder = Holder("resident", household_id=person.household.id)
        code = person.household.locality_code
    else:
        holder = Holder(scheme, person_id=person.id)
        code = person.locality_code
    return accounts_for(session, [(holder, code)])[holder.key]
