"""The 社会救助 admin: every view scoped by locality, with the workflows' buttons on details pages.

Views are built on the registrar's scoped base classes. Pages that do more than edit a record
(窗口受理, uploading an authorisation, recording an objection, running a batch, uploading a
department's file, importing a list, the coverage report) are extra routes of the view they
belong to, so they share its login, permission and scope checks; identity numbers travel only
in POST bodies, never in URLs.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Response, abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.model import typefmt
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import inspect as orm_inspect
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import CombinedMultiDict
from wtforms import (
    DateField,
    FileField,
    Form,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from core.identity import mask_id_number, mask_phone
from core.models import Locality, Person
from core.runtime import plugin_settings
from plugins.assistance import clock
from plugins.assistance.cases import (
    accepted_office_name,
    create_application,
    find_resident,
    record_consent,
    record_objection,
    set_payee,
)
from plugins.assistance.coverage import coverage_report
from plugins.assistance.enrolments import overdue_reviews, review_months
from plugins.assistance.errors import AssistanceError
from plugins.assistance.models import (
    AssistanceAdjustment,
    AssistanceApplication,
    AssistanceBatch,
    AssistanceConsent,
    AssistanceCoverage,
    AssistanceEnrolment,
    AssistanceLead,
    AssistanceNotice,
    AssistanceObjection,
    AssistancePayment,
    AssistanceReview,
    AssistanceSourceUpload,
    AssistanceStandard,
    AssistanceTask,
    CareFund,
    CareFundEntry,
)
from plugins.assistance.programmes import (
    CARE_CAUSES,
    CARE_LEVELS,
    CATEGORIES,
    CHECKS,
    CONSENT_RELATIONS,
    DATA_CHECKS,
    LEAD_KINDS,
    LEAD_SOURCES,
    PROGRAMME_CHOICES,
    PROGRAMMES,
    TEMPORARY_KINDS,
    check_label,
)
from plugins.assistance.rules import yuan
from plugins.assistance.workflow import (
    APPLICATION_WORKFLOW,
    ENROLMENT_WORKFLOW,
    LEAD_WORKFLOW,
    REVIEW_OUTCOMES,
    REVIEW_WORKFLOW,
    TASK_WORKFLOW,
)

BLANK = [("", "—")]


class _Group:
    """A titled table on a details page."""

    def __init__(self, title: str, rows: list[tuple[str, Any]]) -> None:
        self.title = title
        self.rows = rows


def _money(view: Any, context: Any, model: Any, name: str) -> str:
    value = getattr(model, name)
    return "" if value is None else yuan(value)


def _choices(mapping: dict[str, str]) -> list[tuple[str, str]]:
    return list(mapping.items())


def _select(pairs: Any) -> list[SelectChoice]:
    """Choices of our own select fields, in the form WTForms 3.3 asks for."""
    return [SelectChoice(value, label) for value, label in pairs]


def _button(url: str, label: str) -> Markup:
    return Markup('<a class="btn btn-sm btn-outline-primary mr-2" href="{}">{}</a>').format(
        url, label
    )


def _post_button(url: str, label: str, **fields: str) -> Markup:
    hidden = Markup("").join(
        Markup('<input type="hidden" name="{}" value="{}">').format(k, v) for k, v in fields.items()
    )
    from flask_wtf.csrf import generate_csrf

    return Markup(
        '<form method="post" action="{}" class="d-inline">'
        '<input type="hidden" name="csrf_token" value="{}">{}'
        '<button class="btn btn-sm btn-outline-primary mr-2" type="submit">{}</button></form>'
    ).format(url, generate_csrf(), hidden, label)


def _local_time(view: Any, value: dt.datetime, name: str) -> str:
    """A timestamp in the deployment's time zone, to the minute."""
    return value.astimezone(clock.timezone_of(view.session)).strftime("%Y-%m-%d %H:%M")


class _Common:
    """What every assistance view shares: its list template, links and the acting principal."""

    list_template = "assistance/admin/list.html"
    can_set_page_size = True
    column_type_formatters = {**typefmt.BASE_FORMATTERS, dt.datetime: _local_time}
    column_type_formatters_detail = {**typefmt.DETAIL_FORMATTERS, dt.datetime: _local_time}

    def _get_list_value(self, *args: Any, **kwargs: Any) -> Any:
        """Show nothing, rather than "None", for an empty value with choices."""
        value = super()._get_list_value(*args, **kwargs)  # type: ignore[misc]
        return "" if value is None else value

    def menu_links(self) -> list[tuple[str, str]]:
        """Extra links on the list page's menu bar."""
        return []

    def principal(self) -> Any:
        """The logged-in account with its permissions."""
        if not current_user or not current_user.is_authenticated:
            abort(403)
        account = current_user._get_current_object()
        return self.runtime.plugins.permissions.principal(account)  # type: ignore[attr-defined]

    def require(self, permission: str) -> Any:
        """The principal, or 403 if it lacks ``permission``."""
        principal = self.principal()
        if not principal.has_permission(permission):
            abort(403)
        return principal

    def settings(self) -> dict[str, Any]:
        """The plugin's validated settings."""
        return plugin_settings(self.session, "assistance")  # type: ignore[attr-defined]

    def form_page(self, heading: str, form: Form, submit_label: str, **context: Any) -> Any:
        """Render a form page of the plugin."""
        context.setdefault("cancel_url", self.get_url(".index_view"))  # type: ignore[attr-defined]
        return self.render(  # type: ignore[attr-defined]
            "assistance/admin/form.html",
            heading=heading,
            form=form,
            submit_label=submit_label,
            **context,
        )

    def table_page(
        self, heading: str, columns: list[str], rows: list[list[Any]], **context: Any
    ) -> Any:
        """Render a table page of the plugin."""
        context.setdefault("back_url", self.get_url(".index_view"))  # type: ignore[attr-defined]
        return self.render(  # type: ignore[attr-defined]
            "assistance/admin/table.html", heading=heading, columns=columns, rows=rows, **context
        )

    def record_from_args(self) -> Any:
        """The record named by ``?id=`` if it lies within scope (else 404)."""
        return self.get_one(request.args.get("id", ""))  # type: ignore[attr-defined]

    def refuse(self, exc: Exception) -> None:
        """Roll back and show why, in Chinese."""
        self.session.rollback()  # type: ignore[attr-defined]
        flash(str(exc), "error")


def _form(form_class: type[Form]) -> Form:
    if request.method == "POST":
        return form_class(CombinedMultiDict((request.files, request.form)))
    return form_class(request.args)


# --- standards and programmes -----------------------------------------------------------------


