"""Gongzhi core: shared entities, hook specifications, plugin manager and services.

Plugins import what they need from here; ``hookimpl`` marks their hook implementations.
"""

import pluggy

__version__ = "0.1.0"

PROJECT_NAME = "gongzhi"

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
"""Marker for plugin hook implementations: ``@hookimpl`` above a function named after a hook."""

__all__ = ["PROJECT_NAME", "__version__", "hookimpl"]
