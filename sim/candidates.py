"""The configuration changes a planner tries (`python -m sim plan`): each one edit of a user's
camconfig.toml that could make the battery last longer, written into a copy of the file with
its comments kept, and checked with the firmware's own parser before anything runs it."""

from __future__ import annotations

import json
from dataclasses import dataclass

from tools import firmware as manifest

NIGHT_HOURS = ["06:00", "20:00"]


@dataclass(frozen=True)
class Candidate:
    name: str  # short and file-safe: "batch_size"
    change: str  # what a user would write, and what it was: 'batch_size = 12 (was 6)'
    edits: tuple[tuple[str, str, object], ...]  # (table, key, value)

    def apply(self, text: str) -> str:
        for table, key, value in self.edits:
            text = set_key(text, table, key, value)
        return text


def toml_value(value: object) -> str:
    """A value in the TOML subset the firmware parses (strings, integers, floats, booleans,
    single-line arrays)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return repr(value)


def set_key(text: str, table: str, key: str, value: object) -> str:
    """`text` with `key = value` in `[table]`: the key's line replaced (its comment dropped), or
    a line added under the table's header, or the table added at the end."""
    lines = text.splitlines()
    current, header_at = "", None
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("[") and not stripped.startswith("[["):
            current = stripped[1 : stripped.index("]")].strip()
            if current == table:
                header_at = index
            continue
        name = stripped.split("=", 1)[0].strip().strip('"')
        if current == table and "=" in stripped and not stripped.startswith("#") and name == key:
            lines[index] = f"{key} = {toml_value(value)}"
            return "\n".join(lines) + "\n"
    if header_at is None:
        return "\n".join([*lines, "", f"[{table}]", f"{key} = {toml_value(value)}"]) + "\n"
    lines.insert(header_at + 1, f"{key} = {toml_value(value)}")
    return "\n".join(lines) + "\n"


def duration(seconds: int) -> str:
    """Seconds as camconfig.toml writes a duration: "2h", "90m", "45s"."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def candidates(cfg: dict) -> list[Candidate]:
    """The changes worth trying for the validated configuration `cfg` (timelapse.config.load):
    a batch twice as large, a max_delay twice as long, the next smaller frame size, fewer
    photos at night (a night interval on a camera that shoots round the clock at its day
    interval, or a night interval twice as long), and daylight mode where the place is known."""
    found = []
    upload, schedule, camera = cfg["upload"], cfg["schedule"], cfg["camera"]
    if upload["enabled"] and upload["batch_size"] < 1000:
        size = min(1000, upload["batch_size"] * 2)
        found.append(
            Candidate(
                "batch_size",
                f"batch_size = {size} (was {upload['batch_size']})",
                (("upload", "batch_size", size),),
            )
        )
    if upload["enabled"]:
        delay = duration(upload["max_delay"] * 2)
        found.append(
            Candidate(
                "max_delay",
                f'max_delay = "{delay}" (was "{duration(upload["max_delay"])}")',
                (("upload", "max_delay", delay),),
            )
        )
    frame_sizes = manifest.modules().config.FRAME_SIZES  # small to large
    index = frame_sizes.index(camera["frame_size"])
    if index > 0:
        smaller = frame_sizes[index - 1]
        found.append(
            Candidate(
                "frame_size",
                f'frame_size = "{smaller}" (was "{camera["frame_size"]}")',
                (("camera", "frame_size", smaller),),
            )
        )
    night = schedule["night_interval"]
    if schedule["active_hours"] is None and not schedule["daylight"]:
        every = duration(max(3600, schedule["interval"]))
        found.append(
            Candidate(
                "night_interval",
                f'active_hours = {toml_value(NIGHT_HOURS)}, night_interval = "{every}" '
                f"(was the day interval round the clock)",
                (("schedule", "active_hours", NIGHT_HOURS), ("schedule", "night_interval", every)),
            )
        )
    elif night:
        longer = duration(night * 2)
        found.append(
            Candidate(
                "night_interval",
                f'night_interval = "{longer}" (was "{duration(night)}")',
                (("schedule", "night_interval", longer),),
            )
        )
    if not schedule["daylight"] and schedule["latitude"] is not None and schedule["longitude"] is not None:
        found.append(
            Candidate(
                "daylight",
                "daylight = true (the day interval only from sunrise to sunset"
                + (" inside active_hours)" if schedule["active_hours"] else ")"),
                (("schedule", "daylight", True),),
            )
        )
    return found
