"""Uploads and time on the simulator against the local Dropbox: faults, costs, cold starts."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tools.firmware import FIRMWARE_DIR

SHIPPED = (FIRMWARE_DIR / "camconfig.toml").read_text()
FAULT_MIX = "expired_token,rate_limit,server_error,drop,slow,ap_down@2-3"


def events(out: Path, kind: str) -> list[dict]:
    rows = (json.loads(line) for line in (out / "events.jsonl").read_text().splitlines())
    return [row for row in rows if row["kind"] == kind]


@pytest.mark.slow
def test_a_week_of_faults_loses_nothing_and_uploads_nothing_twice(simulate) -> None:
    report, out = simulate(days=7, faults=FAULT_MIX)
    cloud = report["cloud"]
    for fault in ("drop", "drop_committed", "expire_token", "rate_limit", "server_error", "slow"):
        assert cloud[f"fault:{fault}"] > 0, fault  # each fault really happened
    assert report["errors"]["wifi"] >= 1  # the day without the access point
    assert report["lost_images"] == 0 and report["duplicate_uploads"] == 0 and report["crashes"] == 0
    # Every photo is in Dropbox byte for byte (the census compares digests), but those of the
    # last hours, which wait for the next batch on the card: the queue is the tail.
    assert report["uploaded"] + report["pending"] == report["captures"]
    assert report["pending"] <= 20
    renamed = {Path(r["was"]).name: Path(r["name"]).name for r in events(out, "rename")}  # restamped
    captured = [Path(c["name"]).name for c in events(out, "capture")]
    captured = [renamed.get(name, name) for name in captured]
    in_cloud = {p.name for p in (out / "cloud").rglob("*.jpg")}
    assert in_cloud == set(captured[: len(captured) - report["pending"]])
    # No wake outlives its budget: 40 s of network plus the capture before it.
    assert report["awake_s"]["capture+network"]["max"] <= 40 + 5


def test_a_batch_costs_one_join_one_handshake_per_host_one_request_per_photo(simulate) -> None:
    report, out = simulate(days=1, start="2026-06-02T00:00:00Z")
    batches = [e for e in events(out, "network") if e["uploads"] >= 6]
    assert len(batches) >= 10
    for batch in batches:
        assert batch["joins"] == 1
        assert batch["tls_handshakes"] <= 2  # content host, and api when refreshing
        refreshes = batch["tls_handshakes"] - 1
        # + the remote camconfig.toml check and status.json (docs/status.md)
        assert batch["http_requests"] == batch["uploads"] + refreshes + 2
    assert report["cloud"]["token"] <= 5  # 4 h tokens, refreshed only when due
    per_image = report["per_uploaded_image"]
    assert per_image["http_requests"] < 1.1 + 2 / per_image["batch_size"]


def test_a_revoked_refresh_token_stops_uploads_not_captures(simulate) -> None:
    report, out = simulate(days=2, faults="revoked@0.5-9")
    assert report["cloud"]["token_refused"] == 1  # asked once, then never again
    assert report["errors"]["auth"] == 1
    assert report["captures"] == report["scheduled_slots"] and report["lost_images"] == 0
    assert report["pending"] > 50


def test_a_full_account_is_retried_daily_not_every_wake(simulate) -> None:
    report, out = simulate(days=3, faults="full@0.4-9")
    assert 1 <= report["errors"]["dropbox_full"] <= 4
    assert report["lost_images"] == 0 and report["crashes"] == 0


def test_a_cold_start_without_network_captures_then_dates_photos_once_synced(simulate) -> None:
    report, out = simulate(days=1, cold_rtc=True, faults="ap_down@0-0.25")
    names = [e["name"] for e in events(out, "capture")]
    undated = [n for n in names if n.count("_") == 1]
    # Every 10 min while the time is unknown; joins back off 10, 20, 40, 80, 120 min: the AP,
    # back after 6 h, is found at 6.5 h.
    assert 30 <= len(undated) <= 40
    assert names[: len(undated)] == undated  # ... then dated, for good
    assert report["lost_images"] == 0 and report["crashes"] == 0
    assert report["max_clock_error_s"] <= 5
    assert report["missed_slots"] <= 1


def test_a_relative_out_folder_keeps_the_cloud_outside_the_device(tmp_path, monkeypatch) -> None:
    """The board's wakes run in the device folder: the local Dropbox must not follow them."""
    from sim.runner import RunOptions, run

    monkeypatch.chdir(tmp_path)
    report = run(RunOptions(days=0.25, out=Path("out"), start="2026-06-02T06:00:00Z", progress=False))
    assert report["uploaded"] > 0
    assert list((tmp_path / "out" / "cloud").rglob("*.jpg"))
    assert not (tmp_path / "out" / "device" / "out").exists()


