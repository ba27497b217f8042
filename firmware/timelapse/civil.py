"""Calendar arithmetic on plain integers (no datetime on the board).

Epoch seconds here count from 1970-01-01 00:00:00 in whatever time scale the caller uses
(UTC for the RTC, local time for schedules). The algorithms are Howard Hinnant's
days_from_civil / civil_from_days, exact for every proleptic Gregorian date.
"""

DAY = 86400


def days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a Gregorian date."""
    year -= month <= 2
    era = (year if year >= 0 else year - 399) // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(days: int) -> tuple:
    """(year, month, day) of a day number since 1970-01-01."""
    days += 719468
    era = (days if days >= 0 else days - 146096) // 146097
    doe = days - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + (3 if mp < 10 else -9)
    return yoe + era * 400 + (month <= 2), month, day


def epoch(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> int:
    """Seconds since the epoch of a calendar date and time."""
    return days_from_civil(year, month, day) * DAY + hour * 3600 + minute * 60 + second


def split(seconds: int) -> tuple:
    """(year, month, day, hour, minute, second) of epoch seconds."""
    days, rest = divmod(int(seconds), DAY)
    year, month, day = civil_from_days(days)
    return year, month, day, rest // 3600, rest // 60 % 60, rest % 60


def stamp(seconds: int) -> str:
    """Compact sortable text of epoch seconds: 20260401T061000."""
    return "%04d%02d%02dT%02d%02d%02d" % split(seconds)
