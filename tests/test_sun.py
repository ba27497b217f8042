"""timelapse.sun: sunrise and sunset on the board, against astral 3.2, also in single precision."""

from __future__ import annotations

import datetime as dt
import math
import struct
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from astral import Observer
from astral.sun import sunrise, sunset

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from timelapse import civil, sun  # noqa: E402

DAY = 86400
LONGITUDES = (-179.9, -122.4, -75.0, 0.0, 4.9, 60.0, 120.0, 179.9)


def astral_event(event, observer: Observer, date: dt.date) -> float | None:
    try:
        return event(observer, date).timestamp()
    except ValueError:
        return None


@pytest.mark.slow
def test_agrees_with_astral_within_two_minutes_every_day_of_a_year() -> None:
    worst, quirks, compared = 0.0, 0, 0
    for latitude in range(-60, 61, 10):
        for longitude in LONGITUDES:
            observer = Observer(latitude, longitude)
            for offset in range(365):
                date = dt.date(2026, 1, 1) + dt.timedelta(offset)
                ours = sun.sun_times(
                    civil.days_from_civil(date.year, date.month, date.day), latitude, longitude
                )
                for mine, event in zip(ours, (sunrise, sunset), strict=True):
                    theirs = astral_event(event, observer, date)
                    if mine is None and theirs is not None and min(theirs % DAY, -theirs % DAY) < 600:
                        # A date without a sunrise (they drift across 00:00 UTC by a few minutes
                        # a day). astral then returns its neighbour's one moved by a day, e.g.
                        # 60N 120E 2026-11-16 00:02 (the real ones: 11-15 23:59, 11-17 00:02).
                        quirks += 1
                        continue
                    assert (mine is None) == (theirs is None), (latitude, longitude, date)
                    if mine is not None and theirs is not None:
                        assert isinstance(mine, int)
                        worst = max(worst, abs(mine - theirs))
                        compared += 1
    assert worst < 120, worst
    assert worst < 5, worst  # in fact the same equations: only rounding differs
    assert compared > 70000 and quirks < 10


def test_times_fall_on_the_date_in_order() -> None:
    days = civil.days_from_civil(2026, 6, 21)
    rise, set_ = sun.sun_times(days, 52.37, 4.90)  # Amsterdam: 03:18 and 20:06 UTC (astral)
    assert civil.split(rise)[:5] == (2026, 6, 21, 3, 18)
    assert civil.split(set_)[:5] == (2026, 6, 21, 20, 6)
    # Tokyo: the sunrise of 21 June UTC is the one of 22 June local, at 19:25 UTC
    rise, set_ = sun.sun_times(days, 35.68, 139.69)
    assert days * DAY <= set_ < rise < days * DAY + DAY


def test_solar_day_pairs_a_sunrise_with_the_following_sunset() -> None:
    for longitude in LONGITUDES:
        for days in range(civil.days_from_civil(2026, 1, 1), civil.days_from_civil(2027, 1, 1), 9):
            day = sun.solar_day(days, 45.0, longitude)
            assert day is not None
            rise, set_ = day
            noon = days * DAY + DAY // 2 - round(longitude * 240)  # mean solar noon
            assert noon - DAY // 2 < rise < noon < set_ < noon + DAY // 2


