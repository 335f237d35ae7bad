"""The 村务监督 admin: one menu with the registers of 三资, 四议两公开, 村务公开, 权力清单, 督查
and 村民直评村官, all scoped by the account's locality.

Views are built on the registrar's scoped base classes (no import of the host app). Steps that are
more than a field edit (recording a meeting, reversing a voucher, generating a financial
disclosure, drawing an inspection sample, entering a ballot) go through the services, from forms
on the details pages or small pages of their own, so the rules are the same as in the API.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from flask import abort, flash, redirect, request, send_file
from flask_admin import expose
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_admin.model.helpers import get_mdict_item_or_list
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import StringField, TextAreaField
from wtforms.validators import Optional

from core.models import Household, Locality
from core.runtime import plugin_settings
from core.workflow import WorkflowError
from plugins.supervision.models import (
    CadreRating,
    CadreRatingCampaign,
    CollectiveAsset,
    CollectiveResource,
    Disclosure,
    DisclosureDue,
    FundAccount,
    FundPeriod,
    InspectionFinding,
    InspectionRound,
    InspectionTarget,
    LockedRecordError,
    MajorMatter,
    MatterMeeting,
    PowerItem,
    PowerStep,
    RatedCadre,
    RentDue,
    RentPayment,
    ResourceContract,
    SupervisionAttachment,
    Voucher,
    VoucherLine,
)
from plugins.supervision.models.common import changed_attributes, committed
from plugins.supervision.models.constants import (
    ASSET_ACQUISITIONS,
    ASSET_CATEGORIES,
    DISCLOSURE_CATEGORIES,
    DISCLOSURE_SOURCES,
    FINDING_CATEGORIES,
    INSPECTION_CONCLUSIONS,
    MATTER_CATEGORIES,
    MEETING_STEPS,
    RESOURCE_KINDS,
    RESOURCE_UNITS,
    SCORE_LABELS,
    VOUCHER_KINDS,
)
from plugins.supervision.services import (
    SupervisionError,
    attachments,
    disclosures,
    funds,
    inspections,
    matters,
    ratings,
    resources,
    today,
)
from plugins.supervision.services.disclosures import parse_period
from plugins.supervision.workflows import (
    ASSET_WORKFLOW,
    CAMPAIGN_WORKFLOW,
    FINDING_WORKFLOW,
    MATTER_WORKFLOW,
    VOUCHER_WORKFLOW,
    actor_label,
)

DETAILS = "supervision/admin/details.html"
PAGE = "supervision/admin/page.html"
REFUSALS = (SupervisionError, WorkflowError, LockedRecordError, ValueError)

LABELS = {
    "locality": "所属区划",
    "locality_code": "区划代码",
    "code": "编号",
    "name": "名称",
    "title": "标题",
    "state": "状态",
    "account": "资金账户",
    "kind": "类型",
    "voucher_date": "业务日期",
    "summary": "摘要",
    "amount": "金额（元）",
    "seq": "凭证号",
    "period": "记账期间",
    "matter": "四议两公开事项",
    "lines": "明细",
    "subject": "科目",
    "opening_balance": "期初余额",
    "opened_on": "期初日期",
    "balance": "当前余额",
    "last_seq": "已记账凭证数",
    "receipts": "收入",
    "payments": "支出",
    "vouchers": "凭证数",
    "category": "类别",
    "acquisition": "取得方式",
    "acquired_on": "取得日期",
    "original_value": "原值（元）",
    "location": "坐落位置",
    "disposal_matter": "处置决策事项",
    "disposed_on": "处置日期",
    "disposal_method": "处置方式",
    "disposal_amount": "处置收入（元）",
    "note": "备注",
    "area": "面积",
    "unit": "单位",
    "resource": "资源",
    "number": "合同编号",
    "lessee": "承包方/承租方",
    "start_on": "起始日期",
    "end_on": "终止日期",
    "annual_rent": "年租金（元）",
    "due_month": "交租月份",
    "due_day": "交租日",
    "signed_on": "签订日期",
    "contract": "合同",
    "label": "期间",
    "due_on": "应缴/应公开日期",
    "paid_amount": "已缴金额",
    "paid_on": "缴款日期",
    "due": "应收租金",
    "description": "内容",
    "round": "轮次",
    "resolution": "决议内容",
    "result": "实施结果",
    "returned_reason": "退回理由",
    "step": "步骤",
    "held_on": "会议日期",
    "expected": "应到",
    "present": "实到",
    "votes_for": "赞成",
    "votes_against": "反对",
    "abstentions": "弃权",
    "passed": "通过",
    "minutes": "会议记录",
    "content": "公开内容",
    "period_label": "公开期间",
    "online": "网上公开",
    "board": "公开栏张贴",
    "source": "来源",
    "amends": "更正的公开",
    "amendment_reason": "更正理由",
    "published_at": "发布时间",
    "published_by": "发布人",
    "fulfilled_on": "实际公开日期",
    "status": "公开状态",
    "basis": "实施依据",
    "position": "顺序",
    "steps": "流程环节",
    "actor": "责任主体",
    "year": "年度",
    "quarter": "季度",
    "rate": "抽查比例（%）",
    "seed": "随机种子",
    "population_size": "总体村数",
    "sample_size": "抽中村数",
    "drawn_at": "抽取时间",
    "drawn_by": "抽取人",
    "draw_order": "抽中顺序",
    "inspected_on": "督查日期",
    "inspectors": "督查人员",
    "conclusion": "督查结论",
    "target": "抽查村",
    "deadline": "整改期限",
    "rectification": "整改情况",
    "reason": "意见",
    "opens_on": "开始日期",
    "closes_on": "截止日期",
    "person": "村干部",
    "post": "职务",
    "ratings": "参评户数",
    "index_value": "勤廉指数",
    "campaign": "测评活动",
    "cadre": "村干部",
    "household": "户",
    "diligence": "勤",
    "integrity": "廉",
    "rated_at": "评议时间",
    "owner_kind": "所属",
    "owner_id": "所属编号",
    "filename": "文件名",
    "content_type": "类型",
    "size": "大小（字节）",
    "uploaded_at": "上传时间",
    "made_by": "制单人",
    "audited_by": "审核人",
    "booked_by": "记账人",
    "audit_opinion": "审核意见",
    "reverses": "冲销的凭证",
    "created_at": "创建时间",
    "recorded_by": "录入人",
}


# --- Small building blocks -----------------------------------------------------------------------


@dataclasses.dataclass
class Field:
    """A field of a data-described form (see ``templates/supervision/admin/_forms.html``)."""

    name: str
    label: str
    kind: str = "text"
    required: bool = False
    options: Sequence[tuple[Any, str]] = ()
    value: Any = None
    help: str = ""
    step: str = "1"
    min: str = "0"


@dataclasses.dataclass
class Form:
    """A small form shown on a details page or a page of its own."""

    title: str
    action: str
    fields: list[Field]
    submit: str
    note: str = ""
    multipart: bool = False
    method: str = "post"
    hidden: list[tuple[str, Any]] = dataclasses.field(default_factory=list)


def current_actor(runtime: Any) -> Any:
    """The logged-in account as a principal (what workflows and services act as)."""
    if not current_user or not current_user.is_authenticated:
        return None
    return runtime.plugins.permissions.principal(current_user._get_current_object())


def labelled(mapping: dict[str, str]) -> Callable[..., str]:
    """A column formatter showing a code's Chinese label."""

    def format_(view: Any, context: Any, model: Any, name: str) -> str:
        """Show the code's Chinese label."""
        value = getattr(model, name)
        return mapping.get(value, value or "")

    return format_


