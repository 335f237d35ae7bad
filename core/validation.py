"""Turning validation errors into ``path: message`` lines in Chinese."""

from __future__ import annotations

import re
from typing import Any

_MESSAGES = [
    (r"^Missing data for required field\.$", "缺少必填项"),
    (r"^Unknown field\.$", "未知字段（请检查拼写）"),
    (r"^Not a valid integer\.$", "必须是整数"),
    (r"^Not a valid number\.$", "必须是数字"),
    (r"^Not a valid string\.$", "必须是文本"),
    (r"^Not a valid boolean\.$", "必须是 true 或 false"),
    (r"^Not a valid list\.$", "必须是列表"),
    (r"^Not a valid mapping type\.$", "必须是表（键值对）"),
    (r"^Not a valid date\.$", "必须是日期（YYYY-MM-DD）"),
    (r"^Not a valid decimal\.$", "必须是数字"),
    (r"^Field may not be null\.$", "不能为空"),
    (r"^Invalid input type\.$", "类型不正确"),
    (r"^Must be one of: (.*)\.$", r"必须是以下之一：\1"),
    (r"^Must be greater than or equal to (\S+)\.$", r"必须大于或等于 \1"),
    (r"^Must be less than or equal to (\S+)\.$", r"必须小于或等于 \1"),
    (
        r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$",
        r"必须在 \1 到 \2 之间",
    ),
    (r"^Must be greater than (\S+)\.$", r"必须大于 \1"),
    (r"^Shorter than minimum length (\d+)\.$", r"长度不能少于 \1"),
    (r"^Longer than maximum length (\d+)\.$", r"长度不能超过 \1"),
    (r"^Length must be between (\d+) and (\d+)\.$", r"长度必须在 \1 到 \2 之间"),
]


def translate(message: str) -> str:
    """marshmallow's English message in Chinese (unknown messages pass through unchanged)."""
    for pattern, replacement in _MESSAGES:
        if re.match(pattern, message):
            return re.sub(pattern, replacement, message)
    return message


def flatten_errors(messages: Any, prefix: str = "") -> list[str]:
    """Flatten marshmallow's nested error dict into ``a.b[2].c: message`` lines, sorted by path."""
    lines: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict) and node and set(node) <= {"key", "value"}:
            # marshmallow's Dict field reports {"key": [...], "value": {...}} per entry.
            if "key" in node:
                walk(node["key"], f"{path}（键）")
            if "value" in node:
                walk(node["value"], path)
        elif isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, int):
                    walk(value, f"{path}[{key}]")
                elif key == "_schema":
                    walk(value, path)
                else:
                    walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list | tuple):
            for item in node:
                walk(item, path)
        else:
            lines.append(f"{path or '（顶层）'}: {translate(str(node))}")

    walk(messages, prefix)
    return sorted(lines)


def translate_tree(messages: Any) -> Any:
    """``messages`` (marshmallow's nested errors) with every message in Chinese."""
    if isinstance(messages, dict):
        return {key: translate_tree(value) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [translate_tree(item) for item in messages]
    return translate(str(messages))
