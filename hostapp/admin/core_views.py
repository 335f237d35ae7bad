"""Admin views of the core registers: localities, residents, households, organisations, accounts,
and the audit and event logs."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import false, true
from wtforms import PasswordField, SelectMultipleField
from wtforms.validators import Optional

from core.events import PersonRegistered, emit
from core.identity import IdentityError, mask_id_number, mask_phone, normalize_id_number
from core.localities import LEVEL_LABELS
from core.models import (
    Account,
    AuditEntry,
    EventRecord,
    Household,
    Locality,
    Membership,
    Organization,
    Person,
    SettingOverride,
    Tag,
)
from core.models.organization import ORGANIZATION_KIND_LABELS, SOCIAL_ORGANIZATION_TYPES
from core.security import ROLES
from hostapp.admin.base import ReadOnlyScopedView, ScopedAjaxLoader, ScopedModelView
from hostapp.admin.settings_view import SettingOverrideView
from hostapp.auth import current_principal

CORE_CATEGORY = _l("基础信息")
SYSTEM_CATEGORY = _l("系统管理")

DETAILS_GROUP = tuple[str, list[tuple[str, str]]]


def _label_of(mapping: dict[Any, str]):
    def format_(view: Any, context: Any, model: Any, name: str) -> str:
        value = getattr(model, name)
        return mapping.get(value, value or "")

    return format_


class LocalityView(ScopedModelView):
    """行政区划: the locality tree within the account's scope."""

    permission = "core.person.view"
    manage_permission = "core.locality.manage"
    column_list = ["code", "name", "level", "parent_code"]
    column_default_sort = "code"
    column_searchable_list = ["code", "name"]
    column_filters = ["level"]
    column_labels = {
        "code": _l("区划代码"),
        "name": _l("名称"),
        "level": _l("层级"),
        "parent_code": _l("上级代码"),
    }
    column_formatters = {
        "level": _label_of({lv.value: label for lv, label in LEVEL_LABELS.items()})
    }
    form_columns = ["code", "name"]
    allow_delete = False


class PersonView(ScopedModelView):
    """居民: identity numbers and phones shown masked unless the role may see them."""

    permission = "core.person.view"
    manage_permission = "core.person.manage"
    column_list = [
        "name",
        "id_number",
        "sex",
        "birth_date",
        "phone",
        "locality",
        "household",
        "tags",
    ]
    column_details_list = [*column_list, "relation", "note", "created_at"]
    # By name only: the search is a GET, and an identity number must never be part of an address
    # (hostapp/privacy.py). Finding a resident by identity number is the POST lookup below.
    column_searchable_list = ["name"]
    list_template = "admin/gongzhi/person_list.html"
    column_filters = ["sex", "birth_date", "tags.name"]
    column_labels = {
        "name": _l("姓名"),
        "id_number": _l("身份证号"),
        "sex": _l("性别"),
        "birth_date": _l("出生日期"),
        "phone": _l("电话"),
        "locality": _l("所属区划"),
        "household": _l("户"),
        "relation": _l("与户主关系"),
        "tags": _l("标签"),
        "note": _l("备注"),
        "created_at": _l("登记时间"),
        "tags.name": _l("标签"),
    }
    form_columns = [
        "name",
        "id_number",
        "phone",
        "locality",
        "household",
        "relation",
        "tags",
        "note",
    ]
    column_sortable_list = ["name", "birth_date"]

    def _id_number(view: Any, context: Any, model: Person, name: str) -> str:
        principal = current_principal()
        if principal is not None and principal.has_permission("core.person.view_id_number"):
            return model.id_number
        return model.masked_id_number

    column_formatters = {
        "id_number": _id_number,
        "sex": lambda v, c, m, n: m.sex_label,
        "phone": lambda v, c, m, n: mask_phone(m.phone),
        "tags": lambda v, c, m, n: "、".join(t.name for t in m.tags),
    }
    column_formatters_detail = column_formatters

    def on_model_change(self, form: Any, model: Person, is_created: bool) -> None:
        super().on_model_change(form, model, is_created)
        if is_created:
            emit(
                self.session,
                PersonRegistered(locality_code=model.locality_code, person_id=model.id),
            )

    def edit_form(self, obj: Any = None) -> Any:
        form = super().edit_form(obj)
        principal = current_principal()
        if principal is None or not principal.has_permission("core.person.view_id_number"):
            # Editing would reveal the full number in the field's value.
            del form.id_number
        return form

    @expose("/lookup/", methods=["POST"])
    def lookup_view(self) -> Any:
        """按身份证号查找: open the resident with this identity number, if within scope.

        A POST form, so that the number stays out of the address; the answer redirects to the
        resident's details page, whose address holds only the record's id.
        """
        list_url = self.get_url(".index_view")
        raw = (request.form.get("id_number") or "").strip()
        if not raw:
            flash(_("请输入要查找的身份证号"), "error")
            return redirect(list_url, code=303)
        try:
            number = normalize_id_number(raw)
        except IdentityError as exc:
            flash(_("身份证号：%(error)s", error=str(exc)), "error")
            return redirect(list_url, code=303)
        person = self.get_query().filter(Person.id_number == number).one_or_none()
        if person is None:
            flash(
                _("您的管辖范围内没有身份证号为 %(number)s 的居民", number=mask_id_number(number)),
                "info",
            )
            return redirect(list_url, code=303)
        return redirect(self.get_url(".details_view", id=person.id, url=list_url), code=303)

    def extra_details(self, record: Person) -> list[Any]:
        groups = []
        for plugin in self.runtime.plugins.plugins:
            if not self.runtime.plugins.covers(plugin.name, record.locality_code):
                continue
            caller = self.runtime.plugins.plugin_hook_caller(plugin.name, "provide_person_summary")
            for rows in caller(person_id=record.id, session=self.session):
                if rows:
                    groups.append(_Group(plugin.manifest.title, list(rows)))
        return groups