def state_of(workflow: Any) -> Callable[..., str]:
    """A column formatter showing the record's state in Chinese."""
    return lambda v, c, m, n: workflow.states.get(m.state, m.state)


def group(title: str, rows: list[tuple[str, Any]]) -> SimpleNamespace:
    """A titled table for the details page."""
    return SimpleNamespace(title=title, rows=rows)


def link(view: Any, endpoint: str, ident: Any, text: Any) -> Markup:
    """A link to another supervision view's details page."""
    from flask import url_for

    return Markup('<a href="{}">{}</a>').format(url_for(f"{endpoint}.details_view", id=ident), text)


def form_date(name: str, label: str) -> dt.date:
    """A date from the posted form, or a Chinese error naming the field."""
    raw = (request.form.get(name) or "").strip()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise SupervisionError(f"{label}必须是日期（YYYY-MM-DD）：{raw!r}", name) from exc


def form_int(name: str, label: str, default: int | None = None) -> int:
    """An integer from the posted form, or a Chinese error naming the field."""
    raw = (request.form.get(name) or "").strip()
    if not raw and default is not None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SupervisionError(f"{label}必须是整数：{raw!r}", name) from exc


class SupervisionViewMixin:
    """Shared behaviour of the supervision views: details forms, actor, refusals as flashes."""

    details_template = DETAILS
    permission = "supervision.view"
    column_labels = LABELS
    column_display_pk = True

    def actor(self) -> Any:
        """The current account as a principal."""
        return current_actor(self.runtime)  # type: ignore[attr-defined]

    def detail_forms(self, record: Any) -> list[Form]:
        """Forms shown under the details of ``record``; views override this."""
        return []

    def act(self, record_id: Any, work: Callable[[], Any], done: str) -> Any:
        """Run ``work`` and commit; a refusal is flashed and nothing is written."""
        session = self.session  # type: ignore[attr-defined]
        try:
            result = work()
            session.commit()
        except REFUSALS as exc:
            session.rollback()
            flash(f"操作未完成：{exc}", "error")
            return None
        except IntegrityError:
            session.rollback()
            flash("操作未完成：与已有记录冲突（可能已被他人处理），请刷新后重试", "error")
            return None
        flash(done, "success")
        return result if result is not None else True

    def back(self, record_id: Any) -> Any:
        """Redirect to the record's details page."""
        return redirect(self.get_url(".details_view", id=record_id))  # type: ignore[attr-defined]

    def attachment_group(self, owner_kind: str, owner_id: int) -> SimpleNamespace | None:
        """The record's attachments, as download links."""
        found = attachments.attachments_of(self.session, owner_kind, owner_id)  # type: ignore[attr-defined]
        if not found:
            return None
        from flask import url_for

        rows = [
            (
                f"附件 {index}",
                Markup('<a href="{}">{}</a>（{} KB，SHA-256 {}…）').format(
                    url_for("supervision_attachment.download", id=a.id),
                    a.filename,
                    max(1, a.size // 1024),
                    a.sha256[:12],
                ),
            )
            for index, a in enumerate(found, start=1)
        ]
        return group("附件", rows)

    def upload_form(self, title: str, note: str = "") -> Form:
        """A one-file upload form posting to this view's ``attach`` endpoint."""
        return Form(
            title,
            self.get_url(".attach"),  # type: ignore[attr-defined]
            [Field("file", "文件（PDF、JPEG、PNG）", "file", required=True)],
            "上传",
            note=note,
            multipart=True,
        )

    def upload(self, owner_kind: str, owner: Any) -> None:
        """Attach the posted file to ``owner``."""
        upload = request.files.get("file")
        if upload is None:
            raise SupervisionError("请选择要上传的文件", "file")
        attachments.attach(
            self.session,  # type: ignore[attr-defined]
            self.actor(),
            owner_kind,
            owner,
            upload.filename or "",
            upload.read(),
        )


def _record_id() -> Any:
    return get_mdict_item_or_list(request.form, "id") or request.args.get("id")


# --- 资金 ----------------------------------------------------------------------------------------


class VoucherMixin(SupervisionViewMixin):
    """收支凭证: made as drafts with lines, then submitted, audited, booked, disclosed."""

    manage_permission = "supervision.voucher.make"
    column_list = [
        "id", "locality", "account", "kind", "voucher_date", "summary", "amount", "state", "seq",
        "period",
    ]  # fmt: skip
    column_details_list = [
        "id", "locality", "account", "kind", "voucher_date", "summary", "amount", "state",
        "seq", "period", "matter", "reverses", "reason", "made_by", "audited_by",
        "audit_opinion", "booked_by", "created_at",
    ]  # fmt: skip
    column_filters = ["state", "kind", "period", "voucher_date"]
    column_searchable_list = ["summary"]
    column_default_sort = ("id", True)
    form_columns = ["account", "kind", "voucher_date", "summary", "matter", "lines"]
    form_choices = {"kind": list(VOUCHER_KINDS.items())}
    inline_models = [
        (
            VoucherLine,
            {
                "form_columns": ["id", "subject", "summary", "amount"],
                "column_labels": {"subject": "科目", "summary": "摘要", "amount": "金额（元）"},
            },
        )
    ]
    column_formatters = {
        "kind": lambda v, c, m, n: m.kind_label,
        "state": state_of(VOUCHER_WORKFLOW),
    }

    def on_model_change(self, form: Any, model: Voucher, is_created: bool) -> None:
        """Derive the village, number the lines and total them; only drafts change."""
        if not is_created and committed(model, "state") != "draft":
            raise LockedRecordError("已提交或已记账的凭证不能修改；已记账的请填制红字冲销凭证")
        if model.account is None:
            raise ValueError("请选择资金账户")
        model.locality_code = model.account.locality_code
        if model.matter is not None and model.matter.locality_code != model.locality_code:
            raise ValueError("关联的四议两公开事项不属于本村")
        negative = model.reverses_id is not None
        for position, line in enumerate(model.lines, start=1):
            line.position = position
            if line.amount is None or (line.amount < 0) != negative or line.amount == 0:
                raise ValueError(f"第 {position} 行：明细金额必须大于零")
        if not model.lines:
            raise ValueError("凭证至少要有一条明细")
        model.amount = sum((line.amount for line in model.lines), Decimal("0"))
        if is_created:
            model.made_by = actor_label(self.actor())
        super().on_model_change(form, model, is_created)  # type: ignore[misc]

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self) -> Any:
        """Editing is for drafts only: others go back to their details with the reason."""
        record_id = get_mdict_item_or_list(request.args, "id")
        if record_id is not None:
            record = self.get_one(record_id)  # type: ignore[attr-defined]
            if record.state != "draft":
                flash("已提交或已记账的凭证不能修改；已记账的凭证请用“红字冲销”更正", "error")
                return self.back(record_id)
        return super().edit_view()  # type: ignore[misc]

    def extra_details(self, record: Voucher) -> list[Any]:
        """Extra tables on the details page of ``record``."""
        groups = [
            group(
                "明细",
                [
                    (f"{line.position}. {line.subject}", f"{line.summary or ''} {line.amount} 元")
                    for line in record.lines
                ],
            )
        ]
        reversal = self.session.scalar(select(Voucher).where(Voucher.reverses_id == record.id))
        if reversal is not None:
            groups.append(
                group(
                    "已被冲销",
                    [
                        (
                            "红字冲销凭证",
                            link(self, "supervision_voucher", reversal.id, reversal.summary),
                        )
                    ],
                )
            )
        files = self.attachment_group("voucher", record.id)
        return [*groups, *([files] if files else [])]

    def detail_forms(self, record: Voucher) -> list[Form]:
        """Forms shown under the details of ``record`` for the current account."""
        actor = self.actor()
        if actor is None or not actor.has_permission("supervision.voucher.make"):
            return []
        if record.state == "draft":
            return [self.upload_form("上传凭证附件", "发票、收据等原始凭证的扫描件。")]
        reversed_already = self.session.scalar(
            select(Voucher.id).where(Voucher.reverses_id == record.id)
        )
        if (
            record.state in ("booked", "disclosed")
            and not record.reverses_id
            and not reversed_already
        ):
            return [
                Form(
                    "红字冲销",
                    self.get_url(".reverse"),
                    [Field("reason", "冲销理由", "text", required=True)],
                    "填制红字冲销凭证",
                    note="已记账的凭证不能修改。更正时填制一张金额相反的红字凭证，经审核、记账后冲回。",
                )
            ]
        return []

    @expose("/reverse/", methods=("POST",))
    def reverse(self) -> Any:
        """Make the red-ink reversing voucher of a booked voucher."""
        record_id = _record_id()
        record = self.get_one(record_id)  # type: ignore[attr-defined]
        reason = request.form.get("reason") or ""
        made = self.act(
            record_id,
            lambda: funds.reverse_voucher(self.session, record, self.actor(), reason),
            "已填制红字冲销凭证，请提交审核",
        )
        return self.back(made.id if isinstance(made, Voucher) else record_id)

    @expose("/attach/", methods=("POST",))
    def attach(self) -> Any:
        """Attach a scanned original to a draft voucher."""
        record_id = _record_id()
        record = self.get_one(record_id)  # type: ignore[attr-defined]
        if not self.actor().has_permission("supervision.voucher.make"):
            abort(403)
        self.act(record_id, lambda: self.upload("voucher", record), "附件已上传")
        return self.back(record_id)


