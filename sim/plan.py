"""`python -m sim plan`: how long a battery lasts with a camconfig.toml through the seasons.

The real firmware runs on the simulated board (`sim.runner.run`, the same runs as `python -m
sim run`). By default each month of the period is one sample: the firmware run from a date in
the middle of the month for `sample_days`, after `warmup_days` that are not counted (the first
wake of a fresh board syncs the time and fetches a token), its day-by-day ledger
(`sim/ledger.py`) scaled to the month's days. `full` runs the whole period as one deployment
instead. Each candidate change of the configuration (`sim/candidates.py`) is run the same way
and ranked by the battery days it gives.

The runs carry a battery large enough never to reach its low-voltage thresholds (a board
recharged in time); the capacity given is applied to the charge afterwards. So the last days
before empty, where the firmware stops uploading and then capturing, are not in the figures.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tqdm import tqdm

from sim.candidates import candidates
from sim.circuitpython import versions
from sim.profile import load_profile
from sim.runner import RunOptions, parse_start, run
from tools import firmware as manifest
from tools.firmware import FIRMWARE_DIR

DAY = 86400
RUN_mAh_PER_DAY = 1000  # the runs' battery: this per simulated day at least (always_on draws ~970)


@dataclass
class PlanOptions:
    config: Path | None = None
    profile: Path | None = None
    battery_mAh: float | None = None  # default: the profile's
    start: str = RunOptions.start
    days: float = 365.0
    out: Path = Path("out/plan")
    full: bool = False  # every day of the period, one run
    sample_days: int = 3  # per month, when not full (docs/simulator.md: as good as 7)
    warmup_days: float = 1.0  # simulated before each sample, not counted
    seed: int = 1
    workers: int = 2
    try_candidates: bool = True
    only: tuple[str, ...] = ()  # try only the candidates of these names (sim/candidates.py)
    progress: bool = True
    keep_runs: bool = False  # keep each run's device/ and cloud/ folders
    firmware: Path = FIRMWARE_DIR
    circuitpython: str = versions.DEFAULT
    sensor: str = "OV2640"
    camera_switch: str | None = None


@dataclass
class Window:
    """One run of a plan and the part of it counted for a month."""

    month: str  # "2026-06"
    days: float  # days of the period in this month
    run_start: float  # the run (warm-up included)
    run_days: float
    count_from: str  # the first ledger day counted (ISO date)
    count_last: str  # the last ledger day counted


@dataclass
class Month:
    month: str
    days: float
    counted_days: float  # simulated days behind the figures (scaled to `days`)
    charge_mAh: float
    per_phase_mAh: dict[str, float]
    photos: float
    uploads: float
    syncs: float

    @property
    def mAh_per_day(self) -> float:
        return self.charge_mAh / self.days if self.days else 0.0


@dataclass
class Variant:
    """The plan of one configuration: the user's, or the user's with one candidate change."""

    label: str
    change: str
    months: list[Month] = field(default_factory=list)

    @property
    def days(self) -> float:
        return sum(m.days for m in self.months)

    @property
    def charge_mAh(self) -> float:
        return sum(m.charge_mAh for m in self.months)

    @property
    def mAh_per_day(self) -> float:
        return self.charge_mAh / self.days if self.days else 0.0

    def battery_days(self, capacity_mAh: float) -> float:
        return capacity_mAh / self.mAh_per_day if self.mAh_per_day else float("inf")

    def per_phase_mAh(self) -> dict[str, float]:
        total: dict[str, float] = {}
        for month in self.months:
            for phase, mAh in month.per_phase_mAh.items():
                total[phase] = total.get(phase, 0.0) + mAh
        return dict(sorted(total.items(), key=lambda item: -item[1]))

    def empty_after(self, capacity_mAh: float) -> tuple[float, bool]:
        """Days from the start until a full battery is empty, at each month's rate: (days, True)
        inside the period, else (days at the period's mean rate beyond it, False)."""
        left, elapsed = capacity_mAh, 0.0
        for month in self.months:
            if month.charge_mAh >= left:
                return elapsed + left / month.mAh_per_day, True
            left -= month.charge_mAh
            elapsed += month.days
        return elapsed + (left / self.mAh_per_day if self.mAh_per_day else float("inf")), False


def month_key(t: float) -> str:
    return datetime.fromtimestamp(t, tz=UTC).strftime("%Y-%m")


def _date(t: float) -> str:
    return datetime.fromtimestamp(t, tz=UTC).date().isoformat()


def _month_parts(start: float, end: float) -> list[tuple[str, float, float]]:
    """The period cut at the first of each month (UTC): (month, from, to)."""
    parts = []
    t = start
    while t < end:
        when = datetime.fromtimestamp(t, tz=UTC)
        first_next = (
            when.replace(day=1, hour=0, minute=0, second=0, microsecond=0) + timedelta(days=32)
        ).replace(day=1)
        upto = min(end, first_next.timestamp())
        parts.append((month_key(t), t, upto))
        t = upto
    return parts


def windows(options: PlanOptions) -> list[Window]:
    """The runs of one configuration. Full: one run over the period, counted month by month.
    Sampled: per month `sample_days` whole UTC days around its middle (fewer in a short month
    part), preceded by the warm-up."""
    start = parse_start(options.start)
    end = start + options.days * DAY
    parts = _month_parts(start, end)
    if options.full:
        return [
            Window(month, (upto - begin) / DAY, start, options.days, _date(begin), _date(upto - 1))
            for month, begin, upto in parts
        ]
    found = []
    for month, begin, upto in parts:
        length = min(float(options.sample_days), (upto - begin) / DAY)
        middle = (begin + upto) / 2
        first = max(begin, (middle - length * DAY / 2) // DAY * DAY)  # a midnight, unless clamped
        warmup = options.warmup_days if first > start else 0.0  # the deployment's own start is cold
        found.append(
            Window(
                month,
                (upto - begin) / DAY,
                first - warmup * DAY,
                warmup + length,
                _date(first),
                _date(first + length * DAY - 1),
            )
        )
    return found


def _counted(window: Window, daily: list[dict]) -> list[dict]:
    """The ledger days a window counts (ISO dates compare as strings)."""
    return [day for day in daily if window.count_from <= day["date"] <= window.count_last]


def month_from(window: Window, daily: list[dict]) -> Month:
    """A month's figures from the counted ledger days, scaled to the month's days in the period."""
    days = _counted(window, daily)
    seconds = sum(day["seconds"] for day in days)
    scale = window.days * DAY / seconds if seconds else 0.0
    phases: dict[str, float] = {}
    for day in days:
        for phase, mAh in day["per_phase_mAh"].items():
            phases[phase] = phases.get(phase, 0.0) + mAh * scale
    return Month(
        window.month,
        window.days,
        seconds / DAY,
        charge_mAh=sum(day["charge_mAh"] for day in days) * scale,
        per_phase_mAh=phases,
        photos=sum(day["captures"] for day in days) * scale,
        uploads=sum(day["uploads"] for day in days) * scale,
        syncs=sum(day["syncs"] for day in days) * scale,
    )


def _simulate(options: RunOptions, keep: bool) -> list[dict]:
    """One run (in a worker process): its ledger. Unless kept, the run writes its photos and
    cloud (some 100 MB a month) into a scratch folder in memory where the host has one, and
    only its report, ledger, events and console reach `options.out`."""
    out = Path(options.out)
    if keep:
        run(options)
    else:
        with tempfile.TemporaryDirectory(prefix="sim-plan-", dir=_MEMORY_FOLDER) as scratch:
            run(replace(options, out=Path(scratch)))
            out.mkdir(parents=True, exist_ok=True)
            for path in Path(scratch).iterdir():
                if path.name not in ("device", "cloud"):
                    shutil.move(path, out / path.name)
    return json.loads((out / "daily.json").read_text())


# Linux's shared-memory tmpfs: files written and deleted there never reach the disk.
_MEMORY_FOLDER = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None


def _run_options(
    options: PlanOptions, config: Path, window: Window, out: Path, capacity_mAh: float
) -> RunOptions:
    start = datetime.fromtimestamp(window.run_start, tz=UTC).isoformat().replace("+00:00", "Z")
    return RunOptions(
        days=window.run_days,
        config=config,
        profile=options.profile,
        firmware=options.firmware,
        seed=options.seed,
        start=start,
        out=out,
        progress=False,
        preview=False,
        circuitpython=options.circuitpython,
        sensor=options.sensor,
        camera_switch=options.camera_switch,
        battery_mAh=max(capacity_mAh, RUN_mAh_PER_DAY * window.run_days),
    )


def _config_text(options: PlanOptions) -> str:
    path = options.config or options.firmware / "camconfig.toml"
    return Path(path if Path(path).exists() else FIRMWARE_DIR / "camconfig.toml").read_text()


def plan(options: PlanOptions) -> dict:
    """Run the configuration (and each candidate change) and return the plan (plan.json)."""
    out = Path(options.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    capacity = options.battery_mAh or float(load_profile(options.profile)["battery"]["capacity_mAh"])
    config_module = manifest.modules().config
    text = _config_text(options)
    try:
        cfg = config_module.load(text)
    except ValueError as problem:
        raise SystemExit(
            f"camconfig.toml: {problem} (the camera would run on its last good configuration)"
        ) from None
    configs: dict[str, tuple[str, Path]] = {}  # label -> (change, camconfig.toml)
    (out / "configs").mkdir(exist_ok=True)
    base = out / "configs" / "yours.toml"
    base.write_text(text)
    configs["yours"] = ("your camconfig.toml", base)
    skipped = []
    if options.try_candidates:
        for candidate in candidates(cfg):
            if options.only and candidate.name not in options.only:
                continue
            edited = candidate.apply(text)
            try:
                config_module.load(edited)
            except ValueError as problem:  # a change the firmware would refuse is not offered
                skipped.append(f"{candidate.change}: {problem}")
                continue
            path = out / "configs" / f"{candidate.name}.toml"
            path.write_text(edited)
            configs[candidate.name] = (candidate.change, path)
    plan_windows = windows(options)
    # One run per distinct (start, length): with --full every month reads the same run.
    runs = {(w.run_start, w.run_days): w for w in plan_windows}
    jobs = {
        (label, key): _run_options(
            options, path, w, out / "runs" / label / ("period" if options.full else w.month), capacity
        )
        for label, (_, path) in configs.items()
        for key, w in runs.items()
    }
    ledgers: dict[tuple[str, tuple[float, float]], list[dict]] = {}
    bar = tqdm(
        total=round(sum(o.days for o in jobs.values()), 1),
        unit="day",
        desc="plan",
        disable=not options.progress or None,
        leave=False,
    )
    try:
        if options.workers <= 1:
            for job, run_options in jobs.items():
                ledgers[job] = _simulate(run_options, options.keep_runs)
                bar.update(run_options.days)
        else:
            with ProcessPoolExecutor(max_workers=options.workers) as pool:
                futures = {
                    pool.submit(_simulate, run_options, options.keep_runs): job
                    for job, run_options in jobs.items()
                }
                for future in as_completed(futures):
                    ledgers[futures[future]] = future.result()
                    bar.update(jobs[futures[future]].days)
    finally:
        bar.close()
    variants = [
        Variant(
            label, change, [month_from(w, ledgers[(label, (w.run_start, w.run_days))]) for w in plan_windows]
        )
        for label, (change, _) in configs.items()
    ]
    result = summary(variants, capacity, options, skipped)
    (out / "plan.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / "plan.txt").write_text(text_report(result))
    from sim.plots import plan_figure

    plan_figure(result, out / "plan.png")
    return result


def summary(variants: list[Variant], capacity_mAh: float, options: PlanOptions, skipped: list[str]) -> dict:
    yours, others = variants[0], variants[1:]
    total = yours.charge_mAh
    empty_days, inside = yours.empty_after(capacity_mAh)
    start = parse_start(options.start)
    ranked = sorted(others, key=lambda v: v.mAh_per_day)  # most days first, unrounded
    tried: list[dict[str, Any]] = [
        {
            "change": v.change,
            "label": v.label,
            "battery_days": round(v.battery_days(capacity_mAh), 1),
            "gain_days": round(v.battery_days(capacity_mAh) - yours.battery_days(capacity_mAh), 2),
            "mAh_per_day": round(v.mAh_per_day, 2),
            "photos_per_day": round(sum(m.photos for m in v.months) / v.days, 1),
            "uploads_per_day": round(sum(m.uploads for m in v.months) / v.days, 1),
            "months_mAh_per_day": [round(m.mAh_per_day, 2) for m in v.months],
        }
        for v in ranked
    ]
    best = tried[0] if ranked and ranked[0].mAh_per_day < yours.mAh_per_day else None
    return {
        "method": (
            "every day simulated (--full)"
            if options.full
            else f"one {options.sample_days}-day sample per month (mid-month, after a "
            f"{options.warmup_days:g}-day warm-up), scaled to the month's days"
        ),
        "start": options.start,
        "days": options.days,
        "battery_mAh": capacity_mAh,
        "config": str(options.config or "the firmware's camconfig.toml"),
        "profile": str(options.profile or "profiles/reference.toml"),
        "charge_mAh": round(total, 3),
        "mAh_per_day": round(yours.mAh_per_day, 3),
        "battery_days": round(yours.battery_days(capacity_mAh), 1),
        "photos": round(sum(m.photos for m in yours.months)),
        "uploads": round(sum(m.uploads for m in yours.months)),
        "empty_after_days": round(empty_days, 1),
        "empty_on": _date(start + empty_days * DAY),
        "empty_inside_period": inside,
        "months": [
            {
                "month": m.month,
                "days": round(m.days, 3),
                "simulated_days": round(m.counted_days, 3),
                "charge_mAh": round(m.charge_mAh, 3),
                "mAh_per_day": round(m.mAh_per_day, 2),
                "sleep_mAh_per_day": round(m.per_phase_mAh.get("sleep", 0.0) / m.days, 2) if m.days else 0.0,
                "battery_days": round(capacity_mAh / m.mAh_per_day, 1) if m.mAh_per_day else None,
                "runs_out": bool(m.mAh_per_day and capacity_mAh / m.mAh_per_day < _month_length(m.month)),
                "photos": round(m.photos),
                "uploads": round(m.uploads),
                "syncs": round(m.syncs),
            }
            for m in yours.months
        ],
        "per_phase_share": {
            phase: round(mAh / total, 4) for phase, mAh in yours.per_phase_mAh().items() if total
        },
        "candidates": tried,
        "best": best,
        "not_tried": skipped,
    }


def _month_length(month: str) -> int:
    first = datetime.strptime(month + "-01", "%Y-%m-%d")
    return ((first + timedelta(days=32)).replace(day=1) - first).days


def text_report(result: dict) -> str:
    """What `python -m sim plan` prints."""
    lines = [
        f"plan: {result['config']}, profile {result['profile']}, battery {result['battery_mAh']:g} mAh, "
        f"from {result['start']} for {result['days']:g} days",
        f"method: {result['method']}",
        f"battery days: {result['battery_days']} (the period's mean, {result['mAh_per_day']:.1f} mAh/day; "
        f"{result['photos']} photos, {result['uploads']} uploads)",
    ]
    if result["empty_inside_period"]:
        lines.append(
            f"a full battery at the start is empty on {result['empty_on']} (day {result['empty_after_days']})"
        )
    else:
        lines.append(
            f"a full battery at the start lasts the period; empty about {result['empty_on']} "
            f"(day {result['empty_after_days']}, at the period's mean rate)"
        )
    lines += ["", "month     days  mAh/day  battery days  photos  uploads  runs out in the month"]
    for m in result["months"]:
        lines.append(
            f"{m['month']}  {m['days']:5.1f}  {m['mAh_per_day']:7.1f}  {m['battery_days'] or '-':>12}"
            f"  {m['photos']:6d}  {m['uploads']:7d}  {'yes' if m['runs_out'] else ''}"
        )
    out_months = [m["month"] for m in result["months"] if m["runs_out"]]
    lines.append(
        "months where a battery charged at the month's start runs out before its end: "
        + (", ".join(out_months) if out_months else "none")
    )
    shares = result["per_phase_share"]
    lines += [
        "",
        "charge per phase: "
        + ", ".join(f"{phase} {share * 100:.1f} %" for phase, share in list(shares.items())[:8]),
    ]
    if shares.get("sleep", 0) > 0.5:
        lines.append(
            f"deep sleep is {shares['sleep'] * 100:.0f} % of the charge: on the Sense board the "
            f"camera's share of it only goes with a load switch (docs/camera-power-switch.md)"
        )
    if result["candidates"]:
        lines += ["", "changes tried (each run the same way):"]
        for row in result["candidates"]:
            lines.append(
                f"  {row['gain_days']:+6.2f} days -> {row['battery_days']:6.1f}  {row['change']}  "
                f"({row['photos_per_day']} photos/day, {row['uploads_per_day']} uploads/day)"
            )
        best = result["best"]
        lines.append(
            f"best change: {best['change']}: {best['battery_days']} battery days "
            f"({best['gain_days']:+.2f}, {best['mAh_per_day']} mAh/day)"
            if best
            else "best change: none of those adds days"
        )
    for note in result["not_tried"]:
        lines.append(f"not tried: {note}")
    return "\n".join(lines) + "\n"


def main(args) -> int:
    options = PlanOptions(
        config=args.config,
        profile=args.profile,
        battery_mAh=args.battery_mAh,
        start=args.start,
        days=args.days,
        out=args.out,
        full=args.full,
        sample_days=args.sample_days,
        warmup_days=args.warmup_days,
        seed=args.seed,
        workers=args.workers,
        try_candidates=not args.no_candidates,
        only=tuple(name for name in args.candidates.split(",") if name),
        progress=not args.quiet,
        keep_runs=args.keep_runs,
        circuitpython=args.circuitpython,
        sensor=args.sensor,
        camera_switch=args.camera_switch,
    )
    result = plan(options)
    print(text_report(result), end="")
    print(f"-> {args.out}/plan.txt, plan.json, plan.png")
    return 0
