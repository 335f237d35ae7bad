"""The bulk import as a pipeline: a worker process reads and checks the file while the importer
writes each batch as soon as it is checked; while writing, the unique index on identity numbers
does the duplicate check; a problem anywhere, even after batches were written, leaves nothing.

Each scenario runs with the worker and without it, against the row-by-row import's outcome.
"""

from __future__ import annotations

import datetime as dt
import pickle
from pathlib import Path

import pytest
from sqlalchemy import select
from test_import import (
    CENTRE,
    CITY_SOUTH,
    LONG_BEACH,
    PERSON_HEADER,
    id_number,
    imported,
    refused,
    row_counts,
    write_csv,
    write_xlsx,
    wrong_check_digit,
)
from test_import_bulk import residents, village_file

from core import audit
from core.import_files import ImportFailed, Problems
from core.importer import bulk_import_persons, import_persons
from core.models import AuditEntry, Person
from core.resident_rows import (
    BULK_PERSON_COLUMNS,
    CheckedChunk,
    DigestBasis,
    checked_chunks,
    checked_chunks_in_worker,
    digest_of,
)
from core.testing import COUNTY

SCOPE = COUNTY[0]


@pytest.fixture(params=[False, True], ids=["in-process", "worker"])
def bulk(request):
    """``bulk_import_persons`` in batches of 20, reading in this process or in a worker."""

    def run(session, path, **kwargs):
        kwargs.setdefault("batch_size", 20)
        return bulk_import_persons(session, path, worker=request.param, **kwargs)

    return run


def _people(count: int, start: int = 0) -> list[list[str]]:
    return [
        [f"居民{i}", id_number(i), CITY_SOUTH if i % 2 else LONG_BEACH, "", "", "", "", ""]
        for i in range(start, start + count)
    ]


def test_a_large_file_stores_what_the_row_by_row_import_stores(seeded, tmp_path, bulk):
    path = village_file(tmp_path, 130)
    with seeded.db.transaction() as session:
        expected = import_persons(session, path, scope_code=SCOPE)
        stored_row_by_row = residents(session)
        session.rollback()
    assert imported(seeded, bulk, path) == expected
    with seeded.db.transaction() as session:
        assert residents(session) == stored_row_by_row
        assert audit.verify(session).ok


def test_a_workbook_is_read_by_the_worker_as_by_this_process(seeded, tmp_path):
    rows = _people(30)
    rows[4][3] = 13800138000  # a number cell, as Excel keeps phone numbers
    path = write_xlsx(tmp_path / "居民.xlsx", [PERSON_HEADER, *rows])
    here = list(checked_chunks(path, SCOPE, 20))
    there = list(checked_chunks_in_worker(path, SCOPE, 20))
    assert [_columns(c) for c in there] == [_columns(c) for c in here]
    assert here[0].phones[4] == "13800138000" and not here[0].problems


def test_a_bad_row_after_written_batches_leaves_nothing_and_keeps_the_callers_work(
    seeded, tmp_path, bulk
):
    rows = _people(95)
    rows[90][3] = "12345"  # a bad phone in the fifth batch of 20: four batches are written first
    path = write_csv(tmp_path / "居民.csv", [PERSON_HEADER, *rows])
    before = row_counts(seeded)
    with seeded.db.transaction() as session:
        session.add(Person(name="先登记的", id_number=id_number(500), locality_code=CENTRE))
        with pytest.raises(ImportFailed) as failure:
            bulk(session, path, scope_code=SCOPE)
        assert failure.value.errors == ["第 92 行，电话：电话号码无效：12345"]
        assert (failure.value.valid_rows, failure.value.total_rows) == (94, 95)
    with seeded.db.transaction() as session:
        # The work done before the import in the same transaction stays; the import does not.
        assert [p.name for p in session.scalars(select(Person))] == ["先登记的"]
    # One more resident and the audit entry of their insert; nothing else.
    expected = {**before, "core_person": before["core_person"] + 1}
    expected["core_audit"] = before["core_audit"] + 1
    assert row_counts(seeded) == expected


@pytest.mark.parametrize(
    "case",
    [
        "registered in a later batch",
        "repeats a written row",
        "repeats a written row after a problem",
        "repeats twice, the first time in the batch that fails",
    ],
)
def test_numbers_refused_by_the_unique_index_get_the_row_by_row_messages(
    seeded, tmp_path, bulk, case
):
    rows = _people(70)
    with seeded.db.transaction() as session:
        session.add(Person(name="已登记", id_number=id_number(900), locality_code=CENTRE))
    if case == "registered in a later batch":
        rows[55][1] = id_number(900)
    elif case == "repeats a written row":
        rows[45][1] = rows[3][1]
    elif case == "repeats a written row after a problem":
        rows[30][1] = wrong_check_digit(rows[30][1])  # writing stops at the second batch
        rows[65][1] = rows[3][1]
    else:
        rows[44][1] = rows[5][1]
        rows[67][1] = rows[5][1]
    path = write_csv(tmp_path / "居民.csv", [PERSON_HEADER, *rows])
    row_by_row = refused(seeded, import_persons, path)
    in_bulk = refused(seeded, bulk, path)
    assert in_bulk.errors == row_by_row.errors
    assert (in_bulk.valid_rows, in_bulk.total_rows) == (row_by_row.valid_rows, 70)
    if case == "repeats a written row":
        assert in_bulk.errors == [f"第 47 行，身份证号：与第 5 行重复：{_masked(rows[3][1])}"]


def _masked(number: str) -> str:
    return number[:6] + "*" * 8 + number[-4:]


