"""A county's year of 村务监督 for the demo (``gongzhi demo``).

For the year before :data:`core.demo.DEMO_REFERENCE_DATE` it plays out, through the same services
as the admin and the API: every village's fund accounts and a year of vouchers (made by the
village, audited by its supervision committee, booked by the township's accountant, one red-ink
reversal here and there, a few still pending in December), monthly financial disclosures and
quarterly 党务/村务 disclosures against the calendar (some late, some missing, one amended),
assets and resources with contracts and rent (some in arrears), major matters through
四议两公开 (one failed vote in a few villages), the county's power list, quarterly inspections
with findings and rectification, and the December rating of cadres by households.

Every random choice comes from the ``rng`` the hook receives, so the demo is reproducible.
"""

from __future__ import annotations

import datetime as dt
import random
import struct
import zlib
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.demo import DEMO_REFERENCE_DATE, demo_place, plugin_covers
from core.localities import Level
from core.models import Account, Household, Locality, Membership, Organization, Person
from core.runtime import plugin_settings
from core.security import ROLES, SystemActor
from plugins.supervision.models import (
    CadreRating,
    CadreRatingCampaign,
    CollectiveAsset,
    CollectiveResource,
    FundAccount,
    MajorMatter,
    PowerItem,
    PowerStep,
    ResourceContract,
    Voucher,
)
from plugins.supervision.services import (
    NOW_KEY,
    attachments,
    disclosures,
    funds,
    inspections,
    matters,
    ratings,
    resources,
)
from plugins.supervision.services.disclosures import month_period, quarter_period
from plugins.supervision.workflows import (
    ASSET_WORKFLOW,
    CAMPAIGN_WORKFLOW,
    FINDING_WORKFLOW,
    MATTER_WORKFLOW,
)

YEAR = DEMO_REFERENCE_DATE.year - 1
CENT = Decimal("0.01")

POWER_LIST = [
    (
        "QL-01",
        "村级重大事项决策",
        "重大事项决策类",
        "《中华人民共和国村民委员会组织法》第二十四条、第二十六条",
        [
            ("党支部提议", "村党组织", "广泛听取意见后提出初步方案"),
            ("两委商议", "村党组织、村民委员会", "召开联席会议充分讨论"),
            ("党员大会审议", "村党组织", "半数以上党员到会"),
            ("村民代表会议决议", "村民委员会", "三分之二以上代表到会，到会人员过半数同意"),
            ("决议公开", "村民委员会", "公开栏和网上同步公开"),
            ("组织实施", "村民委员会", "村务监督委员会全程监督"),
            ("实施结果公开", "村民委员会", "及时公开实施情况和结果"),
        ],
    ),
    (
        "QL-02",
        "村级工程项目建设",
        "重大事项决策类",
        "《村级小型工程项目管理办法》",
        [
            ("项目立项", "村民委员会", "按“四议两公开”程序决策"),
            ("编制预算", "村民委员会", "报乡镇审核"),
            ("招标或比选", "乡镇公共资源交易平台", "限额以上项目公开招标"),
            ("签订合同", "村民委员会", "合同报乡镇备案"),
            ("施工监督", "村务监督委员会", "全程监督质量和进度"),
            ("竣工验收", "乡镇、村两委、监委会", ""),
            ("结算审计和公开", "乡镇农经站", "审计结果公开"),
        ],
    ),
    (
        "QL-03",
        "村级财务收支",
        "财务管理类",
        "《农村集体经济组织财务制度》",
        [
            ("经办人取得合法票据", "经办人", "注明用途，证明人签字"),
            ("村务监督委员会审核", "村务监督委员会", "先审核再记账"),
            ("村负责人审批", "村党组织书记、村委会主任", ""),
            ("乡镇代理会计记账", "乡镇农村会计委托代理服务中心", "会计委托代理"),
            ("财务公开", "村民委员会", "每月公开一次"),
        ],
    ),
    (
        "QL-04",
        "集体资产资源处置和发包",
        "三资管理类",
        "《中华人民共和国农村土地承包法》第五十二条",
        [
            ("提出方案", "村民委员会", ""),
            ("“四议两公开”决策", "村两委", "须经村民代表会议表决"),
            ("资产评估", "乡镇农经站", "重大资产委托评估"),
            ("公开竞价或招标", "乡镇公共资源交易平台", ""),
            ("签订合同", "村民委员会", "合同报乡镇备案"),
            ("结果公开", "村民委员会", ""),
        ],
    ),
    (
        "QL-05",
        "农村宅基地申请",
        "便民服务类",
        "《中华人民共和国土地管理法》第六十二条",
        [
            ("农户提出申请", "申请户", "一户一宅"),
            ("村民小组会讨论", "村民小组", ""),
            ("村级审查并公示", "村民委员会", "公示不少于 5 个工作日"),
            ("乡镇审核批准", "乡镇人民政府", ""),
            ("放样和竣工验收", "乡镇、村", ""),
        ],
    ),
    (
        "QL-06",
        "低保申请初审",
        "便民服务类",
        "《社会救助暂行办法》",
        [
            ("提交身份证和授权书", "申请人", "一证一书"),
            ("入户调查", "村民委员会、乡镇", ""),
            ("民主评议", "村民代表", ""),
            ("村级公示", "村民委员会", "隐去身份证号"),
            ("乡镇审核、县级审批", "乡镇、县民政局", ""),
        ],
    ),
    (
        "QL-07",
        "村级公章使用",
        "日常管理类",
        "县村级组织印章管理规定",
        [
            ("提出用印申请", "经办人", ""),
            ("村负责人审批", "村党组织书记", ""),
            ("登记用印", "印章保管人", "逐项登记"),
            ("存档备查", "村民委员会", ""),
        ],
    ),
    (
        "QL-08",
        "村务公开",
        "监督管理类",
        "《中华人民共和国村民委员会组织法》第三十条",
        [
            ("拟定公开内容", "村民委员会", ""),
            ("村务监督委员会审核", "村务监督委员会", ""),
            ("村党组织审定", "村党组织", ""),
            ("公开栏和网上同步公开", "村民委员会", "保存公开栏照片"),
            ("收集群众意见并答复", "村务监督委员会", ""),
        ],
    ),
]

