"""Plots a person looks at before reading report.json: the current over one simulated day and
the battery over the deployment (PNG files beside the report)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

DAY = 86400.0


def current_over_a_day(
    trace: list[tuple[float, float, float, str]], day_start: float, path: Path, title: str
) -> None:
    """A step plot of the current (log scale) from `day_start` for 24 h, wakes coloured by kind."""
    xs: list[float] = []
    ys: list[float] = []
    for start, seconds, mA, _ in trace:
        end = start + seconds
        if end <= day_start or start >= day_start + DAY:
            continue
        xs += [(max(start, day_start) - day_start) / 3600, (min(end, day_start + DAY) - day_start) / 3600]
        ys += [mA, mA]
    figure, axes = plt.subplots(figsize=(11, 4))
    axes.plot(xs, ys, linewidth=0.8, color="tab:blue")
    axes.set_yscale("log")
    axes.set_xlim(0, 24)
    axes.set_xticks(range(0, 25, 2))
    axes.set_xlabel("hour of the day (UTC)")
    axes.set_ylabel("current at the battery (mA)")
    axes.set_title(title)
    axes.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def battery_over_deployment(
    trace: list[tuple[float, float, float, str]],
    run_start: float,
    capacity_mAh: float,
    path: Path,
    title: str,
) -> None:
    """Charge left (mAh) over the simulated days, and the straight-line projection to empty."""
    days, left = [0.0], [capacity_mAh]
    used = 0.0
    for start, seconds, mA, _ in trace:
        used += seconds * mA / 3600
        days.append((start + seconds - run_start) / DAY)
        left.append(capacity_mAh - used)
    step = max(1, len(days) // 4000)
    days, left = days[::step] + [days[-1]], left[::step] + [left[-1]]
    figure, axes = plt.subplots(figsize=(8, 4))
    axes.plot(days, left, color="tab:green", label="simulated")
    if days[-1] > 0 and used > 0:
        per_day = used / days[-1]
        empty = capacity_mAh / per_day
        axes.plot(
            [days[-1], empty],
            [left[-1], 0],
            "--",
            color="tab:gray",
            label=f"at {per_day:.1f} mAh/day: empty after {empty:.0f} days",
        )
    axes.set_xlabel("days deployed")
    axes.set_ylabel("battery charge left (mAh)")
    axes.set_ylim(0, capacity_mAh * 1.02)
    axes.set_xlim(left=0)
    axes.set_title(title)
    axes.legend(loc="upper right")
    axes.grid(True, alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write_plots(
    trace, run_start: float, run_end: float, capacity_mAh: float, out: Path, label: str
) -> list[Path]:
    """current_day.png (the second day when there is one: after the cold start) and battery.png."""
    day_start = run_start + DAY if run_end - run_start >= 2 * DAY else run_start
    current_over_a_day(trace, day_start, out / "current_day.png", f"{label}: current over one day")
    battery_over_deployment(
        trace, run_start, capacity_mAh, out / "battery.png", f"{label}: battery over the deployment"
    )
    return [out / "current_day.png", out / "battery.png"]


def plan_figure(plan: dict, path: Path) -> None:
    """`python -m sim plan`'s figure (plan.png): charge per day and photos per month, where
    the charge goes (deep sleep apart), and the battery days each change tried gains."""
    months = [m["month"] for m in plan["months"]]
    xs = range(len(months))
    figure, ((rate, photos), (phases, changes)) = plt.subplots(2, 2, figsize=(13, 8))
    sleep = [m["sleep_mAh_per_day"] for m in plan["months"]]
    rate.bar(xs, sleep, color="tab:blue", alpha=0.45, label="deep sleep")
    rate.bar(
        xs,
        [m["mAh_per_day"] - s for m, s in zip(plan["months"], sleep, strict=True)],
        bottom=sleep,
        color="tab:blue",
        label="awake (your camconfig.toml)",
    )
    best = plan.get("best")
    if best:
        rate.plot(xs, best["months_mAh_per_day"], "o-", color="tab:orange", label=best["change"][:50])
    rate.axhline(
        plan["mAh_per_day"],
        linestyle="--",
        color="tab:gray",
        label=f"mean {plan['mAh_per_day']:.1f} mAh/day: {plan['battery_days']} battery days",
    )
    rate.set_xticks(list(xs), months, rotation=45, ha="right")
    rate.set_ylabel("mAh per day")
    rate.set_title(f"charge per day, battery {plan['battery_mAh']:g} mAh")
    rate.legend(loc="lower right", fontsize=8)
    width = 0.4
    photos.bar([x - width / 2 for x in xs], [m["photos"] for m in plan["months"]], width, label="photos")
    photos.bar([x + width / 2 for x in xs], [m["uploads"] for m in plan["months"]], width, label="uploads")
    photos.set_xticks(list(xs), months, rotation=45, ha="right")
    photos.set_title("photos and uploads per month")
    photos.legend(fontsize=8)
    shares = list(plan["per_phase_share"].items())[:10][::-1]
    phases.barh([phase for phase, _ in shares], [share * 100 for _, share in shares], color="tab:green")
    phases.set_xlabel("share of the charge (%)")
    phases.set_title("where the charge goes")
    rows = [(row["change"], row["gain_days"], row["battery_days"]) for row in plan["candidates"]][::-1]
    changes.barh(
        range(len(rows)),
        [gain for _, gain, _ in rows],
        color=["tab:orange" if gain > 0 else "tab:gray" for _, gain, _ in rows],
    )
    changes.set_yticks(
        range(len(rows)), [f"{label[:55]}\n-> {days} days" for label, _, days in rows], fontsize=7
    )
    changes.axvline(0, color="black", linewidth=0.8)
    changes.set_xlabel(f"battery days gained (yours: {plan['battery_days']})")
    changes.set_title("one change at a time")
    for axes in (rate, photos, phases, changes):
        axes.grid(True, alpha=0.3)
    figure.suptitle(
        f"plan from {plan['start'][:10]} for {plan['days']:g} days ({plan['method']})", fontsize=9
    )
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
