"""WiFi for one wake: a fast join, one HTTPS session, and a backoff when the access point is away.

A join with the channel and BSSID of the last good association skips the all-channel scan
(about 1 s instead of 3 s); the hint lives in sleep memory and a failed fast join falls back to
a full scan once. An optional static address (settings.toml) also skips DHCP. One
adafruit_requests.Session per wake keeps its sockets alive, so a batch costs one TLS handshake
per host. Imported only by wakes that go on the network.
"""

import binascii
import os

import adafruit_connection_manager
import adafruit_requests
import wifi

JOIN_TIMEOUT_S = 10
REQUEST_TIMEOUT_S = 15    # no single HTTPS call waits longer
HANDSHAKE_S = 3           # what a TLS handshake may take (mbedTLS with verification)
BACKOFF_FIRST_S = 600     # after a failure, skip the network for 10 min, then 20, 40, ...
BACKOFF_MAX_S = 6 * 3600         # the access point is away: try at most every 6 h
COLD_BACKOFF_MAX_S = 2 * 3600    # ... but every 2 h while the clock is not set
SERVER_BACKOFF_MAX_S = 3600      # the network or the server failed us: at most an hour

# What a flaky network raises: timeouts and resets (OSError), and requests giving up.
TRANSIENT = (OSError, RuntimeError, adafruit_requests.OutOfRetries)


class NetworkError(Exception):
    """The access point could not be joined; the message says why."""


def join(hot):
    """Associate with the access point of settings.toml, fast when a hint is kept in `hot`."""
    ssid = os.getenv("CIRCUITPY_WIFI_SSID")
    if not ssid:
        raise NetworkError("no CIRCUITPY_WIFI_SSID in settings.toml")
    password = os.getenv("CIRCUITPY_WIFI_PASSWORD") or ""
    _static_address()
    hint = hot["wifi"]
    if hint:
        try:
            wifi.radio.connect(ssid, password, channel=hint[0], bssid=binascii.unhexlify(hint[1]),
                               timeout=JOIN_TIMEOUT_S)
        except (ConnectionError, OSError, ValueError):
            hot["wifi"] = None  # the access point moved: scan once below
    if not wifi.radio.connected:
        try:
            wifi.radio.connect(ssid, password, timeout=JOIN_TIMEOUT_S)
        except (ConnectionError, OSError) as problem:
            raise NetworkError("cannot join %s: %s" % (ssid, problem))
    info = wifi.radio.ap_info
    if info is not None:
        hot["wifi"] = [info.channel, binascii.hexlify(info.bssid).decode()]


def _static_address():
    """WIFI_IPV4_ADDRESS, _NETMASK, _GATEWAY (and _DNS) in settings.toml: no DHCP wait."""
    address = os.getenv("WIFI_IPV4_ADDRESS")
    if not address:
        return
    import ipaddress

    gateway = os.getenv("WIFI_IPV4_GATEWAY") or ""
    wifi.radio.set_ipv4_address(
        ipv4=ipaddress.IPv4Address(address),
        netmask=ipaddress.IPv4Address(os.getenv("WIFI_IPV4_NETMASK") or "255.255.255.0"),
        gateway=ipaddress.IPv4Address(gateway),
        ipv4_dns=ipaddress.IPv4Address(os.getenv("WIFI_IPV4_DNS") or gateway))


def request_timeout(deadline):
    """Seconds one call may wait without passing `deadline` (time.monotonic()): adafruit_requests
    tries a failed socket twice, the second time after a new TLS handshake."""
    import time

    return max(1, min(REQUEST_TIMEOUT_S, (deadline - time.monotonic() - HANDSHAKE_S) / 2))


def pool():
    return adafruit_connection_manager.get_radio_socketpool(wifi.radio)


def session():
    """One HTTPS session for the wake: sockets kept alive per host, certificates verified."""
    context = adafruit_connection_manager.get_radio_ssl_context(wifi.radio)
    return adafruit_requests.Session(pool(), context)


def off():
    """Radio off before deep sleep (the board would do it, but say so)."""
    try:
        wifi.radio.enabled = False
    except (AttributeError, OSError):
        pass


def backing_off(hot, utc):
    """Whether a recent failure says: not this wake."""
    return utc < hot["backoff"][1]


BACKOFF_SLACK_S = 30  # see failed()


def failed(hot, utc, cap=BACKOFF_MAX_S):
    """Count a failure and double the pause before the next try, up to `cap`. Returns it."""
    failures = hot["backoff"][0] + 1
    pause = min(BACKOFF_FIRST_S * 2 ** min(failures - 1, 16), cap)
    # A little early: the wake `pause` later reads a time a second or two either side (whole
    # RTC seconds, TimeAlarm's whole-second wake, awake time), and must not miss its turn.
    hot["backoff"] = [failures, int(utc + pause) - BACKOFF_SLACK_S]
    return pause


def defer(hot, utc, seconds):
    """The server asked us to come back later (Retry-After): not a failure of ours."""
    hot["backoff"] = [hot["backoff"][0], int(utc + seconds)]


def succeeded(hot):
    hot["backoff"] = [0, 0]