def test_the_worker_reports_an_unreadable_file_or_header_like_this_process(seeded, tmp_path):
    bad_header = write_csv(tmp_path / "表头.csv", [["姓名", "身份证"], ["张三", id_number(1)]])
    bad_encoding = tmp_path / "编码.csv"
    bad_encoding.write_bytes(b"\xff\xfe\x00\xd8 broken")
    for path in (bad_header, bad_encoding, tmp_path / "没有.csv"):
        errors = []
        for worker in (False, True):
            with seeded.db.transaction() as session, pytest.raises(ImportFailed) as failure:
                bulk_import_persons(session, path, scope_code=SCOPE, worker=worker)
            errors.append((failure.value.errors, failure.value.total_rows))
        assert errors[0] == errors[1]


def test_malformed_csv_after_written_batches_leaves_nothing(seeded, tmp_path, bulk):
    path = write_csv(tmp_path / "居民.csv", [PERSON_HEADER, *_people(60)])
    with path.open("a", encoding="utf-8", newline="") as handle:
        handle.write("张三," + "5" * 200_000 + "\n")  # line 62: beyond the csv module's limit
    failure = refused(seeded, bulk, path)
    assert failure.errors[0].startswith("第 62 行：CSV 格式错误")


def test_a_crashing_worker_is_an_error_not_an_import(seeded, tmp_path):
    path = write_csv(tmp_path / "居民.csv", [PERSON_HEADER, *_people(5)])
    chunks = checked_chunks_in_worker(path, SCOPE, -1)  # islice() refuses a negative size
    with pytest.raises(RuntimeError, match="导入校验进程出错"):
        next(chunks)


def test_stopping_early_stops_the_worker(tmp_path):
    path = write_csv(tmp_path / "居民.csv", [PERSON_HEADER, *_people(3000)])
    chunks = checked_chunks_in_worker(path, SCOPE, 10)
    assert len(next(chunks)) == 10
    worker = chunks.gi_frame.f_locals["worker"]
    chunks.close()
    assert worker.returncode is not None


def test_the_worker_gives_the_same_chunks_as_this_process(tmp_path):
    rows = _people(45)
    rows[7][1] = wrong_check_digit(rows[7][1])
    rows[8][3] = "13800138000"
    rows[25][4:6] = ["H-25", "户主"]
    path = write_csv(tmp_path / "居民.csv", [PERSON_HEADER, *rows])
    basis = DigestBasis(1000, "2026-11-23T08:00:00+00:00")
    here = list(checked_chunks(path, SCOPE, 20, basis))
    there = list(checked_chunks_in_worker(path, SCOPE, 20, basis))
    assert [_columns(c) for c in there] == [_columns(c) for c in here]
    assert [c.problems.messages() for c in there] == [c.problems.messages() for c in here]
    # Only a chunk without problems and households is digested, with the ids it will get.
    assert [c.digest is not None for c in here] == [False, False, True]
    assert here[2].digest == (1040, digest_of(here[2], range(1040, 1045), basis.created_at))


def _columns(chunk: CheckedChunk) -> tuple:
    names = ("lines", "names", "numbers", "codes", "phones", "households", "relations")
    rest = ("tags", "notes", "sexes", "births", "digest")
    return tuple(list(getattr(chunk, name) or []) for name in (*names, *rest))


@pytest.mark.parametrize(
    "column",
    [
        ["a", "b", "c"],
        ["a", None, "c"],
        [None, None, None],
        ["a", "", None],  # an empty value: sent as it is
        ["a\x00b", None, "c"],  # the separator: sent as it is
        [],
    ],
)
def test_a_chunk_survives_its_pipe_form(column):
    size = len(column)
    chunk = CheckedChunk(
        lines=list(range(2, size + 2)),
        names=column,
        numbers=column,
        codes=column,
        phones=column,
        households=column,
        relations=column,
        tags=[["党员"]] * size,
        notes=column,
        sexes=column,
        births=column,
        problems=Problems(()),
        digest=(7, "abc"),
    )
    copy = pickle.loads(pickle.dumps(chunk))
    assert _columns(copy) == _columns(chunk)


def test_the_digests_of_a_file_without_households_match_the_stored_rows(seeded, tmp_path, bulk):
    path = write_csv(tmp_path / "居民.csv", [PERSON_HEADER, *_people(50)])
    imported(seeded, bulk, path)
    with seeded.db.transaction() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.table_name == "core_person").order_by(AuditEntry.id)
        ).all()
        assert [e.after["rows"] for e in entries] == [20, 20, 10]
        for entry in entries:
            people = session.scalars(
                select(Person).where(Person.id.in_(audit.bulk_ids(entry))).order_by(Person.id)
            )
            rows = [
                [*(getattr(p, c) for c in BULK_PERSON_COLUMNS[:-1]), [t.name for t in p.tags]]
                for p in people
            ]
            assert audit.bulk_digest(BULK_PERSON_COLUMNS, rows) == entry.after["sha256"]
        assert audit.verify(session).ok


def test_a_bulk_dry_run_of_a_large_file_writes_nothing(seeded, tmp_path, bulk):
    path: Path = village_file(tmp_path, 70)
    before = row_counts(seeded)
    report = imported(seeded, bulk, path, dry_run=True)
    assert report.dry_run and report.created == 70
    assert row_counts(seeded) == before


def test_birth_dates_and_sexes_come_from_the_numbers(seeded, tmp_path, bulk):
    rows = [["张三", id_number(11, dt.date(1961, 2, 3)), CITY_SOUTH, "", "", "", "", ""]]
    imported(seeded, bulk, write_csv(tmp_path / "居民.csv", [PERSON_HEADER, *rows]))
    with seeded.db.transaction() as session:
        person = session.scalars(select(Person)).one()
        assert (person.sex, person.birth_date) == ("male", dt.date(1961, 2, 3))
