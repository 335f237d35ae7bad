"""Admin pages of 村规民约: the versions of each village's compact (details page with the
articles, the rule check, the recommended topics, the workflow and the deliberation form), the
articles, and the read-only record of votes.

Every page is built on the registrar's scoped views: a village account sees and touches only its
own village's compact, even by typing an id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, request
from flask_admin import expose
from flask_admin.model.helpers import get_mdict_item_or_list
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from core.workflow import WorkflowError
from plugins.consultation.models import ConsultationDeliberation

from gongzhi_compact import adoption, drafting
from gongzhi_compact.errors import CompactError
from gongzhi_compact.models import CompactAdoption, CompactArticle, CompactVersion
from gongzhi_compact.workflow import DRAFT, FORM_TRANSITIONS, VERSION_WORKFLOW

VERSION_LABELS = {
    "number": "版本",
    "title": "标题",
    "locality": "所属村（社区）",
    "state": "状态",
    "based_on": "修订自",
    "deliberation": "审议会议",
    "matter": "协商事项",
    "reason": "退回或撤回理由",
    "submitted_by": "提交人",
    "reviewed_by": "审查人",
    "created_at": "起草时间",
    "submitted_at": "提交时间",
    "reviewed_at": "审查时间",
    "decided_at": "表决结果记录时间",
    "published_at": "公布时间",
    "superseded_at": "被取代时间",
}


def _runtime() -> Any:
    return current_app.extensions["gongzhi"]


def _principal() -> Any:
    """The logged-in account with its permissions, or ``None``."""
    if not current_user or not current_user.is_authenticated:
        return None
    return _runtime().plugins.permissions.principal(current_user._get_current_object())


def _time(view: Any, context: Any, model: Any, name: str) -> str:
    value = getattr(model, name)
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(_runtime().config.timezone)).strftime("%Y-%m-%d %H:%M")


def _state(view: Any, context: Any, model: Any, name: str) -> str:
    return VERSION_WORKFLOW.states.get(model.state, model.state)


def _version_number(view: Any, context: Any, model: Any, name: str) -> str:
    return f"第{getattr(model, name)}版"


def _adopted(view: Any, context: Any, model: Any, name: str) -> str:
    return "通过" if model.adopted else "未通过"


class _Group:
    """A titled table on a details page."""

    def __init__(self, title: str, rows: list[tuple[str, Any]]) -> None:
        self.title = title
        self.rows = rows


def register(admin: Any) -> None:
    """Add the plugin's views to the admin."""
    admin.add_model_view(
        CompactVersion, name="村规民约", view_class=_version_view(admin), endpoint="compact_version"
    )
    admin.add_model_view(
        CompactArticle, name="条款", view_class=_article_view(admin), endpoint="compact_article"
    )
    admin.add_model_view(
        CompactAdoption,
        name="表决记录",
        view_class=admin.ReadOnlyView,
        endpoint="compact_adoption",
        column_list=[
            "version",
            "locality",
            "adopted",
            "votes_for",
            "votes_against",
            "votes_abstain",
            "attendees",
            "recorded_at",
        ],
        column_labels={
            "version": "村规民约",
            "version_number": "版本",
            "locality": "所属村（社区）",
            "adopted": "结果",
            "deliberation": "议事会议",
            "votes_for": "赞成",
            "votes_against": "反对",
            "votes_abstain": "弃权",
            "attendees": "参会人数",
            "outcome": "协商结果",
            "recorded_by": "记录人",
            "recorded_at": "记录时间",
        },
        column_formatters={"adopted": _adopted, "recorded_at": _time},
        column_default_sort=("id", True),
    )


