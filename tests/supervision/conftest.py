"""Fixtures of the supervision tests; they live in supervision_support with the shared helpers."""

from supervision_support import *  # noqa: F403
