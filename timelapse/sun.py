"""Sunrise and sunset on the board (NOAA's solar equations, as astral uses them).

Accurate to well under two minutes for latitudes up to +-60 degrees. Safe with the ESP32-S3's
single-precision floats: angles are reduced modulo 360 as soon as they are made, and times of
day are small fractions added to an integer day, so nothing large is ever a float.
"""

import math

J2000_DAYS = 10957  # days from 1970-01-01 to 2000-01-01
HORIZON = -0.789    # degrees: the sun's upper limb (radius 0.267) at the horizon, lifted by
                    # refraction there (0.522, the NOAA formula astral 3.2 uses)


def _sun(n, fraction):
    """(declination in radians, equation of time in days) at day n + fraction since J2000 noon
    (NOAA's solar position equations)."""
    t = (n + fraction) / 36525.0
    mean_long = math.radians((280.46646 + 0.98564736 * n % 360.0 + 0.98564736 * fraction) % 360.0)
    anomaly = math.radians((357.52911 + 0.98560028 * n % 360.0 + 0.98560028 * fraction) % 360.0)
    eccentricity = 0.016708634 - t * (0.000042037 + 0.0000001267 * t)
    center = (math.sin(anomaly) * (1.914602 - t * (0.004817 + 0.000014 * t))
              + math.sin(2 * anomaly) * (0.019993 - 0.000101 * t) + math.sin(3 * anomaly) * 0.000289)
    omega = math.radians((125.04 - 1934.136 * t) % 360.0)
    apparent = mean_long + math.radians(center - 0.00569 - 0.00478 * math.sin(omega))
    obliquity = math.radians(23.0 + (26.0 + (21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))) / 60.0) / 60.0
                             + 0.00256 * math.cos(omega))
    y = math.tan(obliquity / 2) ** 2
    equation = (y * math.sin(2 * mean_long) - 2 * eccentricity * math.sin(anomaly)
                + 4 * eccentricity * y * math.sin(anomaly) * math.cos(2 * mean_long)
                - 0.5 * y * y * math.sin(4 * mean_long) - 1.25 * eccentricity ** 2 * math.sin(2 * anomaly))
    return math.asin(math.sin(obliquity) * math.sin(apparent)), equation / (2 * math.pi)


def _event(n, latitude, longitude, sign):
    """Day fraction (from noon UTC of day n) of sunrise (sign -1) or sunset (+1); None when the
    sun stays below the horizon, "up" when it stays above."""
    noon = -longitude / 360.0
    when = noon
    phi = math.radians(latitude)
    for _ in range(3):  # the sun's place at the event itself, not at noon
        declination, equation = _sun(n, when)
        cos_hour = ((math.sin(math.radians(HORIZON)) - math.sin(phi) * math.sin(declination))
                    / (math.cos(phi) * math.cos(declination)))
        if cos_hour >= 1.0:
            return None
        if cos_hour <= -1.0:
            return "up"
        when = noon - equation + sign * math.degrees(math.acos(cos_hour)) / 360.0
    return when


def solar_day(days, latitude, longitude):
    """(sunrise, sunset) UTC epoch seconds of the solar day whose noon is nearest noon UTC of
    `days` (days since 1970-01-01); the whole solar day when the sun never sets; None when it
    never rises."""
    n = days - J2000_DAYS
    noon = days * 86400 + 43200
    rise = _event(n, latitude, longitude, -1)
    set_ = _event(n, latitude, longitude, 1)
    if rise is None or set_ is None:
        return None
    if rise == "up" or set_ == "up":
        centre = noon - int(longitude * 240)
        return centre - 43200, centre + 43200
    return noon + int(round(rise * 86400)), noon + int(round(set_ * 86400))


def sun_times(days, latitude, longitude):
    """(sunrise, sunset) that fall on the UTC date `days`, each None when there is none."""
    start, end = days * 86400, days * 86400 + 86400
    rise = set_ = None
    for day in (days - 1, days, days + 1):
        pair = solar_day(day, latitude, longitude)
        if pair is None or pair[1] - pair[0] >= 86400:
            continue
        if start <= pair[0] < end:
            rise = pair[0]
        if start <= pair[1] < end:
            set_ = pair[1]
    return rise, set_
