"""The local cloud of the simulator: a Dropbox (API v2) and the time servers, on loopback.

One HTTPS listener answers for every host name in HOSTS (routing on the path): the OAuth2 token
endpoint, the api and content routes of Dropbox API v2 that an uploader needs, Adafruit IO's time
integration and timeapi.io. A UDP listener answers SNTP. All times come from `clock()`, the
simulator's virtual UTC, so Date headers, token expiry and time services follow the simulated
world. The wire format mirrors Dropbox (checked against the official `dropbox` SDK): JSON
shapes of results and route errors, 401/429/5xx handling, the Dropbox-API-Arg header, and the
upload rules of WriteMode (identical content is no conflict). Faults (`CloudFaults`) are drawn
per request from a seeded RNG so that runs are reproducible.

Files are stored as plain files under `folder/<path>`; their metadata lives in memory and is
saved to `folder/.dropbox/index.json` on stop (and loaded again on start of a new instance).

Command line: `python -m sim.cloud --port P --dir D` (see docs/design.md).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import collections
import email.utils
import hashlib
import http.server
import json
import os
import random
import signal
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from sim.network import Network

HOSTS = ("api.dropboxapi.com", "content.dropboxapi.com", "io.adafruit.com", "timeapi.io", "pool.ntp.org")
API_HOST, CONTENT_HOST = HOSTS[0], HOSTS[1]
# Also in the certificate, for clients (the SDK, curl) that reach the listener by these names.
LOOPBACK_NAMES = ("localhost", "127.0.0.1")
SERVER_S = {"api.dropboxapi.com": 0.15, "content.dropboxapi.com": 0.30, "io.adafruit.com": 0.05,
            "timeapi.io": 0.05}

BLOCK = 4 * 1024 * 1024              # content_hash block size
MAX_UPLOAD = 150 * 1024 * 1024       # one upload or session append call
SESSION_LIFETIME_S = 7 * 86400       # upload sessions expire after a week
TOKEN_CHARS = 150                    # about the length of a real short-lived access token
NTP_EPOCH = 2208988800               # 1900-01-01 to 1970-01-01 in seconds
JSON = "application/json"            # exactly: the SDK compares the Content-Type with this
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def content_hash(data: bytes) -> str:
    """Dropbox's content hash: SHA-256 of the concatenated SHA-256 digests of 4 MiB blocks."""
    overall = hashlib.sha256()
    for start in range(0, len(data), BLOCK):
        overall.update(hashlib.sha256(data[start:start + BLOCK]).digest())
    return overall.hexdigest()


@dataclass
class CloudFaults:
    """Faults drawn per request (probabilities), all off by default; the runner may change them."""

    expire_token_p: float = 0.0    # a valid access token is answered 401 expired_access_token
    rate_limit_p: float = 0.0      # 429 with Retry-After
    retry_after_s: int = 60
    server_error_p: float = 0.0    # 500, or 503 with Retry-After
    drop_p: float = 0.0            # connection closed without an answer (50/50 after committing)
    slow_p: float = 0.0            # the answer takes slow_s more virtual seconds
    slow_s: float = 20.0
    revoked: bool = False          # the refresh token (and its access tokens) are revoked
    full: bool = False             # the account is full
    write_limit_per_min: int = 0   # write contention: more writes than this in a (virtual)
                                   # minute, from all clients, get 429 too_many_write_operations
    seed: int = 1


@dataclass
class Reply:
    status: int
    body: bytes = b""
    content_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)


class BadInput(Exception):
    """A request Dropbox answers with 400 and a plain-text explanation."""


class RouteError(Exception):
    """A route error: 409 with {"error_summary", "error"}, the shapes the SDK deserializes."""

    def __init__(self, error: dict, status: int = 409):
        super().__init__(error)
        self.error = error
        self.status = status


def error_summary(error: dict) -> str:
    """"path/conflict/file/.." from nested tagged unions, as Dropbox writes it."""
    tags = []
    node: object = error
    while isinstance(node, dict) and ".tag" in node:
        tags.append(node[".tag"])
        node = next((value for value in node.values() if isinstance(value, dict) and ".tag" in value),
                    None)
    return "/".join(tags) + "/.."


def json_reply(status: int, obj: object, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, json.dumps(obj).encode(), JSON, headers or {})


def route_error_reply(error: dict, status: int = 409) -> Reply:
    return json_reply(status, {"error_summary": error_summary(error), "error": error})


def text_reply(status: int, text: str, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, text.encode(), "text/plain; charset=utf-8", headers or {})


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]        # lower-case names
    body: bytes

    def arg_of_header(self, function: str) -> dict:
        """The JSON argument of a content route: Dropbox-API-Arg header, else ?arg=."""
        raw = self.headers.get("dropbox-api-arg")
        if raw is None and "arg" in self.query:
            raw = self.query["arg"][0]
        elif raw is not None and not raw.isascii():
            raise BadInput(f'Error in call to API function "{function}": HTTP header '
                           '"Dropbox-API-Arg": could not decode input as JSON (characters outside '
                           'ASCII must be escaped as \\uXXXX)')
        return parse_arg(raw, function)


