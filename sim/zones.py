"""Time zone rules on the host (IANA, through zoneinfo): the offsets and daylight saving changes
that the simulated time services answer and the report judges local times by.

timeapi.io's /api/TimeZone/zone answers a zone's current and standard offsets and its
daylight saving interval (`dstInterval`: dstStart and dstEnd as UTC ISO times, dstOffsetToUtc)
-- null for a zone without daylight saving time. Which interval it gives is modelled as the
one in force, else the next one to start, else the last one (docs/fidelity.md, Time keeping).
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta, timezone

HOUR = 3600
YEAR = 366 * 86400


def tzinfo(name: str | None) -> timezone | zoneinfo.ZoneInfo | None:
    """The tzinfo of an IANA name (Etc/GMT+N keeps its inverted sign), None when unknown."""
    if not name or name.upper() in ("UTC", "GMT", "ETC/UTC", "ETC/GMT", "Z"):
        return UTC
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        pass
    if name.startswith("Etc/GMT") and name[7:8] in "+-" and name[8:].isdigit():
        hours = -int(name[7:])
        return timezone(timedelta(hours=hours), f"{-hours:+03d}")
    return None


def offset_at(zone, utc: float) -> int:
    """The UTC offset (s) in force at `utc`."""
    offset = datetime.fromtimestamp(utc, zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def is_dst(zone, utc: float) -> bool:
    dst = datetime.fromtimestamp(utc, zone).dst()
    return bool(dst and dst.total_seconds())


def transitions(zone, start: float, end: float) -> list[tuple[int, int]]:
    """(UTC instant, offset after) of every offset change in [start, end), to the second."""
    found = []
    t = int(start)
    before = offset_at(zone, t)
    while t < end:
        step = min(t + HOUR, int(end))
        after = offset_at(zone, step)
        if after != before:
            low, high = t, step  # offset_at(low) == before, offset_at(high) == after
            while high - low > 1:
                middle = (low + high) // 2
                if offset_at(zone, middle) == before:
                    low = middle
                else:
                    high = middle
            found.append((high, after))
            before = after
        t = step
        if step == int(end):
            break
    return found


def dst_interval(zone, now: float) -> tuple[int, int, int] | None:
    """(dstStart, dstEnd, offset in DST) of the interval in force, else the next, else the
    last; None for a zone without daylight saving time."""
    changes = transitions(zone, now - YEAR, now + YEAR)
    intervals = []
    for i, (at, offset) in enumerate(changes):
        if is_dst(zone, at):
            end = next((t for t, _ in changes[i + 1 :] if not is_dst(zone, t)), 0)
            intervals.append((at, end, offset))
    if not intervals:
        return None
    for start, end, offset in intervals:
        if start <= now < (end or now + 1) or start > now:
            return start, end, offset
    return intervals[-1]


def iso_z(utc: int) -> str:
    return datetime.fromtimestamp(utc, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _offset(seconds: int) -> dict:
    return {
        "seconds": seconds,
        "milliseconds": seconds * 1000,
        "ticks": seconds * 10_000_000,
        "nanoseconds": seconds * 1_000_000_000,
    }


def timeapi_zone(name: str, now: float) -> dict | None:
    """timeapi.io's /api/TimeZone/zone answer for `name` at `now`, None for an unknown zone."""
    zone = tzinfo(name)
    if zone is None:
        return None
    current = offset_at(zone, now)
    interval = dst_interval(zone, now)
    standard = current
    if interval is not None and is_dst(zone, now):
        saving = datetime.fromtimestamp(now, zone).dst()
        standard = current - int(saving.total_seconds() if saving else 0)
    elif interval is not None:
        standard = current
    dst = None
    if interval is not None:
        start, end, dst_offset = interval
        dst = {
            "dstName": datetime.fromtimestamp(start, zone).tzname(),
            "dstOffsetToUtc": _offset(dst_offset),
            "dstOffsetToStandardTime": _offset(dst_offset - standard),
            "dstStart": iso_z(start),
            "dstEnd": iso_z(end) if end else None,
            "dstDuration": {"days": (end - start) // 86400 if end else 0},
        }
    return {
        "timeZone": name,
        "currentLocalTime": datetime.fromtimestamp(now, zone).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3],
        "currentUtcOffset": _offset(current),
        "standardUtcOffset": _offset(standard),
        "hasDayLightSaving": interval is not None,
        "isDayLightSavingActive": is_dst(zone, now),
        "dstInterval": dst,
    }
