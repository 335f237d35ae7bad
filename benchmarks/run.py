"""Run the city-scale benchmarks and write the results table.

Usage: ``python -m benchmarks.run [--scale 1] [--output FILE] [--data DIR] [--only NAMES]``.

A scale of 1 is the full prefecture (3 million residents, 10 million points movements…); the
run also measures at a tenth of the scale, so the table shows how each cost grows. Generated
databases stay in ``--data`` (``instance/bench``, ignored by git) and are reused by later runs.
The full run writes ``benchmarks/RESULTS.md``; smaller ones write beside their data.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import city as city_module
from benchmarks import fig_admin, fig_api, fig_import, fig_leaderboard, fig_operations, report
from benchmarks.measure import Measurement

FIGURES = ("import", "leaderboard", "admin", "api", "operations")
NOTES = Path(__file__).with_name("NOTES.md")


def log(message: str) -> None:
    """Progress on stdout, with the time of day."""
    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


def measure(scale: float, data: Path, only: tuple[str, ...]) -> dict[str, Any]:
    """Build (or reuse) the city at ``scale`` and run the chosen figures on it."""
    log(f"城市数据，规模 {scale:g}")
    city = city_module.build_or_load(data, scale, log=log)
    city_module.ensure_assistance(city, log=log)
    runners: dict[str, Callable[[], list[Measurement]]] = {
        "import": lambda: fig_import.run(data, scale, log),
        "leaderboard": lambda: fig_leaderboard.run(city, log),
        "admin": lambda: fig_admin.run(city, log),
        "api": lambda: fig_api.run(city, log),
        "operations": lambda: fig_operations.run(city, log),
    }
    results: list[Measurement] = []
    load = report.load_average()
    for name in FIGURES:
        if name in only:
            log(f"图 {name}，规模 {scale:g}")
            results += runners[name]()
    city.runtime.close()
    saved = data / f"results-{scale:g}.json"
    if set(only) != set(FIGURES) and saved.is_file():
        # A partial run replaces its own figures in the earlier results and keeps the others.
        earlier = json.loads(saved.read_text(encoding="utf-8"))["results"]
        fresh = {m.key for m in results}
        kept = [Measurement(**m) for m in earlier if m["key"] not in fresh]
        order = {name: index for index, name in enumerate(m["key"] for m in earlier)}
        results = sorted([*kept, *results], key=lambda m: order.get(m.key, len(order)))
    run = {
        "scale": scale,
        "city": {"counts": city.counts, "seconds": city.seconds},
        "load": f"{load} → {report.load_average()}",
        "results": [dataclasses.asdict(m) for m in results],
    }
    saved.write_text(json.dumps(run, ensure_ascii=False, indent=1), encoding="utf-8")
    return run


def main() -> None:
    """Measure at the chosen scale and a tenth of it, then write the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--data", type=Path, default=Path("instance/bench"))
    parser.add_argument("--output", type=Path)
    parser.add_argument("--only", default=",".join(FIGURES), help="figures, comma-separated")
    parser.add_argument(
        "--reuse-results",
        action="store_true",
        help="take a scale's figures from an earlier run's results file when there is one",
    )
    args = parser.parse_args()
    only = tuple(name.strip() for name in args.only.split(",") if name.strip())
    unknown = set(only) - set(FIGURES)
    if unknown:
        parser.error(f"未知的图：{'、'.join(sorted(unknown))}（可选：{'、'.join(FIGURES)}）")
    args.data.mkdir(parents=True, exist_ok=True)
    runs = []
    for scale in (args.scale / 10, args.scale):
        saved = args.data / f"results-{scale:g}.json"
        if args.reuse_results and saved.is_file():
            log(f"沿用规模 {scale:g} 的结果：{saved}")
            runs.append(json.loads(saved.read_text(encoding="utf-8")))
        else:
            runs.append(measure(scale, args.data, only))
    output = args.output or (
        Path("benchmarks/RESULTS.md")
        if args.scale == 1
        else args.data / f"RESULTS-{args.scale:g}.md"
    )
    notes = NOTES.read_text(encoding="utf-8") if NOTES.is_file() and args.scale == 1 else ""
    text = report.render(runs, args.data, notes)
    output.write_text(text, encoding="utf-8")
    print(text)
    log(f"已写入 {output}")


if __name__ == "__main__":
    main()
