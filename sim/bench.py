"""`python -m sim bench`: how fast the simulator runs the shipped firmware (a benchmark, not a test).

Runs `sim run` for each `--days` (no preview, no progress bar) and prints one markdown row per
run: the days asked for and the days simulated (a run ends early when the battery is empty;
`--battery-mAh` large enough runs a whole year, as `sim plan` does), wakes, wall and CPU
seconds (user + system of this process), simulated wakes per wall second and per CPU second.
CPU time is the figure to compare on a shared machine; wall time is what a user waits.
`--append FILE` adds the rows to a markdown file (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sim.runner import RunOptions, run

HEADER = (
    "| date (UTC) | commit | days | simulated days | battery mAh | wakes | wall s | CPU s "
    "| wakes/s wall | wakes/s CPU | load |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|\n"
)


def _cpu() -> float:
    times = os.times()
    return times.user + times.system


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=Path(__file__).resolve().parent,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def bench(days: float, seed: int = 1, battery_mAh: float | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="sim-bench-") as folder:
        wall, cpu = time.perf_counter(), _cpu()
        options = RunOptions(
            days=days, seed=seed, out=Path(folder), progress=False, preview=False, battery_mAh=battery_mAh
        )
        report = run(options)
        wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    return {
        "days": days,
        "simulated_days": report.get("ended_day", days),
        "battery_mAh": report["battery_mAh"],
        "wakes": report["wakes"],
        "wall_s": wall,
        "cpu_s": cpu,
        "wakes_per_s": report["wakes"] / wall,
        "wakes_per_cpu_s": report["wakes"] / cpu,
    }


def row(result: dict, commit: str) -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"| {datetime.now(UTC):%Y-%m-%d %H:%M} | {commit} | {result['days']:g} | "
        f"{result['simulated_days']:g} | {result['battery_mAh']:g} | {result['wakes']} | "
        f"{result['wall_s']:.1f} | {result['cpu_s']:.1f} | {result['wakes_per_s']:.0f} | "
        f"{result['wakes_per_cpu_s']:.0f} | {load:.1f} |\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim bench", description=__doc__)
    parser.add_argument("--days", type=float, nargs="+", default=[30.0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--battery-mAh", type=float, help="battery capacity (default: the profile's)")
    parser.add_argument("--append", type=Path, help="markdown file to add the rows to")
    options = parser.parse_args(argv)
    commit = _commit()
    print(f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs")
    print(HEADER, end="")
    for days in options.days:
        line = row(bench(days, options.seed, options.battery_mAh), commit)
        print(line, end="", flush=True)
        if options.append:
            with open(options.append, "a") as handle:
                handle.write(line)
    return 0
