"""Maintenance mode: USB attached and a file named `maintenance` on CIRCUITPY. The camera stays
awake (bounded), joins WiFi, asks Dropbox for a token so the user sees the credentials work, and
prints the state dump every few seconds. Delete the file to leave. Imported only then.
"""

import time

from timelapse import power, timesync
from timelapse.spool import MAINTENANCE_FILE, exists

MAINTENANCE_S = 600
DUMP_EVERY_S = 5


def run(wake):
    print("maintenance: delete the file '%s' to leave (or wait %d s)" % (MAINTENANCE_FILE, MAINTENANCE_S))
    check_wifi(wake)
    until = time.monotonic() + MAINTENANCE_S
    while time.monotonic() < until and exists(MAINTENANCE_FILE):
        power.feed_watchdog()
        wake.dump()
        time.sleep(DUMP_EVERY_S)


def check_wifi(wake):
    """Join as a network wake does (fast reconnect, static address), and say how it went."""
    from timelapse import network

    try:
        network.join(wake.state.hot)
    except network.NetworkError as problem:
        wake.error("wifi", str(problem))
        return
    import wifi

    print("maintenance: WiFi joined %s, address %s" % (network.credentials()[0],
                                                       wifi.radio.ipv4_address))
    check_dropbox(wake)


def check_dropbox(wake):
    from timelapse import dropbox, network

    client = dropbox.Dropbox(network.session(), wake.state.durable, time.monotonic() + 30)
    try:
        client.refresh(timesync.utc_now())
        print("maintenance: Dropbox accepted the credentials of settings.toml")
    except dropbox.DropboxError as problem:
        wake.error(problem.kind, "maintenance: Dropbox: %s" % problem)
    except network.TRANSIENT as problem:
        wake.error("network", "maintenance: Dropbox: %s: %s" % (type(problem).__name__, problem))
