"""`python -m power_tests compare`: ours against the baselines on one scenario, and the floor.

Each firmware runs on the same simulated board, profile and scenario (`sim.runner.run`); the
table gives mAh per day, battery days, the ratio to ours and to the floor, and the camera's
state in deep sleep (the largest single term on this board, docs/design.md, Power), with a line
for our firmware with its sleep-state write removed to show what that one step is worth, and with
--savings a line for each other saving taken out (fast reconnect, config cache, time from
upload answers, token kept until it expires) and for each feature that costs charge taken out
(status.json and the remote camconfig.toml after each batch), with what that feature costs per
batch and per day.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from sim.runner import RunOptions, run
from tools.firmware import FIRMWARE_DIR

BASELINES = Path(__file__).resolve().parent / "baselines"

# One saving of our firmware taken out at a time: file -> [(the line that makes it, stand-in)].
SAVINGS = {
    "camera sleep state": (
        "timelapse/camera.py",
        [
            (
                "                sensor.left_in(hot, _leave(i2c, cam, found, report))\n",
                '                sensor.left_in(hot, "deinit_only")\n',
            )
        ],
    ),
    "WiFi fast reconnect": ("timelapse/network.py", [('    hint = hot["wifi"]\n', "    hint = None\n")]),
    "config cache": (
        "timelapse/cycle.py",
        [  # read, import the parser and parse at every wake
            (
                "            key = [stat[6], stat[8]]\n",
                "            key = [stat[6], stat[8]]\n            conf.seen(hot, None)\n",
            ),
            ("        if conf.same_text(durable, fingerprint):\n", "        if False:\n"),
        ],
    ),
    "time from upload answers": (
        "timelapse/online.py",
        [("    sample = client.date_sample() if client is not None else None\n", "    sample = None\n")],
    ),
    "token kept until it expires": (
        "timelapse/dropbox.py",
        [
            (
                "        if not auth.token(durable) or auth.expiry(durable) - utc < REFRESH_MARGIN_S:\n",
                "        if True:\n",
            )
        ],
    ),
}


# Features of ours that cost charge, taken out one at a time: file -> [(line, stand-in)].
FEATURES = {
    "status.json and remote config": (
        "timelapse/online.py",
        [  # docs/status.md
            (
                "                after_batch(state, cfg, client, deadline, utc + sleep_s, error, phase)\n",
                "                pass\n",
            )
        ],
    ),
}


def without(saving: str, target: Path) -> Path:
    """A copy of our firmware with one saving (or feature) taken out."""
    shutil.copytree(FIRMWARE_DIR, target, ignore=shutil.ignore_patterns("__pycache__"))
    name, edits = SAVINGS[saving] if saving in SAVINGS else FEATURES[saving]
    path = target / name
    text = path.read_text()
    for line, stand_in in edits:
        if line not in text:
            raise SystemExit(f"{path}: the line that makes the saving {saving!r} was not found")
        text = text.replace(line, stand_in)
    path.write_text(text)
    return target


def _run(job: tuple[str, dict]) -> tuple[str, dict]:
    label, options = job
    report = run(RunOptions(**options))
    return label, report


def compare(
    days: float,
    config: Path | None,
    profile: Path | None,
    out: Path,
    seed: int,
    workers: int = 2,
    savings: bool = False,
    sensor: str = "OV2640",
    camera_switch: str | None = None,
) -> list[dict]:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        firmwares = {  # label: (firmware folder, run folder under `out`)
            "ours": (FIRMWARE_DIR, "ours"),
            "ours, camera only deinitialised": (
                without("camera sleep state", Path(scratch) / "a"),
                "ours_no_standby",
            ),
            "naive": (BASELINES / "naive", "naive"),
            "always_on": (BASELINES / "always_on", "always_on"),
            # Peers users pick instead (power_tests/baselines/README.md, with their sources).
            "Time Leap Cam": (BASELINES / "time_leap_cam", "time_leap_cam"),
            "EspCamPicPusher": (BASELINES / "espcampicpusher", "espcampicpusher"),
        }
        if savings:
            for n, saving in enumerate(list(SAVINGS)[1:]):
                firmwares[f"ours without {saving}"] = (
                    without(saving, Path(scratch) / f"s{n}"),
                    f"ours_without_{n}",
                )
            for n, feature in enumerate(FEATURES):
                firmwares[f"ours without {feature}"] = (
                    without(feature, Path(scratch) / f"f{n}"),
                    f"ours_without_feature_{n}",
                )
        jobs = [
            (
                label,
                {
                    "days": days,
                    "config": config,
                    "profile": profile,
                    "firmware": firmware,
                    "seed": seed,
                    "out": out / folder,
                    "progress": False,
                    "preview": False,
                    "sensor": sensor,
                    "camera_switch": camera_switch,
                },
            )
            for label, (firmware, folder) in firmwares.items()
        ]
        with ProcessPoolExecutor(max_workers=workers) as pool:
            reports = dict(pool.map(_run, jobs))
    ours = reports["ours"]
    # Rates per day the board lived: a firmware that empties the battery stops early.
    ours_days = ours.get("ended_day") or days
    ours_per_day, floor_per_day = ours["charge_mAh"] / ours_days, ours["floor_mAh"] / ours_days
    rows = []
    for label, report in reports.items():
        per_day = report["charge_mAh"] / (report.get("ended_day") or days)
        emptied = report.get("ended", "end of run") != "end of run"
        rows.append(
            {
                "firmware": label,
                "camera_in_sleep": report["camera_sleep_state"] or "(never sleeps)",
                "sleep_mA": report["sleep_mA"] if report["camera_sleep_state"] else None,
                "mAh_per_day": round(per_day, 2),
                "battery_days": report["battery_days"],
                "x_ours": round(per_day / ours_per_day, 2),
                "x_floor": round(per_day / floor_per_day, 2),
                "ended": "day %g: %s" % (report["ended_day"], report["ended"]) if emptied else "",
                "captures": report["captures"],
                # A firmware that keeps no copy on the card (EspCamPicPusher): what the cloud took.
                "uploaded": report["uploaded"] if report["captures"] else report["cloud"].get("upload", 0),
                "lost_images": report["lost_images"],
            }
        )
    rows.append(
        {
            "firmware": "floor (least any firmware could spend)",
            "camera_in_sleep": ours["floor_camera_state"],
            "sleep_mA": None,
            "mAh_per_day": round(floor_per_day, 2),
            "battery_days": round(ours["battery_mAh"] / floor_per_day, 1),
            "x_ours": round(floor_per_day / ours_per_day, 2),
            "x_floor": 1.0,
            "ended": "",
            "captures": ours["captures"],
            "uploaded": ours["uploaded"],
            "lost_images": 0,
        }
    )
    costs = {
        feature: feature_cost(ours, reports[f"ours without {feature}"], days)
        for feature in FEATURES
        if f"ours without {feature}" in reports
    }
    if costs:
        (out / "feature_costs.json").write_text(json.dumps(costs, indent=2) + "\n")
    (out / "compare.json").write_text(json.dumps(rows, indent=2) + "\n")
    (out / "compare.md").write_text(markdown(rows))
    return rows


def awake_total_s(report: dict) -> float:
    return sum(kind["count"] * kind["mean"] for kind in report["awake_s"].values())


def feature_cost(ours: dict, bare: dict, days: float) -> dict:
    """What a feature costs: ours against ours without it, per upload batch and per day."""
    batches = ours["upload_batches"] or 1
    extra_mAh = ours["charge_mAh"] - bare["charge_mAh"]
    return {
        "batches_per_day": round(ours["upload_batches"] / days, 2),
        "bytes_up_per_batch": round((ours["bytes_up"] - bare["bytes_up"]) / batches),
        "requests_per_batch": round((ours["http_requests"] - bare["http_requests"]) / batches, 2),
        "tls_handshakes_extra": ours["tls_handshakes"] - bare["tls_handshakes"],
        "awake_ms_per_batch": round((awake_total_s(ours) - awake_total_s(bare)) * 1000 / batches),
        "uAh_per_batch": round(extra_mAh * 1000 / batches, 1),
        "mAh_per_day": round(extra_mAh / days, 3),
        "percent_of_total": round(100 * extra_mAh / ours["charge_mAh"], 2),
    }


COLUMNS = (
    ("firmware", "firmware"),
    ("camera_in_sleep", "camera in deep sleep"),
    ("sleep_mA", "sleep mA"),
    ("mAh_per_day", "mAh/day"),
    ("battery_days", "battery days"),
    ("x_ours", "x ours"),
    ("x_floor", "x floor"),
    ("uploaded", "uploaded"),
    ("lost_images", "lost"),
    ("ended", "battery empty"),
)


def markdown(rows: list[dict]) -> str:
    lines = ["| " + " | ".join(title for _, title in COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        lines.append(
            "| " + " | ".join("" if row[key] is None else str(row[key]) for key, _ in COLUMNS) + " |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m power_tests compare", description=__doc__)
    parser.add_argument("--days", type=float, default=30.0)
    parser.add_argument("--config", type=Path, help="camconfig.toml (default: the shipped one)")
    parser.add_argument("--profile", type=Path, help="power profile (default: profiles/reference.toml)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("out/compare"))
    parser.add_argument(
        "--sensor",
        default="OV2640",
        choices=("OV2640", "OV3660", "OV5640"),
        help="the camera module of the simulated board (python -m sim run --sensor)",
    )
    parser.add_argument(
        "--camera-switch",
        metavar="PIN",
        help="the board has a load switch on the camera's 3.3 V on PIN (give a --config "
        "with [power] camera_power_pin)",
    )
    parser.add_argument(
        "--savings",
        action="store_true",
        help="also run ours with each of its other savings taken out, one at a time",
    )
    args = parser.parse_args(argv)
    rows = compare(
        args.days,
        args.config,
        args.profile,
        args.out,
        args.seed,
        savings=args.savings,
        sensor=args.sensor,
        camera_switch=args.camera_switch,
    )
    sys.stdout.write(markdown(rows))
    costs = args.out / "feature_costs.json"
    if args.savings and costs.exists():
        for feature, cost in json.loads(costs.read_text()).items():
            print(f"\ncost of {feature}: " + ", ".join(f"{k} {v}" for k, v in cost.items()))
    print(
        f"\n{args.days:g} simulated days each, sensor {args.sensor}"
        f"{', camera switch on ' + args.camera_switch if args.camera_switch else ''}; runs in {args.out}/"
    )
    return 0
