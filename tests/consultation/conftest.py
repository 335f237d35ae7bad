"""Fixtures of the consultation tests: the small county of :mod:`consultation_support` with the
consultation plugin enabled."""

from __future__ import annotations

import pytest
from consultation_support import populate


@pytest.fixture
def consult(make_runtime):
    """A runtime with only the consultation plugin, and the small county populated."""
    runtime = make_runtime(["consultation"])
    with runtime.db.transaction(actor="system:test", channel="cli") as session:
        runtime.ids = populate(session)
    return runtime