def _version_view(admin: Any) -> type:
    base = admin.ModelView

    class VersionView(base):
        """村规民约: start a draft or a revision, write it, submit, review, deliberate, publish."""

        details_template = "compact/admin/version_details.html"
        manage_permission = DRAFT
        allow_delete = False
        column_list = ["title", "number", "locality", "state", "published_at"]
        column_details_list = [
            "title",
            "number",
            "locality",
            "state",
            "based_on",
            "deliberation",
            "reason",
            "submitted_by",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "decided_at",
            "published_at",
            "superseded_at",
        ]
        column_labels = VERSION_LABELS
        column_filters = ["state"]
        column_choices = {"state": list(VERSION_WORKFLOW.states.items())}
        column_searchable_list = ["title"]
        column_default_sort = ("id", True)
        column_formatters = {
            "state": _state,
            "number": _version_number,
            "published_at": _time,
            "submitted_at": _time,
            "reviewed_at": _time,
            "decided_at": _time,
            "superseded_at": _time,
        }
        form_columns = ["locality", "title"]

        def edit_form(self, obj: Any = None) -> Any:
            form = super().edit_form(obj)
            del form["locality"]
            return form

        def create_model(self, form: Any) -> Any:
            """Start a draft through the service: one version on its way per village."""
            principal = _principal()
            try:
                version = drafting.start_draft(
                    self.session,
                    locality_code=form.locality.data.code if form.locality.data else "",
                    title=form.title.data,
                    scope_code=principal.scope_code,
                )
                self.session.commit()
            except CompactError as exc:
                self.session.rollback()
                flash(f"保存失败：{exc}", "error")
                return False
            return version

        def on_model_change(self, form: Any, model: CompactVersion, is_created: bool) -> None:
            drafting.ensure_editable(model)
            super().on_model_change(form, model, is_created)

        def allowed_transitions(self, record: Any) -> list[Any]:
            """Plain buttons; putting to a deliberation has its own form on the page."""
            return [
                t for t in super().allowed_transitions(record) if t.name not in FORM_TRANSITIONS
            ]

        @expose("/transition/", methods=["POST"])
        def transition_view(self) -> Any:
            """The host's workflow buttons, also answering a concurrent change or a refused
            side effect politely."""
            try:
                return super().transition_view()
            except (StaleDataError, CompactError) as exc:
                self.session.rollback()
                message = (
                    exc.message
                    if isinstance(exc, CompactError)
                    else "记录刚被他人修改，请刷新后重试"
                )
                flash(message, "error")
                record_id = get_mdict_item_or_list(request.form, "id")
                return redirect(self.get_url(".details_view", id=record_id))

        def extra_details(self, record: CompactVersion) -> list[_Group]:
            vote = adoption.vote_of(self.session, record)
            if record.deliberation_id is None:
                return []
            return [
                _Group(
                    "议事协商",
                    [
                        ("审议会议", vote.deliberation or "—"),
                        ("表决情况", vote.summary if vote.final else vote.problem or "—"),
                    ],
                )
            ]

        # -- what the details template asks ---------------------------------------------------

        def may(self, permission: str) -> bool:
            """Whether the logged-in account holds ``permission``."""
            principal = _principal()
            return principal is not None and principal.has_permission(permission)

        def problems(self, record: CompactVersion) -> list[str]:
            """The rule check of the version."""
            return drafting.problems(self.session, record)

        def coverage(self, record: CompactVersion) -> list[tuple[str, bool]]:
            """The recommended topics and whether the version covers them."""
            return drafting.coverage(self.session, record)

        def may_refer(self, record: CompactVersion) -> bool:
            """Whether the deliberation form is shown."""
            return record.state == "reviewed" and self.may(DRAFT)

        def may_revise(self, record: CompactVersion) -> bool:
            """Whether a revision can start from this version now."""
            return (
                record.state in ("published", "superseded", "rejected")
                and self.may(DRAFT)
                and drafting.open_version(self.session, record.locality_code) is None
            )

        def meetings(self, record: CompactVersion) -> list[ConsultationDeliberation]:
            """The village's meetings that can still take the version on their agenda."""
            return list(
                self.session.scalars(
                    select(ConsultationDeliberation)
                    .where(
                        ConsultationDeliberation.locality_code == record.locality_code,
                        ConsultationDeliberation.state.in_(("planned", "held")),
                    )
                    .order_by(ConsultationDeliberation.held_at)
                )
            )

        def _act(self, work: Callable[[CompactVersion, Any], tuple[str, int]]) -> Any:
            record_id = get_mdict_item_or_list(request.form, "id")
            record = self.get_one(record_id)
            principal = _principal()
            if principal is None or not principal.has_permission(DRAFT):
                flash("您没有执行此操作的权限", "error")
                return redirect(self.get_url(".details_view", id=record_id))
            try:
                message, target = work(record, principal)
                self.session.commit()
            except (CompactError, WorkflowError) as exc:
                self.session.rollback()
                flash(str(exc), "error")
                return redirect(self.get_url(".details_view", id=record_id))
            except (IntegrityError, StaleDataError):
                self.session.rollback()
                flash("记录刚被他人修改，请刷新后重试", "error")
                return redirect(self.get_url(".details_view", id=record_id))
            flash(message, "success")
            return redirect(self.get_url(".details_view", id=target))

        @expose("/refer/", methods=["POST"])
        def refer_view(self) -> Any:
            """Put the version on a meeting's agenda."""

            def work(record: CompactVersion, principal: Any) -> tuple[str, int]:
                raw = (request.form.get("deliberation_id") or "").strip()
                if not raw.isdigit():
                    raise CompactError("deliberation_id", "请选择审议本村规民约的议事会议")
                adoption.refer(self.session, record, int(raw), principal, principal.scope_code)
                return f"已提交议事协商：{record.deliberation}", record.id

            return self._act(work)

        @expose("/revise/", methods=["POST"])
        def revise_view(self) -> Any:
            """Start a new draft from this version."""

            def work(record: CompactVersion, principal: Any) -> tuple[str, int]:
                draft = drafting.start_draft(
                    self.session,
                    locality_code=record.locality_code,
                    based_on_id=record.id,
                    scope_code=principal.scope_code,
                )
                return f"已起草{draft.label}", draft.id

            return self._act(work)

        @expose("/article/", methods=["POST"])
        def article_view(self) -> Any:
            """Add an article to a draft."""

            def work(record: CompactVersion, principal: Any) -> tuple[str, int]:
                raw = (request.form.get("number") or "").strip()
                if not raw.isdigit():
                    raise CompactError("number", "条号必须是正整数")
                article = drafting.add_article(
                    self.session,
                    record,
                    number=int(raw),
                    chapter=request.form.get("chapter"),
                    body=request.form.get("body", ""),
                )
                return f"已添加{article}", record.id

            return self._act(work)

    return VersionView


