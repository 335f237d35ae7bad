"""A year (2025) of plausible points activity in the demo county, drawn in memory and written in
two flushes (the demo must not issue queries per row).

Every village holds two or three activities a month (volunteering, 环境整治…) that were claimed,
publicly noticed and posted; occasional 好人好事 and 移风易俗 awards and breaches of 村规民约;
party members earn 先锋指数 and branches 堡垒指数; residents redeem goods at the love
supermarket, merchants are settled monthly at cost price; each village's 2025 积德榜 is
published and one village splits a collective-economy dividend. The in-memory book keeps the
same caps, floors and double entries as the services, so the result passes ``points verify``.
A few current claims wait for review or sit under public notice.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.demo import plugin_covers
from core.models import Locality, Organization, OrganizationKind, Person, Tag
from core.models.person import person_tags
from core.runtime import plugin_settings
from plugins.points import periods, rules
from plugins.points.dividends import split_pool
from plugins.points.ledger import EARNING_KINDS, system_key
from plugins.points.models import (
    PointsAccount,
    PointsClaim,
    PointsDividend,
    PointsDividendShare,
    PointsMerchant,
    PointsMovement,
    PointsProduct,
    PointsRankingEntry,
    PointsRankingSnapshot,
    PointsRedemption,
    PointsRule,
    PointsRuleTally,
    PointsSettlement,
    PointsTally,
    PointsTransfer,
)

ACTOR = "system:demo"
YEAR = 2025

ACTIVITIES = {
    "ZY01": ["关爱留守儿童志愿服务", "敬老院志愿服务", "防汛值守志愿服务", "文明劝导志愿服务"],
    "HJ01": ["房前屋后环境整治", "河道清漂", "垃圾分类集中宣传", "公共区域大扫除"],
    "HR01": ["拾金不昧", "邻里火情扑救", "雨夜护送迷路老人"],
    "YF01": ["婚事新办承诺", "丧事简办"],
    "XL01": ["照顾瘫痪在床的婆婆十年", "帮扶孤寡老人"],
    "KF01": ["在河边倾倒建筑垃圾", "占道堆放柴草"],
    "XF02": ["领办产业路硬化项目", "领办饮水工程维修"],
    "XF03": ["住地党员包楼栋走访"],
    "BL01": ["主题党日"],
    "BL02": ["重大事项党员先议"],
}
PRODUCTS = [
    ("东北大米 10kg", "袋", 120, "45.00"),
    ("菜籽油 5L", "桶", 150, "58.00"),
    ("洗衣粉 2kg", "袋", 30, "9.90"),
    ("纯棉毛巾", "条", 15, "6.50"),
    ("牙膏", "支", 12, "5.80"),
    ("酱油 1.9L", "瓶", 20, "8.80"),
    ("土鸡蛋 30 枚", "盒", 40, "18.00"),
    ("不锈钢保温杯", "个", 60, "25.00"),
    ("学生书包", "个", 80, "35.00"),
    ("理发服务", "次", 20, "10.00"),
]


def _at(day: dt.date, hour: int = 2) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), dt.UTC)


class _Book:
    """The ledger kept in memory while the demo is drawn: accounts, transfers, tallies, caps."""

    def __init__(self, session: Session) -> None:
        settings = plugin_settings(session, "points")
        self.household_mode = settings["resident_holder"] == "household"
        self.floor = settings["holder_floor"]
        self.accounts: dict[str, PointsAccount] = {}
        self.tallies: dict[tuple[str, str], dict[str, Any]] = {}
        self.caps: dict[tuple[str, str, str], int] = {}
        self.transfers: list[PointsTransfer] = []

    def _account(self, key: str, scheme: str, kind: str, code: str, **holder: Any) -> PointsAccount:
        account = self.accounts.get(key)
        if account is None:
            floor = self.floor if kind == "holder" else (None if kind == "issuing" else 0)
            account = PointsAccount(
                key=key,
                scheme=scheme,
                kind=kind,
                locality_code=code,
                balance=0,
                earned=0,
                floor=floor,
                created_at=_at(dt.date(YEAR, 1, 1)),
                **holder,
            )
            self.accounts[key] = account
        return account

    def holder(self, scheme: str, person: Person) -> PointsAccount:
        """A resident's account in ``scheme`` (their household's for household points)."""
        if scheme == "resident" and self.household_mode:
            key = f"holder:resident:household:{person.household_id}"
            return self._account(
                key, scheme, "holder", person.locality_code, household_id=person.household_id
            )
        key = f"holder:{scheme}:person:{person.id}"
        return self._account(key, scheme, "holder", person.locality_code, person_id=person.id)

    def branch(self, branch: Organization) -> PointsAccount:
        """A party branch's 堡垒指数 account."""
        key = f"holder:bastion:organization:{branch.id}"
        return self._account(
            key, "bastion", "holder", branch.locality_code, organization_id=branch.id
        )

    def system(self, kind: str, scheme: str, code: str) -> PointsAccount:
        """A village's issuing or recovery account."""
        return self._account(system_key(kind, scheme, code[:12]), scheme, kind, code[:12])

    def cap_room(self, account: PointsAccount, rule: PointsRule, day: dt.date, n: int) -> bool:
        """Whether ``n`` more awards of ``rule`` stay within the holder's cap."""
        if rule.cap is None:
            return True
        key = (account.key, rule.code, periods.cap_period_key(rule.cap_period, day))
        return self.caps.get(key, 0) + abs(rule.points) * n <= rule.cap

    def take_cap(self, account: PointsAccount, rule: PointsRule, day: dt.date, n: int) -> None:
        if rule.cap is None:
            return
        key = (account.key, rule.code, periods.cap_period_key(rule.cap_period, day))
        self.caps[key] = self.caps.get(key, 0) + abs(rule.points) * n

    def transfer(
        self,
        kind: str,
        scheme: str,
        code: str,
        day: dt.date,
        memo: str,
        lines: Sequence[tuple[PointsAccount, int]],
        at: dt.datetime,
        rule: PointsRule | None = None,
        reverses: PointsTransfer | None = None,
        reason: str | None = None,
    ) -> PointsTransfer:
        """A balanced transfer, with balances, earned totals and tallies kept as the ledger does."""
        merged: dict[str, list[Any]] = {}
        for account, amount in lines:
            merged.setdefault(account.key, [account, 0])[1] += amount
        assert sum(amount for _, amount in merged.values()) == 0
        transfer = PointsTransfer(
            kind=kind,
            scheme=scheme,
            locality_code=code,
            value_date=day,
            memo=memo[:200],
            reason=reason,
            rule=rule,
            reverses=reverses,
            created_at=at,
            created_by=ACTOR,
        )
        for account, amount in merged.values():
            if not amount:
                continue
            PointsMovement(
                transfer=transfer,
                account=account,
                amount=amount,
                locality_code=account.locality_code,
            )
            account.balance += amount
            earned = amount if kind in EARNING_KINDS and account.kind == "holder" else 0
            account.earned += earned
            if account.kind != "holder":
                continue
            for period in (periods.month_key(day), periods.year_key(day)):
                tally = self.tallies.get((account.key, period))
                if tally is None:
                    tally = self.tallies[(account.key, period)] = {
                        "account": account,
                        "period": period,
                        "scheme": account.scheme,
                        "locality_code": account.locality_code,
                        "earned": 0,
                        "credits": 0,
                        "debits": 0,
                    }
                tally["earned"] += earned
                tally["credits"] += max(amount, 0)
                tally["debits"] += max(-amount, 0)
        self.transfers.append(transfer)
        return transfer

    def objects(self) -> list[Any]:
        """The audited records to add to the session: accounts and transfers (with movements)."""
        return [*self.accounts.values(), *self.transfers]

    def write_aggregates(self, session: Session) -> None:
        """Insert the maintained aggregates (tallies, cap counts) as the ledger's statements do:
        in bulk, after the accounts have ids."""
        tallies = [
            {**{k: v for k, v in row.items() if k != "account"}, "account_id": row["account"].id}
            for row in self.tallies.values()
        ]
        caps = [
            {"account_id": self.accounts[key].id, "rule_code": code, "period": period, "amount": n}
            for (key, code, period), n in self.caps.items()
        ]
        if tallies:
            session.execute(insert(PointsTally.__table__), tallies)
        if caps:
            session.execute(insert(PointsRuleTally.__table__), caps)


