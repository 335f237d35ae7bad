"""The production server for the API figure: waitress serving the city's app, plus a bare Flask
endpoint on the same server that builds the same page by hand (raw SQL, ``json.dumps``, no
authentication, no schema, no ORM).

Run by :mod:`benchmarks.fig_api` in its own process (so that the measuring client does not share
the server's interpreter): ``python -m benchmarks.serve DB_PATH PORT TOKEN TOWN_CODE``.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import threading

import waitress
from flask import Response

from benchmarks.city import PLUGINS, config_data
from core.config import parse_config
from core.localities import scope_prefix
from core.runtime import Runtime
from hostapp import create_app

API_PAGE = "/api/v1/persons?page=3&page_size=50"
BARE = "/bench/bare"
THREADS = 8
RAW_COUNT = "SELECT count(*) FROM core_person WHERE locality_code >= ? AND locality_code < ?"
RAW_PAGE = (
    "SELECT id, name, id_number, sex, birth_date, phone, locality_code, household_id, relation"
    " FROM core_person WHERE locality_code >= ? AND locality_code < ?"
    " ORDER BY id LIMIT 50 OFFSET 100"
)
RAW_TAGS = (
    "SELECT pt.person_id, t.name FROM core_person_tag AS pt JOIN core_tag AS t ON t.id = pt.tag_id"
    " WHERE pt.person_id IN ({marks}) ORDER BY t.name"
)


def main() -> None:
    """Build the app, store one API page for the bare endpoint, and serve until killed."""
    path, port, token = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    runtime = Runtime(parse_config(config_data(f"sqlite:///{path}", PLUGINS)))
    app = create_app(runtime)
    town = sys.argv[4]
    prefix = scope_prefix(town)
    bounds = (prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1))
    local = threading.local()

    def bare() -> Response:
        """The same page by hand: raw SQL on a per-thread connection, ``json.dumps``."""
        if not hasattr(local, "db"):
            local.db = sqlite3.connect(path)
        db = local.db
        total = db.execute(RAW_COUNT, bounds).fetchone()[0]
        rows = db.execute(RAW_PAGE, bounds).fetchall()
        ids = [row[0] for row in rows]
        tags: dict[int, list[str]] = {}
        marks = ",".join("?" * len(ids))
        for person_id, name in db.execute(RAW_TAGS.format(marks=marks), ids):
            tags.setdefault(person_id, []).append(name)
        items = [
            {
                "id": row[0],
                "name": row[1],
                "id_number": row[2][:6] + "********" + row[2][-4:],
                "sex": row[3],
                "birth_date": row[4],
                "phone": row[5],
                "locality_code": row[6],
                "household_id": row[7],
                "relation": row[8],
                "tags": tags.get(row[0], []),
            }
            for row in rows
        ]
        response = Response(json.dumps(items, ensure_ascii=False), mimetype="application/json")
        response.headers["X-Pagination"] = json.dumps({"total": total, "page": 3})
        return response

    app.add_url_rule(BARE, "bench_bare", bare)  # before the first request, as Flask demands
    page = app.test_client().get(API_PAGE, headers={"Authorization": f"Bearer {token}"})
    assert page.status_code == 200, page.get_data(as_text=True)
    print("ready", flush=True)
    waitress.serve(app, host="127.0.0.1", port=port, threads=THREADS, _quiet=True)


if __name__ == "__main__":
    main()
