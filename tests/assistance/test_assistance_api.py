"""The assistance API: intake and status by token, identity numbers only in bodies, scoped."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from assistance_support import PDF, TODAY, build_county, freeze
from helpers import api_token, bearer
from sqlalchemy import func, select

from hostapp import create_app
from plugins.assistance.models import AssistanceApplication

BASE = "/api/v1/assistance"


@pytest.fixture
def api(make_runtime, monkeypatch):
    freeze(monkeypatch)
    county = build_county(make_runtime)
    app = create_app(county.runtime)
    county.client = app.test_client()
    county.headers = {
        name: bearer(api_token(county.client, name))
        for name in ("town", "town2", "village", "baojia")
    }
    return county


def post(api, path, username, payload):
    return api.client.post(f"{BASE}{path}", json=payload, headers=api.headers[username])


def intake(api, username="village", **payload):
    body = {
        "id_number": api.zhang.head,
        "programme": "minimum_living",
        "channel": "window",
        **payload,
    }
    return post(api, "/applications", username, body)


def test_a_window_application_is_accepted_and_answered_with_a_masked_number(api):
    response = intake(api)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["state"] == "accepted"
    assert body["applicant_name"] == "张建国"
    assert body["applicant_id_number"] == api.zhang.head[:6] + "********" + api.zhang.head[-4:]
    assert api.zhang.head not in response.get_data(as_text=True)
    assert body["members"] == ["张建国", "李秀英", "张小明"]
    assert {"name": "withdraw", "label": "撤回申请", "needs_reason": True} in body[
        "allowed_transitions"
    ]


def test_an_online_application_waits_to_be_accepted(api):
    body = intake(api, channel="online").get_json()
    assert body["state"] == "submitted"
    accepted = post(
        api, f"/applications/{body['id']}/transitions", "town", {"transition": "accept"}
    )
    assert accepted.get_json()["state"] == "accepted"


def test_bad_intake_is_refused_with_the_field_named_and_nothing_written(api):
    broken = api.zhang.head[:-1] + ("0" if api.zhang.head[-1] != "0" else "1")
    response = intake(api, id_number=broken)
    assert response.status_code == 422
    errors = response.get_json()["errors"]["json"]
    assert "校验码" in errors["id_number"][0]
    assert broken not in response.get_data(as_text=True)
    missing = intake(api, programme="temporary", temporary_kind="emergency")
    assert missing.status_code == 422
    assert "请填写申请救助金额" in missing.get_json()["errors"]["json"]["claimed_amount"][0]
    unknown = intake(api, programme="welfare")
    assert unknown.status_code == 422
    assert "programme" in unknown.get_json()["errors"]["json"]
    with api.session() as session:
        assert session.scalar(select(func.count()).select_from(AssistanceApplication)) == 0


def test_a_duplicate_application_is_refused(api):
    assert intake(api).status_code == 201
    again = intake(api, id_number=api.zhang.id_numbers[2])
    assert again.status_code == 422
    assert "不能重复申请" in again.get_json()["errors"]["json"]["id_number"][0]


def test_verification_waits_for_the_authorisation_uploaded_through_the_api(api):
    application_id = intake(api, username="town").get_json()["id"]
    refused = post(
        api, f"/applications/{application_id}/transitions", "town", {"transition": "verify"}
    )
    assert refused.status_code == 409
    assert "缺少授权书" in refused.get_json()["message"]
    consent = {
        "signer_name": "张建国",
        "signed_on": TODAY.isoformat(),
        "scope": ["income", "pension", "housing", "vehicle", "business", "deposit"],
        "file_name": "授权书.pdf",
        "file_base64": base64.b64encode(PDF).decode(),
    }
    bad = post(
        api, f"/applications/{application_id}/consents", "town", {**consent, "file_base64": "%%%"}
    )
    assert bad.status_code == 422
    assert post(api, f"/applications/{application_id}/consents", "town", consent).status_code == 201
    moved = post(
        api, f"/applications/{application_id}/transitions", "town", {"transition": "verify"}
    )
    assert moved.status_code == 200
    body = moved.get_json()
    assert body["state"] == "verifying"
    assert [t["check"] for t in body["tasks"]] == [
        "income",
        "pension",
        "housing",
        "vehicle",
        "business",
        "deposit",
    ]


def test_departments_enter_results_and_the_working_comes_back_with_the_status(api):
    application_id = intake(api, username="town").get_json()["id"]
    with api.session() as session:
        from assistance_support import consent_for

        consent_for(session, api, session.get(AssistanceApplication, application_id))
    body = post(
        api, f"/applications/{application_id}/transitions", "town", {"transition": "verify"}
    ).get_json()
    for task in body["tasks"]:
        figure = {"income": "900", "pension": "300"}.get(task["check"], "0")
        result = post(
            api,
            f"/tasks/{task['id']}/result",
            "town",
            {"amount": figure, "evidence": "部门书面回复"},
        )
        assert result.status_code == 200, result.get_json()
        assert result.get_json()["state"] == "done"
    again = post(
        api, f"/tasks/{body['tasks'][0]['id']}/result", "town", {"amount": "1", "evidence": "x"}
    )
    assert again.status_code == 409
    assessed = post(
        api, f"/applications/{application_id}/transitions", "town", {"transition": "assess"}
    )
    working = assessed.get_json()["assessment"]
    assert working[-1] == "10. 结论：符合城乡低保条件，月救助金额 1,200.00 元"
    status = api.client.get(f"{BASE}/applications/{application_id}", headers=api.headers["town"])
    assert status.get_json()["amount"] == "1200.00"


def test_the_status_of_a_resident_is_looked_up_with_the_number_in_the_body(api):
    intake(api)
    response = post(api, "/status", "village", {"id_number": api.zhang.id_numbers[1]})
    assert response.status_code == 200
    assert [a["programme"] for a in response.get_json()] == ["minimum_living"]
    outside = post(api, "/status", "baojia", {"id_number": api.zhang.head})
    assert outside.get_json() == []  # 保家镇 does not see 城南社区's cases
    assert api.client.get(f"{BASE}/status", headers=api.headers["village"]).status_code == 405


def test_a_village_cannot_see_or_move_another_villages_case(api):
    application_id = intake(api).get_json()["id"]
    headers = api.headers["baojia"]
    assert (
        api.client.get(f"{BASE}/applications/{application_id}", headers=headers).status_code == 404
    )
    moved = post(
        api,
        f"/applications/{application_id}/transitions",
        "baojia",
        {"transition": "withdraw", "reason": "x"},
    )
    assert moved.status_code == 404
    listed = api.client.get(f"{BASE}/applications", headers=headers).get_json()
    assert listed == []


def test_objections_through_the_api_send_the_case_back(api, monkeypatch):
    from assistance_support import consent_for, fill_tasks

    from plugins.assistance.workflow import APPLICATION_WORKFLOW as FLOW

    application_id = intake(api, username="town").get_json()["id"]
    with api.session() as session:
        application = session.get(AssistanceApplication, application_id)
        consent_for(session, api, application)
        FLOW.apply(application, "verify", api.actor(session, "town"), session)
        fill_tasks(session, api, application, {"income": "900"})
        FLOW.apply(application, "assess", api.actor(session, "town"), session)
        FLOW.apply(application, "publish", api.actor(session, "town"), session)
    late = post(
        api,
        f"/applications/{application_id}/objections",
        "village",
        {"content": "有车", "received_on": (TODAY + dt.timedelta(days=30)).isoformat()},
    )
    assert late.status_code == 422
    assert "公示期内" in late.get_json()["errors"]["json"]["received_on"][0]
    response = post(
        api, f"/applications/{application_id}/objections", "village", {"content": "有车"}
    )
    assert response.status_code == 201
    assert response.get_json()["state"] == "verifying"


def test_the_coverage_endpoint_answers_for_the_callers_scope(api):
    response = api.client.get(
        f"{BASE}/coverage?from=2026-01&to=2026-03", headers=api.headers["town"]
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["scope_code"] == "500243001000"
    assert [f["programme"] for f in body["enrolled"]] == ["minimum_living", "extreme_poverty"]
    bad = api.client.get(f"{BASE}/coverage?from=2026-1", headers=api.headers["town"])
    assert bad.status_code == 422


def test_the_endpoints_are_in_the_openapi_document_and_need_a_token(api):
    paths = api.client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {
        "/api/v1/assistance/applications",
        "/api/v1/assistance/applications/{application_id}/transitions",
        "/api/v1/assistance/status",
        "/api/v1/assistance/tasks/{task_id}/result",
        "/api/v1/assistance/coverage",
    } <= set(paths)
    assert api.client.get(f"{BASE}/applications").status_code == 401
