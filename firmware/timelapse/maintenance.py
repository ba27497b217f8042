"""Maintenance mode: USB attached and a file named `maintenance` on CIRCUITPY. The camera stays
awake (bounded), joins WiFi, asks Dropbox for a token so the user sees the credentials work, and
prints the state dump every few seconds. Delete the file to leave. Imported only then.
"""

import time

from timelapse import power, summary, timesync
from timelapse.spool import MAINTENANCE_FILE, exists

if False:  # for type checkers only: the board compiles nothing for it
    from collections.abc import Callable

    from state.store import State

MAINTENANCE_S = 600
DUMP_EVERY_S = 5


def run(state: "State", cfg: dict, error: "Callable[[str, str], None]") -> bool:
    """Stay awake (bounded) showing the dump of `state`; `error(kind, message)` records a
    problem. Returns whether WiFi and Dropbox both answered."""
    print("maintenance: delete the file '%s' to leave (or wait %d s)" % (MAINTENANCE_FILE, MAINTENANCE_S))
    working = check_wifi(state, error)
    until = time.monotonic() + MAINTENANCE_S
    while time.monotonic() < until and exists(MAINTENANCE_FILE):
        power.feed_watchdog()
        summary.show(state, cfg)
        time.sleep(DUMP_EVERY_S)
    return working


def check_wifi(state: "State", error: "Callable[[str, str], None]") -> bool:
    """Join as a network wake does (fast reconnect, static address), and say how it went."""
    from timelapse import network

    try:
        network.join(state.hot)
    except network.NetworkError as problem:
        error("wifi", str(problem))
        return False
    import wifi

    print("maintenance: WiFi joined %s, address %s" % (network.credentials()[0],
                                                       wifi.radio.ipv4_address))
    return check_dropbox(state.durable, error)


def check_dropbox(durable: dict, error: "Callable[[str, str], None]") -> bool:
    """Ask Dropbox for a token with the credentials of settings.toml: whether it gave one."""
    from timelapse import dropbox, network

    client = dropbox.Dropbox(network.session(), durable, time.monotonic() + 30)
    try:
        client.refresh(timesync.utc_now())
        print("maintenance: Dropbox accepted the credentials of settings.toml")
        return True
    except dropbox.DropboxError as problem:
        error(problem.kind, "maintenance: Dropbox: %s" % problem)
    except network.TRANSIENT as problem:
        error("network", "maintenance: Dropbox: %s: %s" % (type(problem).__name__, problem))
    return False
