"""The local cloud's cheaper host side (issue 18) answers as before.

- `Handler.parse_request` reads a plain in-memory request without the email package; the oracle
  is http.server's own `BaseHTTPRequestHandler.parse_request`, run on the same bytes: same
  outcome, fields, headers, position in the request and error reply, for plain requests and for
  every odd one it must hand to http.server.
- The store hashes an upload once, writes a new file in place, replaces one through a temporary
  file and makes a folder that went missing; the content hash is checked against Dropbox's
  definition computed here with hashlib.
"""

from __future__ import annotations

import hashlib
import http.client
import http.server
import io
import json
import re
import shutil
from pathlib import Path

import pytest

from sim.cloud import LocalDropbox
from sim.cloud import dropbox as dropbox_routes
from sim.cloud import store as store_module
from sim.cloud.inline import answer
from sim.cloud.server import Handler

START = 1_780_000_000

UPLOAD = (
    b"POST /2/files/upload HTTP/1.1\r\nHost: content.dropboxapi.com\r\n"
    b"User-Agent: Adafruit CircuitPython\r\nContent-Length: 3\r\n"
    b"Content-Type: application/octet-stream\r\n"
    b'Dropbox-API-Arg: {"path": "/a/b.jpg", "mode": "add"}\r\n'
    b"Authorization: Bearer sl.x\r\n\r\nabc"
)
PLAIN = [
    UPLOAD,
    b"GET /2/files/download HTTP/1.1\r\nHost: content.dropboxapi.com\r\n\r\n",
    b"POST /oauth2/token HTTP/1.1\r\nhost: api.dropboxapi.com\r\ncontent-length: 0\r\n\r\n",
    b"GET /x HTTP/1.1\r\nX-A: v  \r\nX-B:\t w\r\nX-C:v\r\nX-D:\r\nX-E: a:443\r\n\r\n",
    b"GET /x HTTP/1.1\r\nContent-Length: 1\r\ncontent-length: 2\r\nFrom: me\r\n\r\nzz",
    b"GET /x HTTP/1.1\r\n\r\n",
    b"GET /x?arg=%7B%7D HTTP/1.1\r\nHost: timeapi.io\r\n\r\n",
]
ODD = [
    b"GET /x HTTP/1.1\r\nX-A: a\r\n b\r\n\r\n",  # folded
    b"GET /x HTTP/1.1\r\nConnection: close\r\n\r\n",
    b"GET /x HTTP/1.1\r\nconnection: keep-alive\r\n\r\n",
    b"GET /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n",
    b"GET /x HTTP/1.0\r\nHost: a\r\n\r\n",
    b"GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    b"GET /x\r\n",  # HTTP/0.9
    b"POST /x\r\n",
    b"GET //x HTTP/1.1\r\n\r\n",
    b"GET /x HTTP/1.x\r\n\r\n",
    b"GET /x HTTP/2.0\r\n\r\n",
    b"get /x HTTP/1.1\r\n\r\n",
    b"GET  /x HTTP/1.1\r\n\r\n",
    b"GET /x HTTP/1.1 extra\r\n\r\n",
    b"GARBAGE\r\n\r\n",
    b"\r\n",
    b"GET /x HTTP/1.1\r\nBad Header: x\r\nHost: a\r\n\r\n",
    b"GET /x HTTP/1.1\r\n: empty name\r\nHost: a\r\n\r\n",
    b"GET /x HTTP/1.1\r\nX-A: caf\xe9\r\n\r\n",
    b"GET /x HTTP/1.1\r\nX-A: b\n\r\n",
    b"GET /x HTTP/1.1\r\nX-A: a\rb\r\n\r\n",
    b"GET /x HTTP/1.1\r\nHost: a\r\n",  # no blank line
    b"GET /x HTTP/1.1\r\nX-A: " + b"v" * 70_000 + b"\r\n\r\n",  # 431 line too long
    b"GET /x HTTP/1.1\r\nX-A: " + b"v" * 65_526 + b"\r\n\r\n",  # the longest line allowed
    b"GET /x HTTP/1.1\r\nX-A: " + b"v" * 65_527 + b"\r\n\r\n",  # one byte longer
    b"GET /x HTTP/1.1\r\n" + b"X-A: v\r\n" * 70 + b"\r\n",  # more than the plain reader takes
    b"GET /x HTTP/1.1\r\n" + b"X-A: v\r\n" * 99 + b"\r\n",  # 431 too many headers
    b"GET /x HTTP/1.1\r\n" + b"X-A: v\r\n" * 98 + b"\r\n",
]


class StdlibHandler(Handler):
    """The oracle: the project's handler with http.server's own request parser."""

    parse_request = http.server.BaseHTTPRequestHandler.parse_request


class FakeServer:
    class cloud:  # noqa: N801 - stands for the LocalDropbox the Date header asks
        clock = staticmethod(lambda: START)


