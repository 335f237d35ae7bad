"""Fixtures of the compact tests: the small county of :mod:`compact_support` with the
consultation and compact plugins enabled."""

from __future__ import annotations

import pytest
from compact_support import populate

pytest_plugins = ["core.testing"]


@pytest.fixture
def compact(make_runtime):
    """A runtime with consultation and compact enabled and the small county populated; the ids
    of its residents are in ``runtime.ids``."""
    runtime = make_runtime(["consultation", "compact"])
    with runtime.db.transaction(actor="system:test", channel="cli") as session:
        runtime.ids = populate(session)
    return runtime
