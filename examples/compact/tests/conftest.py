"""The compact tests run on a deployment with consultation and compact enabled (the default of
this folder for ``core.testing``'s ``gongzhi_runtime``), plus residents of 城南社区 to attend its
meetings."""

from __future__ import annotations

import pytest
from compact_support import add_residents

# Loaded through the ``pytest11`` entry point already; kept for PYTEST_DISABLE_PLUGIN_AUTOLOAD=1.
pytest_plugins = ["core.testing"]


@pytest.fixture
def gongzhi_plugins():
    """The compact plugin requires the consultation plugin."""
    return ["consultation", "compact"]


@pytest.fixture
def compact(gongzhi_runtime):
    """The deployment with ten residents of 城南社区 and one of 长滩村; their ids are in
    ``compact.ids``."""
    with gongzhi_runtime.db.transaction() as session:
        gongzhi_runtime.ids = add_residents(session)
    return gongzhi_runtime
