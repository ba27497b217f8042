"""The other board modules the firmware calls (docs/fidelity.md, "Other modules"): analogio, the
watchdog, supervisor.ticks_ms, os.getenv and os.statvfs, rtc and struct_time, sdcardio,
ipaddress, microcontroller.cpu and delay_us. Each test holds a fake to what the binding and the
ESP32-S3's common-hal accept and raise, and the firmware tests show a wake survives it."""

from __future__ import annotations

import re

import pytest

from sim.circuitpython import (
    analogio,
    busio,
    espidf,
    ipaddress_,
    microcontroller,
    os_,
    rtc,
    sdcardio,
    storage,
    supervisor,
    time_,
    watchdog,
)
from sim.circuitpython import board as pins
from sim.runner import RunOptions, parse_start
from tools.firmware import FIRMWARE_DIR

START = parse_start(RunOptions.start)
DEINITED = "Object has been deinitialized and can no longer be used. Create a new object."


def config_with(**power) -> str:
    """The shipped camconfig.toml with [power] keys replaced or added."""
    text = (FIRMWARE_DIR / "camconfig.toml").read_text()
    for key, value in power.items():
        line = '%s = "%s"' % (key, value)
        text, count = re.subn(r"(?m)^%s = \S+" % key, line, text)
        if not count:
            text = text.replace("[power]\n", "[power]\n" + line + "\n", 1)
            assert line in text, key
    return text


# ---- analogio -----------------------------------------------------------------------------------


def test_analogin_takes_adc_pins_and_reads_whole_millivolts(awake) -> None:
    device = awake()
    with pytest.raises(TypeError, match="^pin must be of type Pin, not str$"):
        analogio.AnalogIn("A0")
    for no_adc in (pins.D6, pins.SDCS, pins._BOOT, pins.D7):
        with pytest.raises(ValueError, match="^Invalid pin$"):
            analogio.AnalogIn(no_adc)  # GPIO43, 21, 0, 44: no ADC channel
    adc = analogio.AnalogIn(pins.A0)
    volts = device.battery_volts() / 2  # the 1:2 divider at the pin
    millivolts = int(volts * 1000)  # adc_cali_raw_to_voltage gives whole mV
    assert adc.value == millivolts * 65535 // 3300 and isinstance(adc.value, int)
    assert adc.reference_voltage == 3.3
    adc.deinit()
    adc.deinit()  # a second deinit is allowed
    for name in ("value", "reference_voltage"):
        with pytest.raises(ValueError, match="^" + re.escape(DEINITED)):
            getattr(adc, name)


def test_adc2_pins_fail_while_wifi_is_started(awake) -> None:
    device = awake()
    adc2 = analogio.AnalogIn(pins.D18)  # GPIO12: ADC2 channel 1
    assert adc2.value == 0  # nothing on it; the radio is off
    device.radio.init(user_initiated=True)  # `import wifi` starts the radio
    with pytest.raises(espidf.IDFError, match="^Operation timed out$"):
        _ = adc2.value
    assert analogio.AnalogIn(pins.A0).value > 0  # ADC1 is not shared with WiFi
    device.radio.set_enabled(False)
    assert adc2.value == 0


def test_a_battery_pin_that_cannot_read_costs_no_photo(simulate) -> None:
    """D6 (GPIO43) has no ADC (AnalogIn would raise "Invalid pin" at every wake): the validator
    refuses it, and the camera runs on the defaults, reporting it once."""
    report, out = simulate(days=0.25, config_text=config_with(battery_pin="D6"))
    assert report["crashes"] == 0 and report["wakes"] > 10
    assert report["captures"] >= report["scheduled_slots"] and report["missed_slots"] == 0
    assert report["errors"] == {"config": 1}
    assert "power.battery_pin: 'D6' is GPIO43, which has no ADC1 channel" in (out / "console.log").read_text()


# ---- watchdog -----------------------------------------------------------------------------------


