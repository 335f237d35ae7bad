"""The points plugin's admin pages, added through the host's ``AdminRegistrar``.

Every view is scoped by the account's locality. Records that a service must create (claims,
redemptions, settlements, dividends, ranking snapshots, rule overrides) are created by that
service from the form, so the admin follows exactly the rules the API and the CLI follow; the
ledger, balances and tallies are read-only.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Response, abort, flash
from flask_admin import expose
from flask_admin.model.fields import AjaxSelectField
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload
from wtforms import DateField, DecimalField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, NumberRange, Optional

from core.models import Organization, Person
from core.security import Principal
from plugins.points import dividends, exports, rankings, rules, supermarket
from plugins.points.claims import ClaimError, submit_claim
from plugins.points.ledger import LedgerError, account_for_person, load_names
from plugins.points.models import (
    ACCOUNT_KINDS,
    TRANSFER_KINDS,
    PointsAccount,
    PointsAutoAward,
    PointsClaim,
    PointsDividend,
    PointsMerchant,
    PointsMovement,
    PointsProduct,
    PointsRankingSnapshot,
    PointsRedemption,
    PointsRule,
    PointsSettlement,
    PointsTally,
    PointsTransfer,
)
from plugins.points.settings import AWARD_LEVELS, CAP_PERIODS, CATEGORIES, SCHEMES
from plugins.points.workflow import CLAIM_WORKFLOW, RANKING_WORKFLOW, REDEMPTION_WORKFLOW

OUTCOMES = {"posted": "已入账", "review": "待审核", "capped": "已达上限", "skipped": "未计分"}


class Group:
    """A titled table on a details page."""

    def __init__(self, title: str, rows: list[tuple[str, Any]]) -> None:
        self.title = title
        self.rows = rows


def _choices(pairs: Any) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _label(mapping: dict[str, str]):
    return lambda view, context, model, name: mapping.get(getattr(model, name), "")


def _state(workflow):
    return lambda view, context, model, name: workflow.states.get(model.state, model.state)


def principal_of(runtime: Any) -> Principal | None:
    """The logged-in account with its permissions."""
    if not current_user or not current_user.is_authenticated:
        return None
    return runtime.plugins.permissions.principal(current_user._get_current_object())


def _raw_ids(field: Any) -> list[int]:
    """The ids the form posted for an autocomplete field, as typed: the picker silently drops
    ids outside the account's scope, and the service should name them instead."""
    ids: list[int] = []
    for raw in field.raw_data or []:
        for part in str(raw).split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit():
                raise ClaimError(field.name, f"编号必须是整数：{part}")
            ids.append(int(part))
    return ids


def _service_errors():
    return (
        ClaimError,
        LedgerError,
        supermarket.SupermarketError,
        dividends.DividendError,
        rankings.RankingError,
        rules.RuleError,
        ValueError,
    )


