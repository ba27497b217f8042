"""WiFi for one wake: a fast join and one HTTPS session (the backoff after failures: state/backoff.py).

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

from state import queue

try:
    from micropython import const
except ImportError:
    def const(x):  # type: ignore[misc]  # CPython: the plain value
        return x

CHANNEL = const(0)  # hot wifi: [channel, bssid] of the last good association
BSSID = const(1)

JOIN_TIMEOUT_S = 10
REQUEST_TIMEOUT_S = 15    # no single HTTPS call waits longer
HANDSHAKE_S = 3           # what a TLS handshake may take (mbedTLS with verification)
PACE_S = 0.02             # the pause between sends that cures a stalled upload (issue 209) ...
PACE_BYTES = 2048         # ... once per TLS record (CONFIG_MBEDTLS_SSL_OUT_CONTENT_LEN)
PACE_BATCHES = 300        # after a stall, pace this many batches (a month as shipped)
ETIMEDOUT = 116           # the ESP32 port's errno (newlib), not Linux's 110

# What a flaky network raises: timeouts and resets (OSError), and requests giving up.
TRANSIENT = (OSError, RuntimeError, adafruit_requests.OutOfRetries)


class NetworkError(Exception):
    """The access point could not be joined; the message says why."""


def credentials() -> tuple:
    """WIFI_SSID and WIFI_PASSWORD of settings.toml; each falls back to CircuitPython's own name
    (CIRCUITPY_WIFI_...) so that a camera set up with those still uploads while the state dump
    asks for the rename (cycle.check_settings). A value os.getenv cannot read (not a quoted
    string: it raises ValueError) is a NetworkError that names the keys."""
    try:
        ssid = os.getenv("WIFI_SSID") or os.getenv("CIRCUITPY_WIFI_SSID")
        password = os.getenv("WIFI_PASSWORD")
        if password is None:
            password = os.getenv("CIRCUITPY_WIFI_PASSWORD")
    except ValueError as problem:
        raise NetworkError("settings.toml: the WiFi name and password must be quoted strings (%s)"
                           % problem)
    return ssid, password or ""


def join(hot: dict) -> None:
    """Associate with the access point of settings.toml, fast when a hint is kept in `hot`."""
    ssid, password = credentials()
    if not ssid:
        raise NetworkError("no WIFI_SSID in settings.toml")
    if not wifi.radio.enabled:
        wifi.radio.enabled = True  # off since an earlier join of this wake: connect would refuse
    _static_address()
    hint = hot["wifi"]
    if hint:
        try:
            wifi.radio.connect(ssid, password, channel=hint[CHANNEL], bssid=binascii.unhexlify(hint[BSSID]),
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
    """WIFI_IPV4_ADDRESS, _NETMASK, _GATEWAY (and _DNS) in settings.toml: no DHCP wait. The
    board takes ipaddress.IPv4Address objects only; a missing gateway or a malformed address
    (ValueError) is a NetworkError that names the keys, not a crash."""
    try:
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
    except ValueError as problem:
        raise NetworkError("settings.toml: WIFI_IPV4_ADDRESS, _GATEWAY, _NETMASK, _DNS must be "
                           "quoted dotted addresses (%s)" % problem)


def request_timeout(deadline: float) -> float:
    """Seconds one call may wait without passing `deadline` (time.monotonic()): adafruit_requests
    tries a failed socket twice, the second time after a new TLS handshake."""
    import time

    return max(1, min(REQUEST_TIMEOUT_S, (deadline - time.monotonic() - HANDSHAKE_S) / 2))


def pool() -> object:
    return adafruit_connection_manager.get_radio_socketpool(wifi.radio)


def session(durable: "dict | None" = None, deadline: "float | None" = None) -> object:
    """One HTTPS session for the wake: sockets kept alive per host, certificates verified. With
    the durable state its sockets watch for stalled sends and pace them once one was seen, and
    each request on them waits at most request_timeout(deadline)."""
    context = adafruit_connection_manager.get_radio_ssl_context(wifi.radio)
    if durable is not None:
        context = _PacedContext(context, durable, deadline)
    return adafruit_requests.Session(pool(), context)


def pacing(durable: dict) -> bool:
    """Whether sends pause between TLS records: for PACE_BATCHES batches after a stall. This
    module alone keeps the durable `paced` (and the hot `wifi` hint)."""
    return queue.batches(durable) < durable["paced"]


def paced_until(durable: dict) -> int:
    """The batch count up to which sends pause (changes when a stall turned pacing on)."""
    return durable["paced"]


class _PacedContext:
    """The board's SSLContext, handing out sockets that can pause between TLS records.

    On some ESP32 boards a request body sent in one burst stalls: the answer never comes and
    recv_into raises ETIMEDOUT (adafruit/Adafruit_CircuitPython_Requests issue 209, cured there
    by a 20 ms pause before every send). Pausing costs awake time on every upload, so it starts
    only after such a stall, which durable["paced"] remembers. A slow server times out the same
    way, so one timeout is not enough: adafruit_requests retries at once (unpaced), and only a
    second one in the wake turns pacing on."""

    def __init__(self, context, durable, deadline):
        self._context = context
        self.durable = durable
        self.deadline = deadline  # time.monotonic() by which the wake's awake budget is spent
        self._suspects = 0  # large unpaced requests that timed out in this wake

    def wrap_socket(self, sock, server_hostname=None):
        return _PacedSocket(self._context.wrap_socket(sock, server_hostname=server_hostname), self)

    def stalled(self):
        self._suspects += 1
        if self._suspects >= 2 and not pacing(self.durable):
            self.durable["paced"] = queue.batches(self.durable) + PACE_BATCHES


class _PacedSocket:
    """An SSLSocket whose send pauses PACE_S once a full TLS record went out unpaused. Its
    timeout is set again for every request: adafruit_connection_manager hands a kept-alive
    socket out with the timeout of its first request, which would let a late answer near the
    end of the batch wait past the awake budget."""

    def __init__(self, sock, owner):
        self._sock = sock
        self._owner = owner
        self._burst = 0     # bytes sent since the last pause or answer
        self._largest = 0   # the largest such burst of the request being sent
        self._fresh = True  # the next send begins a request
        self.settimeout = sock.settimeout
        self.connect = sock.connect
        self.close = sock.close

    def send(self, data):
        if self._fresh and self._owner.deadline is not None:
            self._sock.settimeout(request_timeout(self._owner.deadline))
        self._fresh = False
        if self._burst >= PACE_BYTES and pacing(self._owner.durable):
            import time

            time.sleep(PACE_S)
            self._burst = 0
        sent = self._sock.send(data)
        self._burst += sent
        self._largest = max(self._largest, self._burst)
        return sent

    def recv_into(self, buffer, nbytes=0):
        largest, self._burst, self._largest = self._largest, 0, 0
        self._fresh = True
        try:
            return self._sock.recv_into(buffer, nbytes)
        except OSError as problem:
            if problem.errno == ETIMEDOUT and largest > PACE_BYTES:
                self._owner.stalled()  # a large unpaced request went unanswered
            raise


def off() -> None:
    """Radio off before deep sleep (the board would do it, but say so). Not while settings.toml
    has CIRCUITPY_WIFI_SSID: CircuitPython would find the radio off after code.py and join
    again, with a full scan, just before the board sleeps."""
    try:
        if os.getenv("CIRCUITPY_WIFI_SSID"):
            return
    except ValueError:
        pass  # unreadable to the supervisor too: it will not join by itself
    try:
        wifi.radio.enabled = False
    except (AttributeError, OSError):
        pass