def seed(session: Session, root: Locality, rng: random.Random) -> None:
    """Seed the points plugin's share of the demo county (called by ``gongzhi demo``)."""
    rules.sync_config_rules(session, actor=ACTOR)
    county_rules = {
        r.code: r
        for r in session.scalars(select(PointsRule).where(PointsRule.locality_code == root.code))
    }
    villages = [
        village
        for village in session.scalars(
            select(Locality)
            .where(Locality.scope_clause(root.code), Locality.level == "village")
            .order_by(Locality.code)
        )
        if plugin_covers(session, "points", village.code)  # pilots only, where [coverage] says so
    ]
    if not villages:
        return
    everyone = session.scalars(
        select(Person).where(Person.scope_clause(root.code)).order_by(Person.id)
    ).all()
    party = set(
        session.scalars(
            select(person_tags.c.person_id)
            .join(Tag, Tag.id == person_tags.c.tag_id)
            .where(Tag.name == "党员")
        )
    )
    organizations = session.scalars(
        select(Organization)
        .where(
            Organization.scope_clause(root.code),
            Organization.kind.in_([OrganizationKind.PARTY_BRANCH, OrganizationKind.MERCHANT]),
        )
        .order_by(Organization.id)
    ).all()
    village_codes = {v.code for v in villages}
    branches = [
        o
        for o in organizations
        if o.kind == OrganizationKind.PARTY_BRANCH and o.locality_code in village_codes
    ]
    shops = [
        o
        for o in organizations
        if o.kind == OrganizationKind.MERCHANT and plugin_covers(session, "points", o.locality_code)
    ]
    cutoff = dt.date(YEAR - 16, 1, 1)
    residents: dict[str, list[Person]] = defaultdict(list)
    heads: dict[int, str] = {}
    for person in everyone:
        if person.birth_date < cutoff and person.locality_code[:12] in village_codes:
            residents[person.locality_code[:12]].append(person)
        if person.relation == "户主" and person.household_id:
            heads[person.household_id] = person.name

    special = villages[1] if len(villages) > 1 else villages[0]
    override = PointsRule(
        code="HJ01",
        locality_code=special.code,
        version=1,
        scheme="resident",
        name="参加人居环境整治（长效管护示范村加倍计分）",
        category="环境整治",
        points=4,
        cap=16,
        cap_period="month",
        needs_review=False,
        evidence="活动照片",
        person_field="person_id",
        awarded_by="village",
        active=True,
        source="admin",
        created_by="account:village_2",
        created_at=_at(dt.date(YEAR, 1, 3)),
    )
    if "HJ01" in county_rules:  # 一村一策: the special village doubles the county's HJ01
        session.add(override)

    def rule_at(code: str, village_code: str) -> PointsRule:
        if code == "HJ01" and village_code == special.code:
            return override
        return county_rules[code]

    book = _Book(session)
    claims: list[PointsClaim] = []

    def notice_days(village_code: str) -> int:
        """The notice period in force in the village (一村一策), at least a day in the demo."""
        return plugin_settings(session, "points", village_code)["notice_days"] or 1

    def claim(code: str, village: str, crowd: Sequence[Any], day: dt.date, bastion=False) -> None:
        if code not in county_rules:
            return  # the county's 积分细则 has no such rule
        rule = rule_at(code, village)
        holders: dict[str, list[Any]] = {}
        for member in crowd:
            account = book.branch(member) if bastion else book.holder(rule.scheme, member)
            holders.setdefault(account.key, [account, 0, []])
            holders[account.key][1] += 1
            holders[account.key][2].append(member)
        kept = [h for h in holders.values() if book.cap_room(h[0], rule, day, h[1])]
        if rule.points < 0:
            kept = [h for h in kept if h[0].balance + rule.points * h[1] >= h[0].floor]
        if not kept:
            return
        noticed = day + dt.timedelta(days=2)
        ends = noticed + dt.timedelta(days=notice_days(village) - 1)
        posted = _at(ends + dt.timedelta(days=1), 1)
        lines = []
        issued: dict[str, int] = defaultdict(int)
        for account, n, _ in kept:
            book.take_cap(account, rule, day, n)
            lines.append((account, rule.points * n))
            issued[account.locality_code[:12]] += rule.points * n
        for code_12, total in sorted(issued.items()):
            lines.append((book.system("issuing", rule.scheme, code_12), -total))
        activity = rng.choice(ACTIVITIES.get(code, [rule.name]))
        sign = "+" if rule.points > 0 else ""
        transfer = book.transfer(
            "award" if rule.points > 0 else "deduction",
            rule.scheme,
            village,
            day,
            f"{rule.code} {rule.name}：{activity}（每人{sign}{rule.points}分）",
            lines,
            posted,
            rule=rule,
        )
        members = [m for _, _, ms in kept for m in ms]
        claims.append(
            PointsClaim(
                rule=rule,
                rule_code=rule.code,
                scheme=rule.scheme,
                points=rule.points,
                locality_code=village,
                activity=activity,
                occurred_on=day,
                evidence="演示数据：村务档案存有签到表和照片",
                state="posted",
                source="manual",
                submitted_by="account:village",
                reviewed_by="无需审核" if not rule.needs_review else "account:town",
                objections=0,
                notice_starts_on=noticed,
                notice_ends_on=ends,
                posted_at=posted,
                transfer=transfer,
                persons=[] if bastion else members,
                branches=members if bastion else [],
                created_at=_at(day, 9),
            )
        )

    def day_in(month: int) -> dt.date:
        return dt.date(YEAR, month, rng.randint(1, 28))

    for month in range(1, 13):
        for village in villages:
            people = residents.get(village.code, [])
            if len(people) < 5:
                continue
            for code in rng.sample(["ZY01", "HJ01", "HJ01", "ZY01"], rng.randint(2, 3)):
                crowd = rng.sample(people, min(len(people), rng.randint(4, 14)))
                claim(code, village.code, crowd, day_in(month))
            if rng.random() < 0.3:
                claim(
                    rng.choice(["HR01", "YF01", "XL01"]),
                    village.code,
                    [rng.choice(people)],
                    day_in(month),
                )
            if rng.random() < 0.15:
                claim("KF01", village.code, [rng.choice(people)], day_in(month))
            members = [p for p in people if p.id in party]
            if members:
                claim(
                    "XF03",
                    village.code,
                    rng.sample(members, min(len(members), rng.randint(1, 4))),
                    day_in(month),
                )
                if rng.random() < 0.2:
                    claim("XF02", village.code, [rng.choice(members)], day_in(month))
        for branch in branches:
            if rng.random() < 0.85:
                claim("BL01", branch.locality_code, [branch], day_in(month), bastion=True)
            if rng.random() < 0.35:
                claim("BL02", branch.locality_code, [branch], day_in(month), bastion=True)

    market = _supermarket(session, rng, book, shops, residents)
    session.add_all(claims)
    session.add_all(book.objects())
    session.add_all(market)
    session.flush()  # ids for the aggregates and the tie-breaks of the rankings below
    book.write_aggregates(session)

    names = {
        key: heads.get(a.household_id, f"户 {a.household_id}") + "户" if a.household_id else None
        for key, a in book.accounts.items()
    }
    people_by_id = {p.id: p.name for p in everyone}
    branch_names = {b.id: b.name for b in branches}

    def name_of(account: PointsAccount) -> str:
        if account.person_id:
            return people_by_id[account.person_id]
        if account.organization_id:
            return branch_names[account.organization_id]
        return names[account.key] or account.key

    year = str(YEAR)
    thresholds = plugin_settings(session, "points")["stars"]
    size = plugin_settings(session, "points")["snapshot_size"]

    def board(scheme: str, code_prefix: str) -> list[tuple[PointsAccount, int]]:
        rows = [
            (tally["account"], tally["earned"])
            for (_, period), tally in book.tallies.items()
            if period == year
            and tally["scheme"] == scheme
            and tally["locality_code"].startswith(code_prefix)
            and tally["earned"] != 0
        ]
        return sorted(rows, key=lambda row: (-row[1], row[0].id))

    published = []
    # 先锋指数 is ranked county-wide, or in each pilot village where the county only pilots points.
    pioneer_boards = [root] if plugin_covers(session, "points", root.code) else [*villages]
    boards = [*((v, "resident") for v in villages), *((x, "pioneer") for x in pioneer_boards)]
    for locality, scheme in boards:
        prefix = locality.code if locality.level == "village" else locality.code[:6]
        rows = board(scheme, prefix)[:size]
        if not rows:
            continue
        snapshot = PointsRankingSnapshot(
            scheme=scheme,
            locality_code=locality.code,
            period=year,
            state="published",
            created_at=_at(dt.date(YEAR + 1, 1, 4)),
            published_at=_at(dt.date(YEAR + 1, 1, 5)),
            published_by="account:town_1",
        )
        rank = 0
        for index, (account, points) in enumerate(rows):
            if not index or points != rows[index - 1][1]:
                rank = index + 1
            stars = sum(1 for t in thresholds[scheme] if points >= t)
            PointsRankingEntry(
                snapshot=snapshot,
                account=account,
                rank=rank,
                holder_name=name_of(account),
                points=points,
                stars=stars,
            )
        published.append(snapshot)
    session.add_all(published)

    weights = {a.id: points for a, points in board("resident", special.code) if points > 0}
    if weights:
        pool = Decimal("12000.00")
        shares = split_pool(pool, weights)
        by_id = {a.id: a for a in book.accounts.values()}
        session.add(
            PointsDividend(
                scheme="resident",
                period=year,
                locality_code=special.code,
                pool=pool,
                total_points=sum(weights.values()),
                holders=len(weights),
                note="2025 年村集体经济超额积累分红（按积分比例）",
                created_at=_at(dt.date(YEAR + 1, 1, 10)),
                created_by="account:village_2",
                shares=[
                    PointsDividendShare(account=by_id[a], points=weights[a], amount=shares[a])
                    for a in sorted(weights)
                ],
            )
        )
    session.add_all(_current_claims(session, rng, villages, residents, county_rules))
    session.flush()


