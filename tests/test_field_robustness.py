"""Issue 15: a typo never stops a deployed camera, and what it reports matches the card and
Dropbox. One section per point of the issue; each test failed before its fix."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from sim import runner
from sim.device import Device
from sim.network import Network
from sim.profile import load_profile
from sim.runner import install_firmware, parse_start
from timelapse import config
from tools import dump
from tools.firmware import FIRMWARE_DIR

SHIPPED = (FIRMWARE_DIR / "camconfig.toml").read_text()


def with_power(line: str) -> str:
    return SHIPPED.replace('battery_pin = "A0"', line)


def board(tmp_path: Path, text: str = SHIPPED, start: str = "2026-06-01T10:00:00Z", **options) -> Device:
    folder = tmp_path / "device"
    folder.mkdir()
    install_firmware(FIRMWARE_DIR, folder, None, Network())
    (folder / "camconfig.toml").write_text(text)
    return Device(folder, load_profile(), start_utc=parse_start(start), drift_ppm=0, **options)


def wake(device: Device) -> None:
    outcome, target = device.wake()
    assert outcome == "sleep" and isinstance(target, float), outcome
    device.sleep_until(target, float("inf"))
    device.reset_reason = "DEEP_SLEEP_ALARM"


def edit(device: Device, text: str | None, minutes_later: int = 1) -> None:
    """An edit over USB: new text (None: the file deleted), a later modification time."""
    path = device.folder / "camconfig.toml"
    if text is None:
        path.unlink()
        return
    path.write_text(text)
    mtime = device.clock.true + 60 * minutes_later
    os.utime(path, (mtime, mtime))


def facts(device: Device) -> dict:
    device.save_memory()
    return dump.from_device(device.folder)


# -- 1. pins are checked against the board ----------------------------------------------------


def pins_c() -> dict[str, int]:
    """The oracle: the simulated board's copy of pins.c (sim/circuitpython/board.py), the names
    every supported release has."""
    from sim.circuitpython import board as sim_board

    return {name: gpio for name, gpio in sim_board._GPIO.items() if name not in sim_board.SINCE_10_1}


def test_the_validator_knows_exactly_the_boards_pin_names() -> None:
    assert config.PINS == pins_c()


@pytest.mark.parametrize(
    ("line", "key", "value"),
    [
        ('battery_pin = "A99"', "power.battery_pin", "A99"),
        ('battery_pin = "VBAT"', "power.battery_pin", "VBAT"),
        ('battery_pin = "D8"', "power.battery_pin", "D8"),  # the card's SCK
        ('battery_pin = "D6"', "power.battery_pin", "D6"),  # no ADC1
        ('wake_pin = "D7"', "power.wake_pin", "D7"),  # GPIO44: not an RTC pin
        ('marker_pin = "MISO"', "power.marker_pin", "MISO"),  # the card
        ('marker_pin = "CAM_XCLK"', "power.marker_pin", "CAM_XCLK"),  # the camera
        ('camera_power_pin = "LED"', "power.camera_power_pin", "LED"),  # GPIO21 is the card's CS
        ('battery_pin = "A0"\nmarker_pin = "D0"', "power.marker_pin", "D0"),  # one pin, two names
    ],
)
def test_a_pin_the_board_cannot_spare_is_refused_naming_key_value_and_allowed(line, key, value) -> None:
    with pytest.raises(ValueError) as refused:
        config.load(with_power(line))
    message = str(refused.value)
    assert message.startswith(key + ":") and repr(value) in message
    if "one pin" not in message and "is the pin of" not in message:
        assert "allowed: " in message and "A0" in message


def test_every_allowed_pin_works_on_the_simulated_board() -> None:
    allowed = {
        "battery_pin": config.ADC_PINS,
        "wake_pin": config.WAKE_PINS,
        "marker_pin": config.OUTPUT_PINS,
        "camera_power_pin": config.OUTPUT_PINS,
    }
    board_pins = pins_c()
    card = {board_pins[n] for n in ("SCK", "MISO", "MOSI", "SDCS")}
    camera = {gpio for name, gpio in board_pins.items() if name.startswith("CAM_")}
    for key, names in allowed.items():
        for name in names:
            assert board_pins[name] not in card | camera, (key, name)
            if key == "wake_pin":
                assert board_pins[name] <= 21  # RTC GPIOs
            if key == "battery_pin":
                assert 1 <= board_pins[name] <= 10  # ADC1
            config.load(with_power('%s = "%s"' % (key, name)))


def test_a_bad_pin_mid_deployment_keeps_the_last_good_configuration(tmp_path: Path) -> None:
    device = board(tmp_path)
    for _ in range(3):
        wake(device)
    edit(device, with_power('battery_pin = "A99"').replace('interval = "10m"', 'interval = "5m"'))
    captured = len(device.capture_times)
    for _ in range(6):
        wake(device)
    assert len(device.capture_times) == captured + 6  # every wake still captures
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(device.capture_times[-4:])]
    assert all(abs(g - 600) < 5 for g in gaps)  # on the last good 10 minutes
    assert "battery_pin" not in device.errors and device.errors["config"] == 1
    shown = facts(device)
    assert "power.battery_pin: 'A99'" in shown["config"]


def test_a_bad_pin_on_first_boot_runs_on_the_defaults_and_says_so(simulate) -> None:
    report, out = simulate(days=0.5, config_text=with_power('battery_pin = "VBAT"'))
    assert report["crashes"] == 0 and report["missed_slots"] == 0 and report["captures"] > 30
    assert "battery_pin" not in report["errors"]
    console = (out / "console.log").read_text()
    assert "running on the defaults" in console and "last good configuration" not in console


# -- 2. upload paths Dropbox refuses ----------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/../{name}",
        "//{id}//{name}",
        "/a/./{name}",
        "/photos/{name}/",
        "/a:b/{name}",
        "/what?/{name}",
        "/x /{name}",
        "/dots./{name}",
        "/tab\\t/{name}",
    ],
)
def test_an_upload_path_dropbox_refuses_is_refused_at_validation(path: str) -> None:
    with pytest.raises(ValueError, match=r"^upload\.path: "):
        config.load(SHIPPED.replace('"/timelapse/{id}/{date}/{name}"', '"%s"' % path))


def test_dropboxs_own_path_check_refuses_what_the_validator_refuses() -> None:
    """The oracle for the empty, '.' and '..' components: the local Dropbox's check_path."""
    from sim.cloud.dropbox import check_path
    from sim.cloud.server import RouteError

    for path in ("/../x.jpg", "//CAM1//x.jpg", "/a/./x.jpg"):
        with pytest.raises(RouteError):
            check_path(path, "files/upload")


