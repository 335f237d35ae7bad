"""Where in the tree each plugin runs: the ``[coverage.NAME]`` tables of the deployment config.

A plugin enabled in ``[plugins]`` runs everywhere under the deployment unless its coverage says
otherwise::

    [coverage.points]
    only = ["500243101000"]          # pilots: these towns/villages and everything under them
    exclude = ["500243101002"]       # a part of the tree that does not run it (yet)

A locality is *covered* when it lies within one of ``only`` (or ``only`` is empty) and within none
of ``exclude``. Records of the plugin may only be placed at covered localities; residents' pages
and event reactions follow the same rule. An account *reaches* a plugin when some covered locality
lies within its scope: a town account sees the plugin's menus when one of its villages is a pilot.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from core.localities import is_within


class CoverageError(ValueError):
    """A record of a plugin was placed at a locality where the deployment switched it off."""


@dataclasses.dataclass(frozen=True)
class Coverage:
    """The part of the tree where one plugin runs."""

    only: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    @property
    def everywhere(self) -> bool:
        """Whether the plugin runs in the whole deployment."""
        return not self.only and not self.exclude

    def covers(self, code: str) -> bool:
        """Whether the plugin runs at locality ``code`` (a 12-digit code or a group's 15)."""
        if self.only and not any(is_within(code, pilot) for pilot in self.only):
            return False
        return not any(is_within(code, off) for off in self.exclude)

    def reaches(self, scope_code: str) -> bool:
        """Whether the plugin runs at ``scope_code`` or anywhere under it."""
        if self.covers(scope_code):
            return True
        # Not covered at the scope itself: either a pilot lies under it, or the scope sits in an
        # excluded part whose holes (pilots inside the exclusion) are not expressible, so only
        # pilots below the scope can bring it back.
        return any(is_within(pilot, scope_code) and self.covers(pilot) for pilot in self.only)

    def describe(self) -> str:
        """The coverage in words, for ``gongzhi plugins`` and ``config describe``."""
        if self.everywhere:
            return "全域启用"
        parts = []
        if self.only:
            parts.append("仅限 " + "、".join(self.only))
        if self.exclude:
            parts.append("不含 " + "、".join(self.exclude))
        return "；".join(parts)


EVERYWHERE = Coverage()


class CoverageMap:
    """Every enabled plugin's :class:`Coverage`, with the questions the host app asks of them."""

    def __init__(self, coverages: Mapping[str, Coverage]) -> None:
        self._coverages = dict(coverages)

    def of(self, name: str) -> Coverage:
        """The coverage of plugin ``name`` (everywhere unless the config narrows it)."""
        return self._coverages.get(name, EVERYWHERE)

    def covers(self, name: str, code: str) -> bool:
        """Whether plugin ``name`` runs at locality ``code``."""
        return self.of(name).covers(code)

    def reaches(self, name: str, scope_code: str) -> bool:
        """Whether plugin ``name`` runs at ``scope_code`` or anywhere under it."""
        return self.of(name).reaches(scope_code)

    def uncovering(self, names: Iterable[str], code: str) -> list[str]:
        """Those of ``names`` that do not run at ``code``."""
        return [name for name in names if not self.covers(name, code)]


def parse_coverage(raw: Mapping[str, Any]) -> Coverage:
    """A :class:`Coverage` from an already-validated ``[coverage.NAME]`` table."""
    return Coverage(tuple(raw.get("only", ())), tuple(raw.get("exclude", ())))


def install_guard(session_factory: Any) -> None:
    """Refuse, at flush, a plugin's record placed where the deployment switched the plugin off.

    Catches every write path at once (admin, API, CLI, imports, event reactions, demo data): the
    model's table prefix names its plugin, its ``locality_code`` says where it is placed.
    """
    event.listen(session_factory, "before_flush", _check_placement)


def _check_placement(session: Session, _ctx: Any, _instances: Any) -> None:
    plugins = session.info.get("plugins")
    if plugins is None or plugins.coverage_everywhere:
        return
    for obj in (*session.new, *session.dirty):
        table = getattr(obj, "__tablename__", "")
        code = _placed_at(obj)
        if not code or "_" not in table:
            continue
        owner = plugins.owner_of_table(table)
        if owner is None or plugins.covers(owner, code):
            continue
        if obj in session.dirty and not _locality_changed(obj):
            continue  # records placed before a switch-off stay editable where they are
        title = plugins.get(owner).manifest.title
        raise CoverageError(f"{title}（{owner}）未在行政区划 {code} 启用，不能在此新增或迁入记录")


def _placed_at(obj: Any) -> str | None:
    """The record's locality code, also when a form set the relationship and not the column."""
    attrs = inspect(obj).attrs
    related = attrs["locality"].history.added if "locality" in attrs else ()
    code = getattr(related[0], "code", None) if related else getattr(obj, "locality_code", None)
    if code is None:
        code = getattr(getattr(obj, "locality", None), "code", None)
    return code if isinstance(code, str) else None


def _locality_changed(obj: Any) -> bool:
    attrs = inspect(obj).attrs
    return any(
        bool(attrs[name].history.added) for name in ("locality_code", "locality") if name in attrs
    )