def test_watchdog_takes_numbers_and_modes_only(awake) -> None:
    device = awake()
    dog = microcontroller.watchdog
    with pytest.raises(TypeError, match="^can't convert str to float$"):
        dog.timeout = "30"
    with pytest.raises(ValueError, match="^timeout must be >= 0$"):
        dog.timeout = -1
    with pytest.raises(ValueError, match="^timeout must be <= 4294967$"):
        dog.timeout = 4294968
    dog.timeout = 4294967
    dog.timeout = 30.5
    assert dog.timeout == 30.5
    dog.feed()  # no mode: nothing to feed, no error
    assert device.watchdog_left() == float("inf")
    with pytest.raises(TypeError, match="^mode must be of type WatchDogMode, not str$"):
        dog.mode = "RESET"
    dog.mode = watchdog.WatchDogMode.RESET
    assert dog.mode is watchdog.WatchDogMode.RESET
    assert device.watchdog_left() == pytest.approx(30.5)
    time_.sleep(10)
    dog.feed()
    assert device.watchdog_left() == pytest.approx(30.5)
    dog.mode = None
    assert dog.mode is None and device.watchdog_left() == float("inf")


# ---- supervisor.ticks_ms ------------------------------------------------------------------------


def test_ticks_ms_wraps_65_seconds_after_a_reset(awake) -> None:
    device = awake()
    for since_reset, ticks in ((0.0, 0x1FFF0000), (65.535, 2**29 - 1), (65.536, 0)):
        device.clock.boot_true = device.clock.true - since_reset
        assert supervisor.ticks_ms() == ticks


def test_phase_timings_stay_right_across_the_wrap(make_board) -> None:
    """The firmware's durations (timelapse/ticks.py) across the wrap 65.5 s after the reset."""
    device = make_board(
        "ticks",
        "import time\nfrom timelapse import ticks\n"
        "time.sleep(60)\nstart = ticks.now()\ntime.sleep(10)\n"
        "print('ticks', start, ticks.now(), ticks.since(start))\n",
    )
    import shutil

    shutil.copytree(FIRMWARE_DIR / "timelapse", device.folder / "timelapse")
    device.wake()
    start, end, since = (int(v) for v in device.console.getvalue().split("ticks ")[1].split()[:3])
    assert end < start  # the count wrapped in between
    assert since == pytest.approx(10000, abs=2)


# ---- os.getenv and os.statvfs -------------------------------------------------------------------

SETTINGS = (
    'TEXT = "a b" # a comment\n'
    "  SPACED   =   42\n"
    "HEX = 0x10\n"
    "FLOAT = 1.5\n"
    "BOOL = true\n"
    "WORD = secret123\n"
    'ESCAPES = "tab\\tq\\"\\u00e9"\n'
    'TRAILING = "x" y\n'
    'OPEN = "no end\n'
    'TEXT = "second"\n'
    "TEXT_LONGER = 1\n"
    "[section]\n"
    'HIDDEN = "after a table"\n'
)


def test_getenv_reads_settings_toml_as_getenv_c(awake) -> None:
    device = awake()
    (device.folder / "settings.toml").write_text(SETTINGS)
    assert os_.getenv("TEXT") == "a b"  # the first line wins; the comment is dropped
    assert os_.getenv("SPACED") == 42
    assert os_.getenv("HEX") == 16  # integers in base 0
    assert os_.getenv("ESCAPES") == 'tab\tq"\u00e9'
    assert os_.getenv("TEXT_LONGER") == 1
    assert os_.getenv("HIDDEN") is None and os_.getenv("HIDDEN", "d") == "d"  # after [section]
    assert os_.getenv("MISSING", 7) == 7
    for key in ("FLOAT", "BOOL", "WORD"):  # not quoted, not an integer
        with pytest.raises(ValueError, match="^invalid syntax for integer"):
            os_.getenv(key)
    with pytest.raises(ValueError, match="^Invalid byte 'y'$"):
        os_.getenv("TRAILING")
    with pytest.raises(ValueError, match=r"^Invalid byte '\\n'$"):
        os_.getenv("OPEN")
    (device.folder / "settings.toml").unlink()
    assert os_.getenv("TEXT") is None  # no file: the default


