"""The results table: the machine, each figure at each scale, and how its cost grows."""

from __future__ import annotations

import datetime as dt
import os
import platform
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from benchmarks.measure import Measurement


def machine(folder: Path) -> dict[str, str]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    usage = shutil.disk_usage(folder)
    postgres = ""
    try:
        postgres = subprocess.run(
            ["psql", "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        postgres = "not installed"
    return {
        "CPU": f"{cpu}, {os.cpu_count()} logical cores",
        "RAM": memory,
        "disk": f"{usage.total / 1e9:.0f} GB volume ({usage.free / 1e9:.0f} GB free)",
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
        "PostgreSQL": f"{postgres} (figures here are SQLite's)" if postgres else "not used",
        "OS": platform.platform(),
    }


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, for the record (the machine may be shared)."""
    try:
        return " / ".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def _met(m: Measurement) -> str:
    if m.target.startswith("("):  # a figure shown for comparison only
        return "–"
    return "yes" if m.met else "**no**"


def _table(measurements: list[Measurement]) -> list[str]:
    lines = [
        "| figure | ours | raw baseline | ratio | target | met |",
        "|---|---:|---:|---:|---|:---:|",
    ]
    for m in measurements:
        lines.append(
            f"| {m.title} | {m.value_text(m.ours)} | {m.value_text(m.baseline)} |"
            f" {m.ratio_text()} | {m.target} | {_met(m)} |"
        )
    return lines


def render(runs: list[dict[str, Any]], folder: Path, notes: str = "") -> str:
    """The whole RESULTS.md: ``runs`` are ``{"scale", "city", "results", "load", ...}``."""
    runs = sorted(runs, key=lambda run: run["scale"])
    full = runs[-1]
    lines = [
        "# Benchmark results",
        "",
        f"Measured {dt.date.today()} with `make bench` (`python -m benchmarks.run`); the ratio of"
        " each figure is against a raw baseline measured in the same run. Absolute times vary"
        " between machines; the ratios are what we track.",
        "",
        "## Machine",
        "",
    ]
    lines += [f"- **{key}**: {value}" for key, value in machine(folder).items()]
    lines += ["", "## The city", ""]
    for run in runs:
        counts = run["city"]["counts"]
        lines.append(
            f"- scale {run['scale']:g}: "
            + "、".join(f"{key} {value:,}" for key, value in counts.items())
            + f"; generated in {run['city']['seconds']:.0f} s; load average during the"
            f" figures {run['load']}"
        )
    for run in reversed(runs):
        lines += ["", f"## Figures at scale {run['scale']:g}", ""]
        lines += _table([Measurement(**m) for m in run["results"]])
        notes_here = [m for m in run["results"] if m.get("note")]
        if notes_here:
            lines.append("")
            lines += [f"- {m['title']}: {m['note']}" for m in notes_here]
    if len(runs) > 1:
        small = runs[0]
        by_key = {m["key"]: m for m in small["results"]}
        lines += [
            "",
            f"## Growth from scale {small['scale']:g} to {full['scale']:g}",
            "",
            f"How each figure's cost grows when the data grows {full['scale'] / small['scale']:g}×"
            " (times: ours and baseline at the large scale ÷ at the small one; rates: the same"
            " for the throughput).",
            "",
            "| figure | ours, small → large | growth | baseline, small → large | growth |",
            "|---|---:|---:|---:|---:|",
        ]
        for m in full["results"]:
            s = by_key.get(m["key"])
            if s is None:
                continue
            large, little = Measurement(**m), Measurement(**s)
            lines.append(
                f"| {large.title} | {little.value_text(little.ours)} →"
                f" {large.value_text(large.ours)} | {large.ours / little.ours:.1f}× |"
                f" {little.value_text(little.baseline)} → {large.value_text(large.baseline)} |"
                f" {large.baseline / little.baseline:.1f}× |"
            )
    if notes:
        lines += ["", notes.strip()]
    return "\n".join(lines) + "\n"