class StandardMixin(_Common):
    """救助标准: monthly amounts per programme and locality from a date on."""

    permission = "assistance.view"
    manage_permission = "assistance.standard.manage"
    allow_delete = False
    column_list = [
        "programme",
        "locality",
        "effective_from",
        "monthly_standard",
        "care_self",
        "care_partial",
        "care_full",
        "note",
    ]
    column_labels = {
        "programme": "救助项目",
        "locality": "适用区划",
        "effective_from": "执行日期",
        "monthly_standard": "每人每月标准",
        "care_self": "护理补贴（自理）",
        "care_partial": "护理补贴（部分失能）",
        "care_full": "护理补贴（完全失能）",
        "note": "说明",
        "created_at": "录入时间",
    }
    column_choices = {"programme": PROGRAMME_CHOICES}
    column_filters = ["programme", "effective_from"]
    column_default_sort = [("programme", False), ("effective_from", True)]
    column_formatters = {
        "monthly_standard": _money,
        "care_self": _money,
        "care_partial": _money,
        "care_full": _money,
    }
    form_columns = [
        "programme",
        "locality",
        "effective_from",
        "monthly_standard",
        "care_self",
        "care_partial",
        "care_full",
        "note",
    ]
    form_choices = {
        "programme": [
            (code, p.title)
            for code, p in PROGRAMMES.items()
            if code != "temporary" and code != "party_care"
        ]
    }
    form_args = {
        "monthly_standard": {"description": "低保：每人每月低保标准；特困：基本生活标准（元）"},
        "care_self": {"description": "仅特困供养需填写"},
    }

    def on_model_change(self, form: Any, model: AssistanceStandard, is_created: bool) -> None:
        """Refuse amounts that make no sense before saving."""
        if model.programme not in ("minimum_living", "extreme_poverty"):
            raise AssistanceError("标准只为城乡低保和特困供养设定（临时救助按低保标准计算）")
        if model.monthly_standard is None or model.monthly_standard <= 0:
            raise AssistanceError("每人每月标准必须大于 0")
        cares = (model.care_self, model.care_partial, model.care_full)
        if any(c is not None and c < 0 for c in cares):
            raise AssistanceError("护理补贴不能为负数")
        if model.programme == "minimum_living" and any(c is not None for c in cares):
            raise AssistanceError("护理补贴只适用于特困供养标准")
        super().on_model_change(form, model, is_created)  # type: ignore[misc]

    def menu_links(self) -> list[tuple[str, str]]:
        return [("救助项目说明", self.get_url(".programmes_view"))]  # type: ignore[attr-defined]

    @expose("/programmes/")
    def programmes_view(self) -> Any:
        """The four programmes, their rules from the settings and the standards in force here."""
        from plugins.assistance.standards import applicable_standard
        from plugins.assistance.verification import required_checks

        principal = self.principal()
        settings = self.settings()
        rows = []
        for plan in PROGRAMMES.values():
            probe = AssistanceApplication(
                programme=plan.code, temporary_kind="expenditure", cause="illness"
            )
            checks = "、".join(check_label(c) for c in required_checks(probe, settings)) or "—"
            if plan.code == "minimum_living":
                reviews = "收入难以改善 {} 个月，其他 {} 个月".format(
                    review_months(settings, plan.code, "stable"),
                    review_months(settings, plan.code, "variable"),
                )
            elif plan.recurring:
                reviews = f"{review_months(settings, plan.code, None)} 个月"
            else:
                reviews = "一次性，不复核"
            rows.append(
                {
                    "title": plan.title,
                    "unit": "以户为单位" if plan.per_household else "以人为单位",
                    "payment": "按月发放" if plan.recurring else "一次性发放",
                    "checks": checks,
                    "reviews": reviews,
                }
            )
        bands = [
            (CARE_CAUSES[b["cause"]], yuan(b["min_loss"]), yuan(b["amount"]))
            for b in sorted(settings["care_fund_bands"], key=lambda b: (b["cause"], b["min_loss"]))
        ]
        standards = []
        scope = self.session.get(Locality, principal.scope_code)  # type: ignore[attr-defined]
        for code in ("minimum_living", "extreme_poverty"):
            try:
                found = applicable_standard(
                    self.session,
                    code,
                    principal.scope_code,
                    clock.today(self.session),  # type: ignore[attr-defined]
                )
            except AssistanceError as exc:
                standards.append([PROGRAMMES[code].title, str(exc), "", "", ""])
                continue
            place = self.session.get(Locality, found.locality_code)  # type: ignore[attr-defined]
            cares = "/".join(
                yuan(c) if c is not None else "—"
                for c in (found.care_self, found.care_partial, found.care_full)
            )
            standards.append(
                [
                    PROGRAMMES[code].title,
                    place.name if place else found.locality_code,
                    found.effective_from,
                    yuan(found.monthly_standard),
                    cares if code == "extreme_poverty" else "—",
                ]
            )
        # 一村一策: the notice period in force where the account works.
        session = self.session  # type: ignore[attr-defined]
        local = plugin_settings(session, "assistance", principal.scope_code)
        return self.render(  # type: ignore[attr-defined]
            "assistance/admin/programmes.html",
            programmes=rows,
            bands=bands,
            notice_days=local["notice_days"],
            standards=standards,
            scope_name=scope.name if scope else principal.scope_code,
            back_url=self.get_url(".index_view"),  # type: ignore[attr-defined]
        )


# --- applications -----------------------------------------------------------------------------


class IntakeForm(Form):
    """窗口受理：一证一书."""

    id_number = StringField("申请人身份证号", validators=[DataRequired("请填写身份证号")])
    programme = SelectField("救助项目", choices=_select(PROGRAMME_CHOICES))
    channel = SelectField(
        "受理渠道", choices=_select([("window", "窗口受理"), ("online", "网上申请（待受理）")])
    )
    category = SelectField(
        "低保分类", choices=_select(BLANK + _choices(CATEGORIES)), validators=[Optional()]
    )
    care_level = SelectField(
        "特困护理等级", choices=_select(BLANK + _choices(CARE_LEVELS)), validators=[Optional()]
    )
    temporary_kind = SelectField(
        "临时救助类型", choices=_select(BLANK + _choices(TEMPORARY_KINDS)), validators=[Optional()]
    )
    cause = SelectField(
        "关爱资金原因", choices=_select(BLANK + _choices(CARE_CAUSES)), validators=[Optional()]
    )
    claimed_amount = StringField(
        "申报金额（元）",
        validators=[Optional()],
        description="临时救助：急难救助需求或自付支出；关爱资金：自付费用或损失",
    )
    statement = TextAreaField("申请事由", validators=[Optional(), Length(max=2000)])
    payee_bank = StringField("收款银行", validators=[Optional(), Length(max=50)])
    payee_account = StringField("收款账号", validators=[Optional(), Length(max=40)])


class LookupForm(Form):
    """按身份证号查询办理进度."""

    id_number = StringField("身份证号", validators=[DataRequired("请填写身份证号")])


class ConsentForm(Form):
    """上传授权书."""

    signer_name = StringField(
        "签字人姓名", validators=[DataRequired("请填写签字人姓名"), Length(max=50)]
    )
    signer_relation = SelectField(
        "与申请人关系", choices=_select([(r, r) for r in CONSENT_RELATIONS])
    )
    signed_on = DateField("签字日期", validators=[DataRequired("请填写签字日期（YYYY-MM-DD）")])
    scope = SelectMultipleField(
        "授权核对的项目", choices=_select([(c, CHECKS[c]) for c in DATA_CHECKS])
    )
    file = FileField("授权书扫描件（PDF/JPEG/PNG，不超过 5 MB）")


class ObjectionForm(Form):
    """登记公示异议."""

    received_on = DateField("收到日期", validators=[DataRequired("请填写收到日期（YYYY-MM-DD）")])
    content = TextAreaField(
        "异议内容", validators=[DataRequired("请填写异议内容"), Length(max=2000)]
    )
    objector = StringField("异议人（可匿名）", validators=[Optional(), Length(max=50)])
    contact = StringField("联系方式", validators=[Optional(), Length(max=50)])


class AmountReasonForm(Form):
    """An amount and the reason for it."""

    amount = StringField("金额（元）", validators=[DataRequired("请填写金额")])
    reason = TextAreaField("理由", validators=[DataRequired("请填写理由"), Length(max=500)])


class ReasonForm(Form):
    """A reason."""

    reason = TextAreaField("理由", validators=[DataRequired("请填写理由"), Length(max=400)])


def _decimal(text: str, label: str) -> Decimal:
    try:
        return Decimal((text or "").replace(",", "").strip())
    except InvalidOperation:
        raise AssistanceError(f"{label}必须是数字") from None


def _changed(state: Any, name: str) -> bool:
    """Whether a form really changed an attribute (a blank left blank is no change)."""
    history = state.attrs[name].history
    before = (history.deleted or history.unchanged or [None])[0]
    after = getattr(state.object, name)
    if isinstance(before, str | None) and isinstance(after, str | None):
        before, after = (before or "").strip(), (after or "").strip()
        if name == "payee_account":
            after = re.sub(r"[\s-]", "", after)
    return before != after


def _form_errors(form: Form) -> None:
    for field in form:
        for error in field.errors:
            flash(f"{field.label.text}：{error}", "error")


