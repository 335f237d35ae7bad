"""The bulk import of residents: the same checks as the row-by-row import, written in batches,
with one tamper-evident audit entry and one event per batch."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
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
    wrong_check_digit,
)

from core import audit
from core.identity import IdentityError, latest_birth_date, make_id_number, normalize_id_number
from core.importer import (
    ImportFailed,
    ImportReport,
    PersonsImported,
    bulk_import_persons,
    import_persons,
)
from core.models import AuditEntry, EventRecord, Household, Person, Tag
from core.resident_rows import BULK_PERSON_COLUMNS, IdentityChecker
from core.testing import COUNTY


def village_file(tmp_path: Path, count: int, name: str = "居民.csv") -> Path:
    """``count`` residents of 城南社区 and 长滩村, every third in a household of two."""
    rows = [PERSON_HEADER]
    for i in range(count):
        household = f"H-{i // 6}" if i % 3 == 0 else ""
        locality = CITY_SOUTH if i % 2 == 0 else LONG_BEACH
        if household:
            locality = CITY_SOUTH
        tags = "党员" if i % 5 == 0 else ""
        rows.append(
            [
                f"居民{i}",
                id_number(i, dt.date(1950, 1, 1) + dt.timedelta(days=i // 7)),
                locality,
                f"1380013{i:04d}" if i % 4 == 0 else "",
                household,
                "户主" if household else "",
                tags,
                "",
            ]
        )
    return write_csv(tmp_path / name, rows)


def residents(session: Session) -> list[tuple]:
    """Every resident as stored, without ids and times, by identity number."""
    return [
        (
            p.name,
            p.id_number,
            p.sex,
            p.birth_date,
            p.phone,
            p.household.number if p.household else None,
            p.household.locality_code if p.household else None,
            p.relation,
            p.locality_code,
            tuple(t.name for t in p.tags),
        )
        for p in session.scalars(select(Person).order_by(Person.id_number))
    ]


def test_a_bulk_import_stores_exactly_what_the_row_by_row_import_stores(seeded, tmp_path):
    path = village_file(tmp_path, 60)
    with seeded.db.transaction() as session:
        expected = import_persons(session, path, scope_code=COUNTY[0])
        stored_row_by_row = residents(session)
        session.rollback()
    report = imported(seeded, bulk_import_persons, path, batch_size=25)

    assert (
        report
        == expected
        == ImportReport(
            kind="persons", total_rows=60, created=60, households_created=10, tags_created=1
        )
    )
    with seeded.db.transaction() as session:
        assert residents(session) == stored_row_by_row
        first = session.scalars(select(Person).where(Person.name == "居民0")).one()
        assert (first.sex, first.birth_date) == ("female", dt.date(1950, 1, 1))
        assert first.created_at.tzinfo is not None


def test_a_bulk_import_refuses_the_same_bad_rows_with_the_same_messages(seeded, tmp_path):
    with seeded.db.transaction() as session:
        session.add(Person(name="已登记", id_number=id_number(7), locality_code=CITY_SOUTH))
    bad = wrong_check_digit(id_number(13))
    path = write_csv(
        tmp_path / "居民.csv",
        [
            ["姓名", "身份证号", "行政区划代码", "电话"],
            ["张三", id_number(11), CITY_SOUTH, ""],
            ["李四", bad, CITY_SOUTH, ""],
            ["王五", id_number(7), CITY_SOUTH, "1380013"],
            ["赵六", id_number(11), "500243001099", ""],
        ],
    )
    row_by_row = refused(seeded, import_persons, path)
    in_bulk = refused(seeded, bulk_import_persons, path)
    assert (
        in_bulk.errors
        == row_by_row.errors
        == [
            f"第 3 行，身份证号：身份证号码校验码错误：500243********{bad[-4:]}",
            f"第 4 行，身份证号：该身份证号已经登记过：500243********{id_number(7)[-4:]}",
            "第 4 行，电话：电话号码无效：1380013",
            f"第 5 行，身份证号：与第 2 行重复：500243********{id_number(11)[-4:]}",
            "第 5 行，行政区划代码：系统中没有这个行政区划：500243001099",
        ]
    )
    assert (in_bulk.valid_rows, in_bulk.total_rows) == (1, 4)


def test_a_bulk_dry_run_checks_everything_and_writes_nothing(seeded, tmp_path):
    path = village_file(tmp_path, 12)
    before = row_counts(seeded)
    report = imported(seeded, bulk_import_persons, path, dry_run=True)
    assert report.dry_run and report.created == 12 and report.households_created == 2
    assert row_counts(seeded) == before


def test_each_batch_is_one_audit_entry_whose_digest_matches_the_stored_rows(seeded, tmp_path):
    imported(seeded, bulk_import_persons, village_file(tmp_path, 50), batch_size=20)
    with seeded.db.transaction() as session:
        entries = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.table_name == "core_person", AuditEntry.action == "bulk")
            .order_by(AuditEntry.id)
        ).all()
        assert [e.after["rows"] for e in entries] == [20, 20, 10]
        assert [len(audit.bulk_ids(e)) for e in entries] == [20, 20, 10]
        assert {(e.actor, e.channel) for e in entries} == {("account:county", "import")}
        assert audit.verify(session).ok
        households = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.table_name == "core_household")
            .order_by(AuditEntry.id)
        ).all()
        # Each batch's new households (every sixth resident's number is new): one entry each,
        # written before the batch's residents, who refer to them.
        assert [(e.action, e.after["rows"]) for e in households] == [
            ("bulk", 4),
            ("bulk", 3),
            ("bulk", 2),
        ]
        assert all(h.id < e.id for h, e in zip(households, entries, strict=True))
        # No identity number in clear in the log: only ids, columns and a digest.
        assert not any(id_number(0) in str(e.after) for e in entries)

        def stored_digest(ids: list[int]) -> str:
            people = session.scalars(select(Person).where(Person.id.in_(ids)).order_by(Person.id))
            rows = []
            for p in people:
                values = {c: getattr(p, c, None) for c in BULK_PERSON_COLUMNS}
                values["created_at"] = p.created_at
                values["tags"] = sorted(t.name for t in p.tags)
                rows.append([values[c] for c in BULK_PERSON_COLUMNS])
            return audit.bulk_digest(BULK_PERSON_COLUMNS, rows)

        first = entries[0]
        assert stored_digest(audit.bulk_ids(first)) == first.after["sha256"]
        # Quietly renaming an imported resident no longer matches the batch's digest.
        session.execute(
            text("UPDATE core_person SET name = '改名' WHERE id = :id"),
            {"id": audit.bulk_ids(first)[3]},
        )
        assert stored_digest(audit.bulk_ids(first)) != first.after["sha256"]


def test_editing_a_bulk_audit_entry_breaks_the_chain(seeded, tmp_path):
    imported(seeded, bulk_import_persons, village_file(tmp_path, 10))
    with seeded.db.transaction() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.table_name == "core_person")
        ).one()
        session.execute(
            text("UPDATE core_audit SET record_id = '1-2' WHERE id = :id"), {"id": entry.id}
        )
    with seeded.db.transaction() as session:
        result = audit.verify(session)
        assert not result.ok and result.broken_id == entry.id


def test_plugins_hear_one_persons_imported_event_per_batch(seeded, tmp_path):
    imported(seeded, bulk_import_persons, village_file(tmp_path, 45), batch_size=20)
    with seeded.db.transaction() as session:
        events = session.scalars(select(EventRecord).order_by(EventRecord.id)).all()
        assert [e.name for e in events] == [PersonsImported.name] * 3
        ids = [i for e in events for i in e.payload["person_ids"]]
        assert sorted(ids) == sorted(session.scalars(select(Person.id)))
        assert {e.locality_code for e in events} == {COUNTY[0]}
        assert session.scalar(select(func.count()).select_from(Household)) == 8
        assert session.scalar(select(func.count()).select_from(Tag)) == 1


def test_existing_households_and_tags_are_reused_in_bulk(seeded, tmp_path):
    with seeded.db.transaction() as session:
        session.add_all([Tag(name="党员"), Household(number="H-1", locality_code=CENTRE)])
    path = write_csv(
        tmp_path / "居民.csv",
        [
            ["姓名", "身份证号", "行政区划代码", "户号", "标签"],
            ["张三", id_number(11), CENTRE, "H-1", "党员"],
        ],
    )
    report = imported(seeded, bulk_import_persons, path)
    assert (report.households_created, report.tags_created) == (0, 0)
    with seeded.db.transaction() as session:
        person = session.scalars(select(Person)).one()
        assert person.household.number == "H-1" and person.has_tag("党员")


@pytest.mark.parametrize(
    "number",
    [
        make_id_number("500243", dt.date(1980, 5, 17), 11),
        make_id_number("500243", dt.date(1980, 5, 17), 11).lower(),
        " " + make_id_number("500243", dt.date(1980, 5, 17), 12) + " ",
        "5002-4319-8005-17011" + "X",
        wrong_check_digit(make_id_number("500243", dt.date(1980, 5, 17), 13)),
        make_id_number("500243", dt.date(1980, 5, 17), 14)[:-2] + "A1",
        "500243" + "19800230" + "0011",
        make_id_number("999999", dt.date(1980, 5, 17), 15),
        make_id_number("500243", dt.date.today() + dt.timedelta(days=400), 16),
        # Born today and tomorrow in China, whatever the server's own date.
        make_id_number("500243", latest_birth_date(), 20),
        make_id_number("500243", latest_birth_date() + dt.timedelta(days=1), 21),
        "50024319800517001",
        make_id_number("500243", dt.date(1870, 5, 17), 17),
        make_id_number("500243", dt.date(1980, 5, 18), 18),
        make_id_number("422801", dt.date(1980, 5, 17), 19),
        # Full-width digits pass isdigit(); the full check folds them to ASCII.
        "500243" + "１９８００５１７" + make_id_number("500243", dt.date(1980, 5, 17), 11)[14:],
    ],
)
def test_the_cached_identity_check_agrees_with_the_full_check(number):
    checker = IdentityChecker()
    # Warm the cache with a valid number of the same area and birth date.
    checker.normalize(make_id_number("500243", dt.date(1980, 5, 17), 1))
    try:
        expected = normalize_id_number(number)
    except IdentityError as exc:
        with pytest.raises(IdentityError) as refused_here:
            checker.normalize(number)
        assert str(refused_here.value) == str(exc)
    else:
        assert checker.normalize(number) == expected


def test_an_unreadable_file_fails_the_bulk_import_cleanly(seeded, tmp_path):
    path = tmp_path / "居民.xls"
    path.write_bytes(b"not excel")
    with seeded.db.transaction() as session, pytest.raises(ImportFailed) as failure:
        bulk_import_persons(session, path, scope_code=COUNTY[0])
    assert "只能导入 .csv 或 .xlsx 文件" in failure.value.errors[0]


def test_the_garbage_collector_runs_again_after_a_bulk_import_even_a_failed_one(seeded, tmp_path):
    import gc

    assert gc.isenabled()
    imported(seeded, bulk_import_persons, village_file(tmp_path, 5))
    assert gc.isenabled()
    bad = write_csv(
        tmp_path / "坏.csv", [["姓名", "身份证号", "行政区划代码"], ["张三", "1", CITY_SOUTH]]
    )
    refused(seeded, bulk_import_persons, bad)
    assert gc.isenabled()
