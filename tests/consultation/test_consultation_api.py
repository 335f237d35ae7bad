"""The consultation API as a village's app or a hotline system uses it: create matters and
wishes, read their status, move them along, always within the caller's scope."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from consultation_support import FAR_VILLAGE, NEIGHBOUR, VILLAGE
from helpers import api_token, bearer
from sqlalchemy import func, select

from core.db import utcnow
from hostapp import create_app
from plugins.consultation.models import (
    ConsultationAttachment,
    ConsultationMatter,
    ConsultationRating,
    ConsultationWish,
)
from plugins.consultation.statistics import local_today

BASE = "/api/v1/consultation"


@pytest.fixture
def client(consult):
    app = create_app(consult)
    return app.test_client()


@pytest.fixture
def village(client):
    return bearer(api_token(client, "village"))


def new_matter(client, headers, **extra):
    body = {
        "locality_code": VILLAGE,
        "item_code": "B02",
        "title": "路灯不亮",
        "description": "三号楼前路灯坏了一周。",
        "reporter_id": extra.pop("reporter_id"),
    }
    body.update(extra)
    return client.post(f"{BASE}/matters", json=body, headers=headers)


def count(runtime, model) -> int:
    with runtime.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_matter_is_created_and_its_status_read_back(consult, client, village):
    response = new_matter(client, village, reporter_id=consult.ids.reporter)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["state"] == "submitted" and created["state_label"] == "已提交"
    assert created["default_triage"] == "minor" and created["item"].startswith("B02")
    detail = client.get(f"{BASE}/matters/{created['id']}", headers=village).get_json()
    assert detail["transitions"] == ["accept", "reject"]
    assert detail["ratings"] == {"satisfied": 0, "partly": 0, "not_satisfied": 0}
    listed = client.get(f"{BASE}/matters", headers=village)
    assert [m["id"] for m in listed.get_json()] == [created["id"]]
    assert "X-Pagination" in listed.headers


def test_bad_input_names_the_field_in_chinese_and_writes_nothing(consult, client, village):
    unknown = new_matter(client, village, reporter_id=consult.ids.reporter, item_code="Q42")
    assert unknown.status_code == 422
    assert "Q42" in unknown.get_json()["errors"]["json"]["item_code"][0]
    missing = client.post(f"{BASE}/matters", json={"locality_code": VILLAGE}, headers=village)
    assert missing.status_code == 422
    assert missing.get_json()["errors"]["json"]["title"] == ["缺少必填项"]
    nul = new_matter(client, village, reporter_id=consult.ids.reporter, title="a\x00b")
    assert nul.get_json()["errors"]["json"]["title"] == ["不能包含空字符"]
    outside = new_matter(
        client, village, reporter_id=consult.ids.neighbour, locality_code=NEIGHBOUR
    )
    assert outside.status_code == 422
    assert outside.get_json()["errors"]["json"]["locality_code"] == ["所属区划不在您的管辖范围内"]
    stranger = new_matter(client, village, reporter_id=consult.ids.far)
    assert stranger.get_json()["errors"]["json"]["reporter_id"] == [
        f"居民 {consult.ids.far} 不存在或不在您的管辖范围内"
    ]
    assert count(consult, ConsultationMatter) == 0


def test_a_neighbouring_village_never_sees_the_matter_even_by_id(consult, client, village):
    matter_id = new_matter(client, village, reporter_id=consult.ids.reporter).get_json()["id"]
    neighbour = bearer(api_token(client, "neighbour"))
    assert client.get(f"{BASE}/matters/{matter_id}", headers=neighbour).status_code == 404
    assert client.get(f"{BASE}/matters", headers=neighbour).get_json() == []
    moved = client.post(
        f"{BASE}/matters/{matter_id}/transitions", json={"name": "accept"}, headers=neighbour
    )
    assert moved.status_code == 404
    town = bearer(api_token(client, "town"))
    assert client.get(f"{BASE}/matters/{matter_id}", headers=town).status_code == 200


def test_a_matter_goes_the_whole_way_through_the_api(consult, client, village):
    ids = consult.ids
    matter_id = new_matter(client, village, reporter_id=ids.reporter).get_json()["id"]
    url = f"{BASE}/matters/{matter_id}"

    def step(path, body, status=200):
        response = client.post(f"{url}/{path}", json=body, headers=village)
        assert response.status_code == status, response.get_json()
        return response.get_json()

    step("transitions", {"name": "accept"})
    refused = step("transitions", {"name": "triage"}, status=422)
    assert "专门的接口" in refused["errors"]["json"]["name"][0]
    detail = step("triage", {"triage": "minor"})
    assert detail["state"] == "triaged"
    assert detail["assignments"][0]["organization"] == "城南社区居民委员会"
    step("assignments", {"role": "supervise", "organization_id": ids.orgs.town_committee}, 201)
    step("transitions", {"name": "start"})
    early = step("transitions", {"name": "close"}, status=409)
    assert "不能执行“结案”" in early["message"]
    step("resolution", {"resolution": "已更换灯泡"})
    for person in (ids.reporter, ids.r2, ids.r3):
        step("ratings", {"person_id": person, "verdict": "satisfied"}, 201)
    twice = step("ratings", {"person_id": ids.r2, "verdict": "partly"}, status=422)
    assert "已经评价过" in twice["errors"]["json"]["person_id"][0]
    detail = step("transitions", {"name": "evaluate"})
    assert detail["state"] == "evaluated" and detail["ratings"]["satisfied"] == 3
    assert step("transitions", {"name": "close"})["state"] == "closed"
    assert count(consult, ConsultationRating) == 3


def test_a_transition_needs_its_permission(consult, client):
    with consult.db.transaction() as session:
        from core.testing import add_account

        add_account(session, "viewer", VILLAGE, ["viewer"])
    viewer = bearer(api_token(client, "viewer"))
    refused = new_matter(client, viewer, reporter_id=consult.ids.reporter)
    assert refused.status_code == 403
    assert count(consult, ConsultationMatter) == 0


def test_attachments_are_uploaded_listed_and_downloaded(consult, client, village):
    matter_id = new_matter(client, village, reporter_id=consult.ids.reporter).get_json()["id"]
    url = f"{BASE}/matters/{matter_id}/attachments"
    upload = client.post(
        url,
        data={"file": (io.BytesIO("照片内容".encode()), "路灯.jpg", "image/jpeg")},
        headers=village,
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201, upload.get_json()
    attachment = upload.get_json()
    assert (attachment["filename"], attachment["size"]) == ("路灯.jpg", len("照片内容".encode()))
    listed = client.get(url, headers=village).get_json()
    assert [a["id"] for a in listed] == [attachment["id"]]
    content = client.get(f"{url}/{attachment['id']}", headers=village)
    assert content.status_code == 200 and content.data == "照片内容".encode()
    empty = client.post(
        url,
        data={"file": (io.BytesIO(b""), "空.txt", "text/plain")},
        headers=village,
        content_type="multipart/form-data",
    )
    assert empty.status_code == 422 and "空文件" in empty.get_json()["errors"]["json"]["file"][0]
    neighbour = bearer(api_token(client, "neighbour"))
    assert client.get(f"{url}/{attachment['id']}", headers=neighbour).status_code == 404
    assert count(consult, ConsultationAttachment) == 1


def test_wishes_are_posted_claimed_once_and_confirmed(consult, client, village):
    ids = consult.ids
    posted = client.post(
        f"{BASE}/wishes",
        json={"wisher_id": ids.elder, "title": "想要一副老花镜", "description": "看不清报纸"},
        headers=village,
    )
    assert posted.status_code == 201, posted.get_json()
    wish_id = posted.get_json()["id"]
    claim = client.post(
        f"{BASE}/wishes/{wish_id}/claim", json={"person_id": ids.volunteer}, headers=village
    )
    assert claim.status_code == 200 and claim.get_json()["state"] == "claimed"
    again = client.post(
        f"{BASE}/wishes/{wish_id}/claim",
        json={"organization_id": ids.orgs.merchant},
        headers=village,
    )
    assert again.status_code == 409 and "已被他人认领" in again.get_json()["message"]
    both = client.post(f"{BASE}/wishes/{wish_id}/claim", json={}, headers=village)
    assert both.status_code == 422
    url = f"{BASE}/wishes/{wish_id}/transitions"
    fulfilled = client.post(url, json={"name": "fulfil", "note": "已送到"}, headers=village)
    assert fulfilled.get_json()["fulfilment_note"] == "已送到"
    confirmed = client.post(url, json={"name": "confirm"}, headers=village).get_json()
    assert confirmed["state"] == "confirmed" and confirmed["state_label"] == "已实现"
    with consult.db.transaction() as session:
        assert session.get(ConsultationWish, wish_id).claimer_person_id == ids.volunteer


def test_catalogue_and_figures_are_read_within_scope(consult, client, village):
    catalogue = client.get(f"{BASE}/catalogue", headers=village).get_json()
    assert [c["name"] for c in catalogue] == [
        "制度建设类",
        "公共事务公益事业类",
        "村（居）务管理类",
        "其他类",
    ]
    assert sum(len(c["items"]) for c in catalogue) == 16
    new_matter(client, village, reporter_id=consult.ids.reporter)
    today = local_today(consult.config.timezone).isoformat()
    figures = client.get(f"{BASE}/figures?start={today}&end={today}", headers=village).get_json()
    assert figures["submitted"] == 1 and figures["by_triage"] == {"untriaged": 1}
    far = client.get(f"{BASE}/figures?scope={FAR_VILLAGE}", headers=village)
    assert far.status_code == 404
    backwards = client.get(f"{BASE}/figures?start={today}&end=2000-01-01", headers=village)
    assert backwards.status_code == 422


def test_attendance_through_the_api_emits_events_and_refuses_outsiders(consult, client, village):
    from plugins.consultation import deliberations

    with consult.db.transaction() as session:
        meeting = deliberations.plan_deliberation(
            session,
            locality_code=VILLAGE,
            title="议事",
            form="院坝会",
            held_at=utcnow() - dt.timedelta(hours=1),
            place="院坝",
        )
        meeting.state = "held"
        meeting_id = meeting.id
    url = f"{BASE}/deliberations/{meeting_id}/attendance"
    refused = client.post(url, json={"person_ids": [consult.ids.far]}, headers=village)
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["json"]["person_ids"] == [
        f"居民 {consult.ids.far} 不存在或不在您的管辖范围内"
    ]
    ok = client.post(url, json={"person_ids": [consult.ids.r2]}, headers=village)
    assert ok.status_code == 200
    listed = client.get(f"{BASE}/deliberations", headers=village).get_json()
    assert [d["id"] for d in listed] == [meeting_id]


def test_the_openapi_document_lists_the_consultation_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = set(spec["paths"])
    assert {
        "/api/v1/consultation/matters",
        "/api/v1/consultation/matters/{matter_id}",
        "/api/v1/consultation/wishes",
        "/api/v1/consultation/figures",
        "/api/v1/consultation/catalogue",
    } <= paths
