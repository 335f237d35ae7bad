"""The compact's API: a village drafts and submits through it, the rule check answers with every
forbidden phrase by article, the township reviews, and no account reaches a neighbouring
village's compact."""

from __future__ import annotations

import pytest
from compact_support import LAWFUL_ARTICLES, draft_with, plan_meeting, reviewed

from core.testing import NEIGHBOUR, VILLAGE, principal

from gongzhi_compact.models import CompactVersion

VERSIONS = "/api/v1/compact/versions"


def test_a_village_drafts_its_compact_and_the_check_names_the_fine(compact, api_client_as):
    village = api_client_as("village_admin")
    created = village.post(VERSIONS, json={"locality_code": VILLAGE, "title": "城南社区居民公约"})
    assert created.status_code == 201, created.get_json()
    version = created.get_json()
    assert (version["number"], version["state_label"]) == (1, "草稿")
    url = f"{VERSIONS}/{version['id']}"
    for number, body in enumerate(["红白喜事简办，抵制天价彩礼。", "乱扔垃圾的，罚款50元。"], 1):
        response = village.post(f"{url}/articles", json={"number": number, "body": body})
        assert response.status_code == 201, response.get_json()

    check = village.get(f"{url}/check").get_json()
    assert check["problems"] == [
        "第2条含有“罚款50元”：村规民约不得设定罚款等处罚（所修订的民约不允许有罚款等条约）"
    ]
    assert {"topic": "抵制天价彩礼", "covered": True} in check["coverage"]

    refused = village.post(f"{url}/transitions", json={"name": "submit"})
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["json"]["articles"] == check["problems"]

    article_id = village.get(f"{url}/articles").get_json()[1]["id"]
    fixed = village.patch(
        f"/api/v1/compact/articles/{article_id}", json={"body": "乱扔垃圾的，批评教育。"}
    )
    assert fixed.status_code == 200
    submitted = village.post(f"{url}/transitions", json={"name": "submit"})
    assert submitted.status_code == 200
    assert submitted.get_json()["state"] == "submitted"
    assert village.post(f"{url}/articles", json={"number": 3, "body": "再加一条。"}).get_json()[
        "errors"
    ]["json"]["version_id"] == [
        "《城南社区居民公约》第1版当前为“待乡镇审查”，只有草稿可以修改；如需修订，请在它的基础上起草新版本"
    ]


def test_only_the_township_approves_through_the_api(compact, api_client_as):
    with compact.db.transaction() as session:
        version = draft_with(session)
        village = principal(compact, session, "village")
        CompactVersion.__workflow__.apply(version, "submit", village, session)
        version_id = version.id
    url = f"{VERSIONS}/{version_id}/transitions"
    refused = api_client_as("village_admin").post(url, json={"name": "approve"})
    assert refused.status_code == 403
    assert refused.get_json()["message"] == "您没有执行“审查通过”的权限"
    approved = api_client_as("town_admin").post(url, json={"name": "approve"})
    assert approved.get_json()["state"] == "reviewed"
    assert "refer" not in approved.get_json()["transitions"]


def test_the_village_puts_a_reviewed_compact_to_its_meeting_through_the_api(compact, api_client_as):
    with compact.db.transaction() as session:
        version = reviewed(compact, session)
        meeting = plan_meeting(session)
        other = plan_meeting(session, locality=NEIGHBOUR)
        version_id, meeting_id, other_id = version.id, meeting.id, other.id
    village = api_client_as("village_admin")
    url = f"{VERSIONS}/{version_id}/referral"
    hidden = village.post(url, json={"deliberation_id": other_id})
    assert hidden.status_code == 422
    assert hidden.get_json()["errors"]["json"]["deliberation_id"] == [
        f"议事会议 {other_id} 不存在或不在您的管辖范围内"
    ]
    referred = village.post(url, json={"deliberation_id": meeting_id})
    assert referred.status_code == 200, referred.get_json()
    body = referred.get_json()
    assert (body["state"], body["deliberation_id"]) == ("deliberation", meeting_id)
    assert body["matter_id"]
    too_early = village.post(f"{VERSIONS}/{version_id}/transitions", json={"name": "adopt"})
    assert too_early.status_code == 409
    assert "协商结果尚未公开" in too_early.get_json()["message"]


def test_a_village_never_reaches_a_neighbouring_villages_compact(compact, api_client_as):
    with compact.db.transaction() as session:
        ours = draft_with(session).id
        theirs = draft_with(session, LAWFUL_ARTICLES, locality=NEIGHBOUR, title="长滩村村规民约")
        theirs_id, their_article = theirs.id, theirs.articles[0].id
    village = api_client_as("village_admin")
    listed = village.get(VERSIONS).get_json()
    assert [v["id"] for v in listed] == [ours]
    for url in (
        f"{VERSIONS}/{theirs_id}",
        f"{VERSIONS}/{theirs_id}/check",
        f"{VERSIONS}/{theirs_id}/articles",
        f"/api/v1/compact/articles/{their_article}",
    ):
        assert village.get(url).status_code == 404, url
    assert (
        village.post(f"{VERSIONS}/{theirs_id}/transitions", json={"name": "submit"}).status_code
        == 404
    )
    assert village.delete(f"/api/v1/compact/articles/{their_article}").status_code == 404
    town = api_client_as("town_admin")
    assert {v["id"] for v in town.get(VERSIONS).get_json()} == {ours, theirs_id}


def test_a_village_cannot_start_a_compact_for_a_neighbour(compact, api_client_as):
    response = api_client_as("village_admin").post(
        VERSIONS, json={"locality_code": NEIGHBOUR, "title": "长滩村村规民约"}
    )
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"]["locality_code"] == [
        f"行政区划 {NEIGHBOUR} 不存在或不在您的管辖范围内"
    ]


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"title": "公约"}, "locality_code", "请填写村（社区）代码，或指定修订自哪一版"),
        ({"locality_code": "123", "title": "公约"}, "locality_code", None),
        ({"locality_code": VILLAGE, "title": "公\x00约"}, "title", "不能包含空字符"),
        ({"locality_code": "500243001000", "title": "公约"}, "locality_code", "不是村（社区）"),
    ],
)
def test_bad_input_is_refused_naming_the_field_in_chinese(
    compact, api_client_as, payload, field, message
):
    response = api_client_as("town_admin").post(VERSIONS, json=payload)
    assert response.status_code == 422
    errors = response.get_json()["errors"]["json"][field]
    assert errors and all(any("\u4e00" <= ch <= "\u9fff" for ch in e) for e in errors)
    if message:
        assert any(message in e for e in errors), errors


def test_an_article_number_is_a_positive_whole_number_and_unique(compact, api_client_as):
    with compact.db.transaction() as session:
        version_id = draft_with(session).id
    village = api_client_as("village_admin")
    url = f"{VERSIONS}/{version_id}/articles"
    duplicate = village.post(url, json={"number": 1, "body": "重复的条号。"})
    assert duplicate.get_json()["errors"]["json"]["number"] == [
        "《城南社区居民公约》第1版已有第1条"
    ]
    zero = village.post(url, json={"number": 0, "body": "零。"})
    assert zero.get_json()["errors"]["json"]["number"] == ["条号须在 1 到 999 之间"]
