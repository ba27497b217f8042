"""The upload queue: when a batch is worth its energy, and sending it oldest first.

The queue is the sequence range (uploaded, seq]. A wake uploads when `batch_size` photos wait
or the oldest has waited `max_delay`, inside the upload window, with the battery above
`min_battery_v`, and not while a backoff or a broken Dropbox authorisation says no. It sends
photos in order until the queue is empty or the awake budget would be exceeded; the next upload
wake goes on from there. A photo counts as uploaded only once Dropbox acknowledged it.
"""

import os
import time

from state import auth, backoff, queue
from timelapse import spool, timesync

if False:  # for type checkers only: the board compiles nothing for it
    from collections.abc import Callable

    from timelapse.dropbox import Dropbox

UNDATED = "undated"     # {date} of a photo taken before the clock was ever set
SETTINGS_FILE = "settings.toml"
FULL_RETRY_S = 86400    # a full Dropbox account: look again a day later
RETRIES_PER_BATCH = 2   # transient failures a batch absorbs before it gives up for this wake
WINDOW_MARGIN_S = 60    # a wake for the window's opening comes this late: a fast clock finds it open


def settings_key() -> str:
    """Size and mtime of settings.toml: a broken authorisation waits for this to change."""
    try:
        stat = os.stat(SETTINGS_FILE)
        return "%d:%d" % (stat[6], stat[8])
    except OSError:
        return "missing"


def due(hot: dict, durable: dict, cfg: dict, utc: int, local: "int | None", volts: float) -> str:
    """Why this wake should upload ("batch", "delay"), or "" when it should not. A broken
    authorisation says no until auth.recheck() saw settings.toml change."""
    upload = cfg["upload"]
    if not _allowed(hot, durable, cfg, volts):
        return ""
    if not in_window(local, upload["window"]) or backoff.active(hot, utc):
        return ""
    return _worth(hot, upload, utc)


