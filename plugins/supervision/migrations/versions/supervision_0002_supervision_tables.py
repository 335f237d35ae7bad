"""三资, 四议两公开, 村务公开, 权力清单, 督查 and 村民直评村官 tables

Revision ID: supervision_0002
Revises: supervision_0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "supervision_0002"
down_revision: str | Sequence[str] | None = "supervision_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "supervision_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_kind", sa.String(length=20), nullable=False, comment="附件所属"),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False, comment="文件名"),
        sa.Column("content_type", sa.String(length=100), nullable=False, comment="类型"),
        sa.Column("size", sa.Integer(), nullable=False, comment="大小（字节）"),
        sa.Column("sha256", sa.String(length=64), nullable=False, comment="SHA-256"),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=100), nullable=True, comment="上传人"),
        sa.Column("uploaded_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_supervision_attachment_locality_code_core_locality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_attachment")),
    )
    op.create_index(
        op.f("ix_supervision_attachment_locality_code"), "supervision_attachment", ["locality_code"]
    )
    op.create_index(
        "ix_supervision_attachment_owner", "supervision_attachment", ["owner_kind", "owner_id"]
    )

    op.create_table(
        "supervision_fund_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False, comment="账户编号"),
        sa.Column("name", sa.String(length=100), nullable=False, comment="账户名称"),
        sa.Column("opening_balance", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False, comment="期初日期"),
        sa.Column("balance", sa.Numeric(precision=14, scale=2), nullable=False, comment="当前余额"),
        sa.Column("last_seq", sa.Integer(), nullable=False, comment="最后一个记账凭证号"),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.CheckConstraint(
            "balance >= 0", name=op.f("ck_supervision_fund_account_balance_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_supervision_fund_account_locality_code_core_locality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_fund_account")),
        sa.UniqueConstraint(
            "locality_code", "code", name=op.f("uq_supervision_fund_account_locality_code_code")
        ),
    )
    op.create_index(
        op.f("ix_supervision_fund_account_locality_code"),
        "supervision_fund_account",
        ["locality_code"],
    )

    op.create_table(
        "supervision_inspection_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False, comment="年度"),
        sa.Column("quarter", sa.Integer(), nullable=False, comment="季度"),
        sa.Column("rate", sa.Integer(), nullable=False, comment="抽查比例（%）"),
        sa.Column("seed", sa.String(length=64), nullable=False, comment="随机种子"),
        sa.Column("population", sa.JSON(), nullable=False, comment="抽样总体（村代码）"),
        sa.Column("population_size", sa.Integer(), nullable=False, comment="总体村数"),
        sa.Column("sample_size", sa.Integer(), nullable=False, comment="抽中村数"),
        sa.Column("note", sa.Text(), nullable=True, comment="说明"),
        sa.Column("drawn_by", sa.String(length=100), nullable=True, comment="抽取人"),
        sa.Column("drawn_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_supervision_inspection_round_locality_code_core_locality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_inspection_round")),
        sa.UniqueConstraint(
            "locality_code",
            "year",
            "quarter",
            name=op.f("uq_supervision_inspection_round_locality_code_year_quarter"),
        ),
    )
    op.create_index(
        op.f("ix_supervision_inspection_round_locality_code"),
        "supervision_inspection_round",
        ["locality_code"],
    )

    op.create_table(
        "supervision_matter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False, comment="事项名称"),
        sa.Column("category", sa.String(length=20), nullable=False, comment="事项类别"),
        sa.Column(
            "amount", sa.Numeric(precision=14, scale=2), nullable=True, comment="涉及金额（元）"
        ),
        sa.Column("description", sa.Text(), nullable=True, comment="事项内容"),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False, comment="第几轮提议"),
        sa.Column("resolution", sa.Text(), nullable=True, comment="决议内容"),
        sa.Column("result", sa.Text(), nullable=True, comment="实施结果"),
        sa.Column("returned_reason", sa.String(length=200), nullable=True, comment="退回理由"),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_supervision_matter_locality_code_core_locality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_matter")),
    )
    op.create_index(
        op.f("ix_supervision_matter_locality_code"), "supervision_matter", ["locality_code"]
    )

    op.create_table(
        "supervision_power_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False, comment="事项编号"),
        sa.Column("title", sa.String(length=100), nullable=False, comment="事项名称"),
        sa.Column("category", sa.String(length=30), nullable=False, comment="事项类别"),
        sa.Column("basis", sa.Text(), nullable=True, comment="实施依据"),
        sa.Column("description", sa.Text(), nullable=True, comment="说明"),
        sa.Column("position", sa.Integer(), nullable=False, comment="排序"),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_supervision_power_item_locality_code_core_locality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_power_item")),
        sa.UniqueConstraint(
            "locality_code", "code", name=op.f("uq_supervision_power_item_locality_code_code")
        ),
    )
    op.create_index(
        op.f("ix_supervision_power_item_locality_code"), "supervision_power_item", ["locality_code"]
    )

    op.create_table(
        "supervision_rating_campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False, comment="测评名称"),
        sa.Column("period_label", sa.String(length=30), nullable=False, comment="测评期间"),
        sa.Column("opens_on", sa.Date(), nullable=False, comment="开始日期"),
        sa.Column("closes_on", sa.Date(), nullable=False, comment="截止日期"),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_supervision_rating_campaign_locality_code_core_locality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_rating_campaign")),
    )
    op.create_index(
        op.f("ix_supervision_rating_campaign_locality_code"),
        "supervision_rating_campaign",
        ["locality_code"],
    )

    op.create_table(
        "supervision_resource",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False, comment="资源编号"),
        sa.Column("name", sa.String(length=100), nullable=False, comment="资源名称"),
        sa.Column("kind", sa.String(length=20), nullable=False, comment="资源类型"),
        sa.Column("area", sa.Numeric(precision=14, scale=2), nullable=False, comment="面积"),
        sa.Column("unit", sa.String(length=10), nullable=False, comment="面积单位"),
        sa.Column("location", sa.String(length=100), nullable=True, comment="坐落位置"),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_supervision_resource_locality_code_core_locality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_resource")),
        sa.UniqueConstraint(
            "locality_code", "code", name=op.f("uq_supervision_resource_locality_code_code")
        ),
    )
    op.create_index(
        op.f("ix_supervision_resource_locality_code"), "supervision_resource", ["locality_code"]
    )

    op.create_table(
        "supervision_asset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False, comment="资产编号"),
        sa.Column("name", sa.String(length=100), nullable=False, comment="资产名称"),
        sa.Column("category", sa.String(length=20), nullable=False, comment="资产类别"),
        sa.Column("acquisition", sa.String(length=20), nullable=False, comment="取得方式"),
        sa.Column("acquired_on", sa.Date(), nullable=False, comment="取得日期"),
        sa.Column(
            "original_value",
            sa.Numeric(precision=14, scale=2),
            nullable=False,
            comment="原值（元）",
        ),
        sa.Column("location", sa.String(length=100), nullable=True, comment="坐落位置"),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("disposal_matter_id", sa.Integer(), nullable=True, comment="处置决策事项"),
        sa.Column("disposed_on", sa.Date(), nullable=True, comment="处置日期"),
        sa.Column("disposal_method", sa.String(length=50), nullable=True, comment="处置方式"),
        sa.Column(
            "disposal_amount",
            sa.Numeric(precision=14, scale=2),
            nullable=True,
            comment="处置收入（元）",
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["disposal_matter_id"],
            ["supervision_matter.id"],
            name=op.f("fk_supervision_asset_disposal_matter_id_supervision_matter"),
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_supervision_asset_locality_code_core_locality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_asset")),
        sa.UniqueConstraint(
            "locality_code", "code", name=op.f("uq_supervision_asset_locality_code_code")
        ),
    )
    op.create_index(
        op.f("ix_supervision_asset_locality_code"), "supervision_asset", ["locality_code"]
    )

    op.create_table(
        "supervision_contract",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False, comment="合同编号"),
        sa.Column("lessee", sa.String(length=100), nullable=False, comment="承包方/承租方"),
        sa.Column("start_on", sa.Date(), nullable=False, comment="起始日期"),
        sa.Column("end_on", sa.Date(), nullable=False, comment="终止日期"),
        sa.Column(
            "annual_rent", sa.Numeric(precision=14, scale=2), nullable=False, comment="年租金（元）"
        ),
        sa.Column("due_month", sa.Integer(), nullable=False, comment="每年交租月份"),
        sa.Column("due_day", sa.Integer(), nullable=False, comment="每年交租日"),
        sa.Column("matter_id", sa.Integer(), nullable=True, comment="发包决策事项"),
        sa.Column("signed_on", sa.Date(), nullable=True, comment="签订日期"),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.CheckConstraint("end_on > start_on", name=op.f("ck_supervision_contract_term_positive")),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_supervision_contract_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["matter_id"],
            ["supervision_matter.id"],
            name=op.f("fk_supervision_contract_matter_id_supervision_matter"),
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["supervision_resource.id"],
            name=op.f("fk_supervision_contract_resource_id_supervision_resource"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_contract")),
        sa.UniqueConstraint(
            "locality_code", "number", name=op.f("uq_supervision_contract_locality_code_number")
        ),
    )
    op.create_index(
        op.f("ix_supervision_contract_locality_code"), "supervision_contract", ["locality_code"]
    )
    op.create_index(
        op.f("ix_supervision_contract_resource_id"), "supervision_contract", ["resource_id"]
    )

    op.create_table(
        "supervision_disclosure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False, comment="公开类别"),
        sa.Column("title", sa.String(length=200), nullable=False, comment="标题"),
        sa.Column("content", sa.Text(), nullable=False, comment="公开内容"),
        sa.Column("period_label", sa.String(length=30), nullable=True, comment="公开期间"),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("online", sa.Boolean(), nullable=False, comment="网上公开"),
        sa.Column("board", sa.Boolean(), nullable=False, comment="公开栏张贴"),
        sa.Column("source", sa.String(length=20), nullable=False, comment="来源"),
        sa.Column("figures", sa.JSON(), nullable=True, comment="财务数据"),
        sa.Column("matter_id", sa.Integer(), nullable=True, comment="四议两公开事项"),
        sa.Column("amends_id", sa.Integer(), nullable=True, comment="更正的公开"),
        sa.Column("amendment_reason", sa.String(length=200), nullable=True, comment="更正理由"),
        sa.Column("published_by", sa.String(length=100), nullable=True, comment="发布人"),
        sa.Column("published_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["amends_id"],
            ["supervision_disclosure.id"],
            name=op.f("fk_supervision_disclosure_amends_id_supervision_disclosure"),
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_supervision_disclosure_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["matter_id"],
            ["supervision_matter.id"],
            name=op.f("fk_supervision_disclosure_matter_id_supervision_matter"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_disclosure")),
        sa.UniqueConstraint("amends_id", name=op.f("uq_supervision_disclosure_amends_id")),
    )
    op.create_index(
        op.f("ix_supervision_disclosure_locality_code"), "supervision_disclosure", ["locality_code"]
    )
    op.create_index(
        "ix_supervision_disclosure_locality_published",
        "supervision_disclosure",
        ["locality_code", "published_at"],
    )
    op.create_index(
        op.f("ix_supervision_disclosure_matter_id"), "supervision_disclosure", ["matter_id"]
    )

    op.create_table(
        "supervision_fund_period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False, comment="记账期间 YYYY-MM"),
        sa.Column("receipts", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("payments", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("vouchers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["supervision_fund_account.id"],
            name=op.f("fk_supervision_fund_period_account_id_supervision_fund_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_fund_period")),
        sa.UniqueConstraint(
            "account_id", "period", name=op.f("uq_supervision_fund_period_account_id_period")
        ),
    )
    op.create_table(
        "supervision_inspection_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("draw_order", sa.Integer(), nullable=False, comment="抽中顺序"),
        sa.Column("inspected_on", sa.Date(), nullable=True, comment="督查日期"),
        sa.Column("inspectors", sa.String(length=100), nullable=True, comment="督查人员"),
        sa.Column("conclusion", sa.String(length=10), nullable=True, comment="督查结论"),
        sa.Column("summary", sa.Text(), nullable=True, comment="督查情况"),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_supervision_inspection_target_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["supervision_inspection_round.id"],
            name=op.f("fk_supervision_inspection_target_round_id_supervision_inspection_round"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_inspection_target")),
        sa.UniqueConstraint(
            "round_id",
            "locality_code",
            name=op.f("uq_supervision_inspection_target_round_id_locality_code"),
        ),
    )
    op.create_index(
        op.f("ix_supervision_inspection_target_locality_code"),
        "supervision_inspection_target",
        ["locality_code"],
    )
    op.create_index(
        op.f("ix_supervision_inspection_target_round_id"),
        "supervision_inspection_target",
        ["round_id"],
    )

    op.create_table(
        "supervision_meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("matter_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=20), nullable=False, comment="步骤"),
        sa.Column("held_on", sa.Date(), nullable=False, comment="会议日期"),
        sa.Column("place", sa.String(length=100), nullable=True, comment="会议地点"),
        sa.Column("expected", sa.Integer(), nullable=False, comment="应到人数"),
        sa.Column("present", sa.Integer(), nullable=False, comment="实到人数"),
        sa.Column("votes_for", sa.Integer(), nullable=False, comment="赞成"),
        sa.Column("votes_against", sa.Integer(), nullable=False, comment="反对"),
        sa.Column("abstentions", sa.Integer(), nullable=False, comment="弃权"),
        sa.Column("minutes", sa.Text(), nullable=False, comment="会议记录"),
        sa.Column("passed", sa.Boolean(), nullable=False, comment="是否通过"),
        sa.Column("recorded_by", sa.String(length=100), nullable=True),
        sa.Column("recorded_at", core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["matter_id"],
            ["supervision_matter.id"],
            name=op.f("fk_supervision_meeting_matter_id_supervision_matter"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_meeting")),
        sa.UniqueConstraint(
            "matter_id", "round", "step", name=op.f("uq_supervision_meeting_matter_id_round_step")
        ),
    )
    op.create_index(op.f("ix_supervision_meeting_matter_id"), "supervision_meeting", ["matter_id"])

    op.create_table(
        "supervision_power_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False, comment="顺序"),
        sa.Column("title", sa.String(length=100), nullable=False, comment="环节"),
        sa.Column("actor", sa.String(length=100), nullable=True, comment="责任主体"),
        sa.Column("note", sa.String(length=200), nullable=True, comment="要求"),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["supervision_power_item.id"],
            name=op.f("fk_supervision_power_step_item_id_supervision_power_item"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_power_step")),
        sa.UniqueConstraint(
            "item_id", "position", name=op.f("uq_supervision_power_step_item_id_position")
        ),
    )
    op.create_index(
        op.f("ix_supervision_power_step_item_id"), "supervision_power_step", ["item_id"]
    )

    op.create_table(
        "supervision_disclosure_due",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False, comment="公开类别"),
        sa.Column("period_label", sa.String(length=30), nullable=False, comment="公开期间"),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False, comment="应公开日期"),
        sa.Column("disclosure_id", sa.Integer(), nullable=True, comment="已公开内容"),
        sa.Column("fulfilled_on", sa.Date(), nullable=True, comment="实际公开日期"),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["disclosure_id"],
            ["supervision_disclosure.id"],
            name=op.f("fk_supervision_disclosure_due_disclosure_id_supervision_disclosure"),
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_supervision_disclosure_due_locality_code_core_locality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_disclosure_due")),
        sa.UniqueConstraint(
            "locality_code",
            "category",
            "period_start",
            name=op.f("uq_supervision_disclosure_due_locality_code_category_period_start"),
        ),
    )
    op.create_index(
        "ix_supervision_disclosure_due_due_on", "supervision_disclosure_due", ["due_on"]
    )
    op.create_index(
        op.f("ix_supervision_disclosure_due_locality_code"),
        "supervision_disclosure_due",
        ["locality_code"],
    )

    op.create_table(
        "supervision_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False, comment="问题类别"),
        sa.Column("description", sa.Text(), nullable=False, comment="问题描述"),
        sa.Column("deadline", sa.Date(), nullable=False, comment="整改期限"),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("rectification", sa.Text(), nullable=True, comment="整改情况"),
        sa.Column("reported_by", sa.String(length=100), nullable=True),
        sa.Column("reported_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("verified_by", sa.String(length=100), nullable=True),
        sa.Column("verified_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True, comment="验收意见"),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_supervision_finding_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["supervision_inspection_target.id"],
            name=op.f("fk_supervision_finding_target_id_supervision_inspection_target"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_finding")),
    )
    op.create_index(
        op.f("ix_supervision_finding_locality_code"), "supervision_finding", ["locality_code"]
    )
    op.create_index(op.f("ix_supervision_finding_target_id"), "supervision_finding", ["target_id"])

    op.create_table(
        "supervision_rated_cadre",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("post", sa.String(length=30), nullable=False, comment="职务"),
        sa.Column("ratings", sa.Integer(), nullable=False, comment="参评户数"),
        sa.Column("diligence_total", sa.Integer(), nullable=False),
        sa.Column("integrity_total", sa.Integer(), nullable=False),
        sa.Column(
            "index_value", sa.Numeric(precision=5, scale=2), nullable=True, comment="勤廉指数"
        ),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["supervision_rating_campaign.id"],
            name=op.f("fk_supervision_rated_cadre_campaign_id_supervision_rating_campaign"),
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_supervision_rated_cadre_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["core_person.id"],
            name=op.f("fk_supervision_rated_cadre_person_id_core_person"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_rated_cadre")),
        sa.UniqueConstraint(
            "campaign_id",
            "person_id",
            name=op.f("uq_supervision_rated_cadre_campaign_id_person_id"),
        ),
    )
    op.create_index(
        op.f("ix_supervision_rated_cadre_campaign_id"), "supervision_rated_cadre", ["campaign_id"]
    )
    op.create_index(
        op.f("ix_supervision_rated_cadre_locality_code"),
        "supervision_rated_cadre",
        ["locality_code"],
    )
    op.create_index(
        op.f("ix_supervision_rated_cadre_person_id"), "supervision_rated_cadre", ["person_id"]
    )

    op.create_table(
        "supervision_rent_due",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=30), nullable=False, comment="租金期间"),
        sa.Column("due_on", sa.Date(), nullable=False, comment="应缴日期"),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False, comment="应缴金额"),
        sa.Column(
            "paid_amount", sa.Numeric(precision=14, scale=2), nullable=False, comment="已缴金额"
        ),
        sa.Column("paid_on", sa.Date(), nullable=True, comment="最近缴款日期"),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.CheckConstraint(
            "paid_amount <= amount", name=op.f("ck_supervision_rent_due_not_overpaid")
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["supervision_contract.id"],
            name=op.f("fk_supervision_rent_due_contract_id_supervision_contract"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_supervision_rent_due_locality_code_core_locality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_rent_due")),
        sa.UniqueConstraint(
            "contract_id", "due_on", name=op.f("uq_supervision_rent_due_contract_id_due_on")
        ),
    )
    op.create_index(
        op.f("ix_supervision_rent_due_contract_id"), "supervision_rent_due", ["contract_id"]
    )
    op.create_index(
        op.f("ix_supervision_rent_due_locality_code"), "supervision_rent_due", ["locality_code"]
    )
    op.create_index(
        "ix_supervision_rent_due_locality_due", "supervision_rent_due", ["locality_code", "due_on"]
    )

    op.create_table(
        "supervision_voucher",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False, comment="收入/支出"),
        sa.Column("voucher_date", sa.Date(), nullable=False, comment="业务日期"),
        sa.Column("summary", sa.String(length=200), nullable=False, comment="摘要"),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False, comment="金额合计"),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=True, comment="记账凭证号"),
        sa.Column("period", sa.String(length=7), nullable=True, comment="记账期间 YYYY-MM"),
        sa.Column("matter_id", sa.Integer(), nullable=True, comment="四议两公开事项"),
        sa.Column("reverses_id", sa.Integer(), nullable=True, comment="冲销的凭证"),
        sa.Column("reason", sa.String(length=200), nullable=True, comment="冲销理由"),
        sa.Column("audit_opinion", sa.String(length=200), nullable=True, comment="审核意见"),
        sa.Column("made_by", sa.String(length=100), nullable=True, comment="制单人"),
        sa.Column("submitted_by", sa.String(length=100), nullable=True),
        sa.Column("submitted_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("audited_by", sa.String(length=100), nullable=True, comment="审核人"),
        sa.Column("audited_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("booked_by", sa.String(length=100), nullable=True, comment="记账人"),
        sa.Column("booked_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("disclosure_id", sa.Integer(), nullable=True),
        sa.Column("disclosed_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["supervision_fund_account.id"],
            name=op.f("fk_supervision_voucher_account_id_supervision_fund_account"),
        ),
        sa.ForeignKeyConstraint(
            ["disclosure_id"],
            ["supervision_disclosure.id"],
            name=op.f("fk_supervision_voucher_disclosure_id_supervision_disclosure"),
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_supervision_voucher_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["matter_id"],
            ["supervision_matter.id"],
            name=op.f("fk_supervision_voucher_matter_id_supervision_matter"),
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["supervision_voucher.id"],
            name=op.f("fk_supervision_voucher_reverses_id_supervision_voucher"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_voucher")),
        sa.UniqueConstraint(
            "account_id", "seq", name=op.f("uq_supervision_voucher_account_id_seq")
        ),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_supervision_voucher_reverses_id")),
    )
    op.create_index(
        op.f("ix_supervision_voucher_account_id"), "supervision_voucher", ["account_id"]
    )
    op.create_index(
        "ix_supervision_voucher_account_period", "supervision_voucher", ["account_id", "period"]
    )
    op.create_index(
        op.f("ix_supervision_voucher_disclosure_id"), "supervision_voucher", ["disclosure_id"]
    )
    op.create_index(
        op.f("ix_supervision_voucher_locality_code"), "supervision_voucher", ["locality_code"]
    )
    op.create_index(
        "ix_supervision_voucher_locality_state", "supervision_voucher", ["locality_code", "state"]
    )
    op.create_index(op.f("ix_supervision_voucher_matter_id"), "supervision_voucher", ["matter_id"])

    op.create_table(
        "supervision_rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("diligence", sa.SmallInteger(), nullable=False, comment="勤（1-5）"),
        sa.Column("integrity", sa.SmallInteger(), nullable=False, comment="廉（1-5）"),
        sa.Column("recorded_by", sa.String(length=100), nullable=True),
        sa.Column("rated_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.CheckConstraint(
            "diligence BETWEEN 1 AND 5", name=op.f("ck_supervision_rating_diligence_range")
        ),
        sa.CheckConstraint(
            "integrity BETWEEN 1 AND 5", name=op.f("ck_supervision_rating_integrity_range")
        ),
        sa.ForeignKeyConstraint(
            ["cadre_id"],
            ["supervision_rated_cadre.id"],
            name=op.f("fk_supervision_rating_cadre_id_supervision_rated_cadre"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["supervision_rating_campaign.id"],
            name=op.f("fk_supervision_rating_campaign_id_supervision_rating_campaign"),
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["core_household.id"],
            name=op.f("fk_supervision_rating_household_id_core_household"),
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_supervision_rating_locality_code_core_locality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_rating")),
        sa.UniqueConstraint(
            "cadre_id", "household_id", name=op.f("uq_supervision_rating_cadre_id_household_id")
        ),
    )
    op.create_index(op.f("ix_supervision_rating_cadre_id"), "supervision_rating", ["cadre_id"])
    op.create_index(
        op.f("ix_supervision_rating_campaign_id"), "supervision_rating", ["campaign_id"]
    )
    op.create_index(
        op.f("ix_supervision_rating_household_id"), "supervision_rating", ["household_id"]
    )
    op.create_index(
        op.f("ix_supervision_rating_locality_code"), "supervision_rating", ["locality_code"]
    )

    op.create_table(
        "supervision_rent_payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("due_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False, comment="缴款金额"),
        sa.Column("paid_on", sa.Date(), nullable=False, comment="缴款日期"),
        sa.Column("voucher_id", sa.Integer(), nullable=True, comment="收款凭证"),
        sa.Column("recorded_by", sa.String(length=100), nullable=True),
        sa.Column("recorded_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("locality_code", sa.String(length=15), nullable=False, comment="所属行政区划"),
        sa.ForeignKeyConstraint(
            ["due_id"],
            ["supervision_rent_due.id"],
            name=op.f("fk_supervision_rent_payment_due_id_supervision_rent_due"),
        ),
        sa.ForeignKeyConstraint(
            ["locality_code"],
            ["core_locality.code"],
            name=op.f("fk_supervision_rent_payment_locality_code_core_locality"),
        ),
        sa.ForeignKeyConstraint(
            ["voucher_id"],
            ["supervision_voucher.id"],
            name=op.f("fk_supervision_rent_payment_voucher_id_supervision_voucher"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_rent_payment")),
    )
    op.create_index(
        op.f("ix_supervision_rent_payment_due_id"), "supervision_rent_payment", ["due_id"]
    )
    op.create_index(
        op.f("ix_supervision_rent_payment_locality_code"),
        "supervision_rent_payment",
        ["locality_code"],
    )

    op.create_table(
        "supervision_voucher_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("voucher_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=50), nullable=False, comment="科目"),
        sa.Column("summary", sa.String(length=200), nullable=True, comment="摘要"),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False, comment="金额"),
        sa.ForeignKeyConstraint(
            ["voucher_id"],
            ["supervision_voucher.id"],
            name=op.f("fk_supervision_voucher_line_voucher_id_supervision_voucher"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_voucher_line")),
    )
    op.create_index(
        op.f("ix_supervision_voucher_line_voucher_id"), "supervision_voucher_line", ["voucher_id"]
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_supervision_voucher_line_voucher_id"), table_name="supervision_voucher_line"
    )

    op.drop_table("supervision_voucher_line")
    op.drop_index(
        op.f("ix_supervision_rent_payment_locality_code"), table_name="supervision_rent_payment"
    )
    op.drop_index(op.f("ix_supervision_rent_payment_due_id"), table_name="supervision_rent_payment")

    op.drop_table("supervision_rent_payment")
    op.drop_index(op.f("ix_supervision_rating_locality_code"), table_name="supervision_rating")
    op.drop_index(op.f("ix_supervision_rating_household_id"), table_name="supervision_rating")
    op.drop_index(op.f("ix_supervision_rating_campaign_id"), table_name="supervision_rating")
    op.drop_index(op.f("ix_supervision_rating_cadre_id"), table_name="supervision_rating")

    op.drop_table("supervision_rating")
    op.drop_index(op.f("ix_supervision_voucher_matter_id"), table_name="supervision_voucher")
    op.drop_index("ix_supervision_voucher_locality_state", table_name="supervision_voucher")
    op.drop_index(op.f("ix_supervision_voucher_locality_code"), table_name="supervision_voucher")
    op.drop_index(op.f("ix_supervision_voucher_disclosure_id"), table_name="supervision_voucher")
    op.drop_index("ix_supervision_voucher_account_period", table_name="supervision_voucher")
    op.drop_index(op.f("ix_supervision_voucher_account_id"), table_name="supervision_voucher")

    op.drop_table("supervision_voucher")
    op.drop_index("ix_supervision_rent_due_locality_due", table_name="supervision_rent_due")
    op.drop_index(op.f("ix_supervision_rent_due_locality_code"), table_name="supervision_rent_due")
    op.drop_index(op.f("ix_supervision_rent_due_contract_id"), table_name="supervision_rent_due")

    op.drop_table("supervision_rent_due")
    op.drop_index(
        op.f("ix_supervision_rated_cadre_person_id"), table_name="supervision_rated_cadre"
    )
    op.drop_index(
        op.f("ix_supervision_rated_cadre_locality_code"), table_name="supervision_rated_cadre"
    )
    op.drop_index(
        op.f("ix_supervision_rated_cadre_campaign_id"), table_name="supervision_rated_cadre"
    )

    op.drop_table("supervision_rated_cadre")
    op.drop_index(op.f("ix_supervision_finding_target_id"), table_name="supervision_finding")
    op.drop_index(op.f("ix_supervision_finding_locality_code"), table_name="supervision_finding")

    op.drop_table("supervision_finding")
    op.drop_index(
        op.f("ix_supervision_disclosure_due_locality_code"), table_name="supervision_disclosure_due"
    )
    op.drop_index("ix_supervision_disclosure_due_due_on", table_name="supervision_disclosure_due")

    op.drop_table("supervision_disclosure_due")
    op.drop_index(op.f("ix_supervision_power_step_item_id"), table_name="supervision_power_step")

    op.drop_table("supervision_power_step")
    op.drop_index(op.f("ix_supervision_meeting_matter_id"), table_name="supervision_meeting")

    op.drop_table("supervision_meeting")
    op.drop_index(
        op.f("ix_supervision_inspection_target_round_id"),
        table_name="supervision_inspection_target",
    )
    op.drop_index(
        op.f("ix_supervision_inspection_target_locality_code"),
        table_name="supervision_inspection_target",
    )

    op.drop_table("supervision_inspection_target")
    op.drop_table("supervision_fund_period")
    op.drop_index(op.f("ix_supervision_disclosure_matter_id"), table_name="supervision_disclosure")
    op.drop_index(
        "ix_supervision_disclosure_locality_published", table_name="supervision_disclosure"
    )
    op.drop_index(
        op.f("ix_supervision_disclosure_locality_code"), table_name="supervision_disclosure"
    )

    op.drop_table("supervision_disclosure")
    op.drop_index(op.f("ix_supervision_contract_resource_id"), table_name="supervision_contract")
    op.drop_index(op.f("ix_supervision_contract_locality_code"), table_name="supervision_contract")

    op.drop_table("supervision_contract")
    op.drop_index(op.f("ix_supervision_asset_locality_code"), table_name="supervision_asset")

    op.drop_table("supervision_asset")
    op.drop_index(op.f("ix_supervision_resource_locality_code"), table_name="supervision_resource")

    op.drop_table("supervision_resource")
    op.drop_index(
        op.f("ix_supervision_rating_campaign_locality_code"),
        table_name="supervision_rating_campaign",
    )

    op.drop_table("supervision_rating_campaign")
    op.drop_index(
        op.f("ix_supervision_power_item_locality_code"), table_name="supervision_power_item"
    )

    op.drop_table("supervision_power_item")
    op.drop_index(op.f("ix_supervision_matter_locality_code"), table_name="supervision_matter")

    op.drop_table("supervision_matter")
    op.drop_index(
        op.f("ix_supervision_inspection_round_locality_code"),
        table_name="supervision_inspection_round",
    )

    op.drop_table("supervision_inspection_round")
    op.drop_index(
        op.f("ix_supervision_fund_account_locality_code"), table_name="supervision_fund_account"
    )

    op.drop_table("supervision_fund_account")
    op.drop_index("ix_supervision_attachment_owner", table_name="supervision_attachment")
    op.drop_index(
        op.f("ix_supervision_attachment_locality_code"), table_name="supervision_attachment"
    )

    op.drop_table("supervision_attachment")
