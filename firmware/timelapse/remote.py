"""The camera's Dropbox folder, after each upload batch and on its connection to the content
host (no extra handshake): camconfig.toml is fetched only when its ETag changed (a 304
otherwise), validated like the local file and kept for the next wake; then status.json is
overwritten with the state dump's facts. Contract: docs/status.md. Imported only by wakes that
uploaded.
"""

import json
import time

from state import queue, remoteconf
from timelapse import summary, timesync

STATUS_FILE = "status.json"
CONFIG_FILE = "camconfig.toml"
if False:  # for type checkers only: the board compiles nothing for it
    from collections.abc import Callable

    from state.store import State
    from timelapse.dropbox import Dropbox

SCHEMA = 1
CONFIG_LIMIT = 8192   # bytes: a remote camconfig.toml larger than this is refused unread
NEED_S = 3            # the least awake budget left for the two requests


def camera_folder(template: str, cam_id: str) -> str:
    """The camera's folder: `[upload] path` up to the first component after {id} that holds
    another placeholder ("/timelapse/{id}/{date}/{name}" -> "/timelapse/CAM1"); without {id},
    the folder before the first placeholder plus "/<id>"."""
    kept = []
    has_id = False
    for part in template.split("/")[1:-1]:
        named = part.replace("{id}", cam_id)
        if "{" in named:
            break
        has_id = has_id or named != part
        kept.append(named)
    folder = "/" + "/".join(kept) if kept else ""
    return folder if has_id else folder + "/" + cam_id



def document(facts: dict, state: "State", utc: int, offset: int) -> dict:
    """status.json from the state dump's facts (summary.facts): the keys of docs/status.md,
    its times as UTC epoch seconds where the dump shows local ones."""
    doc = {"schema": SCHEMA, "written": utc, "written_local": facts["time"], "utc_offset_s": offset}
    for key in ("camera", "firmware", "circuitpython", "battery_v", "battery_trend_v_per_day",
                "counters", "card", "card_free_kb", "clock_valid", "clock_error_s", "drift_ppm",
                "auth", "config", "config_source", "settings", "errors", "error_counts", "next_wake"):
        doc[key] = facts[key]
    hot, durable = state.hot, state.durable
    doc["last_upload"] = queue.last_upload(durable) or None
    doc["queue"] = {"length": facts["queue"]["length"], "oldest_waiting": facts["queue"]["oldest_waiting"],
                    "since": queue.queued_since(hot) or None}
    return doc


def after_batch(state: "State", cfg: dict, client: "Dropbox", deadline: float, next_utc: int,
                error: "Callable[[str, str], None]") -> int:
    """Check the remote config, then write the status; DropboxError and network errors go to
    the caller. Returns the status's size in bytes (0 when there was no time for it)."""
    if deadline - time.monotonic() < NEED_S:
        print("status: no time left in the awake budget")
        return 0
    from state import battery, trend

    folder = camera_folder(cfg["upload"]["path"], cfg["camera"]["id"])
    check_config(state, client, folder, error)
    utc = timesync.utc_now()
    if timesync.valid(utc):
        trend.update(state.hot, battery.volts(state.hot), utc)
    facts = summary.facts(state, cfg, utc, timesync.valid(utc), next_utc)
    offset = summary.local_offset(state.durable, cfg, utc)
    body = json.dumps(document(facts, state, utc, offset)).encode()
    client.upload(folder + "/" + STATUS_FILE, body, None, utc, mode="overwrite")
    print("status: %s/%s (%d bytes)" % (folder, STATUS_FILE, len(body)))
    return len(body)


def check_config(state: "State", client: "Dropbox", folder: str, error: "Callable[[str, str], None]") -> None:
    """Fetch camconfig.toml from the camera's folder when it changed; a valid one is in force
    from the next wake, an invalid one is recorded and the configuration in force stays."""
    hot, durable = state.hot, state.durable
    path = folder + "/" + CONFIG_FILE
    known = remoteconf.tag(durable)
    from timelapse.dropbox import TooLarge

    try:
        tag, data = client.download(path, known, timesync.utc_now(), CONFIG_LIMIT)
    except TooLarge as problem:
        reject(durable, error, problem.tag, "Dropbox %s" % problem)
        return
    if tag is None:
        if known and remoteconf.gone(hot, durable):
            print("config: %s is gone from Dropbox: the local file again from the next wake" % path)
        return
    if data is None:
        return  # unchanged (304)
    from timelapse import config

    try:
        cfg = config.load(data.decode())
    except (ValueError, UnicodeError) as problem:
        reject(durable, error, tag, "Dropbox %s: %s" % (path, problem))
        return
    remoteconf.accepted(durable, cfg, tag)
    print("config: %s from Dropbox accepted (%s), in force from the next wake" % (path, tag))


def reject(durable: dict, error: "Callable[[str, str], None]", tag: str, message: str) -> None:
    """Recorded once per remote file (its ETag); the configuration in force stays."""
    remoteconf.rejected(durable, tag, message)
    error("config", message + " (running on the last good configuration)")
