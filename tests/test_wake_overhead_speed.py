"""The host's per-wake shortcuts (issue 18, session 7) change nothing the board would show: a
charge written out in `spend` browns out, stops and advances the clocks as before; the host's
own modules are set aside from every wake, however sys.modules changed between wakes; the
judge's census counts the same photos lost while it hashes a card photo only when the cloud
lacks it."""

from __future__ import annotations

import hashlib
import sys
import types
from types import SimpleNamespace

import pytest

from sim.battery import Battery
from sim.device import Device
from sim.judge import image_census
from sim.parts.power import Brownout
from sim.parts.state import WakeRecord
from tests.conftest import START

SLEEP = (
    "import alarm, time\n"
    "alarm.exit_and_deep_sleep_until_alarms(alarm.time.TimeAlarm(monotonic_time=time.monotonic() + 60))\n"
)


def _worn(device: Device, ohm: float = 1.5) -> Battery:
    settings = dict(device.profile["battery"], internal_resistance_ohm=ohm)
    device.battery = Battery(settings)
    return device.battery


def _drawn_between(battery: Battery, low_mA: float, high_mA: float) -> float:
    """A charge drawn at which the pads hold at `low_mA` and sag below brown-out at `high_mA`
    (from the battery's own curve, by bisection on the resting voltage)."""
    wanted = battery.brownout_v + battery.ohm * (low_mA + high_mA) / 2000.0
    low, high = 0.0, battery.capacity_mAh
    for _ in range(100):
        middle = (low + high) / 2
        if battery.rest_volts(middle) > wanted:
            low = middle
        else:
            high = middle
    assert battery.volts(low, low_mA) >= battery.brownout_v > battery.volts(low, high_mA)
    return low


def test_a_radio_burst_browns_out_at_the_wifi_peak_another_phase_at_its_current(awake) -> None:
    device = awake()
    battery = _worn(device)
    average, peak = 120.0, device.profile["wifi"]["peak_mA"]
    assert peak > average
    device.meter.add("drawn", 3600, _drawn_between(battery, average, peak), device.clock.true)
    device.spend("cpu", 0.01, average)  # holds at its own current
    with pytest.raises(Brownout):
        device.spend("radio_tx", 0.01, average)  # the burst's peak does not
    with pytest.raises(Brownout):
        device.spend("cpu", 0.01, peak)


def test_no_brown_out_on_usb_nor_for_a_charge_of_no_time(awake) -> None:
    device = awake()
    battery = _worn(device)
    device.meter.add("drawn", 3600, battery.capacity_mAh, device.clock.true)  # empty
    true, rtc = device.clock.true, device.clock.rtc
    device.spend("radio_tx", 0.0, 300.0)
    device.spend("cpu", -1.0, 300.0)
    assert (device.clock.true, device.clock.rtc) == (true, rtc)
    with pytest.raises(Brownout):
        device.spend("cpu", 0.001, 1.0)
    usb = awake(usb=True)
    _worn(usb)
    usb.meter.add("drawn", 3600, usb.battery.capacity_mAh, usb.clock.true)
    usb.spend("radio_tx", 1.0, 300.0)
    assert usb.meter.seconds["radio_tx"] == 1.0


def test_a_charge_moves_both_clocks_and_the_wake_by_what_it_spent(awake) -> None:
    device = awake()
    device.wake_records.append(WakeRecord(device.clock.true, "POWER_ON"))
    device.clock.rtc = device.clock.true - 1234.5  # an RTC off by its drift
    true, rtc, total = device.clock.true, device.clock.rtc, device.awake_total
    for seconds, mA in ((0.25, 40.0), (1.5, 120.0), (0.125, 300.0)):
        device.spend("cpu", seconds, mA)
    assert device.clock.true == true + 0.25 + 1.5 + 0.125
    assert device.clock.rtc == rtc + 0.25 + 1.5 + 0.125
    assert device.awake_total == total + 1.875
    assert device.wake_records[-1].charge_mAs == 0.25 * 40 + 1.5 * 120 + 0.125 * 300
    assert device.clock.monotonic == device.clock.true - device.clock.boot_true


