"""积分细则: the county's rules from the config, overrides per town or village (一村一策), and
the effective rule of a locality — the newest version at the nearest locality up its tree.

PointsRule rows are versions and are never edited. The config's rules are written as versions at the
deployment's root locality the first time a session looks rules up (and again whenever the config
changes them), so every award records exactly the version it used.
"""

from __future__ import annotations

import weakref
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from core.db import utcnow
from core.localities import Level, level_of, parent_code, validate_code
from core.models import Locality
from core.runtime import plugin_settings
from plugins.points.models import PointsRule
from plugins.points.settings import AWARD_LEVELS, RuleSchema

RULE_FIELDS = (
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

_synced: weakref.WeakSet[Any] = weakref.WeakSet()
_SESSION_SYNCED = "points_rules_synced"
_SESSION_CACHE = "points_effective_rules"

LEVEL_DEPTH = {Level.COUNTY: 0, Level.TOWN: 1, Level.VILLAGE: 2, Level.GROUP: 3}
AWARD_DEPTH = {"county": 0, "town": 1, "village": 2}


class RuleError(ValueError):
    """A rule that does not exist or cannot be used here; the message is in Chinese."""


def root_code(session: Session) -> str:
    """The deployment's own locality (the county whose rules the config holds)."""
    return session.info["runtime"].config.locality_code


def chain(code: str, root: str) -> list[str]:
    """``code`` and its ancestors up to ``root``, nearest first."""
    codes: list[str] = []
    current: str | None = code
    while current is not None:
        codes.append(current)
        if current == root:
            break
        current = parent_code(current)
    return codes


def _latest(rows: list[PointsRule]) -> dict[tuple[str, str], PointsRule]:
    latest: dict[tuple[str, str], PointsRule] = {}
    for row in rows:
        key = (row.locality_code, row.code)
        if key not in latest or row.version > latest[key].version:
            latest[key] = row
    return latest


def sync_config_rules(session: Session, actor: str = "system:config") -> int:
    """Write the config's rules as new versions at the root where they differ from the newest
    stored version (a rule dropped from the config gets an inactive version). Returns how many
    versions were written.

    Concurrent first look-ups in several processes write the same versions: the insert skips a
    version another transaction wrote (unique locality, code and version), so none fails."""
    from plugins.points.ledger import insert_ignoring_duplicates

    root = root_code(session)
    configured = {rule["code"]: rule for rule in plugin_settings(session, "points")["rules"]}
    stored = _latest(
        list(session.scalars(select(PointsRule).where(PointsRule.locality_code == root)))
    )
    rows = []
    now = utcnow()
    for code, values in configured.items():
        current = stored.get((root, code))
        wanted = {field: values.get(field) for field in RULE_FIELDS}
        wanted["evidence"] = wanted["evidence"] or ""
        if current is not None and current.active and _same(current, wanted):
            continue
        version = (current.version + 1) if current else 1
        rows.append(_version_row(code, root, version, True, actor, now, wanted))
    for (_, code), current in stored.items():
        if code not in configured and current.active:
            retired = {field: getattr(current, field) for field in RULE_FIELDS}
            rows.append(_version_row(code, root, current.version + 1, False, actor, now, retired))
    if not rows:
        return 0
    written = insert_ignoring_duplicates(
        session, PointsRule.__table__, rows, ["locality_code", "code", "version"]
    )
    forget_cached_rules(session)
    return written


def _version_row(
    code: str,
    root: str,
    version: int,
    active: bool,
    actor: str,
    now: Any,
    values: dict[str, Any],
) -> dict[str, Any]:
    return {
        "code": code,
        "locality_code": root,
        "version": version,
        "active": active,
        "source": "config",
        "created_by": actor,
        "created_at": now,
        **values,
    }


def _same(rule: PointsRule, wanted: dict[str, Any]) -> bool:
    return all(getattr(rule, field) == value for field, value in wanted.items())


def ensure_synced(session: Session) -> None:
    """Sync the config's rules once per runtime and session (cheap afterwards)."""
    runtime = session.info.get("runtime")
    if session.info.get(_SESSION_SYNCED) or (runtime is not None and runtime in _synced):
        return
    # Remember across sessions only a check that found nothing to write: written rows may still
    # roll back with this session's transaction.
    if sync_config_rules(session) == 0 and runtime is not None:
        _synced.add(runtime)

    session.info[_SESSION_SYNCED] = True


def effective_rules(session: Session, locality_code: str) -> dict[str, PointsRule]:
    """Every rule in force at ``locality_code``, by code: for each code the newest version at
    the nearest locality up the tree, left out if that version is inactive."""
    ensure_synced(session)
    cache = session.info.get(_SESSION_CACHE)
    if cache is None:
        cache = session.info[_SESSION_CACHE] = {}
        if not event.contains(session, "after_soft_rollback", _forget_on_rollback):
            event.listen(session, "after_soft_rollback", _forget_on_rollback)
    if locality_code in cache:
        return cache[locality_code]
    codes = chain(locality_code, root_code(session))
    latest = _latest(
        list(session.scalars(select(PointsRule).where(PointsRule.locality_code.in_(codes))))
    )
    depth = {code: index for index, code in enumerate(codes)}
    chosen: dict[str, PointsRule] = {}
    for (locality, code), rule in latest.items():
        if code not in chosen or depth[locality] < depth[chosen[code].locality_code]:
            chosen[code] = rule
    found = {code: rule for code, rule in sorted(chosen.items()) if rule.active}
    cache[locality_code] = found
    return found


def _forget_on_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(_SESSION_CACHE, None)
    session.info.pop(_SESSION_SYNCED, None)


def forget_cached_rules(session: Session) -> None:
    """Drop the session's cache of effective rules (after a rule version was written)."""
    session.info.pop(_SESSION_CACHE, None)


def effective_rule(session: Session, locality_code: str, code: str) -> PointsRule:
    """The rule ``code`` in force at ``locality_code``; :class:`RuleError` if there is none."""
    code = (code or "").strip()
    rule = effective_rules(session, locality_code).get(code)
    if rule is None:
        raise RuleError(f"未知的积分规则代码：{code}（或该规则在此地已停用）")
    return rule


def rules_for_event(session: Session, locality_code: str, event_name: str) -> list[PointsRule]:
    """The rules in force at ``locality_code`` that an event named ``event_name`` triggers."""
    return [
        rule
        for rule in effective_rules(session, locality_code).values()
        if rule.trigger_event == event_name
    ]


def may_award(rule: PointsRule, scope_code: str) -> bool:
    """Whether an account scoped at ``scope_code`` is high enough to award ``rule``."""
    return LEVEL_DEPTH.get(level_of(scope_code), 3) <= AWARD_DEPTH[rule.awarded_by]


def award_level_label(rule: PointsRule) -> str:
    """Who may award the rule, in Chinese."""
    return AWARD_LEVELS[rule.awarded_by]


def add_override(
    session: Session, locality_code: str, values: dict[str, Any], actor: str, active: bool = True
) -> PointsRule:
    """A town's or village's own version of a rule (一村一策): validated like the config's
    rules, numbered after the newest version at that locality."""
    locality_code = validate_code(locality_code)
    ensure_synced(session)  # the county's versions exist before a village overrides one
    root = root_code(session)
    if locality_code == root:
        raise RuleError("县级积分细则来自部署配置，请修改配置文件；后台只能为乡镇或村设置覆盖规则")
    if level_of(locality_code) not in (Level.TOWN, Level.VILLAGE):
        raise RuleError("覆盖规则只能设在乡镇（街道）或村（社区）")
    if session.get(Locality, locality_code) is None:
        raise RuleError(f"行政区划不存在：{locality_code}")
    raw = {k: v for k, v in values.items() if k in (*RULE_FIELDS, "code") and v is not None}
    if raw.get("evidence") is None:
        raw["evidence"] = ""
    errors = RuleSchema().validate(raw)
    if errors:
        field, messages = next(iter(sorted(errors.items())))
        message = messages[0] if isinstance(messages, list) else str(messages)
        from core.validation import translate

        raise RuleError(f"{field}: {translate(message)}")
    loaded = RuleSchema().load(raw)
    current = session.scalar(
        select(func.max(PointsRule.version)).where(
            PointsRule.locality_code == locality_code, PointsRule.code == loaded["code"]
        )
    )
    rule = PointsRule(
        code=loaded["code"],
        locality_code=locality_code,
        version=(current or 0) + 1,
        active=active,
        source="admin",
        created_by=actor,
        **{field: loaded.get(field) for field in RULE_FIELDS},
    )
    session.add(rule)
    session.flush()
    forget_cached_rules(session)
    return rule
