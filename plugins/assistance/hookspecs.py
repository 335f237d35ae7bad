"""Hooks the assistance plugin offers to other plugins (declared in its manifest's ``hookspecs``).

A plugin that implements one of these hooks must declare ``requires=("assistance",)`` in its
manifest: the hook exists only when the assistance plugin is enabled, and an implementation of
an unknown hook stops start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pluggy

from core import PROJECT_NAME

if TYPE_CHECKING:
    from plugins.assistance.sources import VerificationSource

hookspec = pluggy.HookspecMarker(PROJECT_NAME)


@hookspec
def provide_verification_sources() -> Sequence[VerificationSource]:
    """Offer data sources for income and asset verification (核对).

    Called whenever the assistance plugin looks for a finding for verification tasks (after a
    department uploads a file, when staff press 从数据源获取 on a task, by ``gongzhi assistance
    fetch``), in plugin order. Return :class:`plugins.assistance.sources.VerificationSource`
    objects (or objects with the same attributes): a unique ``code``, a Chinese ``title``, the
    ``checks`` the source can answer, ``automatic`` and, for automatic sources, ``answer(session,
    requests)`` returning findings by task id. The first source in plugin order that answers a
    task wins. The assistance plugin itself provides ``manual`` (staff enter the figures) and
    ``file`` (figures from CSV files uploaded by departments).
    """
