"""Admin pages of 协商议事: matters with their workflow, triage, 四办 and rating forms;
deliberations with agenda, attendance and outcomes; micro-wishes with claiming; the read-only
records (四办, triage decisions, escalations, ratings, attendance); figures, the overdue list and
the catalogue.

Every page goes through the host's scoped views (built on the registrar's ``ModelView``), so a
village account never sees or touches a neighbouring village's records, even by id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_admin.form import DateTimeField
from flask_admin.model.helpers import get_mdict_item_or_list
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from wtforms import SelectField
from wtforms.fields import SelectChoice

from core.db import utcnow
from core.localities import LEVEL_LABELS, is_within, within
from core.models import Locality, Organization, Person, Tag
from core.runtime import plugin_settings
from core.workflow import WorkflowError
from plugins.consultation import deliberations as deliberation_service
from plugins.consultation import matters as matter_service
from plugins.consultation import wishes as wish_service
from plugins.consultation.catalogue import catalogue_for, item_label
from plugins.consultation.errors import ConsultationError
from plugins.consultation.evaluation import evaluation_status, rate
from plugins.consultation.models import (
    LEVELS,
    ROLES,
    SOURCES,
    VERDICTS,
    ConsultationAgendaItem,
    ConsultationAssignment,
    ConsultationAttachment,
    ConsultationAttendee,
    ConsultationDeliberation,
    ConsultationEscalation,
    ConsultationMatter,
    ConsultationRating,
    ConsultationTriageDecision,
    ConsultationWish,
)
from plugins.consultation.settings import TRIAGE_CLASSES
from plugins.consultation.statistics import figures, local_today
from plugins.consultation.workflow import (
    DELIBERATE,
    EVALUATE,
    FORM_TRANSITIONS,
    HANDLE,
    OPEN_STATES,
    TRIAGE,
    WISHES,
)

FIGURES = "consultation.figures.view"
RESIDENT_CHOICES_LIMIT = 3000
"""The most residents a select on a form offers (a village rarely has more)."""


# --- helpers -------------------------------------------------------------------------------------


def _runtime() -> Any:
    return current_app.extensions["gongzhi"]


def _principal() -> Any:
    """The logged-in account with its permissions, or ``None``."""
    if not current_user or not current_user.is_authenticated:
        return None
    return _runtime().plugins.permissions.principal(current_user._get_current_object())


def _settings(locality_code: str | None = None) -> dict[str, Any]:
    """The settings in force at ``locality_code`` (一村一策), or the county's without one."""
    return plugin_settings(_runtime().db.session, "consultation", locality_code)


