"""Alarms, time, pins, storage and the battery: the simulated board refuses and costs what the
board does (docs/fidelity.md, "Alarms, time, pins, power"), and the firmware copes with it."""

from __future__ import annotations

import errno
import json
import re
from itertools import pairwise
from pathlib import Path

import pytest

from sim import circuitpython
from sim.battery import Battery
from sim.circuitpython import alarm, digitalio, json_, rtc, storage, time_
from sim.circuitpython import board as pins
from sim.clock import RTC_RESET_EPOCH
from sim.device import Device
from sim.network import Network
from sim.profile import load_profile
from sim.runner import RunOptions, install_firmware, live_once, parse_start
from tools.firmware import FIRMWARE_DIR, ROOT

START = parse_start(RunOptions.start)
SLEEP_60 = (
    "alarm.exit_and_deep_sleep_until_alarms(alarm.time.TimeAlarm(monotonic_time=time.monotonic() + 60))\n"
)


@pytest.fixture
def awake(make_board):
    """A simulated board awake (its modules callable directly), the RTC at a given fraction."""

    def _awake(rtc_fraction: float = 0.0, **options) -> Device:
        device = make_board("awake", "", **options)
        device.clock.rtc = float(int(device.clock.rtc)) + rtc_fraction
        circuitpython.current = device
        device._reset_board_modules()  # as at a boot: nothing mounted, no radio
        return device

    yield _awake
    circuitpython.current = None


@pytest.fixture
def firmware_board(tmp_path: Path):
    """A board with this project's firmware installed and `code` as its code.py."""

    def _make(code: str | None = None, config: str | None = None, profile=None, **options) -> Device:
        folder = tmp_path / "device"
        folder.mkdir()
        cfg = None
        if config is not None:
            cfg = tmp_path / "camconfig.toml"
            cfg.write_text(config)
        network = options.pop("network", None) or Network()
        install_firmware(FIRMWARE_DIR, folder, cfg, network)
        if code is not None:
            (folder / "code.py").write_text(code)
        return Device(folder, profile or load_profile(), start_utc=START, network=network, **options)

    return _make


def console(device: Device) -> str:
    return device.console.getvalue()


def small_profile(tmp_path: Path, capacity_mAh: float, ohm: float | None = None) -> Path:
    text = (ROOT / "profiles" / "reference.toml").read_text()
    text = re.sub(r"(?m)^capacity_mAh = \S+", f"capacity_mAh = {capacity_mAh}", text)
    if ohm is not None:
        text = re.sub(r"(?m)^internal_resistance_ohm = \S+", f"internal_resistance_ohm = {ohm}", text)
    path = tmp_path / f"battery_{capacity_mAh}_{ohm}.toml"
    path.write_text(text)
    return path


# ---- alarm.time.TimeAlarm ---------------------------------------------------------------------


def test_time_alarm_epoch_counts_whole_rtc_seconds(awake) -> None:
    device = awake(rtc_fraction=0.7)
    now = device.clock.monotonic
    target = alarm.time.TimeAlarm(epoch_time=int(device.clock.rtc) + 10)
    # 10 s from now, not 9.3: the RTC's fraction is not seen, so the wake comes 0.7 s late.
    assert target.monotonic_time == pytest.approx(now + 10, abs=0.002)
    assert target.rtc_target() == pytest.approx(device.clock.rtc + 10, abs=0.002)


def test_time_alarm_refuses_the_past_and_bad_arguments(awake) -> None:
    device = awake(rtc_fraction=0.99)
    whole = int(device.clock.rtc)
    alarm.time.TimeAlarm(epoch_time=whole)  # the RTC's own second is not in the past
    with pytest.raises(ValueError, match=r"^Time is in the past\.$"):
        alarm.time.TimeAlarm(epoch_time=whole - 1)
    with pytest.raises(ValueError, match="^Supply one of monotonic_time or epoch_time$"):
        alarm.time.TimeAlarm()
    with pytest.raises(ValueError, match="^Supply one of monotonic_time or epoch_time$"):
        alarm.time.TimeAlarm(monotonic_time=1.0, epoch_time=whole + 5)
    with pytest.raises(TypeError):
        alarm.time.TimeAlarm(epoch_time=whole + 5.0)


