"""The 社会救助 admin as staff use it: the window, the case page, batches, reports, scoping."""

from __future__ import annotations

import datetime as dt
import io
import random
import re
from decimal import Decimal

import pytest
from assistance_support import (
    FAR_VILLAGE,
    PDF,
    TODAY,
    VILLAGE,
    add_family,
    build_county,
    freeze,
)
from helpers import csrf_token, flashes, logged_in, submit
from sqlalchemy import func, select

from core.models import AuditEntry, Locality
from core.testing import COUNTY, add_account, seed_tree
from hostapp import create_app
from plugins.assistance import demo
from plugins.assistance.models import (
    AssistanceApplication,
    AssistanceBatch,
    AssistanceEnrolment,
    AssistanceTask,
)

APPLICATIONS = "/admin/assistance_application/"


def page(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def county(make_runtime, monkeypatch):
    freeze(monkeypatch)
    county = build_county(make_runtime)
    county.app = create_app(county.runtime)
    return county


def intake(client, id_number, programme="minimum_living", **extra):
    data = {"id_number": id_number, "programme": programme, "channel": "window", **extra}
    return submit(client, f"{APPLICATIONS}intake/", data)


def only_application(county) -> AssistanceApplication:
    with county.session() as session:
        return session.scalars(select(AssistanceApplication)).one()


def transition(client, url, record_id, name, **extra):
    token = csrf_token(client, f"{url}details/?id={record_id}")
    return client.post(
        f"{url}transition/",
        data={"csrf_token": token, "id": str(record_id), "transition": name, **extra},
    )


def buttons(text: str) -> list[str]:
    return re.findall(r'<button class="btn btn-primary" type="submit">([^<]+)</button>', text)


# --- the window ----------------------------------------------------------------------------------


def test_the_window_accepts_an_application_by_identity_number_alone(county):
    client = logged_in(county.app, "village")
    response = intake(client, county.zhang.head, statement="务工受伤")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert county.zhang.head not in location
    application = only_application(county)
    assert location.endswith(f"details/?id={application.id}")
    assert (application.state, application.accepted_by) == ("accepted", "account:village")
    text = page(client.get(location))
    assert "已受理：城乡低保申请" in " ".join(flashes(text))
    assert "上传授权书" in text


def test_an_invalid_identity_number_at_the_window_is_explained_and_nothing_is_saved(county):
    client = logged_in(county.app, "village")
    broken = county.zhang.head[:-1] + ("0" if county.zhang.head[-1] != "0" else "1")
    response = intake(client, broken)
    assert response.status_code == 200
    assert any("身份证号无效" in m and "校验码" in m for m in flashes(page(response)))
    with county.session() as session:
        assert session.scalar(select(func.count()).select_from(AssistanceApplication)) == 0


def test_a_duplicate_at_the_window_names_the_open_case(county):
    client = logged_in(county.app, "village")
    intake(client, county.zhang.head)
    response = intake(client, county.zhang.id_numbers[1])
    assert any("不能重复申请" in m for m in flashes(page(response)))


def test_an_authorisation_is_uploaded_and_the_case_goes_to_verification(county):
    client = logged_in(county.app, "town")
    intake(client, county.zhang.head)
    application = only_application(county)
    url = f"{APPLICATIONS}consent/?id={application.id}"
    form = page(client.get(url))
    assert "授权核对的项目" in form
    token = csrf_token(client, url)
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "signer_name": "张建国",
            "signer_relation": "本人",
            "signed_on": TODAY.isoformat(),
            "scope": ["income", "pension", "housing", "vehicle", "business", "deposit"],
            "file": (io.BytesIO(PDF), "授权书.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, flashes(page(response))
    details = page(client.get(response.headers["Location"]))
    assert "发起核对" in buttons(details)
    response = transition(client, APPLICATIONS, application.id, "verify")
    assert response.status_code == 302
    with county.session() as session:
        assert session.scalar(select(func.count()).select_from(AssistanceTask)) == 6
        download = client.get(
            f"/admin/assistance_consent/download/?id={session.scalar(select(AssistanceApplication.id))}"
        )
    assert download.data == PDF


def test_a_scan_that_is_not_a_pdf_or_image_is_refused(county):
    client = logged_in(county.app, "town")
    intake(client, county.zhang.head)
    application = only_application(county)
    url = f"{APPLICATIONS}consent/?id={application.id}"
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "signer_name": "张建国",
            "signer_relation": "本人",
            "signed_on": TODAY.isoformat(),
            "scope": ["income"],
            "file": (io.BytesIO(b"MZ\x90\x00"), "virus.exe"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert any("PDF、JPEG 或 PNG" in m for m in flashes(page(response)))


# --- separation of duties and scope --------------------------------------------------------------


def case_in_notice(county, acceptor="town"):
    from assistance_support import consent_for, fill_tasks

    from plugins.assistance.cases import create_application
    from plugins.assistance.workflow import APPLICATION_WORKFLOW as FLOW

    with county.session() as session:
        application = create_application(
            session,
            actor=county.actor(session, acceptor),
            id_number=county.zhang.head,
            programme_code="minimum_living",
            accept=True,
        )
        consent_for(session, county, application)
        FLOW.apply(application, "verify", county.actor(session, "town"), session)
        fill_tasks(session, county, application, {"income": "900", "pension": "300"})
        FLOW.apply(application, "assess", county.actor(session, "town"), session)
        FLOW.apply(application, "publish", county.actor(session, "town"), session)
        return application.id


def test_the_acceptor_sees_no_approve_button_and_cannot_approve_by_posting(county, monkeypatch):
    application_id = case_in_notice(county, acceptor="town")
    freeze(monkeypatch, TODAY + dt.timedelta(days=7))
    acceptor = logged_in(county.app, "town")
    text = page(acceptor.get(f"{APPLICATIONS}details/?id={application_id}"))
    assert "批准" not in buttons(text)
    response = transition(acceptor, APPLICATIONS, application_id, "approve", reason="同意")
    assert any(
        "受理人不能审批" in m for m in flashes(page(acceptor.get(response.headers["Location"])))
    )
    other = logged_in(county.app, "town2")
    assert "批准" in buttons(page(other.get(f"{APPLICATIONS}details/?id={application_id}")))
    transition(other, APPLICATIONS, application_id, "approve", reason="公示无异议")
    assert only_application(county).state == "approved"
    with county.session() as session:
        assert session.scalar(select(func.count()).select_from(AssistanceEnrolment)) == 1


def test_the_case_page_shows_the_working_of_the_assessment_and_masks_the_number(county):
    application_id = case_in_notice(county)
    town = page(logged_in(county.app, "town").get(f"{APPLICATIONS}details/?id={application_id}"))
    assert "评估计算过程" in town
    assert "（800.00 元 − 400.00 元）× 3 人 = 1,200.00 元" in town
    assert county.zhang.head not in town
    assert county.zhang.head[:6] + "********" + county.zhang.head[-4:] in town
    full = page(logged_in(county.app, "county").get(f"{APPLICATIONS}details/?id={application_id}"))
    assert county.zhang.head in full  # the county may see full numbers


def test_an_objection_is_recorded_from_the_case_page(county):
    application_id = case_in_notice(county)
    client = logged_in(county.app, "village")
    response = submit(
        client,
        f"{APPLICATIONS}objection/?id={application_id}",
        {
            "received_on": TODAY.isoformat(),
            "content": "该户有货车一辆",
            "objector": "",
            "contact": "",
        },
    )
    assert response.status_code == 302
    assert only_application(county).state == "verifying"


def test_a_village_cannot_open_a_case_of_another_town(county):
    from plugins.assistance.cases import create_application

    with county.session() as session:
        far = create_application(
            session,
            actor=county.actor(session, "baojia"),
            id_number=county.li.head,
            programme_code="party_care",
            cause="illness",
            claimed_amount="60000",
            accept=True,
        )
        far_id = far.id
        assert far.locality_code == FAR_VILLAGE
    client = logged_in(county.app, "village")
    assert client.get(f"{APPLICATIONS}details/?id={far_id}").status_code == 404
    assert client.get(f"{APPLICATIONS}consent/?id={far_id}").status_code == 404
    assert str(far_id) not in re.findall(r"details/\?id=(\d+)", page(client.get(APPLICATIONS)))


def test_a_village_account_cannot_run_payments(county):
    client = logged_in(county.app, "village")
    assert client.get("/admin/assistance_batch/run/").status_code == 403


# --- payments ------------------------------------------------------------------------------------


def enrol_zhang(county):
    with county.session() as session:
        application = AssistanceApplication(
            programme="minimum_living",
            applicant_id=county.zhang.member_ids[0],
            household_id=county.zhang.household_id,
            channel="window",
            state="approved",
            amount=Decimal("1200"),
            locality_code=VILLAGE,
        )
        session.add(
            AssistanceEnrolment(
                application=application,
                programme="minimum_living",
                person_id=county.zhang.member_ids[0],
                household_id=county.zhang.household_id,
                active_key="x",
                start_on=dt.date(2026, 1, 1),
                monthly_amount=Decimal("1200"),
                persons=3,
                payee_bank="农商银行",
                payee_account="6217000011112222",
                locality_code=VILLAGE,
            )
        )


def test_the_county_runs_the_monthly_batch_once_and_downloads_the_bank_file(county):
    enrol_zhang(county)
    client = logged_in(county.app, "county")
    response = submit(client, "/admin/assistance_batch/run/", {"period": "2026-03"})
    assert response.status_code == 302
    text = page(client.get(response.headers["Location"]))
    assert "已生成 2026-03 发放批次：1 笔，合计 1,200.00 元" in " ".join(flashes(text))
    assert "明细核验" in text and "一致" in text
    again = submit(client, "/admin/assistance_batch/run/", {"period": "2026-03"})
    assert "已存在" in " ".join(flashes(page(client.get(again.headers["Location"]))))
    with county.session() as session:
        batch = session.scalars(select(AssistanceBatch)).one()
    token = csrf_token(client, f"/admin/assistance_batch/details/?id={batch.id}")
    download = client.post(
        "/admin/assistance_batch/export/",
        data={"csrf_token": token, "id": str(batch.id), "format": "csv"},
    )
    assert download.status_code == 200
    assert county.zhang.head in download.data.decode("utf-8-sig")
    assert "attachment" in download.headers["Content-Disposition"]
    with county.session() as session:
        assert session.get(AssistanceBatch, batch.id).exported_count == 1
        exported = session.scalars(
            select(AuditEntry).where(
                AuditEntry.table_name == "assistance_batch", AuditEntry.action == "update"
            )
        ).one()
        assert exported.actor == "account:county"


def test_the_coverage_report_shows_enrolment_and_payments(county):
    enrol_zhang(county)
    client = logged_in(county.app, "county")
    submit(client, "/admin/assistance_batch/run/", {"period": "2026-03"})
    text = page(client.get("/admin/assistance_coverage/report/?from=2026-01&to=2026-03"))
    assert "当前在保" in text
    assert "城乡低保" in text and "1,200.00 元" in text
    assert "汉葭街道" in text  # by the towns under the county
    bad = page(client.get("/admin/assistance_coverage/report/?from=2026-1&to=x"))
    assert any("YYYY-MM" in m for m in flashes(bad))


# --- a demo county: every page renders, scoped ---------------------------------------------------


@pytest.fixture
def demo_county(make_runtime):
    runtime = make_runtime(["assistance"])
    with runtime.db.transaction(actor="system:test", channel="cli") as session:
        seed_tree(session)
        add_account(session, "county", COUNTY[0], ["county_admin"])
        add_account(session, "town", "500243001000", ["town_admin"])
        add_account(session, "village", VILLAGE, ["village_admin"])
        n = 0
        for code in (VILLAGE, "500243001002", FAR_VILLAGE):
            for _ in range(5):
                n += 1
                add_family(
                    session,
                    f"H{n}",
                    code,
                    [(f"户主{n}", "户主", 1950 + n), (f"配偶{n}", "配偶", 1952 + n)],
                    10 * n,
                )
        demo.seed(session, session.get(Locality, COUNTY[0]), random.Random(5))
    return runtime, create_app(runtime)


EXTRA_PAGES = [
    "assistance_application/intake/",
    "assistance_application/lookup/",
    "assistance_task/overdue/",
    "assistance_review/overdue/",
    "assistance_batch/run/",
    "assistance_coverage/report/",
    "assistance_lead/import/",
    "assistance_source_upload/upload/",
    "assistance_standard/programmes/",
]


def test_every_assistance_page_renders_for_the_county(demo_county):
    _, app = demo_county
    client = logged_in(app, "county")
    admins = app.extensions["admin"]
    admins = admins if isinstance(admins, list) else [admins]
    views = [v for a in admins for v in a._views if (v.endpoint or "").startswith("assistance_")]
    assert len(views) == 16
    for view in views:
        listing = client.get(view.url + "/")
        assert listing.status_code == 200, view.endpoint
        ids = re.findall(r"details/\?id=(\d+)", page(listing))
        assert ids, f"the demo has no {view.endpoint}"
        assert client.get(f"{view.url}/details/?id={ids[0]}").status_code == 200, view.endpoint
    for extra in EXTRA_PAGES:
        assert client.get("/admin/" + extra).status_code == 200, extra


def test_a_village_account_sees_only_its_village_in_every_assistance_list(demo_county):
    runtime, app = demo_county
    client = logged_in(app, "village")
    for model, url in [
        (AssistanceApplication, "assistance_application"),
        (AssistanceEnrolment, "assistance_enrolment"),
        (AssistanceTask, "assistance_task"),
    ]:
        with runtime.db.transaction() as session:
            inside = {
                str(i) for i in session.scalars(select(model.id).where(model.scope_clause(VILLAGE)))
            }
            everywhere = session.scalar(select(func.count()).select_from(model))
        listed = set(
            re.findall(r"details/\?id=(\d+)", page(client.get(f"/admin/{url}/?page_size=500")))
        )
        assert listed == inside
        assert len(inside) < everywhere


def test_overdue_reviews_are_listed_for_the_scope(demo_county, monkeypatch):
    _, app = demo_county
    freeze(monkeypatch, dt.date(2027, 6, 1))
    text = page(logged_in(app, "county").get("/admin/assistance_review/overdue/"))
    assert "逾期未复核（截至 2027-06-01" in text
    assert re.search(r"共 [1-9]\d* 条", text)


def test_only_the_town_changes_the_bank_account_of_a_decided_case(county):
    with county.session() as session:
        application = AssistanceApplication(
            programme="temporary",
            applicant_id=county.zhang.member_ids[0],
            household_id=county.zhang.household_id,
            channel="window",
            state="approved",
            temporary_kind="emergency",
            claimed_amount=Decimal("3000"),
            amount=Decimal("3000"),
            payee_bank="农商银行",
            payee_account="6217000011112222",
            locality_code=VILLAGE,
        )
        session.add(application)
        session.flush()
        application_id = application.id
    edit = f"{APPLICATIONS}edit/?id={application_id}"
    form = {
        "statement": "",
        "category": "",
        "care_level": "",
        "temporary_kind": "emergency",
        "cause": "",
        "claimed_amount": "3000",
        "payee_bank": "农商银行",
        "payee_account": "6217999988887777",
    }
    village = logged_in(county.app, "village")
    response = submit(village, edit, form)
    print(
        "VILLAGE", response.status_code, response.headers.get("Location"), flashes(page(response))
    )
    assert any("须由乡镇（街道）救助经办人员修改" in m for m in flashes(page(response)))
    assert only_application(county).payee_account == "6217000011112222"
    town = logged_in(county.app, "town")
    response = submit(town, edit, {**form, "payee_account": "6217 9999 8888 7777"})
    assert response.status_code == 302
    assert only_application(county).payee_account == "6217999988887777"
    bad = submit(town, edit, {**form, "payee_account": "abc"})
    assert any("收款账号应为 8 到 30 位数字" in m for m in flashes(page(bad)))
