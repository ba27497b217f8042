"""The report's judge: what a run should have done, decided independently of the firmware.

The capture slots come from this module's own reading of camconfig.toml's rules (docs/design.md,
`[schedule]`): its own TOML reading (tomllib), its own durations and clock times, its own grid
and windows, the sun from astral rather than timelapse/sun.py. Nothing here calls
timelapse.schedule, so a bug there shows as missed slots instead of being repeated.

What the judge does take from the firmware is *whether* a camconfig.toml is valid (the
validator is the contract: an invalid file leaves the last good configuration in force), and
the firmware's state records where the report shows what the camera believes (the learned
drift). Each configuration is judged over the time it was in force: from the first wake that
saw the file, as the simulated board recorded it (Device.config_history), to the next change.
Local time is UTC plus camconfig's utc_offset, or, with settings.toml's TIMEZONE, once the
camera has asked a time service for it (the requests the local servers saw), the offset
zoneinfo gives for that zone at each instant: daylight saving time from the instant it changes.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import hashlib
import itertools
import math
import tomllib
import zoneinfo
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sim import localtime
from tools import firmware as manifest

DAY = 86400
MAX_LATE_S = 300  # a photo further than this from every slot took none
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


# -- the judge's reading of [schedule] ---------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """[schedule] as the judge reads it: seconds, local epoch seconds, minutes of the day."""

    interval: int = 600
    night_interval: int | None = None
    start: int | None = None
    stop: int | None = None
    active_hours: tuple[int, int] | None = None
    daylight: bool = False
    latitude: float = 0.0
    longitude: float = 0.0
    utc_offset: int = 0


def seconds(value: object) -> int:
    if isinstance(value, int):
        return value
    text = str(value)
    return int(text[:-1]) * UNITS[text[-1]]


def minutes(value: object) -> int:
    if isinstance(value, dt.time):
        return value.hour * 60 + value.minute
    hour, minute = str(value).split(":")
    return int(hour) * 60 + int(minute)


def local_epoch(value: object) -> int | None:
    return None if value is None else calendar.timegm(value.timetuple())  # type: ignore[attr-defined]


def offset_of(text: str) -> int:
    if text in ("Z", "z"):
        return 0
    sign = -1 if text[0] == "-" else 1
    return sign * minutes(text[1:]) * 60


@lru_cache(maxsize=64)
def read_plan(text: str) -> Plan:
    """The [schedule] of a camconfig.toml (a valid one: the firmware's validator said so);
    a run has a few texts and asks for each at every photo."""
    table = tomllib.loads(text.removeprefix("\ufeff")).get("schedule", {})
    hours = table.get("active_hours")
    window = None
    if hours is not None:
        a, b = minutes(hours[0]), minutes(hours[1])
        window = None if a == b else (a, b)
    night = table.get("night_interval")
    return Plan(
        interval=seconds(table.get("interval", "10m")),
        night_interval=None if night is None else seconds(night),
        start=local_epoch(table.get("start")),
        stop=local_epoch(table.get("stop")),
        active_hours=window,
        daylight=bool(table.get("daylight", False)),
        latitude=float(table.get("latitude", 0.0)),
        longitude=float(table.get("longitude", 0.0)),
        utc_offset=offset_of(table.get("utc_offset", "+00:00")),
    )


def _sun_spans(plan: Plan, day0: int, offset: int) -> list[tuple[int, int]]:
    """Local [sunrise, sunset) spans inside the local day starting at day0 (astral)."""
    from astral import Observer
    from astral.sun import elevation, sunrise, sunset

    where = Observer(plan.latitude, plan.longitude)
    zone = dt.timezone(dt.timedelta(seconds=offset))
    date = dt.datetime.fromtimestamp(day0, dt.UTC).date()

    def local(moment: dt.datetime) -> int:
        return int(moment.timestamp()) + offset

    def up(t_local: int) -> bool:
        return elevation(where, dt.datetime.fromtimestamp(t_local - offset, dt.UTC)) > -0.8

    try:
        rise = local(sunrise(where, date, tzinfo=zone))
    except ValueError:
        rise = None
    try:
        down = local(sunset(where, date, tzinfo=zone))
    except ValueError:
        down = None
    end = day0 + DAY
    if rise is None and down is None:
        return [(day0, end)] if up(day0 + DAY // 2) else []
    if rise is None:
        return [(day0, down)]  # type: ignore[list-item]
    if down is None:
        return [(rise, end)]
    return [(rise, down)] if rise < down else [(day0, down), (rise, end)]


def windows(plan: Plan, day0: int, offset: int) -> list[tuple[int, int]]:
    spans = [(day0, day0 + DAY)]
    if plan.active_hours:
        a, b = day0 + plan.active_hours[0] * 60, day0 + plan.active_hours[1] * 60
        spans = [(a, b)] if a < b else [(day0, b), (a, day0 + DAY)]
    if plan.daylight:
        sun = _sun_spans(plan, day0, offset)
        spans = [(max(a, c), min(b, d)) for a, b in spans for c, d in sun if min(b, d) > max(a, c)]
    return spans


def grid(day0: int, step: int) -> range:
    """A cadence's points in the local day at day0: from midnight for a day or less, else
    the local epoch multiples of the step."""
    if step <= DAY:
        return range(day0, day0 + DAY, step)
    first = -(-day0 // step) * step
    return range(first, day0 + DAY, step)


def local_slots(plan: Plan, a: int, b: int, offset: int) -> list[int]:
    """Every slot in local [a, b), straight from the rules."""
    out: list[int] = []
    day0 = a - a % DAY
    while day0 < b:
        spans = windows(plan, day0, offset)
        inside = [t for t in grid(day0, plan.interval) if any(x <= t < y for x, y in spans)]
        outside = []
        if plan.night_interval:
            outside = [t for t in grid(day0, plan.night_interval) if not any(x <= t < y for x, y in spans)]
        for t in sorted(set(inside) | set(outside)):
            if (
                a <= t < b
                and (plan.start is None or t >= plan.start)
                and (plan.stop is None or t <= plan.stop)
            ):
                out.append(t)
        day0 += DAY
    return out


# -- configurations and offsets over time ------------------------------------------------------


def config_timeline(history: list[tuple[float, str]]) -> list[tuple[float, str]]:
    """(from, text) of each configuration in force: a file the firmware's validator refuses
    leaves the previous one (the defaults, on a first boot) in force."""
    config = manifest.modules().config
    timeline: list[tuple[float, str]] = []
    for when, text in history:
        try:
            config.load(text)
        except ValueError:
            if not timeline:
                timeline.append((when, ""))
            continue
        if not timeline or timeline[-1][1] != text:
            timeline.append((when, text))
    return timeline or [(-math.inf, "")]


def zone_name(settings: Path) -> str | None:
    try:
        name = tomllib.loads(settings.read_text()).get("TIMEZONE")
    except (OSError, tomllib.TOMLDecodeError):
        return None
    if not isinstance(name, str):
        return None
    try:
        return name if zoneinfo.ZoneInfo(name) else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def zone_offset(zone: str | None, checks: list[float], when: float) -> int | None:
    """TIMEZONE's offset at `when` (zoneinfo: daylight saving time from the instant it changes),
    once the camera has asked a time service for it; None before that (camconfig's utc_offset
    is all it can go by)."""
    if not zone or not checks or checks[0] > when:
        return None
    return localtime.offsets(zone)(when)


def scheduled_slots(
    timeline: list[tuple[float, str]],
    spans: list[list],
    zone: str | None = None,
    checks: list[float] | None = None,
) -> list[float]:
    """The slots the configurations in force define, in true UTC. Where the board's clock was
    not set the firmware captures every interval from its first wake (a relative cadence). A
    local time that comes twice (the clocks go back) is one slot."""
    checks = checks or []
    cuts = {t for t, _ in timeline if t > -math.inf} | ({checks[0]} if zone and checks else set())
    slots: list[float] = []
    for start, end, valid in spans:
        if not valid:  # one cadence from the first wake of the span, as the config then says
            plan = read_plan(in_force(timeline, start))
            slots += [start + k * plan.interval for k in range(int((end - start) // plan.interval) + 1)]
            continue
        edges = {start} | {t for t in cuts if start < t < end}
        if zone:  # daylight saving changes
            edges |= {a for a, _, _ in localtime.pieces(start, end, localtime.offsets(zone))}
        seen: set[int] = set()
        for a, b in itertools.pairwise([*sorted(edges), end]):
            plan = read_plan(in_force(timeline, a))
            asked = zone_offset(zone, checks, a)
            offset = plan.utc_offset if asked is None else asked
            local = local_slots(plan, math.ceil(a) + offset, math.ceil(b) + offset, offset)
            slots += [t - offset for t in local if t not in seen]
            seen.update(local)
    return slots


def in_force(timeline: list[tuple[float, str]], when: float) -> str:
    """The configuration text in force at `when` (the first one before the first wake)."""
    texts = [text for t, text in timeline if t <= when]
    return texts[-1] if texts else timeline[0][1]


def taken_slots(slots: list[float], captures: list[float]) -> int:
    """How many slots had a photo: each photo counts for the slot nearest it (the earlier on a
    tie) when that is within MAX_LATE_S, so night slots and 1 s cadences are judged alike."""
    taken: set[int] = set()
    ordered = sorted(slots)
    for t in captures:
        i = bisect.bisect_left(ordered, t)
        best = None
        for j in (i - 1, i):
            if 0 <= j < len(ordered) and (best is None or abs(ordered[j] - t) < abs(ordered[best] - t)):
                best = j
        if best is not None and abs(ordered[best] - t) <= MAX_LATE_S:
            taken.add(best)
    return len(taken)


def clock_errors(
    timeline: list[tuple[float, str]], zone: str | None, capture_times: list[tuple[float, float, str]]
) -> list[float]:
    """|the time a photo's name claims - the true time it was written|, for dated photos. With
    TIMEZONE, a name must carry the zone's local time at that instant, also for a photo taken
    before the camera first asked for the zone (it renames the photo once it knows)."""
    errors = []
    for true, _, name in capture_times:
        stamp = name[:-4].rsplit("_", 1)[-1]
        if len(stamp) == 15 and stamp[8] == "T":
            claimed = calendar.timegm(dt.datetime.strptime(stamp, "%Y%m%dT%H%M%S").timetuple())
            offset = localtime.offsets(zone)(true) if zone else read_plan(in_force(timeline, true)).utc_offset
            errors.append(abs(claimed - offset - true))
    return errors


# -- the card and the cloud --------------------------------------------------------------------


def image_census(device, cloud_dir: Path, end: float) -> dict:
    """Photos uploaded (their bytes in the cloud), pending, lost (neither in the cloud nor
    intact on the card: a card photo is hashed only when the cloud lacks it) and duplicated;
    how long the oldest photo not in the cloud had waited at `end` (true UTC), in hours: a
    schedule whose uploads cannot keep up shows here, not only in `pending`."""
    in_cloud: dict[str, int] = {}
    sizes: dict[str, int] = {}
    for path in cloud_dir.rglob("*.jpg"):
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        in_cloud[digest] = in_cloud.get(digest, 0) + 1
        sizes[digest] = len(data)

    def intact_on_card(name: str, digest: str) -> bool:
        path = device.sd / name
        return path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == digest

    captured = set(device.captured.values())
    uploaded = sum(1 for d in captured if d in in_cloud)
    lost = sum(1 for n, d in device.captured.items() if d not in in_cloud and not intact_on_card(n, d))
    duplicates = sum(count - 1 for digest, count in in_cloud.items() if count > 1)
    waiting = [true for true, _, name in device.capture_times if device.captured.get(name) not in in_cloud]
    return {
        "uploaded": uploaded,
        "pending": len(device.captured) - uploaded,
        "oldest_pending_h": round((end - min(waiting)) / 3600, 1) if waiting else 0.0,
        "lost_images": lost,
        "duplicate_uploads": duplicates,
        "uploaded_bytes": sum(sizes[d] for d in captured if d in sizes),
    }


def in_window(local: int, window: tuple[int, int] | None) -> bool:
    if window is None:
        return True
    minute = local % DAY // 60
    start, end = window
    return start <= minute < end if start < end else minute >= start or minute < end


def required_batches(text: str, capture_times: list[float]) -> int:
    """The upload batches the configuration asks for: a batch at the first capture (inside the
    window) at which batch_size photos wait or the oldest has waited max_delay."""
    upload = tomllib.loads(text.removeprefix("\ufeff")).get("upload", {})
    if not upload.get("enabled", True):
        return 0
    hours = upload.get("window")
    window = None if hours is None else (minutes(hours[0]), minutes(hours[1]))
    batch, delay = upload.get("batch_size", 6), seconds(upload.get("max_delay", "2h"))
    offset = read_plan(text).utc_offset
    batches, queue = 0, []
    for t in capture_times:
        queue.append(t)
        if in_window(int(t + offset), window) and (len(queue) >= batch or t - queue[0] >= delay):
            batches += 1
            queue = []
    return batches


def camera_table(text: str) -> dict:
    """[camera] of the configuration with the firmware's defaults (for the energy floor)."""
    return manifest.modules().config.load(text)["camera"]


class Syncs:
    """Device.after_wake hook: a wake synced the time when the firmware's own record says so
    (the hot record's synced_at in sleep memory changed); a firmware with other records (the
    baselines) is judged by the time requests the servers saw instead."""

    def __init__(self) -> None:
        self.state = manifest.modules().State
        self.last = 0

    def __call__(self, device, record) -> None:
        if bytes(device.sleep_memory[:4]) != b"TLsm":
            record.syncs = 1 if record.time_requests else 0
            return
        synced = self.state.load(bytearray(device.sleep_memory), bytearray(device.nvm)).hot["synced_at"]
        record.syncs = 1 if synced and synced != self.last else 0
        self.last = synced


def judge(
    device, cloud_dir: Path, end: float = math.inf, remote: list[tuple[float, str]] | None = None
) -> dict:
    """The judged counters of a run: slots, captures on them, the card and cloud census, the
    clock's error, the batches the configuration asked for. Slots count before `end`, the end
    of the run (a wake under way may finish after it). `remote`: (true UTC the camera fetched
    it, text) of each camconfig.toml it took from Dropbox, in force from the next wake."""
    history = getattr(device, "config_history", None) or [
        (-math.inf, (device.folder / "camconfig.toml").read_text())
    ]
    for fetched, text in remote or []:
        applied = next((r.start for r in device.wake_records if r.start > fetched), fetched)
        history = sorted([*history, (float(math.ceil(applied)), text)], key=lambda change: change[0])
    timeline = config_timeline(history)
    zone = zone_name(device.folder / "settings.toml")
    checks = [r.start + r.awake_s for r in device.wake_records if getattr(r, "zone_requests", 0)]
    spans = [[a, min(b, end), valid] for a, b, valid in device.true_time_spans() if a < end]
    slots = scheduled_slots(timeline, spans, zone, checks)
    captures = [true for true, _, _ in device.capture_times]
    census = image_census(device, cloud_dir, min(end, device.clock.true))
    errors = clock_errors(timeline, zone, device.capture_times)
    return {
        "scheduled_slots": len(slots),
        "missed_slots": len(slots) - taken_slots(slots, captures),
        "census": census,
        "max_clock_error_s": round(max(errors, default=0.0), 3),
        "required_batches": required_batches(timeline[-1][1], captures),
        "config": timeline[-1][1],
    }
