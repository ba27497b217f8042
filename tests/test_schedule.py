"""timelapse.schedule and timelapse.sun: the wall-clock grid, windows, and the sun on the board."""

from __future__ import annotations

import datetime as dt

import pytest
from astral import Observer
from astral.sun import sunrise, sunset
from hypothesis import given, settings
from hypothesis import strategies as st

from timelapse import civil, schedule, sun

DAY = 86400
D0 = civil.epoch(2026, 6, 1)  # a local midnight


def plan(**changes) -> dict:
    base = {"interval": 600, "start": None, "stop": None, "active_hours": None,
            "night_interval": None, "daylight": False, "latitude": None, "longitude": None,
            "utc_offset": 0}
    base.update(changes)
    return base


def test_grid_fires_on_the_clock_whatever_the_wake_time() -> None:
    ten = plan()
    assert schedule.next_slot(D0 + 3 * 3600 + 7 * 60 + 13, ten) == D0 + 3 * 3600 + 10 * 60
    assert schedule.next_slot(D0 + 600, ten) == D0 + 1200  # strictly after
    assert schedule.next_slot(D0 + DAY - 1, ten) == D0 + DAY
    seven = plan(interval=7 * 60)  # does not divide a day: starts again at midnight
    assert schedule.next_slot(D0 + DAY - 60, seven) == D0 + DAY
    two_days = plan(interval=2 * DAY)
    assert schedule.next_slot(D0, two_days) % (2 * DAY) == 0


def test_active_hours_across_midnight_with_night_interval() -> None:
    night_owl = plan(active_hours=[22 * 60, 5 * 60], night_interval=7200)
    slots = list(schedule.slots_between(D0, D0 + DAY, night_owl))
    assert slots[:3] == [D0, D0 + 600, D0 + 1200]
    assert D0 + 5 * 3600 not in slots and D0 + 6 * 3600 in slots  # 06:00 on the 2 h grid
    assert D0 + 22 * 3600 in slots and D0 + 22 * 3600 + 600 in slots
    assert len(slots) == 5 * 6 + 2 * 6 + 8  # 00-05 and 22-24 every 10 min; 06..20 every 2 h
    day_only = plan(active_hours=[6 * 60, 20 * 60])
    assert schedule.next_slot(D0 + 20 * 3600 - 1, day_only) == D0 + DAY + 6 * 3600


def test_start_and_stop_bound_the_slots() -> None:
    bounded = plan(start=D0 + 3600 + 5, stop=D0 + 2 * 3600)
    assert schedule.next_slot(D0 - 10 * DAY, bounded) == D0 + 3600 + 600
    assert schedule.next_slot(D0 + 2 * 3600 - 600, bounded) == D0 + 2 * 3600  # stop is inclusive
    assert schedule.next_slot(D0 + 2 * 3600, bounded) is None


def test_slot_at_takes_the_nearest_slot_within_tolerance() -> None:
    ten = plan()
    assert schedule.slot_at(D0 + 602, ten, 90) == D0 + 600
    assert schedule.slot_at(D0 + 598, ten, 90) == D0 + 600
    assert schedule.slot_at(D0 + 900, ten, 90) is None  # a late wake takes no slot: it skips


def test_daylight_window_follows_the_sun() -> None:
    place = dict(daylight=True, latitude=60.0, longitude=10.0, utc_offset=3600)
    for month in (6, 12):
        day0 = civil.epoch(2026, month, 21)
        slots = list(schedule.slots_between(day0, day0 + DAY, plan(**place)))
        observer = Observer(60.0, 10.0)
        rise = sunrise(observer, dt.date(2026, month, 21)).timestamp() + 3600
        set_ = sunset(observer, dt.date(2026, month, 21)).timestamp() + 3600
        assert slots and all(rise - 60 <= s < set_ + 60 for s in slots)
        assert slots[0] - rise < 600 and set_ - slots[-1] <= 600


def test_polar_day_and_night() -> None:
    assert sun.solar_day(civil.days_from_civil(2026, 12, 21), 80.0, 0.0) is None
    always = sun.solar_day(civil.days_from_civil(2026, 6, 21), 80.0, 0.0)
    assert always[1] - always[0] == DAY
    arctic = plan(daylight=True, latitude=80.0, longitude=0.0)
    assert schedule.next_slot(civil.epoch(2026, 12, 21), arctic) >= civil.epoch(2027, 2, 1)
    assert schedule.next_slot(civil.epoch(2026, 6, 21, 2), arctic) == civil.epoch(2026, 6, 21, 2, 10)


def test_sun_agrees_with_astral_within_two_minutes_over_a_year() -> None:
    worst = 0.0
    for latitude in range(-60, 61, 10):
        for longitude in (-150.0, -75.0, 4.9, 120.0):
            observer = Observer(latitude, longitude)
            for offset in range(365):
                date = dt.date(2026, 1, 1) + dt.timedelta(offset)
                days = civil.days_from_civil(date.year, date.month, date.day)
                ours = [sun.solar_day(d, latitude, longitude) for d in (days - 1, days, days + 1)]
                for index, event in ((0, sunrise), (1, sunset)):
                    try:
                        theirs = event(observer, date).timestamp()
                    except ValueError:
                        continue  # no such event on that UTC date (it fell on a neighbour)
                    if not 3600 <= theirs % DAY <= DAY - 3600:
                        # astral wraps events within an hour of 00:00 UTC onto the date with
                        # the neighbouring day's declination (minutes off at high latitudes).
                        continue
                    worst = max(worst, min(abs(p[index] - theirs) for p in ours))
    assert worst < 120, worst


schedules = st.builds(
    plan,
    interval=st.sampled_from([60, 300, 420, 600, 1800, 3600, 5400, 7200]),
    active_hours=st.one_of(st.none(), st.tuples(st.integers(0, 1439), st.integers(0, 1439))
                           .filter(lambda w: w[0] != w[1]).map(list)),
    night_interval=st.one_of(st.none(), st.sampled_from([600, 3600, 7200])),
    daylight=st.booleans(),
    latitude=st.just(52.0), longitude=st.just(5.0), utc_offset=st.sampled_from([0, 3600, -18000]),
)


def brute_is_slot(t: int, p: dict) -> bool:
    """The semantics of the module docstring, minute by minute."""
    day0 = t - t % DAY
    minute = (t - day0) // 60
    window = True
    if p["active_hours"]:
        a, b = p["active_hours"]
        window = a <= minute < b if a < b else (minute >= a or minute < b)
    if p["daylight"]:
        utc_day = (day0 - p["utc_offset"]) // DAY
        lit = False
        for d in (utc_day - 1, utc_day, utc_day + 1):
            pair = sun.solar_day(d, p["latitude"], p["longitude"])
            if pair and pair[0] + p["utc_offset"] <= t < pair[1] + p["utc_offset"]:
                lit = True
        window = window and lit
    grid = p["interval"] if window else p["night_interval"]
    return bool(grid) and (t - day0) % grid == 0


@settings(max_examples=60, derandomize=True, deadline=None)
@given(schedules, st.integers(0, 3 * DAY))
def test_next_slot_agrees_with_a_brute_force_scan(p: dict, offset: int) -> None:
    after = D0 + offset
    expected = next((t for t in range(after + 1 + (-(after + 1)) % 60, after + 3 * DAY, 60)
                     if brute_is_slot(t, p)), None)
    got = schedule.next_slot(after, p)
    if expected is None:
        assert got is None or got >= after + 3 * DAY
    else:
        assert got == expected