class ApplicationMixin(_Common):
    """救助申请: intake at the window, the case's details and its workflow."""

    permission = "assistance.view"
    manage_permission = "assistance.application.accept"
    allow_create = False
    allow_delete = False
    column_list = [
        "id",
        "programme",
        "applicant",
        "locality",
        "channel",
        "state",
        "amount",
        "submitted_at",
    ]
    column_details_list = [
        "id",
        "programme",
        "applicant",
        "household",
        "locality",
        "channel",
        "lead",
        "state",
        "statement",
        "category",
        "care_level",
        "temporary_kind",
        "cause",
        "claimed_amount",
        "eligible",
        "amount",
        "submitted_at",
        "submitted_by",
        "accepted_at",
        "accepted_by",
        "accepted_office",
        "decided_at",
        "decided_by",
        "decision_reason",
        "payee_bank",
        "payee_account",
    ]
    column_labels = {
        "id": "编号",
        "programme": "救助项目",
        "applicant": "申请人",
        "household": "户",
        "locality": "所属区划",
        "channel": "渠道",
        "lead": "来源线索",
        "state": "状态",
        "statement": "申请事由",
        "category": "低保分类",
        "care_level": "护理等级",
        "temporary_kind": "临时救助类型",
        "cause": "关爱资金原因",
        "claimed_amount": "申报金额",
        "eligible": "评估结论",
        "amount": "评估金额",
        "submitted_at": "提交时间",
        "submitted_by": "提交人",
        "accepted_at": "受理时间",
        "accepted_by": "受理人",
        "accepted_office": "受理窗口",
        "decided_at": "审批时间",
        "decided_by": "审批人",
        "decision_reason": "审批意见",
        "payee_bank": "收款银行",
        "payee_account": "收款账号",
        "applicant.name": "申请人姓名",
    }
    column_choices = {
        "programme": PROGRAMME_CHOICES,
        "state": list(APPLICATION_WORKFLOW.states.items()),
        "channel": [("window", "窗口受理"), ("online", "网上申请"), ("proactive", "主动发现")],
        "category": _choices(CATEGORIES),
        "care_level": _choices(CARE_LEVELS),
        "temporary_kind": _choices(TEMPORARY_KINDS),
        "cause": _choices(CARE_CAUSES),
    }
    column_filters = ["programme", "state", "channel"]
    column_searchable_list = ["applicant.name"]
    column_default_sort = ("id", True)
    form_columns = [
        "statement",
        "category",
        "care_level",
        "temporary_kind",
        "cause",
        "claimed_amount",
        "payee_bank",
        "payee_account",
    ]
    form_choices = {
        "category": BLANK + _choices(CATEGORIES),
        "care_level": BLANK + _choices(CARE_LEVELS),
        "temporary_kind": BLANK + _choices(TEMPORARY_KINDS),
        "cause": BLANK + _choices(CARE_CAUSES),
    }

    def _applicant(view: Any, context: Any, model: AssistanceApplication, name: str) -> str:
        principal = view.principal()
        person = model.applicant
        if principal.has_permission("core.person.view_id_number"):
            return f"{person.name}（{person.id_number}）"
        return f"{person.name}（{person.masked_id_number}）"

    column_formatters = {"amount": _money, "claimed_amount": _money}
    column_formatters_detail = {
        "amount": _money,
        "claimed_amount": _money,
        "applicant": _applicant,
        "eligible": lambda v, c, m, n: (
            "" if m.eligible is None else ("符合" if m.eligible else "不符合")
        ),
        "payee_account": lambda v, c, m, n: (
            ("*" * max(0, len(m.payee_account) - 4) + m.payee_account[-4:])
            if m.payee_account
            else ""
        ),
        "accepted_office": lambda v, c, m, n: accepted_office_name(v.session, m),
    }

    def on_model_change(self, form: Any, model: AssistanceApplication, is_created: bool) -> None:
        """Details that the assessment uses may change only before the case is assessed."""
        for name in ("category", "care_level", "temporary_kind", "cause", "payee_bank"):
            if getattr(model, name) == "":
                setattr(model, name, None)
        state = orm_inspect(model)
        locked = (
            "category",
            "care_level",
            "temporary_kind",
            "cause",
            "claimed_amount",
            "statement",
        )
        changed = [name for name in locked if _changed(state, name)]
        if changed and model.state not in ("submitted", "accepted", "verifying"):
            raise AssistanceError("案件已评估，申请内容不能再修改；如需更正请退回重新核对")
        payee_changed = any(_changed(state, name) for name in ("payee_bank", "payee_account"))
        if (
            payee_changed
            and model.state not in ("submitted", "accepted", "verifying", "assessed", "notice")
            and not self.principal().has_permission("assistance.enrolment.manage")
        ):
            raise AssistanceError("已办结案件的收款账号须由乡镇（街道）救助经办人员修改")
        set_payee(model, model.payee_bank, model.payee_account)
        super().on_model_change(form, model, is_created)  # type: ignore[misc]

    def menu_links(self) -> list[tuple[str, str]]:
        return [
            ("窗口受理", self.get_url(".intake_view")),  # type: ignore[attr-defined]
            ("按身份证号查询", self.get_url(".lookup_view")),  # type: ignore[attr-defined]
        ]

    def extra_details(self, record: AssistanceApplication) -> list[Any]:
        """Members, authorisations, tasks, the working of the assessment, notices, objections."""
        principal = self.principal()
        groups = []
        actions = []
        if record.state in ("submitted", "accepted", "verifying") and principal.has_permission(
            "assistance.application.accept"
        ):
            actions.append(_button(self.get_url(".consent_view", id=record.id), "上传授权书"))  # type: ignore[attr-defined]
        if record.state == "notice" and principal.has_permission("assistance.objection.record"):
            actions.append(_button(self.get_url(".objection_view", id=record.id), "登记公示异议"))  # type: ignore[attr-defined]
        if record.state == "approved" and principal.has_permission("assistance.payment.adjust"):
            actions.append(_button(self.get_url(".supplement_view", id=record.id), "补发"))  # type: ignore[attr-defined]
        if actions:
            groups.append(_Group("办理", [("可办理", Markup("").join(actions))]))
        groups.append(
            _Group(
                f"计入人员（{len(record.members)} 人）",
                [(m.person.name, m.person.relation or "") for m in record.members],
            )
        )
        if record.consents:
            groups.append(
                _Group(
                    "授权书（一证一书）",
                    [
                        (
                            f"{c.signed_on} {c.signer_name}（{c.signer_relation}）",
                            Markup('{}　<a href="{}">{}</a>').format(
                                c.scope_label,
                                url_for("assistance_consent.download_view", id=c.id),
                                c.file_name,
                            ),
                        )
                        for c in record.consents
                    ],
                )
            )
        if record.tasks:
            groups.append(
                _Group(
                    "核对任务",
                    [
                        (
                            t.check_label,
                            f"{t.department}｜{TASK_WORKFLOW.states[t.state]}｜"
                            + (t.verdict or f"应于 {t.due_on} 前完成"),
                        )
                        for t in record.tasks
                    ],
                )
            )
        assessment = record.latest_assessment
        if assessment is not None:
            groups.append(
                _Group(
                    f"评估计算过程（{assessment.created_at:%Y-%m-%d}，{assessment.created_by}）",
                    [
                        (str(n), line.split(". ", 1)[-1])
                        for n, line in enumerate(assessment.breakdown.splitlines(), 1)
                    ],
                )
            )
        if record.notices:
            groups.append(
                _Group(
                    "公示",
                    [
                        (f"{n.starts_on} 至 {n.ends_on}", n.closed_reason or "公示中")
                        for n in record.notices
                    ],
                )
            )
        if record.objections:
            groups.append(
                _Group("公示异议", [(str(o.received_on), o.content) for o in record.objections])
            )
        return groups

    @expose("/intake/", methods=["GET", "POST"])
    def intake_view(self) -> Any:
        """窗口受理：身份证号 + 授权书, for any programme (一门受理)."""
        principal = self.require("assistance.application.accept")
        form = _form(IntakeForm)
        if request.method == "POST" and form.validate():
            try:
                application = create_application(
                    self.session,  # type: ignore[attr-defined]
                    actor=principal,
                    id_number=form.id_number.data,
                    programme_code=form.programme.data,
                    channel=form.channel.data,
                    category=form.category.data or None,
                    care_level=form.care_level.data or None,
                    temporary_kind=form.temporary_kind.data or None,
                    cause=form.cause.data or None,
                    claimed_amount=form.claimed_amount.data or None,
                    statement=form.statement.data or "",
                    accept=form.channel.data == "window",
                )
                set_payee(application, form.payee_bank.data, form.payee_account.data)
                self.session.commit()  # type: ignore[attr-defined]
            except (AssistanceError, IntegrityError) as exc:
                self.refuse(
                    exc
                    if isinstance(exc, AssistanceError)
                    else AssistanceError("与另一份同时提交的申请重复，请刷新后重试")
                )
            else:
                flash(
                    f"已{'受理' if application.state == 'accepted' else '登记'}：{application}",
                    "success",
                )
                return redirect(self.get_url(".details_view", id=application.id))  # type: ignore[attr-defined]
        else:
            _form_errors(form)
        return self.form_page(
            "窗口受理（一证一书）",
            form,
            "受理",
            intro="申请人只需提供身份证和签字的核对授权书；任何窗口均可受理任何救助项目，案件归属申请人户籍所在地。",
        )

    @expose("/lookup/", methods=["GET", "POST"])
    def lookup_view(self) -> Any:
        """办理进度：a resident's cases within the account's scope, found by identity number."""
        principal = self.principal()
        form = _form(LookupForm)
        rows: list[list[Any]] = []
        heading = "按身份证号查询办理进度"
        if request.method == "POST" and form.validate():
            try:
                person = find_resident(self.session, form.id_number.data)  # type: ignore[attr-defined]
            except AssistanceError as exc:
                flash(str(exc), "error")
            else:
                cases = self.session.scalars(  # type: ignore[attr-defined]
                    select(AssistanceApplication)
                    .where(AssistanceApplication.scope_clause(principal.scope_code))
                    .where(
                        (AssistanceApplication.applicant_id == person.id)
                        | (AssistanceApplication.household_id == person.household_id)
                    )
                    .order_by(AssistanceApplication.id.desc())
                ).all()
                heading = f"{person.name}（{mask_id_number(person.id_number)}）的救助申请"
                rows = [
                    [
                        Markup('<a href="{}">{}</a>').format(
                            self.get_url(".details_view", id=a.id), a
                        ),  # type: ignore[attr-defined]
                        a.programme_title,
                        APPLICATION_WORKFLOW.states[a.state],
                        a.submitted_at.date(),
                        "" if a.amount is None else yuan(a.amount),
                    ]
                    for a in cases
                ]
                if not rows:
                    flash("您的辖区内没有该居民的救助申请", "info")
        if rows:
            return self.table_page(
                heading, ["申请", "救助项目", "状态", "提交日期", "评估金额"], rows
            )
        return self.form_page(heading, form, "查询")

    @expose("/consent/", methods=["GET", "POST"])
    def consent_view(self) -> Any:
        """上传授权书 for one case."""
        principal = self.require("assistance.application.accept")
        application = self.record_from_args()
        form = _form(ConsentForm)
        if request.method == "GET":
            from plugins.assistance.verification import required_checks

            form.signer_name.data = application.applicant.name
            form.signed_on.data = clock.today(self.session)  # type: ignore[attr-defined]
            form.scope.data = required_checks(application, self.settings()) or list(DATA_CHECKS)
        elif form.validate():
            upload = request.files.get("file")
            try:
                record_consent(
                    self.session,  # type: ignore[attr-defined]
                    application,
                    actor=principal,
                    signer_name=form.signer_name.data,
                    signer_relation=form.signer_relation.data,
                    signed_on=form.signed_on.data,
                    scope=form.scope.data,
                    file_name=upload.filename if upload else "",
                    content=upload.read() if upload else b"",
                )
                self.session.commit()  # type: ignore[attr-defined]
            except AssistanceError as exc:
                self.refuse(exc)
            else:
                flash("授权书已上传", "success")
                return redirect(self.get_url(".details_view", id=application.id))  # type: ignore[attr-defined]
        else:
            _form_errors(form)
        return self.form_page(
            f"上传授权书：{application}",
            form,
            "上传",
            cancel_url=self.get_url(".details_view", id=application.id),  # type: ignore[attr-defined]
            facts=[
                ("申请人", str(application.applicant)),
                ("救助项目", application.programme_title),
            ],
        )

    @expose("/objection/", methods=["GET", "POST"])
    def objection_view(self) -> Any:
        """登记公示异议: the case goes back to verification."""
        principal = self.require("assistance.objection.record")
        application = self.record_from_args()
        form = _form(ObjectionForm)
        if request.method == "GET":
            form.received_on.data = clock.today(self.session)  # type: ignore[attr-defined]
        elif form.validate():
            try:
                record_objection(
                    self.session,  # type: ignore[attr-defined]
                    application,
                    actor=principal,
                    content=form.content.data,
                    received_on=form.received_on.data,
                    objector=form.objector.data,
                    contact=form.contact.data,
                )
                self.session.commit()  # type: ignore[attr-defined]
            except AssistanceError as exc:
                self.refuse(exc)
            else:
                flash("异议已登记，案件已退回核对", "success")
                return redirect(self.get_url(".details_view", id=application.id))  # type: ignore[attr-defined]
        else:
            _form_errors(form)
        notice = application.open_notice
        return self.form_page(
            f"登记公示异议：{application}",
            form,
            "登记并退回核对",
            cancel_url=self.get_url(".details_view", id=application.id),  # type: ignore[attr-defined]
            facts=[("公示期", f"{notice.starts_on} 至 {notice.ends_on}" if notice else "未在公示")],
        )

    @expose("/supplement/", methods=["GET", "POST"])
    def supplement_view(self) -> Any:
        """补发: an extra amount paid in the next batch."""
        from plugins.assistance.payments import request_supplement

        principal = self.require("assistance.payment.adjust")
        application = self.record_from_args()
        form = _form(AmountReasonForm)
        if request.method == "POST" and form.validate():
            try:
                request_supplement(
                    self.session,  # type: ignore[attr-defined]
                    application,
                    _decimal(form.amount.data, "金额"),
                    form.reason.data,
                    principal.label,
                )
                self.session.commit()  # type: ignore[attr-defined]
            except AssistanceError as exc:
                self.refuse(exc)
            else:
                flash("补发已登记，将在下一发放批次中发放", "success")
                return redirect(self.get_url(".details_view", id=application.id))  # type: ignore[attr-defined]
        else:
            _form_errors(form)
        return self.form_page(
            f"补发：{application}",
            form,
            "登记补发",
            cancel_url=self.get_url(".details_view", id=application.id),  # type: ignore[attr-defined]
        )