def _host_package(name: str) -> types.ModuleType:
    package = types.ModuleType(name)
    package.__path__ = []  # a package the host imported (tests import timelapse.*)
    return package


def test_host_submodules_are_set_aside_however_sys_modules_changed(make_board) -> None:
    """The wake's set-aside list is kept while sys.modules keeps its names: a host submodule
    added between wakes, or swapped for another (same count), is set aside as well."""
    code = (
        "import hostpkg\n"
        "try:\n    import hostpkg.extra\n    print('extra', hostpkg.extra.WHO)\n"
        "except ImportError:\n    print('no extra')\n"
        "print('who', hostpkg.WHO)\n" + SLEEP
    )
    device = make_board("aside", code)
    (device.folder / "hostpkg").mkdir()
    (device.folder / "hostpkg" / "__init__.py").write_text("WHO = 'device'\n")
    host = _host_package("hostpkg")
    host.__dict__["WHO"] = "host"
    extra = types.ModuleType("hostpkg.extra")
    extra.__dict__["WHO"] = "host"
    other = types.ModuleType("hostpkg.other")
    sys.modules["hostpkg"] = host
    sys.modules["hostpkg.other"] = other
    try:
        for change in (None, "add", "swap"):
            if change == "add":
                sys.modules["hostpkg.extra"] = extra
            elif change == "swap":  # one out, one in: as many names as before
                del sys.modules["hostpkg.extra"]
                sys.modules["hostpkg.extra2"] = extra
                code_text = code.replace("hostpkg.extra", "hostpkg.extra2")
                (device.folder / "code.py").write_text(code_text)
            before = len(device.console.getvalue())
            outcome, target = device.wake()
            shown = device.console.getvalue()[before:]
            assert outcome == "sleep", shown
            device.sleep_until(target, START + 86400)
            assert "no extra" in shown and "who device" in shown, (change, shown)
            assert sys.modules["hostpkg"] is host and sys.modules["hostpkg.other"] is other
    finally:
        for name in ("hostpkg", "hostpkg.other", "hostpkg.extra", "hostpkg.extra2"):
            sys.modules.pop(name, None)


def test_the_census_counts_a_photo_lost_only_when_neither_cloud_nor_card_has_its_bytes(tmp_path) -> None:
    sd, cloud = tmp_path / "sd", tmp_path / "cloud"
    (sd / "timelapse").mkdir(parents=True)
    (cloud / "cam").mkdir(parents=True)
    photos = {f"timelapse/{name}.jpg": name.encode() * 100 for name in ("up", "kept", "bad", "gone", "twice")}
    for name, data in photos.items():
        (sd / name).write_bytes(data)
    (cloud / "cam" / "up.jpg").write_bytes(photos["timelapse/up.jpg"])
    (cloud / "cam" / "twice.jpg").write_bytes(photos["timelapse/twice.jpg"])
    (cloud / "cam" / "twice (1).jpg").write_bytes(photos["timelapse/twice.jpg"])
    (sd / "timelapse/up.jpg").unlink()  # uploaded, then removed from the card: not lost
    (sd / "timelapse/bad.jpg").write_bytes(b"torn")  # not uploaded and corrupted: lost
    (sd / "timelapse/gone.jpg").unlink()  # not uploaded and gone: lost
    captured = {n: hashlib.sha256(d).hexdigest() for n, d in photos.items()}
    # taken an hour apart, "up" first: "kept" (the oldest not in the cloud) 3 h before the end
    capture_times = [(3600.0 * hour, 0.0, name) for hour, name in enumerate(photos)]
    device = SimpleNamespace(sd=sd, captured=captured, capture_times=capture_times)
    assert image_census(device, cloud, 4 * 3600.0) == {
        "uploaded": 2,
        "pending": 3,
        "oldest_pending_h": 3.0,
        "lost_images": 2,
        "duplicate_uploads": 1,
        "uploaded_bytes": len(photos["timelapse/up.jpg"]) + len(photos["timelapse/twice.jpg"]),
    }