PROJECTS = ("村道硬化工程", "村民文化广场建设", "人饮工程改造", "产业路修建", "河堤护坡整治")
SMALL_PAYMENTS = (
    ("管理费用", "购买办公用品"),
    ("管理费用", "村部水电费"),
    ("管理费用", "报刊征订费"),
)
WELFARE_PAYMENTS = (
    ("公益支出", "路灯维修"),
    ("公益支出", "人居环境整治"),
    ("公益支出", "慰问困难群众"),
    ("公益支出", "防汛物资采购"),
)
ASSETS = (
    ("村部办公楼", "building", "build", (300_000, 900_000)),
    ("文化活动室", "building", "build", (80_000, 260_000)),
    ("太阳能路灯", "infrastructure", "purchase", (40_000, 150_000)),
    ("健身器材", "equipment", "allocation", (12_000, 40_000)),
    ("办公电脑及打印机", "equipment", "purchase", (8_000, 20_000)),
)


def seed(session: Session, root: Locality, rng: random.Random) -> None:
    """Seed the county's year under ``root``; restores the session's clock afterwards."""
    saved = session.info.get(NOW_KEY)
    try:
        _Year(session, root, rng).play()
    finally:
        if saved is None:
            session.info.pop(NOW_KEY, None)
        else:
            session.info[NOW_KEY] = saved


def demo_png(rng: random.Random) -> bytes:
    """A small PNG standing for a photo of the bulletin board: a red title band over notices."""
    width, height = 96, 64
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            if y < 10:
                pixel = (183, 28, 28)
            elif 4 <= x < width - 4 and (y - 14) % 8 in (0, 1) and x < width - rng.randrange(4, 30):
                pixel = (120, 120, 120)
            else:
                pixel = (250, 250, 245)
            row += bytes(pixel)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        """One PNG chunk with its length and CRC."""
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


class _Village:
    """What the demo keeps about one village while playing the year."""

    def __init__(self, locality: Locality, index: int) -> None:
        self.locality = locality
        self.code = locality.code
        self.index = index
        self.cash: FundAccount | None = None
        self.bank: FundAccount | None = None
        self.project: MajorMatter | None = None
        self.rural = not locality.name.endswith("社区")


