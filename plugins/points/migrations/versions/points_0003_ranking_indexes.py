"""Leaderboards read an index in ranking order: points descending, then the account, for the
whole deployment and per county and per town (keyed on the code prefix), on accounts' all-time
totals and on the yearly and monthly tallies.

Revision ID: points_0003
Revises: points_0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "points_0003"
down_revision: str | Sequence[str] | None = "points_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BOARDS = (("points_account", "kind", "id"), ("points_tally", "period", "account_id"))
PREFIXES = ((6, "county"), (9, "town"), (12, "village"))


def upgrade() -> None:
    """Replace each table's (scheme, …, earned) index and add the county and town ones."""
    for table, board, tie_break in BOARDS:
        op.drop_index(f"ix_{table}_rank", table_name=table)
        earned = sa.text("earned DESC")
        op.create_index(f"ix_{table}_rank", table, ["scheme", board, earned, tie_break])
        for length, level in PREFIXES:
            op.create_index(
                f"ix_{table}_rank_{level}",
                table,
                [
                    "scheme",
                    board,
                    sa.text(f"substr(locality_code, 1, {length})"),
                    earned,
                    tie_break,
                ],
            )


def downgrade() -> None:
    """Back to one (scheme, …, earned) index per table."""
    for table, board, _ in BOARDS:
        for _, level in PREFIXES:
            op.drop_index(f"ix_{table}_rank_{level}", table_name=table)
        op.drop_index(f"ix_{table}_rank", table_name=table)
        op.create_index(f"ix_{table}_rank", table, ["scheme", board, "earned"])
