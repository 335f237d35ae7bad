"""Attachments: scanned vouchers, meeting minutes, bulletin-board photos, rectification proof.

Files are kept in the database with their SHA-256, so they commit and back up with the record
they document; an attachment is never replaced, only added.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Index, Integer, LargeBinary, String, event
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow
from core.models.scoped import LocalityScoped
from plugins.supervision.models.common import LockedRecordError

ATTACHMENT_OWNERS = {
    "voucher": "收支凭证",
    "meeting": "会议记录",
    "disclosure": "公开内容",
    "finding": "督查问题",
}


class SupervisionAttachment(LocalityScoped, Base):
    """A file attached to a voucher, meeting, disclosure or finding of the same locality."""

    __tablename__ = "supervision_attachment"
    __audit_masked__ = ("data",)  # the audit log keeps the SHA-256, not the file
    __table_args__ = (Index("ix_supervision_attachment_owner", "owner_kind", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_kind: Mapped[str] = mapped_column(String(20), comment="附件所属")
    owner_id: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(200), comment="文件名")
    content_type: Mapped[str] = mapped_column(String(100), comment="类型")
    size: Mapped[int] = mapped_column(Integer, comment="大小（字节）")
    sha256: Mapped[str] = mapped_column(String(64), comment="SHA-256")
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by: Mapped[str | None] = mapped_column(String(100), comment="上传人")
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def owner_label(self) -> str:
        """收支凭证, 会议记录…"""
        return ATTACHMENT_OWNERS.get(self.owner_kind, self.owner_kind)

    def __str__(self) -> str:
        return self.filename


@event.listens_for(SupervisionAttachment, "before_update")
@event.listens_for(SupervisionAttachment, "before_delete")
def _attachments_are_kept(_mapper: Any, _connection: Any, target: Any) -> None:
    raise LockedRecordError("附件上传后不能修改或删除")
