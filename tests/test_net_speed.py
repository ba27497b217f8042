"""The in-thread cloud (sim/cloud/inline.py) answers a request written in many small pieces at
the piece that completes it, exactly as if the request had come in one write."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from sim.cloud.inline import InlineEndpoint, InlineStream
from sim.cloud.service import LocalDropbox

START = 1_780_000_000.0

_BODY = b"grant_type=refresh_token&refresh_token=wrong&client_id=x&client_secret=y"
REQUESTS = [
    b"GET /api/Time/current/zone?timeZone=UTC HTTP/1.1\r\nHost: timeapi.io\r\n\r\n",
    b"POST /oauth2/token HTTP/1.1\r\nHost: api.dropboxapi.com\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\n"
    b"Content-Length: " + str(len(_BODY)).encode() + b"\r\n\r\n" + _BODY,
    b"GET /api/TimeZone/zone?timeZone=Europe/Berlin HTTP/1.1\r\nHost: timeapi.io\r\n"
    b"Connection: close\r\n\r\n",
]


@pytest.fixture
def clouds(tmp_path: Path):
    """Two clouds alike: the same seed, the same clock."""
    with (
        LocalDropbox(tmp_path / "a", clock=lambda: START) as one,
        LocalDropbox(tmp_path / "b", clock=lambda: START) as two,
    ):
        yield one, two


def _stream(cloud: LocalDropbox, tls: bool) -> InlineStream:
    stream = InlineEndpoint(cloud).stream()
    stream.settimeout(0)
    stream.connect(("127.0.0.1", cloud.https_port))
    if tls:
        stream.start_tls(cloud.network.client_context(), "api.dropboxapi.com")
    return stream


def _read_all(stream: InlineStream) -> bytes:
    """Every reply until the server closes, without the request ids (random on every reply)."""
    reply = b""
    while chunk := stream.recv(4096):
        reply += chunk
    return re.sub(rb"X-Dropbox-Request-Id: \w+\r\n", b"", reply)


@pytest.mark.parametrize("tls", [True, False])
def test_a_request_in_one_byte_writes_is_answered_at_its_last_byte(clouds, tls: bool) -> None:
    reference, cloud = clouds
    whole = _stream(reference, tls)
    counted: list[Counter] = [Counter()]  # what the server had counted after each request, each sent whole
    for request in REQUESTS:
        whole.sendall(request)
        counted.append(Counter(reference.stats))
    expected = _read_all(whole)
    assert expected.count(b"HTTP/1.1 ") == 3

    stream = _stream(cloud, tls)
    data = b"".join(REQUESTS)
    ends = [len(b"".join(REQUESTS[: i + 1])) for i in range(len(REQUESTS))]
    for i in range(len(data)):
        stream.sendall(data[i : i + 1])
        whole_requests = sum(1 for end in ends if end <= i + 1)
        assert Counter(cloud.stats) == counted[whole_requests], f"after byte {i + 1}"
    assert _read_all(stream) == expected


def test_a_reply_is_there_only_once_the_body_is_whole(clouds) -> None:
    cloud = clouds[0]
    stream = _stream(cloud, tls=True)
    post = REQUESTS[1]
    stream.sendall(post[:-1])
    with pytest.raises(BlockingIOError):
        stream.recv(4096)  # the board reading early: the server has read, not answered
    assert cloud.stats["token"] == 0
    stream.sendall(post[-1:])
    assert cloud.stats["token"] == 1
    assert stream.recv(4096).startswith(b"HTTP/1.1 ")