def test_polar_day_and_night() -> None:
    december, june = civil.days_from_civil(2026, 12, 21), civil.days_from_civil(2026, 6, 21)
    assert sun.sun_times(december, 80.0, 0.0) == (sun.POLAR_NIGHT, sun.POLAR_NIGHT)
    assert sun.sun_times(june, 80.0, 0.0) == (sun.POLAR_DAY, sun.POLAR_DAY)
    assert sun.sun_times(june, -75.0, 100.0) == (sun.POLAR_NIGHT, sun.POLAR_NIGHT)
    assert sun.sun_times(december, 89.9, -179.9) == (sun.POLAR_NIGHT, sun.POLAR_NIGHT)
    assert sun.solar_day(december, 80.0, 0.0) is None
    day = sun.solar_day(june, 80.0, 10.0)
    assert day is not None
    rise, set_ = day
    assert (rise, set_) == (june * DAY - 2400, june * DAY + DAY - 2400)  # the whole solar day
    nxt = sun.solar_day(june + 1, 80.0, 10.0)
    assert nxt is not None and nxt[0] == set_  # polar days tile without a gap
    # every day of a year near the pole: polar answers on both ends, real ones between
    polar = {sun.POLAR_DAY: 0, sun.POLAR_NIGHT: 0, "times": 0}
    for days in range(civil.days_from_civil(2026, 1, 1), civil.days_from_civil(2027, 1, 1)):
        rise, set_ = sun.sun_times(days, 75.0, 20.0)
        if isinstance(rise, str):
            assert rise == set_
            polar[rise] += 1
        else:
            polar["times"] += 1
            for when in (rise, set_):
                assert when is None or days * DAY <= when < days * DAY + DAY
    assert polar[sun.POLAR_DAY] > 90 and polar[sun.POLAR_NIGHT] > 70 and polar["times"] > 150


# --- single precision --------------------------------------------------------------------------
# The ESP32-S3 CircuitPython build stores floats in 30 bits: a float32 whose two lowest mantissa
# bits are dropped. F30 rounds the result of every operation that way, so running sun.py with
# F30 inputs (and F30 math) is what the board computes.


def _f30(x: float) -> float:
    bits = struct.unpack("<I", struct.pack("<f", x))[0] & ~3
    return struct.unpack("<f", struct.pack("<I", bits))[0]


class F30(float):
    def __new__(cls, value: float) -> F30:
        return float.__new__(cls, _f30(float(value)))


def _binary(name: str):
    op = getattr(float, name)

    def method(self: float, other: object) -> object:
        if not isinstance(other, (int, float)):
            return NotImplemented
        result = op(float(self), _f30(float(other)))
        return result if result is NotImplemented else F30(result)

    return method


for _name in ("add", "sub", "mul", "truediv", "mod", "pow"):
    setattr(F30, f"__{_name}__", _binary(f"__{_name}__"))
    setattr(F30, f"__r{_name}__", _binary(f"__r{_name}__"))
F30.__neg__ = lambda self: F30(-float(self))  # type: ignore[method-assign]


def _unary(fn):
    return lambda x: F30(fn(_f30(float(x))))


MATH30 = SimpleNamespace(
    pi=F30(math.pi),
    **{
        name: _unary(getattr(math, name))
        for name in ("sin", "cos", "tan", "asin", "acos", "radians", "degrees")
    },
)


def test_f30_really_is_single_precision() -> None:
    assert F30(1.0) + 1e-7 == 1.0 and 1.0 + F30(1e-7) == 1.0
    epoch = F30(1_780_000_000)
    assert epoch + 1 == epoch and abs(float(epoch) - 1_780_000_000) > 100  # epoch seconds ruined
    assert F30(0.1) * 3 != 0.1 * 3


@pytest.mark.parametrize("latitude", [-60.0, -33.9, 0.0, 35.7, 52.37, 60.0, 70.0])
def test_single_precision_gives_the_same_times(latitude: float, monkeypatch) -> None:
    cases = [
        (days, longitude)
        for days in range(civil.days_from_civil(2026, 1, 3), civil.days_from_civil(2027, 1, 1), 23)
        for longitude in (-122.4, 4.9, 151.2)
    ]
    cases.append((civil.days_from_civil(2099, 6, 1), 4.9))  # decades on, days from J2000 grow
    double = [sun.solar_day(days, latitude, longitude) for days, longitude in cases]
    monkeypatch.setattr(sun, "math", MATH30)
    monkeypatch.setattr(sun, "float", F30, raising=False)  # float() of the day number
    single = [sun.solar_day(days, F30(latitude), F30(longitude)) for days, longitude in cases]
    worst = 0
    for a, b in zip(double, single, strict=True):
        assert (a is None) == (b is None)
        if a is not None and b is not None:
            worst = max(worst, abs(a[0] - b[0]), abs(a[1] - b[1]))
    assert worst <= 10, worst  # seconds; a float epoch or Julian day would be off by minutes