def register(admin: Any) -> None:
    """Add every points view to the plugin's menu (积分制)."""
    session = admin.session
    base = admin.ModelView
    readonly = admin.ReadOnlyView

    class ServiceCreateView(base):
        """Creates records through a service call; shows its Chinese error on refusal."""

        def build(self, form: Any, principal: Principal) -> Any:  # pragma: no cover - abstract
            """Create the record from the form (subclasses)."""
            raise NotImplementedError

        def create_model(self, form: Any) -> Any:
            principal = principal_of(self.runtime)
            if principal is None:
                abort(403)
            try:
                record = self.build(form, principal)
                self.session.commit()
            except _service_errors() as exc:
                self.session.rollback()
                flash(f"保存失败：{exc}", "error")
                return False
            return record

    # -- rules ------------------------------------------------------------------------------

    class RuleView(ServiceCreateView):
        """积分细则: the versions in force and their history; a save is a new version."""

        def build(self, form: Any, principal: Principal) -> Any:
            locality = form.locality.data
            if locality is None:
                raise rules.RuleError("请选择乡镇或村")
            values = {
                name: getattr(form, name).data
                for name in (
                    "code",
                    "scheme",
                    "name",
                    "category",
                    "points",
                    "cap",
                    "cap_period",
                    "needs_review",
                    "evidence",
                    "trigger_event",
                    "person_field",
                    "awarded_by",
                )
            }
            values["cap_period"] = values["cap_period"] or None
            values["trigger_event"] = (values["trigger_event"] or "").strip() or None
            values["person_field"] = values["person_field"] or "person_id"
            if not principal.account.sees(locality.code):
                raise rules.RuleError(f"{locality.name}不在您的管辖范围内")
            return rules.add_override(
                self.session, locality.code, values, principal.label, form.active.data
            )

    admin.add_model_view(
        PointsRule,
        name="积分细则",
        view_class=RuleView,
        permission="points.view",
        manage_permission="points.rule.manage",
        allow_edit=False,
        allow_delete=False,
        column_list=[
            "code",
            "name",
            "scheme",
            "category",
            "points",
            "cap",
            "cap_period",
            "needs_review",
            "trigger_event",
            "locality",
            "version",
            "active",
            "source",
        ],
        column_default_sort=[("code", False), ("version", True)],
        column_searchable_list=["code", "name"],
        column_filters=["scheme", "category", "active", "source", "locality_code"],
        column_labels={
            "code": "代码",
            "name": "行为",
            "scheme": "积分体系",
            "category": "类别",
            "points": "分值",
            "cap": "上限",
            "cap_period": "上限周期",
            "needs_review": "需审核",
            "evidence": "佐证材料",
            "trigger_event": "自动触发事件",
            "person_field": "事件中的持有人字段",
            "awarded_by": "申报层级",
            "locality": "适用区划",
            "locality_code": "区划代码",
            "version": "版本",
            "active": "启用",
            "source": "来源",
            "created_at": "创建时间",
            "created_by": "创建人",
        },
        column_formatters={
            "scheme": _label(SCHEMES),
            "cap_period": _label(CAP_PERIODS),
            "awarded_by": _label(AWARD_LEVELS),
            "source": _label({"config": "县级配置", "admin": "一村一策"}),
        },
        form_columns=[
            "code",
            "locality",
            "scheme",
            "name",
            "category",
            "points",
            "cap",
            "cap_period",
            "needs_review",
            "evidence",
            "trigger_event",
            "person_field",
            "awarded_by",
            "active",
        ],
        form_overrides={
            "scheme": SelectField,
            "category": SelectField,
            "cap_period": SelectField,
            "awarded_by": SelectField,
        },
        form_args={
            "scheme": {"choices": _choices(SCHEMES.items()), "label": "积分体系"},
            "category": {"choices": _choices((c, c) for c in CATEGORIES), "label": "类别"},
            "cap_period": {
                "choices": _choices([("", "不设上限"), *CAP_PERIODS.items()]),
                "label": "上限周期",
            },
            "awarded_by": {"choices": _choices(AWARD_LEVELS.items()), "label": "申报层级"},
            "locality": {"label": "适用的乡镇或村", "validators": [DataRequired()]},
        },
    )

    # -- claims -----------------------------------------------------------------------------

    persons_loader = admin.AjaxLoader("persons", session, Person, fields=["name"])
    branches_loader = admin.AjaxLoader(
        "branches", session, Organization, fields=["name"], filters=["kind = 'party_branch'"]
    )

    class ClaimView(ServiceCreateView):
        """积分申报 with its workflow (审核、公示、异议、入账、冲正)."""

        form_ajax_refs = {"persons": persons_loader, "branches": branches_loader}

        def build(self, form: Any, principal: Principal) -> Any:
            locality = form.locality.data
            return submit_claim(
                self.session,
                principal,
                rule_code=form.rule_code.data or "",
                locality_code=locality.code if locality is not None else "",
                activity=form.activity.data or "",
                occurred_on=form.occurred_on.data,
                evidence=form.evidence.data or "",
                person_ids=_raw_ids(form.persons),
                branch_ids=_raw_ids(form.branches),
            )

        def extra_details(self, record: PointsClaim) -> list[Any]:
            names = "、".join(p.name for p in record.persons) or "、".join(
                b.name for b in record.branches
            )
            rule = record.rule
            return [
                Group(
                    "申报内容",
                    [
                        ("规则", f"{rule} · {SCHEMES[rule.scheme]}"),
                        ("对象", names),
                        ("人数", record.holder_count),
                        (
                            "公示期",
                            f"{record.notice_starts_on} 至 {record.notice_ends_on}"
                            if record.notice_ends_on
                            else "—",
                        ),
                        ("最近异议", record.objection or "—"),
                        ("入账转账", f"#{record.transfer_id}" if record.transfer_id else "—"),
                    ],
                )
            ]

    admin.add_model_view(
        PointsClaim,
        name="积分申报",
        view_class=ClaimView,
        permission="points.view",
        manage_permission="points.claim.submit",
        allow_edit=False,
        allow_delete=False,
        column_list=[
            "id",
            "activity",
            "rule_code",
            "points",
            "locality",
            "occurred_on",
            "state",
            "notice_ends_on",
            "submitted_by",
        ],
        column_default_sort=("id", True),
        column_searchable_list=["activity", "rule_code"],
        column_filters=["state", "rule_code", "occurred_on", "scheme"],
        column_labels={
            "id": "编号",
            "activity": "活动",
            "rule_code": "规则代码",
            "points": "每人分值",
            "locality": "所属区划",
            "occurred_on": "活动日期",
            "state": "状态",
            "notice_ends_on": "公示截止",
            "submitted_by": "申报人",
            "reviewed_by": "审核人",
            "evidence": "佐证材料",
            "persons": "居民",
            "branches": "党支部",
            "scheme": "积分体系",
            "reason": "理由",
            "objection": "异议",
            "source": "来源",
        },
        column_formatters={"state": _state(CLAIM_WORKFLOW), "scheme": _label(SCHEMES)},
        column_details_list=[
            "id",
            "activity",
            "rule_code",
            "points",
            "scheme",
            "locality",
            "occurred_on",
            "evidence",
            "state",
            "source",
            "submitted_by",
            "reviewed_by",
            "reason",
        ],
        form_columns=[
            "rule_code",
            "locality",
            "activity",
            "occurred_on",
            "evidence",
            "persons",
            "branches",
        ],
        form_args={
            "rule_code": {"label": "规则代码（如 ZY01）", "validators": [DataRequired()]},
            "locality": {"label": "活动所在区划", "validators": [DataRequired()]},
            "activity": {"label": "活动名称", "validators": [DataRequired()]},
            "occurred_on": {"label": "活动日期", "validators": [DataRequired()]},
            "evidence": {"label": "佐证材料说明"},
            "persons": {"label": "居民（村民积分、先锋指数）"},
            "branches": {"label": "党支部（堡垒指数）"},
        },
    )

    # -- accounts, ledger, tallies ------------------------------------------------------------

    class AccountView(readonly):
        """积分账户: balances maintained with every transfer."""

        def get_list(self, *args: Any, **kwargs: Any) -> Any:
            count, records = super().get_list(*args, **kwargs)
            load_names(self.session, list(records))
            return count, records

        def extra_details(self, record: PointsAccount) -> list[Any]:
            movements = self.session.scalars(
                select(PointsMovement)
                .where(PointsMovement.account_id == record.id)
                .options(selectinload(PointsMovement.transfer))
                .order_by(PointsMovement.id.desc())
                .limit(50)
            ).all()
            rows = [
                (
                    f"{m.transfer.value_date} {m.transfer.kind_label}",
                    f"{m.amount:+d}　{m.transfer.memo}",
                )
                for m in movements
            ]
            return [Group("最近 50 笔流水", rows or [("—", "暂无流水")])]

    admin.add_model_view(
        PointsAccount,
        name="积分账户",
        view_class=AccountView,
        permission="points.view",
        column_list=["holder", "scheme", "kind", "locality", "balance", "earned", "floor"],
        column_default_sort=("balance", True),
        column_filters=["scheme", "kind", "balance", "earned"],
        column_searchable_list=["key"],
        column_labels={
            "holder": "持有人",
            "scheme": "积分体系",
            "kind": "账户类型",
            "locality": "所属区划",
            "balance": "可用余额",
            "earned": "累计获得",
            "floor": "余额下限",
            "key": "账户键",
            "created_at": "开户时间",
        },
        column_formatters={
            "holder": lambda v, c, m, n: m.holder_name,
            "scheme": _label(SCHEMES),
            "kind": _label(ACCOUNT_KINDS),
        },
        column_details_list=["holder", "scheme", "kind", "locality", "balance", "earned", "floor"],
    )

    class TransferView(readonly):
        """积分台账: every transfer with its movements (read only: corrections are reversals)."""

        def extra_details(self, record: PointsTransfer) -> list[Any]:
            movements = self.session.scalars(
                select(PointsMovement)
                .where(PointsMovement.transfer_id == record.id)
                .options(selectinload(PointsMovement.account))
            ).all()
            load_names(self.session, [m.account for m in movements])
            rows = [(str(m.account), f"{m.amount:+d}") for m in movements]
            rows.append(("合计", str(sum(m.amount for m in movements))))
            return [Group("分录", rows)]

    admin.add_model_view(
        PointsTransfer,
        name="积分台账",
        view_class=TransferView,
        permission="points.view",
        column_list=["id", "kind", "scheme", "value_date", "memo", "locality", "created_by"],
        column_default_sort=("id", True),
        column_filters=["kind", "scheme", "value_date"],
        column_searchable_list=["memo"],
        column_labels={
            "id": "编号",
            "kind": "类型",
            "scheme": "积分体系",
            "value_date": "记账日期",
            "memo": "摘要",
            "locality": "区划",
            "created_by": "经办",
            "created_at": "时间",
            "reason": "冲正理由",
            "reverses_id": "冲正的转账",
        },
        column_formatters={"kind": _label(TRANSFER_KINDS), "scheme": _label(SCHEMES)},
        column_details_list=[
            "id",
            "kind",
            "scheme",
            "value_date",
            "memo",
            "reason",
            "reverses_id",
            "locality",
            "created_by",
            "created_at",
        ],
    )

    class StarView(readonly):
        """星级评定: each holder's points for a period with the stars they earn."""

        def get_list(self, *args: Any, **kwargs: Any) -> Any:
            count, records = super().get_list(*args, **kwargs)
            load_names(self.session, [r.account for r in records])
            return count, records

    admin.add_model_view(
        PointsTally,
        name="星级评定",
        view_class=StarView,
        permission="points.view",
        endpoint="points_stars",
        column_list=["account", "scheme", "period", "earned", "stars", "locality"],
        column_default_sort=("earned", True),
        column_filters=["period", "scheme"],
        column_labels={
            "account": "持有人",
            "scheme": "积分体系",
            "period": "期间",
            "earned": "期间积分",
            "stars": "星级",
            "locality": "所属区划",
        },
        column_formatters={
            "scheme": _label(SCHEMES),
            "account": lambda v, c, m, n: m.account.holder_name,
            "stars": lambda v, c, m, n: (
                "★" * rankings.stars_for(v.session, m.scheme, m.earned)
                if len(m.period) == 4
                else "（按年评定）"
            ),
        },
    )

    admin.add_model_view(
        PointsAutoAward,
        name="自动加分记录",
        view_class=readonly,
        permission="points.view",
        column_list=["event_name", "rule_code", "person", "outcome", "note", "created_at"],
        column_default_sort=("id", True),
        column_filters=["outcome", "rule_code", "event_name"],
        column_labels={
            "event_name": "事件",
            "rule_code": "规则",
            "person": "居民",
            "outcome": "结果",
            "note": "说明",
            "created_at": "时间",
        },
        column_formatters={"outcome": _label(OUTCOMES)},
    )

    # -- love supermarket ---------------------------------------------------------------------

    merchant_orgs = admin.AjaxLoader(
        "organization", session, Organization, fields=["name"], filters=["kind = 'merchant'"]
    )

    class MerchantView(base):
        """爱心商户."""

        form_ajax_refs = {"organization": merchant_orgs}

        def on_model_change(self, form: Any, model: PointsMerchant, is_created: bool) -> None:
            if not (model.name or "").strip():
                raise ValueError("商户名称不能为空")
            if (
                model.contract_end
                and model.contract_start
                and model.contract_end < model.contract_start
            ):
                raise ValueError("协议到期日不能早于开始日")
            super().on_model_change(form, model, is_created)

    admin.add_model_view(
        PointsMerchant,
        name="爱心商户",
        view_class=MerchantView,
        permission="points.view",
        manage_permission="points.merchant.manage",
        allow_delete=False,
        column_list=["name", "locality", "contract_active", "contract_start", "contract_end"],
        column_searchable_list=["name"],
        column_filters=["contract_active"],
        column_labels={
            "name": "商户",
            "locality": "所在区划",
            "organization": "登记的商户组织",
            "contract_active": "协议有效",
            "contract_start": "协议开始",
            "contract_end": "协议到期",
            "note": "备注",
        },
        form_columns=[
            "name",
            "locality",
            "organization",
            "contract_active",
            "contract_start",
            "contract_end",
            "note",
        ],
    )

    class ProductView(base):
        """商品: stock is added through 补货 (an increment), never overwritten by a form."""

        form_extra_fields = {
            "restock": IntegerField("补货数量", validators=[Optional(), NumberRange(min=1)])
        }

        def on_model_change(self, form: Any, model: PointsProduct, is_created: bool) -> None:
            if model.merchant is None:
                raise ValueError("请选择商户")
            if not (model.name or "").strip():
                raise ValueError("商品名称不能为空")
            if model.points_price is None or model.points_price <= 0:
                raise ValueError("积分价格必须是正整数")
            if model.cost_price is None or model.cost_price < 0:
                raise ValueError("成本价不能为负数")
            model.cost_price = Decimal(model.cost_price).quantize(Decimal("0.01"))
            model.locality_code = model.merchant.locality_code
            if is_created:
                model.stock = form.restock.data or 0
            super().on_model_change(form, model, is_created)
            if not is_created and form.restock.data:
                table = PointsProduct.__table__
                self.session.execute(
                    update(table)
                    .where(table.c.id == model.id)
                    .values(stock=table.c.stock + form.restock.data)
                )

    admin.add_model_view(
        PointsProduct,
        name="超市商品",
        view_class=ProductView,
        permission="points.view",
        manage_permission="points.merchant.manage",
        allow_delete=False,
        column_list=["name", "merchant", "unit", "points_price", "cost_price", "stock", "active"],
        column_searchable_list=["name"],
        column_filters=["active"],
        column_labels={
            "name": "商品",
            "merchant": "商户",
            "unit": "单位",
            "points_price": "积分价格",
            "cost_price": "成本价（元）",
            "stock": "库存",
            "active": "上架",
        },
        form_columns=[
            "merchant",
            "name",
            "unit",
            "points_price",
            "cost_price",
            "active",
            "restock",
        ],
    )

    holders_loader = admin.AjaxLoader("holder_person", session, Person, fields=["name"])

    class RedemptionView(ServiceCreateView):
        """兑换记录: reserve for a resident, then 确认领取 or 取消 on the details page."""

        form_ajax_refs = {"holder_person": holders_loader}
        form_extra_fields = {
            "holder_person": AjaxSelectField(
                holders_loader, label="兑换居民", validators=[DataRequired()]
            )
        }

        def build(self, form: Any, principal: Principal) -> Any:
            person = form.holder_person.data
            account = account_for_person(self.session, person, "resident")
            if form.product.data is None:
                raise supermarket.SupermarketError("product_id", "请选择商品")
            return supermarket.reserve(
                self.session,
                principal,
                account=account,
                product_id=form.product.data.id,
                quantity=form.quantity.data or 0,
            )

    admin.add_model_view(
        PointsRedemption,
        name="兑换记录",
        view_class=RedemptionView,
        permission="points.view",
        manage_permission="points.redemption.manage",
        allow_edit=False,
        allow_delete=False,
        column_list=[
            "id",
            "account",
            "product",
            "quantity",
            "points",
            "cost_amount",
            "state",
            "reserved_at",
        ],
        column_default_sort=("id", True),
        column_filters=["state", "merchant_id"],
        column_labels={
            "id": "编号",
            "account": "积分账户",
            "product": "商品",
            "merchant": "商户",
            "quantity": "数量",
            "points": "积分",
            "cost_amount": "成本金额（元）",
            "state": "状态",
            "reserved_at": "预约时间",
            "fulfilled_at": "领取时间",
            "settled_at": "结算时间",
            "reason": "取消理由",
        },
        column_formatters={"state": _state(REDEMPTION_WORKFLOW)},
        column_details_list=[
            "id",
            "account",
            "product",
            "merchant",
            "quantity",
            "points",
            "cost_amount",
            "state",
            "reserved_at",
            "fulfilled_at",
            "settled_at",
            "reason",
        ],
        form_columns=["holder_person", "product", "quantity"],
        form_args={
            "product": {"label": "商品", "validators": [DataRequired()]},
            "quantity": {"label": "数量", "validators": [DataRequired()]},
        },
    )

    class SettlementView(ServiceCreateView):
        """结算单: a merchant's settlement for a period, exportable as CSV or XLSX."""

        form_extra_fields = {
            "start": DateField("开始日期", validators=[DataRequired()]),
            "end": DateField("结束日期", validators=[DataRequired()]),
        }

        def build(self, form: Any, principal: Principal) -> Any:
            merchant = form.merchant.data
            if merchant is None:
                raise supermarket.SupermarketError("merchant_id", "请选择商户")
            return supermarket.settle(
                self.session, principal, merchant.id, form.start.data, form.end.data
            )

        def extra_details(self, record: PointsSettlement) -> list[Any]:
            _, rows = supermarket.settlement_rows(self.session, record)
            lines = [
                (row[0], f"{row[2]} {row[1]} · {row[3]} 分 · {exports._text(row[5])} 元")
                for row in rows
            ]
            links = Markup(" ").join(
                Markup('<a href="{}">导出 {}</a>').format(
                    self.get_url(".export_view", id=record.id, fmt=fmt), fmt.upper()
                )
                for fmt in exports.FORMATS
            )
            return [Group("按商品汇总", [*lines, ("导出", links)])]

        @expose("/export/<int:id>.<fmt>")
        def export_view(self, id: int, fmt: str) -> Any:
            """Download the settlement report."""
            if fmt not in exports.FORMATS:
                abort(404)
            record = self.get_one(id)
            header, rows = supermarket.settlement_rows(self.session, record)
            body = exports.export(fmt, "结算单", header, rows, supermarket.settlement_title(record))
            name = f"settlement-{record.id}.{fmt}"
            return Response(
                body,
                mimetype=exports.FORMATS[fmt],
                headers={"Content-Disposition": f"attachment; filename={name}"},
            )

    admin.add_model_view(
        PointsSettlement,
        name="商户结算",
        view_class=SettlementView,
        permission="points.view",
        manage_permission="points.settlement.manage",
        allow_edit=False,
        allow_delete=False,
        column_list=[
            "id",
            "merchant",
            "period_start",
            "period_end",
            "redemptions",
            "points",
            "amount",
            "created_at",
        ],
        column_default_sort=("id", True),
        column_labels={
            "id": "编号",
            "merchant": "商户",
            "period_start": "开始日期",
            "period_end": "结束日期",
            "redemptions": "兑换笔数",
            "points": "积分",
            "amount": "应付金额（元）",
            "created_at": "结算时间",
            "created_by": "经办",
        },
        form_columns=["merchant", "start", "end"],
        form_args={"merchant": {"label": "商户", "validators": [DataRequired()]}},
    )

    class DividendView(ServiceCreateView):
        """积分分红: split a collective-economy pool by points, exportable."""

        form_extra_fields = {
            "pool_amount": DecimalField("分红总额（元）", places=2, validators=[DataRequired()]),
            "period_text": StringField(
                "积分期间（年份如 2025、月份如 2025-06 或 all）", validators=[DataRequired()]
            ),
        }

        def build(self, form: Any, principal: Principal) -> Any:
            locality = form.locality.data
            return dividends.create_dividend(
                self.session,
                principal,
                locality_code=locality.code if locality is not None else "",
                period=form.period_text.data or "",
                pool=dividends.parse_pool(form.pool_amount.data),
                note=form.note.data,
            )

        def extra_details(self, record: PointsDividend) -> list[Any]:
            _, rows = dividends.dividend_rows(self.session, record)
            links = Markup(" ").join(
                Markup('<a href="{}">导出 {}</a>').format(
                    self.get_url(".export_view", id=record.id, fmt=fmt), fmt.upper()
                )
                for fmt in exports.FORMATS
            )
            shown = [(row[0], f"{row[2]} 分 · {exports._text(row[3])} 元") for row in rows[:50]]
            return [Group("分配明细（前 50）", [*shown, ("导出", links)])]

        @expose("/export/<int:id>.<fmt>")
        def export_view(self, id: int, fmt: str) -> Any:
            """Download the dividend split."""
            if fmt not in exports.FORMATS:
                abort(404)
            record = self.get_one(id)
            header, rows = dividends.dividend_rows(self.session, record)
            title = [
                ["积分分红"],
                ["区划", record.locality.name],
                ["期间", record.period],
                ["总额（元）", record.pool],
            ]
            body = exports.export(fmt, "分红", header, rows, title)
            return Response(
                body,
                mimetype=exports.FORMATS[fmt],
                headers={"Content-Disposition": f"attachment; filename=dividend-{id}.{fmt}"},
            )

    admin.add_model_view(
        PointsDividend,
        name="积分分红",
        view_class=DividendView,
        permission="points.view",
        manage_permission="points.dividend.manage",
        allow_edit=False,
        allow_delete=False,
        column_list=["id", "locality", "period", "pool", "total_points", "holders", "created_at"],
        column_default_sort=("id", True),
        column_labels={
            "id": "编号",
            "locality": "区划",
            "period": "期间",
            "pool": "总额（元）",
            "total_points": "总积分",
            "holders": "人（户）数",
            "created_at": "计算时间",
            "note": "备注",
        },
        form_columns=["locality", "period_text", "pool_amount", "note"],
        form_args={"locality": {"label": "区划", "validators": [DataRequired()]}},
    )

    class RankingView(ServiceCreateView):
        """年度排行（积德榜）: a draft to recompute, then published and frozen."""

        form_extra_fields = {
            "scheme_choice": SelectField("积分体系", choices=_choices(SCHEMES.items())),
            "year": StringField("年度（如 2025）", validators=[DataRequired()]),
        }

        def build(self, form: Any, principal: Principal) -> Any:
            locality = form.locality.data
            return rankings.create_snapshot(
                self.session,
                principal,
                scheme=form.scheme_choice.data,
                locality_code=locality.code if locality is not None else "",
                year=form.year.data or "",
            )

        def extra_details(self, record: PointsRankingSnapshot) -> list[Any]:
            rows = [
                (f"第 {e.rank} 名", f"{e.holder_name} · {e.points} 分 · {'★' * e.stars}")
                for e in record.entries
            ]
            return [Group("排行", rows or [("—", "无上榜者")])]

    admin.add_model_view(
        PointsRankingSnapshot,
        name="年度排行",
        view_class=RankingView,
        permission="points.view",
        manage_permission="points.ranking.publish",
        allow_edit=False,
        allow_delete=False,
        column_list=["locality", "scheme", "period", "state", "published_at"],
        column_default_sort=("id", True),
        column_labels={
            "locality": "区划",
            "scheme": "积分体系",
            "period": "年度",
            "state": "状态",
            "published_at": "公布时间",
        },
        column_formatters={"scheme": _label(SCHEMES), "state": _state(RANKING_WORKFLOW)},
        form_columns=["locality", "scheme_choice", "year"],
        form_args={"locality": {"label": "区划", "validators": [DataRequired()]}},
    )
