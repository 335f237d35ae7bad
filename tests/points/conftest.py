"""Fixtures of the points tests; they live in points_support with the shared helpers."""

from points_support import *  # noqa: F403
