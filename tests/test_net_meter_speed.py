"""The shortcuts of the power meter's hot path (issue 18) charge what the long way did: the
watchdog's reset time kept beside its state, the deep sleep to an alarm that takes the clock it
projected, a compile charged from the source's size."""

from __future__ import annotations

import copy
import math

import pytest

from sim import circuitpython
from sim.device import Device
from sim.parts.power import WatchdogReset
from sim.runner import RunOptions, parse_start

START = parse_start(RunOptions.start)


@pytest.fixture
def awake(make_board):
    def _awake() -> Device:
        device = make_board("awake", "")
        circuitpython.current = device
        device._reset_board_modules()
        device.wake_records.clear()
        return device

    yield _awake
    circuitpython.current = None


def test_the_watchdog_in_reset_mode_cuts_a_charge_at_its_timeout(awake) -> None:
    device = awake()
    device.arm_watchdog(5.0, "watchdog.WatchDogMode.RESET")
    device.spend("cpu", 2.0, 40.0)
    device.feed_watchdog()  # 5 s from here
    start = device.clock.true
    with pytest.raises(WatchdogReset):
        device.spend("cpu", 60.0, 40.0)
    assert device.clock.true - start == pytest.approx(5.0, abs=1e-9)
    assert device.meter.mAs["cpu"] == pytest.approx((2.0 + 5.0) * 40.0, abs=1e-9)


def test_a_watchdog_in_raise_mode_or_off_cuts_nothing(awake) -> None:
    device = awake()
    device.arm_watchdog(5.0, "watchdog.WatchDogMode.RAISE")
    device.spend("cpu", 60.0, 40.0)
    assert device.watchdog_left() == math.inf
    device.arm_watchdog(5.0, "watchdog.WatchDogMode.RESET")
    device._reset_board_modules()  # the end of a wake turns it off
    assert device.watchdog_left() == math.inf
    device.spend("cpu", 60.0, 40.0)
    assert device.meter.seconds["cpu"] == 120.0


def test_a_wake_after_one_that_armed_the_watchdog_is_not_reset(make_board) -> None:
    code = (
        "import alarm, microcontroller, time, watchdog\n"
        "if alarm.sleep_memory[0] == 0:\n"
        "    alarm.sleep_memory[0] = 1\n"
        "    microcontroller.watchdog.timeout = 20\n"
        "    microcontroller.watchdog.mode = watchdog.WatchDogMode.RESET\n"
        "else:\n"
        "    time.sleep(60)\n"
        "alarm.exit_and_deep_sleep_until_alarms(alarm.time.TimeAlarm(monotonic_time=time.monotonic() + 60))\n"
    )
    device = make_board("", code)
    assert device.wake()[0] == "sleep"  # armed the watchdog, then slept
    assert device.wake()[0] == "sleep"  # awake 60 s, past its 20 s: it stopped with the sleep


def test_a_deep_sleep_to_its_alarm_ends_where_the_clock_alone_would(awake) -> None:
    device = awake()
    target = device.clock.rtc + 3 * 3600 + 17.25
    expected = copy.deepcopy(device.clock)
    slept = expected.sleep_until_rtc(target)
    assert device.sleep_until(target, math.inf) == "alarm"
    assert (device.clock.true, device.clock.rtc) == (expected.true, expected.rtc)
    assert device.meter.seconds["sleep"] == pytest.approx(slept, abs=1e-6)


def test_a_compile_costs_its_source_size_at_the_cpu_current(awake) -> None:
    board = awake()
    board.charge_compile(3000)
    profile = board.profile
    seconds = 3000 / 1024 * profile["cpu"]["compile_s_per_kB"]
    assert board.meter.seconds["compile"] == pytest.approx(seconds)
    assert board.meter.mAs["compile"] == pytest.approx(seconds * profile["cpu"]["current_mA"])