class FundAccountMixin(SupervisionViewMixin):
    """资金账户: a village's accounts; the balance is maintained by booking only."""

    manage_permission = "supervision.account.manage"
    allow_delete = False
    column_list = ["locality", "code", "name", "opening_balance", "balance", "last_seq"]
    column_searchable_list = ["name", "code"]
    form_columns = ["locality", "code", "name", "opening_balance", "opened_on"]

    def extra_details(self, record: FundAccount) -> list[Any]:
        """Extra tables on the details page of ``record``."""
        year = today(self.session).year
        figures = funds.statement(self.session, record, f"{year}-01", f"{year}-12")
        return [
            group(
                f"{year}年收支",
                [
                    ("年初余额", f"{figures.opening} 元"),
                    ("本年收入", f"{figures.receipts} 元"),
                    ("本年支出", f"{figures.payments} 元"),
                    ("当前余额", f"{figures.closing} 元"),
                ],
            )
        ]


# --- 资产与资源 ----------------------------------------------------------------------------------


class AssetMixin(SupervisionViewMixin):
    """集体资产台账: disposal only through a decided 四议两公开 matter."""

    manage_permission = "supervision.asset.manage"
    allow_delete = False
    column_list = ["locality", "code", "name", "category", "original_value", "acquired_on", "state"]
    column_searchable_list = ["name", "code"]
    column_filters = ["state", "category"]
    form_columns = [
        "locality", "code", "name", "category", "acquisition", "acquired_on", "original_value",
        "location", "disposal_matter", "disposed_on", "disposal_method", "disposal_amount", "note",
    ]  # fmt: skip
    form_choices = {
        "category": list(ASSET_CATEGORIES.items()),
        "acquisition": list(ASSET_ACQUISITIONS.items()),
    }
    column_formatters = {
        "category": labelled(ASSET_CATEGORIES),
        "acquisition": labelled(ASSET_ACQUISITIONS),
        "state": state_of(ASSET_WORKFLOW),
    }


class ResourceMixin(SupervisionViewMixin):
    """集体资源: land, forest, ponds, buildings."""

    manage_permission = "supervision.asset.manage"
    allow_delete = False
    column_list = ["locality", "code", "name", "kind", "area", "unit", "location"]
    column_searchable_list = ["name", "code"]
    column_filters = ["kind"]
    form_columns = ["locality", "code", "name", "kind", "area", "unit", "location", "note"]
    form_choices = {"kind": list(RESOURCE_KINDS.items()), "unit": list(RESOURCE_UNITS.items())}
    column_formatters = {"kind": labelled(RESOURCE_KINDS), "unit": labelled(RESOURCE_UNITS)}


class ContractMixin(SupervisionViewMixin):
    """承包租赁合同: created with their yearly rent dues; a signed contract is not edited."""

    manage_permission = "supervision.asset.manage"
    allow_edit = False
    allow_delete = False
    column_list = ["locality", "number", "resource", "lessee", "start_on", "end_on", "annual_rent"]
    column_searchable_list = ["number", "lessee"]
    form_columns = [
        "resource", "number", "lessee", "start_on", "end_on", "annual_rent", "due_month",
        "due_day", "signed_on", "matter",
    ]  # fmt: skip

    def create_model(self, form: Any) -> Any:
        """Create the contract through the service, which also schedules its rent."""
        session = self.session
        try:
            resource = form.resource.data
            if resource is None:
                raise SupervisionError("请选择资源", "resource")
            model = resources.create_contract(
                session,
                resource=resource,
                number=form.number.data,
                lessee=form.lessee.data,
                start_on=form.start_on.data,
                end_on=form.end_on.data,
                annual_rent=form.annual_rent.data,
                due_month=form.due_month.data or 12,
                due_day=form.due_day.data or 31,
                signed_on=form.signed_on.data,
                matter=form.matter.data,
            )
            self.on_model_change(form, model, True)
            session.commit()
        except Exception as exc:
            session.rollback()
            if not self.handle_view_exception(exc):
                raise
            return False
        self.after_model_change(form, model, True)
        return model

    def extra_details(self, record: ResourceContract) -> list[Any]:
        """Extra tables on the details page of ``record``."""
        return [
            group(
                "租金",
                [
                    (due.label, f"应缴 {due.amount} 元（{due.due_on}），已缴 {due.paid_amount} 元")
                    for due in record.dues
                ],
            )
        ]


class OverdueRentFilter(BaseSQLAFilter):
    """欠租: unpaid after the due date and the county's grace days."""

    def apply(self, query: Any, value: Any, alias: Any = None) -> Any:
        """Limit the list to the filtered rows."""
        session = query.session
        grace = plugin_settings(session, "supervision")["rent_grace_days"]
        cutoff = today(session) - dt.timedelta(days=grace)
        return query.filter(RentDue.due_on < cutoff, RentDue.paid_amount < RentDue.amount)

    def operation(self) -> str:
        """The filter's operation label."""
        return "是"


