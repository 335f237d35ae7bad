"""Consultation tables: matters with triage decisions, 四办, escalations, ratings and attachments;
deliberations with agenda and attendance; micro-wishes.

Revision ID: consultation_0002
Revises: consultation_0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "consultation_0002"
down_revision: str | Sequence[str] | None = "consultation_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the consultation tables and their indexes."""
    op.create_table(
        "consultation_deliberation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("form", sa.String(length=20), nullable=False, comment="议事形式"),
        sa.Column("held_at", core.db.UTCDateTime(), nullable=False, comment="召开时间"),
        sa.Column("place", sa.String(length=100), nullable=False, comment="地点"),
        sa.Column("minutes", sa.Text(), nullable=True, comment="会议纪要"),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "locality_code",
            sa.String(length=15),
            nullable=False,
            comment="所属行政区划",
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_consultation_deliberation_locality_code_core_locality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_deliberation")),
    )
    op.create_index(
        op.f("ix_consultation_deliberation_locality_code"),
        "consultation_deliberation",
        ["locality_code"],
    )
    op.create_index(
        "ix_consultation_deliberation_scope_held",
        "consultation_deliberation",
        ["locality_code", "held_at"],
    )
    op.create_table(
        "consultation_attendee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deliberation_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", core.db.UTCDateTime(), nullable=False),
        sa.Column(
            "locality_code",
            sa.String(length=15),
            nullable=False,
            comment="所属行政区划",
        ),
        sa.CheckConstraint(
            "(person_id IS NULL) <> (organization_id IS NULL)",
            name=op.f("ck_consultation_attendee_one_attendee_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["deliberation_id"],
            ["consultation_deliberation.id"],
            name=op.f(
                "fk_consultation_attendee_deliberation_id_consultation_deliberation"
            ),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_consultation_attendee_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["core_organization.id"],
            name=op.f("fk_consultation_attendee_organization_id_core_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["core_person.id"],
            name=op.f("fk_consultation_attendee_person_id_core_person"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_attendee")),
        sa.UniqueConstraint(
            "deliberation_id",
            "organization_id",
            name=op.f("uq_consultation_attendee_deliberation_id_organization_id"),
        ),
        sa.UniqueConstraint(
            "deliberation_id",
            "person_id",
            name=op.f("uq_consultation_attendee_deliberation_id_person_id"),
        ),
    )
    op.create_index(
        op.f("ix_consultation_attendee_deliberation_id"),
        "consultation_attendee",
        ["deliberation_id"],
    )
    op.create_index(
        op.f("ix_consultation_attendee_locality_code"),
        "consultation_attendee",
        ["locality_code"],
    )
    op.create_index(
        op.f("ix_consultation_attendee_person_id"),
        "consultation_attendee",
        ["person_id"],
    )
    op.create_table(
        "consultation_matter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False, comment="来源"),
        sa.Column(
            "category_code",
            sa.String(length=20),
            nullable=False,
            comment="清单类别编码",
        ),
        sa.Column(
            "item_code", sa.String(length=20), nullable=False, comment="清单事项编码"
        ),
        sa.Column(
            "default_triage",
            sa.String(length=10),
            nullable=False,
            comment="清单默认分流类别",
        ),
        sa.Column("triage", sa.String(length=10), nullable=True, comment="分流类别"),
        sa.Column(
            "triage_reason",
            sa.String(length=200),
            nullable=True,
            comment="改变分流的理由",
        ),
        sa.Column("reporter_id", sa.Integer(), nullable=True),
        sa.Column("is_public", sa.Boolean(), nullable=False, comment="在门户公开"),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column(
            "handling_level", sa.String(length=10), nullable=False, comment="办理层级"
        ),
        sa.Column(
            "due_at",
            core.db.UTCDateTime(),
            nullable=True,
            comment="办理时限（只有未办结的事项有）",
        ),
        sa.Column("escalation_count", sa.Integer(), nullable=False),
        sa.Column("evaluation_round", sa.Integer(), nullable=False, comment="评议轮次"),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=True, comment="办理结果"),
        sa.Column("guidance", sa.Text(), nullable=True, comment="私事告知的办理途径"),
        sa.Column(
            "reason", sa.String(length=200), nullable=True, comment="最近一次操作的理由"
        ),
        sa.Column("submitted_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("accepted_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("triaged_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("resolved_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("closed_at", core.db.UTCDateTime(), nullable=True),
        sa.Column(
            "resolve_seconds", sa.Integer(), nullable=True, comment="提交到办结的秒数"
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "locality_code",
            sa.String(length=15),
            nullable=False,
            comment="所属行政区划",
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_consultation_matter_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["core_person.id"],
            name=op.f("fk_consultation_matter_reporter_id_core_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_matter")),
    )
    op.create_index(
        op.f("ix_consultation_matter_locality_code"),
        "consultation_matter",
        ["locality_code"],
    )
    op.create_index(
        op.f("ix_consultation_matter_reporter_id"),
        "consultation_matter",
        ["reporter_id"],
    )
    op.create_index(
        "ix_consultation_matter_scope_resolved",
        "consultation_matter",
        ["locality_code", "resolved_at"],
    )
    op.create_index(
        "ix_consultation_matter_scope_submitted",
        "consultation_matter",
        ["locality_code", "submitted_at"],
    )
    op.create_index(
        op.f("ix_consultation_matter_due_at"), "consultation_matter", ["due_at"]
    )
    op.create_table(
        "consultation_wish",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wisher_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("claimer_person_id", sa.Integer(), nullable=True),
        sa.Column("claimer_organization_id", sa.Integer(), nullable=True),
        sa.Column(
            "fulfilment_note", sa.String(length=500), nullable=True, comment="实现情况"
        ),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("posted_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("claimed_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("fulfilled_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("confirmed_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "locality_code",
            sa.String(length=15),
            nullable=False,
            comment="所属行政区划",
        ),
        sa.ForeignKeyConstraint(
            ["claimer_organization_id"],
            ["core_organization.id"],
            name=op.f("fk_consultation_wish_claimer_organization_id_core_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["claimer_person_id"],
            ["core_person.id"],
            name=op.f("fk_consultation_wish_claimer_person_id_core_person"),
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_consultation_wish_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["wisher_id"],
            ["core_person.id"],
            name=op.f("fk_consultation_wish_wisher_id_core_person"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_wish")),
    )
    op.create_index(
        op.f("ix_consultation_wish_locality_code"),
        "consultation_wish",
        ["locality_code"],
    )
    op.create_index(
        "ix_consultation_wish_scope_posted",
        "consultation_wish",
        ["locality_code", "posted_at"],
    )
    op.create_index(op.f("ix_consultation_wish_state"), "consultation_wish", ["state"])
    op.create_index(
        op.f("ix_consultation_wish_wisher_id"), "consultation_wish", ["wisher_id"]
    )
    op.create_table(
        "consultation_agenda_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deliberation_id", sa.Integer(), nullable=False),
        sa.Column("matter_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True, comment="协商结果"),
        sa.Column("votes_for", sa.Integer(), nullable=True, comment="赞成"),
        sa.Column("votes_against", sa.Integer(), nullable=True, comment="反对"),
        sa.Column("votes_abstain", sa.Integer(), nullable=True, comment="弃权"),
        sa.Column(
            "locality_code",
            sa.String(length=15),
            nullable=False,
            comment="所属行政区划",
        ),
        sa.ForeignKeyConstraint(
            ["deliberation_id"],
            ["consultation_deliberation.id"],
            name=op.f(
                "fk_consultation_agenda_item_deliberation_id_consultation_deliberation"
            ),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_consultation_agenda_item_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["matter_id"],
            ["consultation_matter.id"],
            name=op.f("fk_consultation_agenda_item_matter_id_consultation_matter"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_agenda_item")),
        sa.UniqueConstraint(
            "deliberation_id",
            "matter_id",
            name=op.f("uq_consultation_agenda_item_deliberation_id_matter_id"),
        ),
    )
    op.create_index(
        op.f("ix_consultation_agenda_item_deliberation_id"),
        "consultation_agenda_item",
        ["deliberation_id"],
    )
    op.create_index(
        op.f("ix_consultation_agenda_item_locality_code"),
        "consultation_agenda_item",
        ["locality_code"],
    )
    op.create_index(
        op.f("ix_consultation_agenda_item_matter_id"),
        "consultation_agenda_item",
        ["matter_id"],
    )
    op.create_table(
        "consultation_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("matter_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column(
            "level", sa.String(length=10), nullable=False, comment="组织所在层级"
        ),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("assigned_by", sa.String(length=100), nullable=False),
        sa.Column("assigned_at", core.db.UTCDateTime(), nullable=False),
        sa.Column(
            "locality_code",
            sa.String(length=15),
            nullable=False,
            comment="所属行政区划",
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_consultation_assignment_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["matter_id"],
            ["consultation_matter.id"],
            name=op.f("fk_consultation_assignment_matter_id_consultation_matter"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["core_organization.id"],
            name=op.f("fk_consultation_assignment_organization_id_core_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_assignment")),
        sa.UniqueConstraint(
            "matter_id",
            "role",
            "organization_id",
            name=op.f("uq_consultation_assignment_matter_id_role_organization_id"),
        ),
    )
    op.create_index(
        op.f("ix_consultation_assignment_locality_code"),
        "consultation_assignment",
        ["locality_code"],
    )
    op.create_index(
        op.f("ix_consultation_assignment_matter_id"),
        "consultation_assignment",
        ["matter_id"],
    )
    op.create_index(
        op.f("ix_consultation_assignment_organization_id"),
        "consultation_assignment",
        ["organization_id"],
    )
    op.create_table(
        "consultation_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("matter_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=100), nullable=False),
        sa.Column("uploaded_at", core.db.UTCDateTime(), nullable=False),
        sa.Column(
            "locality_code",
            sa.String(length=15),
            nullable=False,
            comment="所属行政区划",
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_consultation_attachment_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["matter_id"],
            ["consultation_matter.id"],
            name=op.f("fk_consultation_attachment_matter_id_consultation_matter"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_attachment")),
    )
    op.create_index(
        op.f("ix_consultation_attachment_locality_code"),
        "consultation_attachment",
        ["locality_code"],
    )
    op.create_index(
        op.f("ix_consultation_attachment_matter_id"),
        "consultation_attachment",
        ["matter_id"],
    )
    op.create_table(
        "consultation_escalation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("matter_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("from_level", sa.String(length=10), nullable=False),
        sa.Column("to_level", sa.String(length=10), nullable=False),
        sa.Column(
            "overdue_since", core.db.UTCDateTime(), nullable=False, comment="原时限"
        ),
        sa.Column("new_due_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("escalated_by", sa.String(length=100), nullable=False),
        sa.Column("escalated_at", core.db.UTCDateTime(), nullable=False),
        sa.Column(
            "locality_code",
            sa.String(length=15),
            nullable=False,
            comment="所属行政区划",
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_consultation_escalation_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["matter_id"],
            ["consultation_matter.id"],
            name=op.f("fk_consultation_escalation_matter_id_consultation_matter"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_escalation")),
        sa.UniqueConstraint(
            "matter_id",
            "sequence",
            name=op.f("uq_consultation_escalation_matter_id_sequence"),
        ),
    )
    op.create_index(
        op.f("ix_consultation_escalation_locality_code"),
        "consultation_escalation",
        ["locality_code"],
    )
    op.create_index(
        op.f("ix_consultation_escalation_matter_id"),
        "consultation_escalation",
        ["matter_id"],
    )
    op.create_table(
        "consultation_rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("matter_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False, comment="评议轮次"),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("rated_at", core.db.UTCDateTime(), nullable=False),
        sa.Column(
            "locality_code",
            sa.String(length=15),
            nullable=False,
            comment="所属行政区划",
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_consultation_rating_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["matter_id"],
            ["consultation_matter.id"],
            name=op.f("fk_consultation_rating_matter_id_consultation_matter"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["core_person.id"],
            name=op.f("fk_consultation_rating_person_id_core_person"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_rating")),
        sa.UniqueConstraint(
            "matter_id",
            "round",
            "person_id",
            name=op.f("uq_consultation_rating_matter_id_round_person_id"),
        ),
    )
    op.create_index(
        op.f("ix_consultation_rating_locality_code"),
        "consultation_rating",
        ["locality_code"],
    )
    op.create_index(
        op.f("ix_consultation_rating_matter_id"), "consultation_rating", ["matter_id"]
    )
    op.create_index(
        op.f("ix_consultation_rating_person_id"), "consultation_rating", ["person_id"]
    )
    op.create_index(
        "ix_consultation_rating_scope_rated",
        "consultation_rating",
        ["locality_code", "rated_at"],
    )
    op.create_table(
        "consultation_triage_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("matter_id", sa.Integer(), nullable=False),
        sa.Column(
            "previous", sa.String(length=10), nullable=True, comment="此前的分流类别"
        ),
        sa.Column("triage", sa.String(length=10), nullable=False),
        sa.Column("default_triage", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("lead_organization_id", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=False),
        sa.Column("decided_at", core.db.UTCDateTime(), nullable=False),
        sa.Column(
            "locality_code",
            sa.String(length=15),
            nullable=False,
            comment="所属行政区划",
        ),
        sa.ForeignKeyConstraint(
            ["lead_organization_id"],
            ["core_organization.id"],
            name=op.f(
                "fk_consultation_triage_decision_lead_organization_id_core_organization"
            ),
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_consultation_triage_decision_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["matter_id"],
            ["consultation_matter.id"],
            name=op.f("fk_consultation_triage_decision_matter_id_consultation_matter"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_triage_decision")),
    )
    op.create_index(
        op.f("ix_consultation_triage_decision_locality_code"),
        "consultation_triage_decision",
        ["locality_code"],
    )
    op.create_index(
        op.f("ix_consultation_triage_decision_matter_id"),
        "consultation_triage_decision",
        ["matter_id"],
    )


def downgrade() -> None:
    """Drop the consultation tables."""
    op.drop_index(
        op.f("ix_consultation_triage_decision_matter_id"),
        table_name="consultation_triage_decision",
    )
    op.drop_index(
        op.f("ix_consultation_triage_decision_locality_code"),
        table_name="consultation_triage_decision",
    )

    op.drop_table("consultation_triage_decision")
    op.drop_index(
        "ix_consultation_rating_scope_rated", table_name="consultation_rating"
    )
    op.drop_index(
        op.f("ix_consultation_rating_person_id"), table_name="consultation_rating"
    )
    op.drop_index(
        op.f("ix_consultation_rating_matter_id"), table_name="consultation_rating"
    )
    op.drop_index(
        op.f("ix_consultation_rating_locality_code"), table_name="consultation_rating"
    )

    op.drop_table("consultation_rating")
    op.drop_index(
        op.f("ix_consultation_escalation_matter_id"),
        table_name="consultation_escalation",
    )
    op.drop_index(
        op.f("ix_consultation_escalation_locality_code"),
        table_name="consultation_escalation",
    )

    op.drop_table("consultation_escalation")
    op.drop_index(
        op.f("ix_consultation_attachment_matter_id"),
        table_name="consultation_attachment",
    )
    op.drop_index(
        op.f("ix_consultation_attachment_locality_code"),
        table_name="consultation_attachment",
    )

    op.drop_table("consultation_attachment")
    op.drop_index(
        op.f("ix_consultation_assignment_organization_id"),
        table_name="consultation_assignment",
    )
    op.drop_index(
        op.f("ix_consultation_assignment_matter_id"),
        table_name="consultation_assignment",
    )
    op.drop_index(
        op.f("ix_consultation_assignment_locality_code"),
        table_name="consultation_assignment",
    )

    op.drop_table("consultation_assignment")
    op.drop_index(
        op.f("ix_consultation_agenda_item_matter_id"),
        table_name="consultation_agenda_item",
    )
    op.drop_index(
        op.f("ix_consultation_agenda_item_locality_code"),
        table_name="consultation_agenda_item",
    )
    op.drop_index(
        op.f("ix_consultation_agenda_item_deliberation_id"),
        table_name="consultation_agenda_item",
    )

    op.drop_table("consultation_agenda_item")
    op.drop_index(
        op.f("ix_consultation_wish_wisher_id"), table_name="consultation_wish"
    )
    op.drop_index(op.f("ix_consultation_wish_state"), table_name="consultation_wish")
    op.drop_index("ix_consultation_wish_scope_posted", table_name="consultation_wish")
    op.drop_index(
        op.f("ix_consultation_wish_locality_code"), table_name="consultation_wish"
    )

    op.drop_table("consultation_wish")
    op.drop_index(
        op.f("ix_consultation_matter_due_at"), table_name="consultation_matter"
    )
    op.drop_index(
        "ix_consultation_matter_scope_submitted", table_name="consultation_matter"
    )
    op.drop_index(
        "ix_consultation_matter_scope_resolved", table_name="consultation_matter"
    )
    op.drop_index(
        op.f("ix_consultation_matter_reporter_id"), table_name="consultation_matter"
    )
    op.drop_index(
        op.f("ix_consultation_matter_locality_code"), table_name="consultation_matter"
    )

    op.drop_table("consultation_matter")
    op.drop_index(
        op.f("ix_consultation_attendee_person_id"), table_name="consultation_attendee"
    )
    op.drop_index(
        op.f("ix_consultation_attendee_locality_code"),
        table_name="consultation_attendee",
    )
    op.drop_index(
        op.f("ix_consultation_attendee_deliberation_id"),
        table_name="consultation_attendee",
    )

    op.drop_table("consultation_attendee")
    op.drop_index(
        "ix_consultation_deliberation_scope_held",
        table_name="consultation_deliberation",
    )
    op.drop_index(
        op.f("ix_consultation_deliberation_locality_code"),
        table_name="consultation_deliberation",
    )

    op.drop_table("consultation_deliberation")
