"""Backups round-trip a database with nothing lost; a killed import leaves it unchanged."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time

import pytest
import tomli_w
from click.testing import CliRunner
from sqlalchemy import func, select, text

from core import audit
from core.identity import make_id_number
from core.models import AuditEntry, Household, Locality, Person
from core.resident_rows import WORKER_MIN_BYTES
from core.testing import add_person, make_config_data, seed_tree
from hostapp.cli import main

TABLES = (Locality, Person, Household, AuditEntry)


def _counts(runtime):
    with runtime.db.transaction() as session:
        return {m.__name__: session.scalar(select(func.count()).select_from(m)) for m in TABLES}


@pytest.fixture
def config_file(tmp_path, database_url):
    path = tmp_path / "gongzhi.toml"
    path.write_text(tomli_w.dumps(make_config_data(database_url)), encoding="utf-8")
    return path


def test_backup_then_restore_round_trips_the_database(runtime, config_file, tmp_path):
    with runtime.db.transaction() as session:
        seed_tree(session)
        for sequence in range(1, 21):
            add_person(session, f"居民{sequence}", "500243001001", sequence)
    before = _counts(runtime)
    target = tmp_path / "backup.bin"
    made = CliRunner().invoke(main, ["--config", str(config_file), "backup", str(target)])
    assert made.exit_code == 0, made.output
    with runtime.db.transaction() as session:
        for person in session.scalars(select(Person)).all()[:5]:
            session.delete(person)
    assert _counts(runtime)["Person"] == 15
    refused = CliRunner().invoke(main, ["--config", str(config_file), "restore", str(target)])
    assert refused.exit_code == 1 and "--yes" in refused.output
    restored = CliRunner().invoke(
        main, ["--config", str(config_file), "restore", str(target), "--yes"]
    )
    assert restored.exit_code == 0, restored.output
    assert _counts(runtime) == before
    with runtime.db.transaction() as session:
        assert audit.verify(session).ok


def test_backup_refuses_to_overwrite_a_file(runtime, config_file, tmp_path):
    target = tmp_path / "exists.bin"
    target.write_text("keep me")
    result = CliRunner().invoke(main, ["--config", str(config_file), "backup", str(target)])
    assert result.exit_code == 1 and "不会覆盖" in result.output
    assert target.read_text() == "keep me"


def _wait_until_it_writes_residents(runtime, process, timeout=120):
    """Return once the import has begun inserting residents (uncommitted), while it still runs."""
    deadline = time.monotonic() + timeout
    engine = runtime.db.engine
    while time.monotonic() < deadline:
        assert process.poll() is None, "the import ended before it could be killed"
        if engine.dialect.name == "sqlite":
            wal = engine.url.database + "-wal"
            writing = os.path.exists(wal) and os.path.getsize(wal) > 1_000_000
        else:
            with engine.connect() as connection:
                writing = bool(
                    connection.scalar(
                        text(
                            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                            " WHERE c.relname = 'core_person' AND l.mode = 'RowExclusiveLock'"
                            " AND l.pid <> pg_backend_pid()"
                        )
                    )
                )
        if writing:
            return
        time.sleep(0.05)
    raise AssertionError("the import never started writing")


def _processes_naming(path) -> list[int]:
    """The ids of the running processes whose command line names ``path``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                if str(path).encode() in handle.read():
                    found.append(int(entry))
        except OSError:  # ended meanwhile
            continue
    return found


@pytest.mark.parametrize(
    ("bulk", "residents"),
    [(False, 15_000), (True, 300_000)],
    ids=["row-by-row", "bulk-with-worker"],
)
def test_an_import_killed_midway_leaves_the_database_unchanged(
    runtime, config_file, tmp_path, bulk, residents
):
    """SIGKILL while the rows are being written. The bulk file is large enough (13 MB) for the
    checking worker; with its importer dead, the worker ends too."""
    with runtime.db.transaction() as session:
        seed_tree(session)
    before = _counts(runtime)
    rows = ["姓名,身份证号,行政区划代码"]
    birth = dt.date(1940, 1, 1)
    for index in range(residents):
        day = birth + dt.timedelta(days=index // 900)
        rows.append(f"居民{index},{make_id_number('500243', day, index % 900)},500243001001")
    path = tmp_path / "big.csv"
    path.write_text("\n".join(rows), encoding="utf-8")
    assert not bulk or path.stat().st_size >= WORKER_MIN_BYTES
    command = [sys.executable, "-m", "hostapp.cli", "--config", str(config_file), "import"]
    command += ["persons", str(path), *(["--bulk"] if bulk else [])]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ}
    )
    _wait_until_it_writes_residents(runtime, process)
    if bulk:
        assert [pid for pid in _processes_naming(path) if pid != process.pid], "no worker"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert _counts(runtime) == before
    deadline = time.monotonic() + 30
    while _processes_naming(path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_naming(path) == [], "the checking worker outlived its importer"