class RentDueMixin(SupervisionViewMixin):
    """租金应收: what each contract owes each year; payments are recorded from the details."""

    allow_create = False
    allow_edit = False
    allow_delete = False
    column_list = ["locality", "contract", "label", "due_on", "amount", "paid_amount", "paid_on"]
    column_default_sort = "due_on"
    column_filters = [
        OverdueRentFilter(RentDue.due_on, "欠租（已过宽限期）", options=(("1", "是"),)),
        "due_on",
        "paid_on",
    ]

    def extra_details(self, record: RentDue) -> list[Any]:
        """Extra tables on the details page of ``record``."""
        payments = self.session.scalars(RentPayment.for_due(record)).all()
        return [
            group(
                "缴款记录",
                [(str(p.paid_on), f"{p.amount} 元（{p.recorded_by or ''}）") for p in payments],
            )
        ]

    def detail_forms(self, record: RentDue) -> list[Form]:
        """Forms shown under the details of ``record`` for the current account."""
        actor = self.actor()
        if actor is None or not actor.has_permission("supervision.asset.manage"):
            return []
        if record.outstanding <= 0:
            return []
        return [
            Form(
                "登记缴款",
                self.get_url(".pay"),
                [
                    Field(
                        "amount",
                        "缴款金额（元）",
                        "number",
                        True,
                        value=record.outstanding,
                        step="0.01",
                    ),
                    Field("paid_on", "缴款日期", "date", True, value=today(self.session)),
                ],
                "登记",
                note=f"尚欠 {record.outstanding} 元；缴款不能超过尚欠金额。",
            )
        ]

    @expose("/pay/", methods=("POST",))
    def pay(self) -> Any:
        """Record a rent payment."""
        record_id = _record_id()
        record = self.get_one(record_id)  # type: ignore[attr-defined]
        if not self.actor().has_permission("supervision.asset.manage"):
            abort(403)

        def work() -> Any:
            """The change, run inside the caller's transaction."""
            return resources.record_payment(
                self.session,
                self.actor(),
                record,
                request.form.get("amount"),
                form_date("paid_on", "缴款日期"),
            )

        self.act(record_id, work, "缴款已登记")
        return self.back(record_id)


# --- 四议两公开 ----------------------------------------------------------------------------------


class MatterMixin(SupervisionViewMixin):
    """重大事项: registered, then moved step by step by recording each meeting."""

    manage_permission = "supervision.matter.manage"
    allow_delete = False
    column_list = ["id", "locality", "title", "category", "amount", "state", "round"]
    column_searchable_list = ["title"]
    column_filters = ["state", "category"]
    column_default_sort = ("id", True)
    form_columns = ["locality", "title", "category", "amount", "description", "result"]
    form_choices = {"category": list(MATTER_CATEGORIES.items())}
    column_formatters = {
        "category": labelled(MATTER_CATEGORIES),
        "state": state_of(MATTER_WORKFLOW),
    }

    def on_model_change(self, form: Any, model: MajorMatter, is_created: bool) -> None:
        """A proposed matter keeps its content; the result is written after the resolution."""
        if is_created:
            model.created_by = actor_label(self.actor())
            if model.result:
                raise ValueError("新登记的事项还没有实施结果")
        else:
            changed = changed_attributes(model)
            state = committed(model, "state")
            if changed & {"title", "category", "amount", "description", "locality_code"} and (
                state != "draft" or committed(model, "round") != 1
            ):
                raise LockedRecordError("事项提议后，名称、类别、金额和内容不能再修改")
            if "result" in changed and state != "resolution_disclosed":
                raise ValueError("决议公开后才能填写实施结果")
        super().on_model_change(form, model, is_created)  # type: ignore[misc]

    def extra_details(self, record: MajorMatter) -> list[Any]:
        """Extra tables on the details page of ``record``."""
        steps = matters.progress(record)
        rows = []
        for index, step in enumerate(steps, start=1):
            status = "已完成" if step["done"] else ("进行中" if step["current"] else "未开始")
            meeting = step["meeting"]
            if meeting is not None:
                status += (
                    f"：{meeting.held_on}，应到 {meeting.expected} 人，实到 {meeting.present} 人，"
                    f"赞成 {meeting.votes_for}、反对 {meeting.votes_against}、"
                    f"弃权 {meeting.abstentions}"
                )
            rows.append((f"{index}. {step['label']}", status))
        history = [
            (
                f"第 {m.round} 轮 {m.step_label}",
                link(
                    self,
                    "supervision_meeting",
                    m.id,
                    f"{m.held_on} {'通过' if m.passed else '未通过'}",
                ),
            )
            for m in record.meetings
        ]
        groups = [group(f"四议两公开进度（第 {record.round} 轮）", rows)]
        if history:
            groups.append(group("全部会议记录", history))
        return groups

    def detail_forms(self, record: MajorMatter) -> list[Form]:
        """Forms shown under the details of ``record`` for the current account."""
        actor = self.actor()
        if actor is None or not actor.has_permission("supervision.matter.manage"):
            return []
        forms = []
        step = record.next_step
        if step is not None:
            fields = [
                Field("held_on", "会议日期", "date", True, value=today(self.session)),
                Field("place", "会议地点"),
                Field("expected", "应到人数", "number", True, min="1"),
                Field("present", "实到人数", "number", True),
                Field("votes_for", "赞成", "number", True),
                Field("votes_against", "反对", "number", value=0),
                Field("abstentions", "弃权", "number", value=0),
                Field("minutes", "会议记录", "textarea", True),
            ]
            if step == "representatives":
                fields.append(Field("resolution", "决议内容（表决通过时必填）", "textarea"))
            note = (
                "村民代表会议须有三分之二以上村民代表到会，经到会人员过半数同意方为通过"
                "（《村民委员会组织法》第二十六条）；未通过的，事项退回党支部重新提议。"
                if step == "representatives"
                else "表决未通过的，事项退回党支部重新提议。"
            )
            forms.append(
                Form(
                    f"录入“{MEETING_STEPS[step]}”会议",
                    self.get_url(".meeting"),
                    fields,
                    "录入",
                    note=note,
                    hidden=[("step", step)],
                )
            )
        this_round = [m for m in record.meetings if m.round == record.round]
        if this_round:
            forms.append(
                Form(
                    "上传会议附件（签到表、会议记录扫描件）",
                    self.get_url(".attach"),
                    [
                        Field(
                            "meeting_id",
                            "会议",
                            "select",
                            True,
                            options=[(m.id, f"{m.step_label}（{m.held_on}）") for m in this_round],
                        ),
                        Field("file", "文件（PDF、JPEG、PNG）", "file", True),
                    ],
                    "上传",
                    multipart=True,
                )
            )
        return forms

    @expose("/meeting/", methods=("POST",))
    def meeting(self) -> Any:
        """Record the meeting of the matter's next deliberation."""
        record_id = _record_id()
        record = self.get_one(record_id)  # type: ignore[attr-defined]

        def work() -> Any:
            """The change, run inside the caller's transaction."""
            return matters.record_meeting(
                self.session,
                record,
                self.actor(),
                step=request.form.get("step", ""),
                held_on=form_date("held_on", "会议日期"),
                place=request.form.get("place"),
                expected=form_int("expected", "应到人数"),
                present=form_int("present", "实到人数"),
                votes_for=form_int("votes_for", "赞成票"),
                votes_against=form_int("votes_against", "反对票", 0),
                abstentions=form_int("abstentions", "弃权票", 0),
                minutes=request.form.get("minutes", ""),
                resolution=request.form.get("resolution"),
            )

        meeting = self.act(record_id, work, "会议已录入")
        if isinstance(meeting, MatterMeeting) and not meeting.passed:
            flash(f"表决未通过，事项已退回重新提议（第 {record.round} 轮）", "warning")
        return self.back(record_id)

    @expose("/attach/", methods=("POST",))
    def attach(self) -> Any:
        """Attach a scan to one of the current round's meetings."""
        record_id = _record_id()
        record = self.get_one(record_id)  # type: ignore[attr-defined]
        if not self.actor().has_permission("supervision.matter.manage"):
            abort(403)
        wanted = form_int("meeting_id", "会议") if request.form.get("meeting_id") else None
        meeting = next((m for m in record.meetings if m.id == wanted), None)
        if meeting is None:
            flash("操作未完成：请选择本事项的会议", "error")
            return self.back(record_id)
        self.act(record_id, lambda: self.upload("meeting", meeting), "附件已上传")
        return self.back(record_id)


