"""``PortalSection``: what a plugin adds to a locality's public page."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any


@dataclasses.dataclass(frozen=True)
class PortalSection:
    """A titled block on a locality's portal page, rendered from ``template`` with ``context``."""

    title: str
    template: str
    context: dict[str, Any] = dataclasses.field(default_factory=dict)
    order: int = 100


@dataclasses.dataclass(frozen=True)
class PublicNotice:
    """Something a plugin makes public for a locality (公示, 村务公开, 答复…).

    The portal gathers every plugin's notices into one list per locality, newest first, so
    residents find all public notices in one place.
    """

    title: str
    category: str
    locality_code: str
    published_at: dt.datetime
    summary: str = ""
    ends_on: dt.date | None = None
    url: str | None = None