class _Group:
    def __init__(self, title: str, rows: list[tuple[str, str]]) -> None:
        self.title = title
        self.rows = rows


class HouseholdView(ScopedModelView):
    """户: households and their members."""

    permission = "core.person.view"
    manage_permission = "core.person.manage"
    column_list = ["number", "locality", "address", "members"]
    column_searchable_list = ["number", "address"]
    column_labels = {
        "number": _l("户号"),
        "locality": _l("所属区划"),
        "address": _l("住址"),
        "members": _l("成员"),
        "created_at": _l("登记时间"),
    }
    column_formatters = {"members": lambda v, c, m, n: "、".join(p.name for p in m.members)}
    form_columns = ["number", "locality", "address"]


class TagView(ScopedModelView):
    """标签: the labels residents can carry (党员, 老年人…)."""

    permission = "core.person.view"
    manage_permission = "core.locality.manage"
    column_list = ["name", "description"]
    column_labels = {"name": _l("标签"), "description": _l("说明")}
    form_columns = ["name", "description"]

    def scope_condition(self) -> Any:
        return true()


class OrganizationView(ScopedModelView):
    """组织: party branches, committees, councils, social organisations, merchants."""

    permission = "core.person.view"
    manage_permission = "core.organization.manage"
    column_list = ["name", "kind", "locality", "credit_code", "last_inspection_on"]
    column_searchable_list = ["name", "credit_code"]
    column_filters = ["kind", "social_type"]
    column_labels = {
        "name": _l("名称"),
        "kind": _l("类型"),
        "locality": _l("所属区划"),
        "credit_code": _l("统一社会信用代码"),
        "social_type": _l("社会组织类型"),
        "registered_on": _l("登记日期"),
        "last_inspection_on": _l("最近年检"),
        "last_inspection_result": _l("年检结论"),
        "contact_phone": _l("联系电话"),
        "memberships": _l("成员"),
    }
    column_formatters = {
        "kind": _label_of({k.value: v for k, v in ORGANIZATION_KIND_LABELS.items()}),
        "social_type": _label_of(SOCIAL_ORGANIZATION_TYPES),
    }
    form_columns = [
        "name",
        "kind",
        "locality",
        "credit_code",
        "social_type",
        "registered_on",
        "last_inspection_on",
        "last_inspection_result",
        "contact_phone",
    ]
    form_choices = {
        "kind": [(k.value, v) for k, v in ORGANIZATION_KIND_LABELS.items()],
        "social_type": [("", "—"), *SOCIAL_ORGANIZATION_TYPES.items()],
    }


class MembershipView(ScopedModelView):
    """组织成员: who holds which role in which organisation (网格员, 楼栋长, 监委会主任…)."""

    permission = "core.person.view"
    manage_permission = "core.organization.manage"
    column_list = ["person", "organization", "role", "start_on", "end_on"]
    column_filters = ["role"]
    column_searchable_list = ["role"]
    column_labels = {
        "person": _l("成员"),
        "organization": _l("组织"),
        "role": _l("职务"),
        "start_on": _l("起始日期"),
        "end_on": _l("终止日期"),
    }
    form_columns = ["person", "organization", "role", "start_on", "end_on"]

    def __init__(self, model: type, runtime: Any, **kwargs: Any) -> None:
        self.form_ajax_refs = {
            "person": ScopedAjaxLoader("person", runtime.db.session, Person, fields=["name"])
        }
        super().__init__(model, runtime, **kwargs)

    def on_model_change(self, form: Any, model: Membership, is_created: bool) -> None:
        super().on_model_change(form, model, is_created)
        principal = current_principal()
        person = model.person
        if (
            principal is not None
            and person is not None
            and not principal.account.sees(person.locality_code)
        ):
            raise ValueError("所选居民不在您的管辖范围内")