class MeetingMixin(SupervisionViewMixin):
    """会议记录: read-only; recorded from the matter's page."""

    allow_create = False
    allow_edit = False
    allow_delete = False
    column_list = [
        "matter",
        "round",
        "step",
        "held_on",
        "expected",
        "present",
        "votes_for",
        "passed",
    ]
    column_formatters = {"step": labelled(MEETING_STEPS)}
    column_default_sort = ("id", True)

    def extra_details(self, record: MatterMeeting) -> list[Any]:
        """Extra tables on the details page of ``record``."""
        files = self.attachment_group("meeting", record.id)
        return [files] if files else []


# --- 村务公开 ------------------------------------------------------------------------------------


class OverdueDueFilter(BaseSQLAFilter):
    """逾期未公开: past the due date with nothing published."""

    def apply(self, query: Any, value: Any, alias: Any = None) -> Any:
        """Limit the list to the filtered rows."""
        return query.filter(disclosures.overdue_clause(today(query.session)))

    def operation(self) -> str:
        """The filter's operation label."""
        return "是"


class DisclosureMixin(SupervisionViewMixin):
    """公开内容: published once and never edited; corrected by an amendment with a reason."""

    manage_permission = "supervision.disclosure.publish"
    allow_edit = False
    allow_delete = False
    column_list = ["id", "locality", "category", "title", "period_label", "source", "published_at"]
    column_details_list = [
        "id", "locality", "category", "title", "content", "period_label", "online", "board",
        "source", "amends", "amendment_reason", "published_by", "published_at",
    ]  # fmt: skip
    column_searchable_list = ["title"]
    column_filters = ["category", "source", "period_label"]
    column_default_sort = ("published_at", True)
    form_columns = [
        "locality", "category", "title", "content", "period", "online", "board", "amends",
        "amendment_reason",
    ]  # fmt: skip
    form_extra_fields = {
        "period": StringField(
            "公开期间",
            validators=[Optional()],
            description="月份写 2026-03，季度写 2026Q1，年度写 2026；不涉及期间的可不填",
        )
    }
    form_overrides = {"content": TextAreaField}
    form_args = {"online": {"default": True}, "board": {"default": True}}
    form_choices = {"category": list(DISCLOSURE_CATEGORIES.items())}
    column_formatters = {
        "category": labelled(DISCLOSURE_CATEGORIES),
        "source": labelled(DISCLOSURE_SOURCES),
        "content": lambda v, c, m, n: Markup("<br>").join(escape(m.content).split("\n")),
    }

    def create_model(self, form: Any) -> Any:
        """Publish (or amend) through the service."""
        session = self.session
        try:
            locality = form.locality.data
            if locality is None:
                raise SupervisionError("请选择所属区划", "locality")
            period = parse_period(form.period.data) if (form.period.data or "").strip() else None
            amends = form.amends.data
            if amends is not None:
                model = disclosures.amend(
                    session,
                    self.actor(),
                    amends,
                    content=form.content.data,
                    reason=form.amendment_reason.data or "",
                    title=(form.title.data or "").strip() or None,
                )
            else:
                model = disclosures.publish(
                    session,
                    self.actor(),
                    locality_code=locality.code,
                    category=form.category.data,
                    title=form.title.data,
                    content=form.content.data,
                    period=period,
                    online=bool(form.online.data),
                    board=bool(form.board.data),
                    amendment_reason=form.amendment_reason.data or None,
                )
            self.on_model_change(form, model, True)
            session.commit()
        except Exception as exc:
            session.rollback()
            if not self.handle_view_exception(exc):
                raise
            return False
        self.after_model_change(form, model, True)
        return model

    def extra_details(self, record: Disclosure) -> list[Any]:
        """Extra tables on the details page of ``record``."""
        groups = []
        chain = disclosures.chain(self.session, record)
        if len(chain) > 1:
            groups.append(
                group(
                    "更正记录",
                    [
                        (
                            "原始公开" if d.amends_id is None else f"第 {index} 次更正",
                            link(self, "supervision_disclosure", d.id, d.title)
                            + (f"（理由：{d.amendment_reason}）" if d.amendment_reason else ""),
                        )
                        for index, d in enumerate(chain)
                    ],
                )
            )
        for account in (record.figures or {}).get("accounts", []):
            groups.append(
                group(
                    account["account"],
                    [
                        ("期初余额", account["opening"]),
                        ("本期收入", account["receipts"]),
                        ("本期支出", account["payments"]),
                        ("期末余额", account["closing"]),
                    ]
                    + [
                        (
                            f"记字第 {v['number']} 号 {v['date']}",
                            f"{v['kind']} {v['summary']} {v['amount']}",
                        )
                        for v in account["vouchers"]
                    ],
                )
            )
        files = self.attachment_group("disclosure", record.id)
        return [*groups, *([files] if files else [])]

    def detail_forms(self, record: Disclosure) -> list[Form]:
        """Forms shown under the details of ``record`` for the current account."""
        actor = self.actor()
        if actor is None or not actor.has_permission("supervision.disclosure.publish"):
            return []
        return [self.upload_form("上传公开栏照片", "线下公开栏张贴的照片，与网上公开同步留存。")]

    @expose("/attach/", methods=("POST",))
    def attach(self) -> Any:
        """Attach the bulletin-board photo."""
        record_id = _record_id()
        record = self.get_one(record_id)  # type: ignore[attr-defined]
        if not self.actor().has_permission("supervision.disclosure.publish"):
            abort(403)
        self.act(record_id, lambda: self.upload("disclosure", record), "照片已上传")
        return self.back(record_id)

    @expose("/financial/", methods=("GET", "POST"))
    def financial(self) -> Any:
        """Generate a village's financial disclosure for a month or quarter."""
        actor = self.actor()
        if not actor.has_permission("supervision.disclosure.publish"):
            abort(403)
        if request.method == "POST":
            code = request.form.get("locality_code", "")
            if not actor.account.sees(code):
                flash("操作未完成：该村不在您的管辖范围内", "error")
            else:
                made = self.act(
                    None,
                    lambda: disclosures.financial_disclosure(
                        self.session, actor, code, parse_period(request.form.get("period", ""))
                    ),
                    "财务公开已生成并发布",
                )
                if isinstance(made, Disclosure):
                    return self.back(made.id)
        villages = self.session.scalars(
            select(Locality)
            .where(Locality.scope_clause(actor.scope_code), Locality.level == "village")
            .order_by(Locality.code)
        ).all()
        form = Form(
            "生成财务公开",
            self.get_url(".financial"),
            [
                Field(
                    "locality_code",
                    "村（社区）",
                    "select",
                    True,
                    [(v.code, v.name) for v in villages],
                ),
                Field("period", "期间", "text", True, help="月份写 2026-03，季度写 2026Q1"),
            ],
            "生成并发布",
            note="从该期间已记账的凭证生成：各账户期初、收入、支出、期末及凭证清单，凭证随之转为已公开。",
        )
        return self.render(
            PAGE, heading="财务公开", forms=[form], tables=[], back=self.get_url(".index_view")
        )  # type: ignore[attr-defined]


