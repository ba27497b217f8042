"""Sunrise and sunset on the board: NOAA's solar equations, as astral 3.2 uses them.

Public API (all times are integer UTC epoch seconds; `days` counts days since 1970-01-01):

- `sun_times(days, latitude, longitude) -> (sunrise, sunset)`: the sunrise and the sunset that
  fall on the UTC date `days` (the events astral.sun.sunrise / sunset return for that date).
  Either is None when no such event falls on that date (the neighbouring date has it, or the
  sun starts or stops setting that day). On a polar day both are `POLAR_DAY` ("day"), in a
  polar night both are `POLAR_NIGHT` ("night"), so `rise, set_ = sun_times(...)` always
  unpacks and a polar answer never compares like a time.
- `solar_day(days, latitude, longitude) -> (sunrise, sunset) | None`: the sunrise and the
  following sunset of the solar day whose mean noon is nearest noon UTC of `days`. A polar
  day gives that whole solar day (sunset - sunrise == 86400, consecutive ones tile without a
  gap); a polar night gives None. The schedule builds its daylight window from these.

Sunrise and sunset are when the sun's upper limb is at the horizon: altitude HORIZON, the
sun's radius (0.2667 deg) plus the refraction astral 3.2 applies there (0.5224 deg), which is
what astral's default sunrise / sunset compute (the textbook value is -0.833 deg; the two
differ by under 40 s up to 60 deg latitude). Agrees with astral to well under two minutes for
latitudes up to +-60 degrees and any longitude.

Single precision: the ESP32-S3 CircuitPython build keeps floats in 30 bits (about 7 digits).
Nothing large is ever a float here. Day numbers count from J2000 (2000-01-01 12:00, about
10^4 today); the mean longitude and anomaly, which grow by ~0.986 deg a day, are taken as
`n % 360 - k * n` with k ~ 0.0144 so the large product is never rounded (error ~1e-4 deg);
every angle is reduced modulo 360 before it is used; the event time is a day fraction in
(-1, 1) (error ~0.02 s when scaled to seconds) added to an integer noon. Epoch seconds only
ever meet integers. The tests run this module with every float rounded to 30 bits and compare.
"""

import math

J2000_DAYS = 10957  # days from 1970-01-01 to 2000-01-01 (J2000.0 is noon of that day)
HORIZON = -0.7891   # degrees: -(0.2667 + 0.5224), astral 3.2's default sunrise altitude
POLAR_DAY = "day"
POLAR_NIGHT = "night"


def _sun(n, fraction):
    """(declination in radians, equation of time in days) at `fraction` of a day after noon
    UTC of day `n` since J2000 (n an integral float, fraction a small one)."""
    t = (n + fraction) / 36525.0  # Julian centuries since J2000
    # 280.46646 + 0.98564736 d and 357.52911 + 0.98560028 d (d = n + fraction), rounded safely
    mean_long = (280.46646 + n % 360.0 + fraction - 0.01435264 * (n + fraction)
                 + 0.0003032 * t * t) % 360.0
    anomaly = (357.52911 + n % 360.0 + fraction - 0.01439972 * (n + fraction)
               - 0.0001537 * t * t) % 360.0
    mean_long, anomaly = math.radians(mean_long), math.radians(anomaly)
    eccentricity = 0.016708634 - t * (0.000042037 + 0.0000001267 * t)
    center = (math.sin(anomaly) * (1.914602 - t * (0.004817 + 0.000014 * t))
              + math.sin(2 * anomaly) * (0.019993 - 0.000101 * t)
              + math.sin(3 * anomaly) * 0.000289)
    omega = math.radians((125.04 - 1934.136 * t) % 360.0)
    apparent = mean_long + math.radians(center - 0.00569 - 0.00478 * math.sin(omega))
    seconds = 21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))
    obliquity = math.radians(23.0 + (26.0 + seconds / 60.0) / 60.0 + 0.00256 * math.cos(omega))
    y = math.tan(obliquity / 2)
    y = y * y
    sin_m = math.sin(anomaly)
    equation = (y * math.sin(2 * mean_long) - 2 * eccentricity * sin_m
                + 4 * eccentricity * y * sin_m * math.cos(2 * mean_long)
                - 0.5 * y * y * math.sin(4 * mean_long)
                - 1.25 * eccentricity * eccentricity * math.sin(2 * anomaly))
    return math.asin(math.sin(obliquity) * math.sin(apparent)), equation / (2 * math.pi)


def _events(n, latitude, longitude):
    """(sunrise, sunset) as day fractions after noon UTC of day n since J2000; POLAR_NIGHT or
    POLAR_DAY when the sun stays below or above the horizon all that solar day."""
    noon = -longitude / 360.0
    phi = math.radians(latitude)
    sin_h0 = math.sin(math.radians(HORIZON))
    result = []
    for sign in (-1, 1):
        when = noon
        for step in range(3):  # the sun's place at the event itself, not at noon
            declination, equation = _sun(n, when)
            cos_hour = ((sin_h0 - math.sin(phi) * math.sin(declination))
                        / (math.cos(phi) * math.cos(declination)))
            if step == 0 and cos_hour >= 1.0:
                return POLAR_NIGHT
            if step == 0 and cos_hour <= -1.0:
                return POLAR_DAY
            cos_hour = min(1.0, max(-1.0, cos_hour))  # refinements near a polar edge
            when = noon - equation + sign * math.degrees(math.acos(cos_hour)) / 360.0
        result.append(when)
    return result[0], result[1]


def solar_day(days: int, latitude: float, longitude: float) -> "tuple | None":
    """(sunrise, sunset) UTC epoch seconds of the solar day around noon UTC of `days`; the
    whole solar day on a polar day; None in a polar night."""
    noon = days * 86400 + 43200
    events = _events(float(days - J2000_DAYS), latitude, longitude)
    if events == POLAR_NIGHT:
        return None
    if events == POLAR_DAY:
        centre = noon - int(round(longitude * 240))  # mean solar noon
        return centre - 43200, centre + 43200
    return noon + int(round(events[0] * 86400)), noon + int(round(events[1] * 86400))


def sun_times(days: int, latitude: float, longitude: float) -> tuple:
    """(sunrise, sunset) UTC epoch seconds that fall on the UTC date `days` (each None when
    none does), or (POLAR_DAY, POLAR_DAY) / (POLAR_NIGHT, POLAR_NIGHT)."""
    start, end = days * 86400, days * 86400 + 86400
    rise = set_ = None
    # A solar day may start or end on a neighbouring date. When a date holds two sunrises (or
    # sunsets: they drift across 00:00 UTC), the one of its own solar day counts, as in astral.
    own = solar_day(days, latitude, longitude)
    for pair in (own, solar_day(days - 1, latitude, longitude),
                 solar_day(days + 1, latitude, longitude)):
        if pair is None or pair[1] - pair[0] >= 86400:
            continue
        if rise is None and start <= pair[0] < end:
            rise = pair[0]
        if set_ is None and start <= pair[1] < end:
            set_ = pair[1]
    if rise is None and set_ is None:
        if own is None:
            return POLAR_NIGHT, POLAR_NIGHT
        if own[1] - own[0] >= 86400:
            return POLAR_DAY, POLAR_DAY
    return rise, set_
