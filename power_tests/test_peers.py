"""The peers' baselines (power_tests/baselines/time_leap_cam, espcampicpusher) do on the simulated
board what their sources do, counted by the local cloud and the board: Time Leap Cam joins,
syncs over SNTP and posts one photo at every wake; EspCamPicPusher posts every photo, keeps
none on the card and syncs only when its last sync is a day old. Oracles: the cadence counted
by hand (06:00-12:00 local every 10 minutes: 36 slots) and the delays written in the sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from power_tests.compare import BASELINES, compare
from sim.runner import RunOptions, run

START = "2026-06-01T05:00:00Z"  # 06:00 local (UTC+1), the first day slot
SLOTS = 36  # 06:00, 06:10, ... 11:50 local


def _run(tmp_path: Path, name: str, days: float = (6 * 3600 - 300) / 86400) -> dict:
    """From 06:00 to 11:55 local: the end falls between slots, whichever way the RTC drifts."""
    return run(
        RunOptions(days=days, start=START, firmware=BASELINES / name, out=tmp_path / name, progress=False)
    )


def test_time_leap_cam_joins_syncs_and_posts_one_photo_at_every_wake(tmp_path: Path) -> None:
    report = _run(tmp_path, "time_leap_cam")
    cloud = report["cloud"]
    assert report["wakes"] == SLOTS
    assert report["captures"] == report["uploaded"] == cloud["upload"] == SLOTS
    assert report["wifi_connects"] == SLOTS  # a join at every wake
    assert cloud["ntp"] == SLOTS  # and an SNTP exchange
    assert report["tls_handshakes"] == cloud["upload"] + cloud["token"]  # a new connection per post
    assert report["camera_sleep_state"] == "deinit_only"
    assert report["crashes"] == 0 and report["lost_images"] == 0


def test_espcampicpusher_posts_every_photo_and_syncs_only_when_a_day_old(tmp_path: Path) -> None:
    report = _run(tmp_path, "espcampicpusher")
    cloud = report["cloud"]
    assert report["wakes"] == cloud["upload"] == SLOTS
    assert report["captures"] == 0  # no copy on the card
    assert report["wifi_connects"] == SLOTS
    assert cloud["ntp"] == 1  # the first wake only: none is a day old yet
    # setupSerial 1 s, blinkLED(3, 200) 1.2 s, warm-up 0.4 + 0.5 s, blinkLED(2, 100) 0.4 s, 0.2 s
    assert report["awake_s"]["network"]["mean"] > 3.7
    assert report["crashes"] == 0


@pytest.mark.slow
def test_espcampicpusher_syncs_again_after_a_day(tmp_path: Path) -> None:
    report = _run(tmp_path, "espcampicpusher", days=1.1)
    assert report["cloud"]["ntp"] == 2


@pytest.mark.slow
def test_the_comparison_has_a_row_per_peer(tmp_path: Path) -> None:
    rows = {row["firmware"]: row for row in compare(0.2, None, None, tmp_path, seed=1)}
    for peer in ("Time Leap Cam", "EspCamPicPusher"):
        assert rows[peer]["uploaded"] > 0
        assert rows[peer]["mAh_per_day"] > rows["ours"]["mAh_per_day"]
        assert rows[peer]["battery_days"] < rows["ours"]["battery_days"]
    assert "| Time Leap Cam |" in (tmp_path / "compare.md").read_text()
