"""Figure 4: API reads through the production server against a bare Flask endpoint on it.

The server (:mod:`benchmarks.serve`: waitress, 8 threads, the city's app) runs in its own
process. Ours: a town account pages through its residents (``GET /api/v1/persons``, 50 per page,
bearer token, scoping, serialisation). Baseline: a bare Flask endpoint on the same server
building the same page by hand (raw SQL for the count, the 50 rows and their tags, masked
identity numbers, ``json.dumps``; no token check, schema or ORM). A client with four keep-alive
connections counts the responses of each for a few seconds, in alternating rounds.

The machine running the figure is often shared, and throughput on two cores moves with whatever
else runs there. Beside it the figure notes the server's own CPU time per response (from
``/proc``, where there is one), which depends much less on the neighbours.
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.city import City
from benchmarks.measure import Measurement
from benchmarks.serve import API_PAGE, BARE

CONNECTIONS = 4
ROUND_SECONDS = 4.0
ROUNDS = 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int) -> None:
    """Until the server accepts connections (it prints "ready" just before binding)."""
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the benchmark server did not start")


def _cpu_seconds(pid: int) -> float | None:
    """CPU seconds (user and system) the process ``pid`` has used, or ``None`` without ``/proc``."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _round(pid: int, port: int, path: str, headers: dict[str, str], cpu: list[float]) -> float:
    """One round of :func:`_rate`; the server's CPU milliseconds per response go to ``cpu``."""
    before = _cpu_seconds(pid)
    rate, responses = _rate(port, path, headers)
    after = _cpu_seconds(pid)
    if before is not None and after is not None and responses:
        cpu.append((after - before) * 1000 / responses)
    return rate


def _rate(port: int, path: str, headers: dict[str, str]) -> tuple[float, int]:
    """Responses per second over :data:`CONNECTIONS` keep-alive connections, and how many."""
    stop = time.perf_counter() + ROUND_SECONDS
    counts = [0] * CONNECTIONS

    def worker(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < stop:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            assert response.status == 200, response.status
            counts[index] += 1
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - started), sum(counts)


def run(city: City, log: Callable[[str], None]) -> list[Measurement]:
    """Measure the API's throughput against the bare endpoint's."""
    port = _free_port()
    token = city.tokens["town"]
    root = Path(__file__).resolve().parent.parent
    server = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.serve", str(city.path), str(port), token, city.town],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        _wait_for(port)
        headers = {"Authorization": f"Bearer {token}"}
        _rate(port, API_PAGE, headers)  # warm up
        ours_rates, bare_rates = [], []
        ours_cpu: list[float] = []
        bare_cpu: list[float] = []
        for _ in range(ROUNDS):
            bare_rates.append(_round(server.pid, port, BARE, {}, bare_cpu))
            ours_rates.append(_round(server.pid, port, API_PAGE, headers, ours_cpu))
    finally:
        server.terminate()
        server.wait(timeout=30)
    ours, bare = statistics.median(ours_rates), statistics.median(bare_rates)
    log(f"  API：{ours:,.0f} 次/秒；裸端点：{bare:,.0f} 次/秒")
    note = f"{CONNECTIONS} keep-alive connections, {ROUNDS} rounds of {ROUND_SECONDS:g} s"
    if ours_cpu and bare_cpu:
        ours_ms, bare_ms = statistics.median(ours_cpu), statistics.median(bare_cpu)
        log(f"  服务器每次响应 CPU：API {ours_ms:.1f} ms；裸端点 {bare_ms:.1f} ms")
        note += (
            f"; server CPU per response {ours_ms:.1f} ms vs {bare_ms:.1f} ms"
            f" (the bare endpoint's {bare_ms / ours_ms:.0%} of ours)"
        )
    return [
        Measurement(
            key="api",
            title="API 分页读取居民（乡镇账号，每页 50 人，waitress）",
            ours=ours,
            baseline=bare,
            unit="req/s",
            target="≥ 60% of the bare endpoint's throughput",
            met=ours >= 0.6 * bare,
            baseline_title="bare Flask endpoint, same server: same page by raw SQL + json.dumps",
            note=note,
        )
    ]