def _supermarket(
    session: Session,
    rng: random.Random,
    book: _Book,
    shops: Sequence[Organization],
    residents: dict[str, list[Person]],
) -> list[Any]:
    """Merchants and products, a year of redemptions, and monthly settlements."""
    created: list[Any] = []
    merchants = []
    for index, shop in enumerate(shops):
        expired = index == len(shops) - 1 and len(shops) > 2
        merchant = PointsMerchant(
            name=shop.name,
            organization_id=shop.id,
            locality_code=shop.locality_code,
            contract_active=not expired,
            contract_start=dt.date(YEAR, 1, 1),
            contract_end=dt.date(YEAR, 6, 30) if expired else dt.date(YEAR + 2, 12, 31),
            note="协议到期未续签" if expired else "按成本价供货，月结",
            products=[
                PointsProduct(
                    locality_code=shop.locality_code,
                    name=name,
                    unit=unit,
                    points_price=price,
                    cost_price=Decimal(cost),
                    stock=rng.randint(40, 120),
                    active=True,
                )
                for name, unit, price, cost in rng.sample(PRODUCTS, rng.randint(5, 8))
            ],
        )
        merchants.append(merchant)
        created.append(merchant)
    active = [m for m in merchants if m.contract_active]
    if not active:
        return created
    by_town: dict[str, list[PointsMerchant]] = defaultdict(list)
    for merchant in active:
        by_town[merchant.locality_code[:9]].append(merchant)
    redemptions: list[PointsRedemption] = []
    for month in range(3, 13):
        for village_code, people in sorted(residents.items()):
            nearby = by_town.get(village_code[:9]) or active
            for _ in range(rng.randint(2, 6)):
                merchant = rng.choice(nearby)
                product = rng.choice(merchant.products)
                account = book.holder("resident", rng.choice(people))
                quantity = rng.randint(1, 2)
                points = product.points_price * quantity
                if account.balance < points or product.stock < quantity:
                    continue
                day = dt.date(YEAR, month, rng.randint(1, 28))
                product.stock -= quantity
                sink = book.system("redeemed", "resident", account.locality_code)
                transfer = book.transfer(
                    "redemption",
                    "resident",
                    account.locality_code,
                    day,
                    f"爱心超市兑换：{product.name}×{quantity}",
                    [(account, -points), (sink, points)],
                    _at(day),
                )
                redemption = PointsRedemption(
                    account=account,
                    product=product,
                    merchant=merchant,
                    quantity=quantity,
                    points=points,
                    cost_amount=(product.cost_price * quantity).quantize(Decimal("0.01")),
                    state="reserved",
                    locality_code=account.locality_code,
                    reserved_at=_at(day),
                    transfer=transfer,
                    created_by="account:village",
                )
                redemptions.append(redemption)
                if len(redemptions) % 31 == 0:
                    product.stock += quantity
                    redemption.reversal = book.transfer(
                        "cancellation",
                        "resident",
                        account.locality_code,
                        day,
                        f"冲正：爱心超市兑换 {product.name}×{quantity}",
                        [(account, points), (sink, -points)],
                        _at(day, 5),
                        reverses=transfer,
                        reason="居民改换其他商品",
                    )
                    redemption.state = "cancelled"
                    redemption.reason = "居民改换其他商品"
                    redemption.cancelled_at = _at(day, 5)
                elif not (month == 12 and len(redemptions) % 5 == 0):
                    redemption.state = "fulfilled"
                    redemption.fulfilled_at = _at(day + dt.timedelta(days=rng.randint(0, 2)), 6)
    created.extend(redemptions)
    for merchant in active:
        for month in range(3, 12):
            start = dt.date(YEAR, month, 1)
            end = dt.date(YEAR, month + 1, 1) - dt.timedelta(days=1)
            due = [
                r
                for r in redemptions
                if r.merchant is merchant
                and r.state == "fulfilled"
                and start <= r.fulfilled_at.date() <= end
            ]
            if not due:
                continue
            settlement = PointsSettlement(
                merchant=merchant,
                locality_code=merchant.locality_code,
                period_start=start,
                period_end=end,
                redemptions=len(due),
                points=sum(r.points for r in due),
                amount=sum((r.cost_amount for r in due), Decimal("0.00")),
                created_at=_at(end + dt.timedelta(days=5)),
                created_by="account:town",
            )
            for redemption in due:
                redemption.state = "settled"
                redemption.settlement = settlement
                redemption.settled_at = settlement.created_at
            created.append(settlement)
    return created


