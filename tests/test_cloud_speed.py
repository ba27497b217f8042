"""The local cloud's cheaper host side (issue 18) answers as before.

- The store hashes an upload once, writes a new file in place, replaces one through a temporary
  file and makes a folder that went missing; the content hash is checked against Dropbox's
  definition computed here with hashlib.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from sim.cloud import LocalDropbox
from sim.cloud import dropbox as dropbox_routes
from sim.cloud import store as store_module
from sim.cloud.inline import answer

START = 1_780_000_000


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
