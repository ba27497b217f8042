"""The local time the judge (sim/judge.py) holds photos and slots to: with a TIMEZONE in the
board's settings.toml, a photo taken at true time t must be named by the zone's local time at t
(daylight saving time included, from the instant it changes). Judging a whole run by the
offset at its end would call every photo before a change an hour off.
"""

from __future__ import annotations

from collections.abc import Callable

from sim import zones


def offsets(zone_name: str) -> Callable[[float], int]:
    """utc -> the UTC offset (s) of the zone's local time then."""
    zone = zones.tzinfo(zone_name)
    if zone is None:
        raise ValueError(f"unknown time zone {zone_name!r}")
    return lambda utc: zones.offset_at(zone, utc)


def pieces(start: float, end: float, offset_at: Callable[[float], int]) -> list[tuple[float, float, int]]:
    """[start, end) cut where the offset changes: (from, to, offset)."""
    cuts = []
    t, current = start, offset_at(start)
    probe = start
    while probe < end:
        probe = min(end, probe + 3600)
        if offset_at(probe) != current:
            low, high = max(t, probe - 3600), probe
            while high - low > 1:
                middle = (low + high) / 2
                low, high = (middle, high) if offset_at(middle) == current else (low, middle)
            cuts.append((t, high, current))
            t, current = high, offset_at(high)
    cuts.append((t, end, current))
    return cuts
