"""Demo data: the first villages of the demo county each have a compact adopted at a village
meeting last spring and in force since; the first of them is revising it (a draft that still
holds a fine, so the rule check has something to show).

Like the consultation plugin's demo, the history is written as records (the meeting, its
attendance, the agenda matter and the vote) and emits no events.
"""

from __future__ import annotations

import collections
import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import utcnow
from core.demo import plugin_covers
from core.models import Locality, Person
from core.runtime import plugin_settings
from plugins.consultation.catalogue import session_catalogue
from plugins.consultation.models import (
    ConsultationAgendaItem,
    ConsultationAttendee,
    ConsultationDeliberation,
    ConsultationMatter,
)

from gongzhi_compact.drafting import add_article, start_draft
from gongzhi_compact.models import CompactAdoption, CompactArticle, CompactVersion

VILLAGES = 3
"""How many villages get a compact."""

DAY = dt.timedelta(days=1)
RECORDER = "system:demo"

ARTICLES: list[tuple[str, str]] = [
    ("第一章 总则", "为推进移风易俗，建设文明和谐美丽乡村，经村民会议讨论，制定本村规民约。"),
    ("第一章 总则", "本村规民约适用于本村全体村民，村民应当自觉遵守，相互监督。"),
    ("第二章 移风易俗", "弘扬社会主义核心价值观，孝老爱亲，邻里和睦，诚实守信。"),
    (
        "第二章 移风易俗",
        "红白喜事简办，不滥办酒席；除婚丧嫁娶外，不办升学宴、乔迁宴、满月酒等其他酒席。",
    ),
    ("第二章 移风易俗", "提倡婚事新办，抵制天价彩礼，遏制低俗婚闹。"),
    ("第二章 移风易俗", "提倡丧事简办，三日吉葬，不大操大办，不搞封建迷信活动。"),
    ("第二章 移风易俗", "杜绝早婚早育，依法办理婚姻登记。"),
    (
        "第三章 环境卫生与平安建设",
        "爱护公共设施，垃圾分类投放，落实门前三包，倡导绿色低碳生活。",
    ),
    ("第三章 环境卫生与平安建设", "支持扫黑除恶，发现违法犯罪线索及时向村委会或派出所报告。"),
    ("第三章 环境卫生与平安建设", "邻里纠纷先由村人民调解委员会调解，不私自报复。"),
    (
        "第四章 奖励与附则",
        "遵守本村规民约成绩突出的家庭，评为文明家庭，并在积分制中给予加分。",
    ),
    (
        "第四章 奖励与附则",
        "违反本村规民约的，由村民委员会批评教育、责令改正，并在村务公开栏通报；不得以罚款代替教育。",
    ),
    (
        "第四章 奖励与附则",
        "本村规民约经村民会议表决通过后公布施行，由村民委员会负责解释。",
    ),
]
"""A compact in the spirit of seed 004: the recommended topics, and no fines."""

REVISION_ARTICLE = "饲养犬只须拴养或圈养，出门牵绳；放任犬只伤人的，罚款200元。"
"""The draft revision's new article: it imposes a fine, so the rule check refuses it."""


def seed(session: Session, root: Locality, rng: random.Random) -> None:
    """Compacts in force in the first :data:`VILLAGES` villages with residents where the
    deployment runs both this plugin and consultation, and a revision under way in the first."""
    settings = plugin_settings(session, "compact")
    meeting_form = plugin_settings(session, "consultation")["meeting_forms"][0]
    people: dict[str, list[Person]] = collections.defaultdict(list)
    for person in session.scalars(
        select(Person).where(Person.scope_clause(root.code)).order_by(Person.id)
    ):
        people[person.locality_code[:12]].append(person)
    villages = [
        v
        for v in session.scalars(
            select(Locality)
            .where(Locality.scope_clause(root.code), Locality.level == "village")
            .order_by(Locality.code)
        )
        if people[v.code]
        and plugin_covers(session, "compact", v.code)
        and plugin_covers(session, "consultation", v.code)
    ][:VILLAGES]
    now = utcnow().replace(microsecond=0)
    for index, village in enumerate(villages):
        held_at = now - rng.randint(150, 240) * DAY
        version = _adopted_compact(
            session, rng, village, people[village.code], held_at, meeting_form, settings
        )
        if index == 0:
            draft = start_draft(session, locality_code=village.code, based_on_id=version.id)
            add_article(session, draft, number=len(ARTICLES) + 1, body=REVISION_ARTICLE)
    session.flush()


