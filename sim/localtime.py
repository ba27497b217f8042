"""The local time the report judges photos by: the offset in force at each moment.

With a TIMEZONE in the board's settings.toml, a photo taken at true time t must be named by the
zone's local time at t (daylight saving time included, from the instant it changes); without
one, by camconfig's fixed utc_offset. Judging a whole run by the offset at its end would call
every photo before a change an hour off. Likewise camconfig.toml changed mid-run: each photo
and each slot is judged by the configuration in force then.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

from sim import zones


def board_zone(folder: Path) -> str | None:
    """TIMEZONE of the board's settings.toml, None without one."""
    try:
        value = tomllib.loads((folder / "settings.toml").read_text()).get("TIMEZONE")
    except (OSError, tomllib.TOMLDecodeError):
        return None
    return value if isinstance(value, str) and value else None


def offsets(cfg: dict, zone_name: str | None) -> Callable[[float], int]:
    """utc -> the UTC offset (s) of local time then."""
    zone = zones.tzinfo(zone_name) if zone_name else None
    if zone is None:
        fixed = cfg["schedule"]["utc_offset"]
        return lambda _utc: fixed
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


def periods(history: list[tuple[float, str]], load, end: float) -> list[tuple[float, float, dict]]:
    """[from, to) of each configuration in force: (true time, camconfig.toml text) changes
    parsed with `load` (config.load); a text it refuses leaves the one before in force, as the
    firmware keeps its last good configuration."""
    found: list[tuple[float, dict]] = []
    for when, text in history:
        try:
            found.append((when, load(text)))
        except ValueError:
            if not found:
                found.append((when, load("")))
    if not found:
        found = [(0.0, load(""))]
    found[0] = (float("-inf"), found[0][1])
    return [(when, found[i + 1][0] if i + 1 < len(found) else end, cfg)
            for i, (when, cfg) in enumerate(found)]


def in_force(spans: list[tuple[float, float, dict]], t: float) -> dict:
    """The configuration of the period holding `t`."""
    for start, stop, cfg in spans:
        if start <= t < stop:
            return cfg
    return spans[-1][2]