def test_rtc_tick_race_no_longer_sends_the_wake_to_600_s(firmware_board) -> None:
    """Issue 13: a wake target one second ahead, and the RTC ticks past it before the alarm is
    made. The bare binding raises; the firmware's deep_sleep wakes at once, on schedule."""
    race = (
        "import time, alarm\ntarget = time.time() + 1\ntime.sleep(2.0)\n"
        "alarm.exit_and_deep_sleep_until_alarms(alarm.time.TimeAlarm(epoch_time=target))\n"
    )
    bare = firmware_board(race)
    outcome = bare.wake()
    assert outcome[0] == "crash" and "Time is in the past." in outcome[1]

    fixed = (
        "import time\nfrom timelapse import power\ntarget = time.time() + 1\ntime.sleep(2.0)\n"
        "rtc_now = time.time()\npower.deep_sleep(target)\n"
    )
    device = Device(bare.folder, load_profile(), start_utc=START, network=bare.network)
    (device.folder / "code.py").write_text(fixed)
    outcome, target = device.wake()
    assert outcome == "sleep" and isinstance(target, float)
    assert target - device.clock.rtc <= 2.0  # at once, not 300 s or 600 s later


def test_exit_and_deep_sleep_checks_its_alarms(awake) -> None:
    awake()
    with pytest.raises(TypeError, match="^Expected a kind of Alarm$"):
        alarm.exit_and_deep_sleep_until_alarms(60)
    two = [alarm.time.TimeAlarm(monotonic_time=100.0), alarm.time.TimeAlarm(monotonic_time=200.0)]
    with pytest.raises(ValueError, match=r"^Only one alarm.time alarm can be set\.$"):
        alarm.exit_and_deep_sleep_until_alarms(*two)
    with pytest.raises(TypeError, match="^alarm must be of type DigitalInOut, not Pin$"):
        alarm.exit_and_deep_sleep_until_alarms(two[0], preserve_dios=(pins.D1,))


# ---- alarm.pin.PinAlarm -----------------------------------------------------------------------


def test_pin_alarm_rtc_pins_only_and_its_sleep_current(awake) -> None:
    device = awake()
    with pytest.raises(ValueError, match=r"^Cannot wake on pin edge\. Only level\.$"):
        alarm.pin.PinAlarm(pins.D0, value=False, edge=True)
    timer = alarm.time.TimeAlarm(monotonic_time=device.clock.monotonic + 60)
    for name in ("D6", "D7", "D11"):  # GPIO43, GPIO44, GPIO38: not RTC IO
        with pytest.raises(ValueError, match=r"^Can only alarm on RTC IO from deep sleep\.$"):
            alarm.exit_and_deep_sleep_until_alarms(timer, alarm.pin.PinAlarm(getattr(pins, name), False))
    highs = [alarm.pin.PinAlarm(getattr(pins, n), True) for n in ("D0", "D2")]
    lows = [alarm.pin.PinAlarm(getattr(pins, n), False) for n in ("D3", "D4")]
    with pytest.raises(ValueError, match="one low pin while others alarm high"):
        alarm.exit_and_deep_sleep_until_alarms(timer, *highs, *lows)
    plain = device.sleep_mA()
    with pytest.raises(BaseException, match="deep sleep"):
        alarm.exit_and_deep_sleep_until_alarms(timer, alarm.pin.PinAlarm(pins._BOOT, False, pull=True))
    extra = load_profile()["sleep"]["rtc_periph_mA"]
    assert extra > 0 and device.sleep_mA() == pytest.approx(plain + extra)


def test_a_wake_pin_that_cannot_wake_is_dropped_not_the_sleep(firmware_board) -> None:
    """camconfig.toml's validator refuses such a pin (tests/test_field_robustness.py); should
    one reach deep_sleep all the same, the pin is dropped, never the sleep."""
    device = firmware_board(
        "import time\nfrom timelapse import power\npower.deep_sleep(time.time() + 60, 'D6')\n"
    )
    outcome = device.wake()
    assert outcome[0] == "sleep" and outcome[1] is not None
    assert "[error] wake_pin: D6: Can only alarm on RTC IO from deep sleep." in console(device)
    assert not device.rtc_periph  # slept on the TimeAlarm alone


# ---- pins when code.py ends --------------------------------------------------------------------