def _local(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    zone = ZoneInfo(_runtime().config.timezone)
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _time(view: Any, context: Any, model: Any, name: str) -> str:
    return _local(getattr(model, name))


def _label(mapping: dict[str, str]) -> Callable[..., str]:
    def format_(view: Any, context: Any, model: Any, name: str) -> str:
        value = getattr(model, name)
        return mapping.get(value, value or "")

    return format_


def _state(view: Any, context: Any, model: Any, name: str) -> str:
    return model.__workflow__.states.get(model.state, model.state)


def _item(view: Any, context: Any, model: Any, name: str) -> str:
    return item_label(_settings(), model.locality_code, model.item_code)


def _due(view: Any, context: Any, model: ConsultationMatter, name: str) -> Any:
    text = _local(model.due_at)
    if model.state in OPEN_STATES and model.due_at and model.due_at < utcnow():
        return Markup('<span class="text-danger font-weight-bold">{}（已逾期）</span>').format(text)
    return text


def _link(endpoint: str, record: Any, text: Any = None) -> Markup:
    if record is None:
        return Markup("")
    url = url_for(f"{endpoint}.details_view", id=record.id)
    return Markup('<a href="{}">{}</a>').format(url, text if text is not None else record)


def _text(view: Any, context: Any, model: Any, name: str) -> str:
    value = getattr(model, name)
    return "" if value is None else str(value)


def _linked(formatters: dict[str, Any]) -> dict[str, Any]:
    """The details page's formatters: links to the matter and the meeting. Lists show plain
    text, so that a list page links only to its own records."""
    detail = dict(formatters)
    for name, link in (("matter", _matter_link), ("deliberation", _deliberation_link)):
        if name in detail:
            detail[name] = link
    return detail


def _matter_link(view: Any, context: Any, model: Any, name: str) -> Markup:
    return _link("consultation_matter", model.matter)


def _deliberation_link(view: Any, context: Any, model: Any, name: str) -> Markup:
    return _link("consultation_deliberation", model.deliberation)


def _form_int(name: str) -> int | None:
    value = (request.form.get(name) or "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise ConsultationError(name, "请选择有效的选项") from exc


def _form_ints(name: str) -> list[int]:
    try:
        return [int(v) for v in request.form.getlist(name) if v.strip()]
    except ValueError as exc:
        raise ConsultationError(name, "请选择有效的选项") from exc


def _choices(pairs: Any) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class _Group:
    """A titled table on a details page."""

    def __init__(self, title: str, rows: list[tuple[str, Any]]) -> None:
        self.title = title
        self.rows = rows


class ConsultationView:
    """Shared behaviour of this plugin's model views (mixed into the host's scoped view)."""

    details_endpoint_args: dict[str, Any] = {}

    def allowed_transitions(self, record: Any) -> list[Any]:
        """Plain buttons only: steps needing more input get their own form on the page."""
        return [t for t in super().allowed_transitions(record) if t.name not in FORM_TRANSITIONS]

    @expose("/transition/", methods=["POST"])
    def transition_view(self) -> Any:
        """The host's transition action, also answering a concurrent change politely."""
        try:
            return super().transition_view()
        except StaleDataError:
            self.session.rollback()
            flash("记录刚被他人修改，请刷新后重试", "error")
            record_id = get_mdict_item_or_list(request.form, "id")
            return redirect(self.get_url(".details_view", id=record_id))

    def _act(self, permission: str, work: Callable[[Any, Any], str]) -> Any:
        """Run a form action on the record in ``id`` (404 outside scope) and come back."""
        record_id = get_mdict_item_or_list(request.form, "id")
        record = self.get_one(record_id)
        principal = _principal()
        if principal is None or not principal.has_permission(permission):
            abort(403)
        try:
            message = work(record, principal)
            self.session.commit()
        except (ConsultationError, WorkflowError) as exc:
            self.session.rollback()
            flash(str(exc), "error")
        except (StaleDataError, IntegrityError):
            self.session.rollback()
            flash("记录刚被他人修改，请刷新后重试", "error")
        else:
            flash(message, "success")
        return redirect(self.get_url(".details_view", id=record_id))


# --- matters -------------------------------------------------------------------------------------


def _matter_view(admin: Any) -> type:
    base = admin.ModelView

    class MatterView(ConsultationView, base):
        """协商事项: list, create, details with workflow, triage, 四办, resolution and ratings."""

        details_template = "consultation/admin/matter_details.html"
        manage_permission = HANDLE
        allow_delete = False
        column_list = [
            "id",
            "title",
            "locality",
            "item_code",
            "triage",
            "state",
            "handling_level",
            "due_at",
            "submitted_at",
        ]
        column_details_list = [
            "id",
            "title",
            "description",
            "source",
            "locality",
            "item_code",
            "default_triage",
            "triage",
            "triage_reason",
            "reporter",
            "is_public",
            "state",
            "handling_level",
            "due_at",
            "escalation_count",
            "evaluation_round",
            "resolution",
            "guidance",
            "reason",
            "submitted_at",
            "accepted_at",
            "triaged_at",
            "resolved_at",
            "closed_at",
        ]
        column_default_sort = ("id", True)
        column_searchable_list = ["title"]
        column_filters = ["state", "triage", "handling_level", "source"]
        column_choices = {
            "state": list(ConsultationMatter.__workflow__.states.items()),
            "triage": list(TRIAGE_CLASSES.items()),
            "handling_level": list(LEVELS.items()),
            "source": list(SOURCES.items()),
        }
        column_labels = {
            "id": "编号",
            "title": "标题",
            "description": "内容",
            "source": "来源",
            "locality": "所属区划",
            "item_code": "清单事项",
            "default_triage": "清单默认分流",
            "triage": "分流类别",
            "triage_reason": "改变分流理由",
            "reporter": "反映人",
            "is_public": "在门户公开",
            "state": "状态",
            "handling_level": "办理层级",
            "due_at": "办理时限",
            "escalation_count": "升级督办次数",
            "evaluation_round": "评议轮次",
            "resolution": "办理结果",
            "guidance": "告知的办理途径",
            "reason": "最近操作理由",
            "submitted_at": "提交时间",
            "accepted_at": "受理时间",
            "triaged_at": "分流时间",
            "resolved_at": "办结时间",
            "closed_at": "结案时间",
        }
        column_formatters = {
            "state": _state,
            "triage": _label(TRIAGE_CLASSES),
            "default_triage": _label(TRIAGE_CLASSES),
            "handling_level": _label(LEVELS),
            "source": _label(SOURCES),
            "item_code": _item,
            "due_at": _due,
            "submitted_at": _time,
            "accepted_at": _time,
            "triaged_at": _time,
            "resolved_at": _time,
            "closed_at": _time,
        }
        form_columns = [
            "title",
            "description",
            "locality",
            "item_code",
            "source",
            "reporter",
            "is_public",
        ]
        form_overrides = {"item_code": SelectField, "source": SelectField}
        form_args = {
            "item_code": {"label": "清单事项", "choices": []},
            "source": {"label": "来源", "choices": _choices(SOURCES.items())},
        }
        form_ajax_refs = {
            "reporter": admin.AjaxLoader(
                "reporter", admin.session, Person, fields=["name"], placeholder="输入姓名搜索"
            )
        }

        def create_form(self, obj: Any = None) -> Any:
            form = super().create_form(obj)
            principal = _principal()
            scope = principal.scope_code if principal else _runtime().config.locality_code
            form.item_code.choices = _choices(catalogue_for(_settings(), scope).choices())
            return form

        def edit_form(self, obj: Any = None) -> Any:
            form = super().edit_form(obj)
            for name in ("locality", "item_code", "source", "reporter"):
                del form[name]
            return form

        def create_model(self, form: Any) -> Any:
            """Create through the service, so the catalogue and the reporter are checked."""
            principal = _principal()
            try:
                matter = matter_service.submit_matter(
                    self.session,
                    locality_code=form.locality.data.code if form.locality.data else "",
                    item_code=form.item_code.data,
                    title=form.title.data,
                    description=form.description.data,
                    source=form.source.data,
                    reporter_id=form.reporter.data.id if form.reporter.data else None,
                    is_public=bool(form.is_public.data),
                    scope_code=principal.scope_code,
                )
                self.session.commit()
            except ConsultationError as exc:
                self.session.rollback()
                flash(f"保存失败：{exc}", "error")
                return False
            return matter

        def on_model_change(self, form: Any, model: ConsultationMatter, is_created: bool) -> None:
            if not is_created and model.state in ("closed", "rejected"):
                raise ConsultationError("state", "已结案的事项不能再修改")
            if model.triage == "private" and model.is_public:
                raise ConsultationError("is_public", "私事涉及居民个人事务，不在门户公开")
            super().on_model_change(form, model, is_created)

        def extra_details(self, record: ConsultationMatter) -> list[_Group]:
            session = self.session
            groups = []
            assignments = session.scalars(
                select(ConsultationAssignment)
                .where(ConsultationAssignment.matter_id == record.id)
                .order_by(ConsultationAssignment.id)
            ).all()
            groups.append(
                _Group(
                    "四办分工",
                    [
                        (ROLES[a.role], f"{a.organization.name}（{LEVELS[a.level]}）")
                        for a in assignments
                    ]
                    or [("—", "尚未安排")],
                )
            )
            decisions = session.scalars(
                select(ConsultationTriageDecision)
                .where(ConsultationTriageDecision.matter_id == record.id)
                .order_by(ConsultationTriageDecision.id)
            ).all()
            if decisions:
                groups.append(
                    _Group(
                        "三事分流记录",
                        [
                            (
                                _local(d.decided_at),
                                f"{TRIAGE_CLASSES.get(d.previous or '', '未分流')} → "
                                f"{TRIAGE_CLASSES[d.triage]}（{d.decided_by}）"
                                + (f"：{d.reason}" if d.reason else ""),
                            )
                            for d in decisions
                        ],
                    )
                )
            escalations = session.scalars(
                select(ConsultationEscalation)
                .where(ConsultationEscalation.matter_id == record.id)
                .order_by(ConsultationEscalation.id)
            ).all()
            if escalations:
                groups.append(
                    _Group(
                        "逾期升级督办",
                        [
                            (
                                _local(e.escalated_at),
                                f"{LEVELS[e.from_level]} → {LEVELS[e.to_level]}，"
                                f"新时限 {_local(e.new_due_at)}",
                            )
                            for e in escalations
                        ],
                    )
                )
            if record.state in ("resolved", "evaluated", "closed") or record.evaluation_round > 1:
                status = evaluation_status(session, record, utcnow())
                rows = [(VERDICTS[k], str(v)) for k, v in status.counts.items()]
                rows.append(("本轮", f"第 {record.evaluation_round} 轮"))
                if record.state == "resolved":
                    rows.append(("评议情况", status.pending_reason or "可以结束评议"))
                groups.append(_Group("群众评议", rows))
            attachments = session.execute(
                select(
                    ConsultationAttachment.id,
                    ConsultationAttachment.filename,
                    ConsultationAttachment.size,
                )
                .where(ConsultationAttachment.matter_id == record.id)
                .order_by(ConsultationAttachment.id)
            ).all()
            if attachments:
                groups.append(
                    _Group(
                        "附件",
                        [
                            (
                                Markup('<a href="{}">{}</a>').format(
                                    self.get_url(".attachment_view", id=record.id, file=a.id),
                                    a.filename,
                                ),
                                f"{a.size} 字节",
                            )
                            for a in attachments
                        ],
                    )
                )
            return groups

        # data the details template needs for its forms

        def triage_options(self, record: ConsultationMatter) -> dict[str, Any]:
            """Choices for the triage form: classes and the organisations that may lead."""
            session = self.session
            village = record.village_code
            town = village[:9] + "000"
            organizations = session.scalars(
                select(Organization)
                .where(
                    within(Organization.locality_code, village)
                    | (Organization.locality_code == town)
                    | (Organization.kind == "government_department")
                )
                .where(within(Organization.locality_code, record.locality_code[:6] + "000000"))
                .order_by(Organization.locality_code, Organization.name)
            ).all()
            return {
                "classes": list(TRIAGE_CLASSES.items()),
                "organizations": [
                    o
                    for o in organizations
                    if is_within(record.locality_code, o.locality_code)
                    or is_within(o.locality_code, village)
                ],
            }

        def rating_choices(self, record: ConsultationMatter) -> list[Person]:
            """Residents of the matter's village who have not rated this round."""
            rated = select(ConsultationRating.person_id).where(
                ConsultationRating.matter_id == record.id,
                ConsultationRating.round == record.evaluation_round,
            )
            return self.session.scalars(
                select(Person)
                .where(within(Person.locality_code, record.village_code))
                .where(Person.id.not_in(rated))
                .order_by(Person.name, Person.id)
                .limit(RESIDENT_CHOICES_LIMIT)
            ).all()

        def may(self, permission: str) -> bool:
            """Whether the logged-in account holds ``permission``."""
            principal = _principal()
            return principal is not None and principal.has_permission(permission)

        roles = ROLES
        verdicts = VERDICTS
        levels = LEVELS

        @expose("/triage/", methods=["POST"])
        def triage_view(self) -> Any:
            """三事分流 (or a change of it) from the details page."""

            def work(matter: ConsultationMatter, principal: Any) -> str:
                service = (
                    matter_service.triage_matter
                    if matter.state == "accepted"
                    else matter_service.change_triage
                )
                service(
                    self.session,
                    matter,
                    principal,
                    request.form.get("triage", ""),
                    reason=request.form.get("reason"),
                    lead_organization_id=_form_int("lead_organization_id"),
                    guidance=request.form.get("guidance"),
                )
                return f"已分流为{TRIAGE_CLASSES[matter.triage]}"

            return self._act(TRIAGE, work)

        @expose("/assign/", methods=["POST"])
        def assign_view(self) -> Any:
            """四办: add a deliberating, assisting or supervising organisation."""

            def work(matter: ConsultationMatter, principal: Any) -> str:
                assignment = matter_service.assign(
                    self.session,
                    matter,
                    principal,
                    request.form.get("role", ""),
                    _form_int("organization_id") or 0,
                    request.form.get("note"),
                )
                return f"已安排{ROLES[assignment.role]}单位"

            return self._act(TRIAGE, work)

        @expose("/resolve/", methods=["POST"])
        def resolve_view(self) -> Any:
            """办结 with the result."""

            def work(matter: ConsultationMatter, principal: Any) -> str:
                matter_service.resolve(
                    self.session, matter, principal, request.form.get("resolution", "")
                )
                return "已办结，进入群众评议"

            return self._act(HANDLE, work)

        @expose("/rate/", methods=["POST"])
        def rate_view(self) -> Any:
            """Record a resident's rating (entered by staff on the resident's behalf)."""

            def work(matter: ConsultationMatter, principal: Any) -> str:
                person_id = _form_int("person_id")
                if person_id is None:
                    raise ConsultationError("person_id", "请选择评议的居民")
                rate(
                    self.session,
                    matter,
                    person_id,
                    request.form.get("verdict", ""),
                    request.form.get("comment"),
                    principal.label,
                    scope_code=principal.scope_code,
                )
                return "已记录评价"

            return self._act(EVALUATE, work)

        @expose("/upload/", methods=["POST"])
        def upload_view(self) -> Any:
            """Attach a file (photo, letter) to the matter."""

            def work(matter: ConsultationMatter, principal: Any) -> str:
                upload = request.files.get("file")
                if upload is None or not upload.filename:
                    raise ConsultationError("file", "请选择要上传的文件")
                attachment = matter_service.add_attachment(
                    self.session,
                    matter,
                    upload.filename,
                    upload.mimetype,
                    upload.read(),
                    principal.label,
                )
                return f"已上传附件 {attachment.filename}"

            return self._act(HANDLE, work)

        @expose("/attachment/")
        def attachment_view(self) -> Any:
            """Download an attachment of a matter within scope."""
            matter = self.get_one(request.args.get("id"))
            attachment = self.session.get(
                ConsultationAttachment, request.args.get("file", type=int)
            )
            if attachment is None or attachment.matter_id != matter.id:
                abort(404)
            from urllib.parse import quote

            return Response(
                attachment.data,
                mimetype=attachment.content_type,
                headers={
                    "Content-Disposition": "attachment; filename*=UTF-8''"
                    + quote(attachment.filename)
                },
            )

    return MatterView


# --- deliberations -------------------------------------------------------------------------------


def _deliberation_view(admin: Any) -> type:
    base = admin.ModelView

    class DeliberationView(ConsultationView, base):
        """议事协商: plan a meeting, then agenda, attendance, outcomes, minutes, publication."""

        details_template = "consultation/admin/deliberation_details.html"
        manage_permission = DELIBERATE
        allow_delete = False
        column_list = ["title", "form", "locality", "held_at", "place", "state"]
        column_details_list = [
            "title",
            "form",
            "locality",
            "held_at",
            "place",
            "state",
            "minutes",
            "reason",
        ]
        column_default_sort = ("held_at", True)
        column_searchable_list = ["title", "place"]
        column_filters = ["form", "state"]
        column_choices = {"state": list(ConsultationDeliberation.__workflow__.states.items())}
        column_labels = {
            "title": "会议名称",
            "form": "议事形式",
            "locality": "所属区划",
            "held_at": "召开时间",
            "place": "地点",
            "state": "状态",
            "minutes": "会议纪要",
            "reason": "取消理由",
        }
        column_formatters = {"state": _state, "held_at": _time}
        form_columns = ["title", "form", "locality", "held_at", "place", "minutes"]
        form_overrides = {"form": SelectField, "held_at": DateTimeField}
        form_args = {
            "form": {"label": "议事形式", "choices": []},
            "held_at": {"label": "召开时间（当地时间）"},
        }

        def create_form(self, obj: Any = None) -> Any:
            form = super().create_form(obj)
            forms = _settings(_principal().scope_code)["meeting_forms"]
            form.form.choices = _choices((f, f) for f in forms)
            del form["minutes"]
            return form

        def edit_form(self, obj: Any = None) -> Any:
            form = super().edit_form(obj)
            forms = _settings(obj.locality_code if obj is not None else None)["meeting_forms"]
            current = obj.form if obj is not None else None
            extra = [current] if current and current not in forms else []
            form.form.choices = _choices((f, f) for f in [*forms, *extra])
            del form["locality"]
            return form

        def _held_at(self, value: dt.datetime | None) -> dt.datetime | None:
            """Form times are local wall-clock times: attach the deployment's zone."""
            if value is None:
                return None
            zone = ZoneInfo(_runtime().config.timezone)
            return value.replace(tzinfo=zone) if value.tzinfo is None else value

        def on_form_prefill(self, form: Any, id: Any) -> None:
            record = self.get_one(id)
            zone = ZoneInfo(_runtime().config.timezone)
            form.held_at.data = record.held_at.astimezone(zone).replace(tzinfo=None)

        def create_model(self, form: Any) -> Any:
            """Plan through the service, so the form of meeting and the place are checked."""
            principal = _principal()
            try:
                deliberation = deliberation_service.plan_deliberation(
                    self.session,
                    locality_code=form.locality.data.code if form.locality.data else "",
                    title=form.title.data,
                    form=form.form.data,
                    held_at=self._held_at(form.held_at.data),
                    place=form.place.data,
                    scope_code=principal.scope_code,
                )
                self.session.commit()
            except ConsultationError as exc:
                self.session.rollback()
                flash(f"保存失败：{exc}", "error")
                return False
            return deliberation

        def on_model_change(
            self, form: Any, model: ConsultationDeliberation, is_created: bool
        ) -> None:
            model.held_at = self._held_at(model.held_at)
            if model.state not in ("planned", "held"):
                raise ConsultationError("state", "结果已公开或已取消的会议不能再修改")
            if model.minutes and model.state != "held":
                raise ConsultationError("minutes", "会议召开后才能填写会议纪要")
            if model.form not in _settings(model.locality_code)["meeting_forms"]:
                raise ConsultationError("form", "请选择设置中启用的议事形式")
            super().on_model_change(form, model, is_created)

        def extra_details(self, record: ConsultationDeliberation) -> list[_Group]:
            session = self.session
            attendees = session.scalars(
                select(ConsultationAttendee)
                .where(ConsultationAttendee.deliberation_id == record.id)
                .order_by(ConsultationAttendee.id)
            ).all()
            people = [str(a.person.name) for a in attendees if a.person is not None]
            organizations = [a.organization.name for a in attendees if a.organization is not None]
            return [
                _Group(
                    "参会情况",
                    [
                        ("居民", f"{len(people)} 人：{'、'.join(people)}" if people else "—"),
                        ("单位", "、".join(organizations) or "—"),
                    ],
                )
            ]

        def agenda(self, record: ConsultationDeliberation) -> list[ConsultationAgendaItem]:
            """The agenda items with their matters."""
            return self.session.scalars(
                select(ConsultationAgendaItem)
                .where(ConsultationAgendaItem.deliberation_id == record.id)
                .order_by(ConsultationAgendaItem.id)
            ).all()

        def agenda_choices(self, record: ConsultationDeliberation) -> list[ConsultationMatter]:
            """Open matters of the meeting's locality not yet on its agenda."""
            present = select(ConsultationAgendaItem.matter_id).where(
                ConsultationAgendaItem.deliberation_id == record.id
            )
            return self.session.scalars(
                select(ConsultationMatter)
                .where(within(ConsultationMatter.locality_code, record.scope_code))
                .where(
                    ConsultationMatter.state.not_in(("rejected", "closed")),
                    ConsultationMatter.id.not_in(present),
                )
                .order_by(ConsultationMatter.id.desc())
                .limit(200)
            ).all()

        def attendee_choices(self, record: ConsultationDeliberation) -> dict[str, list[Any]]:
            """Residents of the meeting's locality and organisations there or above it."""
            session = self.session
            people = session.scalars(
                select(Person)
                .where(within(Person.locality_code, record.scope_code))
                .order_by(Person.name, Person.id)
                .limit(RESIDENT_CHOICES_LIMIT)
            ).all()
            organizations = session.scalars(
                select(Organization)
                .where(within(Organization.locality_code, record.locality_code[:6] + "000000"))
                .order_by(Organization.locality_code, Organization.name)
            ).all()
            return {
                "people": people,
                "organizations": [
                    o
                    for o in organizations
                    if is_within(o.locality_code, record.scope_code)
                    or is_within(record.locality_code, o.locality_code)
                ],
            }

        def may(self, permission: str) -> bool:
            """Whether the logged-in account holds ``permission``."""
            principal = _principal()
            return principal is not None and principal.has_permission(permission)

        @expose("/agenda/", methods=["POST"])
        def agenda_view(self) -> Any:
            """Put matters on the agenda."""

            def work(record: ConsultationDeliberation, principal: Any) -> str:
                items = deliberation_service.add_agenda(
                    self.session, record, _form_ints("matter_ids"), principal.scope_code
                )
                return f"已列入议程 {len(items)} 项"

            return self._act(DELIBERATE, work)

        @expose("/attendance/", methods=["POST"])
        def attendance_view(self) -> Any:
            """Record attending residents and organisations."""

            def work(record: ConsultationDeliberation, principal: Any) -> str:
                added = deliberation_service.record_attendance(
                    self.session,
                    record,
                    principal.label,
                    person_ids=_form_ints("person_ids"),
                    organization_ids=_form_ints("organization_ids"),
                    scope_code=principal.scope_code,
                )
                return f"已登记参会 {added} 人（单位）"

            return self._act(DELIBERATE, work)

        @expose("/outcome/", methods=["POST"])
        def outcome_view(self) -> Any:
            """Record the outcome (and vote) of one agenda matter."""

            def work(record: ConsultationDeliberation, principal: Any) -> str:
                votes = tuple(
                    request.form.get(name) or None
                    for name in ("votes_for", "votes_against", "votes_abstain")
                )
                deliberation_service.record_outcome(
                    self.session,
                    record,
                    _form_int("matter_id") or 0,
                    request.form.get("outcome", ""),
                    votes,  # type: ignore[arg-type]
                )
                return "已记录协商结果"

            return self._act(DELIBERATE, work)

    return DeliberationView


# --- wishes --------------------------------------------------------------------------------------


def _wish_view(admin: Any) -> type:
    base = admin.ModelView

    class WishView(ConsultationView, base):
        """微心愿: post for a resident, claim for a volunteer or an organisation, then fulfil."""

        details_template = "consultation/admin/wish_details.html"
        manage_permission = WISHES
        allow_delete = False
        column_list = ["title", "wisher", "locality", "state", "claimer", "posted_at"]
        column_details_list = [
            "title",
            "description",
            "wisher",
            "locality",
            "state",
            "claimer",
            "fulfilment_note",
            "reason",
            "posted_at",
            "claimed_at",
            "fulfilled_at",
            "confirmed_at",
        ]
        column_default_sort = ("id", True)
        column_searchable_list = ["title"]
        column_filters = ["state"]
        column_choices = {"state": list(ConsultationWish.__workflow__.states.items())}
        column_labels = {
            "title": "心愿",
            "description": "心愿说明",
            "wisher": "心愿人",
            "locality": "所属区划",
            "state": "状态",
            "claimer": "认领人/单位",
            "fulfilment_note": "实现情况",
            "reason": "理由",
            "posted_at": "发布时间",
            "claimed_at": "认领时间",
            "fulfilled_at": "完成时间",
            "confirmed_at": "确认时间",
        }
        column_formatters = {
            "state": _state,
            "claimer": lambda v, c, m, n: str(m.claimer) if m.claimer else "",
            "posted_at": _time,
            "claimed_at": _time,
            "fulfilled_at": _time,
            "confirmed_at": _time,
        }
        form_columns = ["wisher", "title", "description"]
        form_ajax_refs = {
            "wisher": admin.AjaxLoader(
                "wisher", admin.session, Person, fields=["name"], placeholder="输入姓名搜索"
            )
        }

        def edit_form(self, obj: Any = None) -> Any:
            form = super().edit_form(obj)
            del form["wisher"]
            return form

        def create_model(self, form: Any) -> Any:
            """Post through the service: the wish goes on the wall of the wisher's village."""
            principal = _principal()
            try:
                wish = wish_service.post_wish(
                    self.session,
                    wisher_id=form.wisher.data.id if form.wisher.data else 0,
                    title=form.title.data,
                    description=form.description.data,
                    scope_code=principal.scope_code,
                )
                self.session.commit()
            except ConsultationError as exc:
                self.session.rollback()
                flash(f"保存失败：{exc}", "error")
                return False
            return wish

        def on_model_change(self, form: Any, model: ConsultationWish, is_created: bool) -> None:
            if not is_created and model.state != "posted":
                raise ConsultationError("state", "心愿被认领后不能再修改内容")
            super().on_model_change(form, model, is_created)

        def claim_choices(self, record: ConsultationWish) -> dict[str, list[Any]]:
            """Volunteers and party members of the wish's township, and organisations near it."""
            session = self.session
            tags = _settings(record.locality_code)["claimer_tags"]
            town = record.locality_code[:9] + "000"
            people = select(Person).where(within(Person.locality_code, town))
            if tags:
                people = people.where(Person.tags.any(Tag.name.in_(tags)))
            principal = _principal()
            if principal is not None:
                people = people.where(Person.scope_clause(principal.scope_code))
            organizations = session.scalars(
                select(Organization)
                .where(within(Organization.locality_code, record.locality_code[:6] + "000000"))
                .order_by(Organization.locality_code, Organization.name)
            ).all()
            return {
                "people": session.scalars(
                    people.where(Person.id != record.wisher_id)
                    .order_by(Person.name)
                    .limit(RESIDENT_CHOICES_LIMIT)
                ).all(),
                "organizations": [
                    o
                    for o in organizations
                    if principal is None
                    or is_within(o.locality_code, principal.scope_code)
                    or is_within(principal.scope_code, o.locality_code)
                ],
            }

        def may(self, permission: str) -> bool:
            """Whether the logged-in account holds ``permission``."""
            principal = _principal()
            return principal is not None and principal.has_permission(permission)

        @expose("/claim/", methods=["POST"])
        def claim_view(self) -> Any:
            """认领 for a resident or an organisation."""

            def work(wish: ConsultationWish, principal: Any) -> str:
                wish_service.claim_wish(
                    self.session,
                    wish,
                    principal,
                    person_id=_form_int("person_id"),
                    organization_id=_form_int("organization_id"),
                    scope_code=principal.scope_code,
                )
                return "已认领"

            return self._act(WISHES, work)

        @expose("/fulfil/", methods=["POST"])
        def fulfil_view(self) -> Any:
            """The claimer reports the wish fulfilled."""

            def work(wish: ConsultationWish, principal: Any) -> str:
                wish_service.fulfil_wish(self.session, wish, principal, request.form.get("note"))
                return "已完成，等待心愿人确认"

            return self._act(WISHES, work)

    return WishView


# --- read-only records ---------------------------------------------------------------------------


def _read_only_views(admin: Any) -> None:
    def add(model: type, name: str, formatters: dict[str, Any], **options: Any) -> None:
        admin.add_model_view(
            model,
            name=name,
            endpoint=_endpoint(model),
            view_class=admin.ReadOnlyView,
            column_formatters=formatters,
            column_formatters_detail=_linked(formatters),
            column_default_sort=("id", True),
            **options,
        )

    add(
        ConsultationAssignment,
        "四办分工",
        {"matter": _text, "role": _label(ROLES), "level": _label(LEVELS), "assigned_at": _time},
        column_list=["matter", "role", "organization", "level", "assigned_by", "assigned_at"],
        column_labels={
            "matter": "事项",
            "role": "角色",
            "organization": "单位",
            "level": "层级",
            "assigned_by": "安排人",
            "assigned_at": "安排时间",
            "note": "备注",
        },
        column_filters=["role", "level"],
        column_choices={"role": list(ROLES.items()), "level": list(LEVELS.items())},
    )
    add(
        ConsultationTriageDecision,
        "分流记录",
        {
            "matter": _text,
            "previous": _label(TRIAGE_CLASSES),
            "triage": _label(TRIAGE_CLASSES),
            "default_triage": _label(TRIAGE_CLASSES),
            "decided_at": _time,
        },
        column_list=[
            "matter",
            "previous",
            "triage",
            "default_triage",
            "reason",
            "decided_by",
            "decided_at",
        ],
        column_labels={
            "matter": "事项",
            "previous": "原类别",
            "triage": "分流类别",
            "default_triage": "清单默认",
            "reason": "理由",
            "lead_organization": "领办单位",
            "decided_by": "分流人",
            "decided_at": "分流时间",
        },
    )
    add(
        ConsultationEscalation,
        "督办升级记录",
        {
            "matter": _text,
            "from_level": _label(LEVELS),
            "to_level": _label(LEVELS),
            "overdue_since": _time,
            "new_due_at": _time,
            "escalated_at": _time,
        },
        column_list=[
            "matter",
            "sequence",
            "from_level",
            "to_level",
            "overdue_since",
            "new_due_at",
            "escalated_at",
        ],
        column_labels={
            "matter": "事项",
            "sequence": "第几次",
            "from_level": "原办理层级",
            "to_level": "升级到",
            "overdue_since": "原时限",
            "new_due_at": "新时限",
            "escalated_by": "执行人",
            "escalated_at": "升级时间",
        },
    )
    add(
        ConsultationRating,
        "群众评议",
        {"matter": _text, "verdict": _label(VERDICTS), "rated_at": _time},
        column_list=["matter", "round", "person", "verdict", "comment", "rated_at"],
        column_labels={
            "matter": "事项",
            "round": "轮次",
            "person": "评议居民",
            "verdict": "评价",
            "comment": "意见",
            "recorded_by": "录入人",
            "rated_at": "评议时间",
        },
        column_filters=["verdict"],
        column_choices={"verdict": list(VERDICTS.items())},
    )
    add(
        ConsultationAttendee,
        "参会记录",
        {"deliberation": _text, "recorded_at": _time},
        column_list=["deliberation", "person", "organization", "recorded_by", "recorded_at"],
        column_labels={
            "deliberation": "会议",
            "person": "居民",
            "organization": "单位",
            "recorded_by": "登记人",
            "recorded_at": "登记时间",
        },
    )
    add(
        ConsultationAgendaItem,
        "议题与表决",
        {"deliberation": _text, "matter": _text},
        column_list=[
            "deliberation",
            "matter",
            "outcome",
            "votes_for",
            "votes_against",
            "votes_abstain",
        ],
        column_labels={
            "deliberation": "会议",
            "matter": "事项",
            "outcome": "协商结果",
            "votes_for": "赞成",
            "votes_against": "反对",
            "votes_abstain": "弃权",
        },
    )


# --- pages that are not lists of one model -------------------------------------------------------


class GuardedPage(BaseView):
    """A plain admin page that needs a login and a permission, like the host's own views."""

    permission: str | None = None

    def is_accessible(self) -> bool:
        principal = _principal()
        return principal is not None and (
            self.permission is None or principal.has_permission(self.permission)
        )

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        abort(403)

    def is_visible(self) -> bool:
        return self.is_accessible()


def _date_arg(name: str, default: dt.date) -> dt.date:
    value = request.args.get(name, "")
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        flash(f"日期格式应为 YYYY-MM-DD：{value}", "error")
        return default


class FiguresPage(GuardedPage):
    """统计分析: the figures of the account's scope, or of a locality under it, over a period."""

    permission = FIGURES

    @expose("/")
    def index(self) -> Any:
        """The figures page."""
        principal = _principal()
        runtime = _runtime()
        session = runtime.db.session
        scope = request.args.get("scope") or principal.scope_code
        if not is_within(scope, principal.scope_code) or session.get(Locality, scope) is None:
            flash("所选区划不存在或不在您的管辖范围内", "error")
            scope = principal.scope_code
        today = local_today(runtime.config.timezone)
        start = _date_arg("start", today.replace(month=1, day=1))
        end = _date_arg("end", today)
        if end < start:
            flash("结束日期不能早于开始日期", "error")
            start, end = end, start
        result = figures(session, scope, start, end, runtime.config.timezone)
        choices = session.execute(
            select(Locality.code, Locality.name, Locality.level)
            .where(Locality.scope_clause(principal.scope_code))
            .where(Locality.level.in_(["county", "town", "village"]))
            .order_by(Locality.code)
            .limit(2000)
        ).all()
        return self.render(
            "consultation/admin/figures.html",
            result=result,
            place=session.get(Locality, scope),
            choices=choices,
            start=start,
            end=end,
            level_labels={lv.value: label for lv, label in LEVEL_LABELS.items()},
        )


class OverduePage(GuardedPage):
    """逾期督办: open matters past their time limit, with escalation for the account's scope."""

    permission = FIGURES

    @expose("/")
    def index(self) -> Any:
        """The overdue list."""
        principal = _principal()
        session = _runtime().db.session
        rows = session.scalars(
            matter_service.overdue_statement(principal.scope_code, utcnow()).limit(500)
        ).all()
        total = session.scalar(
            select(func.count()).select_from(
                matter_service.overdue_statement(principal.scope_code, utcnow())
                .order_by(None)
                .subquery()
            )
        )
        return self.render(
            "consultation/admin/overdue.html",
            rows=rows,
            total=total,
            local=_local,
            triage_labels=TRIAGE_CLASSES,
            levels=LEVELS,
            states=ConsultationMatter.__workflow__.states,
            item=lambda m: item_label(_settings(), m.locality_code, m.item_code),
            may_escalate=principal.has_permission(TRIAGE),
        )

    @expose("/escalate/", methods=["POST"])
    def escalate(self) -> Any:
        """Escalate the overdue matters within the account's scope now (as cron would)."""
        principal = _principal()
        if not principal.has_permission(TRIAGE):
            abort(403)
        session = _runtime().db.session
        session.info.update(actor=principal.label, channel="admin")
        try:
            report = matter_service.escalate_overdue(
                session, utcnow(), principal, principal.scope_code
            )
            session.commit()
        except (StaleDataError, IntegrityError):
            session.rollback()
            flash("另一次升级正在进行，请稍后刷新", "error")
        else:
            flash(f"已升级督办 {len(report.escalated)} 件", "success")
        return redirect(url_for(".index"))


class CataloguePage(GuardedPage):
    """协商事项清单 and the time limits in force."""

    @expose("/")
    def index(self) -> Any:
        """The catalogue page."""
        principal = _principal()
        settings = _settings(principal.scope_code)
        catalogue = catalogue_for(settings, principal.scope_code)
        session = _runtime().db.session
        counts = dict(
            session.execute(
                select(ConsultationMatter.item_code, func.count())
                .where(ConsultationMatter.scope_clause(principal.scope_code))
                .group_by(ConsultationMatter.item_code)
            ).all()
        )
        return self.render(
            "consultation/admin/catalogue.html",
            catalogue=catalogue,
            counts=counts,
            settings=settings,
            triage_labels=TRIAGE_CLASSES,
        )


def _endpoint(model: type) -> str:
    """``consultation_matter`` for ``ConsultationMatter``: the plugin's prefix once."""
    return "consultation_" + model.__name__.removeprefix("Consultation").lower()


# --- registration --------------------------------------------------------------------------------


def register(admin: Any) -> None:
    """Add every consultation page to the admin."""
    for model, name, view_class in (
        (ConsultationMatter, "协商事项", _matter_view(admin)),
        (ConsultationDeliberation, "议事协商", _deliberation_view(admin)),
        (ConsultationWish, "微心愿", _wish_view(admin)),
    ):
        admin.add_model_view(model, name=name, view_class=view_class, endpoint=_endpoint(model))
        if model is ConsultationMatter:
            admin.add_view(OverduePage(name="逾期督办", endpoint="consultation_overdue"))
    _read_only_views(admin)
    admin.add_view(FiguresPage(name="统计分析", endpoint="consultation_figures"))
    admin.add_view(CataloguePage(name="协商事项清单", endpoint="consultation_catalogue"))


__all__ = ["register"]
