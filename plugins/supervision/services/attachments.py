"""Attaching scanned vouchers, minutes and bulletin-board photos (PDF, JPEG or PNG)."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.runtime import plugin_settings
from plugins.supervision.models import (
    Disclosure,
    InspectionFinding,
    MatterMeeting,
    SupervisionAttachment,
    Voucher,
)
from plugins.supervision.models.attachments import ATTACHMENT_OWNERS
from plugins.supervision.services import SupervisionError, now
from plugins.supervision.workflows import actor_label

SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}
OWNER_MODELS: dict[str, Any] = {
    "voucher": Voucher,
    "meeting": MatterMeeting,
    "disclosure": Disclosure,
    "finding": InspectionFinding,
}


def sniff(data: bytes) -> str | None:
    """The content type of ``data`` from its first bytes, if it is a PDF, PNG or JPEG."""
    for signature, content_type in SIGNATURES.items():
        if data.startswith(signature):
            return content_type
    return None


def owner_locality(owner: Any) -> str:
    """The locality an attachment of ``owner`` belongs to."""
    if isinstance(owner, MatterMeeting):
        return owner.matter.locality_code
    return owner.locality_code


def attach(
    session: Session, actor: Any, owner_kind: str, owner: Any, filename: str, data: bytes
) -> SupervisionAttachment:
    """Attach a file to a voucher (while a draft), a meeting, a disclosure or a finding.

    Only PDF, JPEG and PNG files are taken, checked by their content, up to the county's size
    limit. A disclosure's attachment is the photo of its bulletin-board posting.
    """
    if owner_kind not in ATTACHMENT_OWNERS:
        raise SupervisionError(f"附件所属必须是 {'、'.join(ATTACHMENT_OWNERS)} 之一", "owner")
    if owner_kind == "voucher" and owner.state != "draft":
        raise SupervisionError("凭证提交后不能再补充附件；请退回后补充", "file")
    name = re.sub(r"[\\/\x00-\x1f]", "_", (filename or "").strip())[-200:]
    if not name:
        raise SupervisionError("请提供文件名", "file")
    if not data:
        raise SupervisionError("文件为空", "file")
    limit = plugin_settings(session, "supervision")["attachment_max_kb"] * 1024
    if len(data) > limit:
        raise SupervisionError(
            f"文件 {name} 大小 {len(data) // 1024} KB，超过上限 {limit // 1024} KB", "file"
        )
    content_type = sniff(data)
    if content_type is None:
        raise SupervisionError(f"文件 {name} 不是 PDF、JPEG 或 PNG 格式", "file")
    attachment = SupervisionAttachment(
        locality_code=owner_locality(owner),
        owner_kind=owner_kind,
        owner_id=owner.id,
        filename=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        uploaded_by=actor_label(actor),
        uploaded_at=now(session),
    )
    session.add(attachment)
    session.flush()
    return attachment


def attachments_of(session: Session, owner_kind: str, owner_id: int) -> list[SupervisionAttachment]:
    """The attachments of one record, oldest first."""
    return list(
        session.scalars(
            select(SupervisionAttachment)
            .where(
                SupervisionAttachment.owner_kind == owner_kind,
                SupervisionAttachment.owner_id == owner_id,
            )
            .order_by(SupervisionAttachment.id)
        )
    )
