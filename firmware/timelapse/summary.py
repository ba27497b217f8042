"""The state dump: the facts of the camera as a short human summary and one JSON line.

Printed on the serial console at every wake with USB attached, between fixed markers that the
host reader (`python -m tools.dump`) looks for. Secrets (WiFi password, app secret, tokens) are
never part of the facts, not even truncated: only whether a token is held and until when.
"""

import json
import os

from state import auth, backoff, battery, card, conf, queue, remoteconf, sensor, trend
from timelapse import timesync
from timelapse.civil import split

if False:  # for type checkers only: the board compiles nothing for it
    from state.store import State

BEGIN = "=== timelapse state ==="
END = "=== end of state ==="
FIRMWARE_VERSION = "0.4.0"


def facts(state: "State", cfg: "dict | None", now_utc: "int | None", clock_valid: "bool | None",
          next_utc: "int | None" = None) -> dict:
    """The dump's facts, from the hot and durable records (and the wake's context when known).
    Times are local ISO 8601 with their offset; counters are what the card and Dropbox hold:
    `uploaded` counts photos Dropbox acknowledged, not those skipped (gone from the card or
    refused by Dropbox). status.json (timelapse/remote.py) is built from them."""
    hot, durable = state.hot, state.durable
    wakes, power_ons, errors, error_counts, timings = state.history()
    offset = local_offset(durable, cfg, now_utc)

    def when(utc):
        return readable(utc, offset)

    return {
        "camera": cfg["camera"]["id"] if cfg else None,
        "firmware": FIRMWARE_VERSION,
        "circuitpython": os.uname()[2],  # the release: uploads carry content_hash from 10.1
        "time": when(now_utc),
        "clock_valid": clock_valid,
        "clock_error_s": _rounded(timesync.error_bound(hot)),
        "time_promise": timesync.promise(hot) or "ok",  # the last photo's stamp within max_error
        "counters": {
            "captured": queue.last(hot),
            "uploaded": queue.in_dropbox(hot, durable),
            "skipped": queue.skips(durable),
            "wakes_since_power_on": wakes,
            "power_ons": power_ons,
            "upload_batches": queue.batches(durable),
        },
        "queue": {"length": queue.waiting(hot),
                  "oldest_waiting": queue.next_up(hot) if queue.waiting(hot) > 0 else None,
                  "since": when(queue.queued_since(hot)),
                  "oldest_on_card": queue.on_card(hot)},
        "last_upload": when(queue.last_upload(durable)),
        "token_valid_until": when(auth.expiry(durable)) if auth.token(durable) else None,
        "auth": auth.describe(durable),
        "drift_ppm": timesync.learned_ppm(hot, durable) or 0.0,
        "backoff_until": when(backoff.until(hot)),
        "battery_v": battery.volts(hot),
        "battery_trend_v_per_day": trend.last(hot),
        "sensor": sensor.facts(hot, durable),
        "card": card.problem(hot) or "ok",
        "card_free_kb": card.free(hot),
        "config": "; ".join(p for p in (conf.problem(durable), remoteconf.problem(durable)) if p) or "ok",
        "config_source": conf.source(durable),
        "settings": conf.settings_problem(durable) or "ok",
        "errors": [[when(t), kind, message] for t, kind, message in errors],
        "error_counts": error_counts,
        "timings_ms": [dict(wake, t=when(wake.get("t"))) for wake in timings],
        "next_wake": None if next_utc is None else int(next_utc),  # UTC, for status.json
    }


def local_offset(durable: dict, cfg: "dict | None", utc: "int | None") -> int:
    """The UTC offset of local time: TIMEZONE's as a time service gave it, else camconfig's."""
    zone = timesync.zone(durable, utc)
    if zone is not None:
        return zone
    return cfg["schedule"]["utc_offset"] if cfg else 0


def readable(utc: "int | None", offset: int = 0) -> "str | None":
    """Epoch seconds (UTC) as local ISO 8601 with the offset, "2026-06-01T07:10:00+01:00";
    None for none (0)."""
    if not utc:
        return None
    sign = "-" if offset < 0 else "+"
    minutes = abs(int(offset)) // 60
    year, month, day, hour, minute, second = split(int(utc) + int(offset))
    return "%04d-%02d-%02dT%02d:%02d:%02d%s%02d:%02d" % (
        year, month, day, hour, minute, second, sign, minutes // 60, minutes % 60)


def _rounded(seconds):
    return None if seconds is None else round(seconds, 2)


def render(f: dict) -> list:
    """A few lines a person reads at a glance."""
    counters, queue = f["counters"], f["queue"]
    lines = [
        "camera %s, firmware %s on CircuitPython %s, time %s%s" % (
            f["camera"], f["firmware"], f["circuitpython"], f["time"] or "unknown",
            "" if f["clock_valid"] is not False else " (clock not set)"),
        "captured %d, uploaded %d, skipped %d, waiting %d (oldest #%s), wakes %d, power-ons %d" % (
            counters["captured"], counters["uploaded"], counters["skipped"], queue["length"], queue["oldest_waiting"],
            counters["wakes_since_power_on"], counters["power_ons"]),
        "battery %.2f V, card %s (%s kB free), config %s (%s), auth %s, token until %s, drift %.0f ppm" % (
            f["battery_v"], f["card"], f["card_free_kb"], f["config"], f["config_source"], f["auth"],
            f["token_valid_until"], f["drift_ppm"]),
        "sensor %s, left in %s, failed starts in a row %d%s" % (
            f["sensor"]["name"] or "not seen yet", f["sensor"]["sleep_state"] or "-",
            f["sensor"]["failed_starts"],
            ", power switch " + f["sensor"]["power_switch"] if f["sensor"]["power_switch"] else ""),
    ]
    if f.get("time_promise", "ok") != "ok":
        lines.append("time: " + f["time_promise"])
    if f.get("settings", "ok") != "ok":
        lines.append("settings.toml: " + f["settings"])
    for when, kind, message in f["errors"][-3:]:
        lines.append("error at %s: %s: %s" % (when, kind, message))
    if f["timings_ms"]:
        last = f["timings_ms"][-1]
        lines.append("last wake (ms): " + ", ".join(
            "%s %s" % (k, last[k]) for k in sorted(last) if k != "t"))
    return lines


def show(state: "State", cfg: "dict | None", next_utc: "int | None" = None) -> None:
    """Print the dump now: at the end of every wake with USB attached, and every few seconds
    in maintenance mode. `cfg` is None when the wake failed before loading it."""
    utc = timesync.utc_now()
    print_dump(facts(state, cfg, utc, timesync.valid(utc), next_utc))


def print_dump(f: dict) -> None:
    print(BEGIN)
    for line in render(f):
        print(line)
    print(json.dumps(f))
    print(END)
