"""The compact in the admin (Chinese, scoped: a village admin never sees a sibling village's
compact) and on the public portal (the village's compact in force, article by article)."""

from __future__ import annotations

from compact_support import (
    LAWFUL_ARTICLES,
    WORKFLOW,
    draft_with,
    hold_and_vote,
    plan_meeting,
    put_to_meeting,
    reviewed,
)
from sqlalchemy import select

from core.testing import NEIGHBOUR, VILLAGE, csrf_token, flashes, principal, submit

from gongzhi_compact.models import CompactArticle, CompactVersion

ADMIN = "/admin/compact_version"


def _post(client, details_url, action, data):
    token = csrf_token(client, details_url)
    return client.post(action, data={"csrf_token": token, **data}, follow_redirects=True)


def test_a_village_admin_drafts_a_compact_and_sees_why_it_cannot_be_submitted(compact, client_as):
    village = client_as("village_admin")
    created = submit(village, f"{ADMIN}/new/", {"locality": VILLAGE, "title": "城南社区居民公约"})
    assert created.status_code == 302
    with compact.db.new_session() as session:
        version_id = session.scalar(select(CompactVersion.id))
    details = f"{ADMIN}/details/?id={version_id}"
    page = _post(
        village,
        details,
        f"{ADMIN}/article/",
        {"id": version_id, "number": "1", "chapter": "第一章 总则", "body": "不遵守者罚款。"},
    ).get_data(as_text=True)
    assert "已添加第1条" in flashes(page)
    assert "第1条含有“罚款”：村规民约不得设定罚款等处罚" in page
    assert "抵制天价彩礼" in page  # the recommended topics, as advice

    refused = _post(
        village, details, f"{ADMIN}/transition/", {"id": version_id, "transition": "submit"}
    ).get_data(as_text=True)
    assert any("第1条含有“罚款”" in message for message in flashes(refused))
    with compact.db.new_session() as session:
        assert session.get(CompactVersion, version_id).state == "draft"


def test_a_village_admin_never_sees_a_sibling_villages_compact(compact, client_as):
    with compact.db.transaction() as session:
        theirs = draft_with(session, LAWFUL_ARTICLES, locality=NEIGHBOUR, title="长滩村村规民约")
        theirs_id, article_id = theirs.id, theirs.articles[0].id
    village = client_as("village_admin")
    assert "长滩村村规民约" not in village.get(f"{ADMIN}/").get_data(as_text=True)
    assert village.get(f"{ADMIN}/details/?id={theirs_id}").status_code == 404
    assert village.get(f"/admin/compact_article/edit/?id={article_id}").status_code == 404
    neighbour = client_as("neighbour")
    assert neighbour.get(f"{ADMIN}/details/?id={theirs_id}").status_code == 200


def test_the_village_puts_its_compact_to_a_meeting_from_the_admin(compact, client_as):
    with compact.db.transaction() as session:
        version_id = reviewed(compact, session).id
        meeting_id = plan_meeting(session).id
    village = client_as("village_admin")
    details = f"{ADMIN}/details/?id={version_id}"
    page = village.get(details).get_data(as_text=True)
    assert "提交议事协商" in page and "居民公约修订会议" in page
    done = _post(
        village, details, f"{ADMIN}/refer/", {"id": version_id, "deliberation_id": meeting_id}
    ).get_data(as_text=True)
    assert "已提交议事协商：居民公约修订会议（村民议事会）" in flashes(done)
    with compact.db.new_session() as session:
        version = session.get(CompactVersion, version_id)
        assert (version.state, version.deliberation_id) == ("deliberation", meeting_id)


def test_a_submitted_compacts_articles_cannot_be_edited_in_the_admin(compact, client_as):
    with compact.db.transaction() as session:
        version = reviewed(compact, session)
        article_id = version.articles[0].id
    village = client_as("village_admin")
    page = submit(
        village,
        f"/admin/compact_article/edit/?id={article_id}",
        {"number": "1", "chapter": "", "body": "改过的条文。"},
    )
    assert "只有草稿可以修改" in " ".join(flashes(page.get_data(as_text=True)))
    with compact.db.new_session() as session:
        assert session.get(CompactArticle, article_id).body == LAWFUL_ARTICLES[0][1]


def _published(compact, votes=(8, 1, 1)):
    with compact.db.transaction() as session:
        version = reviewed(compact, session)
        meeting = put_to_meeting(compact, session, version)
        hold_and_vote(compact, session, version, meeting, votes)  # adopted by the vote
        WORKFLOW.apply(version, "publish", principal(compact, session, "village"), session)
        return version.id


def test_a_revision_starts_from_the_published_compact_in_the_admin(compact, client_as):
    published = _published(compact)
    village = client_as("village_admin")
    details = f"{ADMIN}/details/?id={published}"
    page = _post(village, details, f"{ADMIN}/revise/", {"id": published}).get_data(as_text=True)
    assert "已起草《城南社区居民公约》第2版" in flashes(page)
    with compact.db.new_session() as session:
        draft = session.scalar(select(CompactVersion).where(CompactVersion.number == 2))
        assert (draft.state, draft.based_on_id, len(draft.articles)) == ("draft", published, 3)


def test_the_portal_shows_the_villages_compact_in_force(compact, gongzhi_app):
    portal = gongzhi_app.test_client()
    assert "村规民约" not in portal.get(f"/l/{VILLAGE}").get_data(as_text=True)
    _published(compact)
    page = portal.get(f"/l/{VILLAGE}").get_data(as_text=True)
    assert "城南社区居民公约" in page
    assert "第3条　违反本公约的，由居民委员会批评教育；不得以罚款代替教育。" in page
    assert "第二章 移风易俗" in page
    assert "参会 10 人，赞成 8 票" in page
    assert "《城南社区居民公约》第1版公布施行" in page  # 公示公告
    assert "城南社区居民公约" not in portal.get(f"/l/{NEIGHBOUR}").get_data(as_text=True)
    town_page = portal.get("/l/500243001000").get_data(as_text=True)
    assert "《城南社区居民公约》第1版公布施行" in town_page


def test_publishing_the_meetings_results_in_the_admin_adopts_the_compact(compact, client_as):
    with compact.db.transaction() as session:
        version = reviewed(compact, session)
        meeting = put_to_meeting(compact, session, version)
        hold_and_vote(compact, session, version, meeting, (8, 1, 1), publish=False)
        version_id, meeting_id = version.id, meeting.id
    village = client_as("village_admin")
    meeting_page = f"/admin/consultation_deliberation/details/?id={meeting_id}"
    published = _post(
        village,
        meeting_page,
        "/admin/consultation_deliberation/transition/",
        {"id": meeting_id, "transition": "publish"},
    ).get_data(as_text=True)
    assert "已执行：公开协商结果" in flashes(published)
    page = village.get(f"{ADMIN}/details/?id={version_id}").get_data(as_text=True)
    assert "赞成 8 票、反对 1 票、弃权 1 票（参会 10 人）" in page
    assert "补录表决通过" not in page and "补录表决未通过" not in page
    with compact.db.new_session() as session:
        assert session.get(CompactVersion, version_id).state == "adopted"