def test_pins_reset_pulled_up_when_code_py_ends_except_preserved(make_board) -> None:
    code = (
        "import alarm, board, digitalio, time\n"
        "kept = digitalio.DigitalInOut(board.D1)\nkept.switch_to_output(False)\n"
        "lost = digitalio.DigitalInOut(board.D2)\nlost.switch_to_output(False)\n"
        "alarm.exit_and_deep_sleep_until_alarms(alarm.time.TimeAlarm(monotonic_time="
        "time.monotonic() + 60), preserve_dios=(kept,))\n"
    )
    device = make_board("pins", code)
    outcome = device.wake()
    assert outcome[0] == "sleep"
    assert device.pin_levels[2] is False  # D1 held low through deep sleep
    assert device.pin_levels[3] is True  # D2 reset: pulled up
    device.sleep_until(outcome[1], START + 86400)
    device.reset_reason = "DEEP_SLEEP_ALARM"
    woke = device.clock.true
    device.wake()  # CircuitPython's start releases the hold (pulled up) before code.py drives it
    assert [level for t, gpio, level in device.pin_edges if gpio == 2 and t >= woke] == [True, False]


def test_digitalinout_refuses_what_the_binding_refuses(awake) -> None:
    awake()
    pin = digitalio.DigitalInOut(pins.D2)
    with pytest.raises(AttributeError, match=r"^Cannot set value when direction is input\.$"):
        pin.value = True
    pin.switch_to_output(True)
    with pytest.raises(AttributeError, match=r"^Pull not used when direction is output\.$"):
        pin.pull = digitalio.Pull.UP
    pin.deinit()
    with pytest.raises(ValueError, match="^Object has been deinitialized"):
        pin.value = False


def test_the_marker_stays_low_through_deep_sleep(firmware_board) -> None:
    """The firmware holds its marker low (preserve_dios); reset, it would read high all night."""
    config = (
        (FIRMWARE_DIR / "camconfig.toml").read_text().replace("[power]\n", '[power]\nmarker_pin = "D1"\n')
    )
    device = firmware_board(config=config)
    outcome = device.wake()
    assert outcome[0] == "sleep"
    assert device.held_pins == {2: ("out", False)}
    assert device.pin_levels[2] is False
    assert device.pin_edges[-1][1:] == (2, False)  # the last edge of the wake is the fall


# ---- time ---------------------------------------------------------------------------------------


def test_localtime_and_mktime_refuse_times_before_2000(awake) -> None:
    awake()
    with pytest.raises(OverflowError, match="^timestamp out of range for platform time_t$"):
        time_.localtime(RTC_RESET_EPOCH - 1)
    assert tuple(time_.localtime(RTC_RESET_EPOCH + 0.9))[:6] == (2000, 1, 1, 0, 0, 0)
    assert time_.localtime(START).tm_isdst == -1
    with pytest.raises(OverflowError, match="^tm_year out of range$"):
        time_.mktime((1999, 12, 31, 23, 59, 59, 0, 365, -1))
    with pytest.raises(TypeError, match="9 positional arguments but 6 were given"):
        time_.mktime((2026, 1, 1, 0, 0, 0))
    assert time_.mktime((2026, 13, 1, 0, 0, 0, 0, 0, -1)) == time_.mktime((2027, 1, 1, 0, 0, 0, 0, 0, -1))
    with pytest.raises(NotImplementedError):
        rtc.RTC().calibration = 5


def test_a_time_sample_before_2025_is_refused_not_a_crash(awake) -> None:
    """A time service answering 0 (1970): the board's localtime would raise OverflowError while
    setting the RTC; the firmware refuses the sample first and keeps its clock."""
    from state.store import State
    from timelapse import timesync

    awake()
    with pytest.raises(OverflowError):
        time_.localtime(0)
    state = State.load(bytearray(4096), bytearray(b"\xff" * 8192))
    state.hot["clock"] = [START, 0.5, 1.0, 20.0]
    assert timesync.apply(state.hot, state.durable, 0, 0.0, 0.5) is None
    assert state.hot["clock"] == [START, 0.5, 1.0, 20.0] and state.hot["synced_at"] == 0


# ---- json ---------------------------------------------------------------------------------------


def test_json_dumps_writes_six_significant_digits() -> None:
    text = json_.dumps({"offset": 12960.54321, "ppm": 4983.123456, "n": 3, "big": 431999999.0})
    back = json.loads(text)
    assert back == {"offset": 12960.5, "ppm": 4983.12, "n": 3, "big": 432000000.0}


