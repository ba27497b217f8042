"""What a wake does once it goes on the network: join, upload the queue, sync the time and check
TIMEZONE's offset, all on one WiFi association within the awake budget. Imported (and compiled,
on the board) only by wakes that have something to do there.
"""

import binascii
import os
import time

from state import auth, backoff, queue
from timelapse import dropbox, network, timesources, timesync, upload

SYNC_MIN_S = 5            # the least awake budget an NTP exchange (and a retry) needs
ZONE_CHECK_S = 86400      # ask for TIMEZONE's offset (daylight saving time) once a day


def run(wake, upload_due, sync_due, sleep_s, utc):
    """Join, then upload and/or sync. Returns whether the time was synced."""
    hot = wake.state.hot
    deadline = time.monotonic() + wake.cfg["upload"]["awake_budget"]
    wake.phase("work")
    try:
        network.join(hot)
    except network.NetworkError as problem:
        # Without a valid time every photo goes undated: try more often than otherwise.
        pause = backoff.failed(hot, utc, backoff.MAX_S if timesync.valid(utc) else backoff.COLD_MAX_S)
        wake.error("wifi", "%s (next try in %d min)" % (problem, pause // 60))
        return False
    finally:
        wake.phase("wifi")
    durable = wake.state.durable
    paced = network.paced_until(durable)
    try:
        session = network.session(durable, deadline)
        client = None
        if upload_due:
            client = send_queue(wake, session, upload_due, deadline)
            wake.phase("upload")
        synced = sync_time(wake, session, client, sync_due, sleep_s, deadline)
        check_zone(wake, session, deadline)
        return synced
    finally:
        network.off()
        wake.phase("sync")
        if network.paced_until(durable) != paced:
            wake.error("stall", "a request stalled (ETIMEDOUT): sends pause %d ms per TLS record "
                       "for the next %d batches" % (network.PACE_S * 1000, network.PACE_BATCHES))


def send_queue(wake, session, reason, deadline):
    """Upload within the budget; returns the Dropbox client (its Date header is a time sample)."""
    hot, durable = wake.state.hot, wake.state.durable
    print("upload: %d photos wait (%s)" % (queue.waiting(hot), reason))
    client = dropbox.Dropbox(session, durable, deadline)
    try:
        upload.send(wake, client, deadline, network.TRANSIENT)
        backoff.succeeded(hot)
    except dropbox.AuthBroken as problem:
        auth.stop(durable, problem.kind, upload.settings_key())
        wake.error(problem.kind, "%s: uploads stop until settings.toml changes" % problem)
    except dropbox.Full as problem:
        backoff.defer(hot, timesync.utc_now(), upload.FULL_RETRY_S)
        wake.error(problem.kind, str(problem))
    except dropbox.DropboxError as problem:
        if problem.retry_after:
            # Cameras on one wall-clock grid would meet again at the next slot: come back when
            # asked, plus a delay of this camera's own, on a wake of its own.
            spread = binascii.crc32(("%s%d" % (wake.cfg["camera"]["id"], queue.last(hot))).encode()) % 120
            backoff.defer(hot, timesync.utc_now(), problem.retry_after + spread)
            wake.early(backoff.until(hot), "upload: Dropbox asked us to wait")
        else:
            backoff.failed(hot, timesync.utc_now(), backoff.SERVER_MAX_S)
        wake.error(problem.kind, str(problem))
    except network.TRANSIENT as problem:  # timeouts, resets: a later wake retries
        backoff.failed(hot, timesync.utc_now(), backoff.SERVER_MAX_S)
        wake.error("network", "%s: %s" % (type(problem).__name__, problem))
    return client


def sync_time(wake, session, client, reason, sleep_s, deadline):
    """Use the Dropbox Date header when it is precise enough, else SNTP, else HTTPS time."""
    hot, durable, cfg = wake.state.hot, wake.state.durable, wake.cfg
    sample = client.date_sample() if client is not None else None
    if sample is not None:
        apply_time(wake, "date", sample)
        reason = timesync.due(hot, durable, cfg, timesync.utc_now(), sleep_s)
    if not reason:
        return sample is not None
    if deadline - time.monotonic() < SYNC_MIN_S:
        wake.error("time", "no time left in the awake budget for a sync")
        return sample is not None
    try:
        apply_time(wake, "ntp", timesources.ntp(network.pool(), cfg["time"]["ntp_server"]))
        return True
    except network.TRANSIENT + (ArithmeticError,) as problem:
        wake.error("ntp", "%s: %s" % (cfg["time"]["ntp_server"], problem))
    try:
        apply_time(wake, "https", timesources.https(session, network.request_timeout(deadline)))
        return True
    except network.TRANSIENT + (ValueError,) as problem:
        backoff.failed(hot, timesync.utc_now())
        wake.error("time", "no time source answered: %s" % problem)
    return sample is not None


def apply_time(wake, source, sample):
    seconds, fraction, precision = sample
    error = timesync.apply(wake.state.hot, wake.state.durable, seconds, fraction, precision)
    if error is None:
        wake.error("time", "%s sample %d is far from our time: distrusted" % (source, seconds))
    else:
        print("time: %s sync, clock was %+.2f s off" % (source, error))


def check_zone(wake, session, deadline):
    """At most daily: the UTC offset of settings.toml's TIMEZONE from a time service."""
    durable = wake.state.durable
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
        offset = timesources.zone_offset(session, network.request_timeout(deadline), name, utc)
    except timesources.UnknownZone as problem:
        wake.error("timezone", str(problem))
        timesync.zone_unknown(durable, utc)  # asked again a day later, not at every wake
        return
    except network.TRANSIENT + (ValueError,) as problem:
        wake.error("time", "UTC offset of %s: %s" % (name, problem))
        return
    if timesync.zone(durable) != offset:
        print("time: %s is UTC%+.2g h" % (name, offset / 3600))
    timesync.set_zone(durable, offset, utc)  # the wake plans on it after run()
