"""The board's temperature in an outdoor enclosure, and the sleeping RTC's rate against it.

The XIAO sits in a small closed box outdoors. Its temperature is the air's, which swings over
the day (warmest mid-afternoon, local solar time) and wanders from day to day with the weather,
plus the sun on the box: a closed enclosure in full sun runs well above the air around it,
and clouds cut that most days. `microcontroller.cpu.temperature` reads this temperature (the
chip's own warming in a wake of a few seconds is left out).

Figures (assumptions, docs/fidelity.md "Time keeping"): a mean daily air temperature range of
10 C (amplitude 5 C), typical of mid-latitude inland sites in summer; day-to-day weather of
+-3 C (1 sigma, a slow random walk pulled back to the mean); up to 12 C of solar gain on a
small closed plastic box at full sun, scaled by the sine of the sun's elevation and a daily
cloudiness between none and full. Chosen so that the long-run mean stays near 20 C, where the
reference profile's drift_ppm is the RC oscillator's mean rate error.

The RC_SLOW oscillator's rate error: the mean (drift_ppm), a temperature coefficient, and a
slowly wandering part (hourly random values, interpolated). Espressif publishes no temperature
coefficient for RC_SLOW_CLK (the ESP-IDF clock tree and RTC timer pages only say it is "easily
affected by the environment"); RC_TEMPCO_FRACTION keeps the earlier model's 10 % of the mean
over 8 C (62.5 ppm per C at 5000 ppm), the order RC relaxation oscillators show.
"""

from __future__ import annotations

import math
import random

MEAN_C = 17.7  # mean air temperature (C); the sun adds ~2 C on average
AIR_AMPLITUDE_C = 5.0  # half the daily air range
WARMEST_SOLAR_H = 15.0  # the air is warmest at 15:00 local solar time
WEATHER_SIGMA_C = 3.0  # day-to-day wander of the daily mean (1 sigma)
SUN_GAIN_C = 12.0  # enclosure above air at full sun, clear sky
RC_TEMPCO_FRACTION = 0.10 / 8.0  # rate change per C, as a fraction of the mean rate error
WANDER_FRACTION = 0.004  # hourly wander of the rate, as a fraction of the mean (1 sigma)
NOMINAL_C = 20.0  # the temperature at which the rate error is drift_ppm
STEP_S = 600.0  # integration step over a sleep


class Thermal:
    """Deterministic per seed: the same instant always has the same temperature and rate."""

    def __init__(self, seed: int, latitude: float = 52.37, longitude: float = 4.90) -> None:
        self.seed = seed
        self.latitude = math.radians(latitude)
        self.longitude = longitude
        self._days: dict[int, tuple[float, float]] = {}
        self._hours: dict[int, float] = {}

    def _day(self, day: int) -> tuple[float, float]:
        """(weather offset C, clear-sky fraction) of a UTC day number: the weather is a moving
        sum of daily shocks (each day keeps 0.7 of the day before), so it persists for days."""
        if day not in self._days:
            weather = sum(0.7**k * self._shock(day - k) for k in range(8)) * math.sqrt(1 - 0.49)
            self._days[day] = (weather, random.Random((self.seed * 1_000_003) ^ (day * 31)).random())
        return self._days[day]

    def _shock(self, day: int) -> float:
        return random.Random((self.seed * 1_000_003) ^ (day * 7919)).gauss(0.0, WEATHER_SIGMA_C)

    def temperature(self, t: float) -> float:
        day = int(t // 86400)
        weather, clear = self._day(day)
        solar_h = (t % 86400) / 3600 + self.longitude / 15.0
        air = MEAN_C + weather + AIR_AMPLITUDE_C * math.cos(2 * math.pi * (solar_h - WARMEST_SOLAR_H) / 24)
        return air + SUN_GAIN_C * clear * self.sun_elevation_sine(t)

    def sun_elevation_sine(self, t: float) -> float:
        """sin(elevation) of the sun, 0 below the horizon (declination and hour angle only)."""
        day_of_year = (t / 86400 + 10) % 365.25  # ~days since the December solstice
        declination = -math.radians(23.44) * math.cos(2 * math.pi * day_of_year / 365.25)
        hour_angle = 2 * math.pi * ((t % 86400) / 86400 + self.longitude / 360.0 - 0.5)
        sine = math.sin(self.latitude) * math.sin(declination) + math.cos(self.latitude) * math.cos(
            declination
        ) * math.cos(hour_angle)
        return max(0.0, sine)

    def _wander(self, t: float) -> float:
        """A slow random part of the rate (fraction of the mean), interpolated between hours."""
        hour = int(t // 3600)
        low, high = self._hour(hour), self._hour(hour + 1)
        return low + (high - low) * ((t % 3600) / 3600)

    def _hour(self, hour: int) -> float:
        if hour not in self._hours:
            self._hours[hour] = random.Random((self.seed << 20) ^ hour).gauss(0.0, WANDER_FRACTION)
        return self._hours[hour]

    def ppm(self, drift_ppm: float, t: float) -> float:
        """The RC oscillator's rate error at `t`."""
        tempco = RC_TEMPCO_FRACTION * drift_ppm
        return drift_ppm + tempco * (self.temperature(t) - NOMINAL_C) + drift_ppm * self._wander(t)

    def mean_ppm(self, drift_ppm: float, start: float, seconds: float) -> float:
        """The rate error averaged over [start, start + seconds] (what a sleep integrates)."""
        if seconds <= 0:
            return self.ppm(drift_ppm, start)
        steps = max(1, math.ceil(seconds / STEP_S))
        width = seconds / steps
        return sum(self.ppm(drift_ppm, start + (k + 0.5) * width) for k in range(steps)) / steps