@pytest.mark.parametrize("service", ["timeapi.io", "Adafruit IO"])
def test_timezone_in_settings_takes_the_offset_from_the_time_service(simulate, service: str) -> None:
    """camconfig says UTC+1; TIMEZONE = "Europe/Amsterdam" is UTC+2 in June (summer time): once
    a time service said so, photos are named and scheduled in summer time."""
    keys = (
        'ADAFRUIT_AIO_USERNAME = "cam"\nADAFRUIT_AIO_KEY = "sim-aio-key"\n'
        if service == "Adafruit IO"
        else ""
    )
    report, out = simulate(
        days=1, settings='TIMEZONE = "Europe/Amsterdam"\n' + keys, start="2026-06-02T00:00:00Z"
    )
    assert report["cloud"]["time_https"] == 1  # asked once a day
    captures = events(out, "capture")
    for capture in captures[-20:]:
        utc_hour = int(capture["t"][11:13])
        named_hour = int(capture["name"][-10:-8])
        assert named_hour == (utc_hour + 2) % 24, capture
    assert report["lost_images"] == 0 and report["crashes"] == 0
    assert report["missed_slots"] <= 3  # the report judges the schedule in the zone's offset


def test_a_daily_photo_outside_the_upload_window_is_uploaded_when_the_window_opens(simulate) -> None:
    """interval = "1d" puts every photo at local midnight, outside a 07:00-19:00 window: the
    camera wakes when the window opens and uploads it, instead of keeping it for ever."""
    daily = SHIPPED.replace('interval = "10m"', 'interval = "1d"')
    daily = "\n".join(
        line for line in daily.splitlines() if not line.startswith(("active_hours", "night_interval"))
    )
    assert 'window = ["07:00", "19:00"]' in daily and 'interval = "1d"' in daily
    report, out = simulate(daily, days=4)
    captured = events(out, "capture")
    assert len(captured) == report["captures"] >= 3
    in_cloud = sorted(out.glob("cloud/**/*.jpg"))
    # Every photo but one taken within the last 7 h (before the next 07:00 local) is in Dropbox.
    assert report["uploaded"] == len(in_cloud) >= report["captures"] - 1
    assert report["lost_images"] == 0 and report["duplicate_uploads"] == 0
    for upload_wake in (e for e in events(out, "network") if e["uploads"]):
        true_utc = datetime.fromisoformat(upload_wake["t"])
        local = true_utc + timedelta(hours=1)  # utc_offset = "+01:00"
        assert time(7, 0) <= local.time() < time(7, 5), upload_wake


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02}:{minutes % 60:02}"


_DAY_MINUTES = st.integers(0, 47).map(lambda half_hours: 30 * half_hours)


@st.composite
def _schedules(draw: st.DrawFn) -> tuple[str, int]:
    """The shipped camconfig.toml with a random cadence and upload policy, and max_delay in s."""
    replaced = {
        # at most 24 photos a day: one wake's awake budget sends them all (30 in 40 s)
        "interval": f'interval = "{draw(st.sampled_from(["1h", "3h", "6h", "12h", "1d"]))}"',
        "night_interval": draw(st.sampled_from(["", 'night_interval = "1h"', 'night_interval = "6h"'])),
        "batch_size": f"batch_size = {draw(st.sampled_from([1, 6, 30]))}",
    }
    delay_h = draw(st.sampled_from([1, 6, 24]))
    replaced["max_delay"] = f'max_delay = "{delay_h}h"'
    for key in ("active_hours", "window"):
        start, end = draw(_DAY_MINUTES), draw(_DAY_MINUTES)
        replaced[key] = "" if start == end else f'{key} = ["{_clock(start)}", "{_clock(end)}"]'
    lines = [replaced.get(line.split("=")[0].strip(), line) for line in SHIPPED.splitlines()]
    return "\n".join(lines), delay_h * 3600


@pytest.mark.slow
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(schedule=_schedules())
def test_every_photo_reaches_dropbox_within_a_day_and_its_max_delay(simulate, schedule) -> None:
    """Any cadence (up to a photo an hour), active hours, upload window and batch: a photo
    waits at most a day (the sparsest slots, or the window's next opening) plus max_delay. A
    schedule whose slots all missed the upload window kept its photos for ever before the
    camera woke for the window."""
    text, max_delay_s = schedule
    report, out = simulate(text, days=4)
    assert report["lost_images"] == 0 and report["duplicate_uploads"] == 0 and report["crashes"] == 0
    renamed = {r["was"]: r["name"] for r in events(out, "rename")}  # restamped after a sync
    end = datetime.fromisoformat(report["start"]) + timedelta(days=report["ended_day"])
    captures = [
        (datetime.fromisoformat(c["t"]), renamed.get(c["name"], c["name"])) for c in events(out, "capture")
    ]
    assert captures and not report["errors"].get("config"), text  # the premise: a valid schedule ran
    in_cloud = {path.name for path in out.glob("cloud/**/*.jpg")}
    overdue = [
        name
        for when, name in captures
        if (end - when).total_seconds() > 86400 + max_delay_s and Path(name).name not in in_cloud
    ]
    assert not overdue, (text, overdue[:3])
