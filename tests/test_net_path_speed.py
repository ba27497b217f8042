"""The network path's cheaper host side (issue 18, session 7) changes nothing the board sees.

- The board speaks TLS 1.2 at most, as its mbedTLS: ESP-IDF's `MBEDTLS_SSL_PROTO_TLS1_3` depends
  on `MBEDTLS_SSL_KEEP_PEER_CERTIFICATE` (components/mbedtls/Kconfig), which CircuitPython's
  `ports/espressif/esp-idf-config/sdkconfig.defaults` turns off at 9.2.8, 10.0.3 and 10.1.0.
- The in-thread cloud resumes the TLS session of the last verified handshake with the same
  context and host name: the board is still charged a full handshake for every connection, a
  certificate it does not trust or a name the certificate does not carry is still refused, and
  a run gives the same report and events with sessions resumed or not.
"""

from __future__ import annotations

import json
import ssl
import threading
from pathlib import Path

import pytest
import trustme

from sim.cloud import inline
from sim.cloud.inline import InlineEndpoint, InlineStream
from sim.cloud.service import LocalDropbox
from sim.network import Network

START = 1_780_000_000.0
TIME_REQUEST = b"GET /api/Time/current/zone?timeZone=UTC HTTP/1.1\r\nHost: timeapi.io\r\n\r\n"


@pytest.fixture
def cloud(tmp_path: Path):
    with LocalDropbox(tmp_path / "cloud", clock=lambda: START) as local:
        yield local


def _connected(endpoint: InlineEndpoint) -> InlineStream:
    stream = endpoint.stream()
    stream.settimeout(0)
    stream.connect(("127.0.0.1", endpoint.cloud.https_port))
    return stream


def _time_reply(stream: InlineStream) -> bytes:
    stream.sendall(TIME_REQUEST)
    return stream.recv(4096)


def test_the_board_speaks_tls_1_2_at_most(cloud: LocalDropbox) -> None:
    context = cloud.network.client_context()
    assert context.maximum_version == ssl.TLSVersion.TLSv1_2
    stream = _connected(InlineEndpoint(cloud))
    stream.start_tls(context, "api.dropboxapi.com")
    assert stream.client is not None and stream.client.version() == "TLSv1.2"

    # A server that only speaks TLS 1.3 cannot be reached by the board.
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.minimum_version = ssl.TLSVersion.TLSv1_3
    cloud.network.ca.issue_cert("api.dropboxapi.com").configure_cert(server)
    c_in, c_out, s_in, s_out = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
    client = context.wrap_bio(c_in, c_out, server_hostname="api.dropboxapi.com")
    peer = server.wrap_bio(s_in, s_out, server_side=True)
    with pytest.raises(ssl.SSLError):
        for _ in range(4):
            try:
                client.do_handshake()
            except ssl.SSLWantReadError:
                pass
            s_in.write(c_out.read())
            try:
                peer.do_handshake()
            except ssl.SSLWantReadError:
                pass
            c_in.write(s_out.read())


def test_later_handshakes_resume_and_answer_alike(cloud: LocalDropbox) -> None:
    endpoint = InlineEndpoint(cloud)
    context = cloud.network.client_context()
    replies, resumed = [], []
    for _ in range(3):
        stream = _connected(endpoint)
        stream.start_tls(context, "api.dropboxapi.com")
        assert stream.client is not None
        resumed.append(stream.client.session_reused)
        replies.append(_time_reply(stream))
    assert resumed == [False, True, True]
    assert all(reply.startswith(b"HTTP/1.1 200 OK") for reply in replies)
    assert len({reply.split(b"\r\n\r\n")[1] for reply in replies}) == 1  # same clock, same body
    assert cloud.stats["time_https"] == 3


def test_a_session_never_spares_a_refusal(cloud: LocalDropbox) -> None:
    endpoint = InlineEndpoint(cloud)
    context = cloud.network.client_context()
    _connected(endpoint).start_tls(context, "api.dropboxapi.com")  # verified: its session is kept

    # A name the certificate does not carry is refused, as at the first handshake.
    with pytest.raises(ssl.SSLCertVerificationError):
        _connected(endpoint).start_tls(context, "www.example.com")

    # A board that trusts another CA only is refused, though a session for the name exists.
    stranger = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    stranger.maximum_version = ssl.TLSVersion.TLSv1_2
    stranger.load_verify_locations(cadata=trustme.CA().cert_pem.bytes().decode())
    with pytest.raises(ssl.SSLCertVerificationError):
        _connected(endpoint).start_tls(stranger, "api.dropboxapi.com")

    stream = _connected(endpoint)
    stream.start_tls(context, "api.dropboxapi.com")
    assert stream.client is not None and stream.client.session_reused
    assert _time_reply(stream).startswith(b"HTTP/1.1 200 OK")


def test_each_cloud_keeps_its_own_sessions(tmp_path: Path) -> None:
    """A session is only offered to the cloud (server context) that made it."""
    network = Network()
    context = network.client_context()
    with LocalDropbox(tmp_path / "one", network, clock=lambda: START) as one:
        _connected(InlineEndpoint(one)).start_tls(context, "api.dropboxapi.com")
    with LocalDropbox(tmp_path / "two", network, clock=lambda: START) as two:
        stream = _connected(InlineEndpoint(two))
        stream.start_tls(context, "api.dropboxapi.com")
        assert stream.client is not None and not stream.client.session_reused


def _events(out: Path) -> list[str]:
    return (out / "events.jsonl").read_text().splitlines()


def test_resumed_sessions_change_no_result(simulate, monkeypatch) -> None:
    """A day of the shipped firmware with the host resuming sessions and with every handshake
    full: the same report (the board charged a full handshake each time) and events."""
    handshakes = {"resumed": 0, "full": 0}
    lock = threading.Lock()
    real = InlineStream.start_tls

    def counted(self: InlineStream, context: ssl.SSLContext, server_hostname: str | None) -> None:
        real(self, context, server_hostname)
        assert self.client is not None
        with lock:
            handshakes["resumed" if self.client.session_reused else "full"] += 1

    monkeypatch.setattr(inline.InlineStream, "start_tls", counted)
    resumed, resumed_out = simulate(days=1)
    counts = dict(handshakes)

    def full_only(self: InlineStream, context: ssl.SSLContext, server_hostname: str | None) -> None:
        self.sessions = {}  # nothing to resume: a full handshake every time
        counted(self, context, server_hostname)

    handshakes.update(resumed=0, full=0)
    monkeypatch.setattr(inline.InlineStream, "start_tls", full_only)
    full, full_out = simulate(days=1)

    assert counts["resumed"] > counts["full"] > 0  # the host did resume
    assert handshakes["resumed"] == 0 and handshakes["full"] == sum(counts.values())
    assert resumed["tls_handshakes"] == full["tls_handshakes"] == sum(counts.values())
    assert resumed["per_phase_mAh"]["tls"] == full["per_phase_mAh"]["tls"] > 0
    for report in (resumed, full):
        report.pop("wall_s")
    assert json.dumps(resumed, sort_keys=True) == json.dumps(full, sort_keys=True)
    assert _events(resumed_out) == _events(full_out)
