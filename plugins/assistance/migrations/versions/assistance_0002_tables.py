"""The 社会救助 tables: standards, cases, verification, notices, enrolments, payments, the care fund.

Revision ID: assistance_0002
Revises: assistance_0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "assistance_0002"
down_revision: str | Sequence[str] | None = "assistance_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create every table of the plugin."""
    op.create_table(
        "assistance_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("exported_count", sa.Integer(), nullable=False),
        sa.Column("last_exported_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("last_exported_by", sa.String(length=100), nullable=True),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_assistance_batch_locality_code_core_locality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistance_batch")),
        sa.UniqueConstraint(
            "locality_code", "period", name=op.f("uq_assistance_batch_locality_code_period")
        ),
    )
    op.create_index(
        op.f("ix_assistance_batch_locality_code"), "assistance_batch", ["locality_code"]
    )
    op.create_index(op.f("ix_assistance_batch_period"), "assistance_batch", ["period"])

    op.create_table(
        "assistance_care_fund",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("balance", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("raised", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("granted", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.CheckConstraint(
            "balance >= 0", name=op.f("ck_assistance_care_fund_balance_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_assistance_care_fund_locality_code_core_locality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistance_care_fund")),
        sa.UniqueConstraint("locality_code", name=op.f("uq_assistance_care_fund_locality_code")),
    )
    op.create_index(
        op.f("ix_assistance_care_fund_locality_code"), "assistance_care_fund", ["locality_code"]
    )

    op.create_table(
        "assistance_source_upload",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check", sa.String(length=20), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False, comment="据此完成的核对任务数"),
        sa.Column("uploaded_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=100), nullable=True),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_assistance_source_upload_locality_code_core_locality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistance_source_upload")),
        sa.UniqueConstraint("file_sha256", name=op.f("uq_assistance_source_upload_file_sha256")),
    )
    op.create_index(
        op.f("ix_assistance_source_upload_locality_code"),
        "assistance_source_upload",
        ["locality_code"],
    )

    op.create_table(
        "assistance_standard",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme", sa.String(length=30), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("monthly_standard", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column(
            "care_self",
            sa.Numeric(precision=14, scale=2),
            nullable=True,
            comment="生活自理护理补贴",
        ),
        sa.Column(
            "care_partial",
            sa.Numeric(precision=14, scale=2),
            nullable=True,
            comment="部分失能护理补贴",
        ),
        sa.Column(
            "care_full",
            sa.Numeric(precision=14, scale=2),
            nullable=True,
            comment="完全失能护理补贴",
        ),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.CheckConstraint(
            "monthly_standard > 0", name=op.f("ck_assistance_standard_monthly_standard_positive")
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_assistance_standard_locality_code_core_locality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistance_standard")),
        sa.UniqueConstraint(
            "programme",
            "locality_code",
            "effective_from",
            name=op.f("uq_assistance_standard_programme_locality_code_effective_from"),
        ),
    )
    op.create_index(
        op.f("ix_assistance_standard_locality_code"), "assistance_standard", ["locality_code"]
    )

    op.create_table(
        "assistance_coverage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("programme", sa.String(length=30), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["assistance_batch.id"],
            name=op.f("fk_assistance_coverage_batch_id_assistance_batch"),
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_assistance_coverage_locality_code_core_locality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistance_coverage")),
        sa.UniqueConstraint(
            "batch_id",
            "programme",
            "locality_code",
            name=op.f("uq_assistance_coverage_batch_id_programme_locality_code"),
        ),
    )
    op.create_index(op.f("ix_assistance_coverage_batch_id"), "assistance_coverage", ["batch_id"])
    op.create_index(
        op.f("ix_assistance_coverage_locality_code"), "assistance_coverage", ["locality_code"]
    )
    op.create_index(op.f("ix_assistance_coverage_period"), "assistance_coverage", ["period"])

    op.create_table(
        "assistance_source_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("upload_id", sa.Integer(), nullable=False),
        sa.Column("check", sa.String(length=20), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["upload_id"],
            ["assistance_source_upload.id"],
            name=op.f("fk_assistance_source_record_upload_id_assistance_source_upload"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistance_source_record")),
    )
    op.create_index(
        "ix_assistance_source_record_lookup", "assistance_source_record", ["check", "id_number"]
    )
    op.create_index(
        op.f("ix_assistance_source_record_upload_id"), "assistance_source_record", ["upload_id"]
    )

    op.create_table(
        "assistance_lead",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("programme", sa.String(length=30), nullable=True, comment="建议救助项目"),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_key", sa.String(length=200), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("raised_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("raised_by", sa.String(length=100), nullable=True),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["core_household.id"],
            name=op.f("fk_assistance_lead_household_id_core_household"),
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_assistance_lead_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["core_person.id"], name=op.f("fk_assistance_lead_person_id_core_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistance_lead")),
        sa.UniqueConstraint("source_key", name=op.f("uq_assistance_lead_source_key")),
    )
    op.create_index(op.f("ix_assistance_lead_locality_code"), "assistance_lead", ["locality_code"])
    op.create_index(op.f("ix_assistance_lead_person_id"), "assistance_lead", ["person_id"])
    op.create_index(op.f("ix_assistance_lead_state"), "assistance_lead", ["state"])

    op.create_table(
        "assistance_application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme", sa.String(length=30), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("open_key", sa.String(length=60), nullable=True),
        sa.Column("category", sa.String(length=20), nullable=True, comment="低保分类"),
        sa.Column("care_level", sa.String(length=20), nullable=True, comment="特困护理等级"),
        sa.Column("temporary_kind", sa.String(length=20), nullable=True, comment="临时救助类型"),
        sa.Column("cause", sa.String(length=20), nullable=True, comment="关爱资金原因"),
        sa.Column(
            "claimed_amount", sa.Numeric(precision=14, scale=2), nullable=True, comment="申报金额"
        ),
        sa.Column("statement", sa.Text(), nullable=False, comment="申请事由"),
        sa.Column("submitted_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("submitted_by", sa.String(length=100), nullable=True),
        sa.Column("accepted_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("accepted_by", sa.String(length=100), nullable=True),
        sa.Column(
            "accepted_office", sa.String(length=15), nullable=True, comment="受理窗口所在区划"
        ),
        sa.Column("eligible", sa.Boolean(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=True, comment="评估金额"),
        sa.Column("decided_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decision_reason", sa.String(length=500), nullable=True),
        sa.Column("payee_bank", sa.String(length=50), nullable=True, comment="收款银行"),
        sa.Column("payee_account", sa.String(length=40), nullable=True, comment="收款账号"),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["applicant_id"],
            ["core_person.id"],
            name=op.f("fk_assistance_application_applicant_id_core_person"),
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["core_household.id"],
            name=op.f("fk_assistance_application_household_id_core_household"),
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["assistance_lead.id"],
            name=op.f("fk_assistance_application_lead_id_assistance_lead"),
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_assistance_application_locality_code_core_locality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistance_application")),
        sa.UniqueConstraint("open_key", name=op.f("uq_assistance_application_open_key")),
    )
    op.create_index(
        op.f("ix_assistance_application_applicant_id"), "assistance_application", ["applicant_id"]
    )
    op.create_index(
        op.f("ix_assistance_application_household_id"), "assistance_application", ["household_id"]
    )
    op.create_index(
        op.f("ix_assistance_application_lead_id"), "assistance_application", ["lead_id"]
    )
    op.create_index(
        op.f("ix_assistance_application_locality_code"), "assistance_application", ["locality_code"]
    )
    op.create_index(
        op.f("ix_assistance_application_programme"), "assistance_application", ["programme"]
    )
    op.create_index(op.f("ix_assistance_application_state"), "assistance_application", ["state"])

    op.create_table(
        "assistance_assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("breakdown", sa.Text(), nullable=False, comment="计算过程"),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["assistance_application.id"],
            name=op.f("fk_assistance_assessment_application_id_assistance_application"),
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_assistance_assessment_locality_code_core_locality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistance_assessment")),
    )
    op.create_index(
        op.f("ix_assistance_assessment_application_id"), "assistance_assessment", ["application_id"]
    )
    op.create_index(
        op.f("ix_assistance_assessment_locality_code"), "assistance_assessment", ["locality_code"]
    )

    op.create_table(
        "assistance_care_fund_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("balance_after", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("grant_application_id", sa.Integer(), nullable=True),
        sa.Column("reverses_entry_id", sa.Integer(), nullable=True),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["assistance_application.id"],
            name=op.f("fk_assistance_care_fund_entry_application_id_assistance_application"),
        ),
        sa.ForeignKeyConstraint(
            ["fund_id"],
            ["assistance_care_fund.id"],
            name=op.f("fk_assistance_care_fund_entry_fund_id_assistance_care_fund"),
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_assistance_care_fund_entry_locality_code_core_locality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistance_care_fund_entry")),
        sa.UniqueConstraint(
            "grant_application_id", name=op.f("uq_assistance_care_fund_entry_grant_application_id")
        ),
        sa.UniqueConstraint(
            "reverses_entry_id", name=op.f("uq_assistance_care_fund_entry_reverses_entry_id")
        ),
    )
    op.create_index(
        op.f("ix_assistance_care_fund_entry_fund_id"), "assistance_care_fund_entry", ["fund_id"]
    )
    op.create_index(
        op.f("ix_assistance_care_fund_entry_locality_code"),
        "assistance_care_fund_entry",
        ["locality_code"],
    )

    op.create_table(
        "assistance_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("signer_name", sa.String(length=50), nullable=False),
        sa.Column("signer_relation", sa.String(length=20), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False, comment="授权核对的项目"),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("file_type", sa.String(length=100), nullable=True),
        sa.Column("file_size", sa.Integer(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("file_content", sa.LargeBinary(), nullable=True),
        sa.Column("recorded_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=True),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["assistance_application.id"],
            name=op.f("fk_assistance_consent_application_id_assistance_application"),
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_assistance_consent_locality_code_core_locality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistance_consent")),
    )
    op.create_index(
        op.f("ix_assistance_consent_application_id"), "assistance_consent", ["application_id"]
    )
    op.create_index(
        op.f("ix_assistance_consent_locality_code"), "assistance_consent", ["locality_code"]
    )

    op.create_table(
        "assistance_enrolment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("programme", sa.String(length=30), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=20), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("active_key", sa.String(length=60), nullable=True),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("monthly_amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False, comment="计入保障人数"),
        sa.Column("payee_bank", sa.String(length=50), nullable=True),
        sa.Column("payee_account", sa.String(length=40), nullable=True),
        sa.Column("end_reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["assistance_application.id"],
            name=op.f("fk_assistance_enrolment_application_id_assistance_application"),
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["core_household.id"],
            name=op.f("fk_assistance_enrolment_household_id_core_household"),
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_assistance_enrolment_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["core_person.id"],
            name=op.f("fk_assistance_enrolment_person_id_core_person"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistance_enrolment")),
        sa.UniqueConstraint("active_key", name=op.f("uq_assistance_enrolment_active_key")),
        sa.UniqueConstraint("application_id", name=op.f("uq_assistance_enrolment_application_id")),
    )
    op.create_index(
        op.f("ix_assistance_enrolment_locality_code"), "assistance_enrolment", ["locality_code"]
    )
    op.create_index(
        op.f("ix_assistance_enrolment_person_id"), "assistance_enrolment", ["person_id"]
    )
    op.create_index(
        op.f("ix_assistance_enrolment_programme"), "assistance_enrolment", ["programme"]
    )
    op.create_index(op.f("ix_assistance_enrolment_state"), "assistance_enrolment", ["state"])

    op.create_table(
        "assistance_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("programme", sa.String(length=30), nullable=False),
        sa.Column("lock_person_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["assistance_application.id"],
            name=op.f("fk_assistance_member_application_id_assistance_application"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["core_person.id"],
            name=op.f("fk_assistance_member_person_id_core_person"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistance_member")),
        sa.UniqueConstraint(
            "programme",
            "lock_person_id",
            name=op.f("uq_assistance_member_programme_lock_person_id"),
        ),
    )
    op.create_index(
        op.f("ix_assistance_member_application_id"), "assistance_member", ["application_id"]
    )
    op.create_index(op.f("ix_assistance_member_person_id"), "assistance_member", ["person_id"])

    op.create_table(
        "assistance_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("programme", sa.String(length=30), nullable=False),
        sa.Column("masked_name", sa.String(length=50), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("published_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("published_by", sa.String(length=100), nullable=True),
        sa.Column("closed_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("closed_reason", sa.String(length=200), nullable=True),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["assistance_application.id"],
            name=op.f("fk_assistance_notice_application_id_assistance_application"),
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_assistance_notice_locality_code_core_locality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistance_notice")),
    )
    op.create_index(
        op.f("ix_assistance_notice_application_id"), "assistance_notice", ["application_id"]
    )
    op.create_index(op.f("ix_assistance_notice_ends_on"), "assistance_notice", ["ends_on"])
    op.create_index(
        op.f("ix_assistance_notice_locality_code"), "assistance_notice", ["locality_code"]
    )
    op.create_index(op.f("ix_assistance_notice_starts_on"), "assistance_notice", ["starts_on"])

    op.create_table(
        "assistance_objection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("objector", sa.String(length=50), nullable=True, comment="异议人（可匿名）"),
        sa.Column("contact", sa.String(length=50), nullable=True),
        sa.Column("recorded_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=True),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["assistance_application.id"],
            name=op.f("fk_assistance_objection_application_id_assistance_application"),
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_assistance_objection_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["assistance_notice.id"],
            name=op.f("fk_assistance_objection_notice_id_assistance_notice"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistance_objection")),
    )
    op.create_index(
        op.f("ix_assistance_objection_application_id"), "assistance_objection", ["application_id"]
    )
    op.create_index(
        op.f("ix_assistance_objection_locality_code"), "assistance_objection", ["locality_code"]
    )
    op.create_index(
        op.f("ix_assistance_objection_notice_id"), "assistance_objection", ["notice_id"]
    )

    op.create_table(
        "assistance_payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("programme", sa.String(length=30), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=True),
        sa.Column("monthly_key", sa.String(length=40), nullable=True),
        sa.Column("award_application_id", sa.Integer(), nullable=True),
        sa.Column("adjustment_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["assistance_application.id"],
            name=op.f("fk_assistance_payment_application_id_assistance_application"),
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["assistance_batch.id"],
            name=op.f("fk_assistance_payment_batch_id_assistance_batch"),
        ),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["assistance_enrolment.id"],
            name=op.f("fk_assistance_payment_enrolment_id_assistance_enrolment"),
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_assistance_payment_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["core_person.id"],
            name=op.f("fk_assistance_payment_person_id_core_person"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistance_payment")),
        sa.UniqueConstraint("adjustment_id", name=op.f("uq_assistance_payment_adjustment_id")),
        sa.UniqueConstraint(
            "award_application_id", name=op.f("uq_assistance_payment_award_application_id")
        ),
        sa.UniqueConstraint("monthly_key", name=op.f("uq_assistance_payment_monthly_key")),
    )
    op.create_index(
        op.f("ix_assistance_payment_application_id"), "assistance_payment", ["application_id"]
    )
    op.create_index(op.f("ix_assistance_payment_batch_id"), "assistance_payment", ["batch_id"])
    op.create_index(
        op.f("ix_assistance_payment_enrolment_id"), "assistance_payment", ["enrolment_id"]
    )
    op.create_index(
        op.f("ix_assistance_payment_locality_code"), "assistance_payment", ["locality_code"]
    )
    op.create_index(op.f("ix_assistance_payment_period"), "assistance_payment", ["period"])

    op.create_table(
        "assistance_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("open_key", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column(
            "new_amount", sa.Numeric(precision=14, scale=2), nullable=True, comment="调整后月金额"
        ),
        sa.Column("findings", sa.Text(), nullable=True, comment="复核情况"),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("completed_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("completed_by", sa.String(length=100), nullable=True),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["assistance_enrolment.id"],
            name=op.f("fk_assistance_review_enrolment_id_assistance_enrolment"),
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_assistance_review_locality_code_core_locality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistance_review")),
        sa.UniqueConstraint("open_key", name=op.f("uq_assistance_review_open_key")),
    )
    op.create_index(op.f("ix_assistance_review_due_on"), "assistance_review", ["due_on"])
    op.create_index(
        op.f("ix_assistance_review_enrolment_id"), "assistance_review", ["enrolment_id"]
    )
    op.create_index(
        op.f("ix_assistance_review_locality_code"), "assistance_review", ["locality_code"]
    )
    op.create_index(op.f("ix_assistance_review_state"), "assistance_review", ["state"])

    op.create_table(
        "assistance_adjustment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=True),
        sa.Column("reverses_payment_id", sa.Integer(), nullable=True),
        sa.Column("programme", sa.String(length=30), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("requested_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=True),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["assistance_application.id"],
            name=op.f("fk_assistance_adjustment_application_id_assistance_application"),
        ),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["assistance_enrolment.id"],
            name=op.f("fk_assistance_adjustment_enrolment_id_assistance_enrolment"),
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_assistance_adjustment_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["core_person.id"],
            name=op.f("fk_assistance_adjustment_person_id_core_person"),
        ),
        sa.ForeignKeyConstraint(
            ["reverses_payment_id"],
            ["assistance_payment.id"],
            name=op.f("fk_assistance_adjustment_reverses_payment_id_assistance_payment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistance_adjustment")),
        sa.UniqueConstraint(
            "reverses_payment_id", name=op.f("uq_assistance_adjustment_reverses_payment_id")
        ),
    )
    op.create_index(
        op.f("ix_assistance_adjustment_application_id"), "assistance_adjustment", ["application_id"]
    )
    op.create_index(
        op.f("ix_assistance_adjustment_locality_code"), "assistance_adjustment", ["locality_code"]
    )

    op.create_table(
        "assistance_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("objection_id", sa.Integer(), nullable=True),
        sa.Column("task_key", sa.String(length=60), nullable=False),
        sa.Column("check", sa.String(length=20), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=True),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("verdict", sa.String(length=100), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("completed_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("completed_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["assistance_application.id"],
            name=op.f("fk_assistance_task_application_id_assistance_application"),
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_assistance_task_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["objection_id"],
            ["assistance_objection.id"],
            name=op.f("fk_assistance_task_objection_id_assistance_objection"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistance_task")),
        sa.UniqueConstraint("task_key", name=op.f("uq_assistance_task_task_key")),
    )
    op.create_index(
        op.f("ix_assistance_task_application_id"), "assistance_task", ["application_id"]
    )
    op.create_index(op.f("ix_assistance_task_check"), "assistance_task", ["check"])
    op.create_index(op.f("ix_assistance_task_department"), "assistance_task", ["department"])
    op.create_index(op.f("ix_assistance_task_due_on"), "assistance_task", ["due_on"])
    op.create_index(op.f("ix_assistance_task_locality_code"), "assistance_task", ["locality_code"])
    op.create_index(op.f("ix_assistance_task_state"), "assistance_task", ["state"])


def downgrade() -> None:
    """Drop them again, dependants first."""
    op.drop_index(op.f("ix_assistance_task_state"), table_name="assistance_task")
    op.drop_index(op.f("ix_assistance_task_locality_code"), table_name="assistance_task")
    op.drop_index(op.f("ix_assistance_task_due_on"), table_name="assistance_task")
    op.drop_index(op.f("ix_assistance_task_department"), table_name="assistance_task")
    op.drop_index(op.f("ix_assistance_task_check"), table_name="assistance_task")
    op.drop_index(op.f("ix_assistance_task_application_id"), table_name="assistance_task")

    op.drop_table("assistance_task")
    op.drop_index(
        op.f("ix_assistance_adjustment_locality_code"), table_name="assistance_adjustment"
    )
    op.drop_index(
        op.f("ix_assistance_adjustment_application_id"), table_name="assistance_adjustment"
    )

    op.drop_table("assistance_adjustment")
    op.drop_index(op.f("ix_assistance_review_state"), table_name="assistance_review")
    op.drop_index(op.f("ix_assistance_review_locality_code"), table_name="assistance_review")
    op.drop_index(op.f("ix_assistance_review_enrolment_id"), table_name="assistance_review")
    op.drop_index(op.f("ix_assistance_review_due_on"), table_name="assistance_review")

    op.drop_table("assistance_review")
    op.drop_index(op.f("ix_assistance_payment_period"), table_name="assistance_payment")
    op.drop_index(op.f("ix_assistance_payment_locality_code"), table_name="assistance_payment")
    op.drop_index(op.f("ix_assistance_payment_enrolment_id"), table_name="assistance_payment")
    op.drop_index(op.f("ix_assistance_payment_batch_id"), table_name="assistance_payment")
    op.drop_index(op.f("ix_assistance_payment_application_id"), table_name="assistance_payment")

    op.drop_table("assistance_payment")
    op.drop_index(op.f("ix_assistance_objection_notice_id"), table_name="assistance_objection")
    op.drop_index(op.f("ix_assistance_objection_locality_code"), table_name="assistance_objection")
    op.drop_index(op.f("ix_assistance_objection_application_id"), table_name="assistance_objection")

    op.drop_table("assistance_objection")
    op.drop_index(op.f("ix_assistance_notice_starts_on"), table_name="assistance_notice")
    op.drop_index(op.f("ix_assistance_notice_locality_code"), table_name="assistance_notice")
    op.drop_index(op.f("ix_assistance_notice_ends_on"), table_name="assistance_notice")
    op.drop_index(op.f("ix_assistance_notice_application_id"), table_name="assistance_notice")

    op.drop_table("assistance_notice")
    op.drop_index(op.f("ix_assistance_member_person_id"), table_name="assistance_member")
    op.drop_index(op.f("ix_assistance_member_application_id"), table_name="assistance_member")

    op.drop_table("assistance_member")
    op.drop_index(op.f("ix_assistance_enrolment_state"), table_name="assistance_enrolment")
    op.drop_index(op.f("ix_assistance_enrolment_programme"), table_name="assistance_enrolment")
    op.drop_index(op.f("ix_assistance_enrolment_person_id"), table_name="assistance_enrolment")
    op.drop_index(op.f("ix_assistance_enrolment_locality_code"), table_name="assistance_enrolment")

    op.drop_table("assistance_enrolment")
    op.drop_index(op.f("ix_assistance_consent_locality_code"), table_name="assistance_consent")
    op.drop_index(op.f("ix_assistance_consent_application_id"), table_name="assistance_consent")

    op.drop_table("assistance_consent")
    op.drop_index(
        op.f("ix_assistance_care_fund_entry_locality_code"), table_name="assistance_care_fund_entry"
    )
    op.drop_index(
        op.f("ix_assistance_care_fund_entry_fund_id"), table_name="assistance_care_fund_entry"
    )

    op.drop_table("assistance_care_fund_entry")
    op.drop_index(
        op.f("ix_assistance_assessment_locality_code"), table_name="assistance_assessment"
    )
    op.drop_index(
        op.f("ix_assistance_assessment_application_id"), table_name="assistance_assessment"
    )

    op.drop_table("assistance_assessment")
    op.drop_index(op.f("ix_assistance_application_state"), table_name="assistance_application")
    op.drop_index(op.f("ix_assistance_application_programme"), table_name="assistance_application")
    op.drop_index(
        op.f("ix_assistance_application_locality_code"), table_name="assistance_application"
    )
    op.drop_index(op.f("ix_assistance_application_lead_id"), table_name="assistance_application")
    op.drop_index(
        op.f("ix_assistance_application_household_id"), table_name="assistance_application"
    )
    op.drop_index(
        op.f("ix_assistance_application_applicant_id"), table_name="assistance_application"
    )

    op.drop_table("assistance_application")
    op.drop_index(op.f("ix_assistance_lead_state"), table_name="assistance_lead")
    op.drop_index(op.f("ix_assistance_lead_person_id"), table_name="assistance_lead")
    op.drop_index(op.f("ix_assistance_lead_locality_code"), table_name="assistance_lead")

    op.drop_table("assistance_lead")
    op.drop_index(
        op.f("ix_assistance_source_record_upload_id"), table_name="assistance_source_record"
    )
    op.drop_index("ix_assistance_source_record_lookup", table_name="assistance_source_record")

    op.drop_table("assistance_source_record")
    op.drop_index(op.f("ix_assistance_coverage_period"), table_name="assistance_coverage")
    op.drop_index(op.f("ix_assistance_coverage_locality_code"), table_name="assistance_coverage")
    op.drop_index(op.f("ix_assistance_coverage_batch_id"), table_name="assistance_coverage")

    op.drop_table("assistance_coverage")
    op.drop_index(op.f("ix_assistance_standard_locality_code"), table_name="assistance_standard")

    op.drop_table("assistance_standard")
    op.drop_index(
        op.f("ix_assistance_source_upload_locality_code"), table_name="assistance_source_upload"
    )

    op.drop_table("assistance_source_upload")
    op.drop_index(op.f("ix_assistance_care_fund_locality_code"), table_name="assistance_care_fund")

    op.drop_table("assistance_care_fund")
    op.drop_index(op.f("ix_assistance_batch_period"), table_name="assistance_batch")
    op.drop_index(op.f("ix_assistance_batch_locality_code"), table_name="assistance_batch")

    op.drop_table("assistance_batch")
