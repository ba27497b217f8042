"""Sockets and TLS as the board has them (docs/fidelity.md, "Sockets and TLS"), and the
`etimedout` fault: an upload sent in one burst stalls and its answer times out with
OSError 116 (adafruit/Adafruit_CircuitPython_Requests issue 209). The firmware still gets every
photo to Dropbox under it."""

from __future__ import annotations

import http.server
import json
import threading

import pytest

from sim import circuitpython
from sim.circuitpython import socketpool, ssl_, wifi
from sim.network import Network
from sim.runner import RunOptions, run
from state import store

BURST_CLIENT = """
import os, time, alarm, wifi, socketpool, ssl
wifi.radio.connect(os.getenv("WIFI_SSID"), os.getenv("WIFI_PASSWORD"))
pool = socketpool.SocketPool(wifi.radio)
context = ssl.create_default_context()
BODY = bytes(SIZE)

def post(pause):
    sock = context.wrap_socket(pool.socket(pool.AF_INET, pool.SOCK_STREAM), server_hostname="api.sim.test")
    sock.settimeout(TIMEOUT)
    sock.connect(("api.sim.test", 443))
    head = "POST /up HTTP/1.1\\r\\nHost: api.sim.test\\r\\nContent-Length: %d\\r\\n\\r\\n" % len(BODY)
    sock.send(head.encode())
    sent = 0
    while sent < len(BODY):
        if pause:
            time.sleep(pause)
        sent += sock.send(BODY[sent:])
    answer = bytearray(1)
    started = time.monotonic()
    try:
        sock.recv_into(answer)
        print("answered", bytes(answer), "sends", SIZE // 2048)
    except OSError as error:
        print("failed errno=%d str=%s after %.1f s" % (error.errno, error, time.monotonic() - started))
    sock.close()

post(0)
post(0.02)
alarm.exit_and_deep_sleep_until_alarms(alarm.time.TimeAlarm(monotonic_time=time.monotonic() + 60))
"""


class Sink(http.server.BaseHTTPRequestHandler):
    """Answers a POST once its whole body has arrived (`late`: that many virtual seconds late)."""

    protocol_version = "HTTP/1.1"
    late = None  # Device.server_delay of the board under test, to make answers late

    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        length = int(self.headers["Content-Length"])
        if len(self.rfile.read(length)) < length:
            self.close_connection = True
            return
        if Sink.late:
            Sink.late(20.0)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def world():
    network = Network()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    server.socket = network.server_context(["api.sim.test"]).wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    network.add_host("api.sim.test", server.server_address[1])
    yield network
    server.shutdown()
    server.server_close()


def burst(
    make_board, world, *, size: int, version: str, faults: str = "etimedout", timeout: float = 4.0
) -> list[str]:
    code = BURST_CLIENT.replace("SIZE", str(size)).replace("TIMEOUT", str(timeout))
    device = make_board(
        f"burst{size}-{version}-{faults}", code, network=world, faults=faults, version=version
    )
    outcome = device.wake()
    console = device.console.getvalue()
    assert outcome[0] == "sleep", console
    return [line for line in console.splitlines() if line.startswith(("answered", "failed"))]


def test_an_unpaced_burst_stalls_with_the_boards_etimedout(make_board, world) -> None:
    """Ports/espressif Socket.c raises OSError(ETIMEDOUT) from recv_into when the timeout runs
    out; ETIMEDOUT is newlib's 116 (issue 209's trace: "[Errno 116] ETIMEDOUT"). The wait is the
    socket's timeout. The same bytes with 20 ms between sends (issue 209's cure) are answered."""
    unpaced, paced = burst(make_board, world, size=40 * 1024, version="10.1.0", timeout=4.0)
    assert unpaced == "failed errno=116 str=[Errno 116] ETIMEDOUT after 4.0 s"
    assert paced.startswith("answered b'H'")


def test_a_late_answer_times_out_with_116(make_board, world) -> None:
    """The `slow` cloud fault's answer past the timeout raises the board's ETIMEDOUT (116), not
    the host's (110 on Linux)."""
    code = BURST_CLIENT.replace("SIZE", "100").replace("TIMEOUT", "3.0")
    device = make_board("late", code, network=world, faults="")
    Sink.late = device.server_delay
    try:
        device.wake()
    finally:
        Sink.late = None
    # (after the timeout plus the round trip the fake charges before it: 3.2 s)
    assert "failed errno=116 str=[Errno 116] ETIMEDOUT after 3." in device.console.getvalue()


def test_without_the_fault_a_burst_is_answered(make_board, world) -> None:
    unpaced, paced = burst(make_board, world, size=40 * 1024, version="10.1.0", faults="")
    assert unpaced.startswith("answered") and paced.startswith("answered")


