"""The clock model's arithmetic at CircuitPython's 30-bit float precision.

The VM computes in 64-bit floats (only time.monotonic() is rounded to the board's 30 bits), so
the arithmetic where precision matters -- epoch seconds, offsets, the learned rate -- is run here
with every float an F30 (tests/test_sun.py: each operation rounded as the board stores it), and
compared with the same run in double precision and with the true time.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from state.record import merged
from state.store import DURABLE, HOT
from tests.test_sun import F30  # the board's 30-bit floats
from timelapse import timesync

START = 1780300800  # 2026-06-01T08:00:00Z
DRIFT_PPM = 5000.0  # the reference profile's RC oscillator
SLEEP_S = 600
CFG: dict[str, dict] = {"time": {"max_error": 5, "max_interval": 7 * 86400}}


def run_week(monkeypatch, number) -> tuple[float, float, float]:
    """A week of 10-minute sleeps on an RTC running DRIFT_PPM fast, synced whenever timesync says
    so, with exact samples: (largest |utc_now() - true| in s, last alarm error in s, rate)."""
    rtc = SimpleNamespace(value=float(START))  # the RTC, fractions of a second included
    monkeypatch.setattr(timesync, "time", SimpleNamespace(time=lambda: int(rtc.value)))
    monkeypatch.setattr(timesync, "_offset", number(0.0))
    hot, durable = merged(HOT, {}), merged(DURABLE, {})
    true = float(START)
    worst = alarm_error = 0.0
    temperature = number(20.0)
    for wake in range(7 * 144):
        timesync.begin(hot, durable, temperature)
        if not hot["clock"] or timesync.due(hot, durable, CFG, timesync.utc_now(), SLEEP_S):
            whole = int(true)
            timesync.apply(hot, durable, whole, number(true - whole), number(0.05))
            if hot["rate"]:
                hot["rate"] = [number(v) for v in hot["rate"]]
        worst = max(worst, abs(timesync.utc_now() - true)) if wake > 144 else worst
        wake_utc = timesync.utc_now() + SLEEP_S
        target = timesync.rtc_alarm(hot, durable, wake_utc)
        timesync.end(hot)
        hot["clock"][1:] = [number(v) for v in hot["clock"][1:]]
        hot["since"] = [hot["since"][0]] + [number(v) for v in hot["since"][1:]]
        rtc_sleep = target - rtc.value
        true += rtc_sleep / (1 + DRIFT_PPM * 1e-6)
        rtc.value = float(target)
        alarm_error = abs(true - wake_utc) if wake > 144 else alarm_error
    rate = timesync.learned_ppm(hot, durable)
    assert rate is not None, "a week of syncs learned no rate"
    return worst, alarm_error, rate


@pytest.mark.parametrize("precision", ["double", "30-bit"])
def test_a_week_of_clock_corrections_holds_the_bound(monkeypatch, precision: str) -> None:
    number = float if precision == "double" else F30
    worst, alarm_error, rate = run_week(monkeypatch, number)
    assert worst <= CFG["time"]["max_error"] + timesync.RTC_TICK_S, worst
    assert alarm_error <= 2.0
    assert abs(rate - DRIFT_PPM) < 25, rate


def test_30_bit_floats_agree_with_double(monkeypatch) -> None:
    double = run_week(monkeypatch, float)
    single = run_week(monkeypatch, F30)
    assert abs(double[0] - single[0]) < 1.0
    assert abs(double[2] - single[2]) < 2.0
