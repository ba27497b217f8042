"""The wake cycle on the simulator: schedule, capture, state across sleep and power loss."""

from __future__ import annotations

import json
import os
import random
from datetime import datetime
from itertools import pairwise
from pathlib import Path

import pytest
from astral import Observer
from astral.sun import sunrise, sunset

from timelapse import config, schedule
from tools.firmware import FIRMWARE_DIR

SHIPPED = (FIRMWARE_DIR / "camconfig.toml").read_text()


def events(out: Path, kind: str | None = None) -> list[dict]:
    rows = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    return [row for row in rows if kind is None or row["kind"] == kind]


def epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


@pytest.mark.slow
def test_shipped_week_captures_every_slot(simulate) -> None:
    report, out = simulate(days=7, rtc_drift_ppm=0)
    plan = config.load(SHIPPED)["schedule"]
    start = int(epoch("2026-06-01T00:00:00Z")) + plan["utc_offset"]
    slots = list(schedule.slots_between(start, start + 7 * 86400, plan))
    assert len(slots) == 7 * 94  # 84 by day (06:00-20:00 every 10 min) + 10 hourly at night
    assert report["scheduled_slots"] == len(slots)
    assert report["captures"] == len(slots)
    # The other wakes sample the time while the firmware learns its clock's rate, on day one.
    extra, boot = [], None
    for event in events(out) + [{"kind": "boot"}]:
        if event["kind"] == "boot":
            if boot is not None:
                extra.append(boot)
            boot = event
        elif event["kind"] == "capture":
            boot = None
    assert report["wakes"] - report["captures"] == len(extra) <= 8
    assert all(w["t"] < "2026-06-02" for w in extra)
    assert report["missed_slots"] == 0 and report["crashes"] == 0 and report["lost_images"] == 0
    # NVM: the configuration once, then upload counters per batch and the clock model daily
    # (a few times more on day one, while its rate is learned).
    assert report["nvm_writes"] <= 1 + report["upload_batches"] + 7 + 3
    photos = sorted((out / "device" / "sd" / "timelapse" / "000" / "0").iterdir())
    assert photos[0].name.startswith("CAM1_000001_20260601T0100")  # local capture time (+01:00)
    assert all(photo.read_bytes()[:2] == b"\xff\xd8" for photo in photos)


@pytest.mark.slow
def test_fourteen_days_with_active_hours_night_interval_and_stop(simulate) -> None:
    text = SHIPPED.replace('night_interval = "60m"', 'night_interval = "2h"\nstop = 2026-06-11T12:00:00')
    text = text.replace('active_hours = ["06:00", "20:00"]', 'active_hours = ["22:00", "05:00"]')
    report, out = simulate(days=14, config_text=text)
    plan = config.load(text)["schedule"]
    assert report["captures"] == report["scheduled_slots"] > 0
    assert report["missed_slots"] == 0 and report["crashes"] == 0
    offset = plan["utc_offset"]
    for capture in events(out, "capture"):  # each photo on a slot, within the clock's error
        slot = schedule.slot_at(int(epoch(capture["t"])) + offset, plan, 10)
        assert slot is not None and slot <= plan["stop"], capture
    last = max(epoch(c["t"]) for c in events(out, "capture")) + offset
    assert plan["stop"] - 2 * 3600 < last <= plan["stop"] + 5  # the stop slot itself is taken


@pytest.mark.parametrize("start", ["2026-06-10T00:00:00Z", "2026-12-10T00:00:00Z"])
@pytest.mark.slow
def test_daylight_mode_at_60_north(simulate, start: str) -> None:
    text = SHIPPED.replace("latitude = 52.37", "latitude = 60.0").replace(
        'active_hours = ["06:00", "20:00"]\nnight_interval = "60m"', "daylight = true"
    )
    report, out = simulate(days=3, config_text=text, start=start, rtc_drift_ppm=0)
    captures = events(out, "capture")
    assert report["captures"] == report["scheduled_slots"] == len(captures) > 10
    observer = Observer(60.0, 4.90)
    for capture in captures:
        when = datetime.fromisoformat(capture["t"].replace("Z", "+00:00"))
        assert sunrise(observer, when.date()) <= when < sunset(observer, when.date())