def parse_arg(raw: str | bytes | None, function: str) -> dict:
    """A route's JSON argument; routes without one get an empty body or "null" ({} here)."""
    if raw is None:
        raise BadInput(f'Error in call to API function "{function}": Must provide HTTP header '
                       '"Dropbox-API-Arg" or URL parameter "arg".')
    try:
        arg = json.loads(raw) if raw.strip() else None
    except ValueError as error:
        raise BadInput(f'Error in call to API function "{function}": could not decode input as JSON') from error
    if arg is None:
        return {}
    if not isinstance(arg, dict):
        raise BadInput(f'Error in call to API function "{function}": expected a JSON object')
    return arg


def check_path(path: object, function: str, root_ok: bool = False) -> str:
    """A Dropbox path ("" is the root where allowed); raises a malformed_path route error."""
    if not isinstance(path, str):
        raise BadInput(f'Error in call to API function "{function}": missing required field "path"')
    if path == "" and root_ok:
        return path
    if path == "/":
        raise BadInput(f'Error in call to API function "{function}": the root folder is specified '
                       'as "", not "/"')
    parts = path.split("/")
    if not path.startswith("/") or any(part in ("", ".", "..") for part in parts[1:]):
        raise RouteError({".tag": "path", "path": {".tag": "malformed_path"}})
    return path


def mode_of(arg: dict) -> tuple[str, str | None]:
    mode = arg.get("mode", "add")
    if isinstance(mode, str):
        return mode, None
    return mode.get(".tag", "add"), mode.get("update")


class Store:
    """Files and folders with Dropbox metadata; every change gets a sequence number (cursors)."""

    def __init__(self, folder: Path, ids: random.Random):
        self.folder = folder
        self.ids = ids
        self.entries: dict[str, dict] = {}   # path_lower -> metadata (+ "seq")
        self.deleted: dict[str, dict] = {}   # path_lower -> deleted metadata (+ "seq")
        self.seq = 0
        self.used = 0
        self.index = folder / ".dropbox" / "index.json"
        if self.index.exists():
            self.load()

    # -- persistence -------------------------------------------------------------------------

    def load(self) -> None:
        saved = json.loads(self.index.read_text())
        self.seq = saved["seq"]
        for entry in saved["entries"]:
            if entry[".tag"] == "file" and not self.disk(entry["path_display"]).is_file():
                continue
            self.entries[entry["path_lower"]] = entry
            self.used += entry.get("size", 0)

    def save(self) -> None:
        self.index.parent.mkdir(parents=True, exist_ok=True)
        ordered = sorted(self.entries.values(), key=lambda e: e["seq"])
        temporary = self.index.with_suffix(".tmp")
        temporary.write_text(json.dumps({"seq": self.seq, "entries": ordered}, indent=1))
        temporary.replace(self.index)

    def disk(self, path_display: str) -> Path:
        return self.folder / path_display.lstrip("/")

    # -- metadata ----------------------------------------------------------------------------

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def new_id(self) -> str:
        return "id:" + "".join(self.ids.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                               "0123456789_-") for _ in range(22))

    @staticmethod
    def public(entry: dict) -> dict:
        return {key: value for key, value in entry.items() if key != "seq"}

    def display(self, path: str) -> str:
        """The path with the case of existing parent folders (Dropbox keeps the first case)."""
        parts = path.split("/")[1:]
        shown = ""
        for part in parts[:-1]:
            existing = self.entries.get((shown + "/" + part).lower())
            shown = existing["path_display"] if existing else shown + "/" + part
        return shown + "/" + parts[-1]

    def ensure_folders(self, path_display: str) -> None:
        """Create the parent folders of a file implicitly, as an upload does."""
        parts = path_display.split("/")[1:-1]
        for depth in range(1, len(parts) + 1):
            shown = "/" + "/".join(parts[:depth])
            lower = shown.lower()
            if lower not in self.entries:
                self.deleted.pop(lower, None)
                self.entries[lower] = {".tag": "folder", "name": parts[depth - 1], "path_lower": lower,
                                       "path_display": shown, "id": self.new_id(),
                                       "seq": self.next_seq()}
        self.disk(path_display).parent.mkdir(parents=True, exist_ok=True)

    def blocking(self, path: str) -> str | None:
        """Why `path` cannot hold a new file: "folder" (a folder is there), "file_ancestor"."""
        lower = path.lower()
        entry = self.entries.get(lower)
        if entry and entry[".tag"] == "folder":
            return "folder"
        parts = lower.split("/")
        for depth in range(2, len(parts)):
            parent = self.entries.get("/".join(parts[:depth]))
            if parent and parent[".tag"] == "file":
                return "file_ancestor"
        return None

    def free_name(self, path: str) -> str:
        """"name (1).jpg", "name (2).jpg", ...: the first name that is free."""
        parent, _, name = path.rpartition("/")
        stem, dot, extension = name.rpartition(".")
        if not stem:
            stem, dot, extension = name, "", ""
        for number in range(1, 1_000_000):
            candidate = f"{parent}/{stem} ({number}){dot}{extension}"
            if candidate.lower() not in self.entries:
                return candidate
        raise RuntimeError("no free name")

    def write(self, path: str, data: bytes, client_modified: str | None, now: float,
              same_id: str | None) -> dict:
        shown = self.display(path)
        self.ensure_folders(shown)
        target = self.disk(shown)
        temporary = target.with_name("." + target.name + ".tmp")
        temporary.write_bytes(data)
        temporary.replace(target)
        lower = shown.lower()
        old = self.entries.get(lower)
        if old:
            self.used -= old["size"]
            if old["path_display"] != shown:      # another case of the same name
                self.disk(old["path_display"]).unlink(missing_ok=True)
        self.deleted.pop(lower, None)
        seq = self.next_seq()
        server_modified = datetime.fromtimestamp(int(now), UTC).strftime(TIME_FORMAT)
        entry = {".tag": "file", "name": shown.rsplit("/", 1)[1], "path_lower": lower,
                 "path_display": shown, "id": same_id or self.new_id(),
                 "client_modified": client_modified or server_modified,
                 "server_modified": server_modified, "rev": f"{seq:09x}{self.ids.getrandbits(24):06x}",
                 "size": len(data), "is_downloadable": True, "content_hash": content_hash(data),
                 "seq": seq}
        self.entries[lower] = entry
        self.used += len(data)
        return entry

    def remove(self, lower: str) -> dict:
        """Delete a file or a folder with everything under it; returns its metadata."""
        entry = self.entries[lower]
        doomed = [key for key in self.entries if key == lower or key.startswith(lower + "/")]
        for key in sorted(doomed, reverse=True):
            gone = self.entries.pop(key)
            if gone[".tag"] == "file":
                self.used -= gone["size"]
                self.disk(gone["path_display"]).unlink(missing_ok=True)
            else:
                try:
                    self.disk(gone["path_display"]).rmdir()
                except OSError:
                    pass
            self.deleted[key] = {".tag": "deleted", "name": gone["name"], "path_lower": key,
                                 "path_display": gone["path_display"], "seq": self.next_seq()}
        return entry

    def listing(self, lower: str, recursive: bool, after: int, include_deleted: bool) -> list[dict]:
        """Entries under folder `lower` ("" = root) changed after sequence `after`, in order."""
        pool = list(self.entries.values())
        if include_deleted:
            pool += list(self.deleted.values())
        prefix = lower + "/"
        found = []
        for entry in pool:
            path = entry["path_lower"]
            if entry["seq"] <= after or not path.startswith(prefix):
                continue
            if recursive or "/" not in path[len(prefix):]:
                found.append(entry)
        return sorted(found, key=lambda e: e["seq"])


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60            # an idle kept-alive connection is closed after this (real seconds)
    disable_nagle_algorithm = True   # headers and body go out in two writes: no delayed-ACK stall
    server: _HTTPSServer

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        self.server.cloud._serve(self)

    def do_POST(self) -> None:  # noqa: N802
        self.server.cloud._serve(self)

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The Date header in virtual time, like Dropbox's servers send it."""
        return email.utils.formatdate(self.server.cloud.clock(), usegmt=True)

    def version_string(self) -> str:
        return "envoy"

    def log_message(self, format: str, *args: object) -> None:
        pass


