"""Discovering, checking, ordering and enabling plugins.

Installed plugins are entry points in the group ``gongzhi.plugins``; only those named in the
deployment config are enabled. Every way enabling can fail raises a :class:`PluginError` whose
message says exactly what to fix. One :class:`PluginManager` exists per app instance.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import re
from collections.abc import Iterable, Mapping, Sequence
from types import ModuleType
from typing import Any

import marshmallow
import pluggy
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

import core
from core import hookspecs
from core.coverage import Coverage, CoverageMap
from core.gc_pause import collector_paused
from core.manifest import Permission, PluginManifest
from core.security import CORE_PERMISSIONS, PermissionRegistry
from core.validation import flatten_errors

ENTRY_POINT_GROUP = "gongzhi.plugins"


class PluginError(Exception):
    """Enabling plugins failed; the message names the plugin and what to do."""


class UnknownPluginError(PluginError):
    """The config names a plugin that is not installed."""


class MissingDependencyError(PluginError):
    """An enabled plugin requires a plugin that is not enabled."""


class DependencyCycleError(PluginError):
    """Enabled plugins require each other in a cycle."""


class PluginImportError(PluginError):
    """A plugin's module could not be imported, or has no valid manifest."""


class HookImplementationError(PluginError):
    """A plugin implements a hook that does not exist (usually a misspelling)."""


class PluginSettingsError(PluginError):
    """A plugin's settings do not validate; ``errors`` holds one ``path: message`` per problem."""

    def __init__(self, errors: list[str], heading: str = "插件设置有误") -> None:
        super().__init__(f"{heading}：\n" + "\n".join(f"  {e}" for e in errors))
        self.errors = errors


def installed_entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    """Every installed plugin's entry point, by name."""
    return {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}


def load_plugin_module(entry_point: importlib.metadata.EntryPoint) -> ModuleType:
    """Import a plugin's module and check its ``MANIFEST``; :class:`PluginImportError` if broken."""
    name = entry_point.name
    try:
        module = entry_point.load()
    except Exception as exc:
        raise PluginImportError(
            f"插件 {name} 无法加载（{entry_point.value}）：{type(exc).__name__}: {exc}"
        ) from exc
    manifest = getattr(module, "MANIFEST", None)
    if not isinstance(manifest, PluginManifest):
        raise PluginImportError(f"插件 {name} 的模块 {entry_point.value} 没有声明 MANIFEST")
    if manifest.name != name:
        raise PluginImportError(
            f"插件 {name} 的 MANIFEST.name 为 {manifest.name!r}，必须与入口点名称一致"
        )
    return module


@dataclasses.dataclass(frozen=True)
class EnabledPlugin:
    """An enabled plugin: its module, manifest and validated settings."""

    name: str
    module: ModuleType
    manifest: PluginManifest
    settings: dict[str, Any]