class ConsentMixin(_Common):
    """授权书: filed authorisations; the scan is downloaded, never shown inline."""

    permission = "assistance.view"
    column_list = [
        "application",
        "signer_name",
        "signer_relation",
        "signed_on",
        "scope",
        "file_name",
        "recorded_at",
    ]
    column_details_list = [*column_list, "file_type", "file_size", "file_sha256", "recorded_by"]
    column_labels = {
        "application": "申请",
        "signer_name": "签字人",
        "signer_relation": "与申请人关系",
        "signed_on": "签字日期",
        "scope": "授权核对项目",
        "file_name": "扫描件",
        "file_type": "文件类型",
        "file_size": "大小（字节）",
        "file_sha256": "SHA-256",
        "recorded_at": "上传时间",
        "recorded_by": "上传人",
    }
    column_formatters = {
        "scope": lambda v, c, m, n: m.scope_label,
        "file_name": lambda v, c, m, n: Markup('<a href="{}">{}</a>').format(
            v.get_url(".download_view", id=m.id), m.file_name
        ),
    }
    column_formatters_detail = column_formatters
    column_default_sort = ("id", True)

    @expose("/download/")
    def download_view(self) -> Any:
        """The scanned authorisation, for staff who can see the case."""
        consent = self.record_from_args()
        return Response(
            consent.file_content,
            mimetype=consent.file_type or "application/octet-stream",
            headers={"Content-Disposition": f"attachment; filename=consent-{consent.id}"},
        )


# --- verification -----------------------------------------------------------------------------


class UploadForm(Form):
    """上传核对数据文件."""

    check = SelectField("核对项目", choices=_select([(c, CHECKS[c]) for c in DATA_CHECKS]))
    department = StringField(
        "核对部门", validators=[DataRequired("请填写核对部门"), Length(max=100)]
    )
    file = FileField("CSV 文件（表头：身份证号,金额,说明）")


