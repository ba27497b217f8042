"""Command line: `python -m sim run [options]` (see docs/simulator.md and docs/design.md)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sim.circuitpython import versions
from sim.runner import RunOptions, run
from tools.firmware import FIRMWARE_DIR

SUMMARY_KEYS = (
    "circuitpython",
    "sensor",
    "camera_sleep_state",
    "wakes",
    "scheduled_slots",
    "captures",
    "missed_slots",
    "uploaded",
    "pending",
    "oldest_pending_h",
    "lost_images",
    "duplicate_uploads",
    "upload_batches",
    "time_syncs",
    "supervisor_joins",
    "time_only_joins",
    "crashes",
    "charge_mAh",
    "mean_current_mA",
    "sleep_mA",
    "battery_days",
    "floor_mAh",
    "max_clock_error_s",
    "learned_drift_ppm",
    "nvm_writes",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    runner = commands.add_parser("run", help="run the firmware on one simulated device")
    runner.add_argument("--days", type=float, default=7.0)
    runner.add_argument("--config", type=Path, help="camconfig.toml to install (default: the firmware's)")
    runner.add_argument(
        "--settings",
        type=Path,
        help="your settings.toml: its WiFi and other keys, the local Dropbox's DBX_* keys",
    )
    runner.add_argument("--profile", type=Path, help="power profile TOML (default: profiles/reference.toml)")
    runner.add_argument(
        "--firmware", type=Path, default=FIRMWARE_DIR, help="firmware folder (default: firmware/)"
    )
    runner.add_argument("--seed", type=int, default=1)
    runner.add_argument(
        "--rtc-drift-ppm", type=float, help="mean RTC rate error in deep sleep (default: the profile's)"
    )
    runner.add_argument("--power-cuts", type=int, default=0, help="cut power at N random instants")
    runner.add_argument("--faults", default="", help="faults to inject (see docs/simulator.md)")
    runner.add_argument("--usb", action="store_true", help="USB attached: capture the console")
    runner.add_argument("--start", default="2026-06-01T00:00:00Z", help="virtual UTC start, ISO 8601")
    runner.add_argument("--out", type=Path, default=Path("out"))
    runner.add_argument("--cold-rtc", action="store_true", help="first boot with the RTC at 2000-01-01")
    runner.add_argument("--card-mb", type=float, default=32 * 1024, help="microSD capacity in MB")
    runner.add_argument(
        "--circuitpython",
        default=versions.DEFAULT,
        choices=sorted(versions.SUPPORTED),
        help=f"the CircuitPython release the board runs (default {versions.DEFAULT})",
    )
    runner.add_argument(
        "--sensor",
        default="OV2640",
        choices=("OV2640", "OV3660", "OV5640"),
        help="the camera module on the Sense board (default OV2640, as shipped)",
    )
    runner.add_argument(
        "--camera-switch",
        metavar="PIN",
        help="the board is modified with a load switch on the camera's 3.3 V on PIN "
        "(docs/camera-power-switch.md); the config's camera_power_pin uses it",
    )
    runner.add_argument(
        "--remote-config",
        action="append",
        default=[],
        metavar="PATH@DAY",
        help="put PATH into the camera's Dropbox folder as camconfig.toml on DAY "
        "(from the start, may be fractional); repeatable",
    )
    runner.add_argument("--quiet", action="store_true", help="no progress bar, no summary")
    runner.add_argument(
        "--no-preview",
        action="store_true",
        help="skip preview.gif, contact_sheet.jpg and the current and battery plots",
    )
    runner.add_argument("--battery-mAh", type=float, help="battery capacity (default: the profile's)")
    planner = commands.add_parser("plan", help="how long the battery lasts over a year (sim/plan.py)")
    planner.add_argument("--config", type=Path, help="camconfig.toml (default: the firmware's)")
    planner.add_argument("--profile", type=Path, help="power profile TOML (default: profiles/reference.toml)")
    planner.add_argument("--battery-mAh", type=float, help="battery capacity (default: the profile's)")
    planner.add_argument("--start", default=RunOptions.start, help="virtual UTC start, ISO 8601")
    planner.add_argument("--days", type=float, default=365.0)
    planner.add_argument(
        "--full", action="store_true", help="simulate every day (slow), not a sample a month"
    )
    planner.add_argument("--sample-days", type=int, default=3, help="days simulated per month (default 3)")
    planner.add_argument(
        "--warmup-days",
        type=float,
        default=1.0,
        help="simulated before each sample and not counted (default 1)",
    )
    planner.add_argument("--no-candidates", action="store_true", help="do not try configuration changes")
    planner.add_argument(
        "--candidates",
        default="",
        help="try only these, comma-separated: batch_size, max_delay, frame_size, "
        "night_interval, daylight (default: all that apply)",
    )
    planner.add_argument("--workers", type=int, default=2, help="runs at once (processes)")
    planner.add_argument("--seed", type=int, default=1)
    planner.add_argument("--circuitpython", default=versions.DEFAULT, choices=sorted(versions.SUPPORTED))
    planner.add_argument("--sensor", default="OV2640", choices=("OV2640", "OV3660", "OV5640"))
    planner.add_argument("--camera-switch", metavar="PIN", help="as for `sim run`")
    planner.add_argument("--keep-runs", action="store_true", help="keep each run's photos and cloud")
    planner.add_argument("--out", type=Path, default=Path("out/plan"))
    planner.add_argument("--quiet", action="store_true", help="no progress bar")
    fleet = commands.add_parser("fleet", help="many cameras sharing one Dropbox account (sim/fleet.py)")
    fleet.add_argument("--cameras", type=int, default=10)
    fleet.add_argument("--days", type=float, default=2.0)
    fleet.add_argument("--seed", type=int, default=1)
    fleet.add_argument("--config", type=Path)
    fleet.add_argument("--write-limit", type=int, default=6, help="uploads per minute the account takes")
    fleet.add_argument("--out", type=Path, default=Path("out/fleet"))
    commands.add_parser("bench", add_help=False, help="how fast the simulator runs (sim/bench.py)")
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["bench"]:
        from sim import bench

        return bench.main(argv[1:])
    args = parser.parse_args(argv)
    if args.command == "fleet":
        from sim import fleet as fleet_module

        return fleet_module.main(args)
    if args.command == "plan":
        from sim import plan as plan_module

        return plan_module.main(args)
    options = RunOptions(
        days=args.days,
        config=args.config,
        profile=args.profile,
        firmware=args.firmware.resolve(),
        seed=args.seed,
        rtc_drift_ppm=args.rtc_drift_ppm,
        power_cuts=args.power_cuts,
        faults=args.faults,
        usb=args.usb,
        start=args.start,
        out=args.out,
        cold_rtc=args.cold_rtc,
        card_mb=args.card_mb,
        progress=not args.quiet,
        circuitpython=args.circuitpython,
        settings_file=args.settings,
        sensor=args.sensor,
        camera_switch=args.camera_switch,
        preview=not args.no_preview,
        battery_mAh=args.battery_mAh,
        remote_config=tuple(args.remote_config),
    )
    report = run(options)
    if not args.quiet:
        width = max(map(len, SUMMARY_KEYS))
        print(f"simulated {report['days']:g} days in {report['wall_s']} s -> {args.out}/report.json")
        for key in SUMMARY_KEYS:
            print(f"  {key:<{width}}  {report[key]}")
        if (args.out / "preview.gif").exists():
            print(f"  preview: {args.out}/preview.gif, {args.out}/contact_sheet.jpg")
            print(f"  plots:   {args.out}/current_day.png, {args.out}/battery.png")
        for row in report.get("remote_configs", []):
            outcome = (
                "applied from the wake at %s" % row["applied"]
                if row["accepted"]
                else "rejected: %s" % row["error"]
                if row["fetched"]
                else "not fetched"
            )
            print(
                f"  remote config {row['file']} placed {row['placed']}, fetched {row['fetched']}: {outcome}"
            )
        if report["errors"]:
            print(f"  {'errors':<{width}}  {json.dumps(report['errors'])}")
    return 1 if report["crashes"] else 0


if __name__ == "__main__":
    sys.exit(main())
