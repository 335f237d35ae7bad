"""Figure 1: importing residents from a file, with every check, against raw ``executemany``.

Ours: :func:`core.importer.bulk_import_persons` from the CSV file to the commit: reading and
decoding the file, checking every row (identity numbers with their check digit, area and birth
date; phones; localities; duplicates in the file and in the database), writing in batches, one
hash-chained audit entry and one event per batch. A worker process reads, checks and digests the
rows while the importer writes, so ours uses two cores: its CPU time is given with the worker's.
Baseline: ``sqlite3``'s ``executemany`` of the same rows, already built in memory, and its
commit, into an identical empty database.
The row-by-row import (one ORM object, audit entry and event per resident) is measured on a
sample for comparison.
"""

from __future__ import annotations

import csv
import datetime as dt
import resource
import shutil
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select, text

from benchmarks import city as city_module
from benchmarks.measure import Measurement
from core import audit, migrate
from core.config import parse_config
from core.identity import birth_date_of, sex_of
from core.importer import bulk_import_persons, import_persons
from core.models import Locality, Person
from core.runtime import Runtime

ROWS = 1_000_000
ROW_BY_ROW_SAMPLE = 5_000


def _template(folder: Path) -> Path:
    """A migrated database holding the city's tree and nothing else."""
    path = folder / "import-template.db"
    if path.exists():
        return path
    runtime = Runtime(
        parse_config(city_module.config_data(f"sqlite:///{path}", city_module.PLUGINS))
    )
    migrate.upgrade(runtime)
    rows, *_ = city_module.tree()
    with runtime.db.engine.begin() as connection:
        connection.execute(text("DELETE FROM core_locality"))
        connection.execute(Locality.__table__.insert(), rows)
    runtime.close()
    return path


def _fresh(template: Path, name: str) -> Path:
    path = template.parent / name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copy(template, path)
    return path


def write_file(path: Path, rows: int) -> list[tuple[str, str, str, str]]:
    """A residents CSV of ``rows`` lines (姓名, 身份证号, 行政区划代码, 电话) over the city's
    villages; returns its rows."""
    _, _, _, villages = city_module.tree()
    numbers = city_module._Numbers()
    data = []
    for i in range(rows):
        village = villages[i * len(villages) // rows]
        number, _born = numbers.next(village[:6])
        phone = f"139{i:08d}" if i % 3 == 0 else ""
        data.append((f"居民{i}", number, village, phone))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["姓名", "身份证号", "行政区划代码", "电话"])
        writer.writerows(data)
    return data


def _raw_insert(path: Path, data: list[tuple[str, str, str, str]]) -> tuple[float, float]:
    """Seconds (wall, CPU) for ``executemany`` of the rows, built beforehand, and the commit."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(" ")
    rows = [
        (name, number, sex_of(number), birth_date_of(number).isoformat(), phone or None, code, now)
        for name, number, code, phone in data
    ]
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute("PRAGMA journal_mode=WAL")
    start, cpu = time.perf_counter(), time.process_time()
    connection.executemany(
        "INSERT INTO core_person (name, id_number, sex, birth_date, phone, locality_code,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    connection.commit()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    connection.close()
    return seconds, cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _ours(path: Path, csv_path: Path, importer: Callable[..., object]) -> tuple[float, float]:
    """Seconds (wall, CPU of this process and its worker) of ``importer`` from the file to the
    commit; then checks the result."""
    runtime = Runtime(
        parse_config(city_module.config_data(f"sqlite:///{path}", city_module.PLUGINS))
    )
    start, cpu = time.perf_counter(), time.process_time() + _children_cpu()
    with runtime.db.transaction(actor="bench:import", channel="import") as session:
        importer(session, csv_path, scope_code=city_module.PREFECTURE[0])
    seconds = time.perf_counter() - start
    cpu = time.process_time() + _children_cpu() - cpu
    with runtime.db.transaction() as session:
        stored = session.scalar(select(func.count()).select_from(Person))
        assert audit.verify(session).ok, "the audit chain does not hold after the import"
    runtime.close()
    assert stored == _rows_in(csv_path), "the import did not store every row"
    return seconds, cpu


def _rows_in(csv_path: Path) -> int:
    with csv_path.open(encoding="utf-8") as handle:
        return sum(1 for _ in handle) - 1


def run(folder: Path, scale: float, log: Callable[[str], None]) -> list[Measurement]:
    """Measure the bulk import of ``1,000,000 × scale`` residents and a row-by-row sample."""
    template = _template(folder)
    rows = int(ROWS * scale)
    csv_path = folder / f"residents-{rows}.csv"
    data = write_file(csv_path, rows)
    log(f"  导入文件：{rows:,} 行，{csv_path.stat().st_size / 1e6:.0f} MB")
    raw, raw_cpu = _raw_insert(_fresh(template, "import-raw.db"), data)
    log(f"  原始 executemany：{raw:.1f} s")
    ours, ours_cpu = _ours(_fresh(template, "import-ours.db"), csv_path, bulk_import_persons)
    log(f"  批量导入：{ours:.1f} s")
    results = [
        Measurement(
            key="import",
            title=f"导入 {rows:,} 名居民（全部校验，批量写入，每批一条审计、一个事件）",
            ours=ours,
            baseline=raw,
            unit="s",
            target="≥ 50% of raw speed (≤ 2× its time)",
            met=ours <= 2 * raw,
            baseline_title="sqlite3 executemany of the same rows, prepared in memory",
            note=f"{rows / ours:,.0f} rows/s vs {rows / raw:,.0f} rows/s raw; CPU time"
            f" {ours_cpu:.1f} s on two cores (importer and worker) vs {raw_cpu:.1f} s"
            f" ({ours_cpu / raw_cpu:.1f}×)",
        )
    ]
    sample = min(ROW_BY_ROW_SAMPLE, rows)
    sample_path = folder / f"residents-sample-{sample}.csv"
    sample_data = write_file(sample_path, sample)
    raw_sample, _cpu = _raw_insert(_fresh(template, "import-raw-sample.db"), sample_data)
    row_by_row, _cpu = _ours(_fresh(template, "import-orm.db"), sample_path, import_persons)
    log(f"  逐行导入 {sample:,} 行：{row_by_row:.1f} s（原始 {raw_sample * 1000:.0f} ms）")
    results.append(
        Measurement(
            key="import_row_by_row",
            title=f"逐行导入 {sample:,} 名居民（每人一条审计、一个事件；对照）",
            ours=row_by_row,
            baseline=raw_sample,
            unit="s",
            target="(for comparison; no target)",
            met=True,
            baseline_title="sqlite3 executemany of the same rows",
            note=f"{sample / row_by_row:,.0f} rows/s",
        )
    )
    for name in ("import-raw", "import-ours", "import-raw-sample", "import-orm"):
        for suffix in (".db", ".db-wal", ".db-shm"):
            (folder / f"{name}{suffix}").unlink(missing_ok=True)
    csv_path.unlink()
    sample_path.unlink()
    return results
