"""The fleet view: `python -m tools.status [--settings PATH] [--stale HOURS] [--json]`.

Every camera writes a `status.json` into its Dropbox folder at each upload batch (docs/status.md).
This lists the app folder (recursively, official SDK), reads every status.json and prints one
row per camera: last seen, battery and its trend, photos waiting, clock error bound and learned
drift, configuration, last error; cameras not heard from for --stale hours are flagged `stale`,
and failing ones `config`, `auth`, `battery` or `errors`. Exit status 0 when no camera is
flagged, 1 when one is (for cron), 2 when Dropbox could not be read.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tools import dbx

SCHEMA = 1
STATUS_NAME = "status.json"
LOW_BATTERY_V = 3.55  # the firmware's default low_battery_v: below it the camera stops uploading
STALE_HOURS = 26.0  # a day's batch plus slack
RECENT_ERRORS_HOURS = 24.0


@dataclass
class Row:
    """One camera as the fleet view shows it (the --json output is a list of these)."""

    path: str
    camera: str
    written: int | None = None
    written_local: str | None = None
    age_h: float | None = None
    firmware: str | None = None
    battery_v: float | None = None
    battery_trend_v_per_day: float | None = None
    waiting: int | None = None
    captured: int | None = None
    uploaded: int | None = None
    card_free_kb: int | None = None
    clock_error_s: float | None = None
    drift_ppm: float | None = None
    config: str | None = None
    config_source: str | None = None
    last_error: str | None = None
    next_wake: int | None = None
    problem: str | None = None  # why the status.json could not be read
    flags: list[str] = field(default_factory=list)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _integer(value: object) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def error_parts(error: object) -> tuple[str | None, str | None, str]:
    """(local time, kind, message) of one entry of `errors`, whatever its shape: the firmware's
    [when, kind, message], an object, or plain text."""
    if isinstance(error, list | tuple):
        items = [str(item) for item in error]
        if len(items) >= 3:
            return items[0], items[1], ": ".join(items[2:])
        if len(items) == 2:
            return items[0], None, items[1]
        return None, None, items[0] if items else ""
    if isinstance(error, dict):
        when = error.get("time", error.get("when", error.get("local", error.get("at"))))
        kind = error.get("kind", error.get("type"))
        message = error.get("message", error.get("text", ""))
        return _text(when), _text(kind), str(message)
    return None, None, str(error)


def parse_local(text: str | None) -> datetime | None:
    """A local time as the camera writes it: ISO (2026-06-01T06:10:00) or a stamp (20260601T061000)."""
    if not text:
        return None
    for form in ("%Y%m%dT%H%M%S", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, form)
        except ValueError:
            pass
    try:
        return datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        return None


def recent_errors(
    errors: list, written_local: str | None, hours: float
) -> list[tuple[str | None, str | None, str]]:
    """The errors within `hours` before the status was written; all of them when their times
    cannot be compared (better a false alarm than a hidden fault)."""
    parts = [error_parts(error) for error in errors]
    written = parse_local(written_local)
    if written is None:
        return parts
    recent = []
    for when, kind, message in parts:
        at = parse_local(when)
        if at is None or at >= written - timedelta(hours=hours):
            recent.append((when, kind, message))
    return recent


def row_of(
    path: str, data: bytes, now: float, stale_h: float = STALE_HOURS, errors_h: float = RECENT_ERRORS_HOURS
) -> Row:
    """The row of one status.json: its facts, and the flags the fleet view raises."""
    folder = path.rsplit("/", 1)[0]
    row = Row(path=path, camera=folder.rsplit("/", 1)[-1] or "?")
    try:
        status = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as problem:
        row.problem = f"not JSON: {problem}"
    else:
        if not isinstance(status, dict):
            row.problem = "not a JSON object"
        elif status.get("schema") != SCHEMA:
            row.problem = (
                f"schema {status.get('schema')!r}, this tool reads schema {SCHEMA}: "
                "update the tools (git pull) to read it"
            )
    if row.problem:
        row.flags.append("unreadable")
        return row
    row.camera = str(status.get("camera") or row.camera)
    row.firmware = _text(status.get("firmware"))
    row.written = _integer(status.get("written"))
    row.written_local = _text(status.get("written_local"))
    if row.written is not None:
        row.age_h = round((now - row.written) / 3600, 2)
    row.battery_v = _number(status.get("battery_v"))
    row.battery_trend_v_per_day = _number(status.get("battery_trend_v_per_day"))
    counters = status.get("counters") if isinstance(status.get("counters"), dict) else {}
    row.captured, row.uploaded = _integer(counters.get("captured")), _integer(counters.get("uploaded"))
    queue = status.get("queue") if isinstance(status.get("queue"), dict) else {}
    row.waiting = _integer(queue.get("length"))
    row.card_free_kb = _integer(status.get("card_free_kb"))
    row.clock_error_s = _number(status.get("clock_error_s"))
    row.drift_ppm = _number(status.get("drift_ppm"))
    row.config = _text(status.get("config"))
    row.config_source = _text(status.get("config_source"))
    row.next_wake = _integer(status.get("next_wake"))
    errors = status.get("errors") if isinstance(status.get("errors"), list) else []
    if errors:
        when, kind, message = error_parts(errors[-1])
        row.last_error = " ".join(part for part in (when, (kind + ":") if kind else None, message) if part)

    if row.age_h is None or row.age_h > stale_h:
        row.flags.append("stale")
    if row.config not in (None, "ok"):
        row.flags.append("config")
    recent = recent_errors(errors, row.written_local, errors_h)
    if status.get("auth") not in (None, "ok") or any(kind == "auth" for _, kind, _ in recent):
        row.flags.append("auth")
    if row.battery_v is not None and row.battery_v < LOW_BATTERY_V:
        row.flags.append("battery")
    if recent:
        row.flags.append("errors")
    return row


def gather(
    client: Any, now: float, stale_h: float = STALE_HOURS, errors_h: float = RECENT_ERRORS_HOURS
) -> list[Row]:
    """One row per status.json in the app folder, by camera id."""
    rows = []
    for entry in dbx.walk(client, ""):
        if entry.name.lower() == STATUS_NAME:
            _, answer = client.files_download(entry.path_lower)
            rows.append(row_of(entry.path_display, answer.content, now, stale_h, errors_h))
    return sorted(rows, key=lambda row: (row.camera, row.path))


def _age(hours: float | None) -> str:
    if hours is None:
        return "never"
    if hours < 0:
        return "in future"
    if hours < 1:
        return "%d min" % round(hours * 60)
    if hours < 48:
        return "%.1f h" % hours
    return "%.1f d" % (hours / 24)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _or_dash(value: object, form: str) -> str:
    return "-" if value is None else form % value


def table(rows: list[Row]) -> list[str]:
    """The rows as aligned text, flagged cameras marked with '!'."""
    heads = [
        "",
        "camera",
        "last seen",
        "battery",
        "trend/d",
        "waiting",
        "clock +-",
        "drift",
        "config",
        "last error",
    ]
    lines = []
    for row in rows:
        if row.problem:
            lines.append(["!", row.camera, "-", "-", "-", "-", "-", "-", "-", _cut(row.problem, 60)])
            continue
        config = _cut(row.config or "-", 32)
        if row.config_source:
            config = f"{config} ({row.config_source})"
        lines.append(
            [
                "!" if row.flags else "",
                row.camera,
                _age(row.age_h),
                _or_dash(row.battery_v, "%.2f V"),
                _or_dash(row.battery_trend_v_per_day, "%+.3f V"),
                _or_dash(row.waiting, "%d"),
                _or_dash(row.clock_error_s, "%.1f s"),
                _or_dash(row.drift_ppm, "%.0f ppm"),
                config,
                _cut(row.last_error or "-", 60),
            ]
        )
    widths = [max(len(line[i]) for line in [heads, *lines]) for i in range(len(heads))]
    out = ["  ".join(cell.ljust(width) for cell, width in zip(heads, widths, strict=True)).rstrip()]
    for row, line in zip(rows, lines, strict=True):
        text = "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        if row.flags:
            text += "   [" + ", ".join(row.flags) + "]"
        out.append(text)
    return out


def parse_now(text: str | None) -> float:
    """--now: an ISO time (UTC unless it says otherwise), default the real time."""
    if not text:
        return time.time()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise SystemExit(f"--now {text!r}: not an ISO time like 2026-06-08T12:00Z") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.status", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--stale",
        type=float,
        default=STALE_HOURS,
        metavar="HOURS",
        help=f"flag cameras not seen for this long (default {STALE_HOURS:g})",
    )
    parser.add_argument(
        "--errors-within",
        type=float,
        default=RECENT_ERRORS_HOURS,
        metavar="HOURS",
        help=f"flag errors this recent before the status was written (default {RECENT_ERRORS_HOURS:g})",
    )
    parser.add_argument(
        "--now", metavar="ISO", help="judge ages at this time, e.g. the end of a simulator run (default: now)"
    )
    parser.add_argument("--json", action="store_true", help="one JSON list of the rows")
    dbx.add_arguments(parser)
    options = parser.parse_args(argv)
    now = parse_now(options.now)
    try:
        with dbx.connect(options) as client:
            rows = gather(client, now, options.stale, options.errors_within)
    except SystemExit:
        raise
    except Exception as problem:  # the SDK's and requests' failures, said in one line
        print(f"tools.status: {dbx.describe(problem)}", file=sys.stderr)
        return 2
    if options.json:
        print(json.dumps([asdict(row) for row in rows], indent=1))
    elif not rows:
        print("no camera has written a status.json yet")
    else:
        print("\n".join(table(rows)))
        flagged = sum(1 for row in rows if row.flags)
        print(f"{len(rows)} cameras, {flagged} flagged")
    return 1 if any(row.flags for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