class DisclosureDueMixin(SupervisionViewMixin):
    """公开日历: what each village must disclose and by when; overdue entries are flagged."""

    allow_create = False
    allow_edit = False
    allow_delete = False
    column_list = ["locality", "category", "period_label", "due_on", "fulfilled_on", "status"]
    column_default_sort = "due_on"
    column_filters = [
        OverdueDueFilter(DisclosureDue.due_on, "逾期未公开", options=(("1", "是"),)),
        "category",
        "due_on",
        "fulfilled_on",
    ]
    column_formatters = {
        "category": labelled(DISCLOSURE_CATEGORIES),
        "status": lambda v, c, m, n: m.status_on(today(v.session)),
    }

    @expose("/build/", methods=("GET", "POST"))
    def build(self) -> Any:
        """Build a year's calendar for every village in the account's scope."""
        actor = self.actor()
        if not actor.has_permission("supervision.disclosure.publish"):
            abort(403)
        rules = plugin_settings(self.session, "supervision")["disclosure_calendar"]
        if request.method == "POST":
            added = self.act(
                None,
                lambda: disclosures.build_calendar(
                    self.session, actor.scope_code, form_int("year", "年度"), rules
                ),
                "公开日历已更新",
            )
            if added is not None:
                flash(f"新增日历 {added} 条", "info")
            return redirect(self.get_url(".index_view"))
        form = Form(
            "生成公开日历",
            self.get_url(".build"),
            [Field("year", "年度", "number", True, value=today(self.session).year, min="2000")],
            "生成",
            note="按县里的公开日历设置，为管辖范围内每个村生成该年度的应公开事项；已有的不会重复生成。",
        )
        table = SimpleNamespace(
            title="公开日历设置",
            head=["类别", "频次", "期间结束后几日内公开"],
            rows=[
                (
                    DISCLOSURE_CATEGORIES[r["category"]],
                    {"monthly": "每月", "quarterly": "每季度", "yearly": "每年"}[r["frequency"]],
                    r["due_days"],
                )
                for r in rules
            ],
        )
        return self.render(
            PAGE, heading="公开日历", forms=[form], tables=[table], back=self.get_url(".index_view")
        )  # type: ignore[attr-defined]


# --- 村级权力清单 --------------------------------------------------------------------------------


class PowerItemMixin(SupervisionViewMixin):
    """村级权力清单: items with their procedure steps (shown as flowcharts on the portal)."""

    manage_permission = "supervision.power.manage"
    column_list = ["locality", "code", "title", "category", "position"]
    column_searchable_list = ["title", "code"]
    column_default_sort = "position"
    form_columns = [
        "locality",
        "code",
        "title",
        "category",
        "basis",
        "description",
        "position",
        "steps",
    ]
    inline_models = [
        (
            PowerStep,
            {
                "form_columns": ["id", "position", "title", "actor", "note"],
                "column_labels": {
                    "position": "顺序",
                    "title": "环节",
                    "actor": "责任主体",
                    "note": "要求",
                },
            },
        )
    ]

    def on_model_change(self, form: Any, model: PowerItem, is_created: bool) -> None:
        """Steps need a title; their order must be distinct."""
        positions = [s.position for s in model.steps]
        if any(p is None for p in positions) or len(set(positions)) != len(positions):
            raise ValueError("流程环节的顺序必须填写且不能重复")
        super().on_model_change(form, model, is_created)  # type: ignore[misc]

    def extra_details(self, record: PowerItem) -> list[Any]:
        """Extra tables on the details page of ``record``."""
        return [
            group(
                "流程",
                [
                    (f"{s.position}. {s.title}", "；".join(x for x in (s.actor, s.note) if x))
                    for s in record.steps
                ],
            )
        ]


# --- 督查 ----------------------------------------------------------------------------------------


class InspectionRoundMixin(SupervisionViewMixin):
    """督查抽查: each quarter's reproducible sample; never redrawn or edited."""

    manage_permission = "supervision.inspection.manage"
    allow_edit = False
    allow_delete = False
    column_list = [
        "locality",
        "year",
        "quarter",
        "rate",
        "population_size",
        "sample_size",
        "seed",
        "drawn_at",
    ]
    column_default_sort = ("id", True)
    form_columns = ["locality", "year", "quarter", "rate", "seed", "note"]
    form_args = {
        "seed": {
            "validators": [Optional()],
            "description": "可填公开的随机数（如当期彩票开奖号）；不填则自动生成",
        },
        "rate": {"description": "不得低于 15%"},
    }

    def create_model(self, form: Any) -> Any:
        """Draw the sample through the service."""
        session = self.session
        try:
            locality = form.locality.data
            if locality is None:
                raise SupervisionError("请选择抽查范围（县或乡镇）", "locality")
            model = inspections.draw_round(
                session,
                self.actor(),
                scope_code=locality.code,
                year=form.year.data,
                quarter=form.quarter.data,
                rate=form.rate.data,
                seed=form.seed.data,
                note=form.note.data,
            )
            self.on_model_change(form, model, True)
            session.commit()
        except Exception as exc:
            session.rollback()
            if not self.handle_view_exception(exc):
                raise
            return False
        self.after_model_change(form, model, True)
        return model

    def extra_details(self, record: InspectionRound) -> list[Any]:
        """Extra tables on the details page of ``record``."""
        ok, _ = inspections.verify_round(record)
        names = dict(
            self.session.execute(
                select(Locality.code, Locality.name).where(
                    Locality.code.in_([t.locality_code for t in record.targets])
                )
            ).all()
        )
        return [
            group(
                "抽中的村",
                [
                    (
                        f"{t.draw_order}",
                        link(
                            self,
                            "supervision_inspection_target",
                            t.id,
                            names.get(t.locality_code, t.locality_code),
                        )
                        + f"（{t.conclusion_label}）",
                    )
                    for t in record.targets
                ],
            ),
            group(
                "复核",
                [
                    ("抽样方法", "将总体村代码排序后，用 Python random.Random(种子).sample 抽取"),
                    ("复核结果", "与记录一致" if ok else "与记录不一致，请核查！"),
                ],
            ),
        ]


