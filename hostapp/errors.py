"""Error pages for people (Chinese HTML) and for programs (JSON under ``/api/``)."""

from __future__ import annotations

import re
from typing import Any

from flask import render_template, request
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: ("请求无效", "请求的内容不完整或格式不对。如果是表单，请刷新页面后重新提交。"),
    401: ("需要登录", "请先登录。"),
    403: ("没有权限", "您的账号没有执行此操作的权限。"),
    404: ("页面不存在", "您要找的页面或记录不存在，或不在您的管辖范围内。"),
    405: ("不支持的请求方式", "此地址不支持该请求方式。"),
    413: ("文件过大", "上传的文件超过了大小限制。"),
    422: ("内容有误", "提交的内容未通过校验。"),
    429: ("请求过于频繁", "请稍后再试。"),
    500: ("服务器内部错误", "服务器出了问题，已记录，请稍后再试。"),
}


def own_description(error: HTTPException) -> str | None:
    """The error's description if we wrote it (in Chinese), not werkzeug's English default."""
    text = error.description or ""
    return text if re.search(r"[\u4e00-\u9fff]", text) else None


def is_api_request() -> bool:
    """Whether the current request is for the REST API (JSON errors) rather than a page."""
    return request.path.startswith("/api/")


def html_error(error: HTTPException) -> Any:
    """Render ``error`` as a Chinese page with the right status code."""
    code = error.code or 500
    title, text = MESSAGES.get(code, (error.name, error.description or ""))
    text = own_description(error) or text
    if code == 400 and error.description and "CSRF" in error.description:
        text = "表单的安全令牌缺失或已过期，请刷新页面后重新提交。"
    response = error.get_response()
    body = render_template("error.html", code=code, title=title, text=text)
    response.set_data(body)
    response.mimetype = "text/html"
    return response