def test_unreadable_wifi_settings_cost_no_photo(simulate) -> None:
    """A float password and a boolean CircuitPython key: os.getenv raises ValueError for both.
    The firmware reports them (wifi, settings) and keeps capturing."""
    report, out = simulate(days=0.5, settings="WIFI_PASSWORD = 1.5\nCIRCUITPY_WIFI_SSID = true\n")
    console = (out / "console.log").read_text()
    assert report["crashes"] == 0 and report["missed_slots"] == 0 and report["captures"] > 40
    assert report["uploaded"] == 0 and report["supervisor_joins"] == 0
    assert "WiFi name and password must be quoted strings" in console
    assert report["errors"]["wifi"] >= 1 and report["errors"]["settings"] == 1


def test_statvfs_of_the_card_is_fats_tuple(awake) -> None:
    device = awake()
    storage.mount(
        storage.VfsFat(sdcardio.SDCard(busio.SPI(pins.SCK, pins.MOSI, pins.MISO), pins.SDCS)), "/sd"
    )
    stats = os_.statvfs("/sd")
    assert len(stats) == 10 and all(isinstance(v, int) for v in stats)
    assert stats[0] == stats[1] and stats[3] == stats[4]  # f_frsize = f_bsize, f_bavail = f_bfree
    assert stats[5:9] == (0, 0, 0, 0) and stats[9] == 255  # no inode counts; FF_MAX_LFN
    assert stats[2] * stats[0] <= device.card.capacity and stats[4] <= stats[2]


# ---- rtc and struct_time ------------------------------------------------------------------------


def test_rtc_datetime_takes_nine_items_the_first_eight_ints(awake) -> None:
    device = awake()
    clock = rtc.RTC()
    with pytest.raises(TypeError, match="^can't convert float to int$"):
        clock.datetime = (2026, 6, 1, 12, 0, 0.5, 0, 152, -1)
    with pytest.raises(TypeError, match="^value must be of type struct_time, not list$"):
        clock.datetime = [2026, 6, 1, 12, 0, 0, 0, 152, -1]
    with pytest.raises(TypeError, match="^function takes 9 positional arguments but 8 were given$"):
        clock.datetime = (2026, 6, 1, 12, 0, 0, 0, 152)
    clock.datetime = (2026, 6, 1, 12, 0, 0, 0, 152, "tm_isdst is not read")
    assert time_.time() == 1780315200  # 2026-06-01T12:00:00Z
    clock.datetime = time_.localtime(1780315260)
    assert device.clock.rtc == 1780315260


# ---- sdcardio, ipaddress ------------------------------------------------------------------------


def test_sdcard_arguments_and_a_missing_card(awake) -> None:
    awake(faults="card_missing")
    spi = busio.SPI(pins.SCK, pins.MOSI, pins.MISO)
    with pytest.raises(TypeError, match="^spi must be of type SPI, not NoneType$"):
        sdcardio.SDCard(None, pins.SDCS)
    with pytest.raises(TypeError, match="^cs must be of type Pin, not str$"):
        sdcardio.SDCard(spi, "SDCS")
    with pytest.raises(TypeError, match="^can't convert float to int$"):
        sdcardio.SDCard(spi, pins.SDCS, baudrate=4e6)  # type: ignore[arg-type]  # the wrong type on purpose
    with pytest.raises(OSError) as missing:
        sdcardio.SDCard(spi, pins.SDCS)
    assert str(missing.value) == "no SD card" and missing.value.errno is None


@pytest.mark.parametrize(
    "address, message",
    [
        ("", "Not a valid IP string"),
        ("192.168.1", "Not a valid IP string"),
        ("192.168.1.256", "Not a valid IP string"),
        ("a.b.c.d", "Not a valid IP string"),
        (b"\x01\x02\x03", "Address must be 4 bytes long"),
    ],
)
def test_ipv4address_refuses_what_the_binding_refuses(address, message: str) -> None:
    with pytest.raises(ValueError, match="^%s$" % message):
        ipaddress_.IPv4Address(address)


def test_ipv4address_takes_strings_ints_and_four_bytes() -> None:
    assert str(ipaddress_.IPv4Address("192.168.0.1")) == "192.168.0.1"
    assert str(ipaddress_.IPv4Address(0x0100A8C0)) == "192.168.0.1"  # little-endian uint32
    assert ipaddress_.IPv4Address(b"\xc0\xa8\x00\x01") == ipaddress_.IPv4Address("192.168.0.1")


