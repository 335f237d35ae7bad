"""``PortalSection``: what a plugin adds to a locality's public page."""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True)
class PortalSection:
    """A titled block on a locality's portal page, rendered from ``template`` with ``context``."""

    title: str
    template: str
    context: dict[str, Any] = dataclasses.field(default_factory=dict)
    order: int = 100