class TaskMixin(_Common):
    """核对任务: by department and due date; results entered by staff or fetched from sources."""

    permission = "assistance.view"
    manage_permission = "assistance.verification.handle"
    allow_create = False
    allow_delete = False
    column_list = [
        "application",
        "check",
        "department",
        "due_on",
        "state",
        "amount",
        "verdict",
        "source",
        "locality",
    ]
    column_details_list = [*column_list, "evidence", "completed_at", "completed_by", "created_at"]
    column_labels = {
        "application": "申请",
        "check": "核对项目",
        "department": "核对部门",
        "due_on": "办理时限",
        "state": "状态",
        "amount": "核对金额",
        "verdict": "核对结论",
        "source": "数据来源",
        "locality": "所属区划",
        "evidence": "核对依据",
        "completed_at": "完成时间",
        "completed_by": "办理人",
        "created_at": "派发时间",
    }
    column_choices = {
        "check": _choices(CHECKS),
        "state": list(TASK_WORKFLOW.states.items()),
        "source": [("manual", "人工录入"), ("file", "部门数据文件")],
    }
    column_filters = ["department", "check", "state", "due_on"]
    column_default_sort = ("due_on", False)
    column_formatters = {"amount": _money}
    form_columns = ["amount", "verdict", "evidence"]
    form_choices = {
        "verdict": [
            ("", "—（数据核对项目由系统按金额生成）"),
            ("异议成立", "异议成立"),
            ("异议不成立", "异议不成立"),
        ]
    }
    form_args = {"amount": {"description": "月收入或资产价值（元）；无记录填 0"}}

    def on_model_change(self, form: Any, model: AssistanceTask, is_created: bool) -> None:
        """Only a pending task of a case in verification may be edited."""
        if model.state != "pending":
            raise AssistanceError("已完成的核对任务不能修改；如需更正，请先执行“重新核对”")
        if model.application.state != "verifying":
            raise AssistanceError("申请不在核对阶段，不能修改核对任务")
        if model.amount is not None and model.amount < 0:
            raise AssistanceError("核对金额不能为负数")
        super().on_model_change(form, model, is_created)  # type: ignore[misc]

    def menu_links(self) -> list[tuple[str, str]]:
        return [("逾期未完成的核对", self.get_url(".overdue_view"))]  # type: ignore[attr-defined]

    @expose("/overdue/")
    def overdue_view(self) -> Any:
        """Pending tasks past their due date, by department (协同办理's reminders)."""
        principal = self.principal()
        today = clock.today(self.session)  # type: ignore[attr-defined]
        tasks = self.session.scalars(  # type: ignore[attr-defined]
            select(AssistanceTask)
            .where(AssistanceTask.scope_clause(principal.scope_code))
            .where(AssistanceTask.state == "pending", AssistanceTask.due_on < today)
            .options(joinedload(AssistanceTask.application))
            .order_by(AssistanceTask.department, AssistanceTask.due_on)
            .limit(1000)
        ).all()
        rows = [
            [
                t.department,
                Markup('<a href="{}">{}</a>').format(
                    self.get_url(".details_view", id=t.id), t.check_label
                ),  # type: ignore[attr-defined]
                str(t.application),
                t.due_on,
                f"{(today - t.due_on).days} 天",
            ]
            for t in tasks
        ]
        return self.table_page(
            "逾期未完成的核对任务", ["核对部门", "核对项目", "申请", "办理时限", "已逾期"], rows
        )


class SourceUploadMixin(_Common):
    """核对数据文件: departments' CSV files; each answers the pending tasks it covers."""

    permission = "assistance.view"
    column_list = [
        "check",
        "department",
        "file_name",
        "rows",
        "answered",
        "uploaded_at",
        "uploaded_by",
        "locality",
    ]
    column_labels = {
        "check": "核对项目",
        "department": "核对部门",
        "file_name": "文件名",
        "rows": "行数",
        "answered": "据此完成的任务",
        "uploaded_at": "上传时间",
        "uploaded_by": "上传人",
        "locality": "上传单位",
        "file_sha256": "SHA-256",
    }
    column_choices = {"check": _choices(CHECKS)}
    column_default_sort = ("id", True)

    def menu_links(self) -> list[tuple[str, str]]:
        return [("上传核对数据文件", self.get_url(".upload_view"))]  # type: ignore[attr-defined]

    @expose("/upload/", methods=["GET", "POST"])
    def upload_view(self) -> Any:
        """Upload a department's file; every line is checked before anything is stored."""
        from plugins.assistance.sources import upload_source_file

        principal = self.require("assistance.source.upload")
        form = _form(UploadForm)
        if request.method == "GET":
            form.department.data = self.settings()["departments"]["income"]
        elif form.validate():
            upload = request.files.get("file")
            try:
                result = upload_source_file(
                    self.session,  # type: ignore[attr-defined]
                    check=form.check.data,
                    department=form.department.data,
                    file_name=upload.filename if upload else "",
                    content=upload.read() if upload else b"",
                    scope_code=principal.scope_code,
                    actor_label=principal.label,
                )
                self.session.commit()  # type: ignore[attr-defined]
            except AssistanceError as exc:
                self.refuse(exc)
            else:
                flash(f"已导入 {result.rows} 行，据此完成核对任务 {result.answered} 项", "success")
                return redirect(self.get_url(".index_view"))  # type: ignore[attr-defined]
        else:
            _form_errors(form)
        return self.form_page(
            "上传核对数据文件",
            form,
            "上传",
            intro="CSV 文件第一行为表头：身份证号,金额,说明。"
            "月收入类填每月金额，资产类填价值，无记录填 0。"
            "任何一行有误则整个文件不导入，并列出所有错误行。",
        )


# --- notices and objections -------------------------------------------------------------------


class NoticeMixin(_Common):
    """公示: proposed recipients shown on the portal (names masked)."""

    permission = "assistance.view"
    column_list = [
        "application",
        "programme",
        "masked_name",
        "persons",
        "amount",
        "starts_on",
        "ends_on",
        "closed_reason",
    ]
    column_labels = {
        "application": "申请",
        "programme": "救助项目",
        "masked_name": "公示姓名",
        "persons": "人数",
        "amount": "拟救助金额",
        "starts_on": "公示开始",
        "ends_on": "公示结束",
        "published_at": "发布时间",
        "published_by": "发布人",
        "closed_at": "结束时间",
        "closed_reason": "结束原因",
        "locality": "所属区划",
    }
    column_choices = {"programme": PROGRAMME_CHOICES}
    column_filters = ["programme", "starts_on", "ends_on"]
    column_formatters = {
        "amount": _money,
        "closed_reason": lambda v, c, m, n: m.closed_reason or "公示中",
    }
    column_default_sort = ("id", True)


class ObjectionMixin(_Common):
    """公示异议: recorded from a case in notice; each sends the case back to verification."""

    permission = "assistance.view"
    column_list = ["application", "received_on", "content", "objector", "contact", "recorded_by"]
    column_labels = {
        "application": "申请",
        "notice": "公示",
        "received_on": "收到日期",
        "content": "异议内容",
        "objector": "异议人",
        "contact": "联系方式",
        "recorded_at": "登记时间",
        "recorded_by": "登记人",
        "locality": "所属区划",
    }
    column_formatters = {"contact": lambda v, c, m, n: mask_phone(m.contact) if m.contact else ""}
    column_formatters_detail = column_formatters
    column_default_sort = ("id", True)


# --- enrolments and reviews -------------------------------------------------------------------


def _masked_account(view: Any, context: Any, model: Any, name: str) -> str:
    return model.masked_payee_account