def _title(village: Locality) -> str:
    return f"{village.name}{'居民公约' if village.name.endswith('社区') else '村规民约'}"


def _adopted_compact(
    session: Session,
    rng: random.Random,
    village: Locality,
    residents: list[Person],
    held_at: dt.datetime,
    meeting_form: str,
    settings: dict,
) -> CompactVersion:
    version = CompactVersion(
        locality_code=village.code,
        number=1,
        title=_title(village),
        state="published",
        created_at=held_at - 30 * DAY,
        submitted_by=RECORDER,
        submitted_at=held_at - 25 * DAY,
        reviewed_by=RECORDER,
        reviewed_at=held_at - 20 * DAY,
        decided_at=held_at + 3 * DAY,
        published_at=held_at + 5 * DAY,
    )
    session.add(version)
    session.flush()
    session.add_all(
        CompactArticle(
            version_id=version.id,
            number=number,
            chapter=chapter,
            body=body,
            locality_code=village.code,
        )
        for number, (chapter, body) in enumerate(ARTICLES, start=1)
    )
    item = session_catalogue(session, village.code).item(settings["consultation_item"])
    matter = ConsultationMatter(
        title=f"审议{version.label}",
        description=f"审议{version.label}，共 {len(ARTICLES)} 条。",
        source="committee",
        category_code=item.category_code if item else "A",
        item_code=settings["consultation_item"],
        default_triage=item.triage if item else "minor",
        triage=item.triage if item else "minor",
        is_public=True,
        state="closed",
        handling_level="village",
        resolution=f"经{meeting_form}表决通过，已公布施行。",
        submitted_at=held_at - 20 * DAY,
        accepted_at=held_at - 19 * DAY,
        triaged_at=held_at - 19 * DAY,
        resolved_at=held_at + 3 * DAY,
        closed_at=held_at + 5 * DAY,
        resolve_seconds=int((23 * DAY).total_seconds()),
        locality_code=village.code,
    )
    deliberation = ConsultationDeliberation(
        title=f"{village.name}村规民约修订会议",
        form=meeting_form,
        held_at=held_at,
        place=f"{village.name}村委会会议室",
        minutes="会议逐条审议了村规民约草案，经表决通过。",
        state="published",
        locality_code=village.code,
    )
    session.add_all([matter, deliberation])
    session.flush()
    present = rng.sample(residents, k=min(len(residents), rng.randint(12, 30)))
    session.add_all(
        ConsultationAttendee(
            deliberation_id=deliberation.id,
            person_id=person.id,
            recorded_by=RECORDER,
            recorded_at=held_at,
            locality_code=village.code,
        )
        for person in present
    )
    against = rng.randint(0, len(present) // 5)
    abstain = rng.randint(0, len(present) // 10)
    agenda = ConsultationAgendaItem(
        deliberation_id=deliberation.id,
        matter_id=matter.id,
        outcome="与会村民逐条审议，同意通过。",
        votes_for=len(present) - against - abstain,
        votes_against=against,
        votes_abstain=abstain,
        locality_code=village.code,
    )
    version.deliberation_id = deliberation.id
    version.matter_id = matter.id
    session.add_all(
        [
            agenda,
            CompactAdoption(
                version_id=version.id,
                version_number=1,
                adopted=True,
                deliberation_id=deliberation.id,
                matter_id=matter.id,
                attendees=len(present),
                votes_for=agenda.votes_for,
                votes_against=against,
                votes_abstain=abstain,
                outcome=agenda.outcome,
                recorded_by=RECORDER,
                recorded_at=held_at + 3 * DAY,
                locality_code=village.code,
            ),
        ]
    )
    session.flush()
    session.refresh(version, ["articles"])
    return version