def _current_claims(
    session: Session,
    rng: random.Random,
    villages: Sequence[Locality],
    residents: dict[str, list[Person]],
    county_rules: dict[str, PointsRule],
) -> list[PointsClaim]:
    """Claims of the current days: some under public notice, some waiting for review."""
    today = periods.today(session)
    found: list[PointsClaim] = []
    if not {"ZY01", "HR01"} <= county_rules.keys():
        return found
    for village in villages[:4]:
        days = plugin_settings(session, "points", village.code)["notice_days"]  # 一村一策
        people = residents.get(village.code, [])
        if len(people) < 6:
            continue
        volunteers = rng.sample(people, 6)
        found.append(
            PointsClaim(
                rule=county_rules["ZY01"],
                rule_code="ZY01",
                scheme="resident",
                points=county_rules["ZY01"].points,
                locality_code=village.code,
                activity="重阳节敬老志愿服务",
                occurred_on=today - dt.timedelta(days=3),
                evidence="演示数据：活动照片",
                state="notice" if days else "submitted",
                source="manual",
                submitted_by="account:village",
                reviewed_by="account:town" if days else None,
                objections=0,
                notice_starts_on=today if days else None,
                notice_ends_on=today + dt.timedelta(days=days - 1) if days else None,
                persons=volunteers,
            )
        )
        found.append(
            PointsClaim(
                rule=county_rules["HR01"],
                rule_code="HR01",
                scheme="resident",
                points=county_rules["HR01"].points,
                locality_code=village.code,
                activity="见义勇为救起落水儿童",
                occurred_on=today - dt.timedelta(days=1),
                evidence="演示数据：派出所情况说明",
                state="submitted",
                source="manual",
                submitted_by="account:village",
                objections=0,
                persons=[rng.choice(people)],
            )
        )
    return found
