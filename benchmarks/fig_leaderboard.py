"""Figure 2: a county's leaderboard (top 50 households of 村民积分, all time).

Ours: :func:`plugins.points.rankings.leaderboard`, which reads the maintained ``earned`` totals
through the county's ranking index (points descending, keyed on the code prefix) and stops at its
top 50, with names and star ratings, in a fresh session as a request would. A city generated
before that index was added is migrated first, as a deployment's upgrade would. Baseline:
what a platform without maintained totals must do, summing the ledger's earning movements of
the county's household accounts with ``GROUP BY`` in raw SQL. The two must agree on the points
of every place.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from benchmarks.city import SCHEME, City
from benchmarks.measure import Measurement, timed
from core import migrate
from core.localities import scope_prefix
from plugins.points.rankings import leaderboard

TOP = 50

# The movements drive the join (SQLite's CROSS JOIN keeps that order): the county's movements
# through their locality index, then each one's account and transfer. Left to choose, SQLite
# would scan every holder account in the points plugin's ranking indexes and read the
# movements of each, four times slower; the baseline gets its best plan.
RAW_SUM = """
SELECT m.account_id, SUM(m.amount) AS earned
FROM points_movement AS m
CROSS JOIN points_account AS a ON a.id = m.account_id
JOIN points_transfer AS t ON t.id = m.transfer_id
WHERE m.locality_code >= :low AND m.locality_code < :high
  AND a.kind = 'holder' AND a.scheme = :scheme
  AND t.kind IN ('award', 'deduction', 'reversal')
GROUP BY m.account_id
HAVING SUM(m.amount) <> 0
ORDER BY earned DESC, m.account_id
LIMIT :top
"""


def run(city: City, log: Callable[[str], None]) -> list[Measurement]:
    """Measure the county leaderboard against summing its ledger."""
    migrate.upgrade(city.runtime)
    county = city.county
    prefix = scope_prefix(county)
    high = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    board: list = []

    def ours() -> None:
        session = city.runtime.db.new_session()
        try:
            board[:] = leaderboard(session, SCHEME, county, "all", limit=TOP)
        finally:
            session.close()

    raw_db = sqlite3.connect(city.path)
    summed: list = []

    def raw() -> None:
        summed[:] = raw_db.execute(
            RAW_SUM, {"low": prefix, "high": high, "scheme": SCHEME, "top": TOP}
        ).fetchall()

    ours_time = timed(ours, repeat=20, warmup=2)
    raw_time = timed(raw, repeat=3, warmup=1)
    raw_db.close()
    assert len(board) == TOP and [s.points for s in board] == [row[1] for row in summed], (
        "the leaderboard and the ledger disagree"
    )
    log(f"  排行榜：{ours_time * 1000:.1f} ms；汇总流水：{raw_time * 1000:.0f} ms")
    return [
        Measurement(
            key="leaderboard",
            title=f"县级积分排行榜前 {TOP} 名（{county}，累计）",
            ours=ours_time,
            baseline=raw_time,
            unit="s",
            target="≥ 100× faster than GROUP BY, and < 20 ms",
            met=raw_time / ours_time >= 100 and ours_time < 0.020,
            baseline_title="raw SQL: SUM of the county's earning movements, GROUP BY account",
        )
    ]
