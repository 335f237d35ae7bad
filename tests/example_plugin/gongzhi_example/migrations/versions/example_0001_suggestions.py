"""Suggestions and greetings.

Revision ID: example_0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "example_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("example",)
depends_on: str | Sequence[str] | None = "core_0001"


def upgrade() -> None:
    op.create_table(
        "example_suggestion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_example_suggestion_locality_code_core_locality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_example_suggestion")),
    )
    op.create_index(
        op.f("ix_example_suggestion_locality_code"), "example_suggestion", ["locality_code"]
    )
    op.create_table(
        "example_greeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("locality_code", sa.String(length=15), nullable=False),
        sa.Column("sent_at", core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["core_person.id"],
            name=op.f("fk_example_greeting_person_id_core_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_example_greeting")),
    )


def downgrade() -> None:
    op.drop_table("example_greeting")
    op.drop_index(op.f("ix_example_suggestion_locality_code"), table_name="example_suggestion")
    op.drop_table("example_suggestion")
