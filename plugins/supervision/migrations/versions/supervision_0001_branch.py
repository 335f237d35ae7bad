"""Start the supervision branch.

Revision ID: supervision_0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

revision: str = "supervision_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("supervision",)
depends_on: str | Sequence[str] | None = "core_0001"


def upgrade() -> None:
    """The branch root: the plugin's tables arrive in later revisions."""


def downgrade() -> None:
    """Nothing to undo."""