class _HTTPSServer(http.server.ThreadingHTTPServer):
    """TLS per connection, in the connection's own thread: a stalled handshake blocks no one."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], cloud: LocalDropbox, context: ssl.SSLContext):
        self.cloud = cloud
        self.context = context
        self.open: set[socket.socket] = set()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        """As HTTPServer's, without its reverse DNS lookup of the address."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "localhost", self.server_address[1]

    def finish_request(self, request, client_address) -> None:
        request.settimeout(_Handler.timeout)
        try:
            request = self.context.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            return
        self.open.add(request)
        try:
            super().finish_request(request, client_address)
        except OSError:
            pass
        finally:
            self.open.discard(request)

    def handle_error(self, request, client_address) -> None:
        pass   # a client that went away (e.g. a power cut on the board) is not a server error


class LocalDropbox:
    """Dropbox API v2, its OAuth2 token endpoint and the time servers, on 127.0.0.1.

    `stats` counts requests by route ("token", "upload", "upload_session_finish",
    "get_metadata", "list_folder", "download", "time_https", "ntp", ...) and outcomes:
    "upload_ok" (an upload or session finish answered 200), "upload_written" (stored new
    content), "upload_same" (identical content already there), "upload_conflict",
    "upload_renamed", "token_refused", "auth_invalid", "auth_expired", and "fault:<name>" for
    every injected fault ("fault:drop_committed" when the dropped request was carried out).
    """

    def __init__(self, folder: Path, network: Network | None = None, *,
                 clock: Callable[[], float] = time.time,
                 delay: Callable[[float], None] | None = None,
                 faults: CloudFaults | None = None,
                 app_key: str = "sim-app-key", app_secret: str = "sim-app-secret",
                 refresh_token: str = "sim-refresh-token",
                 token_lifetime_s: int = 14400, quota_bytes: int = 2 * 1024**3):
        self.folder = Path(folder).resolve()  # the simulated board changes the cwd
        self.folder.mkdir(parents=True, exist_ok=True)
        self.clock = clock
        self.delay = delay
        self.faults = faults or CloudFaults()
        self.app_key, self.app_secret, self.refresh_token = app_key, app_secret, refresh_token
        self.token_lifetime_s = token_lifetime_s
        self.quota_bytes = quota_bytes
        self.stats: collections.Counter = collections.Counter()
        self.rng = random.Random(self.faults.seed)             # fault draws only
        self._writes: collections.deque = collections.deque()  # write times, for contention
        ids = random.Random(self.faults.seed * 1_000_003 + 7)  # ids, revs, tokens
        self.ids = ids
        self.store = Store(self.folder, ids)
        self.tokens: dict[str, float] = {}                    # access token -> virtual expiry
        self.sessions: dict[str, dict] = {}                   # upload session id -> state
        self.lock = threading.Lock()
        self.own_network = network is None
        self.network = network or Network()
        self.network.server_stats = self.stats  # what the server saw, for the judge (sim/judge.py)
        if self.own_network:
            self.network.write_ca(self.folder / "ca.pem")
        self.https_port = 0
        self.ntp_port = 0
        self._https: _HTTPSServer | None = None
        self._udp: socket.socket | None = None
        self._threads: list[threading.Thread] = []

    # -- life cycle ------------------------------------------------------------------------------

    def start(self, port: int = 0, ntp_port: int = 0) -> int:
        """Start the HTTPS and SNTP listeners (free ports unless given); returns the HTTPS port."""
        context = self.network.server_context(list(HOSTS[:4]) + list(LOOPBACK_NAMES))
        self._https = _HTTPSServer(("127.0.0.1", port), self, context)
        self.https_port = self._https.server_address[1]
        self._udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._udp.bind(("127.0.0.1", ntp_port))
        self.ntp_port = self._udp.getsockname()[1]
        for name in HOSTS[:4]:
            self.network.add_host(name, self.https_port, SERVER_S[name])
        self.network.add_host("pool.ntp.org", self.ntp_port, 0.01)
        self._udp.settimeout(0.5)   # the SNTP thread checks for stop() at least this often
        self._threads = [threading.Thread(target=self._https.serve_forever, args=(0.05,),
                                          name="cloud-https", daemon=True),
                         threading.Thread(target=self._serve_ntp, name="cloud-ntp", daemon=True)]
        for thread in self._threads:
            thread.start()
        return self.https_port

    def stop(self) -> None:
        """Stop listening, close open connections and save the metadata index."""
        if self._https:
            self._https.shutdown()   # serve_forever polls every 50 ms
            self._https.server_close()
            for connection in list(self._https.open):
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self._https = None
        udp, self._udp = self._udp, None
        if udp:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as waker:
                waker.sendto(b"", ("127.0.0.1", self.ntp_port))   # wakes the SNTP thread
        for thread in self._threads:
            thread.join(timeout=5)
        if udp:
            udp.close()
        self._threads = []
        with self.lock:
            self.store.save()

    def __enter__(self) -> LocalDropbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- helpers for tests and the runner --------------------------------------------------------

    def files(self) -> dict[str, bytes]:
        """Every stored file: path_display -> contents."""
        with self.lock:
            shown = [e["path_display"] for e in self.store.entries.values() if e[".tag"] == "file"]
        return {path: self.store.disk(path).read_bytes() for path in shown}

    def revoke(self) -> None:
        """Revoke the refresh token: refreshes are refused and issued access tokens die."""
        with self.lock:
            self.faults.revoked = True
            self.tokens.clear()

    def expire_tokens(self) -> None:
        """Make every issued access token expired now (virtual time)."""
        with self.lock:
            now = self.clock()
            for token in self.tokens:
                self.tokens[token] = now

    # -- HTTP dispatch ---------------------------------------------------------------------------

    def _serve(self, handler: _Handler) -> None:
        url = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        if len(body) < length:  # the client went away mid-body: nothing is carried out
            handler.close_connection = True
            return
        request = Request(handler.command, url.path, parse_qs(url.query),
                          {name.lower(): value for name, value in handler.headers.items()}, body)
        with self.lock:
            self.stats["https_requests"] += 1
            fault = self._draw_fault(request)
        if fault == "drop":
            if self._chance(0.5):
                self._answer(request)           # carried out, but the answer never leaves
                self._count("fault:drop_committed")
            handler.close_connection = True
            return
        if fault == "slow":
            if self.delay:
                self.delay(self.faults.slow_s)
            fault = None
        reply = self._fault_reply(fault) if fault else self._answer(request)
        handler.send_response(reply.status)
        handler.send_header("Content-Type", reply.content_type)
        handler.send_header("Content-Length", str(len(reply.body)))
        handler.send_header("X-Dropbox-Request-Id", os.urandom(8).hex())
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(reply.body)

    def _chance(self, p: float) -> bool:
        with self.lock:
            return p > 0 and self.rng.random() < p

    def _count(self, key: str) -> None:
        with self.lock:
            self.stats[key] += 1

    def _draw_fault(self, request: Request) -> str | None:
        """One fault for this request, or None (lock held). Draws only for faults that are on."""
        faults = self.faults
        dropbox_route = request.path.startswith("/2/")
        if faults.write_limit_per_min and request.path in WRITE_ROUTES:
            now = self.clock()
            recent = self._writes
            while recent and recent[0] <= now - 60:
                recent.popleft()
            if len(recent) >= faults.write_limit_per_min:
                self.stats["fault:write_contention"] += 1
                return "rate_limit_write"
            recent.append(now)
        for name, p, applies in (("drop", faults.drop_p, True), ("slow", faults.slow_p, True),
                                 ("server_error", faults.server_error_p, True),
                                 ("rate_limit", faults.rate_limit_p, dropbox_route)):
            if applies and p > 0 and self.rng.random() < p:
                self.stats["fault:" + name] += 1
                if name == "server_error":
                    return "server_error_503" if self.rng.random() < 0.5 else "server_error_500"
                if name == "rate_limit" and request.path in WRITE_ROUTES:
                    return "rate_limit_write"
                return name
        return None

    def _fault_reply(self, fault: str) -> Reply:
        retry = str(self.faults.retry_after_s)
        if fault == "server_error_500":
            return text_reply(500, "Internal Server Error")
        if fault == "server_error_503":
            return text_reply(503, "Service Unavailable", {"Retry-After": retry})
        reason = "too_many_write_operations" if fault == "rate_limit_write" else "too_many_requests"
        return json_reply(429, {"error_summary": reason + "/..",
                                "error": {"reason": {".tag": reason},
                                          "retry_after": self.faults.retry_after_s}},
                          {"Retry-After": retry})

    def _answer(self, request: Request) -> Reply:
        path = request.path
        try:
            if path == "/oauth2/token":
                return self._token(request)
            if path in ROUTES:
                return self._dropbox_route(request, *ROUTES[path])
            if path.startswith("/2/"):
                return text_reply(400, f'Unknown API function: "{path[3:]}"')
            if path.startswith("/api/v2/") and "/integrations/time/" in path:
                return self._adafruit_time(request)
            if path.lower() == "/api/time/current/zone":
                return self._timeapi(request)
            return text_reply(404, "Not Found")
        except BadInput as error:
            return text_reply(400, str(error))

    def _dropbox_route(self, request: Request, host: str, style: str, method: str) -> Reply:
        function = request.path[3:]
        stat = function.removeprefix("files/").removeprefix("users/").replace("/", "_")
        stat = stat.removesuffix("_v2")
        self._count(stat)
        header_host = request.headers.get("host", "").split(":")[0]
        if header_host in (API_HOST, CONTENT_HOST) and header_host != host:
            raise BadInput(f'Error in call to API function "{function}": The request\'s host '
                           f'should be "{host}"')
        auth = self._authorise(request, function)
        if auth:
            return auth
        if style == "rpc":
            if not request.headers.get("content-type", "").startswith(JSON):
                raise BadInput(f'Error in call to API function "{function}": Bad HTTP '
                               '"Content-Type" header. Expecting "application/json".')
            arg = parse_arg(request.body, function)
        else:
            if style == "upload" and request.headers.get("content-type", "").split(";")[0] not in (
                    "application/octet-stream", "text/plain"):
                raise BadInput(f'Error in call to API function "{function}": Bad HTTP '
                               '"Content-Type" header. Expecting "application/octet-stream".')
            arg = request.arg_of_header(function)
        try:
            with self.lock:
                return getattr(self, method)(arg, request.body)
        except RouteError as error:
            return route_error_reply(error.error, error.status)

    def _authorise(self, request: Request, function: str) -> Reply | None:
        header = request.headers.get("authorization", "")
        if not header:
            raise BadInput(f'Error in call to API function "{function}": Must provide HTTP header '
                           '"Authorization" or URL parameter "authorization".')
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise BadInput(f'Error in call to API function "{function}": Invalid authorization value '
                           'in HTTP header "Authorization"')
        with self.lock:
            expiry = self.tokens.get(token)
            if expiry is None or self.faults.revoked:
                self.stats["auth_invalid"] += 1
                tag = "invalid_access_token"
            elif self.clock() >= expiry:
                self.stats["auth_expired"] += 1
                tag = "expired_access_token"
            elif self.faults.expire_token_p > 0 and self.rng.random() < self.faults.expire_token_p:
                self.stats["fault:expire_token"] += 1
                self.tokens[token] = self.clock()    # expired early, and stays expired
                tag = "expired_access_token"
            else:
                return None
        return json_reply(401, {"error_summary": tag + "/..", "error": {".tag": tag}},
                          {"WWW-Authenticate": 'Bearer realm="Dropbox-API"'})

    # -- OAuth2 ------------------------------------------------------------------------------------

    def _token(self, request: Request) -> Reply:
        self._count("token")
        form = {key: values[0] for key, values in parse_qs(request.body.decode("latin-1")).items()}
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        basic = request.headers.get("authorization", "")
        if basic.lower().startswith("basic "):
            try:
                client_id, _, client_secret = base64.b64decode(basic[6:]).decode().partition(":")
            except (ValueError, binascii.Error):
                client_id = client_secret = None
        if form.get("grant_type") != "refresh_token":
            return json_reply(400, {"error": "unsupported_grant_type",
                                    "error_description": "grant_type must be refresh_token"})
        with self.lock:
            if client_id != self.app_key or client_secret != self.app_secret:
                self.stats["token_refused"] += 1
                return json_reply(400, {"error": "invalid_client",
                                        "error_description": "Invalid client_id or client_secret"})
            if form.get("refresh_token") != self.refresh_token or self.faults.revoked:
                self.stats["token_refused"] += 1
                return json_reply(400, {"error": "invalid_grant",
                                        "error_description": "refresh token is invalid or revoked"})
            now = self.clock()
            alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
            token = "sl." + "".join(self.ids.choice(alphabet) for _ in range(TOKEN_CHARS - 3))
            self.tokens[token] = now + self.token_lifetime_s
        return json_reply(200, {"access_token": token, "token_type": "bearer",
                                "expires_in": self.token_lifetime_s})

    # -- files routes (lock held; raise RouteError for route errors) -------------------------------

    def _lookup(self, path: str) -> dict:
        entry = self.store.entries.get(path.lower())
        if entry is None:
            raise RouteError({".tag": "path", "path": {".tag": "not_found"}})
        return entry

    def _get_metadata(self, arg: dict, body: bytes) -> Reply:
        path = check_path(arg.get("path"), "files/get_metadata")
        return json_reply(200, Store.public(self._lookup(path)))

    def _list_folder(self, arg: dict, body: bytes) -> Reply:
        path = check_path(arg.get("path"), "files/list_folder", root_ok=True)
        if path:
            entry = self._lookup(path)
            if entry[".tag"] != "folder":
                raise RouteError({".tag": "path", "path": {".tag": "not_folder"}})
        cursor = {"p": path.lower(), "r": bool(arg.get("recursive")), "s": 0,
                  "l": int(arg.get("limit") or 2000)}
        return self._page(cursor, include_deleted=bool(arg.get("include_deleted")))

    def _list_folder_continue(self, arg: dict, body: bytes) -> Reply:
        try:
            cursor = json.loads(base64.urlsafe_b64decode(arg["cursor"]))
            cursor["p"], cursor["r"], cursor["s"], cursor["l"]
        except (KeyError, TypeError, ValueError, binascii.Error) as error:
            raise BadInput('Error in call to API function "files/list_folder/continue": '
                           'Invalid "cursor" parameter') from error
        if cursor["p"] and cursor["p"] not in self.store.entries:
            raise RouteError({".tag": "path", "path": {".tag": "not_found"}})
        return self._page(cursor, include_deleted=True)

    def _page(self, cursor: dict, include_deleted: bool) -> Reply:
        changed = self.store.listing(cursor["p"], cursor["r"], cursor["s"], include_deleted)
        page = changed[:cursor["l"]]
        has_more = len(changed) > len(page)
        # The cursor remembers the last change seen: continue returns only what changed after it.
        cursor = dict(cursor, s=page[-1]["seq"] if has_more else self.store.seq)
        token = base64.urlsafe_b64encode(json.dumps(cursor).encode()).decode()
        return json_reply(200, {"entries": [Store.public(e) for e in page], "cursor": token,
                                "has_more": has_more})

    def _delete(self, arg: dict, body: bytes) -> Reply:
        path = check_path(arg.get("path"), "files/delete_v2")
        entry = self.store.entries.get(path.lower())
        if entry is None:
            raise RouteError({".tag": "path_lookup", "path_lookup": {".tag": "not_found"}})
        parent_rev = arg.get("parent_rev")
        if parent_rev and entry.get("rev") != parent_rev:
            raise RouteError({".tag": "path_lookup", "path_lookup": {".tag": "not_found"}})
        return json_reply(200, {"metadata": Store.public(self.store.remove(path.lower()))})

    def _download(self, arg: dict, body: bytes) -> Reply:
        path = check_path(arg.get("path"), "files/download")
        entry = self._lookup(path)
        if entry[".tag"] != "file":
            raise RouteError({".tag": "path", "path": {".tag": "not_file"}})
        if arg.get("rev") and arg["rev"] != entry["rev"]:
            raise RouteError({".tag": "path", "path": {".tag": "not_found"}})
        data = self.store.disk(entry["path_display"]).read_bytes()
        return Reply(200, data, "application/octet-stream",
                     {"Dropbox-API-Result": json.dumps(Store.public(entry))})  # ASCII-escaped

    def _space_usage(self, arg: dict, body: bytes) -> Reply:
        return json_reply(200, {"used": self.store.used,
                                "allocation": {".tag": "individual", "allocated": self.quota_bytes}})

    def _commit(self, commit: dict, data: bytes, function: str) -> dict:
        """Store `data` by the rules of WriteMode; returns the metadata or raises a WriteError."""
        path = commit.get("path")
        if not isinstance(path, str) or not path.startswith("/") or path.endswith("/") or any(
                part in ("", ".", "..") for part in path.split("/")[1:]):
            if not isinstance(path, str):
                raise BadInput(f'Error in call to API function "{function}": missing "path"')
            raise _WriteError({".tag": "malformed_path"})
        mode, rev = mode_of(commit)
        if mode not in ("add", "overwrite", "update"):
            raise BadInput(f'Error in call to API function "{function}": unknown mode "{mode}"')
        lower = path.lower()
        existing = self.store.entries.get(lower)
        blocked = self.store.blocking(path)
        if existing and existing[".tag"] == "file" and existing["content_hash"] == content_hash(data):
            if mode != "update" or rev == existing["rev"] or not commit.get("strict_conflict"):
                self.stats["upload_same"] += 1
                return existing
        conflict = blocked or (existing and mode == "add" and "file") or (
            existing and mode == "update" and rev != existing["rev"] and "file")
        if mode == "update" and not existing and not blocked:
            conflict = None   # updating a file that is gone writes it anew
        same_id = None
        if conflict:
            if not commit.get("autorename") or conflict == "file_ancestor":
                self.stats["upload_conflict"] += 1
                raise _WriteError({".tag": "conflict", "conflict": {".tag": conflict}})
            path = self.store.free_name(path)
            self.stats["upload_renamed"] += 1
        elif existing:
            same_id = existing["id"]
        replaced = existing["size"] if existing and not conflict else 0
        if self.faults.full or self.store.used - replaced + len(data) > self.quota_bytes:
            self.stats["upload_full"] += 1
            raise _WriteError({".tag": "insufficient_space"})
        self.stats["upload_written"] += 1
        return self.store.write(path, data, commit.get("client_modified"), self.clock(), same_id)

    @staticmethod
    def _check_hash(arg: dict, data: bytes, error: dict) -> None:
        expected = arg.get("content_hash")
        if expected is not None and expected != content_hash(data):
            raise RouteError(error)

    def _upload(self, arg: dict, body: bytes) -> Reply:
        if len(body) > MAX_UPLOAD:
            raise RouteError({".tag": "payload_too_large"})
        self._check_hash(arg, body, {".tag": "content_hash_mismatch"})
        try:
            entry = self._commit(arg, body, "files/upload")
        except _WriteError as error:
            raise RouteError({".tag": "path", "reason": error.error, "upload_session_id": ""}) from error
        self.stats["upload_ok"] += 1
        return json_reply(200, Store.public(entry))

    def _session(self, cursor: object, data: bytes) -> dict:
        """The upload session of `cursor`, checked for appending `data` at the cursor's offset."""
        if not isinstance(cursor, dict) or not isinstance(cursor.get("session_id"), str):
            raise BadInput('Error in call to API function: missing "cursor"')
        session = self.sessions.get(cursor["session_id"])
        if session is None or self.clock() - session["started"] > SESSION_LIFETIME_S:
            raise RouteError({".tag": "not_found"})
        if cursor.get("offset") != len(session["data"]):
            raise RouteError({".tag": "incorrect_offset", "correct_offset": len(session["data"])})
        if session["closed"] and data:
            raise RouteError({".tag": "closed"})
        return session

    def _upload_session_start(self, arg: dict, body: bytes) -> Reply:
        if len(body) > MAX_UPLOAD:
            raise RouteError({".tag": "payload_too_large"})
        self._check_hash(arg, body, {".tag": "content_hash_mismatch"})
        session_id = "pid_upload_session:" + "".join(
            self.ids.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
            for _ in range(30))
        self.sessions[session_id] = {"data": bytearray(body), "closed": bool(arg.get("close")),
                                     "started": self.clock()}
        return json_reply(200, {"session_id": session_id})

    def _upload_session_append(self, arg: dict, body: bytes) -> Reply:
        if len(body) > MAX_UPLOAD:
            raise RouteError({".tag": "payload_too_large"})
        self._check_hash(arg, body, {".tag": "content_hash_mismatch"})
        session = self._session(arg.get("cursor"), body)
        session["data"] += body
        session["closed"] = session["closed"] or bool(arg.get("close"))
        return json_reply(200, None)

    def _upload_session_finish(self, arg: dict, body: bytes) -> Reply:
        if len(body) > MAX_UPLOAD:
            raise RouteError({".tag": "payload_too_large"})
        self._check_hash(arg, body, {".tag": "content_hash_mismatch"})
        commit = arg.get("commit")
        if not isinstance(commit, dict):
            raise BadInput('Error in call to API function "files/upload_session/finish": '
                           'missing "commit"')
        try:
            session = self._session(arg.get("cursor"), body)
        except RouteError as error:
            raise RouteError({".tag": "lookup_failed", "lookup_failed": error.error}) from error
        try:
            entry = self._commit(commit, bytes(session["data"]) + body, "files/upload_session/finish")
        except _WriteError as error:
            raise RouteError({".tag": "path", "path": error.error}) from error
        del self.sessions[arg["cursor"]["session_id"]]
        self.stats["upload_ok"] += 1
        return json_reply(200, Store.public(entry))

    # -- time services -----------------------------------------------------------------------------

    def _zone(self, name: str | None) -> tuple[timezone | zoneinfo.ZoneInfo, bool]:
        """(tzinfo, known) for an IANA name; Etc/GMT+N zones keep their inverted sign."""
        if not name or name.upper() in ("UTC", "GMT", "ETC/UTC", "ETC/GMT", "Z"):
            return UTC, True
        try:
            return zoneinfo.ZoneInfo(name), True
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
        if name.startswith("Etc/GMT") and name[7:8] in "+-" and name[8:].isdigit():
            hours = -int(name[7:])   # Etc/GMT+5 is five hours behind UTC
            return timezone(timedelta(hours=hours), f"{-hours:+03d}"), True
        return UTC, False

    def _adafruit_time(self, request: Request) -> Reply:
        self._count("time_https")
        parts = request.path.split("/")   # "", api, v2, {username}, integrations, time, {what}
        key = (request.query.get("x-aio-key") or [request.headers.get("x-aio-key", "")])[0]
        if len(parts) != 7 or not parts[3] or not key:
            return json_reply(401, {"error": "request could not be authenticated"})
        now = self.clock()
        if parts[6] == "seconds":
            return text_reply(200, str(int(now)))
        if parts[6] != "strftime":
            return text_reply(404, "Not Found")
        zone, _ = self._zone((request.query.get("tz") or [""])[0])
        self._count("time_zone")  # an offset asked for (the judge: sim/judge.py)
        moment = datetime.fromtimestamp(now, zone)
        fmt = (request.query.get("fmt") or ["%Y-%m-%d %H:%M:%S %Z"])[0]
        fmt = fmt.replace("%L", f"{moment.microsecond // 1000:03d}")
        return text_reply(200, moment.strftime(fmt))

    def _timeapi(self, request: Request) -> Reply:
        self._count("time_https")
        name = (request.query.get("timeZone") or [""])[0]
        zone, known = self._zone(name)
        if name.upper() != "UTC":
            self._count("time_zone")  # an offset asked for (the judge: sim/judge.py)
        if not name or not known:
            return text_reply(400, "Invalid Timezone")
        moment = datetime.fromtimestamp(self.clock(), zone)
        dst = moment.dst()
        return json_reply(200, {
            "year": moment.year, "month": moment.month, "day": moment.day, "hour": moment.hour,
            "minute": moment.minute, "seconds": moment.second,
            "milliSeconds": moment.microsecond // 1000,
            "dateTime": moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0",
            "date": moment.strftime("%m/%d/%Y"), "time": moment.strftime("%H:%M"),
            "timeZone": name, "dayOfWeek": moment.strftime("%A"),
            "dstActive": bool(dst and dst.total_seconds())})

    # -- SNTP ----------------------------------------------------------------------------------------

    def _serve_ntp(self) -> None:
        udp = self._udp
        while udp is not None and self._udp is udp:
            try:
                packet, address = udp.recvfrom(512)
            except TimeoutError:
                continue
            except OSError:
                return
            received = self.clock()
            if len(packet) < 48 or packet[0] & 0x07 != 3:     # answer client mode only
                continue
            with self.lock:
                self.stats["ntp"] += 1
                if self.faults.drop_p > 0 and self.rng.random() < self.faults.drop_p:
                    self.stats["fault:drop"] += 1
                    continue
            try:
                udp.sendto(ntp_reply(packet, received, self.clock()), address)
            except OSError:
                return