@pytest.mark.parametrize(("version", "stalls"), [("9.2.8", True), ("10.0.3", False), ("10.1.0", False)])
def test_the_send_buffer_follows_the_release(make_board, world, version: str, stalls: bool) -> None:
    """4 kB in two TLS records: more than 9.2.8's CONFIG_LWIP_TCP_SND_BUF_DEFAULT=2880, less
    than the 5744 of ESP-IDF's default that 10.x uses (PR 10609 removed the setting)."""
    unpaced, _ = burst(make_board, world, size=4096, version=version)
    assert unpaced.startswith("failed errno=116") is stalls, unpaced


@pytest.mark.parametrize("version", ["9.2.8", "10.0.3", "10.1.0"])
def test_every_photo_reaches_dropbox_under_etimedout(tmp_path, version: str) -> None:
    out = tmp_path / "out"
    report = run(RunOptions(days=2, faults="etimedout", out=out, circuitpython=version, progress=False))
    assert report["uploaded"] > 100
    assert report["uploaded"] + report["pending"] == report["captures"]
    assert report["lost_images"] == 0 and report["duplicate_uploads"] == 0
    assert report["crashes"] == 0 and report["errors"].get("crash", 0) == 0
    # A stalled upload's cut-short body is never stored (before 10.1 no content_hash would
    # catch it): no conflict with the retry, no renamed copy.
    assert "upload" not in report["errors"] and not report["cloud"].get("upload_conflict")
    # Two stalls in one wake (the upload and adafruit_requests' immediate retry) teach the
    # firmware to pace; the fake sees no burst past the buffer after that.
    assert report["errors"].get("stall") == 1
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    stalls = [event["t"] for event in events if event["kind"] == "socket_stall"]
    assert len(stalls) == 2 and stalls[0][:15] == stalls[1][:15], stalls
    durable = _durable(out)
    assert durable["paced"] > durable["batches"]


def test_no_pacing_without_a_stall(tmp_path) -> None:
    out = tmp_path / "out"
    report = run(RunOptions(days=1, out=out, progress=False))
    assert report["uploaded"] > 40 and "stall" not in report["errors"]
    assert _durable(out)["paced"] == 0
    assert "idle" not in report["per_phase_mAh"]  # the firmware's only time.sleep is the pacing


def _durable(out) -> dict:
    images = out / "device" / ".sim"
    state = store.State.load(
        bytearray((images / "sleep_memory.bin").read_bytes()), bytearray((images / "nvm.bin").read_bytes())
    )
    return state.durable


# ---- the binding's rules, called directly on an awake board -------------------------------


@pytest.fixture
def board(make_board):
    device = make_board("strict", "")
    circuitpython.current = device
    yield device
    circuitpython.current = None


def test_socket_and_sslsocket_methods_are_the_bindings(board) -> None:
    """shared-bindings/socketpool/Socket.c and ssl/SSLSocket.c: recv_into only (no recv);
    socketpool sockets have sendall, SSL sockets do not."""
    pool = socketpool.SocketPool(wifi.radio)
    sock = pool.socket()
    tls = ssl_.create_default_context().wrap_socket(pool.socket(), server_hostname="x.test")
    for name in ("recv", "makefile", "fileno", "gettimeout"):
        assert not hasattr(sock, name) and not hasattr(tls, name), name
    assert hasattr(sock, "sendall") and not hasattr(tls, "sendall")
    assert sock.type == pool.SOCK_STREAM
    assert not hasattr(ssl_, "SSLSocket")


def test_wrap_socket_arguments(board) -> None:
    """shared-bindings/ssl/SSLContext.c: server_side and server_hostname are keyword-only, not
    both; shared-module/ssl/SSLSocket.c: only SOCK_STREAM sockets."""
    pool = socketpool.SocketPool(wifi.radio)
    context = ssl_.create_default_context()
    with pytest.raises(TypeError):
        context.wrap_socket(pool.socket(), False, "x.test")  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="Server side context cannot have hostname"):
        context.wrap_socket(pool.socket(), server_side=True, server_hostname="x.test")
    with pytest.raises(RuntimeError, match="Invalid socket for TLS"):
        context.wrap_socket(pool.socket(pool.AF_INET, pool.SOCK_DGRAM), server_hostname="x.test")


def test_load_verify_locations_takes_cadata_only(board) -> None:
    context = ssl_.create_default_context()
    with pytest.raises(NotImplementedError, match="cafile"):
        context.load_verify_locations(cafile="/ca.pem")
    with pytest.raises(NotImplementedError, match="capath"):
        context.load_verify_locations(capath="/certs")
    with pytest.raises(TypeError, match="can't convert 'NoneType' object to str implicitly"):
        context.load_verify_locations()


