"""The benchmark's generated prefecture is valid data the platform reads as its own."""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import func, select

# benchmarks/ is not an installed package (nor on pytest's pythonpath): import it from the checkout.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import city as city_module
from core.identity import birth_date_of, normalize_id_number, sex_of
from core.localities import level_of, parent_code
from core.models import Household, Locality, Person
from plugins.assistance.models import AssistanceEnrolment
from plugins.assistance.payments import run_batch
from plugins.points import ledger
from plugins.points.models import PointsAccount, PointsTally
from plugins.points.rankings import leaderboard

SCALE = 0.0005  # 1,500 residents, 500 households, 5,000 points movements, 50 enrolments


def test_a_small_city_is_consistent_from_tree_to_ledger(tmp_path: Path, database_url: str):
    url = None if database_url.startswith("sqlite") else database_url
    city = city_module.build(tmp_path, SCALE, url=url, log=lambda _message: None)
    assert city_module.ensure_assistance(city, log=lambda _message: None) == 50
    with city.runtime.db.transaction() as session:
        levels = dict(
            session.execute(select(Locality.level, func.count()).group_by(Locality.level)).all()
        )
        assert levels == {"city": 1, "county": 8, "town": 90, "village": 3000}
        for code, parent in session.execute(select(Locality.code, Locality.parent_code)):
            assert level_of(code).value in ("city", "county", "town", "village")
            assert parent == parent_code(code) or level_of(code).value == "city"

        people = session.scalars(select(Person)).all()
        assert len(people) == 1500
        for person in people:
            assert normalize_id_number(person.id_number) == person.id_number
            assert person.sex == sex_of(person.id_number)
            assert person.birth_date == birth_date_of(person.id_number)
            assert person.id_number[:6] == person.locality_code[:6]
            assert person.household.locality_code == person.locality_code
        assert session.scalar(select(func.count()).select_from(Household)) == 500

        # Balances and earned totals are exactly what the ledger sums to.
        assert ledger.verify(session).ok
        tallied = session.scalar(
            select(func.sum(PointsTally.earned)).where(PointsTally.period == "2026")
        )
        earned = session.scalar(
            select(func.sum(PointsAccount.earned)).where(PointsAccount.kind == "holder")
        )
        assert tallied == earned

        # The plugins read it: a county leaderboard and a payment batch.
        board = leaderboard(session, "resident", city.county, "all", limit=5)
        assert len(board) == 5 and board[0].points >= board[-1].points
        result = run_batch(
            session, period="2026-11", scope_code=city_module.PREFECTURE[0], actor_label="test"
        )
        assert result.batch is not None and result.batch.line_count == 50
        assert session.scalar(select(func.count()).select_from(AssistanceEnrolment)) == 50
    city.runtime.close()