class InspectionTargetMixin(SupervisionViewMixin):
    """抽查村: the inspection's conclusion, and the findings recorded from here."""

    manage_permission = "supervision.inspection.manage"
    allow_create = False
    allow_delete = False
    column_list = ["round", "locality", "draw_order", "inspected_on", "conclusion"]
    form_columns = ["inspected_on", "inspectors", "conclusion", "summary"]
    form_choices = {"conclusion": list(INSPECTION_CONCLUSIONS.items())}
    column_formatters = {"conclusion": lambda v, c, m, n: m.conclusion_label}

    def extra_details(self, record: InspectionTarget) -> list[Any]:
        """Extra tables on the details page of ``record``."""
        return [
            group(
                "发现的问题",
                [
                    (
                        FINDING_CATEGORIES.get(f.category, f.category),
                        link(self, "supervision_finding", f.id, f.description[:40])
                        + f"（{FINDING_WORKFLOW.states[f.state]}，期限 {f.deadline}）",
                    )
                    for f in record.findings
                ],
            )
        ]

    def detail_forms(self, record: InspectionTarget) -> list[Form]:
        """Forms shown under the details of ``record`` for the current account."""
        actor = self.actor()
        if actor is None or not actor.has_permission("supervision.inspection.manage"):
            return []
        return [
            Form(
                "录入发现的问题",
                self.get_url(".finding"),
                [
                    Field("category", "问题类别", "select", True, list(FINDING_CATEGORIES.items())),
                    Field("deadline", "整改期限", "date", help="不填则按县里规定的整改天数"),
                    Field("description", "问题描述", "textarea", True),
                ],
                "录入",
            )
        ]

    @expose("/finding/", methods=("POST",))
    def finding(self) -> Any:
        """Record a finding for this village."""
        record_id = _record_id()
        record = self.get_one(record_id)  # type: ignore[attr-defined]

        def work() -> Any:
            """The change, run inside the caller's transaction."""
            deadline = form_date("deadline", "整改期限") if request.form.get("deadline") else None
            return inspections.add_finding(
                self.session,
                self.actor(),
                record,
                category=request.form.get("category", ""),
                description=request.form.get("description", ""),
                deadline=deadline,
            )

        self.act(record_id, work, "问题已录入，等待村里整改")
        return self.back(record_id)


class FindingMixin(SupervisionViewMixin):
    """督查问题: the village writes its rectification and reports it; inspectors verify."""

    manage_permission = "supervision.finding.rectify"
    allow_create = False
    allow_delete = False
    column_list = ["locality", "category", "description", "deadline", "state"]
    column_filters = ["state", "category", "deadline"]
    form_columns = ["rectification"]
    column_formatters = {
        "category": labelled(FINDING_CATEGORIES),
        "state": state_of(FINDING_WORKFLOW),
    }

    def on_model_change(self, form: Any, model: InspectionFinding, is_created: bool) -> None:
        """The rectification is written while the finding is open or being rectified."""
        if committed(model, "state") not in ("open", "rectifying"):
            raise LockedRecordError("整改情况已报送，如需补充请等待验收意见")
        super().on_model_change(form, model, is_created)  # type: ignore[misc]

    def extra_details(self, record: InspectionFinding) -> list[Any]:
        """Extra tables on the details page of ``record``."""
        files = self.attachment_group("finding", record.id)
        overdue = record.is_overdue(today(self.session))
        rows = [("是否逾期", "已逾期" if overdue else "否")]
        return [group("整改", rows), *([files] if files else [])]

    def detail_forms(self, record: InspectionFinding) -> list[Form]:
        """Forms shown under the details of ``record`` for the current account."""
        actor = self.actor()
        if actor is None or not actor.has_permission("supervision.finding.rectify"):
            return []
        if record.state == "verified":
            return []
        return [self.upload_form("上传整改佐证材料")]

    @expose("/attach/", methods=("POST",))
    def attach(self) -> Any:
        """Attach proof of rectification."""
        record_id = _record_id()
        record = self.get_one(record_id)  # type: ignore[attr-defined]
        if not self.actor().has_permission("supervision.finding.rectify"):
            abort(403)
        self.act(record_id, lambda: self.upload("finding", record), "材料已上传")
        return self.back(record_id)


# --- 村民直评村官 --------------------------------------------------------------------------------


class CampaignMixin(SupervisionViewMixin):
    """测评活动: cadres come from the branch and committee memberships; ballots per household."""

    manage_permission = "supervision.rating.manage"
    allow_delete = False
    column_list = ["locality", "title", "period_label", "opens_on", "closes_on", "state"]
    column_default_sort = ("id", True)
    form_columns = ["locality", "title", "period_label", "opens_on", "closes_on"]
    column_formatters = {"state": state_of(CAMPAIGN_WORKFLOW)}

    def on_model_change(self, form: Any, model: CadreRatingCampaign, is_created: bool) -> None:
        """Dates in order; a campaign changes only before it opens."""
        if not is_created and committed(model, "state") != "draft":
            raise LockedRecordError("测评开始后不能再修改")
        if model.opens_on and model.closes_on and model.closes_on < model.opens_on:
            raise ValueError("截止日期不能早于开始日期")
        if is_created:
            model.created_by = actor_label(self.actor())
        super().on_model_change(form, model, is_created)  # type: ignore[misc]

    def after_model_change(self, form: Any, model: CadreRatingCampaign, is_created: bool) -> None:
        """A new campaign enlists its cadres at once."""
        if is_created:
            added = ratings.enlist_cadres(self.session, model)
            self.session.commit()
            flash(f"已生成参评村干部名单 {added} 人", "info")

    def extra_details(self, record: CadreRatingCampaign) -> list[Any]:
        """Extra tables on the details page of ``record``."""
        actor = self.actor()
        names = dict(
            self.session.execute(
                select(Locality.code, Locality.name).where(
                    Locality.code.in_({c.locality_code for c in record.cadres})
                )
            ).all()
        )
        rows = []
        for cadre in record.cadres:
            if actor is not None and not actor.account.sees(cadre.locality_code):
                continue
            index = f"，勤廉指数 {cadre.index_value}" if cadre.index_value is not None else ""
            rows.append(
                (
                    f"{names.get(cadre.locality_code, '')} {cadre.person.name}（{cadre.post}）",
                    f"{cadre.ratings} 户参评{index}",
                )
            )
        return [group("参评村干部", rows)]

    def detail_forms(self, record: CadreRatingCampaign) -> list[Form]:
        """Forms shown under the details of ``record`` for the current account."""
        actor = self.actor()
        if actor is None or record.state != "open":
            return []
        if not actor.has_permission("supervision.rating.record"):
            return []
        return [
            Form(
                "录入评议票",
                self.get_url(".ballot"),
                [
                    Field(
                        "household", "户号", "text", True, help="按户录入，每户对每名村干部评议一次"
                    )
                ],
                "下一步",
                method="get",
                hidden=[("id", record.id)],
            )
        ]

    @expose("/ballot/", methods=("GET", "POST"))
    def ballot(self) -> Any:
        """Enter one household's ballot: a score for each cadre of its village."""
        record_id = request.values.get("id")
        record = self.get_one(record_id)  # type: ignore[attr-defined]
        actor = self.actor()
        if not actor.has_permission("supervision.rating.record"):
            abort(403)
        number = (request.values.get("household") or "").strip()
        household = self.session.scalar(
            select(Household).where(
                Household.number == number, Household.scope_clause(actor.scope_code)
            )
        )
        if household is None:
            flash(f"操作未完成：户号 {number} 不存在或不在您的管辖范围内", "error")
            return self.back(record_id)
        village = ratings.village_of(household.locality_code)
        cadres = [c for c in record.cadres if c.locality_code == village]
        if request.method == "POST":
            scores = [
                {
                    "cadre_id": cadre.id,
                    "diligence": form_int(f"d{cadre.id}", "勤"),
                    "integrity": form_int(f"i{cadre.id}", "廉"),
                }
                for cadre in cadres
                if request.form.get(f"d{cadre.id}") or request.form.get(f"i{cadre.id}")
            ]
            done = self.act(
                record_id,
                lambda: ratings.cast_ballot(self.session, actor, record, household, scores),
                f"户 {number} 的评议票已录入",
            )
            if done:
                return self.back(record_id)
        choices = [(value, f"{value} {label}") for value, label in SCORE_LABELS.items()]
        fields = []
        for cadre in cadres:
            fields.append(
                Field(
                    f"d{cadre.id}",
                    f"{cadre.person.name}（{cadre.post}）· 勤",
                    "select",
                    True,
                    choices,
                    5,
                )
            )
            fields.append(
                Field(
                    f"i{cadre.id}",
                    f"{cadre.person.name}（{cadre.post}）· 廉",
                    "select",
                    True,
                    choices,
                    5,
                )
            )
        form = Form(
            f"户 {number} 的评议票",
            self.get_url(".ballot"),
            fields,
            "提交评议票",
            note="1 不满意，2 不太满意，3 基本满意，4 比较满意，5 满意。提交后不能修改。",
            hidden=[("id", record.id), ("household", number)],
        )
        return self.render(
            PAGE,
            heading=record.title,
            forms=[form],
            tables=[],
            back=self.get_url(".details_view", id=record.id),
        )  # type: ignore[attr-defined]


