"""The consultation admin as village and township staff use it, through the real forms with CSRF:
matters from submission to closing, deliberations, wishes, overdue supervision and figures."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from consultation_support import NEIGHBOUR, VILLAGE
from helpers import csrf_token, flashes, logged_in, submit
from sqlalchemy import func, select

from core.db import utcnow
from core.models import EventRecord
from hostapp import create_app
from plugins.consultation import matters
from plugins.consultation.models import (
    ConsultationAttendee,
    ConsultationDeliberation,
    ConsultationEscalation,
    ConsultationMatter,
    ConsultationRating,
    ConsultationWish,
)

MATTERS = "/admin/consultation_matter/"
MEETINGS = "/admin/consultation_deliberation/"
WISHES = "/admin/consultation_wish/"


@pytest.fixture
def app(consult):
    return create_app(consult)


def page(response) -> str:
    return response.get_data(as_text=True)


def buttons(text: str) -> list[str]:
    """Labels of the plain workflow buttons on a details page."""
    return re.findall(
        r'name="transition" value="[^"]+">\s*(?:<input[^>]*>)?\s*'
        r'<button class="btn btn-primary" type="submit">([^<]+)</button>',
        text,
    )


def post_form(client, base: str, action: str, record_id: int, **data):
    """Post one of a details page's forms, with the page's CSRF token."""
    token = csrf_token(client, f"{base}details/?id={record_id}")
    return client.post(
        f"{base}{action}/",
        data={"csrf_token": token, "id": str(record_id), **data},
        follow_redirects=True,
    )


def new_matter(runtime, **extra) -> int:
    with runtime.db.transaction() as session:
        data = {
            "locality_code": VILLAGE,
            "item_code": "B02",
            "title": "垃圾清运不及时",
            "description": "三天没人清运。",
            "reporter_id": runtime.ids.reporter,
        }
        data.update(extra)
        return matters.submit_matter(session, **data).id


def count(runtime, model, *where) -> int:
    with runtime.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_staff_create_a_matter_from_the_catalogue_and_bad_items_are_refused(consult, app):
    client = logged_in(app, "village")
    form = page(client.get(f"{MATTERS}new/"))
    assert "公共事务公益事业类 · B02 人居环境整治和垃圾污水处理" in form
    response = submit(
        client,
        f"{MATTERS}new/",
        {
            "title": "路灯坏了",
            "description": "三号楼前",
            "locality": VILLAGE,
            "item_code": "B02",
            "source": "resident",
            "reporter": str(consult.ids.reporter),
        },
    )
    assert response.status_code == 302, flashes(page(response))
    with consult.db.transaction() as session:
        matter = session.scalars(select(ConsultationMatter)).one()
        assert (matter.title, matter.category_code, matter.reporter_id) == (
            "路灯坏了",
            "B",
            consult.ids.reporter,
        )
    refused = submit(
        client,
        f"{MATTERS}new/",
        {"title": "t", "description": "d", "locality": VILLAGE, "item_code": "Z9", "source": "x"},
    )
    assert refused.status_code == 200
    assert count(consult, ConsultationMatter) == 1


def test_a_matter_goes_from_acceptance_to_closing_on_its_details_page(consult, app):
    ids = consult.ids
    matter_id = new_matter(consult)
    client = logged_in(app, "village")
    details = f"{MATTERS}details/?id={matter_id}"
    assert buttons(page(client.get(details))) == ["受理", "不予受理"]
    post_form(client, MATTERS, "transition", matter_id, transition="accept")
    text = page(client.get(details))
    assert "三事分流" in text and buttons(text) == []
    refused = post_form(client, MATTERS, "triage", matter_id, triage="major")
    assert any("理由" in f for f in flashes(page(refused)))
    done = post_form(client, MATTERS, "triage", matter_id, triage="minor")
    assert "已分流为小事" in flashes(page(done))
    assigned = post_form(
        client,
        MATTERS,
        "assign",
        matter_id,
        role="supervise",
        organization_id=ids.orgs.town_committee,
    )
    assert "已安排督办单位" in flashes(page(assigned))
    assert "中共汉葭街道工作委员会（乡镇（街道））" in page(assigned)
    post_form(client, MATTERS, "transition", matter_id, transition="start")
    post_form(client, MATTERS, "resolve", matter_id, resolution="已协调每日清运")
    for person in (ids.reporter, ids.r2, ids.r3):
        post_form(client, MATTERS, "rate", matter_id, person_id=person, verdict="satisfied")
    twice = post_form(client, MATTERS, "rate", matter_id, person_id=ids.r2, verdict="partly")
    assert any("已经评价过" in f for f in flashes(page(twice)))
    assert count(consult, ConsultationRating) == 3
    text = page(client.get(details))
    assert buttons(text) == ["评议通过"]
    post_form(client, MATTERS, "transition", matter_id, transition="evaluate")
    post_form(client, MATTERS, "transition", matter_id, transition="close")
    with consult.db.transaction() as session:
        assert session.get(ConsultationMatter, matter_id).state == "closed"


def test_a_neighbouring_village_cannot_open_or_act_on_the_matter(consult, app):
    matter_id = new_matter(consult)
    neighbour = logged_in(app, "neighbour")
    assert neighbour.get(f"{MATTERS}details/?id={matter_id}").status_code == 404
    token = csrf_token(neighbour, f"{MATTERS}new/")
    response = neighbour.post(
        f"{MATTERS}triage/", data={"csrf_token": token, "id": str(matter_id), "triage": "minor"}
    )
    assert response.status_code == 404
    assert str(matter_id) not in re.findall(r"details/\?id=(\d+)", page(neighbour.get(MATTERS)))
    town = logged_in(app, "town")
    assert town.get(f"{MATTERS}details/?id={matter_id}").status_code == 200


def test_a_form_action_without_its_csrf_token_is_refused(consult, app):
    matter_id = new_matter(consult)
    client = logged_in(app, "village")
    response = client.post(f"{MATTERS}transition/", data={"id": matter_id, "transition": "accept"})
    assert response.status_code == 400
    with consult.db.transaction() as session:
        assert session.get(ConsultationMatter, matter_id).state == "submitted"


def test_a_meeting_is_planned_held_attended_and_published(consult, app):
    ids = consult.ids
    matter_id = new_matter(consult)
    client = logged_in(app, "village")
    shanghai = ZoneInfo("Asia/Shanghai")  # staff type local wall-clock times
    held_at = (utcnow() - dt.timedelta(hours=3)).astimezone(shanghai).strftime("%Y-%m-%d %H:%M:%S")
    created = submit(
        client,
        f"{MEETINGS}new/",
        {
            "title": "垃圾清运院坝会",
            "form": "院坝会",
            "locality": VILLAGE,
            "held_at": held_at,
            "place": "三号楼院坝",
        },
    )
    assert created.status_code == 302, flashes(page(created))
    with consult.db.transaction() as session:
        meeting_id = session.scalars(select(ConsultationDeliberation.id)).one()
    post_form(client, MEETINGS, "agenda", meeting_id, matter_ids=str(matter_id))
    post_form(client, MEETINGS, "transition", meeting_id, transition="hold")
    outsider = post_form(client, MEETINGS, "attendance", meeting_id, person_ids=str(ids.far))
    assert any("不在您的管辖范围内" in f for f in flashes(page(outsider)))
    token = csrf_token(client, f"{MEETINGS}details/?id={meeting_id}")
    client.post(
        f"{MEETINGS}attendance/",
        data={
            "csrf_token": token,
            "id": str(meeting_id),
            "person_ids": [str(ids.reporter), str(ids.r2), str(ids.r3)],
            "organization_ids": [str(ids.orgs.council)],
        },
    )
    assert count(consult, ConsultationAttendee) == 4
    assert (
        count(consult, EventRecord, EventRecord.name == "consultation.deliberation_attended") == 3
    )
    too_many = post_form(
        client,
        MEETINGS,
        "outcome",
        meeting_id,
        matter_id=matter_id,
        outcome="每日清运",
        votes_for="5",
        votes_against="0",
        votes_abstain="0",
    )
    assert any("超过了登记的参会人数 4" in f for f in flashes(page(too_many)))
    post_form(
        client,
        MEETINGS,
        "outcome",
        meeting_id,
        matter_id=matter_id,
        outcome="每日清运",
        votes_for="3",
        votes_against="1",
        votes_abstain="0",
    )
    edit = submit(
        client,
        f"{MEETINGS}edit/?id={meeting_id}",
        {
            "title": "垃圾清运院坝会",
            "form": "院坝会",
            "held_at": held_at,
            "place": "三号楼院坝",
            "minutes": "到会 4 人，议定每日清运。",
        },
    )
    assert edit.status_code == 302, flashes(page(edit))
    published = post_form(client, MEETINGS, "transition", meeting_id, transition="publish")
    assert "已执行：公开协商结果" in flashes(page(published))
    with consult.db.transaction() as session:
        meeting = session.get(ConsultationDeliberation, meeting_id)
        assert meeting.state == "published"
        assert abs(meeting.held_at - (utcnow() - dt.timedelta(hours=3))) < dt.timedelta(minutes=2)


def test_a_wish_is_posted_claimed_fulfilled_and_confirmed_in_the_admin(consult, app):
    ids = consult.ids
    client = logged_in(app, "village")
    created = submit(
        client,
        f"{WISHES}new/",
        {"wisher": str(ids.elder), "title": "想要一副老花镜", "description": "看不清报纸"},
    )
    assert created.status_code == 302, flashes(page(created))
    with consult.db.transaction() as session:
        wish = session.scalars(select(ConsultationWish)).one()
        assert wish.locality_code == VILLAGE
    details = page(client.get(f"{WISHES}details/?id={wish.id}"))
    assert "吴志愿" in details and "李四" not in details  # only volunteers and party members
    post_form(client, WISHES, "claim", wish.id, person_id=ids.volunteer)
    post_form(client, WISHES, "fulfil", wish.id, note="已送到家")
    done = post_form(client, WISHES, "transition", wish.id, transition="confirm")
    assert "已执行：心愿人确认实现" in flashes(page(done))
    assert count(consult, EventRecord, EventRecord.name == "consultation.wish_fulfilled") == 1


def test_the_overdue_list_shows_late_matters_in_scope_and_escalates_them(consult, app):
    late = new_matter(consult, title="拖了很久的事")
    with consult.db.transaction() as session:
        session.get(ConsultationMatter, late).due_at = utcnow() - dt.timedelta(days=1)
    new_matter(consult, title="刚提交的事")
    client = logged_in(app, "village")
    text = page(client.get("/admin/consultation_overdue/"))
    assert "拖了很久的事" in text and "刚提交的事" not in text
    neighbour = logged_in(app, "neighbour")
    assert "拖了很久的事" not in page(neighbour.get("/admin/consultation_overdue/"))
    token = csrf_token(client, "/admin/consultation_overdue/")
    done = client.post(
        "/admin/consultation_overdue/escalate/", data={"csrf_token": token}, follow_redirects=True
    )
    assert "已升级督办 1 件" in flashes(page(done))
    assert count(consult, ConsultationEscalation) == 1
    with consult.db.transaction() as session:
        assert session.get(ConsultationMatter, late).handling_level == "town"


def test_figures_and_catalogue_pages_count_within_the_accounts_scope(consult, app):
    new_matter(consult)
    new_matter(consult, locality_code=NEIGHBOUR, reporter_id=consult.ids.neighbour)
    town = logged_in(app, "town")
    text = page(town.get("/admin/consultation_figures/"))
    assert re.search(r"<th>提交事项</th><td>2</td>", text)
    assert "城南社区" in text and "长滩村" in text
    village = logged_in(app, "village")
    text = page(village.get("/admin/consultation_figures/"))
    assert re.search(r"<th>提交事项</th><td>1</td>", text)
    text = page(village.get(f"/admin/consultation_figures/?scope={NEIGHBOUR}"))
    assert "不在您的管辖范围内" in text and re.search(r"<th>提交事项</th><td>1</td>", text)
    catalogue = page(village.get("/admin/consultation_catalogue/"))
    assert "4 大类 16 小项" in catalogue and "人居环境整治和垃圾污水处理" in catalogue


def test_every_consultation_page_needs_a_login(app):
    client = app.test_client()
    for url in (
        MATTERS,
        MEETINGS,
        WISHES,
        "/admin/consultation_overdue/",
        "/admin/consultation_figures/",
        "/admin/consultation_catalogue/",
        "/admin/consultation_rating/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login?next=" in response.headers["Location"], url


def test_no_consultation_list_shows_or_opens_a_record_outside_the_accounts_scope(make_runtime):
    """Like the host's scope test: the demo puts records in every village, and each of the
    plugin's lists shows exactly the account's own and answers 404 for the others."""
    import random

    from flask_admin.contrib.sqla import ModelView
    from sqlalchemy import not_

    from core.models import Locality, Organization
    from core.testing import COUNTY, add_account, add_person, seed_tree

    runtime = make_runtime(["consultation"])
    with runtime.db.transaction(actor="system:test", channel="cli") as session:
        seed_tree(session)
        add_account(session, "village", VILLAGE, ["village_admin"])
        add_account(session, "town", "500243001000", ["town_admin"])
        for n, code in enumerate([VILLAGE, NEIGHBOUR, "500243101001"], start=1):
            for k in range(3):
                add_person(session, f"居民{n}{k}", code, 100 + 10 * n + k)
            session.add(Organization(name=f"组织{n}", kind="council", locality_code=code))
        session.flush()
        runtime.plugins.hook.register_demo_data(
            session=session, root=session.get(Locality, COUNTY[0]), rng=random.Random(7)
        )
    app = create_app(runtime)
    admin = app.extensions["admin"]
    admins = admin if isinstance(admin, list) else [admin]
    views = [
        v
        for a in admins
        for v in a._views
        if isinstance(v, ModelView) and v.endpoint.startswith("consultation_")
    ]
    assert len(views) == 9
    for username, scope in (("village", VILLAGE), ("town", "500243001000")):
        client = logged_in(app, username)
        for view in views:
            model = view.model
            with runtime.db.transaction() as session:
                inside = {
                    str(r.id)
                    for r in session.scalars(select(model).where(model.scope_clause(scope)))
                }
                outside = {
                    str(r.id)
                    for r in session.scalars(
                        select(model).where(
                            model.scope_clause(COUNTY[0]), not_(model.scope_clause(scope))
                        )
                    )
                }
            assert inside and outside, (view.endpoint, scope)
            base = view.url.rstrip("/") + "/"
            listed = set(
                re.findall(r"details/\?id=(\d+)", page(client.get(base + "?page_size=500")))
            )
            assert listed == inside, (view.endpoint, scope)
            for pk in sorted(outside)[:3]:
                assert client.get(f"{base}details/?id={pk}").status_code == 404, view.endpoint


def test_staff_attach_a_photo_and_download_it_from_the_details_page(consult, app):
    import io

    matter_id = new_matter(consult)
    client = logged_in(app, "village")
    token = csrf_token(client, f"{MATTERS}details/?id={matter_id}")
    response = client.post(
        f"{MATTERS}upload/",
        data={
            "csrf_token": token,
            "id": str(matter_id),
            "file": (io.BytesIO(b"\x89PNG photo"), "现场照片.png", "image/png"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "已上传附件 现场照片.png" in flashes(page(response))
    link = re.search(r'href="([^"]*/attachment/\?[^"]*)"', page(response))
    assert link, "the details page links the attachment"
    download = client.get(link.group(1).replace("&amp;", "&"))
    assert download.status_code == 200 and download.data == b"\x89PNG photo"
    neighbour = logged_in(app, "neighbour")
    assert neighbour.get(link.group(1).replace("&amp;", "&")).status_code == 404


def test_a_residents_page_sums_up_their_part_in_consultation(consult, app):
    new_matter(consult)
    client = logged_in(app, "village")
    text = page(client.get(f"/admin/person/details/?id={consult.ids.reporter}"))
    assert "协商议事" in text and "反映协商事项" in text and "1 件" in text