def test_the_clock_offset_stays_small_so_json_keeps_it(firmware_board) -> None:
    """A sync that finds the RTC more than RESET_RTC_S off sets it, so the offset kept in sleep
    memory (JSON: 6 digits on the board) never grows to where it loses tenths or whole seconds;
    a smaller error stays in the offset (setting the RTC loses its sub-second phase)."""
    code = (
        "import alarm, microcontroller, time\nfrom state.store import State\n"
        "from timelapse import timesync\n"
        "st = State.load(alarm.sleep_memory, microcontroller.nvm)\n"
        "timesync.apply(st.hot, st.durable, time.time(), 0.0, 0.5)\n"
        "for off in (1000, 1000, 5000, 5000):  # far samples: distrusted once, believed repeated\n"
        "    before = time.time()\n"
        "    timesync.apply(st.hot, st.durable, time.time() + off, 0.25, 0.5)\n"
        "    print('RESULT', off, time.time() - before, st.hot['clock'][1])\n" + SLEEP_60
    )
    device = firmware_board(code)
    device.wake()
    results = [line.split()[1:] for line in console(device).splitlines() if line.startswith("RESULT")]
    _, (_, moved_small, offset_small), _, (_, moved_big, offset_big) = results
    from timelapse import timesync

    assert 1000 < timesync.RESET_RTC_S < 5000
    assert float(moved_small) == 0 and float(offset_small) == pytest.approx(1000.25, abs=0.01)
    assert float(moved_big) == pytest.approx(5000, abs=1)  # the RTC was set ...
    assert abs(float(offset_big)) < 1  # ... and the offset is small


# ---- storage ------------------------------------------------------------------------------------


def test_storage_mount_checks_its_mount_point(awake) -> None:
    device = awake()
    from sim.circuitpython import busio, sdcardio

    card = storage.VfsFat(sdcardio.SDCard(busio.SPI(pins.SCK, pins.MOSI, pins.MISO), pins.SDCS))
    with pytest.raises(TypeError, match="^filesystem must be of type VfsFat"):
        storage.mount(object(), "/sd")
    with pytest.raises(OSError) as unknown:
        storage.getmount("/sd")
    assert unknown.value.errno == errno.EINVAL
    with pytest.raises(OSError) as unknown:
        storage.umount("/sd")
    assert unknown.value.errno == errno.EINVAL
    storage.mount(card, "/sd")
    with pytest.raises(OSError) as in_use:
        storage.mount(card, "/sd")
    assert in_use.value.errno == errno.EPERM
    storage.umount(card)
    storage._mounts.clear()
    for entry in device.sd.iterdir():
        entry.unlink() if entry.is_file() else None
    device.sd.rmdir()
    with pytest.raises(RuntimeError, match="^Mount point directory missing$"):
        storage.mount(card, "/sd")


def test_no_sd_folder_on_circuitpy_is_reported_not_a_crash(firmware_board, tmp_path: Path) -> None:
    device = firmware_board()
    device.sd.rmdir()
    outcome = device.wake()
    assert outcome[0] == "sleep"
    assert "[error] card: cannot mount the microSD card: Mount point directory missing" in console(device)
    from tools.deploy import deploy

    drive = tmp_path / "drive"
    drive.mkdir()
    (drive / "boot_out.txt").write_text("")
    deploy(drive)
    assert (drive / "sd").is_dir() and (drive / "safemode.py").is_file()


# ---- the battery ------------------------------------------------------------------------------


def test_battery_voltage_follows_charge_and_sags_under_load() -> None:
    battery = Battery(load_profile()["battery"])
    volts = [battery.rest_volts(battery.capacity_mAh * k / 20) for k in range(21)]
    assert volts[0] == pytest.approx(battery.full_v) and volts[-1] == pytest.approx(battery.empty_v)
    assert all(a > b for a, b in pairwise(volts))  # monotone
    assert battery.volts(100, 335) == pytest.approx(battery.rest_volts(100) - battery.ohm * 0.335)


def test_the_adc_reads_the_battery_through_the_divider(firmware_board) -> None:
    code = (
        "from timelapse import power\nprint('volts', power.battery_volts("
        "{'battery_pin': 'A0', 'divider': 2.0}))\nimport alarm, time\n" + SLEEP_60
    )
    device = firmware_board(code)
    device.meter.add("drawn", 3600, 2000.0, device.clock.true)  # 2000 mAh used
    device.wake()
    read = float(console(device).split("volts ")[1].split()[0])
    assert read == pytest.approx(device.battery.volts(2000, device.awake_mA()), abs=0.002)