class CadreMixin(SupervisionViewMixin):
    """参评村干部: standings within a campaign (read-only)."""

    allow_create = False
    allow_edit = False
    allow_delete = False
    column_list = ["campaign", "locality", "person", "post", "ratings", "index_value"]
    column_default_sort = ("id", True)


class RatingMixin(SupervisionViewMixin):
    """评议票: each household's scores (read-only; the organisers only)."""

    permission = "supervision.rating.manage"
    allow_create = False
    allow_edit = False
    allow_delete = False
    column_list = [
        "campaign",
        "locality",
        "cadre",
        "household",
        "diligence",
        "integrity",
        "rated_at",
    ]
    column_default_sort = ("id", True)


class AttachmentMixin(SupervisionViewMixin):
    """附件: every uploaded file, downloadable; never replaced or deleted."""

    allow_create = False
    allow_edit = False
    allow_delete = False
    column_list = [
        "locality",
        "owner_kind",
        "owner_id",
        "filename",
        "size",
        "uploaded_by",
        "uploaded_at",
    ]
    column_default_sort = ("id", True)
    column_formatters = {"owner_kind": lambda v, c, m, n: m.owner_label}

    @expose("/download/")
    def download(self) -> Any:
        """Send the file."""
        from io import BytesIO

        record = self.get_one(request.args.get("id"))  # type: ignore[attr-defined]
        return send_file(
            BytesIO(record.data),
            mimetype=record.content_type,
            as_attachment=True,
            download_name=record.filename,
        )


class ReadOnlyMixin(SupervisionViewMixin):
    """A read-only list of a derived table (period totals, rent payments)."""

    allow_create = False
    allow_edit = False
    allow_delete = False


# --- Registration --------------------------------------------------------------------------------


def _view(admin: Any, mixin: type, base: Any) -> type:
    return type(mixin.__name__.replace("Mixin", "View"), (mixin, base), {})


def register(admin: Any) -> None:
    """Add every supervision view through the host's registrar ``admin``."""
    model_view = admin.ModelView
    read_only = admin.ReadOnlyView
    views: list[tuple[type, str, type, Any]] = [
        (FundAccount, "资金账户", FundAccountMixin, model_view),
        (Voucher, "收支凭证", VoucherMixin, model_view),
        (FundPeriod, "月度收支汇总", ReadOnlyMixin, read_only),
        (CollectiveAsset, "集体资产", AssetMixin, model_view),
        (CollectiveResource, "集体资源", ResourceMixin, model_view),
        (ResourceContract, "承包租赁合同", ContractMixin, model_view),
        (RentDue, "租金应收", RentDueMixin, read_only),
        (RentPayment, "租金缴款", ReadOnlyMixin, read_only),
        (MajorMatter, "四议两公开事项", MatterMixin, model_view),
        (MatterMeeting, "议事会议记录", MeetingMixin, read_only),
        (Disclosure, "村务公开", DisclosureMixin, model_view),
        (DisclosureDue, "公开日历", DisclosureDueMixin, read_only),
        (PowerItem, "村级权力清单", PowerItemMixin, model_view),
        (InspectionRound, "季度督查抽查", InspectionRoundMixin, model_view),
        (InspectionTarget, "抽查村", InspectionTargetMixin, model_view),
        (InspectionFinding, "督查问题整改", FindingMixin, model_view),
        (CadreRatingCampaign, "村民直评村官", CampaignMixin, model_view),
        (RatedCadre, "参评村干部", CadreMixin, read_only),
        (CadreRating, "评议票", RatingMixin, read_only),
        (SupervisionAttachment, "附件", AttachmentMixin, read_only),
    ]

    def lookup(name: str, model: type, *fields: str) -> Any:
        """An in-scope autocomplete over ``fields`` of ``model``."""
        return admin.AjaxLoader(name, admin.session, model, fields=list(fields), page_size=20)

    # Relations to registers that grow with the county are autocompletes, not whole selects.
    ajax = {
        Voucher: {
            "account": lookup("account", FundAccount, "name", "code"),
            "matter": lookup("matter", MajorMatter, "title"),
        },
        CollectiveAsset: {"disposal_matter": lookup("disposal_matter", MajorMatter, "title")},
        ResourceContract: {
            "resource": lookup("resource", CollectiveResource, "name", "code"),
            "matter": lookup("matter", MajorMatter, "title"),
        },
        Disclosure: {"amends": lookup("amends", Disclosure, "title")},
    }
    for model, name, mixin, base in views:
        extra: dict[str, Any] = {}
        if model in ajax:
            extra["form_ajax_refs"] = ajax[model]
        if model is FundPeriod:
            extra = {
                "column_list": ["account", "period", "receipts", "payments", "vouchers"],
                "column_default_sort": ("period", True),
            }
        if model is RentPayment:
            extra = {"column_list": ["locality", "due", "amount", "paid_on", "recorded_by"]}
        admin.add_model_view(
            model,
            name=name,
            view_class=_view(admin, mixin, base),
            endpoint=model.__tablename__,
            **extra,
        )