def window_opens(hot: dict, durable: dict, cfg: dict, utc: int, local: "int | None", volts: float) -> "int | None":
    """The UTC a little after the upload window next opens, when photos wait outside it and a
    batch would be due then; else None. A schedule whose slots all fall outside the window (a photo
    at midnight, uploads by day) wakes for it, or its photos would wait for ever."""
    window = cfg["upload"]["window"]
    if window is None or local is None or in_window(local, window) or not _allowed(hot, durable, cfg, volts):
        return None
    minutes = (window[0] - local % 86400 // 60) % 1440
    opening = utc + minutes * 60 - local % 60 + WINDOW_MARGIN_S
    return opening if _worth(hot, cfg["upload"], opening) else None


def _allowed(hot: dict, durable: dict, cfg: dict, volts: float) -> bool:
    """Uploads are on, photos wait, Dropbox's authorisation holds and the battery allows WiFi."""
    upload = cfg["upload"]
    if not upload["enabled"] or queue.waiting(hot) <= 0 or auth.broken(durable):
        return False
    return not (volts and volts < max(upload["min_battery_v"], cfg["power"]["low_battery_v"]))


def _worth(hot: dict, upload: dict, utc: int) -> str:
    """Whether a batch is worth its energy at `utc`: full, or its oldest photo waited max_delay."""
    if queue.waiting(hot) >= upload["batch_size"]:
        return "batch"
    since = queue.queued_since(hot)
    if since and utc - since >= upload["max_delay"]:
        return "delay"
    return ""


def in_window(local: "int | None", window: "list | None") -> bool:
    """Whether local epoch seconds fall in a [start, end) window of minutes (may span midnight);
    no window, or no valid local time, means always."""
    if window is None or local is None:
        return True
    minute = local % 86400 // 60
    start, end = window
    return start <= minute < end if start < end else minute >= start or minute < end


def remote_path(template: str, cam_id: str, seq: int, name: str) -> str:
    """The Dropbox path of a photo, from its file name alone (so a resend hits the same path)."""
    stamp = name[:-4].split("_")[-1]
    date = UNDATED
    if len(stamp) == 15 and stamp[8] == "T":
        date = "%s-%s-%s" % (stamp[:4], stamp[4:6], stamp[6:8])
    return (template.replace("{id}", cam_id).replace("{date}", date)
            .replace("{seq}", "%06d" % seq).replace("{name}", name))


def send(hot: dict, durable: dict, cfg: dict, dropbox: "Dropbox", deadline: float, transient: tuple,
         error: "Callable[[str, str], None]", before_upload: "Callable[[int, Dropbox], None]") -> int:
    """Upload the queue (the card mounted) oldest first until it is empty or `deadline`
    (monotonic) is near. A transient failure (a 5xx without Retry-After, a dropped connection:
    `transient`) is retried at once, a few times per batch; anything else ends the batch and is
    raised to the caller. `error(kind, message)` records a photo skipped or renamed;
    `before_upload(seq, dropbox)` may rename this wake's photo by a corrected time. Returns the
    number of photos Dropbox acknowledged."""
    from timelapse.dropbox import DropboxError, Refused, content_hash

    sent, retries = 0, RETRIES_PER_BATCH
    slowest = 2.0  # seconds one photo may take; learned from this batch
    oldest = queue.on_card(hot)
    if oldest is not None and spool.find(oldest) is None:
        # The oldest photo is gone: the card was swapped (or emptied) while the board slept.
        # The card is the truth: where it starts now; the queue skips what it no longer holds.
        highest, lowest = spool.recover()
        queue.found(hot, highest, lowest)
        print("upload: photo %d is gone from the card, which now starts at %s"
              % (oldest, queue.on_card(hot)))
    try:
        while queue.waiting(hot) > 0:
            started = time.monotonic()
            if started + slowest * 1.5 > deadline:
                print("upload: awake budget reached, %d photos wait" % queue.waiting(hot))
                break
            seq = queue.next_up(hot)
            before_upload(seq, dropbox)  # this wake's photo: stamped by a corrected time
            path = spool.find(seq)
            if path is None:
                error("upload", "photo %d is not on the card: skipped" % seq)
                queue.skipped(hot, durable, seq)
                continue
            with open(path, "rb") as handle:
                data = handle.read()
            name = path.split("/")[-1]
            remote = remote_path(cfg["upload"]["path"], cfg["camera"]["id"], seq, name)
            try:
                meta = store(dropbox, remote, data, content_hash(data), error)
            except Refused as problem:
                # This photo's path alone: the rest of the queue must not wait behind it.
                error("upload", "photo %d refused by Dropbox (%s): skipped, it stays on "
                      "the card" % (seq, problem))
                queue.skipped(hot, durable, seq)
                continue
            except transient + (DropboxError,) as problem:
                again = not isinstance(problem, DropboxError) or (
                    problem.kind == "server" and not problem.retry_after)
                if not again or retries == 0:
                    raise
                retries -= 1
                print("upload: %s, trying again" % problem)
                continue
            queue.sent(hot, seq)
            queue.acknowledged(durable)
            sent += 1
            print("uploaded: %s (%d kB)" % (meta.get("path_display", remote), len(data) // 1024))
            if cfg["storage"]["delete_after_upload"] and queue.oldest(hot) == seq:
                spool.delete(seq)
                queue.deleted_oldest(hot)
            slowest = max(slowest, time.monotonic() - started)
    finally:
        if sent:
            queue.batch_done(durable, timesync.utc_now())
        queue.emptied(hot)
    return sent


def store(dropbox: "Dropbox", remote: str, data: bytes, digest: "str | None",
          error: "Callable[[str, str], None]") -> dict:
    """One photo to Dropbox: its metadata once acknowledged. Sent again after a lost answer it
    is no conflict (same content); a conflict means another photo holds the name."""
    from timelapse.dropbox import DropboxError

    utc = timesync.utc_now()
    try:
        meta = dropbox.upload(remote, data, digest, utc)
    except DropboxError as problem:
        if problem.kind != "conflict":
            raise
        meta = dropbox.metadata(remote, utc)
        if digest is None or meta.get("content_hash") != digest:
            error("upload", "%s exists with other content: uploaded renamed" % remote)
            meta = dropbox.upload(remote, data, digest, utc, autorename=True)
    if meta.get("size", len(data)) != len(data) or (
            digest and meta.get("content_hash") not in (None, digest)):
        raise DropboxError("dropbox", "%s: Dropbox stored other bytes" % remote)
    return meta