def parsed(cls: type[Handler], raw: bytes) -> tuple:
    """What parse_request leaves behind on a handler over `raw`."""
    handler = cls.__new__(cls)
    handler.server = FakeServer  # type: ignore[assignment]
    handler.client_address = ("127.0.0.1", 0)
    handler.rfile = io.BytesIO(raw)
    handler.wfile = io.BytesIO()
    handler.close_connection = True
    handler.raw_requestline = handler.rfile.readline(65537)
    ok = handler.parse_request()
    handler.wfile.write(b"".join(getattr(handler, "_headers_buffer", [])))
    headers = getattr(handler, "headers", None)
    fields = None
    if headers is not None:
        defects = [type(defect) for defect in headers.defects]
        fields = (type(headers), headers.items(), headers.get_payload(), defects)
    return (
        ok,
        handler.command,
        getattr(handler, "path", None),
        handler.request_version,
        handler.requestline,
        handler.close_connection,
        fields,
        handler.rfile.tell(),
        handler.wfile.getvalue(),
    )


@pytest.mark.parametrize("raw", PLAIN + ODD)
def test_requests_are_parsed_as_http_server_parses_them(raw: bytes) -> None:
    assert parsed(Handler, raw) == parsed(StdlibHandler, raw)


@pytest.mark.parametrize("raw", PLAIN)
def test_plain_requests_skip_the_email_parser(raw: bytes, monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("the email parser ran")

    monkeypatch.setattr(http.client, "parse_headers", refuse)
    assert parsed(Handler, raw)[0] is True


@pytest.fixture
def cloud(tmp_path: Path):
    with LocalDropbox(tmp_path / "cloud", clock=lambda: START) as local:
        local.tokens["sl.x"] = START + 3600
        yield local


def upload(path: str, data: bytes, mode: str = "add", **extra: str) -> bytes:
    arg = json.dumps({"path": path, "mode": mode, **extra})
    return (
        f"POST /2/files/upload HTTP/1.1\r\nHost: content.dropboxapi.com\r\n"
        f"Content-Length: {len(data)}\r\nContent-Type: application/octet-stream\r\n"
        f"Dropbox-API-Arg: {arg}\r\nAuthorization: Bearer sl.x\r\n\r\n"
    ).encode() + data


def reply_of(cloud: LocalDropbox, request: bytes) -> tuple[int, dict]:
    reply, close = answer(cloud, request)
    head, _, body = reply.partition(b"\r\n\r\n")
    assert not close
    return int(head.split()[1]), json.loads(body)


def dropbox_hash(data: bytes) -> str:
    """Dropbox's content hash, from its definition (4 MiB blocks; sha256 of their sha256s)."""
    blocks = [data[i : i + 4 * 1024 * 1024] for i in range(0, len(data), 4 * 1024 * 1024)]
    return hashlib.sha256(b"".join(hashlib.sha256(b).digest() for b in blocks)).hexdigest()


def test_an_upload_with_a_content_hash_is_hashed_once(cloud, monkeypatch) -> None:
    calls = []
    real = store_module.content_hash

    def counted(data: bytes) -> str:
        calls.append(len(data))
        return real(data)

    monkeypatch.setattr(store_module, "content_hash", counted)
    monkeypatch.setattr(dropbox_routes, "content_hash", counted)
    data = b"photo" * 1000
    status, meta = reply_of(cloud, upload("/cam/a.jpg", data, content_hash=dropbox_hash(data)))
    assert status == 200 and meta["content_hash"] == dropbox_hash(data)
    assert calls == [len(data)]
    status, meta = reply_of(cloud, upload("/cam/b.jpg", b"x", content_hash=dropbox_hash(b"y")))
    assert status == 409 and meta["error"][".tag"] == "content_hash_mismatch"
    assert "/cam/b.jpg" not in cloud.files()


def test_new_replaced_and_refolded_files_are_stored_whole(cloud) -> None:
    status, first = reply_of(cloud, upload("/cam/status.json", b"one"))
    assert status == 200 and first["content_hash"] == dropbox_hash(b"one")
    status, second = reply_of(cloud, upload("/cam/status.json", b"two!", "overwrite"))
    assert status == 200 and second["content_hash"] == dropbox_hash(b"two!")
    assert second["id"] == first["id"] and second["size"] == 4
    folder = cloud.folder / "cam"
    assert sorted(p.name for p in folder.iterdir()) == ["status.json"]  # no temporary left
    assert (folder / "status.json").read_bytes() == b"two!"
    shutil.rmtree(folder)  # gone behind the store's back: the next write makes it again
    status, third = reply_of(cloud, upload("/cam/deep/c.jpg", b"three"))
    assert status == 200 and (folder / "deep" / "c.jpg").read_bytes() == b"three"
    assert third["path_display"] == "/cam/deep/c.jpg" and third["size"] == 5


def test_request_ids_look_like_dropbox_ones_and_differ(cloud) -> None:
    replies = [answer(cloud, upload("/cam/a.jpg", b"same", "overwrite"))[0] for _ in range(3)]
    ids = [re.search(rb"\r\nX-Dropbox-Request-Id: ([0-9a-f]{16})\r\n", r) for r in replies]
    assert all(ids) and len({m[1] for m in ids if m}) == 3