def test_one_photo_refused_by_dropbox_does_not_block_the_queue(simulate, monkeypatch) -> None:
    from sim import cloud
    from sim.cloud.server import RouteError

    original = cloud.LocalDropbox._upload

    def refusing(self, arg, body):
        if "_000003_" in arg.get("path", ""):
            raise RouteError({".tag": "path", "reason": {".tag": "malformed_path"}, "upload_session_id": ""})
        return original(self, arg, body)

    monkeypatch.setattr(cloud.LocalDropbox, "_upload", refusing)
    report, out = simulate(days=1)
    in_cloud = card_seqs(out / "cloud")
    assert report["uploaded"] > 60 and in_cloud == [s for s in range(1, in_cloud[-1] + 1) if s != 3]
    shown = dump.from_device(out / "device")
    assert shown["counters"]["skipped"] == 1
    assert shown["counters"]["uploaded"] == len(list((out / "cloud").rglob("*.jpg")))
    assert any("000003" in p.name for p in (out / "device" / "sd").rglob("*.jpg"))  # kept


# -- 3. the camera's sleep state on wakes without a photo -------------------------------------


def test_a_wake_without_a_photo_leaves_the_camera_in_its_sleep_state(simulate) -> None:
    """Start date a month ahead, an OV3660: no photo at all, and deep sleep at the board's,
    the card's and the sensor's standby figures of the profile (the oracle)."""
    profile = load_profile()
    text = SHIPPED.replace("[schedule]\n", "[schedule]\nstart = 2026-07-01T00:00:00\n")
    report, _ = simulate(days=1, config_text=text, sensor="OV3660")
    sleep = profile["sleep"]
    expected = sleep["board_mA"] + sleep["sd_card_mA"] + sleep["camera_mA"]["OV3660"]["standby"]
    assert report["captures"] == 0 and report["camera_sleep_state"] == "standby"
    assert report["sleep_mA"] == pytest.approx(expected, abs=0.01)


def test_a_polar_night_in_daylight_mode_sleeps_with_the_camera_in_standby(simulate) -> None:
    text = (
        SHIPPED.replace("latitude = 52.37", "latitude = 69.65")
        .replace("longitude = 4.90", "longitude = 18.96\ndaylight = true")
        .replace('night_interval = "60m"', "")
        .replace('active_hours = ["06:00", "20:00"]', "")
    )
    report, _ = simulate(days=1, config_text=text, sensor="OV3660", start="2026-12-15T00:00:00Z")
    assert report["captures"] == 0 and report["camera_sleep_h"] == {"standby": pytest.approx(24.0, abs=0.1)}