class _WriteError(Exception):
    """A WriteError union value, wrapped differently by upload and upload_session/finish."""

    def __init__(self, error: dict):
        super().__init__(error)
        self.error = error


def ntp_timestamp(seconds: float) -> bytes:
    whole = int(seconds)
    return struct.pack("!II", (whole + NTP_EPOCH) & 0xFFFFFFFF,
                       int((seconds - whole) * 2**32) & 0xFFFFFFFF)


def ntp_reply(request: bytes, received: float, transmit: float) -> bytes:
    """An RFC 4330 server answer (mode 4, stratum 2) to a client request."""
    version = (request[0] >> 3) & 0x07 or 4
    header = struct.pack("!BBbb", (version << 3) | 4, 2, request[2] or 6, -20)
    header += struct.pack("!II", 0x00000080, 0x00000200)    # root delay 2 ms, dispersion 8 ms
    header += bytes((192, 0, 2, 123))                        # reference id: the upstream server
    return (header + ntp_timestamp(received - 64) + request[40:48] + ntp_timestamp(received)
            + ntp_timestamp(transmit))


# path -> (host, style, method); WRITE_ROUTES answer rate limits as too_many_write_operations.
ROUTES = {
    "/2/files/get_metadata": (API_HOST, "rpc", "_get_metadata"),
    "/2/files/list_folder": (API_HOST, "rpc", "_list_folder"),
    "/2/files/list_folder/continue": (API_HOST, "rpc", "_list_folder_continue"),
    "/2/files/delete_v2": (API_HOST, "rpc", "_delete"),
    "/2/users/get_space_usage": (API_HOST, "rpc", "_space_usage"),
    "/2/files/upload": (CONTENT_HOST, "upload", "_upload"),
    "/2/files/download": (CONTENT_HOST, "download", "_download"),
    "/2/files/upload_session/start": (CONTENT_HOST, "upload", "_upload_session_start"),
    "/2/files/upload_session/append_v2": (CONTENT_HOST, "upload", "_upload_session_append"),
    "/2/files/upload_session/finish": (CONTENT_HOST, "upload", "_upload_session_finish"),
}
WRITE_ROUTES = {"/2/files/upload", "/2/files/upload_session/finish", "/2/files/delete_v2"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.cloud", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0, help="HTTPS port on 127.0.0.1 (0: a free one)")
    parser.add_argument("--ntp-port", type=int, default=0, help="SNTP (UDP) port (0: a free one)")
    parser.add_argument("--dir", type=Path, required=True, help="where files and ca.pem are kept")
    parser.add_argument("--app-key", default="sim-app-key")
    parser.add_argument("--app-secret", default="sim-app-secret")
    parser.add_argument("--refresh-token", default="sim-refresh-token")
    parser.add_argument("--token-lifetime", type=int, default=14400, help="seconds")
    options = parser.parse_args(argv)
    cloud = LocalDropbox(options.dir, delay=time.sleep, app_key=options.app_key,
                         app_secret=options.app_secret, refresh_token=options.refresh_token,
                         token_lifetime_s=options.token_lifetime)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    cloud.start(options.port, options.ntp_port)
    print(f"sim.cloud: https://127.0.0.1:{cloud.https_port} (CA {options.dir / 'ca.pem'}), "
          f"SNTP udp 127.0.0.1:{cloud.ntp_port}; try DROPBOX_API_HOST=localhost:{cloud.https_port} "
          f"DROPBOX_API_CONTENT_HOST=localhost:{cloud.https_port}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        cloud.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