class AccountView(ScopedModelView):
    """后台账号: staff logins with roles and a locality scope; passwords are set, never shown."""

    permission = "core.account.manage"
    manage_permission = "core.account.manage"
    column_list = ["username", "display_name", "roles", "scope", "is_active", "locked_until"]
    column_searchable_list = ["username", "display_name"]
    column_labels = {
        "username": _l("用户名"),
        "display_name": _l("姓名"),
        "roles": _l("角色"),
        "scope": _l("管辖范围"),
        "is_active": _l("启用"),
        "locked_until": _l("锁定至"),
        "new_password": _l("新密码"),
        "created_at": _l("创建时间"),
    }
    column_formatters = {"roles": lambda v, c, m, n: "、".join(ROLES.get(r, r) for r in m.roles)}
    column_details_exclude_list = ["password_hash", "failed_logins"]
    form_columns = ["username", "display_name", "roles", "scope", "is_active", "new_password"]
    form_extra_fields = {
        "new_password": PasswordField(_l("新密码"), validators=[Optional()]),
    }
    form_overrides = {"roles": SelectMultipleField}
    allow_delete = False

    def _role_choices(self) -> list[tuple[str, str]]:
        principal = current_principal()
        roles = self.runtime.plugins.permissions.roles
        choices = [(r, ROLES.get(r, r)) for r in roles]
        if principal is not None and "county_admin" not in principal.account.roles:
            choices = [c for c in choices if c[0] != "county_admin"]
        return choices

    def create_form(self, obj: Any = None) -> Any:
        form = super().create_form(obj)
        form.roles.choices = self._role_choices()
        return form

    def edit_form(self, obj: Any = None) -> Any:
        form = super().edit_form(obj)
        form.roles.choices = self._role_choices()
        return form

    def on_model_change(self, form: Any, model: Account, is_created: bool) -> None:
        password = form.new_password.data
        if is_created and not password:
            raise ValueError("新账号必须设置密码")
        if password:
            model.set_password(password)
        principal = current_principal()
        allowed = {c for c, _ in self._role_choices()}
        if principal is not None and not set(model.roles or ()) <= allowed:
            raise ValueError("您不能授予该角色")
        super().on_model_change(form, model, is_created)


class _RootOnlyLogView(ReadOnlyScopedView):
    """A log that only accounts scoped to the deployment's root locality may read."""

    def scope_condition(self) -> Any:
        principal = current_principal()
        if principal is None or principal.scope_code != self.runtime.config.locality_code:
            return false()
        return true()


class AuditView(_RootOnlyLogView):
    """审计日志: every write, hash-chained; read-only."""

    permission = "core.audit.view"
    can_view_details = True
    column_list = ["id", "at", "actor", "channel", "action", "table_name", "record_id"]
    column_details_list = [*column_list, "before", "after", "prev_hash", "hash"]
    column_default_sort = ("id", True)
    column_filters = ["actor", "channel", "action", "table_name", "record_id"]
    column_labels = {
        "id": _l("序号"),
        "at": _l("时间"),
        "actor": _l("操作人"),
        "channel": _l("渠道"),
        "action": _l("操作"),
        "table_name": _l("数据表"),
        "record_id": _l("记录"),
        "before": _l("修改前"),
        "after": _l("修改后"),
        "prev_hash": _l("前序哈希"),
        "hash": _l("哈希"),
    }
    column_formatters = {
        "action": _label_of({"create": "新增", "update": "修改", "delete": "删除"}),
        "before": lambda v, c, m, n: Markup("<pre>{}</pre>").format(m.before),
        "after": lambda v, c, m, n: Markup("<pre>{}</pre>").format(m.after),
    }


class EventView(ReadOnlyScopedView):
    """事件日志: domain events within the account's scope."""

    permission = "core.event.view"
    column_list = ["id", "occurred_at", "name", "locality_code", "actor"]
    column_details_list = [*column_list, "payload"]
    column_default_sort = ("id", True)
    column_filters = ["name", "locality_code"]
    column_labels = {
        "id": _l("序号"),
        "occurred_at": _l("时间"),
        "name": _l("事件"),
        "locality_code": _l("区划代码"),
        "actor": _l("操作人"),
        "payload": _l("内容"),
    }


def core_views(runtime: Any) -> list[Any]:
    """The core registers' admin views, in menu order."""
    return [
        LocalityView(Locality, runtime, name=_l("行政区划"), category=CORE_CATEGORY),
        PersonView(Person, runtime, name=_l("居民"), category=CORE_CATEGORY),
        HouseholdView(Household, runtime, name=_l("户"), category=CORE_CATEGORY),
        OrganizationView(Organization, runtime, name=_l("组织"), category=CORE_CATEGORY),
        MembershipView(Membership, runtime, name=_l("组织成员"), category=CORE_CATEGORY),
        TagView(Tag, runtime, name=_l("居民标签"), category=CORE_CATEGORY),
        SettingOverrideView(
            SettingOverride, runtime, name=_l("一村一策设置"), category=SYSTEM_CATEGORY
        ),
        AccountView(Account, runtime, name=_l("后台账号"), category=SYSTEM_CATEGORY),
        AuditView(AuditEntry, runtime, name=_l("审计日志"), category=SYSTEM_CATEGORY),
        EventView(EventRecord, runtime, name=_l("事件日志"), category=SYSTEM_CATEGORY),
    ]
