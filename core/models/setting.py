"""``SettingOverride``: a town's or village's own value for one plugin setting (一村一策)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow
from core.models.scoped import LocalityScoped


class SettingOverride(LocalityScoped, Base):
    """One setting of one plugin, set for a locality and everything under it.

    The config's ``[plugins.NAME]`` values are the county's defaults; an override at a town holds
    for its villages unless a village overrides it again (the nearest one wins). Writes are
    audited like every other record.
    """

    __tablename__ = "core_setting_override"
    __table_args__ = (UniqueConstraint("locality_code", "plugin", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plugin: Mapped[str] = mapped_column(String(50), comment="插件")
    key: Mapped[str] = mapped_column(String(100), comment="设置项")
    value: Mapped[Any] = mapped_column(JSON, comment="取值")
    reason: Mapped[str] = mapped_column(String(200), default="", comment="依据")
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, comment="更新时间"
    )

    def __str__(self) -> str:
        return f"{self.plugin}.{self.key} @ {self.locality_code}"
