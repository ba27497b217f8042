"""Many cameras, one Dropbox account: `python -m sim fleet --cameras 10 --days 2`.

Every camera runs our firmware on its own simulated board (own card, clock, seed and camera id
CAM01, CAM02, ...), all of them uploading into one local Dropbox app folder, which answers
writes beyond `--write-limit` per minute with 429 too_many_write_operations, as Dropbox does
under write contention. The boards are interleaved in true time: the one furthest behind runs
next. Writes report.json (per camera and in all) under --out.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from pathlib import Path

from sim import judge
from sim.cloud import CloudFaults, LocalDropbox
from sim.device import Device, dump_json
from sim.network import Network
from sim.profile import load_profile
from sim.runner import (
    RunOptions,
    build_report,
    camera_site,
    install_firmware,
    live_once,
    parse_start,
    still_running,
)
from tools.firmware import FIRMWARE_DIR


def run_fleet(
    cameras: int,
    days: float,
    out: Path,
    seed: int = 1,
    config: Path | None = None,
    write_limit_per_min: int = 6,
    start: str = RunOptions.start,
) -> dict:
    out = Path(out).resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    profile = load_profile(None)
    network = Network()
    first, end = parse_start(start), parse_start(start) + days * 86400
    text = (config or FIRMWARE_DIR / "camconfig.toml").read_text()
    current: list[Device] = []
    cloud = LocalDropbox(
        out / "cloud",
        network,
        clock=lambda: current[0].clock.true,
        delay=lambda seconds: current[0].server_delay(seconds),
        faults=CloudFaults(seed=seed, write_limit_per_min=write_limit_per_min),
    )
    devices, rng = [], random.Random(seed)
    for n in range(1, cameras + 1):
        folder = out / f"cam{n:02d}"
        (folder / "device").mkdir(parents=True)
        (folder / "camconfig.toml").write_text(
            re.sub(r'(?m)^id = ".*?"', f'id = "CAM{n:02d}"', text, count=1)
        )
        install_firmware(FIRMWARE_DIR, folder / "device", folder / "camconfig.toml", network)
        # Switched on within the first minutes, as an installer goes from pole to pole.
        device = Device(
            folder / "device",
            profile,
            start_utc=first + rng.uniform(0, 600),
            seed=seed * 100 + n,
            network=network,
            label=f"CAM{n:02d}",
            site=camera_site(folder / "camconfig.toml"),
        )
        device.run_end = end + 300
        device.after_wake.append(judge.Syncs())
        devices.append(device)
    with cloud:
        while True:
            running = [d for d in devices if still_running(d, end)]
            if not running:
                break
            current[:] = [min(running, key=lambda d: d.clock.true)]
            if not live_once(current[0], end):
                current[0].clock.true = end
    reports = {}
    for n, device in enumerate(devices, 1):
        options = RunOptions(days=days, seed=seed * 100 + n, start=start, out=device.folder.parent)
        reports[f"CAM{n:02d}"] = build_report(device, options, profile, first, end, out / "cloud")
        (device.folder.parent / "console.txt").write_text(device.console.getvalue())
    keys = ("captures", "uploaded", "pending", "lost_images", "duplicate_uploads", "crashes")
    fleet = {key: sum(r[key] for r in reports.values()) for key in keys}
    fleet["cloud"] = dict(sorted(cloud.stats.items()))
    fleet["cameras"] = reports
    dump_json(out / "report.json", fleet)
    return fleet


def main(args) -> int:
    fleet = run_fleet(args.cameras, args.days, args.out, args.seed, args.config, args.write_limit)
    print(json.dumps({k: v for k, v in fleet.items() if k != "cameras"}, indent=1))
    return 1 if fleet["lost_images"] or fleet["duplicate_uploads"] or fleet["crashes"] else 0