@pytest.mark.slow
def test_power_cuts_lose_nothing_and_never_repeat_a_sequence_number(simulate) -> None:
    report, out = simulate(days=3, power_cuts=6, seed=5)
    assert report["power_cuts"] == 6 and report["crashes"] == 0
    assert report["lost_images"] == 0
    names = [c["name"] for c in events(out, "capture")]
    seqs = [int(Path(n).name.split("_")[1].split(".")[0]) for n in names]
    assert len(seqs) == len(set(seqs)), "a sequence number was reused"
    assert seqs == sorted(seqs)
    assert not events(out, "overwrite")
    # After a cut the clock is unknown: photos go on, named by sequence only.
    assert any(Path(n).name.count("_") == 1 for n in names)
    on_card = list((out / "device" / "sd").rglob("*.jpg"))
    assert len(on_card) == report["captures"]


def test_wake_that_raises_is_recorded_and_still_sleeps(simulate, firmware_copy: Path) -> None:
    source = firmware_copy / "timelapse" / "schedule.py"
    source.write_text(
        source.read_text() + "\n\ndef slot_at(t, sched, tolerance):\n    raise ZeroDivisionError('boom')\n"
    )
    report, out = simulate(days=0.5, firmware=firmware_copy)
    assert report["crashes"] == 0
    assert report["errors"]["crash"] == report["wakes"] > 1
    assert "ZeroDivisionError: boom" in (out / "console.log").read_text()
    assert len(events(out, "sleep")) == report["wakes"]


def test_broken_firmware_file_still_ends_in_deep_sleep(simulate, firmware_copy: Path) -> None:
    (firmware_copy / "timelapse" / "cycle.py").write_text("def main(:\n")
    report, _ = simulate(days=0.2, firmware=firmware_copy)
    assert report["crashes"] == 0 and report["errors"]["boot"] == report["wakes"] >= 2


@pytest.mark.slow
def test_fuzzed_camconfig_never_crashes_a_wake(simulate) -> None:
    rng = random.Random(2026)
    lines = SHIPPED.splitlines()
    broken = 0
    for _case in range(25):
        edited = list(lines)
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(edited))
            line = edited[i]
            choice = rng.random()
            if choice < 0.3 and line:
                j = rng.randrange(len(line))
                edited[i] = line[:j] + rng.choice('"=[]#{}x0:.,\\ ') + line[j + 1 :]
            elif choice < 0.5:
                del edited[i]
            elif choice < 0.7:
                edited.insert(i, rng.choice(["[camera]", "x = ", 'interval = "0m"', "latitude = 200"]))
            else:
                edited[i] = line.replace("10", "-1").replace("06:00", "25:00").replace("SVGA", "BIG")
        text = "\n".join(edited) + "\n"
        try:
            config.load(text)
            valid = True
        except ValueError:
            valid = False
            broken += 1
        report, out = simulate(days=0.05, config_text=text)
        assert report["crashes"] == 0, text
        assert len(events(out, "sleep")) == report["wakes"]
        assert report["captures"] >= 1  # a typo never stops the camera
        if not valid:
            assert report["errors"].get("config", 0) >= 1, text
    assert broken >= 10


def test_config_change_costs_one_nvm_write_and_broken_edit_keeps_last_good(simulate, tmp_path: Path) -> None:
    from sim.device import Device
    from sim.network import Network
    from sim.profile import load_profile
    from sim.runner import install_firmware, parse_start

    folder = tmp_path / "device"
    folder.mkdir()
    install_firmware(FIRMWARE_DIR, folder, None, Network())
    device = Device(folder, load_profile(), start_utc=parse_start("2026-06-01T10:00:00Z"), drift_ppm=0)

    def wake() -> None:
        outcome, target = device.wake()
        assert outcome == "sleep" and isinstance(target, float)
        device.sleep_until(target, float("inf"))
        device.reset_reason = "DEEP_SLEEP_ALARM"

    def edit(text: str, minutes_later: int) -> None:
        # An edit over USB: new text, a later modification time (FAT keeps whole seconds).
        path = folder / "camconfig.toml"
        mtime = path.stat().st_mtime + 60 * minutes_later
        path.write_text(text)
        os.utime(path, (mtime, mtime))

    for _ in range(3):
        wake()
    assert device.counters.nvm_writes == 1
    edit(SHIPPED.replace('interval = "10m"', 'interval = "5m"'), 1)
    for _ in range(3):
        wake()
    assert device.counters.nvm_writes == 2
    gaps = [b[1] - a[1] for a, b in pairwise(device.capture_times[-3:])]
    assert all(abs(g - 300) < 5 for g in gaps)
    edit(SHIPPED.replace('interval = "10m"', 'interval = "0m"'), 2)
    for _ in range(3):
        wake()
    assert device.counters.nvm_writes == 3  # the error, recorded once
    assert device.errors["config"] == 1  # parsed once: the cached size/mtime says unchanged
    gaps = [b[1] - a[1] for a, b in pairwise(device.capture_times[-3:])]
    assert all(abs(g - 300) < 5 for g in gaps)  # still the last good 5 minutes


