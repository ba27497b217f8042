"""The PPK2 harness reading the simulator: a wake of our firmware (marker pin on) turned into the
PPK2's 100 kS/s current and logic channels must split into the firmware's phases and add up to
what the simulator's meter charged. Both sides of the marker protocol are checked at once: the
firmware's timelapse/marker.py and the harness's decoder."""

from __future__ import annotations

import numpy as np
import pytest

from power_tests.ppk2 import Settings, analyse
from sim.cloud import LocalDropbox
from sim.device import Device
from sim.network import Network
from sim.profile import load_profile
from sim.runner import install_firmware, live_once, parse_start
from tools.firmware import FIRMWARE_DIR

RATE = 100_000
MARKER_GPIO = 2  # board.D1 on the simulated XIAO
MARGIN_S = 0.3  # deep sleep kept on each side of the wake


def ppk2_channels(device: Device, start: float, end: float) -> tuple[np.ndarray, np.ndarray]:
    """What a PPK2 would record from `start` to `end`: current (uA) and logic bits (D0 = marker)."""
    n = int((end - start) * RATE)
    current = np.zeros(n, dtype=np.float64)
    for begin, seconds, mA, _ in device.meter.trace:
        a, b = int(round((begin - start) * RATE)), int(round((begin + seconds - start) * RATE))
        if b > 0 and a < n:
            current[max(a, 0) : min(b, n)] = mA * 1000
    digital = np.zeros(n, dtype=np.uint8)
    level, since = 0, 0
    for t, gpio, value in device.pin_edges:
        if gpio != MARKER_GPIO:
            continue
        at = min(max(int(round((t - start) * RATE)), 0), n)
        digital[since:at] = level
        level, since = int(value), at
    digital[since:] = level
    return current, digital


@pytest.fixture(scope="module")
def board(tmp_path_factory) -> Device:
    """Our firmware with `marker_pin = "D1"`, up to its first upload wake."""
    home = tmp_path_factory.mktemp("marked")
    config = home / "camconfig.toml"
    config.write_text(
        (FIRMWARE_DIR / "camconfig.toml").read_text().replace("[power]\n", '[power]\nmarker_pin = "D1"\n')
    )
    network = Network()
    (home / "device").mkdir()
    install_firmware(FIRMWARE_DIR, home / "device", config, network)
    start = parse_start("2026-06-02T05:00:00Z")
    device = Device(home / "device", load_profile(), start_utc=start, network=network)
    with LocalDropbox(home / "cloud", network, clock=lambda: device.clock.true, delay=device.server_delay):
        while not any(r.uploads for r in device.wake_records[2:]):
            live_once(device, start + 86400)
    return device


@pytest.mark.parametrize("which", ["capture", "upload"])
def test_the_harness_splits_a_simulated_wake_as_the_meter_charged_it(board: Device, which: str) -> None:
    records = board.wake_records
    record = records[-1] if which == "upload" else records[-2]
    assert (record.uploads > 0) == (which == "upload")
    current, digital = ppk2_channels(board, record.start - MARGIN_S, record.start + record.awake_s + MARGIN_S)
    report = analyse(current, digital, Settings(rate_hz=RATE))
    assert report["wakes"] == 1 and report["complete_wakes"] == 1
    phases = report["per_phase_mAh"]
    awake_mAh = sum(mAh for phase, mAh in phases.items() if phase not in ("sleep", "sleep_entry"))
    assert awake_mAh == pytest.approx(record.charge_mAs / 3600, rel=0.01)
    assert report["awake_s"][("network" if which == "upload" else "capture")]["mean"] == pytest.approx(
        record.awake_s, abs=0.01
    )
    expected = {"boot", "config", "camera", "card", "work"} | (
        {"wifi", "upload", "sync"} if which == "upload" else set()
    )
    assert expected <= set(phases), phases
    assert report["sleep_mA"] == pytest.approx(board.sleep_mA(), rel=0.01)
