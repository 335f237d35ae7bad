"""Shared fixtures: see :mod:`core.testing`."""

pytest_plugins = ["core.testing"]