def test_eight_sockets_at_most(board) -> None:
    """CONFIG_LWIP_MAX_SOCKETS=8: the 9th raises RuntimeError("Out of sockets") (issue 10606);
    closing one frees its place."""
    pool = socketpool.SocketPool(wifi.radio)
    socks = [pool.socket() for _ in range(8)]
    with pytest.raises(RuntimeError, match="Out of sockets"):
        pool.socket(pool.AF_INET, pool.SOCK_DGRAM)
    socks[3].close()
    socks[3].close()  # closing twice is harmless
    pool.socket()
    with pytest.raises(RuntimeError, match="Out of sockets"):
        pool.socket()


def test_closed_and_unconnected_sockets(board) -> None:
    """Socket.c: a closed socket is EBADF (9) for send and recv_into; an unconnected stream
    socket's send is BrokenPipeError (EPIPE, 32)."""
    pool = socketpool.SocketPool(wifi.radio)
    sock = pool.socket()
    with pytest.raises(BrokenPipeError) as broken:
        sock.send(b"x")
    assert broken.value.errno == 32
    sock.close()
    for call in (lambda: sock.send(b"x"), lambda: sock.recv_into(bytearray(4))):
        with pytest.raises(OSError) as closed:
            call()
        assert closed.value.errno == 9 and str(closed.value) == "[Errno 9] EBADF"


def test_recv_into_sizes(board) -> None:
    pool = socketpool.SocketPool(wifi.radio)
    sock = pool.socket()
    with pytest.raises(ValueError, match="buffer too small for requested bytes"):
        sock.recv_into(bytearray(4), 5)
    assert sock.recv_into(bytearray(0)) == 0


def test_socketpool_and_families(board) -> None:
    with pytest.raises(ValueError, match="SocketPool can only be used with wifi.radio"):
        socketpool.SocketPool(object())
    pool = socketpool.SocketPool(wifi.radio)
    with pytest.raises(NotImplementedError, match="Unsupported socket type"):
        pool.socket(99)
    assert issubclass(pool.gaierror, OSError) and not hasattr(socketpool, "gaierror")


SEND_SIZES = """
import os, time, alarm, wifi, socketpool, ssl
wifi.radio.connect(os.getenv("WIFI_SSID"), os.getenv("WIFI_PASSWORD"))
pool = socketpool.SocketPool(wifi.radio)
sock = ssl.create_default_context().wrap_socket(pool.socket(), server_hostname="api.sim.test")
sock.connect(("api.sim.test", 443))
print("sent", sock.send(b"POST /up HTTP/1.1\\r\\nContent-Length: 5000\\r\\n\\r\\n" + bytes(5000)))
sock.close()
alarm.exit_and_deep_sleep_until_alarms(alarm.time.TimeAlarm(monotonic_time=time.monotonic() + 60))
"""


def test_tls_send_takes_one_record(make_board, world) -> None:
    """mbedtls_ssl_write returns at most one record of plaintext: 2048 bytes with
    CONFIG_MBEDTLS_SSL_OUT_CONTENT_LEN=2048 (ports/espressif/esp-idf-config/sdkconfig.defaults)."""
    device = make_board("records", SEND_SIZES, network=world)
    device.wake()
    assert "sent 2048" in device.console.getvalue()


SEND_BUFFERS = """
import os, time, alarm, array, wifi, socketpool, ssl
wifi.radio.connect(os.getenv("WIFI_SSID"), os.getenv("WIFI_PASSWORD"))
pool = socketpool.SocketPool(wifi.radio)
tls = ssl.create_default_context().wrap_socket(pool.socket(), server_hostname="api.sim.test")
tls.connect(("api.sim.test", 443))
plain = pool.socket()  # after: the server's accept waits for its handshake
plain.connect(("api.sim.test", 443))
for name, call in (("send", plain.send), ("sendall", plain.sendall), ("tls send", tls.send)):
    try:
        call(5)
    except TypeError as error:
        print(name, "TypeError:", error)
print("str", plain.send("h\\u00e9"), "array", tls.send(array.array("H", [1, 2, 3])))
try:
    pool.socket(pool.AF_INET, pool.SOCK_DGRAM).sendto(5, ("api.sim.test", 123))
except TypeError as error:
    print("sendto TypeError:", error)
plain.close()
tls.close()
alarm.exit_and_deep_sleep_until_alarms(alarm.time.TimeAlarm(monotonic_time=time.monotonic() + 60))
"""


def test_sends_take_a_buffer_or_a_str(make_board, world) -> None:
    """shared-bindings/socketpool/Socket.c and ssl/SSLSocket.c send through
    mp_get_buffer_raise (py/obj.c): an int is `TypeError: object with buffer protocol required`
    (not the int's count of zero bytes, as CPython's bytes(5)); a str sends its UTF-8 bytes and
    an array its bytes."""
    device = make_board("buffers", SEND_BUFFERS, network=world)
    assert device.wake()[0] == "sleep", device.console.getvalue()
    lines = device.console.getvalue().splitlines()
    for name in ("send", "sendall", "tls send", "sendto"):
        assert f"{name} TypeError: object with buffer protocol required" in lines
    assert "str 3 array 6" in lines
