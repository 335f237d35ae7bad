"""The points plugin's tables: rules, the double-entry ledger, claims, the love supermarket,
dividends and ranking snapshots.

Revision ID: points_0002
Revises: points_0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "points_0002"
down_revision: str | Sequence[str] | None = "points_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the tables."""
    op.create_table(
        "points_dividend",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=10), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("pool", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("total_points", sa.Integer(), nullable=False),
        sa.Column("holders", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_points_dividend_locality_code_core_locality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_dividend")),
    )
    op.create_index(op.f("ix_points_dividend_locality_code"), "points_dividend", ["locality_code"])

    op.create_table(
        "points_ranking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=10), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("published_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("published_by", sa.String(length=100), nullable=True),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_points_ranking_locality_code_core_locality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_ranking")),
        sa.UniqueConstraint(
            "scheme",
            "locality_code",
            "period",
            name=op.f("uq_points_ranking_scheme_locality_code_period"),
        ),
    )
    op.create_index(op.f("ix_points_ranking_locality_code"), "points_ranking", ["locality_code"])

    op.create_table(
        "points_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("cap", sa.Integer(), nullable=True),
        sa.Column("cap_period", sa.String(length=5), nullable=True),
        sa.Column("needs_review", sa.Boolean(), nullable=False),
        sa.Column("evidence", sa.String(length=200), nullable=False),
        sa.Column("trigger_event", sa.String(length=100), nullable=True),
        sa.Column("person_field", sa.String(length=50), nullable=False),
        sa.Column("awarded_by", sa.String(length=10), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_points_rule_locality_code_core_locality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_rule")),
        sa.UniqueConstraint(
            "locality_code",
            "code",
            "version",
            name=op.f("uq_points_rule_locality_code_code_version"),
        ),
    )
    op.create_index("ix_points_rule_code_locality", "points_rule", ["code", "locality_code"])
    op.create_index(op.f("ix_points_rule_locality_code"), "points_rule", ["locality_code"])
    op.create_index(op.f("ix_points_rule_trigger_event"), "points_rule", ["trigger_event"])

    op.create_table(
        "points_merchant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("contract_active", sa.Boolean(), nullable=False),
        sa.Column("contract_start", sa.Date(), nullable=True),
        sa.Column("contract_end", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_points_merchant_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["core_organization.id"],
            name=op.f("fk_points_merchant_organization_id_core_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_merchant")),
        sa.UniqueConstraint("organization_id", name=op.f("uq_points_merchant_organization_id")),
    )
    op.create_index(op.f("ix_points_merchant_locality_code"), "points_merchant", ["locality_code"])

    op.create_table(
        "points_transfer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=15), nullable=False),
        sa.Column("scheme", sa.String(length=10), nullable=False),
        sa.Column("value_date", sa.Date(), nullable=False),
        sa.Column("memo", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_points_transfer_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["points_transfer.id"],
            name=op.f("fk_points_transfer_reverses_id_points_transfer"),
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["points_rule.id"], name=op.f("fk_points_transfer_rule_id_points_rule")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_transfer")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_points_transfer_reverses_id")),
    )
    op.create_index(op.f("ix_points_transfer_kind"), "points_transfer", ["kind"])
    op.create_index(op.f("ix_points_transfer_locality_code"), "points_transfer", ["locality_code"])
    op.create_index(op.f("ix_points_transfer_value_date"), "points_transfer", ["value_date"])

    op.create_table(
        "points_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("scheme", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("balance", sa.Integer(), nullable=False),
        sa.Column("earned", sa.Integer(), nullable=False),
        sa.Column("floor", sa.Integer(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.CheckConstraint(
            "floor IS NULL OR balance >= floor", name=op.f("ck_points_account_balance_floor")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["core_household.id"],
            name=op.f("fk_points_account_household_id_core_household"),
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_points_account_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["core_organization.id"],
            name=op.f("fk_points_account_organization_id_core_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["core_person.id"], name=op.f("fk_points_account_person_id_core_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_account")),
        sa.UniqueConstraint("key", name=op.f("uq_points_account_key")),
    )
    op.create_index(op.f("ix_points_account_household_id"), "points_account", ["household_id"])
    op.create_index(op.f("ix_points_account_locality_code"), "points_account", ["locality_code"])
    op.create_index(
        op.f("ix_points_account_organization_id"), "points_account", ["organization_id"]
    )
    op.create_index(op.f("ix_points_account_person_id"), "points_account", ["person_id"])
    op.create_index("ix_points_account_rank", "points_account", ["scheme", "kind", "earned"])
    op.create_index(
        "ix_points_account_scheme_kind_locality",
        "points_account",
        ["scheme", "kind", "locality_code"],
    )

    op.create_table(
        "points_claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("rule_code", sa.String(length=30), nullable=False),
        sa.Column("scheme", sa.String(length=10), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("activity", sa.String(length=100), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=15), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_by", sa.String(length=100), nullable=True),
        sa.Column("reviewed_by", sa.String(length=100), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("objection", sa.String(length=200), nullable=True),
        sa.Column("objections", sa.Integer(), nullable=False),
        sa.Column("notice_starts_on", sa.Date(), nullable=True),
        sa.Column("notice_ends_on", sa.Date(), nullable=True),
        sa.Column("posted_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("transfer_id", sa.Integer(), nullable=True),
        sa.Column("reversal_id", sa.Integer(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_points_claim_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["reversal_id"],
            ["points_transfer.id"],
            name=op.f("fk_points_claim_reversal_id_points_transfer"),
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["points_rule.id"], name=op.f("fk_points_claim_rule_id_points_rule")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["core_account.id"],
            name=op.f("fk_points_claim_submitted_by_id_core_account"),
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["points_transfer.id"],
            name=op.f("fk_points_claim_transfer_id_points_transfer"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_claim")),
    )
    op.create_index(op.f("ix_points_claim_locality_code"), "points_claim", ["locality_code"])
    op.create_index(op.f("ix_points_claim_state"), "points_claim", ["state"])
    op.create_index("ix_points_claim_state_notice", "points_claim", ["state", "notice_ends_on"])

    op.create_table(
        "points_product",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("unit", sa.String(length=10), nullable=False),
        sa.Column("points_price", sa.Integer(), nullable=False),
        sa.Column("cost_price", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.CheckConstraint("cost_price >= 0", name=op.f("ck_points_product_cost_nonnegative")),
        sa.CheckConstraint("points_price > 0", name=op.f("ck_points_product_price_positive")),
        sa.CheckConstraint("stock >= 0", name=op.f("ck_points_product_stock_nonnegative")),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_points_product_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["points_merchant.id"],
            name=op.f("fk_points_product_merchant_id_points_merchant"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_product")),
    )
    op.create_index(op.f("ix_points_product_locality_code"), "points_product", ["locality_code"])
    op.create_index(op.f("ix_points_product_merchant_id"), "points_product", ["merchant_id"])

    op.create_table(
        "points_settlement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("redemptions", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_points_settlement_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["points_merchant.id"],
            name=op.f("fk_points_settlement_merchant_id_points_merchant"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_settlement")),
        sa.UniqueConstraint(
            "merchant_id",
            "period_start",
            "period_end",
            name=op.f("uq_points_settlement_merchant_id_period_start_period_end"),
        ),
    )
    op.create_index(
        op.f("ix_points_settlement_locality_code"), "points_settlement", ["locality_code"]
    )
    op.create_index(op.f("ix_points_settlement_merchant_id"), "points_settlement", ["merchant_id"])

    op.create_table(
        "points_auto_award",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_name", sa.String(length=100), nullable=False),
        sa.Column("event_key_hash", sa.String(length=64), nullable=False),
        sa.Column("rule_code", sa.String(length=30), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=True),
        sa.Column("transfer_id", sa.Integer(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["points_claim.id"],
            name=op.f("fk_points_auto_award_claim_id_points_claim"),
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_points_auto_award_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["core_person.id"],
            name=op.f("fk_points_auto_award_person_id_core_person"),
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["points_transfer.id"],
            name=op.f("fk_points_auto_award_transfer_id_points_transfer"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_auto_award")),
        sa.UniqueConstraint(
            "event_key_hash",
            "rule_code",
            name=op.f("uq_points_auto_award_event_key_hash_rule_code"),
        ),
    )
    op.create_index(
        op.f("ix_points_auto_award_locality_code"), "points_auto_award", ["locality_code"]
    )

    op.create_table(
        "points_claim_branch",
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["points_claim.id"],
            name=op.f("fk_points_claim_branch_claim_id_points_claim"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["core_organization.id"],
            name=op.f("fk_points_claim_branch_organization_id_core_organization"),
        ),
        sa.PrimaryKeyConstraint("claim_id", "organization_id", name=op.f("pk_points_claim_branch")),
    )
    op.create_table(
        "points_claim_person",
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["points_claim.id"],
            name=op.f("fk_points_claim_person_claim_id_points_claim"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["core_person.id"],
            name=op.f("fk_points_claim_person_person_id_core_person"),
        ),
        sa.PrimaryKeyConstraint("claim_id", "person_id", name=op.f("pk_points_claim_person")),
    )
    op.create_table(
        "points_dividend_share",
        sa.Column("dividend_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["points_account.id"],
            name=op.f("fk_points_dividend_share_account_id_points_account"),
        ),
        sa.ForeignKeyConstraint(
            ["dividend_id"],
            ["points_dividend.id"],
            name=op.f("fk_points_dividend_share_dividend_id_points_dividend"),
        ),
        sa.PrimaryKeyConstraint("dividend_id", "account_id", name=op.f("pk_points_dividend_share")),
    )
    op.create_table(
        "points_movement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transfer_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_points_movement_nonzero")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["points_account.id"],
            name=op.f("fk_points_movement_account_id_points_account"),
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_points_movement_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["points_transfer.id"],
            name=op.f("fk_points_movement_transfer_id_points_transfer"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_movement")),
    )
    op.create_index("ix_points_movement_account_id_id", "points_movement", ["account_id", "id"])
    op.create_index(op.f("ix_points_movement_locality_code"), "points_movement", ["locality_code"])
    op.create_index(op.f("ix_points_movement_transfer_id"), "points_movement", ["transfer_id"])

    op.create_table(
        "points_ranking_entry",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("holder_name", sa.String(length=100), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["points_account.id"],
            name=op.f("fk_points_ranking_entry_account_id_points_account"),
        ),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["points_ranking.id"],
            name=op.f("fk_points_ranking_entry_snapshot_id_points_ranking"),
        ),
        sa.PrimaryKeyConstraint("snapshot_id", "account_id", name=op.f("pk_points_ranking_entry")),
    )
    op.create_table(
        "points_redemption",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("cost_amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("reserved_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("fulfilled_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("settled_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("cancelled_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("transfer_id", sa.Integer(), nullable=True),
        sa.Column("reversal_id", sa.Integer(), nullable=True),
        sa.Column("settlement_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["points_account.id"],
            name=op.f("fk_points_redemption_account_id_points_account"),
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_points_redemption_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["points_merchant.id"],
            name=op.f("fk_points_redemption_merchant_id_points_merchant"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["points_product.id"],
            name=op.f("fk_points_redemption_product_id_points_product"),
        ),
        sa.ForeignKeyConstraint(
            ["reversal_id"],
            ["points_transfer.id"],
            name=op.f("fk_points_redemption_reversal_id_points_transfer"),
        ),
        sa.ForeignKeyConstraint(
            ["settlement_id"],
            ["points_settlement.id"],
            name=op.f("fk_points_redemption_settlement_id_points_settlement"),
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["points_transfer.id"],
            name=op.f("fk_points_redemption_transfer_id_points_transfer"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_redemption")),
    )
    op.create_index(op.f("ix_points_redemption_account_id"), "points_redemption", ["account_id"])
    op.create_index(
        op.f("ix_points_redemption_locality_code"), "points_redemption", ["locality_code"]
    )
    op.create_index(
        "ix_points_redemption_merchant_state",
        "points_redemption",
        ["merchant_id", "state", "fulfilled_at"],
    )
    op.create_index(
        op.f("ix_points_redemption_settlement_id"), "points_redemption", ["settlement_id"]
    )

    op.create_table(
        "points_rule_tally",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("rule_code", sa.String(length=30), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["points_account.id"],
            name=op.f("fk_points_rule_tally_account_id_points_account"),
        ),
        sa.PrimaryKeyConstraint(
            "account_id", "rule_code", "period", name=op.f("pk_points_rule_tally")
        ),
    )
    op.create_table(
        "points_tally",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("scheme", sa.String(length=10), nullable=False),
        sa.Column("earned", sa.Integer(), nullable=False),
        sa.Column("credits", sa.Integer(), nullable=False),
        sa.Column("debits", sa.Integer(), nullable=False),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["points_account.id"],
            name=op.f("fk_points_tally_account_id_points_account"),
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_points_tally_locality_code_core_locality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_tally")),
        sa.UniqueConstraint("account_id", "period", name=op.f("uq_points_tally_account_id_period")),
    )
    op.create_index("ix_points_tally_board", "points_tally", ["scheme", "period", "locality_code"])
    op.create_index("ix_points_tally_rank", "points_tally", ["scheme", "period", "earned"])
    op.create_index(op.f("ix_points_tally_locality_code"), "points_tally", ["locality_code"])


def downgrade() -> None:
    """Drop the tables."""
    op.drop_index(op.f("ix_points_tally_locality_code"), table_name="points_tally")
    op.drop_index("ix_points_tally_board", table_name="points_tally")
    op.drop_index("ix_points_tally_rank", table_name="points_tally")

    op.drop_table("points_tally")
    op.drop_table("points_rule_tally")
    op.drop_index(op.f("ix_points_redemption_settlement_id"), table_name="points_redemption")
    op.drop_index("ix_points_redemption_merchant_state", table_name="points_redemption")
    op.drop_index(op.f("ix_points_redemption_locality_code"), table_name="points_redemption")
    op.drop_index(op.f("ix_points_redemption_account_id"), table_name="points_redemption")

    op.drop_table("points_redemption")
    op.drop_table("points_ranking_entry")
    op.drop_index(op.f("ix_points_movement_transfer_id"), table_name="points_movement")
    op.drop_index(op.f("ix_points_movement_locality_code"), table_name="points_movement")
    op.drop_index("ix_points_movement_account_id_id", table_name="points_movement")

    op.drop_table("points_movement")
    op.drop_table("points_dividend_share")
    op.drop_table("points_claim_person")
    op.drop_table("points_claim_branch")
    op.drop_index(op.f("ix_points_auto_award_locality_code"), table_name="points_auto_award")

    op.drop_table("points_auto_award")
    op.drop_index(op.f("ix_points_settlement_merchant_id"), table_name="points_settlement")
    op.drop_index(op.f("ix_points_settlement_locality_code"), table_name="points_settlement")

    op.drop_table("points_settlement")
    op.drop_index(op.f("ix_points_product_merchant_id"), table_name="points_product")
    op.drop_index(op.f("ix_points_product_locality_code"), table_name="points_product")

    op.drop_table("points_product")
    op.drop_index("ix_points_claim_state_notice", table_name="points_claim")
    op.drop_index(op.f("ix_points_claim_state"), table_name="points_claim")
    op.drop_index(op.f("ix_points_claim_locality_code"), table_name="points_claim")

    op.drop_table("points_claim")
    op.drop_index("ix_points_account_scheme_kind_locality", table_name="points_account")
    op.drop_index("ix_points_account_rank", table_name="points_account")
    op.drop_index(op.f("ix_points_account_person_id"), table_name="points_account")
    op.drop_index(op.f("ix_points_account_organization_id"), table_name="points_account")
    op.drop_index(op.f("ix_points_account_locality_code"), table_name="points_account")
    op.drop_index(op.f("ix_points_account_household_id"), table_name="points_account")

    op.drop_table("points_account")
    op.drop_index(op.f("ix_points_transfer_value_date"), table_name="points_transfer")
    op.drop_index(op.f("ix_points_transfer_locality_code"), table_name="points_transfer")
    op.drop_index(op.f("ix_points_transfer_kind"), table_name="points_transfer")

    op.drop_table("points_transfer")
    op.drop_index(op.f("ix_points_merchant_locality_code"), table_name="points_merchant")

    op.drop_table("points_merchant")
    op.drop_index(op.f("ix_points_rule_trigger_event"), table_name="points_rule")
    op.drop_index(op.f("ix_points_rule_locality_code"), table_name="points_rule")
    op.drop_index("ix_points_rule_code_locality", table_name="points_rule")

    op.drop_table("points_rule")
    op.drop_index(op.f("ix_points_ranking_locality_code"), table_name="points_ranking")

    op.drop_table("points_ranking")
    op.drop_index(op.f("ix_points_dividend_locality_code"), table_name="points_dividend")

    op.drop_table("points_dividend")
