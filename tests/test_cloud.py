"""The simulator's local Dropbox and time servers, checked with the official `dropbox` SDK.

The SDK reads DROPBOX_API_HOST / DROPBOX_API_CONTENT_HOST when dropbox.session is imported (and
binds the token host as a default argument in dropbox.dropbox_client), so the `sdk` fixture sets
them and reloads those two modules; the command-line test sets them before a fresh interpreter
imports the SDK. requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override the SDK's `ca_certs`,
so they are removed.
"""

from __future__ import annotations

import email.utils
import hashlib
import importlib
import json
import os
import socket
import ssl
import struct
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from dropbox import exceptions, files
from dropbox.content_hash import content_hash as sdk_content_hash

from sim.cloud import HOSTS, CloudFaults, LocalDropbox, content_hash
from sim.network import Network

ROOT = Path(__file__).resolve().parent.parent
START = 1_780_000_000  # 2026-05-28T20:26:40Z
CA_ENV = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


class FakeClock:
    """Virtual UTC that only moves when a test moves it."""

    def __init__(self, t: float = START):
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def delays() -> list[float]:
    return []


@pytest.fixture
def cloud(tmp_path: Path, clock: FakeClock, delays: list[float]):
    with LocalDropbox(
        tmp_path / "cloud", clock=clock, delay=delays.append, faults=CloudFaults(seed=3)
    ) as server:
        yield server


def reload_sdk():
    """Re-read the SDK's host settings from the environment."""
    import dropbox.dropbox_client
    import dropbox.session

    importlib.reload(dropbox.session)
    return importlib.reload(dropbox.dropbox_client)


@pytest.fixture
def sdk(cloud: LocalDropbox, monkeypatch: pytest.MonkeyPatch):
    """sdk(**options): a dropbox.Dropbox client of the local Dropbox, failing fast (no retries)."""
    for name in CA_ENV:
        monkeypatch.delenv(name, raising=False)
    host = f"localhost:{cloud.https_port}"
    monkeypatch.setenv("DROPBOX_API_HOST", host)
    monkeypatch.setenv("DROPBOX_API_CONTENT_HOST", host)
    client = reload_sdk()

    def make(**options):
        settings = dict(
            oauth2_refresh_token="sim-refresh-token",
            app_key="sim-app-key",
            app_secret="sim-app-secret",
            ca_certs=str(cloud.folder / "ca.pem"),
            max_retries_on_error=0,
            max_retries_on_rate_limit=0,
        )
        settings.update(options)
        return client.Dropbox(**settings)

    yield make
    monkeypatch.undo()
    reload_sdk()


@pytest.fixture
def http(cloud: LocalDropbox):
    """Plain HTTPS to the listener: (session, base URL)."""
    session = requests.Session()
    session.verify = str(cloud.folder / "ca.pem")
    session.trust_env = False
    yield session, f"https://localhost:{cloud.https_port}"
    session.close()


