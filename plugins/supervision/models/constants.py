"""Codes and their Chinese labels, shared by the models, the forms, the API and the portal."""

from __future__ import annotations

VOUCHER_KINDS = {"receipt": "收入凭证", "payment": "支出凭证"}

VOUCHER_SUBJECTS = {
    "receipt": (
        "经营收入",
        "发包及上交收入",
        "投资收益",
        "补助收入",
        "其他收入",
    ),
    "payment": (
        "经营支出",
        "管理费用",
        "公益支出",
        "其他支出",
        "应付款",
    ),
}
"""Usual subjects (科目) of the 村集体经济组织会计制度, offered as suggestions in forms."""

ASSET_CATEGORIES = {
    "building": "房屋及建筑物",
    "infrastructure": "基础设施",
    "equipment": "机器设备",
    "vehicle": "交通运输工具",
    "forest_asset": "林木资产",
    "investment": "对外投资",
    "other": "其他",
}

ASSET_ACQUISITIONS = {
    "purchase": "购置",
    "build": "自建",
    "donation": "受赠",
    "allocation": "上级划拨",
    "other": "其他",
}

RESOURCE_KINDS = {
    "farmland": "耕地",
    "forest": "林地",
    "pond": "坑塘水面",
    "orchard": "园地",
    "construction_land": "集体经营性建设用地",
    "building": "房屋",
    "other": "其他",
}

RESOURCE_UNITS = {"mu": "亩", "sqm": "平方米"}

MATTER_CATEGORIES = {
    "project": "工程项目",
    "asset_disposal": "资产处置",
    "land_contract": "资源发包",
    "welfare": "公益事业",
    "other": "其他重大事项",
}

MEETING_STEPS = {
    "proposal": "党支部提议",
    "consultation": "两委商议",
    "party_review": "党员大会审议",
    "representatives": "村民代表会议决议",
}
"""The four deliberations (四议), in their fixed order."""

DISCLOSURE_STEPS = {
    "resolution": "决议公开",
    "result": "实施结果公开",
}
"""The two disclosures (两公开), in their fixed order."""

DISCLOSURE_CATEGORIES = {
    "party": "党务公开",
    "village": "村务公开",
    "finance": "财务公开",
    "other": "其他公开",
}

DISCLOSURE_SOURCES = {
    "manual": "人工发布",
    "finance": "凭证生成",
    "matter": "四议两公开",
    "rating": "勤廉测评",
}

FREQUENCIES = {"monthly": "每月", "quarterly": "每季度", "yearly": "每年"}

FINDING_CATEGORIES = {
    "finance": "三资管理",
    "decision": "民主决策",
    "disclosure": "村务公开",
    "other": "其他",
}

INSPECTION_CONCLUSIONS = {"good": "规范", "fair": "基本规范", "poor": "不规范"}

CADRE_POSTS = ("书记", "主任", "副书记", "副主任", "委员", "监委会主任")
"""Posts (职务) of village cadres rated by villagers."""

SCORE_LABELS = {5: "满意", 4: "比较满意", 3: "基本满意", 2: "不太满意", 1: "不满意"}