def _find_cycle(graph: Mapping[str, Sequence[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for dep in graph.get(node, ()):
            if state.get(dep) == 1:
                return [*stack[stack.index(dep) :], dep]
            if dep not in state and dep in graph:
                found = visit(dep)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in graph:
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def dependency_order(names: Sequence[str], requires: Mapping[str, Sequence[str]]) -> list[str]:
    """Order ``names`` so that each plugin follows what it requires, else keeping config order."""
    ordered: list[str] = []
    placed: set[str] = set()

    def place(name: str) -> None:
        if name in placed:
            return
        for dep in requires.get(name, ()):
            place(dep)
        placed.add(name)
        ordered.append(name)

    for name in names:
        place(name)
    return ordered


class PluginManager:
    """The plugins enabled for one app instance, registered with pluggy in a deterministic order.

    Hook calls (``manager.hook.register_admin_views(...)``) reach plugins in *plugin order*:
    dependencies first, then the order of the config's ``enabled`` list.
    """

    def __init__(
        self,
        enabled: Sequence[str],
        settings: Mapping[str, Mapping[str, Any]] | None = None,
        installed: Mapping[str, importlib.metadata.EntryPoint] | None = None,
        role_grants: Mapping[str, Iterable[str]] | None = None,
        coverage: Mapping[str, Coverage] | None = None,
    ) -> None:
        self.coverage = CoverageMap(coverage or {})
        self.coverage_everywhere = all(c.everywhere for c in (coverage or {}).values())
        self._table_owners: dict[str, str | None] = {}
        self._subset_callers: dict[tuple[str, frozenset[str]], Any] = {}
        self.installed = dict(installed if installed is not None else installed_entry_points())
        self._pm = pluggy.PluginManager(core.PROJECT_NAME)
        self._pm.add_hookspecs(hookspecs)
        self.plugins: list[EnabledPlugin] = []
        # Importing the plugins builds their models, schemas and views, which live as long as
        # the process: the cyclic collector would only rescan them (see core.gc_pause).
        with collector_paused():
            self._enable(list(enabled), settings or {})
        self.permissions = self._collect_permissions(role_grants or {})

    @property
    def hook(self) -> pluggy.HookRelay:
        """The hook relay: ``manager.hook.NAME(**kwargs)``."""
        return self._pm.hook

    @property
    def names(self) -> list[str]:
        """Enabled plugin names in plugin order."""
        return [p.name for p in self.plugins]

    def get(self, name: str) -> EnabledPlugin:
        """The enabled plugin called ``name``; ``KeyError`` if it is not enabled."""
        for plugin in self.plugins:
            if plugin.name == name:
                return plugin
        raise KeyError(name)

    def is_enabled(self, name: str) -> bool:
        """Whether the plugin ``name`` is enabled in this deployment."""
        return any(p.name == name for p in self.plugins)

    def settings(self, name: str) -> dict[str, Any]:
        """The validated settings of plugin ``name``, defaults filled in."""
        return self.get(name).settings

    def plugin_hook_caller(self, name: str, hook_name: str) -> Any:
        """A caller of hook ``hook_name`` that reaches only plugin ``name``'s implementation."""
        others = [p.module for p in self.plugins if p.name != name]
        return self._pm.subset_hook_caller(hook_name, remove_plugins=others)

    # -- coverage: where in the tree each plugin runs ----------------------------------------------

    def covers(self, name: str, locality_code: str) -> bool:
        """Whether plugin ``name`` is enabled and runs at ``locality_code`` (see core.coverage)."""
        return self.is_enabled(name) and self.coverage.covers(name, locality_code)

    def reaches(self, name: str, scope_code: str) -> bool:
        """Whether plugin ``name`` is enabled and runs at ``scope_code`` or anywhere under it."""
        return self.is_enabled(name) and self.coverage.reaches(name, scope_code)

    def names_at(self, locality_code: str) -> list[str]:
        """The plugins running at ``locality_code``, in plugin order."""
        return [name for name in self.names if self.coverage.covers(name, locality_code)]

    def owner_of_table(self, table: str) -> str | None:
        """The enabled plugin whose prefix names ``table`` (``points_ledger`` → ``points``)."""
        if table not in self._table_owners:
            owners = [n for n in self.names if table.startswith(f"{n}_")]
            self._table_owners[table] = max(owners, key=len) if owners else None
        return self._table_owners[table]

    def hook_at(self, locality_code: str, hook_name: str) -> Any:
        """A caller of hook ``hook_name`` reaching only the plugins running at ``locality_code``.

        Event reactions go through it: a plugin switched off at the event's place does not react.
        """
        if self.coverage_everywhere:
            return getattr(self._pm.hook, hook_name)
        return self._subset(hook_name, self.coverage.uncovering(self.names, locality_code))

    def hook_reaching(self, scope_code: str, hook_name: str) -> Any:
        """A caller of hook ``hook_name`` reaching the plugins that run at or under ``scope_code``.

        Pages about a place go through it: a town's page shows a plugin piloted in one village.
        """
        if self.coverage_everywhere:
            return getattr(self._pm.hook, hook_name)
        absent = [n for n in self.names if not self.coverage.reaches(n, scope_code)]
        return self._subset(hook_name, absent)

    def _subset(self, hook_name: str, removed: Iterable[str]) -> Any:
        key = (hook_name, frozenset(removed))
        if key not in self._subset_callers:
            modules = [p.module for p in self.plugins if p.name in key[1]]
            self._subset_callers[key] = (
                self._pm.subset_hook_caller(hook_name, remove_plugins=modules)
                if modules
                else getattr(self._pm.hook, hook_name)
            )
        return self._subset_callers[key]

    def implemented_hooks(self, name: str) -> list[str]:
        """Names of the hooks plugin ``name`` implements, sorted."""
        module = self.get(name).module
        return sorted(
            hook_name
            for hook_name in dir(self._pm.hook)
            if not hook_name.startswith("_")
            and any(
                impl.plugin is module for impl in getattr(self._pm.hook, hook_name).get_hookimpls()
            )
        )

    # -- enabling -------------------------------------------------------------------------------

    def _enable(self, enabled: list[str], settings: Mapping[str, Mapping[str, Any]]) -> None:
        duplicates = sorted({n for n in enabled if enabled.count(n) > 1})
        if duplicates:
            raise PluginError(f"插件重复启用：{', '.join(duplicates)}")
        unknown = [n for n in enabled if n not in self.installed]
        if unknown:
            available = ", ".join(sorted(self.installed)) or "（无）"
            raise UnknownPluginError(
                f"未安装的插件：{', '.join(unknown)}。已安装的插件有：{available}。"
                "请检查拼写，或先用 pip 安装该插件。"
            )
        extra = sorted(set(settings) - set(enabled))
        if extra:
            raise PluginSettingsError(
                [
                    f"plugins.{n}: 该插件未启用，却有设置（请加入 plugins.enabled 或删除此节）"
                    for n in extra
                ]
            )
        modules = {name: load_plugin_module(self.installed[name]) for name in enabled}
        manifests: dict[str, PluginManifest] = {n: m.MANIFEST for n, m in modules.items()}
        self._check_requirements(enabled, manifests)
        order = dependency_order(enabled, {n: manifests[n].requires for n in enabled})
        errors: list[str] = []
        validated: dict[str, dict[str, Any]] = {}
        for name in order:
            try:
                validated[name] = manifests[name].load_settings(dict(settings.get(name, {})))
            except marshmallow.ValidationError as exc:
                errors.extend(flatten_errors(exc.messages, f"plugins.{name}"))
        if errors:
            raise PluginSettingsError(errors)
        for name in order:
            manifest = manifests[name]
            if manifest.hookspecs is not None:
                self._pm.add_hookspecs(manifest.hookspecs)
            self.plugins.append(EnabledPlugin(name, modules[name], manifest, validated[name]))
        # pluggy calls the most recently registered implementation first.
        for plugin in reversed(self.plugins):
            self._pm.register(plugin.module, name=plugin.name)
        try:
            self._pm.check_pending()
        except pluggy.PluginValidationError as exc:
            name = self._pm.get_name(exc.plugin) or "?"
            match = re.search(r"unknown hook '(\w+)'", str(exc))
            hook = match[1] if match else str(exc)
            raise HookImplementationError(
                f"插件 {name} 实现了不存在的钩子 {hook}。"
                "请检查函数名拼写；可用的钩子见 docs/hooks.md。"
            ) from exc

    @staticmethod
    def _check_requirements(enabled: list[str], manifests: Mapping[str, PluginManifest]) -> None:
        core_version = Version(core.__version__)
        for name in enabled:
            manifest = manifests[name]
            try:
                spec = SpecifierSet(manifest.requires_core)
            except InvalidSpecifier as exc:
                raise PluginImportError(
                    f"插件 {name} 的 requires_core 无效：{manifest.requires_core!r}"
                ) from exc
            if core_version not in spec:
                raise PluginError(
                    f"插件 {name} 需要核心版本 {manifest.requires_core}，"
                    f"当前核心版本为 {core_version}"
                )
            missing = [dep for dep in manifest.requires if dep not in manifests]
            if missing:
                raise MissingDependencyError(
                    f"插件 {name} 依赖插件 {', '.join(missing)}，但后者未启用。"
                    f"请在 plugins.enabled 中加入 {', '.join(missing)}。"
                )
        cycle = _find_cycle({n: manifests[n].requires for n in enabled})
        if cycle:
            raise DependencyCycleError(f"插件之间存在循环依赖：{' → '.join(cycle)}")

    def _collect_permissions(self, role_grants: Mapping[str, Iterable[str]]) -> PermissionRegistry:
        declared: list[Permission] = list(CORE_PERMISSIONS)
        for plugin in self.plugins:
            caller = self.plugin_hook_caller(plugin.name, "register_permissions")
            for result in caller():
                for permission in result or ():
                    if not permission.code.startswith(f"{plugin.name}."):
                        raise PluginError(
                            f"插件 {plugin.name} 声明的权限 {permission.code} "
                            f"必须以 “{plugin.name}.” 开头"
                        )
                    declared.append(permission)
        try:
            return PermissionRegistry(declared, role_grants)
        except ValueError as exc:
            raise PluginSettingsError([str(exc)], heading="角色设置有误") from exc
