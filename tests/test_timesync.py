"""timesync on a synthetic clock: the sleeping RTC runs fast by a temperature-dependent rate, the
firmware's corrected time must stay within its bound, and the rate model must be learned."""

from __future__ import annotations

import math
import random
import sys
import time as host_time
import types

import pytest

from state import record
from state.store import DURABLE, HOT
from timelapse import timesync

DAY = 86400
START = 1780000000  # 2026-05-28


class Board:
    """True time and a RTC that reads whole seconds and drifts only while the board sleeps."""

    def __init__(self, mean_ppm: float, slope: float, seed: int = 3) -> None:
        self.true = float(START)
        self.rtc = float(START)
        self.mean_ppm, self.slope = mean_ppm, slope
        self.noise = random.Random(seed)
        self.rtc_sets: list[tuple[float, float]] = []  # (RTC before, RTC after) of each setting

    def set_rtc(self, value) -> None:
        """rtc.RTC().datetime = time.localtime(t): the RTC reads t, whole seconds."""
        after = float(host_time.mktime(tuple(value)))
        self.rtc_sets.append((self.rtc, after))
        self.rtc = after

    def temperature(self) -> float:
        return 20.0 + 8.0 * math.sin(2 * math.pi * (self.true % DAY / DAY - 0.375))

    def sleep(self, rtc_target: float) -> None:
        """Sleep until the RTC reads rtc_target (at the rate of the temperature mid-sleep)."""
        span = rtc_target - self.rtc
        mid = self.true + span / 2
        temp = 20.0 + 8.0 * math.sin(2 * math.pi * (mid % DAY / DAY - 0.375))
        ppm = self.mean_ppm + self.slope * (temp - 20) + self.noise.uniform(-50, 50)
        self.true += span / (1 + ppm * 1e-6)
        self.rtc = rtc_target

    def awake(self, seconds: float) -> None:
        self.true += seconds
        self.rtc += seconds

    def time(self) -> int:
        return int(self.rtc)


@pytest.fixture
def board(monkeypatch):
    made = Board(mean_ppm=5000, slope=62.5)  # +-10 % of the mean over +-8 C, as the simulator
    monkeypatch.setattr(timesync.time, "time", made.time)
    monkeypatch.setattr(timesync, "_offset", 0.0)

    class FakeRTC:
        datetime = property(None, lambda self, value: made.set_rtc(value))

    fake_rtc = types.SimpleNamespace(RTC=FakeRTC)  # the `rtc` module, as timesync uses it
    monkeypatch.setitem(sys.modules, "rtc", fake_rtc)
    return made


def fresh_state():
    return record.merged(HOT, {}), record.merged(DURABLE, {})


CFG: dict[str, dict] = {"time": {"max_error": 5, "max_interval": 7 * DAY, "ntp_server": "pool.ntp.org"}}


def live(board, hot, durable, days, interval=600, sync_every=None):
    """Wake every `interval` (corrected time) for `days`; sync when due (or every
    `sync_every` wakes). Returns (worst |corrected - true| at wakes, syncs, worst bound miss)."""
    worst, syncs, misses = 0.0, 0, 0
    wakes = int(days * DAY / interval)
    for n in range(wakes):
        temp = board.temperature()
        timesync.begin(hot, durable, temp)
        board.awake(1.2)
        now = timesync.utc_now()
        error = abs(now - board.true)
        worst = max(worst, error)
        bound = timesync.error_bound(hot)
        if bound is not None and error > bound + 1:
            misses += 1
        next_wake = (now // interval + 1) * interval
        due = timesync.due(hot, durable, CFG, now, next_wake - now)
        if due if sync_every is None else n % sync_every == 0:
            whole = int(board.true)
            timesync.apply(hot, durable, whole, board.true - whole, 0.05)
            syncs += 1
            next_wake = (timesync.utc_now() // interval + 1) * interval
        alarm = timesync.rtc_alarm(hot, durable, next_wake)
        timesync.end(hot)
        board.sleep(alarm)
    return worst, syncs, misses


def test_cold_board_needs_a_sync_and_a_sample_sets_the_time(board):
    hot, durable = fresh_state()
    timesync.begin(hot, durable, 20.0)
    assert timesync.due(hot, durable, CFG, timesync.utc_now(), 600) == "cold"
    board.rtc = 946684800.0  # after a power loss
    assert not timesync.valid(timesync.utc_now())


def test_learns_the_rate_and_keeps_the_bound(board):
    hot, durable = fresh_state()
    worst, syncs, misses = live(board, hot, durable, days=10)
    assert misses == 0, "the corrected time left its error bound"
    assert worst <= CFG["time"]["max_error"] + 1
    # Learned within 10 % of the true mean (5000 ppm at 20 C), and the temperature slope's sign.
    assert abs(hot["rate"][0] - 5000) < 500
    assert hot["rate"][1] > 0
    # Syncs only when the bound requires: far fewer than one per wake (1440 wakes), and fewer
    # once learned: under two a day with time samples from syncs alone (no uploads here).
    assert syncs < 60
    worst, later_syncs, misses = live(board, hot, durable, days=10)
    assert misses == 0 and worst <= CFG["time"]["max_error"] + 1
    assert later_syncs < min(syncs, 20), (syncs, later_syncs)


def test_without_the_model_uncorrected_time_would_drift_minutes(board):
    """The point of compensation: the RTC itself is 430 s a day fast. (Syncs that find it over
    RESET_RTC_S off set it back, so that the offset kept in sleep memory stays small.)"""
    hot, durable = fresh_state()
    live(board, hot, durable, days=3)
    gained = board.rtc - board.true + sum(before - after for before, after in board.rtc_sets)
    assert gained > 3 * 400
    assert all(abs(before - after) > timesync.RESET_RTC_S - 2 for before, after in board.rtc_sets)


def test_a_wild_sample_is_distrusted_once_then_believed_when_repeated(board):
    hot, durable = fresh_state()
    live(board, hot, durable, days=1, sync_every=6)
    temp = board.temperature()
    timesync.begin(hot, durable, temp)
    before = timesync.utc_now()
    assert timesync.apply(hot, durable, int(board.true) + 3600, 0.0, 0.5) is None
    assert abs(timesync.utc_now() - before) < 2, "a wild sample moved the clock"
    assert timesync.apply(hot, durable, int(board.true) + 3600, 0.0, 0.5) is not None
    assert abs(timesync.utc_now() - (board.true + 3600)) < 2


def test_the_model_reaches_nvm_daily_once_learned(board):
    hot, durable = fresh_state()
    live(board, hot, durable, days=3, sync_every=3)
    saved_at = durable["rate"][5]
    assert timesync.learned_ppm(record.merged(HOT, {}), durable) == pytest.approx(durable["rate"][0], abs=0.1)
    live(board, hot, durable, days=0.5, sync_every=3)
    assert durable["rate"][5] == saved_at or durable["rate"][5] - saved_at >= DAY
