"""Helpers of the compact tests: residents to attend the meetings, and the steps of a compact's
life told in the practice's words. (Imported by name: ``conftest`` is
ambiguous in a suite of many folders.)

Places and accounts are :mod:`core.testing`'s: 城南社区 (``VILLAGE``, account ``village``) and
长滩村 (``NEIGHBOUR``, account ``neighbour``) under 汉葭街道 (``TOWN``, account ``town``).
"""

from __future__ import annotations

import datetime as dt
import types

from core.db import utcnow
from core.testing import NEIGHBOUR, VILLAGE, add_person, principal
from plugins.consultation import deliberations
from plugins.consultation.models import ConsultationDeliberation

from gongzhi_compact import adoption, drafting
from gongzhi_compact.models import CompactVersion

WORKFLOW = CompactVersion.__workflow__
MEETING = ConsultationDeliberation.__workflow__

LAWFUL_ARTICLES = [
    ("第一章 总则", "为推进移风易俗，经村民会议讨论，制定本公约。"),
    ("第二章 移风易俗", "红白喜事简办，不滥办酒席，抵制天价彩礼。"),
    ("第二章 移风易俗", "违反本公约的，由居民委员会批评教育；不得以罚款代替教育。"),
]


def add_residents(session) -> types.SimpleNamespace:
    """Ten residents of 城南社区 and one of 长滩村."""
    residents = [
        add_person(session, name, VILLAGE, 200 + i).id
        for i, name in enumerate("赵钱孙李周吴郑王冯陈")
    ]
    neighbour = add_person(session, "褚卫", NEIGHBOUR, 300).id
    return types.SimpleNamespace(residents=residents, neighbour=neighbour)


def draft_with(session, articles=LAWFUL_ARTICLES, locality=VILLAGE, title="城南社区居民公约"):
    """A new draft with ``articles`` (chapter, text), numbered from 1."""
    version = drafting.start_draft(session, locality_code=locality, title=title)
    for number, (chapter, body) in enumerate(articles, start=1):
        drafting.add_article(session, version, number=number, chapter=chapter, body=body)
    return version


def reviewed(runtime, session, articles=LAWFUL_ARTICLES):
    """A draft the village submitted and the town approved."""
    version = draft_with(session, articles)
    WORKFLOW.apply(version, "submit", principal(runtime, session, "village"), session)
    WORKFLOW.apply(version, "approve", principal(runtime, session, "town"), session)
    return version


def plan_meeting(session, locality=VILLAGE, hours_ago=2):
    """A village meeting (村民议事会) that took place ``hours_ago`` hours ago, still planned."""
    return deliberations.plan_deliberation(
        session,
        locality_code=locality,
        title="居民公约修订会议",
        form="村民议事会",
        held_at=utcnow() - dt.timedelta(hours=hours_ago),
        place="城南社区会议室",
    )


def put_to_meeting(runtime, session, version, meeting=None):
    """The village puts a reviewed version on a meeting's agenda; returns the meeting."""
    meeting = meeting or plan_meeting(session)
    adoption.refer(session, version, meeting.id, principal(runtime, session, "village"))
    return meeting


def hold_and_vote(runtime, session, version, meeting, votes, attendees=10, publish=True):
    """The meeting is held with ``attendees`` residents, votes (for, against, abstain) on the
    compact, and its results are published, which adopts or rejects the compact by the vote
    (``publish=False`` stops before publication, the compact still waiting)."""
    actor = principal(runtime, session, "village")
    MEETING.apply(meeting, "hold", actor, session)
    deliberations.record_attendance(
        session, meeting, actor.label, person_ids=runtime.ids.residents[:attendees]
    )
    deliberations.record_outcome(session, meeting, version.matter_id, "逐条审议", votes)
    deliberations.set_minutes(session, meeting, "会议审议了居民公约修订稿。")
    if publish:
        MEETING.apply(meeting, "publish", actor, session)