# -- 4. a fixed configuration clears its error -------------------------------------------------


@pytest.mark.parametrize("break_it", ["garble", "delete"])
def test_a_restored_config_clears_its_error(tmp_path: Path, break_it: str) -> None:
    device = board(tmp_path)
    wake(device)
    edit(device, None if break_it == "delete" else SHIPPED.replace('interval = "10m"', 'interval = "0m"'))
    wake(device)
    assert facts(device)["config"] != "ok"
    edit(device, SHIPPED, 2)  # byte for byte what was there
    wake(device)
    assert facts(device)["config"] == "ok"


# -- 5. the dump agrees with the card and Dropbox ----------------------------------------------


def card_seqs(sd: Path) -> list[int]:
    return sorted(int(p.name.split("_")[1][:6]) for p in sd.rglob("*.jpg"))


def test_after_a_card_swap_the_dump_agrees_with_card_and_dropbox(simulate, monkeypatch) -> None:
    """In the afternoon, while the board sleeps, its card is swapped for an empty one: the
    photos waiting on the old card never reach Dropbox and are not counted as uploaded."""
    original = runner.live_once
    swapped: list[float] = []

    def swap(device, end):
        if not swapped and device.clock.true > parse_start("2026-06-01T16:30:00Z"):
            swapped.append(device.clock.true)
            shutil.rmtree(device.sd)
            device.sd.mkdir()
        return original(device, end)

    monkeypatch.setattr(runner, "live_once", swap)
    report, out = simulate(days=1)
    shown = dump.from_device(out / "device")
    on_card = card_seqs(out / "device" / "sd")
    in_cloud = len(list((out / "cloud").rglob("*.jpg")))
    assert shown["counters"]["uploaded"] == in_cloud == report["uploaded"]
    assert shown["counters"]["skipped"] == report["lost_images"] > 0
    assert shown["queue"]["oldest_on_card"] == on_card[0]
    assert shown["counters"]["captured"] == on_card[-1] == report["captures"]


def test_upload_batches_agree_across_power_cuts(simulate) -> None:
    report, out = simulate(days=2, power_cuts=60, seed=3)
    shown = dump.from_device(out / "device")
    assert report["power_cuts"] == 60
    assert shown["counters"]["upload_batches"] == report["upload_batches"] > 0
    assert report["upload_wakes"] >= report["upload_batches"]


# -- 6. messages a user can act on --------------------------------------------------------------


def test_capitalised_booleans_are_named_as_such() -> None:
    line = (
        SHIPPED.splitlines().index(next(x for x in SHIPPED.splitlines() if x.startswith("enabled = true")))
        + 1
    )
    with pytest.raises(ValueError, match="line %d: True is not a TOML value: booleans are lowercase" % line):
        config.load(SHIPPED.replace("enabled = true", "enabled = True"))


def test_a_utf8_byte_order_mark_is_accepted() -> None:
    assert config.load("\ufeff" + SHIPPED) == config.load(SHIPPED)


def test_an_unknown_timezone_is_named_once_a_day(simulate) -> None:
    report, out = simulate(days=2, settings='TIMEZONE = "Europe/Amsterdm"\n')
    assert report["errors"].get("timezone", 0) <= 3 and "time" not in report["errors"]
    console = (out / "console.log").read_text()
    assert "'Europe/Amsterdm' in settings.toml is not a time zone" in console
    assert "Expecting value" not in console
    # judged on camconfig's utc_offset, as the camera runs (a wrong offset would miss dozens);
    # one slot is sometimes missed when the host is loaded (seen under xdist, not alone)
    assert report["missed_slots"] <= 1


ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def test_the_dump_shows_readable_local_times_and_no_internal_strings(simulate) -> None:
    report, out = simulate(days=0.5, usb=True, start="2026-06-01T06:00:00Z", faults="revoked@0.1-0.5")
    dumps = dump.from_console((out / "console.log").read_text())
    last = dumps[-1]
    assert ISO.match(last["time"]) and last["time"].endswith("+01:00")
    for when, _kind, _message in last["errors"]:
        assert ISO.match(when)
    assert all(ISO.match(t["t"]) for t in last["timings_ms"])
    assert "@" not in json.dumps(last["auth"]) and last["auth"].startswith("uploads stopped")