# ---- microcontroller ----------------------------------------------------------------------------


def test_cpu_facts_and_delay_us(awake) -> None:
    awake()
    cpu = microcontroller.cpu
    uid = cpu.uid
    assert type(uid) is bytearray and len(uid) == 6  # COMMON_HAL_MCU_PROCESSOR_UID_LENGTH
    uid[0] ^= 0xFF
    assert cpu.uid != uid  # a new bytearray at every read
    assert isinstance(cpu.temperature, float)  # the S3 has a sensor: never None
    assert cpu.reset_reason in vars(microcontroller.ResetReason).values()
    microcontroller.delay_us(1000)
    with pytest.raises(TypeError, match="^can't convert float to int$"):
        microcontroller.delay_us(1.5)  # type: ignore[arg-type]  # the wrong type on purpose


# ---- alarm.sleep_memory -------------------------------------------------------------------------


def test_sleep_memory_checks_as_nvm_does(awake) -> None:
    device = awake()
    from sim.circuitpython import alarm

    memory = alarm.sleep_memory
    assert len(memory) == 4096  # SLEEP_MEMORY_LENGTH on the S3 (common-hal/alarm/SleepMemory.h)
    with pytest.raises(NotImplementedError, match="^array/bytes required on right side$"):
        memory[0:2] = [1, 2]
    with pytest.raises(ValueError, match=r"^Slice and value different lengths\.$"):
        memory[0:2] = b"abc"
    with pytest.raises(NotImplementedError, match="^only slices with step=1"):
        memory[0:4:2] = b"ab"
    with pytest.raises(ValueError, match="^bytes must be 0-255$"):
        memory[0] = 256
    with pytest.raises(TypeError, match="doesn't support item deletion"):
        del memory[0]
    memory[4094:] = b"\x01\x02"
    memory[-3] = 7
    assert memory[4093:] == bytearray(b"\x07\x01\x02") and type(memory[0:1]) is bytearray
    assert device.sleep_memory[4093:] == b"\x07\x01\x02" and len(device.sleep_memory) == 4096


# ---- board ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("version, present", [("9.2.8", False), ("10.0.3", False), ("10.1.0", True)])
def test_board_pin_names_follow_the_release(awake, version: str, present: bool) -> None:
    awake(version=version)
    assert pins.A0.gpio == 1 and pins.SDCS.gpio == 21 and pins.CAM_XCLK.gpio == 10
    assert hasattr(pins, "D18") is present and hasattr(pins, "MTDO") is present
    assert not hasattr(pins, "BOOT")  # the button has no board name (GPIO0)


def test_a_wake_pin_the_release_does_not_name_costs_no_slot(simulate) -> None:
    """wake_pin = "D13": `board.D13` is an AttributeError on 9.2.8 and 10.0.3 (and the camera's
    SDA on 10.1.0): the validator refuses it, the camera sleeps until the next slot (not
    code.py's 10-minute fallback)."""
    report, out = simulate(days=0.25, circuitpython="9.2.8", config_text=config_with(wake_pin="D13"))
    console = (out / "console.log").read_text()
    assert report["crashes"] == 0 and report["missed_slots"] == 0
    assert "power.wake_pin: 'D13' is not a pin" in console and "[error] boot" not in console


def test_wake_alarm_and_reset_reason_tell_a_deep_sleep_wake(make_board) -> None:
    """What cycle.run reads to tell a deep-sleep wake from a reset: `alarm.wake_alarm` is None
    after a power-on and an alarm after a deep-sleep wake; `cpu.reset_reason` says the same."""
    device = make_board(
        "woke",
        "import alarm, microcontroller, time\n"
        "print('woke', alarm.wake_alarm is None, microcontroller.cpu.reset_reason"
        " == microcontroller.ResetReason.DEEP_SLEEP_ALARM)\n"
        "alarm.exit_and_deep_sleep_until_alarms("
        "alarm.time.TimeAlarm(monotonic_time=time.monotonic() + 60))\n",
    )
    from sim.runner import live_once

    assert live_once(device, START + 86400) and live_once(device, START + 86400)
    lines = [line for line in device.console.getvalue().splitlines() if line.startswith("woke")]
    assert lines == ["woke True False", "woke False True"]
