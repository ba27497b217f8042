"""`python -m power_tests ppk2`: measure with a PPK2, or analyse a saved trace, and write
OUT/report.json, OUT/wakes.jsonl, OUT/calibration.json and (when measuring) OUT/trace.npz."""

from __future__ import annotations

import argparse
import json
import tomllib
from collections.abc import Callable
from pathlib import Path

from power_tests.ppk2.acquire import acquire, open_ppk2
from power_tests.ppk2.analysis import Analyser, calibrate_profile
from power_tests.ppk2.decode import Settings
from power_tests.ppk2.trace import TraceWriter, analyse_trace

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PROFILE = ROOT / "profiles" / "reference.toml"


def write_results(
    out: Path,
    analyser: Analyser,
    profile: dict | None,
    sensor: str = "OV2640",
    camera_state: str = "soft_reset",
) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    report = analyser.finish()
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    with open(out / "wakes.jsonl", "w") as handle:
        for wake in analyser.wake_dicts():
            handle.write(json.dumps(wake) + "\n")
    calibration = calibrate_profile(report, profile, sensor, camera_state)
    (out / "calibration.json").write_text(json.dumps(calibration, indent=2) + "\n")
    return report


def summary(report: dict) -> str:
    lines = [
        f"{report['duration_s']:.1f} s recorded, {report['wakes']} wakes "
        f"({report['partial_wakes']} partial): {report['charge_mAh']:.4f} mAh, "
        f"mean {report['mean_current_mA']:.3f} mA, deep sleep {report['sleep_mA']:.3f} mA, "
        f"{report['battery_days']} battery days on {report['battery_mAh']:g} mAh"
    ]
    for kind, awake in report["awake_s"].items():
        lines.append(
            f"  {kind} wakes: {awake['count']}, awake {awake['mean']:.3f} s mean, {awake['max']:.3f} s max"
        )
    for name, mAh in report["per_phase_mAh"].items():
        lines.append(f"  {name:12s} {mAh:10.6f} mAh  {report['per_phase_s'][name]:10.3f} s")
    lines += ["warning: " + w for w in report["warnings"][:5]]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m power_tests ppk2",
        description="Measure the board with a PPK2 (or analyse a saved trace) into a "
        "simulator-shaped power report.",
    )
    parser.add_argument("--port", help="the PPK2's serial port (default: the first PPK2 found)")
    parser.add_argument("--seconds", type=float, help="record this long")
    parser.add_argument("--wakes", type=int, help="record until this many complete wakes")
    parser.add_argument("--out", type=Path, default=Path("out/ppk2"))
    parser.add_argument("--trace", type=Path, help="analyse this saved trace (.npz); no hardware")
    parser.add_argument(
        "--no-save-trace",
        action="store_true",
        help="do not keep the raw trace (5 bytes a sample, 1.8 GB an hour)",
    )
    parser.add_argument("--voltage", type=float, default=3.8, help="source voltage, V (battery)")
    parser.add_argument("--battery-mAh", type=float, default=3000.0)
    parser.add_argument(
        "--wake-mA",
        type=float,
        default=Settings.wake_mA,
        help="awake above this current (between deep sleep and boot)",
    )
    parser.add_argument("--marker-channel", type=int, default=0, help="PPK2 logic input (D0..D7)")
    parser.add_argument(
        "--profile", type=Path, default=DEFAULT_PROFILE, help="reference power profile for calibration.json"
    )
    parser.add_argument("--sensor", default="OV2640", help="the camera module fitted (for calibration.json)")
    parser.add_argument(
        "--camera-state",
        default="soft_reset",
        help="the state the firmware leaves the camera in: soft_reset (OV2640), standby "
        "(OV3660, OV5640), off (camera_power_pin); see the state dump's sensor line",
    )
    parser.add_argument("--leave-on", action="store_true", help="keep the board powered at the end")
    args = parser.parse_args(argv)
    if args.trace is None and args.seconds is None and args.wakes is None:
        parser.error("give --seconds or --wakes (or --trace to analyse a saved trace)")
    return args


def main(argv: list[str] | None = None, ppk2_factory: Callable = open_ppk2) -> int:
    args = parse_args(argv)
    settings = Settings(
        wake_mA=args.wake_mA, marker_channel=args.marker_channel, battery_mAh=args.battery_mAh
    )
    profile = tomllib.loads(args.profile.read_text()) if args.profile.is_file() else None
    if args.trace is not None:
        analyser = analyse_trace(args.trace, settings)
    else:
        source_mV = round(args.voltage * 1000)
        analyser = Analyser(settings)
        writer = (
            None if args.no_save_trace else TraceWriter(args.out / "trace.npz", settings.rate_hz, source_mV)
        )
        ppk2 = ppk2_factory(args.port)
        try:
            acquire(
                ppk2,
                analyser,
                source_mV=source_mV,
                seconds=args.seconds,
                wakes=args.wakes,
                writer=writer,
                leave_on=args.leave_on,
            )
        finally:
            if writer is not None:
                writer.close()
    report = write_results(args.out, analyser, profile, args.sensor, args.camera_state)
    print(summary(report))
    print(
        f"written: {args.out}/report.json, wakes.jsonl, calibration.json"
        + ("" if args.trace is not None or args.no_save_trace else ", trace.npz")
    )
    return 0
