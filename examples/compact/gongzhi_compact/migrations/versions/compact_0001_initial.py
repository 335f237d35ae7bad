"""Compact tables: the versions of each village's compact, their articles, and the votes.

Revision ID: compact_0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "compact_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("compact",)
depends_on: str | Sequence[str] | None = "consultation_0002"


def upgrade() -> None:
    """Create the compact tables and their indexes."""
    op.create_table(
        "compact_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False, comment="版本号（本村第几版）"),
        sa.Column("title", sa.String(length=100), nullable=False, comment="标题"),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("based_on_id", sa.Integer(), nullable=True, comment="修订自哪一版"),
        sa.Column("deliberation_id", sa.Integer(), nullable=True, comment="审议它的议事会议"),
        sa.Column("matter_id", sa.Integer(), nullable=True, comment="议事会议议程中的协商事项"),
        sa.Column(
            "reason", sa.String(length=200), nullable=True, comment="最近一次退回或撤回的理由"
        ),
        sa.Column("submitted_by", sa.String(length=100), nullable=True),
        sa.Column("reviewed_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("submitted_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("reviewed_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("decided_at", core.db.UTCDateTime(), nullable=True, comment="表决结果记录时间"),
        sa.Column("published_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("superseded_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["based_on_id"],
            ["compact_version.id"],
            name=op.f("fk_compact_version_based_on_id_compact_version"),
        ),
        sa.ForeignKeyConstraint(
            ["deliberation_id"],
            ["consultation_deliberation.id"],
            name=op.f("fk_compact_version_deliberation_id_consultation_deliberation"),
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_compact_version_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["matter_id"],
            ["consultation_matter.id"],
            name=op.f("fk_compact_version_matter_id_consultation_matter"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compact_version")),
        sa.UniqueConstraint(
            "locality_code", "number", name=op.f("uq_compact_version_locality_code_number")
        ),
    )
    op.create_index(
        op.f("ix_compact_version_deliberation_id"), "compact_version", ["deliberation_id"]
    )
    op.create_index(op.f("ix_compact_version_locality_code"), "compact_version", ["locality_code"])
    op.create_index(op.f("ix_compact_version_state"), "compact_version", ["state"])

    op.create_table(
        "compact_adoption",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False, comment="版本号"),
        sa.Column("adopted", sa.Boolean(), nullable=False, comment="是否通过"),
        sa.Column("deliberation_id", sa.Integer(), nullable=False),
        sa.Column("matter_id", sa.Integer(), nullable=False),
        sa.Column("attendees", sa.Integer(), nullable=False, comment="参会人数"),
        sa.Column("votes_for", sa.Integer(), nullable=True, comment="赞成"),
        sa.Column("votes_against", sa.Integer(), nullable=True, comment="反对"),
        sa.Column("votes_abstain", sa.Integer(), nullable=True, comment="弃权"),
        sa.Column("outcome", sa.Text(), nullable=False, comment="协商结果"),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["deliberation_id"],
            ["consultation_deliberation.id"],
            name=op.f("fk_compact_adoption_deliberation_id_consultation_deliberation"),
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_compact_adoption_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["matter_id"],
            ["consultation_matter.id"],
            name=op.f("fk_compact_adoption_matter_id_consultation_matter"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["compact_version.id"],
            name=op.f("fk_compact_adoption_version_id_compact_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compact_adoption")),
        sa.UniqueConstraint("version_id", name=op.f("uq_compact_adoption_version_id")),
    )
    op.create_index(
        op.f("ix_compact_adoption_locality_code"), "compact_adoption", ["locality_code"]
    )

    op.create_table(
        "compact_article",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False, comment="条号"),
        sa.Column("chapter", sa.String(length=50), nullable=True, comment="所属章节"),
        sa.Column("body", sa.Text(), nullable=False, comment="条文"),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_compact_article_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["compact_version.id"],
            name=op.f("fk_compact_article_version_id_compact_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compact_article")),
        sa.UniqueConstraint(
            "version_id", "number", name=op.f("uq_compact_article_version_id_number")
        ),
    )
    op.create_index(op.f("ix_compact_article_locality_code"), "compact_article", ["locality_code"])
    op.create_index(op.f("ix_compact_article_version_id"), "compact_article", ["version_id"])


def downgrade() -> None:
    """Drop the compact tables."""
    op.drop_index(op.f("ix_compact_article_version_id"), table_name="compact_article")
    op.drop_index(op.f("ix_compact_article_locality_code"), table_name="compact_article")

    op.drop_table("compact_article")
    op.drop_index(op.f("ix_compact_adoption_locality_code"), table_name="compact_adoption")

    op.drop_table("compact_adoption")
    op.drop_index(op.f("ix_compact_version_state"), table_name="compact_version")
    op.drop_index(op.f("ix_compact_version_locality_code"), table_name="compact_version")
    op.drop_index(op.f("ix_compact_version_deliberation_id"), table_name="compact_version")

    op.drop_table("compact_version")
