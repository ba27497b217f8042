"""The board's wifi/socketpool/ssl reach local servers over real loopback sockets, through the
real adafruit_requests, with TLS verified against the simulator's local CA."""

from __future__ import annotations

import http.server
import ssl
import threading

import pytest
import trustme

from sim.network import Network

CLIENT = """
import os, time, alarm, wifi, socketpool, ssl
import adafruit_requests
wifi.radio.connect(os.getenv("WIFI_SSID"), os.getenv("WIFI_PASSWORD"))
pool = socketpool.SocketPool(wifi.radio)
session = adafruit_requests.Session(pool, ssl.create_default_context())
for path in ("/one", "/two"):
    response = session.get("https://api.sim.test" + path, timeout=5)
    print("got", response.status_code, response.text)
try:
    session.get("https://rogue.sim.test/", timeout=5)
    print("rogue accepted")
except OSError as error:
    print("rogue refused", error)
alarm.exit_and_deep_sleep_until_alarms(alarm.time.TimeAlarm(monotonic_time=time.monotonic() + 60))
"""


class Hello(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        body = f"hello {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def serve(context: ssl.SSLContext):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture
def world():
    network = Network()
    trusted = serve(network.server_context(["api.sim.test"]))
    rogue_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    trustme.CA().issue_cert("rogue.sim.test").configure_cert(rogue_context)  # not our CA
    rogue = serve(rogue_context)
    network.add_host("api.sim.test", trusted.server_address[1])
    network.add_host("rogue.sim.test", rogue.server_address[1])
    yield network
    for server in (trusted, rogue):
        server.shutdown()
        server.server_close()


def test_requests_over_tls_with_keep_alive_and_certificate_checks(make_board, world: Network) -> None:
    device = make_board("", CLIENT, network=world)
    outcome = device.wake()
    console = device.console.getvalue()
    assert outcome[0] == "sleep", console
    assert "got 200 hello /one" in console and "got 200 hello /two" in console
    assert "rogue refused" in console
    counters = device.counters
    assert counters.wifi_connects == 1
    # Two requests on one kept-alive connection cost one handshake; rogue's are all refused
    # (adafruit_requests tries a failed request twice).
    assert counters.tls_handshakes - counters.tls_failures == 1 and counters.tls_failures >= 1
    assert counters.http_requests == 2
    assert any(e["kind"] == "tls_refused" and e["host"] == "rogue.sim.test" for e in device.events)
    # Joining without channel and BSSID is the full scan of the profile.
    assert device.meter.seconds["wifi_connect"] == device.profile["wifi"]["connect_full_s"]
    assert device.meter.seconds["tls"] == counters.tls_handshakes * device.profile["tls"]["handshake_s"]


def test_missing_access_point_fails_after_the_scan(make_board, world: Network) -> None:
    world.ap_available = False
    code = CLIENT.replace("wifi.radio.connect(", "try:\n    wifi.radio.connect(").replace(
        'os.getenv("WIFI_PASSWORD"))\n',
        'os.getenv("WIFI_PASSWORD"))\nexcept ConnectionError as e:\n    print("no ap", e)\n'
        "    alarm.exit_and_deep_sleep_until_alarms(alarm.time.TimeAlarm(monotonic_time=time.monotonic() + 60))\n",
        1,
    )
    device = make_board("", code, network=world)
    assert device.wake()[0] == "sleep"
    assert "no ap No network with that ssid" in device.console.getvalue()
    assert device.counters.wifi_connects == 0 and device.counters.wifi_failures == 1
