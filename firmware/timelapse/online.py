"""What a wake does once it goes on the network: join, upload the queue, sync the time and check
TIMEZONE's offset, all on one WiFi association within the awake budget. Imported (and compiled,
on the board) only by wakes that have something to do there.
"""

import binascii
import os
import time

from state import auth, backoff, queue
from timelapse import dropbox, network, timesources, timesync, upload

if False:  # for type checkers only: the board compiles nothing for it
    from collections.abc import Callable

    from state.store import State

SYNC_MIN_S = 5            # the least awake budget an NTP exchange (and a retry) needs
ZONE_CHECK_S = 86400      # ask for TIMEZONE's offset (daylight saving time) once a day


def run(state: "State", cfg: dict, upload_due: str, sync_due: str, sleep_s: int, utc: int,
        mount: "Callable[[], bool]", error: "Callable[[str, str], None]", phase: "Callable[[str], None]",
        restamp: "Callable[[], None] | None", before_upload: "Callable[[int, dropbox.Dropbox], None]") -> tuple:
    """Join, then upload and/or sync. `mount()` mounts the card (once per wake) and says whether
    it is there, `error(kind, message)` records a problem, `phase(name)` closes a timed phase;
    `restamp()` renames this wake's photo by the corrected time after a sync (None: no photo),
    `before_upload(seq, client)` is asked before each photo is sent.
    Returns (synced, retry_at): whether the time was synced, and the UTC by which Dropbox
    asked us to come back (None when it did not)."""
    hot = state.hot
    deadline = time.monotonic() + cfg["upload"]["awake_budget"]
    phase("work")
    try:
        network.join(hot)
    except network.NetworkError as problem:
        # Without a valid time every photo goes undated: try more often than otherwise.
        pause = backoff.failed(hot, utc, backoff.MAX_S if timesync.valid(utc) else backoff.COLD_MAX_S)
        error("wifi", "%s (next try in %d min)" % (problem, pause // 60))
        return False, None
    finally:
        phase("wifi")
    durable = state.durable
    paced = network.paced_until(durable)
    try:
        session = network.session(durable, deadline)
        client, retry_at = None, None
        # The time not known within max_error: rename this wake's photo by the corrected time
        # before it is uploaded. The Dropbox Date header of the batch's earlier photos does as
        # the sample (upload.send asks before_upload); with no earlier photo, sync first.
        first = sync_due in ("cold", "bound") and restamp is not None and (
            not upload_due or queue.waiting(hot) <= 1)
        synced = False
        if first:
            synced = sync_time(state, cfg, session, None, sync_due, sleep_s, deadline, error)
            check_zone(durable, session, deadline, error)
            if synced and restamp is not None:
                restamp()
        if upload_due:
            client, retry_at, sent = send_queue(state, cfg, session, upload_due, deadline, mount, error,
                                                before_upload)
            phase("upload")
            if sent:
                after_batch(state, cfg, client, deadline, utc + sleep_s, error, phase)
        if not first:
            synced = sync_time(state, cfg, session, client, sync_due, sleep_s, deadline, error)
            check_zone(durable, session, deadline, error)
            if synced and restamp is not None:
                restamp()
        return synced, retry_at
    finally:
        network.off()
        phase("sync")
        if network.paced_until(durable) != paced:
            error("stall", "a request stalled (ETIMEDOUT): sends pause %d ms per TLS record "
                  "for the next %d batches" % (network.PACE_S * 1000, network.PACE_BATCHES))


def send_queue(state: "State", cfg: dict, session: object, reason: str, deadline: float,
               mount: "Callable[[], bool]", error: "Callable[[str, str], None]",
               before_upload: "Callable[[int, dropbox.Dropbox], None]") -> tuple:
    """Upload within the budget. Returns the Dropbox client (its Date header is a time sample),
    the UTC by which Dropbox asked us to come back (or None), and whether Dropbox took the batch."""
    hot, durable = state.hot, state.durable
    print("upload: %d photos wait (%s)" % (queue.waiting(hot), reason))
    client = dropbox.Dropbox(session, durable, deadline)
    retry_at, sent = None, False
    try:
        if mount():  # a wake that took no photo has not mounted the card
            upload.send(hot, durable, cfg, client, deadline, network.TRANSIENT, error, before_upload)
        backoff.succeeded(hot)
        sent = True
    except dropbox.AuthBroken as problem:
        auth.stop(durable, problem.kind, upload.settings_key())
        error(problem.kind, "%s: uploads stop until settings.toml changes" % problem)
    except dropbox.Full as problem:
        backoff.defer(hot, timesync.utc_now(), upload.FULL_RETRY_S)
        error(problem.kind, str(problem))
    except dropbox.DropboxError as problem:
        if problem.retry_after:
            # Cameras on one wall-clock grid would meet again at the next slot: come back when
            # asked, plus a delay of this camera's own, on a wake of its own.
            spread = binascii.crc32(("%s%d" % (cfg["camera"]["id"], queue.last(hot))).encode()) % 120
            backoff.defer(hot, timesync.utc_now(), problem.retry_after + spread)
            retry_at = backoff.until(hot)
        else:
            backoff.failed(hot, timesync.utc_now(), backoff.SERVER_MAX_S)
        error(problem.kind, str(problem))
    except network.TRANSIENT as problem:  # timeouts, resets: a later wake retries
        backoff.failed(hot, timesync.utc_now(), backoff.SERVER_MAX_S)
        error("network", "%s: %s" % (type(problem).__name__, problem))
    return client, retry_at, sent


def after_batch(state: "State", cfg: dict, client: "dropbox.Dropbox", deadline: float, next_utc: int,
                error: "Callable[[str, str], None]", phase: "Callable[[str], None]") -> None:
    """After a batch Dropbox took: the remote config and status.json (timelapse/remote.py), on
    the same connection. Their failure is recorded; it does not hold the uploads back."""
    from timelapse import remote

    try:
        remote.after_batch(state, cfg, client, deadline, next_utc, error)
    except dropbox.DropboxError as problem:
        error("remote", str(problem))
    except network.TRANSIENT as problem:
        error("remote", "%s: %s" % (type(problem).__name__, problem))
    finally:
        phase("remote")


def sync_time(state: "State", cfg: dict, session: object, client: "dropbox.Dropbox | None", reason: str,
              sleep_s: int, deadline: float, error: "Callable[[str, str], None]") -> bool:
    """Use the Dropbox Date header when it is precise enough, else SNTP, else HTTPS time."""
    hot, durable = state.hot, state.durable
    sample = client.date_sample() if client is not None else None
    if sample is not None:
        apply_time(hot, durable, "date", sample, error)
        reason = timesync.due(hot, durable, cfg, timesync.utc_now(), sleep_s)
    if not reason:
        return sample is not None
    if deadline - time.monotonic() < SYNC_MIN_S:
        error("time", "no time left in the awake budget for a sync")
        return sample is not None
    try:
        apply_time(hot, durable, "ntp", timesources.ntp(network.pool(), cfg["time"]["ntp_server"]), error)
        return True
    except network.TRANSIENT + (ArithmeticError,) as problem:
        error("ntp", "%s: %s" % (cfg["time"]["ntp_server"], problem))
    try:
        apply_time(hot, durable, "https", timesources.https(session, network.request_timeout(deadline)), error)
        return True
    except network.TRANSIENT + (ValueError,) as problem:
        backoff.failed(hot, timesync.utc_now())
        error("time", "no time source answered: %s" % problem)
    return sample is not None


def apply_time(hot: dict, durable: dict, source: str, sample: tuple, error: "Callable[[str, str], None]") -> None:
    """Correct the clock by a time sample (seconds, fraction, precision) from `source`."""
    seconds, fraction, precision = sample
    correction = timesync.apply(hot, durable, seconds, fraction, precision)
    if correction is None:
        error("time", "%s sample %d is far from our time: distrusted" % (source, seconds))
    else:
        print("time: %s sync, clock was %+.2f s off" % (source, correction))


def check_zone(durable: dict, session: object, deadline: float, error: "Callable[[str, str], None]") -> None:
    """At most daily: the UTC offset of settings.toml's TIMEZONE from a time service, and its
    next daylight saving change, which the wake switches at (timesync.zone)."""
    utc = timesync.utc_now()
    name = os.getenv("TIMEZONE") if timesync.valid(utc) else None
    if not name:
        timesync.set_zone(durable, None, utc)
        return
    age = timesync.zone_age(durable, utc)
    if age is not None and age < ZONE_CHECK_S:
        return
    if deadline - time.monotonic() < SYNC_MIN_S:
        return
    try:
        offset, change, after = timesources.zone_offset(session, network.request_timeout(deadline), name, utc)
    except timesources.UnknownZone as problem:
        error("timezone", str(problem))
        timesync.zone_unknown(durable, utc)  # asked again a day later, not at every wake
        return
    except network.TRANSIENT + (ValueError,) as problem:
        error("time", "UTC offset of %s: %s" % (name, problem))
        return
    if timesync.zone(durable, utc) != offset:
        print("time: %s is UTC%+.2g h" % (name, offset / 3600))
    if change and change != timesync.zone_change(durable):
        print("time: %s changes to UTC%+.2g h at %d" % (name, after / 3600, change))
    timesync.set_zone(durable, offset, utc, change, after)  # the wake plans on it after run()
