"""The wall-clock capture grid: when the camera takes its photos.

All times are local epoch seconds (UTC epoch + utc_offset). Semantics:
- Grid: an interval of a day or less fires at local midnight + k * interval each day (10m at
  :00, :10, ...; 7m starts again at midnight); a longer one at multiples of itself since the
  epoch.
- The day window is `active_hours` [start, end) (it may span midnight), intersected with
  [sunrise, sunset) when `daylight` is set; with neither, the whole day.
- Inside the window slots are on the `interval` grid; outside it on the `night_interval` grid
  when one is set, else there are none.
- No slot before `start` or after `stop` (both inclusive).
"""

from timelapse import sun

DAY = 86400
HORIZON_DAYS = 400  # next_slot looks no further ahead

_windows_cache: list = [None, None]  # [(day, id of the schedule), windows] of the last call


def _day(t):
    return t - t % DAY


def _daylight(day0, sched):
    """Local [sunrise, sunset) spans that touch the local day starting at day0."""
    offset = sched["utc_offset"]
    spans = []
    utc_day = (day0 - offset) // DAY
    for days in (utc_day - 1, utc_day, utc_day + 1):
        pair = sun.solar_day(days, sched["latitude"], sched["longitude"])
        if pair is not None:
            spans.append((pair[0] + offset, pair[1] + offset))
    return spans


def windows(day0, sched):
    """The day window of the local day starting at day0: sorted, disjoint [a, b) spans."""
    key = (day0, id(sched))
    if _windows_cache[0] == key:
        return _windows_cache[1]
    spans = [(day0, day0 + DAY)]
    hours = sched["active_hours"]
    if hours:
        a, b = day0 + hours[0] * 60, day0 + hours[1] * 60
        spans = [(a, b)] if a < b else [(day0, b), (a, day0 + DAY)]
    if sched["daylight"]:
        spans = _intersect(spans, _daylight(day0, sched))
    _windows_cache[0], _windows_cache[1] = key, spans
    return spans


def _intersect(spans, others):
    result = []
    for a, b in spans:
        for c, d in others:
            lo, hi = max(a, c), min(b, d)
            if lo < hi:
                result.append((lo, hi))
    result.sort()
    return result


def _gaps(day0, spans):
    """The rest of the day outside the window spans."""
    gaps, cursor = [], day0
    for a, b in spans:
        if a > cursor:
            gaps.append((cursor, a))
        cursor = max(cursor, b)
    if cursor < day0 + DAY:
        gaps.append((cursor, day0 + DAY))
    return gaps


def _first_on_grid(at_least, interval, day0):
    """The first grid point >= at_least on the grid of `interval` for the day starting day0."""
    if interval > DAY:
        return -(-at_least // interval) * interval
    k = -(-(at_least - day0) // interval)
    return day0 + max(0, k) * interval


def _first_in(spans, interval, at_least, day0):
    best = None
    for a, b in spans:
        t = _first_on_grid(max(a, at_least), interval, day0)
        if t < b and (best is None or t < best):
            best = t
    return best


def next_slot(after, sched):
    """The first slot strictly after `after`, or None when there is none (stop passed, or none
    within HORIZON_DAYS)."""
    t = after + 1
    start, stop = sched["start"], sched["stop"]
    if start is not None and t < start:
        t = start
    day0 = _day(t)
    for _ in range(HORIZON_DAYS):
        if stop is not None and t > stop:
            return None
        spans = windows(day0, sched)
        best = _first_in(spans, sched["interval"], t, day0)
        night = sched["night_interval"]
        if night:
            other = _first_in(_gaps(day0, spans), night, t, day0)
            if other is not None and (best is None or other < best):
                best = other
        if best is not None:
            return best if stop is None or best <= stop else None
        day0 += DAY
        t = day0
    return None


def is_slot(t, sched):
    return next_slot(t - 1, sched) == t


def slot_at(t, sched, tolerance):
    """The slot nearest to t within `tolerance` seconds, or None."""
    best = None
    slot = next_slot(t - tolerance - 1, sched)
    while slot is not None and slot <= t + tolerance:
        if best is None or abs(slot - t) < abs(best - t):
            best = slot
        slot = next_slot(slot, sched)
    return best


def slots_between(a, b, sched):
    """Every slot in [a, b): for host tools that count the slots of a run."""
    slot = next_slot(a - 1, sched)
    while slot is not None and slot < b:
        yield slot
        slot = next_slot(slot, sched)