class EnrolmentMixin(_Common):
    """救助对象: approved 低保 and 特困 cases, paid monthly until they end."""

    permission = "assistance.view"
    manage_permission = "assistance.enrolment.manage"
    allow_create = False
    allow_delete = False
    column_list = [
        "person",
        "programme",
        "locality",
        "start_on",
        "monthly_amount",
        "persons",
        "state",
        "ended_on",
    ]
    column_details_list = [
        *column_list,
        "category",
        "application",
        "payee_bank",
        "payee_account",
        "end_reason",
    ]
    column_labels = {
        "person": "领款人",
        "programme": "救助项目",
        "locality": "所属区划",
        "start_on": "起始日期",
        "monthly_amount": "月救助金额",
        "persons": "保障人数",
        "state": "状态",
        "ended_on": "停发日期",
        "category": "低保分类",
        "application": "申请",
        "payee_bank": "收款银行",
        "payee_account": "收款账号",
        "end_reason": "暂停或退出原因",
        "person.name": "领款人姓名",
    }
    column_choices = {
        "programme": PROGRAMME_CHOICES,
        "state": list(ENROLMENT_WORKFLOW.states.items()),
        "category": _choices(CATEGORIES),
    }
    column_filters = ["programme", "state", "start_on"]
    column_searchable_list = ["person.name"]
    column_formatters = {"monthly_amount": _money, "payee_account": _masked_account}
    column_formatters_detail = column_formatters
    form_columns = ["payee_bank", "payee_account"]

    def on_model_change(self, form: Any, model: AssistanceEnrolment, is_created: bool) -> None:
        """Check the bank account before it is saved."""
        set_payee(model, model.payee_bank, model.payee_account)
        super().on_model_change(form, model, is_created)  # type: ignore[misc]

    def extra_details(self, record: AssistanceEnrolment) -> list[Any]:
        """The enrolment's reviews and its latest payments."""
        payments = self.session.scalars(  # type: ignore[attr-defined]
            select(AssistancePayment)
            .where(AssistancePayment.application_id == record.application_id)
            .order_by(AssistancePayment.id.desc())
            .limit(12)
        ).all()
        return [
            _Group(
                "复核",
                [
                    (
                        str(r.due_on),
                        REVIEW_OUTCOMES.get(r.outcome or "", REVIEW_WORKFLOW.states[r.state]),
                    )
                    for r in record.reviews
                ],
            ),
            _Group(
                "最近发放",
                [
                    (
                        p.period,
                        f"{AssistancePayment.KIND_LABELS.get(p.kind, p.kind)} {yuan(p.amount)}",
                    )
                    for p in payments
                ],
            ),
        ]


class ReviewMixin(_Common):
    """复核: due dates by programme and category; the outcome is the workflow button pressed."""

    permission = "assistance.view"
    manage_permission = "assistance.review.handle"
    allow_create = False
    allow_delete = False
    column_list = [
        "enrolment",
        "locality",
        "due_on",
        "state",
        "outcome",
        "new_amount",
        "completed_at",
    ]
    column_details_list = [*column_list, "findings", "completed_by"]
    column_labels = {
        "enrolment": "救助对象",
        "locality": "所属区划",
        "due_on": "应复核日期",
        "state": "状态",
        "outcome": "复核结果",
        "new_amount": "调整后月金额",
        "findings": "复核情况",
        "completed_at": "完成时间",
        "completed_by": "复核人",
    }
    column_choices = {
        "state": list(REVIEW_WORKFLOW.states.items()),
        "outcome": list(REVIEW_OUTCOMES.items()),
    }
    column_filters = ["state", "due_on", "outcome"]
    column_default_sort = ("due_on", False)

    def _due(view: Any, context: Any, model: AssistanceReview, name: str) -> str:
        today = clock.today(view.session)
        if model.state == "due" and model.due_on < today:
            return f"{model.due_on}（逾期 {(today - model.due_on).days} 天）"
        return str(model.due_on)

    column_formatters = {"new_amount": _money, "due_on": _due}
    form_columns = ["findings", "new_amount"]
    form_args = {"new_amount": {"description": "仅“调整金额”时填写"}}

    def on_model_change(self, form: Any, model: AssistanceReview, is_created: bool) -> None:
        """A finished review is history."""
        if model.state != "due":
            raise AssistanceError("已完成的复核不能修改")
        if model.new_amount is not None and model.new_amount <= 0:
            raise AssistanceError("调整后的月金额必须大于 0")
        super().on_model_change(form, model, is_created)  # type: ignore[misc]

    def menu_links(self) -> list[tuple[str, str]]:
        return [("逾期未复核", self.get_url(".overdue_view"))]  # type: ignore[attr-defined]

    @expose("/overdue/")
    def overdue_view(self) -> Any:
        """Reviews still due after their date, oldest first."""
        principal = self.principal()
        today = clock.today(self.session)  # type: ignore[attr-defined]
        reviews = self.session.scalars(
            overdue_reviews(principal.scope_code, today).limit(1000)
        ).all()  # type: ignore[attr-defined]
        rows = [
            [
                Markup('<a href="{}">{}</a>').format(
                    self.get_url(".details_view", id=r.id), r.enrolment
                ),  # type: ignore[attr-defined]
                r.enrolment.person.name,
                r.locality.name,
                r.due_on,
                f"{(today - r.due_on).days} 天",
            ]
            for r in reviews
        ]
        return self.table_page(
            f"逾期未复核（截至 {today}，共 {len(rows)} 条）",
            ["救助对象", "领款人", "所属区划", "应复核日期", "已逾期"],
            rows,
            empty="没有逾期未复核的救助对象。",
        )


# --- payments ---------------------------------------------------------------------------------


class BatchForm(Form):
    """生成发放批次."""

    period = StringField("发放月份（YYYY-MM）", validators=[DataRequired("请填写发放月份")])