def access_token(http) -> str:
    session, base = http
    answer = session.post(
        base + "/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": "sim-refresh-token",
            "client_id": "sim-app-key",
            "client_secret": "sim-app-secret",
        },
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def photo(n: int, size: int = 3000) -> bytes:
    return hashlib.sha256(b"photo %d" % n).digest() * (size // 32)


# -- content hash ---------------------------------------------------------------------------------


def test_content_hash_is_dropbox_block_hash() -> None:
    block = 4 * 1024 * 1024
    data = bytes(range(256)) * (9 * 1024 * 1024 // 256 + 3)  # three blocks, the last short
    blocks = [data[i : i + block] for i in range(0, len(data), block)]
    expected = hashlib.sha256(b"".join(hashlib.sha256(b).digest() for b in blocks)).hexdigest()
    assert len(blocks) == 3
    assert content_hash(data) == expected == sdk_content_hash(data)
    assert content_hash(b"") == hashlib.sha256(b"").hexdigest() == sdk_content_hash(b"")
    assert content_hash(b"x") != hashlib.sha256(b"x").hexdigest()


# -- uploads --------------------------------------------------------------------------------------


def test_upload_refreshes_token_and_stores_a_plain_file(sdk, cloud: LocalDropbox) -> None:
    dbx = sdk()
    data = photo(1)
    meta = dbx.files_upload(data, "/timelapse/CAM1/2026-05-28/CAM1_000001.jpg")
    assert cloud.stats["token"] == 1 and cloud.stats["upload_ok"] == 1
    assert meta.path_display == "/timelapse/CAM1/2026-05-28/CAM1_000001.jpg"
    assert meta.path_lower == meta.path_display.lower()
    assert meta.size == len(data) and meta.content_hash == content_hash(data)
    assert meta.id.startswith("id:") and len(meta.rev) >= 9 and int(meta.rev, 16) >= 0
    assert meta.server_modified == datetime.fromtimestamp(START, UTC).replace(tzinfo=None)
    assert meta.client_modified == meta.server_modified
    assert sorted(cloud.folder.rglob("*.jpg")) == [cloud.folder / "timelapse/CAM1/2026-05-28/CAM1_000001.jpg"]
    assert cloud.files() == {meta.path_display: data}
    assert dbx.files_get_metadata(meta.path_display).content_hash == content_hash(data)


def test_identical_upload_is_no_conflict_and_writes_nothing(
    sdk, cloud: LocalDropbox, clock: FakeClock
) -> None:
    dbx = sdk()
    first = dbx.files_upload(photo(1), "/t/a.jpg")
    clock.t += 600
    again = dbx.files_upload(photo(1), "/T/A.jpg")  # paths are case-insensitive
    assert (again.rev, again.id, again.server_modified) == (first.rev, first.id, first.server_modified)
    assert again.path_display == "/t/a.jpg"
    assert cloud.stats["upload_written"] == 1 and cloud.stats["upload_same"] == 1


def test_different_content_conflicts_then_autorename_and_overwrite(sdk, cloud: LocalDropbox) -> None:
    dbx = sdk()
    first = dbx.files_upload(photo(1), "/t/a.jpg")
    with pytest.raises(exceptions.ApiError) as raised:
        dbx.files_upload(photo(2), "/T/a.JPG")
    error = raised.value.error
    assert error.is_path()
    reason = error.get_path().reason
    assert reason.is_conflict() and reason.get_conflict().is_file()
    assert cloud.files() == {"/t/a.jpg": photo(1)}

    renamed = dbx.files_upload(photo(2), "/t/a.jpg", autorename=True)
    renamed2 = dbx.files_upload(photo(3), "/t/a.jpg", autorename=True)
    assert (renamed.path_display, renamed2.path_display) == ("/t/a (1).jpg", "/t/a (2).jpg")

    replaced = dbx.files_upload(photo(4), "/t/a.jpg", mode=files.WriteMode.overwrite)
    assert replaced.id == first.id and replaced.rev != first.rev
    updated = dbx.files_upload(photo(5), "/t/a.jpg", mode=files.WriteMode.update(replaced.rev))
    assert updated.rev != replaced.rev
    with pytest.raises(exceptions.ApiError):  # a stale rev is a conflict
        dbx.files_upload(photo(6), "/t/a.jpg", mode=files.WriteMode.update(first.rev))
    assert cloud.files() == {"/t/a.jpg": photo(5), "/t/a (1).jpg": photo(2), "/t/a (2).jpg": photo(3)}


def test_a_file_is_not_a_folder(sdk) -> None:
    dbx = sdk()
    dbx.files_upload(b"x", "/t/a.jpg")
    for path, tag in (("/t/a.jpg/b.jpg", "file_ancestor"), ("/t", "folder")):
        with pytest.raises(exceptions.ApiError) as raised:
            dbx.files_upload(b"y", path)
        assert raised.value.error.get_path().reason.get_conflict()._tag == tag


def test_content_hash_mismatch_is_refused(sdk, cloud: LocalDropbox) -> None:
    with pytest.raises(exceptions.ApiError) as raised:
        sdk().files_upload(photo(1), "/t/a.jpg", content_hash="0" * 64)
    assert raised.value.error.is_content_hash_mismatch()
    assert cloud.files() == {}


def test_non_ascii_names_travel_escaped_in_the_header(sdk, cloud: LocalDropbox, http) -> None:
    meta = sdk().files_upload(b"caf\xc3\xa9", "/Café/crème brûlée.jpg")
    assert meta.path_display == "/Café/crème brûlée.jpg"
    assert (cloud.folder / "Café" / "crème brûlée.jpg").read_bytes() == b"caf\xc3\xa9"
    session, base = http
    raw = session.post(
        base + "/2/files/upload",
        data=b"x",
        headers={
            "Authorization": "Bearer " + access_token(http),
            "Content-Type": "application/octet-stream",
            "Dropbox-API-Arg": '{"path": "/é.jpg"}'.encode().decode("latin-1"),
        },
    )
    assert raw.status_code == 400 and "Dropbox-API-Arg" in raw.text


def test_full_account_answers_insufficient_space(sdk, cloud: LocalDropbox) -> None:
    dbx = sdk()
    cloud.faults.full = True
    with pytest.raises(exceptions.ApiError) as raised:
        dbx.files_upload(photo(1), "/t/a.jpg")
    assert raised.value.error.get_path().reason.is_insufficient_space()
    cloud.faults.full = False
    cloud.quota_bytes = 5000
    dbx.files_upload(photo(1, 3000), "/t/a.jpg")
    with pytest.raises(exceptions.ApiError):
        dbx.files_upload(photo(2, 3000), "/t/b.jpg")
    assert list(cloud.files()) == ["/t/a.jpg"]


def test_upload_session_start_append_finish(sdk, cloud: LocalDropbox) -> None:
    dbx = sdk()
    data = photo(7, 9000)
    started = dbx.files_upload_session_start(data[:4000])
    dbx.files_upload_session_append_v2(data[4000:8000], files.UploadSessionCursor(started.session_id, 4000))
    with pytest.raises(exceptions.ApiError) as raised:  # a repeated append
        dbx.files_upload_session_append_v2(
            data[4000:8000], files.UploadSessionCursor(started.session_id, 4000)
        )
    assert raised.value.error.get_incorrect_offset().correct_offset == 8000
    meta = dbx.files_upload_session_finish(
        data[8000:], files.UploadSessionCursor(started.session_id, 8000), files.CommitInfo("/t/big.jpg")
    )
    assert meta.size == len(data) and meta.content_hash == content_hash(data)
    assert cloud.files() == {"/t/big.jpg": data}
    with pytest.raises(exceptions.ApiError) as raised:  # the session is used up
        dbx.files_upload_session_finish(
            b"", files.UploadSessionCursor(started.session_id, len(data)), files.CommitInfo("/t/big2.jpg")
        )
    assert raised.value.error.get_lookup_failed().is_not_found()


# -- reading --------------------------------------------------------------------------------------


def test_download_and_metadata(sdk) -> None:
    dbx = sdk()
    uploaded = dbx.files_upload(photo(1), "/t/a.jpg")
    meta, response = dbx.files_download("/T/A.JPG")
    assert response.content == photo(1) and meta.rev == uploaded.rev
    found = dbx.files_get_metadata("/t")
    assert isinstance(found, files.FolderMetadata) and found.path_display == "/t"
    with pytest.raises(exceptions.ApiError) as raised:
        dbx.files_get_metadata("/t/missing.jpg")
    assert raised.value.error.is_path() and raised.value.error.get_path().is_not_found()


def test_list_folder_pages_and_continues_with_changes(sdk) -> None:
    dbx = sdk()
    for n in range(5):
        dbx.files_upload(photo(n), f"/t/d{n % 2}/p{n}.jpg")
    page = dbx.files_list_folder("", recursive=True, limit=2)
    seen = [e.path_display for e in page.entries]
    while page.has_more:
        page = dbx.files_list_folder_continue(page.cursor)
        assert len(page.entries) <= 2
        seen += [e.path_display for e in page.entries]
    assert sorted(seen) == [
        "/t",
        "/t/d0",
        "/t/d0/p0.jpg",
        "/t/d0/p2.jpg",
        "/t/d0/p4.jpg",
        "/t/d1",
        "/t/d1/p1.jpg",
        "/t/d1/p3.jpg",
    ]
    top = dbx.files_list_folder("/t")
    assert sorted(e.name for e in top.entries) == ["d0", "d1"]

    dbx.files_upload(photo(9), "/t/d1/p9.jpg")
    dbx.files_delete_v2("/t/d0/p0.jpg")
    changes = dbx.files_list_folder_continue(page.cursor)
    assert [(type(e).__name__, e.path_display) for e in changes.entries] == [
        ("FileMetadata", "/t/d1/p9.jpg"),
        ("DeletedMetadata", "/t/d0/p0.jpg"),
    ]
    assert not changes.has_more
    with pytest.raises(exceptions.ApiError) as raised:
        dbx.files_list_folder("/nowhere")
    assert raised.value.error.get_path().is_not_found()


# -- auth -----------------------------------------------------------------------------------------


def test_expired_token_is_refreshed_by_the_sdk(sdk, cloud: LocalDropbox, clock: FakeClock) -> None:
    dbx = sdk()
    dbx.files_upload(photo(1), "/t/a.jpg")
    clock.t += 14400  # the token's four hours are over
    assert dbx.files_get_metadata("/t/a.jpg").size == len(photo(1))
    assert cloud.stats["auth_expired"] == 1 and cloud.stats["token"] == 2


def test_revoked_or_wrong_credentials_are_refused(sdk, cloud: LocalDropbox) -> None:
    dbx = sdk()
    dbx.files_upload(b"x", "/t/a.jpg")
    with pytest.raises(exceptions.BadInputError) as raised:  # invalid_client
        sdk(app_secret="wrong").files_upload(b"x", "/t/b.jpg")
    assert "invalid_client" in raised.value.message
    with pytest.raises(exceptions.AuthError):  # invalid_grant
        sdk(oauth2_refresh_token="not-the-token").files_upload(b"x", "/t/b.jpg")
    cloud.revoke()
    with pytest.raises(exceptions.AuthError) as raised:  # the issued access token died too
        dbx.files_get_metadata("/t/a.jpg")
    assert raised.value.error.is_invalid_access_token()
    with pytest.raises(exceptions.AuthError):
        sdk().files_get_metadata("/t/a.jpg")
    assert cloud.stats["token_refused"] == 3


def test_missing_or_unknown_bearer_token(http) -> None:
    session, base = http
    arg = json.dumps({"path": "/a"})
    missing = session.post(
        base + "/2/files/get_metadata", data=arg, headers={"Content-Type": "application/json"}
    )
    assert missing.status_code == 400
    unknown = session.post(
        base + "/2/files/get_metadata",
        data=arg,
        headers={"Content-Type": "application/json", "Authorization": "Bearer sl.nope"},
    )
    assert unknown.status_code == 401
    assert unknown.headers["Content-Type"] == "application/json"
    assert unknown.json()["error"] == {".tag": "invalid_access_token"}


# -- faults ---------------------------------------------------------------------------------------


def test_rate_limit_has_retry_after(sdk, cloud: LocalDropbox, http) -> None:
    dbx = sdk()
    dbx.files_upload(b"x", "/t/a.jpg")
    cloud.faults.rate_limit_p, cloud.faults.retry_after_s = 1.0, 7
    with pytest.raises(exceptions.RateLimitError) as raised:
        dbx.files_upload(b"y", "/t/b.jpg")
    assert raised.value.backoff == 7 and raised.value.error.reason.is_too_many_write_operations()
    with pytest.raises(exceptions.RateLimitError) as raised:
        dbx.files_get_metadata("/t/a.jpg")
    assert raised.value.error.reason.is_too_many_requests()
    session, base = http
    raw = session.post(
        base + "/2/files/get_metadata",
        data='{"path": "/t/a.jpg"}',
        headers={"Content-Type": "application/json", "Authorization": "Bearer x"},
    )
    assert raw.status_code == 429 and raw.headers["Retry-After"] == "7"
    assert cloud.stats["fault:rate_limit"] == 3 and list(cloud.files()) == ["/t/a.jpg"]


def test_server_errors_and_forced_expiry(sdk, cloud: LocalDropbox, http) -> None:
    dbx = sdk()
    dbx.files_upload(b"x", "/t/a.jpg")
    cloud.faults.server_error_p = 1.0
    session, base = http
    answers = [session.get(base + "/api/v2/u/integrations/time/seconds?x-aio-key=k") for _ in range(12)]
    assert {a.status_code for a in answers} == {500, 503}
    assert all(a.headers.get("Retry-After") == "60" for a in answers if a.status_code == 503)
    with pytest.raises(exceptions.InternalServerError):
        dbx.files_get_metadata("/t/a.jpg")
    cloud.faults.server_error_p, cloud.faults.expire_token_p = 0.0, 1.0
    with pytest.raises(exceptions.AuthError) as raised:  # refreshed once, then gives up
        dbx.files_get_metadata("/t/a.jpg")
    assert raised.value.error.is_expired_access_token()
    assert cloud.stats["token"] == 2 and cloud.stats["fault:expire_token"] == 2


def test_dropped_uploads_are_sometimes_committed(cloud: LocalDropbox, http) -> None:
    session, base = http
    token = access_token(http)
    cloud.faults.drop_p = 1.0
    for n in range(16):
        with pytest.raises(requests.ConnectionError):
            session.post(
                base + "/2/files/upload",
                data=photo(n),
                headers={
                    "Authorization": "Bearer " + token,
                    "Content-Type": "application/octet-stream",
                    "Dropbox-API-Arg": json.dumps({"path": f"/t/{n}.jpg"}),
                },
            )
    stored = len(cloud.files())
    assert 0 < stored < 16 and stored == cloud.stats["fault:drop_committed"]
    assert cloud.stats["fault:drop"] == 16
    cloud.faults.drop_p = 0.0
    answer = session.post(
        base + "/2/files/upload",
        data=photo(0),
        headers={
            "Authorization": "Bearer " + token,
            "Content-Type": "application/octet-stream",
            "Dropbox-API-Arg": json.dumps({"path": "/t/0.jpg", "mode": "add"}),
        },
    )
    assert answer.status_code == 200  # a retry never conflicts
    assert cloud.files()["/t/0.jpg"] == photo(0)


def test_slow_answers_charge_virtual_delay(cloud: LocalDropbox, http, delays: list[float]) -> None:
    session, base = http
    cloud.faults.slow_p, cloud.faults.slow_s = 1.0, 20.0
    answer = session.get(base + "/api/v2/u/integrations/time/seconds?x-aio-key=k")
    assert answer.status_code == 200 and delays == [20.0]


# -- HTTP details, time services, SNTP ------------------------------------------------------------


def test_date_header_follows_the_clock(http, clock: FakeClock) -> None:
    session, base = http
    clock.t = 1_790_000_123.75
    answer = session.post(base + "/oauth2/token", data={"grant_type": "refresh_token"})
    assert answer.status_code == 400
    assert email.utils.parsedate_to_datetime(answer.headers["Date"]).timestamp() == 1_790_000_123
    assert answer.headers["Content-Length"] == str(len(answer.content))


def test_wrong_host_for_a_route_is_refused(http) -> None:
    session, base = http
    answer = session.post(
        base + "/2/files/get_metadata",
        data='{"path": "/a"}',
        headers={
            "Host": "content.dropboxapi.com",
            "Content-Type": "application/json",
            "Authorization": "Bearer " + access_token(http),
        },
    )
    assert answer.status_code == 400 and "api.dropboxapi.com" in answer.text


def test_adafruit_io_time(http, clock: FakeClock) -> None:
    session, base = http
    clock.t = 1_782_907_200.25  # 2026-07-01T12:00:00.250Z
    url = base + "/api/v2/someone/integrations/time/strftime"
    fmt = "%Y-%m-%d %H:%M:%S.%L %j %u %z %Z"
    answers = {
        tz: session.get(url, params={"x-aio-key": "k", "tz": tz, "fmt": fmt}).text
        for tz in ("UTC", "Etc/GMT-2", "Etc/GMT+5", "Europe/Amsterdam")
    }
    assert answers == {
        "UTC": "2026-07-01 12:00:00.250 182 3 +0000 UTC",
        "Etc/GMT-2": "2026-07-01 14:00:00.250 182 3 +0200 +02",
        "Etc/GMT+5": "2026-07-01 07:00:00.250 182 3 -0500 -05",
        "Europe/Amsterdam": "2026-07-01 14:00:00.250 182 3 +0200 CEST",
    }
    seconds = session.get(base + "/api/v2/someone/integrations/time/seconds", params={"x-aio-key": "k"})
    assert seconds.text == "1782907200"
    assert session.get(url, params={"fmt": fmt}).status_code == 401  # no key


def test_timeapi_io(http, cloud: LocalDropbox, clock: FakeClock) -> None:
    session, base = http
    clock.t = 1_782_907_200.25
    answer = session.get(base + "/api/Time/current/zone", params={"timeZone": "UTC"}).json()
    assert {
        k: answer[k]
        for k in (
            "year",
            "month",
            "day",
            "hour",
            "minute",
            "seconds",
            "milliSeconds",
            "timeZone",
            "dstActive",
        )
    } == {
        "year": 2026,
        "month": 7,
        "day": 1,
        "hour": 12,
        "minute": 0,
        "seconds": 0,
        "milliSeconds": 250,
        "timeZone": "UTC",
        "dstActive": False,
    }
    assert answer["dateTime"].startswith("2026-07-01T12:00:00.25")
    assert (
        session.get(base + "/api/Time/current/zone", params={"timeZone": "Mars/Olympus"}).status_code == 400
    )
    assert cloud.stats["time_https"] == 2


def test_sntp_answers_with_virtual_time(cloud: LocalDropbox, clock: FakeClock) -> None:
    clock.t = 1_790_000_000.5
    request = bytearray(48)
    request[0] = 0b00100011  # version 4, client
    request[40:48] = b"ORIGINAL"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.settimeout(5)
        udp.sendto(bytes(request), ("127.0.0.1", cloud.ntp_port))
        answer = udp.recv(512)
    assert len(answer) == 48
    assert answer[0] & 0x07 == 4 and answer[1] == 2  # server, stratum 2
    assert answer[24:32] == b"ORIGINAL"  # originate = our transmit
    seconds, fraction = struct.unpack("!II", answer[40:48])
    assert seconds - 2208988800 + fraction / 2**32 == pytest.approx(clock.t, abs=1e-6)
    assert struct.unpack("!II", answer[32:40]) == (seconds, fraction)
    assert cloud.stats["ntp"] == 1


# -- wiring ---------------------------------------------------------------------------------------


def test_with_a_network_the_board_names_verify(tmp_path: Path, clock: FakeClock) -> None:
    network = Network()
    with LocalDropbox(tmp_path / "cloud", network, clock=clock) as server:
        assert {name: network.hosts[name].port for name in HOSTS} == {
            **{name: server.https_port for name in HOSTS[:4]},
            "pool.ntp.org": server.ntp_port,
        }
        assert network.hosts["content.dropboxapi.com"].server_s == 0.30
        context = network.client_context()
        with socket.create_connection(("127.0.0.1", server.https_port), timeout=5) as raw:
            with context.wrap_socket(raw, server_hostname="timeapi.io") as tls:
                tls.sendall(
                    b"GET /api/Time/current/zone?timeZone=UTC HTTP/1.1\r\n"
                    b"Host: timeapi.io\r\nConnection: close\r\n\r\n"
                )
                reply = b""
                while chunk := tls.recv(4096):
                    reply += chunk
        assert reply.startswith(b"HTTP/1.1 200") and b'"year": 2026' in reply
        with pytest.raises(ssl.SSLCertVerificationError):  # the certificate names our hosts only
            with socket.create_connection(("127.0.0.1", server.https_port), timeout=5) as raw:
                context.wrap_socket(raw, server_hostname="www.example.com")
    assert not (tmp_path / "cloud" / "ca.pem").exists()


def test_metadata_index_is_saved_and_reloaded(tmp_path: Path, sdk, cloud: LocalDropbox) -> None:
    sdk().files_upload(photo(1), "/t/a.jpg")
    cloud.stop()
    assert sorted(p.name for p in (cloud.folder / ".dropbox").iterdir()) == ["index.json"]
    again = LocalDropbox(cloud.folder)
    assert again.files() == {"/t/a.jpg": photo(1)}
    assert again.store.entries["/t/a.jpg"]["rev"] == cloud.store.entries["/t/a.jpg"]["rev"]


SDK_CALL = textwrap.dedent("""
    import sys
    import dropbox
    dbx = dropbox.Dropbox(oauth2_refresh_token="sim-refresh-token", app_key="sim-app-key",
                          app_secret="sim-app-secret", ca_certs=sys.argv[1])
    print(dbx.files_upload(b"from the sdk", "/cli/hello.txt").content_hash)
""")


def test_command_line_server_with_the_sdk_in_another_process(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder = tmp_path / "cloud"
    env = {k: v for k, v in os.environ.items() if k not in CA_ENV}
    server = subprocess.Popen(
        [sys.executable, "-m", "sim.cloud", "--port", str(port), "--dir", str(folder)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    try:
        banner = server.stdout.readline()
        assert f"127.0.0.1:{port}" in banner, banner
        env.update(DROPBOX_API_HOST=f"localhost:{port}", DROPBOX_API_CONTENT_HOST=f"localhost:{port}")
        call = subprocess.run(
            [sys.executable, "-c", SDK_CALL, str(folder / "ca.pem")],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert call.returncode == 0, call.stderr
        assert call.stdout.strip() == content_hash(b"from the sdk")
        assert (folder / "cli" / "hello.txt").read_bytes() == b"from the sdk"
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert (
        json.loads((folder / ".dropbox" / "index.json").read_text())["entries"][-1]["path_display"]
        == "/cli/hello.txt"
    )
