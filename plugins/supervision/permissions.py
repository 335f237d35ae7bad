"""The permissions of 村务监督 and the built-in roles that hold them by default.

Separation of duties does not rest on roles alone: the workflow guards also refuse a voucher's
maker as its auditor or booker, and an auditor as its booker.
"""

from __future__ import annotations

from core.manifest import Permission

ALL = ("county_admin", "town_admin", "village_admin")

PERMISSIONS = [
    Permission("supervision.view", "查看村务监督", ALL),
    Permission("supervision.voucher.make", "编制和提交收支凭证", ("village_admin", "town_admin")),
    Permission(
        "supervision.voucher.audit",
        "审核收支凭证（村务监督委员会）",
        ("village_admin", "town_admin"),
    ),
    Permission("supervision.voucher.book", "凭证记账（乡镇委托代理会计）", ("town_admin",)),
    Permission("supervision.account.manage", "维护资金账户", ("town_admin", "county_admin")),
    Permission(
        "supervision.asset.manage", "维护资产资源台账和合同", ("village_admin", "town_admin")
    ),
    Permission(
        "supervision.matter.manage", "录入四议两公开事项和会议", ("village_admin", "town_admin")
    ),
    Permission("supervision.disclosure.publish", "发布村务公开", ALL),
    Permission("supervision.power.manage", "维护村级权力清单", ("county_admin",)),
    Permission("supervision.inspection.manage", "组织季度督查抽查", ("county_admin", "town_admin")),
    Permission("supervision.finding.rectify", "报送督查问题整改", ("village_admin",)),
    Permission("supervision.finding.verify", "验收督查问题整改", ("county_admin", "town_admin")),
    Permission("supervision.rating.manage", "组织村民直评村官", ("county_admin", "town_admin")),
    Permission("supervision.rating.record", "录入村民评议票", ("village_admin", "town_admin")),
]
