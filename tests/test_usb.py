"""Over USB: the state dump on the console, the host reader, fake deep sleep, maintenance mode,
deployment to a drive."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sim.cloud import LocalDropbox
from sim.device import Device
from sim.network import Network
from sim.profile import load_profile
from sim.runner import install_firmware, parse_start
from tools import dump
from tools.deploy import deploy
from tools.firmware import FIRMWARE_DIR, ROOT

SECRETS = [Network().password, "sim-app-secret", "sim-refresh-token"]


def test_usb_dump_matches_the_report_and_leaks_no_secret(simulate) -> None:
    report, out = simulate(days=0.5, usb=True)
    console = (out / "console.log").read_text()
    dumps = dump.from_console(console)
    assert len(dumps) == report["wakes"] > 10
    last = dumps[-1]
    assert last["counters"]["captured"] == report["captures"]
    assert last["counters"]["wakes_since_power_on"] == report["wakes"]
    assert last["queue"]["length"] == report["pending"]
    # USB's fake deep sleep keeps the schedule and the counters whole.
    assert report["captures"] == report["scheduled_slots"] and report["missed_slots"] == 0
    assert report["per_phase_mAh"]["usb_fake_sleep"] > 0 and "sleep" not in report["per_phase_mAh"]
    for path in [
        out / "console.log",
        out / "events.jsonl",
        out / "report.json",
        *(out / "device" / "sd").rglob("*"),
    ]:
        if path.is_file():
            data = path.read_bytes()
            for secret in SECRETS:
                assert secret.encode() not in data, (secret, path)


def test_host_reader_decodes_the_memory_images(simulate) -> None:
    report, out = simulate(days=0.3)
    facts = dump.from_device(out / "device")
    assert facts["counters"]["captured"] == report["captures"]
    assert facts["counters"]["wakes_since_power_on"] == report["wakes"]
    assert facts["problems"] == [] and facts["camera"] == "CAM1"
    shown = subprocess.run(
        [sys.executable, "-m", "tools.dump", "--device", str(out / "device"), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(shown.stdout)["counters"] == facts["counters"]
    table = subprocess.run(
        [sys.executable, "-m", "tools.dump", "--device", str(out / "device")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"counters.captured              {report['captures']}" in table


def test_host_reader_reads_a_saved_log(simulate, tmp_path: Path) -> None:
    report, out = simulate(days=0.2, usb=True)
    shown = subprocess.run(
        [sys.executable, "-m", "tools.dump", "--log", str(out / "console.log"), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(shown.stdout)["counters"]["captured"] == report["captures"]


def test_maintenance_mode_is_bounded_and_ends_in_deep_sleep(tmp_path: Path) -> None:
    folder = tmp_path / "device"
    folder.mkdir()
    network = Network()
    install_firmware(FIRMWARE_DIR, folder, None, network)
    (folder / "maintenance").write_text("")
    start = parse_start("2026-06-01T10:00:00Z")
    device = Device(folder, load_profile(), start_utc=start, usb=True, network=network)
    with LocalDropbox(tmp_path / "cloud", network, clock=lambda: device.clock.true) as cloud:
        outcome, _ = device.wake()
    console = device.console.getvalue()
    assert outcome == "sleep", console
    assert "maintenance: WiFi joined sim-field-ap" in console
    assert "maintenance: Dropbox accepted the credentials" in console and cloud.stats["token"] == 1
    assert console.count("=== timelapse state ===") >= 100  # every 5 s for 10 minutes
    assert 600 <= device.clock.monotonic < 700


def test_deploy_keeps_the_users_files(tmp_path: Path) -> None:
    drive = tmp_path / "CIRCUITPY"
    drive.mkdir()
    (drive / "boot_out.txt").write_text("Adafruit CircuitPython 9.2.7")
    (drive / "camconfig.toml").write_text("# mine\n")
    (drive / "settings.toml").write_text('CIRCUITPY_WIFI_SSID = "home"\n')
    done = deploy(drive)
    assert (drive / "code.py").read_text() == (FIRMWARE_DIR / "code.py").read_text()
    assert (drive / "timelapse" / "cycle.py").exists() and (drive / "state" / "store.py").exists()
    assert not (drive / "state" / "dump.py").exists()
    assert (drive / "camconfig.toml").read_text() == "# mine\n"
    assert "kept your camconfig.toml" in done and "kept your settings.toml" in done
    deploy(drive, replace_config=True)
    assert (drive / "camconfig.toml").read_text() == (FIRMWARE_DIR / "camconfig.toml").read_text()
