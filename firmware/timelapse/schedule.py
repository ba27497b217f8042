"""The wall-clock capture grid: when the camera takes its photos.

Every time here is integer LOCAL epoch seconds (UTC epoch + utc_offset; the caller converts).
The schedule is the validated dict of camconfig's [schedule]: interval, night_interval and
utc_offset in seconds, start / stop local epoch seconds or None, active_hours None or
[start, end] in minutes after local midnight, daylight with latitude / longitude.

Semantics:
- Grid: an interval of a day or less fires at local midnight + k * interval (k * interval <
  one day) every day: 10m at :00, :10, ...; 7m runs 00:00, 00:07, ... 23:55, then starts again
  at 00:00. A longer interval fires at the local epoch multiples of itself. The night grid is
  built the same way from night_interval.
- The day window of a local day is active_hours [start, end): start inclusive, end exclusive,
  spanning midnight when start > end (equal ends mean the whole day). When daylight is true it
  is intersected with [sunrise, sunset) at latitude / longitude (sun.solar_day, moved to local
  time with utc_offset; a polar day is all daylight, a polar night none). With neither, the
  window is the whole day.
- Inside the window the slots are the interval grid points; outside it the night_interval grid
  points when night_interval is set, else there are none.
- No slot before start or after stop (both inclusive).

Public API:
- is_slot(t, sched) -> bool
- next_slot(after, sched) -> int | None: the first slot strictly after `after`, or None when
  stop has passed or nothing comes within HORIZON_DAYS. It works a local day at a time (a
  handful of comparisons, and the sun at most once per day of search), never slot by slot.
  A wake that came late skips the missed slot: the caller asks next_slot(now).
- slot_at(t, sched, tolerance) -> int | None: the slot nearest t within tolerance seconds.
- slots_between(a, b, sched): a generator of the slots in [a, b), for host tools and tests.
"""

from timelapse import sun

if False:  # for type checkers only: the board compiles nothing for it
    from collections.abc import Iterator

DAY = 86400
HORIZON_DAYS = 400  # next_slot looks no further ahead than this

_solar_cache: dict = {}  # (utc day, latitude, longitude) -> sun.solar_day(...), a few entries


def _solar_day(days, latitude, longitude):
    key = (days, latitude, longitude)
    if key not in _solar_cache:
        if len(_solar_cache) >= 8:
            _solar_cache.clear()
        _solar_cache[key] = sun.solar_day(days, latitude, longitude)
    return _solar_cache[key]


def _merge(spans):
    """Sorted, disjoint, non-empty [a, b) spans covering the same times as `spans`."""
    merged: list = []
    for a, b in sorted(spans):
        if a >= b:
            continue
        if merged and a <= merged[-1][1]:
            if b > merged[-1][1]:
                merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def _daylight(day0, sched):
    """Local [sunrise, sunset) spans that may touch the local day starting at day0."""
    offset = sched.get("utc_offset") or 0
    latitude, longitude = sched["latitude"], sched["longitude"]
    # the UTC day whose mean solar noon is nearest the middle of this local day, and its
    # neighbours: together they hold every sunrise and sunset that can fall in it
    centre = (day0 - offset + int(round(longitude * 240)) + DAY // 2) // DAY
    spans = []
    for days in (centre - 1, centre, centre + 1):
        pair = _solar_day(days, latitude, longitude)
        if pair is not None:
            spans.append((pair[0] + offset, pair[1] + offset))
    return spans


def windows(day0: int, sched: dict) -> list:
    """The day window of the local day starting at day0 (a local midnight): sorted, disjoint
    [a, b) spans inside [day0, day0 + DAY)."""
    spans = [(day0, day0 + DAY)]
    hours = sched.get("active_hours")
    if hours:
        a, b = day0 + hours[0] * 60, day0 + hours[1] * 60
        if a < b:
            spans = [(a, b)]
        elif a > b:
            spans = [(day0, b), (a, day0 + DAY)]
    if sched.get("daylight"):
        spans = _merge([(max(a, c), min(b, d)) for a, b in spans
                        for c, d in _daylight(day0, sched)])
    return spans


def _gaps(day0, spans):
    """The rest of the local day outside the (sorted, disjoint) window spans."""
    gaps, cursor = [], day0
    for a, b in spans:
        if a > cursor:
            gaps.append((cursor, a))
        cursor = b
    if cursor < day0 + DAY:
        gaps.append((cursor, day0 + DAY))
    return gaps


def _ceil_grid(t, grid, day0):
    """The first point >= t of the `grid` of the local day starting at day0 (day0 <= t)."""
    if grid > DAY:
        return -(-t // grid) * grid
    return day0 - (-(t - day0) // grid) * grid


def _first(spans, grid, t, day0):
    """The first grid point >= t inside one of the spans, or None."""
    best = None
    for a, b in spans:
        point = _ceil_grid(max(a, t), grid, day0)
        if point < b and (best is None or point < best):
            best = point
    return best


def _next(after, sched, until):
    """The first slot in (after, until], or None."""
    stop = sched.get("stop")
    if stop is not None and stop < until:
        until = stop
    t = after + 1
    start = sched.get("start")
    if start is not None and t < start:
        t = start
    interval, night = sched["interval"], sched.get("night_interval")
    day0 = t - t % DAY
    while t <= until:
        spans = windows(day0, sched)
        best = _first(spans, interval, t, day0)
        if night:
            other = _first(_gaps(day0, spans), night, t, day0)
            if other is not None and (best is None or other < best):
                best = other
        if best is not None:
            return best if best <= until else None
        day0 += DAY
        if not night and interval > DAY:  # no slot on a day without a grid point: jump
            point = _ceil_grid(day0, interval, day0)
            day0 = point - point % DAY
        t = day0
    return None


def next_slot(after: int, sched: dict) -> "int | None":
    """The first slot strictly after `after`, or None (stop passed, or none within
    HORIZON_DAYS)."""
    return _next(after, sched, after + HORIZON_DAYS * DAY)


def is_slot(t: int, sched: dict) -> bool:
    """Whether t is a capture slot (straight from the rules, not via next_slot)."""
    start, stop = sched.get("start"), sched.get("stop")
    if (start is not None and t < start) or (stop is not None and t > stop):
        return False
    day0 = t - t % DAY
    inside = False
    for a, b in windows(day0, sched):
        if a <= t < b:
            inside = True
    grid = sched["interval"] if inside else sched.get("night_interval")
    return bool(grid) and _ceil_grid(t, grid, day0) == t


def slot_at(t: int, sched: dict, tolerance: int) -> "int | None":
    """The slot nearest t within `tolerance` seconds (the earlier one on a tie), or None."""
    best = None
    slot = _next(t - tolerance - 1, sched, t + tolerance)
    while slot is not None:
        if best is None or abs(slot - t) < abs(best - t):
            best = slot
        slot = _next(slot, sched, t + tolerance)
    return best


def slots_between(a: int, b: int, sched: dict) -> "Iterator[int]":
    """Every slot in [a, b), in order (a generator)."""
    slot = _next(a - 1, sched, b - 1)
    while slot is not None:
        yield slot
        slot = _next(slot, sched, b - 1)
