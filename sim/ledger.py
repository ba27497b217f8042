"""The run day by day (`daily.json` beside report.json): per UTC calendar day the charge by
phase, the photos, the uploads and the time syncs, so a planner can split a run into months or
drop its warm-up days without a second simulator. The days add up to the meter's totals: every
stretch of the meter's trace is cut at midnight and each part charged to its own day."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from sim.device import Device

DAY = 86400


def day_of(t: float) -> str:
    return datetime.fromtimestamp(t, tz=UTC).date().isoformat()


def _midnight_after(t: float) -> float:
    return (t // DAY + 1) * DAY


def daily(device: Device, start: float, end: float) -> list[dict]:
    """One entry per UTC day from `start` to where the run stopped (the end, or the moment the
    board stopped for good): date, seconds of the day inside the run, charge_mAh,
    per_phase_mAh, captures, uploads, syncs, wakes."""
    stop = min(end, device.clock.true) if device.ended else end
    days: dict[int, dict] = {}

    def entry(t: float) -> dict:
        number = int(t // DAY)  # the day's number: day_of once per day, not per trace stretch
        if number not in days:
            date = day_of(t)
            days[number] = {
                "date": date,
                "seconds": 0.0,
                "charge_mAh": 0.0,
                "per_phase_mAh": {},
                "captures": 0,
                "uploads": 0,
                "syncs": 0,
                "wakes": 0,
            }
        return days[number]

    t = start
    while t < stop:  # the part of each day the run covers
        upto = min(stop, _midnight_after(t))
        entry(t)["seconds"] += upto - t
        t = upto
    midnight = -math.inf  # the end of the current day (`day`), which begins a DAY before it
    for begin, seconds, mA, phase in device.meter.trace:
        t, finish = begin, begin + seconds
        while t < finish:
            if not midnight - DAY <= t < midnight:  # another day: most stretches stay in one
                midnight = _midnight_after(t)
                day = entry(t)
                phases = day["per_phase_mAh"]
            upto = min(finish, midnight)
            mAh = (upto - t) * mA / 3600
            day["charge_mAh"] += mAh
            phases[phase] = phases.get(phase, 0.0) + mAh
            t = upto
    for true, _, _ in device.capture_times:
        entry(true)["captures"] += 1
    for record in device.wake_records:
        day = entry(record.start)
        day["wakes"] += 1
        day["uploads"] += record.uploads
        day["syncs"] += record.syncs
    return [days[number] for number in sorted(days)]