def _article_view(admin: Any) -> type:
    base = admin.ModelView

    class ArticleView(base):
        """条款: edit or remove a draft's articles (adding is also on the version's page)."""

        manage_permission = DRAFT
        column_list = ["version", "number", "chapter", "body"]
        column_labels = {
            "version": "村规民约",
            "number": "条号",
            "chapter": "章节",
            "body": "条文",
            "locality": "所属村（社区）",
        }
        column_searchable_list = ["body"]
        column_default_sort = [("version_id", True), ("number", False)]
        form_columns = ["version", "number", "chapter", "body"]

        def _drafts_only(self, form: Any) -> Any:
            if hasattr(form, "version") and hasattr(form.version, "query"):
                form.version.query = form.version.query.filter(CompactVersion.state == "draft")
            return form

        def create_form(self, obj: Any = None) -> Any:
            return self._drafts_only(super().create_form(obj))

        def edit_form(self, obj: Any = None) -> Any:
            form = super().edit_form(obj)
            del form["version"]
            return form

        def on_model_change(self, form: Any, model: CompactArticle, is_created: bool) -> None:
            version = model.version
            if version is None:
                raise CompactError("version", "请选择村规民约")
            drafting.ensure_editable(version)
            number, chapter, body = drafting.article_fields(model.number, model.chapter, model.body)
            model.number, model.chapter, model.body = number, chapter, body
            model.locality_code = version.locality_code
            with self.session.no_autoflush:
                clash = self.session.scalar(
                    select(CompactArticle.id).where(
                        CompactArticle.version_id == version.id,
                        CompactArticle.number == number,
                        CompactArticle.id != (model.id or 0),
                    )
                )
            if clash:
                raise CompactError("number", f"{version.label}已有第{number}条")
            super().on_model_change(form, model, is_created)

        def on_model_delete(self, model: CompactArticle) -> None:
            drafting.ensure_editable(model.version)

    return ArticleView
