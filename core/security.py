"""Roles, permissions and the ``Principal`` that carries an account's effective permissions."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from core.manifest import Permission
from core.models.account import Account

ROLES = {
    "county_admin": "县级管理员",
    "town_admin": "乡镇管理员",
    "village_admin": "村级管理员",
}
"""Built-in roles. An account's locality scope limits *where* it acts; its roles, *what* it does."""

ALL_ADMINS = ("county_admin", "town_admin", "village_admin")

CORE_PERMISSIONS: tuple[Permission, ...] = (
    Permission("core.locality.manage", "维护行政区划", ("county_admin",)),
    Permission("core.person.view", "查看居民", ALL_ADMINS),
    Permission("core.person.manage", "维护居民和户", ALL_ADMINS),
    Permission("core.person.view_id_number", "查看完整身份证号", ("county_admin",)),
    Permission("core.organization.manage", "维护组织和成员", ALL_ADMINS),
    Permission("core.account.manage", "管理后台账号", ("county_admin", "town_admin")),
    Permission("core.audit.view", "查看审计日志", ("county_admin",)),
    Permission("core.event.view", "查看事件日志", ("county_admin",)),
    Permission("core.settings.view", "查看一村一策设置", ALL_ADMINS),
    Permission("core.settings.override", "设置一村一策（覆盖插件设置）", ALL_ADMINS),
)


class PermissionRegistry:
    """Every declared permission and which roles hold it (defaults plus the config's grants)."""

    def __init__(
        self, declared: Iterable[Permission], grants: Mapping[str, Iterable[str]] | None = None
    ) -> None:
        self.permissions: dict[str, Permission] = {}
        for permission in declared:
            if permission.code in self.permissions:
                raise ValueError(f"权限 {permission.code} 被重复声明")
            self.permissions[permission.code] = permission
        self._by_role: dict[str, set[str]] = {role: set() for role in ROLES}
        for permission in self.permissions.values():
            for role in permission.roles:
                self._by_role.setdefault(role, set()).add(permission.code)
        for role, codes in (grants or {}).items():
            for code in codes:
                if code not in self.permissions:
                    raise ValueError(f"roles.{role}.permissions: 未知权限 {code}")
                self._by_role.setdefault(role, set()).add(code)
        self._granted: dict[tuple[str, ...], frozenset[str]] = {}

    @property
    def roles(self) -> list[str]:
        """Every role name that holds at least one permission or is built in."""
        return sorted(self._by_role)

    def granted(self, roles: Iterable[str]) -> frozenset[str]:
        """The permissions held through ``roles``."""
        result: set[str] = set()
        for role in roles:
            result |= self._by_role.get(role, set())
        return frozenset(result)

    def principal(self, account: Account) -> Principal:
        """The acting principal for ``account``.

        The permission set depends only on the account's roles, and the registry does not change
        once built, so each combination of roles is resolved once (every API request and admin
        page builds a principal).
        """
        roles = tuple(account.roles or ())
        permissions = self._granted.get(roles)
        if permissions is None:
            permissions = self._granted[roles] = self.granted(roles)
        return Principal(account, permissions)


@dataclasses.dataclass(frozen=True)
class Principal:
    """An account with its effective permissions: the actor of workflows and scoped queries."""

    account: Account
    permissions: frozenset[str]

    @property
    def scope_code(self) -> str:
        """The locality the account works for."""
        return self.account.scope_code

    @property
    def label(self) -> str:
        """How the audit log names this actor."""
        return f"account:{self.account.username}"

    def has_permission(self, permission: str) -> bool:
        """Whether the account may do ``permission``."""
        return permission in self.permissions


@dataclasses.dataclass(frozen=True)
class SystemActor:
    """The operator at the server's console (the ``gongzhi`` CLI): holds every permission."""

    label: str = "system:cli"

    def has_permission(self, permission: str) -> bool:
        """The operator at the console may do everything."""
        return True