def test_garbled_sleep_memory_and_nvm_record_are_detected_and_replaced(simulate, tmp_path: Path) -> None:
    from sim.device import Device
    from sim.network import Network
    from sim.profile import load_profile
    from sim.runner import install_firmware, parse_start

    folder = tmp_path / "device"
    folder.mkdir()
    install_firmware(FIRMWARE_DIR, folder, None, Network())
    device = Device(folder, load_profile(), start_utc=parse_start("2026-06-01T10:00:00Z"), drift_ppm=0)
    outcome, target = device.wake()
    assert outcome == "sleep" and isinstance(target, float)
    device.sleep_until(target, float("inf"))
    device.reset_reason = "DEEP_SLEEP_ALARM"
    device.sleep_memory[20] ^= 0x55  # a bit flip in the hot record
    device.nvm[30] ^= 0x10  # ... and in the NVM record's payload
    outcome, _ = device.wake()
    assert outcome == "sleep"
    console = device.console.getvalue()
    assert "[error] state: sleep memory: CRC mismatch" in console
    assert "[error] state: nvm: CRC mismatch" in console
    assert "state: durable record 1 restored from the card" in console  # the copy written with it
    # Nothing trusted: the card says which photo was last, so the next is number 2.
    assert sorted(device.captured)[-1].split("_")[1] == "000002"


def test_missing_card_and_full_card_are_recorded_not_fatal(simulate) -> None:
    report, _ = simulate(days=0.3, faults="card_missing")
    assert report["crashes"] == 0 and report["captures"] == 0
    assert report["errors"]["card"] == report["scheduled_slots"]  # once per photo it could not take
    # 64 MB must stay free on a 66 MB card: room for ~40 photos. Uploaded ones make room ...
    report, out = simulate(days=1, card_mb=66)
    assert report["captures"] == report["scheduled_slots"] and report["lost_images"] == 0
    on_card = list((out / "device" / "sd").rglob("*.jpg"))
    assert 0 < len(on_card) < report["captures"] and "card_full" not in report["errors"]
    # ... unsent ones never do: without uploads the card fills and capture stops.
    report, out = simulate(
        days=1, card_mb=66, config_text=SHIPPED.replace("enabled = true", "enabled = false")
    )
    assert report["crashes"] == 0 and 0 < report["captures"] < report["scheduled_slots"]
    assert report["errors"]["card_full"] >= 1
    assert report["lost_images"] == 0


def test_capture_only_wake_imports_no_network_stack(tmp_path: Path) -> None:
    from sim.device import Device
    from sim.network import Network
    from sim.profile import load_profile
    from sim.runner import install_firmware, parse_start

    folder = tmp_path / "device"
    folder.mkdir()
    install_firmware(FIRMWARE_DIR, folder, None, Network())
    device = Device(folder, load_profile(), start_utc=parse_start("2026-06-01T10:00:00Z"))
    # No cloud here: the first wake's join fails and the next wake retries (backoff 10 min);
    # the third backs off (20 min) and only captures.
    for _ in range(3):
        outcome, target = device.wake()
        assert outcome == "sleep" and isinstance(target, float)
        device.sleep_until(target, float("inf"))
        device.reset_reason = "DEEP_SLEEP_ALARM"
    imported = set(device.wake_records[-1].imported)
    assert device.wake_records[-1].kind == "capture"
    assert {"espcamera", "sdcardio", "timelapse.camera"} <= imported
    network_stack = {
        "wifi",
        "socketpool",
        "adafruit_requests",
        "adafruit_connection_manager",
        "adafruit_ntp",
        "timelapse.config",
    }  # an unchanged config is not parsed either
    assert not imported & network_stack, imported & network_stack