class _Year:
    def __init__(self, session: Session, root: Locality, rng: random.Random) -> None:
        self.session = session
        self.root = root
        self.rng = rng
        self.place = demo_place(session)
        # Only where the deployment runs 村务监督 ([coverage.supervision]).
        self.villages = [
            _Village(place, index)
            for index, place in enumerate(
                (
                    village
                    for village in session.scalars(
                        select(Locality)
                        .where(
                            Locality.scope_clause(root.code),
                            Locality.level == Level.VILLAGE.value,
                        )
                        .order_by(Locality.code)
                    )
                    if plugin_covers(session, "supervision", village.code)
                ),
                start=1,
            )
        ]
        self.towns = [
            town
            for town in session.scalars(
                select(Locality)
                .where(Locality.scope_clause(root.code), Locality.level == Level.TOWN.value)
                .order_by(Locality.code)
            )
            if any(v.code.startswith(town.code[:9]) for v in self.villages)
        ]
        accounts: dict[str, str] = {}
        # 三责一体 joint supervision: accounts holding a deployment's own role (a 镇纪委 joint
        # supervisor, a village's supervision committee) act for their town or village.
        self.joint: dict[str, str] = {}
        for username, scope, roles in session.execute(
            select(Account.username, Account.scope_code, Account.roles).order_by(Account.id)
        ):
            accounts.setdefault(scope, username)
            if set(roles or ()) - set(ROLES):
                self.joint.setdefault(scope, username)
        self.accounts = accounts
        chairs = session.execute(
            select(Organization.locality_code, Person.name)
            .join(Membership, Membership.organization_id == Organization.id)
            .join(Person, Membership.person_id == Person.id)
            .where(Organization.kind == "supervision_committee", Membership.role == "监委会主任")
        ).all()
        self.chairs = dict(chairs)
        self.word = root.name[-1] if root.name[-1] in "县区市旗" else "县"
        agriculture = next(
            (d for d in self.place.county_departments if d.startswith("农业农村")), "农业农村局"
        )
        self.agriculture = f"{self.word}{agriculture}"
        self.county = self._actor(root.code, self.agriculture)

    # -- helpers ----------------------------------------------------------------------------------

    def at(self, month: int, day: int, hour: int = 2) -> dt.datetime:
        """Set the services' clock to a moment of the demo year (UTC, morning in China)."""
        moment = dt.datetime(YEAR, month, day, hour, tzinfo=dt.UTC)
        self.session.info[NOW_KEY] = moment
        return moment

    def _actor(self, scope: str, fallback: str) -> SystemActor:
        username = self.accounts.get(scope)
        return SystemActor(label=f"account:{username}" if username else f"演示：{fallback}")

    def clerk(self, village: _Village) -> SystemActor:
        """The village's clerk (报账员), who makes the vouchers."""
        return self._actor(village.code, "村报账员")

    def supervisor(self, village: _Village) -> SystemActor:
        """The village's supervision committee (its chair), who audits."""
        if village.code in self.joint:
            return SystemActor(label=f"account:{self.joint[village.code]}")
        chair = self.chairs.get(village.code)
        return SystemActor(label=f"村务监督委员会：{chair}" if chair else "演示：村务监督委员会")

    def accountant(self, village: _Village) -> SystemActor:
        """The township's entrusted accountant (会计委托代理), who books."""
        return self._actor(village.code[:9] + "000", "乡镇代理会计")

    def money(self, low: int, high: int, step: int = 10) -> Decimal:
        """A random amount between ``low`` and ``high`` in steps of ``step`` yuan."""
        return Decimal(self.rng.randrange(low // step, high // step + 1) * step).quantize(CENT)

    # -- the year ---------------------------------------------------------------------------------

    def play(self) -> None:
        """Play the whole year, month by month."""
        if not self.villages:
            return
        self.at(1, 2)
        self._power_list()
        settings = plugin_settings(self.session, "supervision")
        disclosures.build_calendar(
            self.session, self.root.code, YEAR, settings["disclosure_calendar"]
        )
        for village in self.villages:
            self._accounts(village)
            self._assets(village)
            self._resources(village)
            self._matters(village)
        for month in range(1, 13):
            for village in self.villages:
                self._vouchers(village, month)
            if month in (4, 7, 10):
                for village in self.villages:
                    self._financial_disclosure(village, (month - 1) // 3)
                    self._quarterly_disclosures(village, (month - 1) // 3)
        self._pending_vouchers()
        self._inspections()
        self._ratings()
        self.session.flush()

    # -- 权力清单 ---------------------------------------------------------------------------------

    def _power_list(self) -> None:
        """The county's list, and each town's supplement (一镇一策)."""
        for position, (code, title, category, basis, steps) in enumerate(POWER_LIST, start=1):
            item = PowerItem(
                locality_code=self.root.code,
                code=code,
                title=title,
                category=category,
                basis=basis,
                position=position,
            )
            item.steps = [
                PowerStep(position=n, title=name, actor=actor, note=note or None)
                for n, (name, actor, note) in enumerate(steps, start=1)
            ]
            self.session.add(item)
        for number, town in enumerate(self.towns, start=1):
            item = PowerItem(
                locality_code=town.code,
                code=f"ZB-{number:02d}",
                title=f"{town.name}村级项目资金拨付",
                category="乡镇补充事项",
                basis=f"{town.name}村级项目资金管理办法",
                position=100 + number,
            )
            item.steps = [
                PowerStep(position=1, title="村提出拨付申请", actor="村民委员会"),
                PowerStep(position=2, title="村务监督委员会审核", actor="村务监督委员会"),
                PowerStep(position=3, title="乡镇农经站复核", actor="乡镇农业服务中心"),
                PowerStep(position=4, title="乡镇分管领导审批", actor="乡镇人民政府"),
                PowerStep(position=5, title="拨付并公开", actor="乡镇财政所、村民委员会"),
            ]
            self.session.add(item)
        self.session.flush()

    # -- 资金 -------------------------------------------------------------------------------------

    def _accounts(self, village: _Village) -> None:
        village.cash = FundAccount(
            locality_code=village.code,
            code="101",
            name="库存现金",
            opening_balance=self.money(6_000, 12_000),
            opened_on=dt.date(YEAR, 1, 1),
        )
        village.bank = FundAccount(
            locality_code=village.code,
            code="102",
            name=f"银行存款-{self.place.collective_bank}",
            opening_balance=self.money(180_000, 520_000, 100),
            opened_on=dt.date(YEAR, 1, 1),
        )
        self.session.add_all([village.cash, village.bank])
        self.session.flush()

    def _voucher(
        self,
        village: _Village,
        account: FundAccount,
        kind: str,
        day: dt.date,
        subject: str,
        summary: str,
        amount: Decimal,
        *,
        until: str = "book",
        matter: MajorMatter | None = None,
    ) -> Voucher:
        self.at(day.month, day.day)
        voucher = funds.make_voucher(
            self.session,
            account=account,
            kind=kind,
            voucher_date=day,
            summary=summary,
            lines=[{"subject": subject, "summary": summary, "amount": amount}],
            actor=self.clerk(village),
            matter=matter,
        )
        steps = [("submit", self.clerk), ("audit", self.supervisor), ("book", self.accountant)]
        for name, who in steps:
            funds.apply(voucher, name, who(village), self.session)
            if name == until:
                break
        return voucher

    def _vouchers(self, village: _Village, month: int) -> None:
        rng = self.rng
        assert village.cash is not None and village.bank is not None
        last_day = month_period(YEAR, month).end.day
        if month == 1:
            self._voucher(
                village,
                village.bank,
                "receipt",
                dt.date(YEAR, 1, rng.randint(8, 20)),
                "补助收入",
                "收到上级拨付村级组织运转经费",
                self.money(60_000, 120_000, 100),
            )
        if month in (8, 11):
            subject, summary = rng.choice(SMALL_PAYMENTS)
            self._voucher(
                village,
                village.cash,
                "payment",
                dt.date(YEAR, month, rng.randint(3, 25)),
                subject,
                summary,
                self.money(120, 480),
            )
        if month in (6, 10):
            subject, summary = rng.choice(WELFARE_PAYMENTS)
            self._voucher(
                village,
                village.bank,
                "payment",
                dt.date(YEAR, month, rng.randint(5, 26)),
                subject,
                summary,
                self.money(1_500, 9_000),
            )
        if month == 12 and village.rural:
            self._voucher(
                village,
                village.bank,
                "receipt",
                dt.date(YEAR, month, rng.randint(10, min(last_day, 28))),
                "发包及上交收入",
                "收取集体土地、鱼塘承包费",
                self.money(3_000, 18_000),
            )
        if month == 7:
            amount = self.money(2_000, 4_000, 100)
            day = dt.date(YEAR, 7, rng.randint(3, 10))
            self._voucher(village, village.bank, "payment", day, "其他支出", "提取备用金", amount)
            self._voucher(village, village.cash, "receipt", day, "其他收入", "收到备用金", amount)
        project = village.project
        if project is not None and month in (5, 9):
            share = Decimal("0.4") if month == 5 else Decimal("0.6")
            self._voucher(
                village,
                village.bank,
                "payment",
                dt.date(YEAR, month, rng.randint(10, 25)),
                "公益支出",
                f"支付{project.title}工程款（{'进度款' if month == 5 else '结算款'}）",
                (project.amount * share).quantize(CENT),
                matter=project,
            )
        if month == 9 and village.index % 4 == 2:
            duplicate = self._voucher(
                village,
                village.bank,
                "payment",
                dt.date(YEAR, 9, 28),
                "公益支出",
                "路灯维修（重复录入）",
                self.money(800, 2_000),
            )
            self.at(10, 12)
            reversal = funds.reverse_voucher(
                self.session, duplicate, self.clerk(village), "同一张维修发票重复报账，冲销"
            )
            for name, who in (
                ("submit", self.clerk),
                ("audit", self.supervisor),
                ("book", self.accountant),
            ):
                funds.apply(reversal, name, who(village), self.session)

    def _pending_vouchers(self) -> None:
        """December: some vouchers are still waiting for audit or booking."""
        for village in self.villages:
            if village.index % 2:
                continue
            assert village.cash is not None
            for until, day in (("draft", 26), ("submit", 27), ("audit", 29)):
                subject, summary = self.rng.choice(SMALL_PAYMENTS)
                if until == "draft":
                    self.at(12, day)
                    funds.make_voucher(
                        self.session,
                        account=village.cash,
                        kind="payment",
                        voucher_date=dt.date(YEAR, 12, day),
                        summary=summary,
                        lines=[{"subject": subject, "amount": self.money(100, 300)}],
                        actor=self.clerk(village),
                    )
                    continue
                self._voucher(
                    village,
                    village.cash,
                    "payment",
                    dt.date(YEAR, 12, day),
                    subject,
                    summary,
                    self.money(100, 300),
                    until=until,
                )

    # -- 村务公开 ---------------------------------------------------------------------------------

    def _financial_disclosure(self, village: _Village, quarter: int) -> None:
        if quarter == 3 and village.index % 5 == 3:
            return  # never disclosed: the calendar flags it as overdue
        day = 25 if quarter == 2 and village.index % 5 == 1 else 8  # one village is late
        self.at(quarter * 3 + 1, day)
        disclosures.financial_disclosure(
            self.session, self.clerk(village), village.code, quarter_period(YEAR, quarter)
        )

    def _quarterly_disclosures(self, village: _Village, quarter: int) -> None:
        period = quarter_period(YEAR, quarter)
        month = quarter * 3 + 1
        self.at(month, 10)
        clerk = self.clerk(village)
        name = village.locality.name
        affairs = disclosures.publish(
            self.session,
            clerk,
            locality_code=village.code,
            category="village",
            title=f"{name}{period.label}村务公开",
            content=(
                f"一、本季度召开村民代表会议 {self.rng.randint(1, 3)} 次，"
                "议定事项已按“四议两公开”公开。\n"
                f"二、享受城乡低保 {self.rng.randint(8, 40)} 户，"
                "名单已在公开栏公示（隐去身份证号）。\n"
                f"三、受理群众诉求 {self.rng.randint(5, 30)} 件，均已办结或答复。\n"
                f"四、计划生育、殡葬改革、惠农补贴发放等情况见公开栏附表。"
            ),
            period=period,
        )
        disclosures.publish(
            self.session,
            clerk,
            locality_code=village.code,
            category="party",
            title=f"{name}党支部{period.label}党务公开",
            content=(
                f"一、本季度召开支部党员大会 {self.rng.randint(1, 2)} 次、支委会 "
                f"{self.rng.randint(3, 6)} 次，开展主题党日活动 3 次。\n"
                f"二、收缴党费 {self.money(800, 3_000)} 元。\n"
                "三、发展党员、民主评议党员等情况按程序公示。"
            ),
            period=period,
        )
        if quarter == 1:
            attachments.attach(
                self.session,
                clerk,
                "disclosure",
                affairs,
                f"{name}{period.label}公开栏照片.png",
                demo_png(self.rng),
            )
        if quarter == 2 and village.index % 6 == 2:
            self.at(month, 13)
            disclosures.amend(
                self.session,
                clerk,
                affairs,
                content=affairs.content.replace(" 户，", " 户（含新增 2 户），", 1),
                reason="低保户数漏计本季度新增的 2 户",
            )

    # -- 资产与资源 -------------------------------------------------------------------------------

    def _assets(self, village: _Village) -> None:
        count = self.rng.randint(3, len(ASSETS))
        for number, (name, category, acquisition, (low, high)) in enumerate(
            ASSETS[:count], start=1
        ):
            self.session.add(
                CollectiveAsset(
                    locality_code=village.code,
                    code=f"ZC-{number:03d}",
                    name=name,
                    category=category,
                    acquisition=acquisition,
                    acquired_on=dt.date(
                        self.rng.randint(1998, YEAR - 1), self.rng.randint(1, 12), 1
                    ),
                    original_value=self.money(low, high, 100),
                    location=f"{village.locality.name}村部",
                )
            )
        self.session.flush()

    def _resources(self, village: _Village) -> None:
        people = self.session.scalars(
            select(Person.name)
            .where(Person.scope_clause(village.code))
            .order_by(Person.id)
            .limit(60)
        ).all()
        lessees = list(people) or ["本村农户"]
        specs = (
            [
                ("ZY-001", "集体机动地", "farmland", "mu", (20, 80), (300, 600)),
                ("ZY-002", "集体林地", "forest", "mu", (100, 500), (20, 60)),
                ("ZY-003", "大堰塘", "pond", "mu", (5, 20), (400, 900)),
            ]
            if village.rural
            else [("ZY-001", "集体门面房", "building", "sqm", (60, 200), (80, 150))]
        )
        for number, (code, name, kind, unit, (low, high), (rent_low, rent_high)) in enumerate(
            specs, start=1
        ):
            area = Decimal(self.rng.randint(low, high))
            resource = CollectiveResource(
                locality_code=village.code,
                code=code,
                name=name,
                kind=kind,
                area=area,
                unit=unit,
                location=f"{village.locality.name}",
            )
            self.session.add(resource)
            self.session.flush()
            start_year = self.rng.randint(YEAR - 2, YEAR - 1)
            contract = resources.create_contract(
                self.session,
                resource=resource,
                number=f"{village.code[-6:]}-{start_year}-{number:02d}",
                lessee=self.rng.choice(lessees),
                start_on=dt.date(start_year, 1, 1),
                end_on=dt.date(start_year + 9, 12, 31),
                annual_rent=(area * self.rng.randint(rent_low, rent_high)).quantize(CENT),
                signed_on=dt.date(start_year - 1, 12, self.rng.randint(1, 28)),
            )
            self._rent_payments(village, contract)

    def _rent_payments(self, village: _Village, contract: ResourceContract) -> None:
        clerk = self.clerk(village)
        for due in contract.dues:
            if due.due_on.year > YEAR:
                break
            arrears = self.rng.random() < (0.25 if due.due_on.year == YEAR else 0.06)
            if arrears:
                if self.rng.random() < 0.5:
                    continue
                amount = (due.amount / 2).quantize(CENT)
            else:
                amount = due.amount
            paid_on = due.due_on - dt.timedelta(days=self.rng.randint(0, 25))
            self.at(paid_on.month, paid_on.day) if paid_on.year == YEAR else None
            resources.record_payment(self.session, clerk, due, amount, paid_on)

    # -- 四议两公开 -------------------------------------------------------------------------------

    def _meeting(
        self, village: _Village, matter: MajorMatter, step: str, day: dt.date, **extra: Any
    ) -> Any:
        self.at(day.month, day.day, 10)
        representatives = 20 + village.index % 15
        if step == "representatives":
            expected = representatives
            present = extra.pop(
                "present", max(-(-expected * 2 // 3), expected - self.rng.randint(0, 6))
            )
            votes_for = extra.pop("votes_for", present - self.rng.randint(0, 3))
        else:
            expected = {"proposal": 5, "consultation": 9, "party_review": 20 + village.index % 9}[
                step
            ]
            present = expected - self.rng.randint(0, 2 if step == "party_review" else 1)
            votes_for = present - self.rng.randint(0, 1)
        against = present - votes_for
        return matters.record_meeting(
            self.session,
            matter,
            self.clerk(village),
            step=step,
            held_on=day,
            expected=expected,
            present=present,
            votes_for=votes_for,
            votes_against=against,
            minutes=f"{day}，会议讨论“{matter.title}”，与会人员充分发表意见后表决。",
            place=f"{village.locality.name}村部会议室",
            resolution=extra.get("resolution"),
        )

    def _deliberate(
        self,
        village: _Village,
        matter: MajorMatter,
        month: int,
        *,
        until: str = "resolve",
        resolution: str = "",
    ) -> None:
        """Hold the four deliberations in ``month`` (stopping after ``until``)."""
        days = {"proposal": 3, "consultation": 8, "party_review": 15, "representatives": 22}
        for step, day in days.items():
            self._meeting(
                village,
                matter,
                step,
                dt.date(YEAR, month, day),
                resolution=resolution or f"同意实施“{matter.title}”。",
            )
            if matter.state == {
                "propose": "proposed",
                "consult": "consulted",
                "review": "reviewed",
            }.get(until):
                return

    def _matters(self, village: _Village) -> None:
        clerk = self.clerk(village)
        rng = self.rng
        project = MajorMatter(
            locality_code=village.code,
            title=rng.choice(PROJECTS),
            category="project",
            amount=self.money(90_000, 200_000, 1_000),
            description="项目资金由村集体自筹和上级补助解决，公开比选施工单位。",
            created_by=clerk.label,
        )
        self.session.add(project)
        self.session.flush()
        self._deliberate(
            village,
            project,
            3,
            resolution=f"同意实施{project.title}，预算 {project.amount} 元，公开比选施工单位，"
            "村务监督委员会全程监督。",
        )
        self.at(3, 28)
        MATTER_WORKFLOW.apply(project, "disclose_resolution", clerk, self.session)
        self.at(10, 15)
        project.result = (
            f"{project.title}已于 {YEAR} 年 9 月竣工验收，决算 "
            f"{(project.amount * Decimal('0.97')).quantize(CENT)} 元，已按合同支付。"
        )
        MATTER_WORKFLOW.apply(project, "disclose_result", clerk, self.session)
        village.project = project

        if village.index % 3 == 0 and village.rural:
            pond = MajorMatter(
                locality_code=village.code,
                title="集体鱼塘重新发包",
                category="land_contract",
                amount=self.money(20_000, 60_000, 1_000),
                description="原承包合同到期，拟公开竞价发包，期限五年。",
                created_by=clerk.label,
            )
            self.session.add(pond)
            self.session.flush()
            for step, day in (("proposal", 2), ("consultation", 6), ("party_review", 12)):
                self._meeting(village, pond, step, dt.date(YEAR, 6, day))
            expected = 20 + village.index % 15
            present = -(-expected * 2 // 3) + 1
            self._meeting(
                village,
                pond,
                "representatives",
                dt.date(YEAR, 6, 20),
                present=present,
                votes_for=present // 2,
            )  # fails: the matter returns to proposal
            self._deliberate(
                village,
                pond,
                8,
                resolution="同意以公开竞价方式发包集体鱼塘，期限五年，底价每年每亩 600 元。",
            )
            self.at(8, 28)
            MATTER_WORKFLOW.apply(pond, "disclose_resolution", clerk, self.session)

        if village.index % 4 == 1:
            school = CollectiveAsset(
                locality_code=village.code,
                code="ZC-099",
                name="原村小学旧校舍",
                category="building",
                acquisition="build",
                acquired_on=dt.date(1992, 8, 1),
                original_value=self.money(120_000, 240_000, 1_000),
                location=f"{village.locality.name}老街",
                state="idle",
            )
            disposal = MajorMatter(
                locality_code=village.code,
                title="处置闲置旧校舍",
                category="asset_disposal",
                description="旧校舍闲置多年且存在安全隐患，拟公开拍卖。",
                created_by=clerk.label,
            )
            self.session.add_all([school, disposal])
            self.session.flush()
            self._deliberate(
                village, disposal, 9, resolution="同意公开拍卖原村小学旧校舍，底价经评估确定。"
            )
            self.at(9, 26)
            MATTER_WORKFLOW.apply(disposal, "disclose_resolution", clerk, self.session)
            self.at(11, 18)
            school.disposal_matter = disposal
            school.disposed_on = dt.date(YEAR, 11, 18)
            school.disposal_method = "公开拍卖"
            school.disposal_amount = self.money(60_000, 150_000, 1_000)
            ASSET_WORKFLOW.apply(school, "dispose", clerk, self.session)

        if village.index % 2 == 0:
            pending = MajorMatter(
                locality_code=village.code,
                title="村集体经济合作社入股乡村旅游公司",
                category="other",
                amount=self.money(50_000, 150_000, 1_000),
                description="拟以集体资金入股，按股分红。",
                created_by=clerk.label,
            )
            self.session.add(pending)
            self.session.flush()
            self._deliberate(
                village, pending, 12, until="consult" if village.index % 4 == 0 else "propose"
            )

    # -- 督查 -------------------------------------------------------------------------------------

    def _inspections(self) -> None:
        county = self.county
        minimum = plugin_settings(self.session, "supervision")["inspection_min_rate"]
        for quarter in (1, 2, 3, 4):
            self.at(quarter * 3 - 1, 15)
            found = inspections.draw_round(
                self.session,
                county,
                scope_code=self.root.code,
                year=YEAR,
                quarter=quarter,
                rate=max(minimum, self.rng.choice((15, 15, 20))),
                seed=f"{YEAR}Q{quarter}-{self.rng.randrange(10**6):06d}",
                note=f"{self.word}纪委监委、{self.agriculture}联合督查",
            )
            self._inspect(found.targets, quarter, county)
        for town in self.towns:
            self.at(11, 5)
            joint = self.joint.get(town.code)
            inspector = SystemActor(f"account:{joint}") if joint else self._actor(town.code, "乡镇")
            note = (
                "镇纪委牵头“三责一体”联督，覆盖全部村（社区）"
                if joint
                else "乡镇年度自查，覆盖全部村（社区）"
            )
            own = inspections.draw_round(
                self.session,
                inspector,
                scope_code=town.code,
                year=YEAR,
                quarter=4,
                rate=100,
                seed=f"{YEAR}-{town.code[6:9]}-自查",
                note=note,
            )
            self._inspect(own.targets, 4, inspector, force_finding=True)

    def _inspect(
        self,
        targets: list[Any],
        quarter: int,
        inspector: SystemActor,
        *,
        force_finding: bool = False,
    ) -> None:
        """Record the inspection of each target, its findings and their rectification."""
        for index, target in enumerate(targets):
            day = dt.date(YEAR, quarter * 3 - 1, 20)
            target.inspected_on = day
            target.inspectors = f"{self.word}纪委监委、{self.agriculture}" if quarter else ""
            conclusion = self.rng.choices(("good", "fair", "poor"), weights=(55, 35, 10))[0]
            if force_finding and index == 0 and conclusion == "good":
                conclusion = "fair"
            target.conclusion = conclusion
            target.summary = "查阅三资台账、会议记录和公开栏照片，走访群众 5 户。"
            if conclusion == "good":
                continue
            self.at(day.month, day.day)
            finding = inspections.add_finding(
                self.session,
                inspector,
                target,
                category=self.rng.choice(("finance", "decision", "disclosure")),
                description=self.rng.choice(
                    (
                        "个别支出凭证缺少经办人、证明人签字。",
                        "村民代表会议记录未附签到表。",
                        "公开栏内容更新不及时，未留存张贴照片。",
                        "资产台账与实物不符，部分资产未登记。",
                    )
                ),
                deadline=day + dt.timedelta(days=30),
            )
            village = next(v for v in self.villages if v.code == target.locality_code)
            if quarter < 4:
                self.at(day.month + 1, 10)
                finding.rectification = "已逐项整改，补齐签字和会议签到表，公开栏照片已存档。"
                FINDING_WORKFLOW.apply(finding, "report", self.clerk(village), self.session)
                self.at(day.month + 1, 18)
                FINDING_WORKFLOW.apply(finding, "verify", inspector, self.session)
            elif self.rng.random() < 0.5:
                self.at(12, 10)
                FINDING_WORKFLOW.apply(finding, "start", self.clerk(village), self.session)

    # -- 村民直评村官 -----------------------------------------------------------------------------

    def _ratings(self) -> None:
        """Each town runs its villagers' rating of the village cadres in December."""
        self._ensure_cadres()
        for town in self.towns:
            organiser = self._actor(town.code, "乡镇")
            self.at(11, 25)
            campaign = CadreRatingCampaign(
                locality_code=town.code,
                title=f"{town.name}{YEAR}年度村民直评村官暨村干部勤廉指数测评",
                period_label=f"{YEAR}年度",
                opens_on=dt.date(YEAR, 12, 1),
                closes_on=dt.date(YEAR, 12, 20),
                created_by=organiser.label,
            )
            self.session.add(campaign)
            self.session.flush()
            if not ratings.enlist_cadres(self.session, campaign):
                continue
            self.at(12, 1)
            CAMPAIGN_WORKFLOW.apply(campaign, "open", organiser, self.session)
            self._ballots(campaign)
            self.at(12, 21)
            CAMPAIGN_WORKFLOW.apply(campaign, "close", organiser, self.session)
            self.at(12, 25)
            CAMPAIGN_WORKFLOW.apply(campaign, "publish", organiser, self.session)

    def _ballots(self, campaign: CadreRatingCampaign) -> None:
        """About half of each village's households rate all of its cadres.

        Written in bulk (one query for the households, one flush for the ratings, the cadres'
        totals added up in memory): the number of queries does not grow with the residents.
        The rules :func:`ratings.cast_ballot` checks hold by construction: each household rates
        each cadre of its own village once, with scores from 1 to 5.
        """
        cadres: dict[str, list[Any]] = {}
        for cadre in campaign.cadres:
            cadres.setdefault(cadre.locality_code, []).append(cadre)
        households: dict[str, list[int]] = {}
        for ident, code in self.session.execute(
            select(Household.id, Household.locality_code)
            .where(Household.scope_clause(campaign.locality_code))
            .order_by(Household.id)
        ):
            households.setdefault(ratings.village_of(code), []).append(ident)
        rows = []
        for village in self.villages:
            own = cadres.get(village.code, [])
            homes = households.get(village.code, [])
            if not own or not homes:
                continue
            label = self.clerk(village).label
            voting = [h for h in homes if self.rng.random() < 0.45] or homes[:1]
            for household_id in voting:
                moment = self.at(12, self.rng.randint(2, 19))
                for cadre in own:
                    diligence = self.rng.choices((5, 4, 3, 2, 1), (45, 35, 14, 4, 2))[0]
                    integrity = self.rng.choices((5, 4, 3, 2, 1), (50, 32, 12, 4, 2))[0]
                    rows.append(
                        CadreRating(
                            campaign_id=campaign.id,
                            cadre_id=cadre.id,
                            household_id=household_id,
                            locality_code=village.code,
                            diligence=diligence,
                            integrity=integrity,
                            recorded_by=label,
                            rated_at=moment,
                        )
                    )
                    cadre.ratings += 1
                    cadre.diligence_total += diligence
                    cadre.integrity_total += integrity
        self.session.add_all(rows)
        self.session.flush()

    def _ensure_cadres(self) -> None:
        """A village without any cadre on record gets a party branch secretary (small demos)."""
        with_cadres = set(
            self.session.scalars(
                select(Organization.locality_code)
                .join(Membership, Membership.organization_id == Organization.id)
                .where(
                    Organization.kind.in_(ratings.CADRE_ORGANIZATIONS),
                    Membership.role.in_(("书记", "主任")),
                )
            )
        )
        for village in self.villages:
            if village.code in with_cadres:
                continue
            person = self.session.scalar(
                select(Person).where(Person.scope_clause(village.code)).order_by(Person.id).limit(1)
            )
            if person is None:
                continue
            branch = Organization(
                name=f"{village.locality.name}党支部",
                kind="party_branch",
                locality_code=village.code,
            )
            self.session.add(branch)
            self.session.add(
                Membership(
                    person=person,
                    organization=branch,
                    role="书记",
                    start_on=dt.date(YEAR - 4, 4, 1),
                )
            )
        self.session.flush()