class BatchMixin(_Common):
    """发放批次: one per county and month; lines written set-based, totals and digest kept here."""

    permission = "assistance.view"
    column_list = [
        "period",
        "locality",
        "line_count",
        "total",
        "created_at",
        "created_by",
        "exported_count",
    ]
    column_details_list = [*column_list, "digest", "last_exported_at", "last_exported_by"]
    column_labels = {
        "period": "发放月份",
        "locality": "发放范围",
        "line_count": "笔数",
        "total": "合计金额",
        "created_at": "生成时间",
        "created_by": "生成人",
        "exported_count": "导出次数",
        "digest": "明细摘要（SHA-256）",
        "last_exported_at": "最近导出时间",
        "last_exported_by": "最近导出人",
    }
    column_formatters = {"total": _money}
    column_formatters_detail = column_formatters
    column_default_sort = ("period", True)

    def menu_links(self) -> list[tuple[str, str]]:
        return [("生成发放批次", self.get_url(".run_view"))]  # type: ignore[attr-defined]

    def extra_details(self, record: AssistanceBatch) -> list[Any]:
        """Whether the lines still match, and the bank file downloads."""
        from plugins.assistance.payments import verify_batch

        rows: list[tuple[str, Any]] = [
            (
                "明细核验",
                "一致" if verify_batch(self.session, record) else "不一致：明细在生成后被改动",
            )  # type: ignore[attr-defined]
        ]
        if self.principal().has_permission("assistance.payment.export"):
            url = self.get_url(".export_view")  # type: ignore[attr-defined]
            rows.append(
                (
                    "银行代发文件",
                    _post_button(url, "下载 CSV", id=str(record.id), format="csv")
                    + _post_button(url, "下载 Excel", id=str(record.id), format="xlsx"),
                )
            )
        return [_Group("发放", rows)]

    @expose("/run/", methods=["GET", "POST"])
    def run_view(self) -> Any:
        """Create a month's batch for the account's county; running it again changes nothing."""
        from plugins.assistance.payments import run_batch_and_commit

        principal = self.require("assistance.payment.run")
        form = _form(BatchForm)
        if request.method == "GET":
            form.period.data = clock.month_of(clock.today(self.session))  # type: ignore[attr-defined]
        elif form.validate():
            try:
                result = run_batch_and_commit(
                    self.session,  # type: ignore[attr-defined]
                    period=form.period.data.strip(),
                    scope_code=principal.scope_code,
                    actor_label=principal.label,
                )
            except AssistanceError as exc:
                self.refuse(exc)
            else:
                flash(result.message, "success" if result.created else "info")
                if result.batch is not None:
                    return redirect(self.get_url(".details_view", id=result.batch.id))  # type: ignore[attr-defined]
                return redirect(self.get_url(".index_view"))  # type: ignore[attr-defined]
        else:
            _form_errors(form)
        return self.form_page(
            "生成发放批次",
            form,
            "生成",
            intro="为本县所有在保对象生成当月发放明细，同时发放已批准未发放的一次性救助和待结算的调整。"
            "同一月份只会生成一个批次；重复操作不会重复发放。",
        )

    @expose("/export/", methods=["POST"])
    def export_view(self) -> Any:
        """The bank payment file (CSV or XLSX) of one batch."""
        from plugins.assistance.payments import bank_file

        principal = self.require("assistance.payment.export")
        batch = self.get_one(request.form.get("id", ""))  # type: ignore[attr-defined]
        fmt = request.form.get("format", "csv")
        try:
            content = bank_file(self.session, batch, fmt, principal.label)  # type: ignore[attr-defined]
            self.session.commit()  # type: ignore[attr-defined]
        except AssistanceError as exc:
            self.refuse(exc)
            return redirect(self.get_url(".details_view", id=batch.id))  # type: ignore[attr-defined]
        mimetype = (
            "text/csv; charset=utf-8"
            if fmt == "csv"
            else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        return Response(
            content,
            mimetype=mimetype,
            headers={
                "Content-Disposition": f"attachment; filename=assistance-{batch.period}.{fmt}"
            },
        )


class PaymentMixin(_Common):
    """发放记录: append-only lines; a wrong line is reversed in the next batch."""

    permission = "assistance.view"
    column_list = [
        "batch",
        "period",
        "programme",
        "kind",
        "person",
        "persons",
        "amount",
        "locality",
    ]
    column_labels = {
        "batch": "批次",
        "period": "月份",
        "programme": "救助项目",
        "kind": "类型",
        "person": "领款人",
        "persons": "人数",
        "amount": "金额",
        "locality": "所属区划",
        "created_at": "生成时间",
        "person.name": "领款人姓名",
    }
    column_choices = {
        "programme": PROGRAMME_CHOICES,
        "kind": list(AssistancePayment.KIND_LABELS.items()),
    }
    column_filters = ["period", "programme", "kind"]
    column_searchable_list = ["person.name"]
    column_formatters = {"amount": _money}
    column_formatters_detail = column_formatters
    column_default_sort = ("id", True)

    def extra_details(self, record: AssistancePayment) -> list[Any]:
        """The reversal button for staff allowed to correct payments."""
        if record.kind == "adjustment" or record.amount <= 0:
            return []
        reversed_by = self.session.scalar(  # type: ignore[attr-defined]
            select(AssistanceAdjustment.id).where(
                AssistanceAdjustment.reverses_payment_id == record.id
            )
        )
        if reversed_by is not None:
            return [_Group("更正", [("冲正", f"已申请冲正（调整#{reversed_by}）")])]
        if not self.principal().has_permission("assistance.payment.adjust"):
            return []
        return [
            _Group(
                "更正", [("冲正", _button(self.get_url(".reverse_view", id=record.id), "申请冲正"))]
            )
        ]  # type: ignore[attr-defined]

    @expose("/reverse/", methods=["GET", "POST"])
    def reverse_view(self) -> Any:
        """冲正 a line: a negative line in the next batch, with a reason."""
        from plugins.assistance.payments import request_reversal

        principal = self.require("assistance.payment.adjust")
        payment = self.record_from_args()
        form = _form(ReasonForm)
        if request.method == "POST" and form.validate():
            try:
                request_reversal(self.session, payment, form.reason.data, principal.label)  # type: ignore[attr-defined]
                self.session.commit()  # type: ignore[attr-defined]
            except AssistanceError as exc:
                self.refuse(exc)
            else:
                flash("冲正已登记，将在下一发放批次中扣回", "success")
                return redirect(self.get_url(".details_view", id=payment.id))  # type: ignore[attr-defined]
        else:
            _form_errors(form)
        return self.form_page(
            f"冲正：{payment}",
            form,
            "申请冲正",
            facts=[("领款人", payment.person.name), ("金额", yuan(payment.amount))],
        )


class AdjustmentMixin(_Common):
    """发放调整: reversals and supplements waiting for, or settled by, a batch."""

    permission = "assistance.view"
    column_list = [
        "application",
        "programme",
        "amount",
        "reason",
        "requested_at",
        "requested_by",
        "locality",
    ]
    column_labels = {
        "application": "申请",
        "programme": "救助项目",
        "amount": "金额",
        "reason": "理由",
        "requested_at": "登记时间",
        "requested_by": "登记人",
        "locality": "所属区划",
    }
    column_choices = {"programme": PROGRAMME_CHOICES}
    column_formatters = {"amount": _money}
    column_default_sort = ("id", True)


class CoverageMixin(_Common):
    """保障统计: per batch, programme and village; the report sums them for any scope and months."""

    permission = "assistance.view"
    column_list = ["period", "programme", "locality", "households", "persons", "amount"]
    column_labels = {
        "period": "月份",
        "programme": "救助项目",
        "locality": "区划",
        "households": "户数",
        "persons": "人数",
        "amount": "金额",
        "batch": "批次",
    }
    column_choices = {"programme": PROGRAMME_CHOICES}
    column_filters = ["period", "programme"]
    column_formatters = {"amount": _money}
    column_default_sort = [("period", True), ("locality_code", False)]

    def menu_links(self) -> list[tuple[str, str]]:
        return [("保障统计报表", self.get_url(".report_view"))]  # type: ignore[attr-defined]

    @expose("/report/")
    def report_view(self) -> Any:
        """Enrolled households and persons now, and payments by month and by place."""
        principal = self.principal()
        today = clock.today(self.session)  # type: ignore[attr-defined]
        default_to = clock.month_of(today)
        default_from = clock.month_of(clock.add_months(today.replace(day=1), -11))
        period_from = request.args.get("from") or default_from
        period_to = request.args.get("to") or default_to
        for value in (period_from, period_to):
            try:
                clock.parse_period(value)
            except ValueError as exc:
                flash(str(exc), "error")
                period_from, period_to = default_from, default_to
        place = self.session.get(Locality, principal.scope_code)  # type: ignore[attr-defined]
        report = coverage_report(self.session, principal.scope_code, period_from, period_to)  # type: ignore[attr-defined]
        return self.render(  # type: ignore[attr-defined]
            "assistance/admin/coverage.html",
            report=report,
            place=place.name if place else principal.scope_code,
            money=yuan,
            back_url=self.get_url(".index_view"),  # type: ignore[attr-defined]
        )


# --- the care fund ----------------------------------------------------------------------------


class CareFundMixin(_Common):
    """党内关爱资金: one fund per county; its balance is changed only by ledger entries."""

    permission = "assistance.view"
    manage_permission = "assistance.care_fund.manage"
    allow_edit = False
    allow_delete = False
    column_list = ["name", "locality", "balance", "raised", "granted", "created_at"]
    column_labels = {
        "name": "名称",
        "locality": "所属区划",
        "balance": "余额",
        "raised": "累计筹集",
        "granted": "累计资助",
        "created_at": "设立时间",
    }
    column_formatters = {"balance": _money, "raised": _money, "granted": _money}
    column_formatters_detail = column_formatters
    form_columns = ["name", "locality"]

    def on_model_change(self, form: Any, model: CareFund, is_created: bool) -> None:
        """A new fund starts empty and sits at county level or above."""
        from core.localities import level_of

        code = model.locality.code if model.locality is not None else model.locality_code
        if not code or level_of(code).value not in ("province", "city", "county"):
            raise AssistanceError("党内关爱资金设在县级及以上")
        if is_created:
            model.balance = model.raised = model.granted = Decimal("0")
        super().on_model_change(form, model, is_created)  # type: ignore[misc]

    def extra_details(self, record: CareFund) -> list[Any]:
        """The contribution button."""
        if not self.principal().has_permission("assistance.care_fund.manage"):
            return []
        return [
            _Group(
                "资金",
                [("筹集", _button(self.get_url(".raise_view", id=record.id), "登记筹集资金"))],
            )
        ]  # type: ignore[attr-defined]

    @expose("/raise/", methods=["GET", "POST"])
    def raise_view(self) -> Any:
        """登记筹集: money in, with where it came from."""
        from plugins.assistance.carefund import raise_funds

        principal = self.require("assistance.care_fund.manage")
        fund = self.record_from_args()
        form = _form(AmountReasonForm)
        form.reason.label.text = "资金来源"
        if request.method == "POST" and form.validate():
            try:
                raise_funds(
                    self.session,
                    fund,
                    _decimal(form.amount.data, "金额"),
                    form.reason.data,
                    principal.label,
                )  # type: ignore[attr-defined]
                self.session.commit()  # type: ignore[attr-defined]
            except AssistanceError as exc:
                self.refuse(exc)
            else:
                flash("已登记筹集资金", "success")
                return redirect(self.get_url(".details_view", id=fund.id))  # type: ignore[attr-defined]
        else:
            _form_errors(form)
        return self.form_page(
            f"登记筹集资金：{fund}", form, "登记", facts=[("当前余额", yuan(fund.balance))]
        )


class CareFundEntryMixin(_Common):
    """关爱资金台账: append-only; a grant is corrected by a reversal entry."""

    permission = "assistance.view"
    column_list = ["fund", "kind", "amount", "balance_after", "note", "created_at", "created_by"]
    column_labels = {
        "fund": "资金",
        "kind": "类型",
        "amount": "金额",
        "balance_after": "余额",
        "note": "说明",
        "created_at": "时间",
        "created_by": "经办人",
        "locality": "所属区划",
    }
    column_choices = {"kind": list(CareFundEntry.KIND_LABELS.items())}
    column_filters = ["kind"]
    column_formatters = {"amount": _money, "balance_after": _money}
    column_formatters_detail = column_formatters
    column_default_sort = ("id", True)

    def extra_details(self, record: CareFundEntry) -> list[Any]:
        """The reversal button for grants."""
        if record.kind != "grant" or not self.principal().has_permission(
            "assistance.care_fund.manage"
        ):
            return []
        return [
            _Group(
                "更正",
                [("冲正", _button(self.get_url(".reverse_view", id=record.id), "冲正此笔资助"))],
            )
        ]  # type: ignore[attr-defined]

    @expose("/reverse/", methods=["GET", "POST"])
    def reverse_view(self) -> Any:
        """Return a grant to the fund with a reason."""
        from plugins.assistance.carefund import reverse_grant

        principal = self.require("assistance.care_fund.manage")
        entry = self.record_from_args()
        form = _form(ReasonForm)
        if request.method == "POST" and form.validate():
            try:
                reverse_grant(self.session, entry, form.reason.data, principal.label)  # type: ignore[attr-defined]
                self.session.commit()  # type: ignore[attr-defined]
            except AssistanceError as exc:
                self.refuse(exc)
            else:
                flash("已冲正", "success")
                return redirect(self.get_url(".index_view"))  # type: ignore[attr-defined]
        else:
            _form_errors(form)
        return self.form_page(
            f"冲正：{entry}",
            form,
            "冲正",
            facts=[("金额", yuan(entry.amount)), ("说明", entry.note)],
        )


# --- leads ------------------------------------------------------------------------------------


class LeadImportForm(Form):
    """导入名单."""

    kind = SelectField("线索类别", choices=_select(_choices(LEAD_KINDS)), default="high_expense")
    source_name = StringField(
        "名单来源",
        validators=[DataRequired("请填写名单来源"), Length(max=100)],
        default="医院大额自付费用名单",
    )
    file = FileField("CSV 文件（表头：身份证号,姓名,金额,说明）")


class LeadMixin(_Common):
    """主动发现线索: flags on people, other plugins' events and imported lists."""

    permission = "assistance.view"
    manage_permission = "assistance.lead.manage"
    allow_delete = False
    column_list = [
        "person",
        "kind",
        "programme",
        "source",
        "amount",
        "state",
        "raised_at",
        "locality",
    ]
    column_details_list = [
        *column_list,
        "household",
        "detail",
        "reason",
        "raised_by",
        "applications",
    ]
    column_labels = {
        "person": "对象",
        "household": "户",
        "kind": "类别",
        "programme": "建议救助项目",
        "source": "来源",
        "amount": "金额",
        "state": "状态",
        "raised_at": "发现时间",
        "raised_by": "发现人",
        "locality": "所属区划",
        "detail": "情况说明",
        "reason": "排除理由",
        "applications": "转办申请",
    }
    column_choices = {
        "kind": _choices(LEAD_KINDS),
        "programme": PROGRAMME_CHOICES,
        "source": _choices(LEAD_SOURCES),
        "state": list(LEAD_WORKFLOW.states.items()),
    }
    column_filters = ["kind", "source", "state"]
    column_formatters = {"amount": _money}
    column_default_sort = ("id", True)
    form_columns = ["person", "kind", "programme", "detail", "amount"]
    form_choices = {"kind": _choices(LEAD_KINDS), "programme": BLANK + PROGRAMME_CHOICES}

    def __init__(self, model: type, runtime: Any, **kwargs: Any) -> None:
        self.form_ajax_refs = {
            "person": self.ajax_loader_class("person", runtime.db.session, Person, fields=["name"])  # type: ignore[attr-defined]
        }
        super().__init__(model, runtime, **kwargs)  # type: ignore[call-arg]

    def on_model_change(self, form: Any, model: AssistanceLead, is_created: bool) -> None:
        """A flag raised by staff: place it with the person's household and record who raised it."""
        if model.person is None:
            raise AssistanceError("请选择对象")
        if model.state not in (None, "open"):
            raise AssistanceError("已处理的线索不能修改")
        if model.programme == "":
            model.programme = None
        if is_created:
            model.source = "flag"
            model.state = "open"
            model.raised_by = self.principal().label
        household = model.person.household
        model.household = household
        model.locality_code = household.locality_code if household else model.person.locality_code
        model.detail = (model.detail or "").strip()
        if model.amount is not None and model.amount < 0:
            raise AssistanceError("金额不能为负数")
        super().on_model_change(form, model, is_created)  # type: ignore[misc]

    def menu_links(self) -> list[tuple[str, str]]:
        return [("导入名单", self.get_url(".import_view"))]  # type: ignore[attr-defined]

    @expose("/import/", methods=["GET", "POST"])
    def import_view(self) -> Any:
        """Import a list (e.g. a hospital's large out-of-pocket expenses) as leads."""
        from plugins.assistance.leads import import_lead_list

        principal = self.require("assistance.lead.manage")
        form = _form(LeadImportForm)
        if request.method == "POST" and form.validate():
            upload = request.files.get("file")
            try:
                result = import_lead_list(
                    self.session,  # type: ignore[attr-defined]
                    content=upload.read() if upload else b"",
                    kind=form.kind.data,
                    scope_code=principal.scope_code,
                    actor=principal.label,
                    source_name=form.source_name.data,
                )
                self.session.commit()  # type: ignore[attr-defined]
            except AssistanceError as exc:
                self.refuse(exc)
            else:
                flash(result.summary, "success")
                return redirect(self.get_url(".index_view"))  # type: ignore[attr-defined]
        else:
            _form_errors(form)
        threshold = yuan(self.settings()["expense_lead_threshold"])
        return self.form_page(
            "导入主动发现名单",
            form,
            "导入",
            intro=f"每行一人：身份证号、姓名、金额、说明。金额达到 {threshold} 的生成线索；"
            "任何一行有误（身份证号无效、不是辖区居民、姓名不符）则整个名单不导入。",
        )


# --- registration -----------------------------------------------------------------------------


def register(admin: Any) -> None:
    """Add every view of the plugin through the host's registrar."""
    ModelView, ReadOnlyView = admin.ModelView, admin.ReadOnlyView

    def view(mixin: type, base: type, model: type, name: str, endpoint: str) -> None:
        cls = type(
            f"{model.__name__}AdminView", (mixin, base), {"ajax_loader_class": admin.AjaxLoader}
        )
        admin.add_model_view(model, name=name, view_class=cls, endpoint=f"assistance_{endpoint}")

    view(ApplicationMixin, ModelView, AssistanceApplication, "救助申请", "application")
    view(TaskMixin, ModelView, AssistanceTask, "核对任务", "task")
    view(ConsentMixin, ReadOnlyView, AssistanceConsent, "授权书", "consent")
    view(SourceUploadMixin, ReadOnlyView, AssistanceSourceUpload, "核对数据文件", "source_upload")
    view(NoticeMixin, ReadOnlyView, AssistanceNotice, "公示", "notice")
    view(ObjectionMixin, ReadOnlyView, AssistanceObjection, "公示异议", "objection")
    view(EnrolmentMixin, ModelView, AssistanceEnrolment, "救助对象", "enrolment")
    view(ReviewMixin, ModelView, AssistanceReview, "定期复核", "review")
    view(BatchMixin, ReadOnlyView, AssistanceBatch, "发放批次", "batch")
    view(PaymentMixin, ReadOnlyView, AssistancePayment, "发放记录", "payment")
    view(AdjustmentMixin, ReadOnlyView, AssistanceAdjustment, "发放调整", "adjustment")
    view(CoverageMixin, ReadOnlyView, AssistanceCoverage, "保障统计", "coverage")
    view(LeadMixin, ModelView, AssistanceLead, "主动发现线索", "lead")
    view(CareFundMixin, ModelView, CareFund, "党内关爱资金", "care_fund")
    view(CareFundEntryMixin, ReadOnlyView, CareFundEntry, "关爱资金台账", "care_fund_entry")
    view(StandardMixin, ModelView, AssistanceStandard, "救助项目与标准", "standard")