def test_brownout_resets_into_safe_mode_and_loses_sleep_memory(make_board, tmp_path) -> None:
    """A WiFi peak the battery cannot hold: reset reason BROWNOUT, sleep memory and the RTC
    lost, CircuitPython in safe mode; without safemode.py it waits awake until the battery is flat."""
    profile = load_profile(small_profile(tmp_path, 100, ohm=1.2))
    code = (
        "import alarm, time, wifi\nalarm.sleep_memory[0] = 7\n"
        "wifi.radio.connect('sim-ap', 'sim-password')\n" + SLEEP_60
    )
    device = make_board("brown", code)
    device.profile = profile
    device.battery = Battery(profile["battery"])
    device.meter.add("drawn", 3600, 92.0, device.clock.true)  # 92 of 100 mAh used
    assert live_once(device, START + 86400)
    assert device.reset_reason == "BROWNOUT" and device.safe_mode == "BROWNOUT"
    assert device.sleep_memory[0] == 0 and device.clock.rtc < RTC_RESET_EPOCH + 60
    assert device.counters.brownouts == 1
    assert not live_once(device, START + 86400)  # no safemode.py: awake in safe mode ...
    assert device.ended == "battery empty" and device.safe_mode_s > 0  # ... until it is flat
    assert device.meter.total_mAh == pytest.approx(100, abs=0.01)


def test_microcontroller_reset_loses_sleep_memory(make_board) -> None:
    device = make_board(
        "reset", "import alarm, microcontroller\nalarm.sleep_memory[0] = 9\nmicrocontroller.reset()\n"
    )
    live_once(device, START + 86400)
    assert device.reset_reason == "SOFTWARE" and device.sleep_memory[0] == 0


def test_a_small_battery_ends_the_run_cleanly(simulate, tmp_path: Path) -> None:
    # Every 10 minutes, day and night: the last 3 % of the charge (3.45 V down to 3.30 V, about
    # 45 minutes at the OV2640's 4 mA) always holds some wakes that see the critical voltage.
    shipped = (FIRMWARE_DIR / "camconfig.toml").read_text()
    config = shipped.replace('active_hours = ["06:00", "20:00"]\n', "").replace('night_interval = "60m"', "")
    assert config != shipped
    report, out = simulate(days=5, config_text=config, profile=small_profile(tmp_path, 100))
    # No later than deep sleep alone would empty it, and not absurdly early (wakes are a share).
    sleep_only_days = 100 / (report["sleep_mA"] * 24)
    assert (
        report["ended"] == "battery empty" and 0.6 * sleep_only_days < report["ended_day"] < sleep_only_days
    )
    assert report["charge_mAh"] == pytest.approx(100, abs=0.01)
    assert report["crashes"] == 0 and report["brownouts"] == 0 and report["lost_images"] == 0
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    assert events[-1]["kind"] == "battery_empty"
    # Near empty the camera stops (a wake every 6 h measures) before the battery gives out.
    assert "below critical: no capture" in (out / "console.log").read_text()
    # Once critical, the camera sleeps 6 h without a photo or a join: nothing after that wake.
    critical = next(i for i, e in enumerate(events) if "below critical" in e.get("message", ""))
    assert not [e for e in events[critical:] if e["kind"] in ("capture", "network")]
    sleep = next(e for e in events[critical:] if e["kind"] == "sleep")
    assert parse_start(sleep["alarm"]) - parse_start(sleep["t"]) > 5.9 * 3600


def test_a_worn_battery_browns_out_once_not_in_a_loop(simulate, tmp_path: Path) -> None:
    """1.6 ohm: WiFi's 335 mA peaks brown the board out below about 3.84 V, a window the upload
    wakes of the first day (07:00-19:00) reach. safemode.py counts it and resets; the firmware
    learns the floor: no WiFi below it, no brown-out loop, no photo storm."""
    report, out = simulate(days=5, profile=small_profile(tmp_path, 100, ohm=1.6))
    assert report["ended"] == "battery empty"
    assert 1 <= report["brownouts"] <= 2 and report["safe_mode_s"] == 0
    assert "is low: no WiFi" in (out / "console.log").read_text()
    assert report["crashes"] == 0 and report["lost_images"] == 0
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    first = next(i for i, e in enumerate(events) if e["kind"] == "brownout")
    after = [e for e in events[first:] if e["kind"] == "capture"]
    hours = (parse_start(events[-1]["t"]) - parse_start(events[first]["t"])) / 3600
    assert len(after) <= hours * 6 + 3  # at most one photo per 10-minute slot, as before
