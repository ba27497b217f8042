"""LocalDropbox: the parts of the local cloud put together, its life cycle and its dispatch.

One HTTPS listener answers for every host name in HOSTS (routing on the path), a UDP listener
answers SNTP. All times come from `clock()`, the simulator's virtual UTC.
"""

from __future__ import annotations

import argparse
import collections
import random
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sim.cloud.dropbox import ROUTES, DropboxRoutes
from sim.cloud.faults import CloudFaults, FaultInjection
from sim.cloud.inline import InlineEndpoint
from sim.cloud.server import (
    HOSTS,
    LOOPBACK_NAMES,
    SERVER_S,
    BadInput,
    Handler,
    HTTPSServer,
    Reply,
    Request,
    json_reply,
    read_request,
    send_reply,
    text_reply,
)
from sim.cloud.sntp import SntpServer
from sim.cloud.store import Store
from sim.cloud.time_services import adafruit_time, timeapi
from sim.network import Network
from sim.zones import timeapi_zone


class LocalDropbox(DropboxRoutes, FaultInjection, SntpServer):
    """Dropbox API v2, its OAuth2 token endpoint and the time servers, on 127.0.0.1.

    `stats` counts requests by route ("token", "upload", "upload_session_finish",
    "get_metadata", "list_folder", "download", "time_https", "ntp", ...) and outcomes:
    "upload_ok" (an upload or session finish answered 200; "photo_ok" of a .jpg), "upload_written" (stored new
    content), "upload_same" (identical content already there), "upload_conflict",
    "upload_renamed", "token_refused", "auth_invalid", "auth_expired", and "fault:<name>" for
    every injected fault ("fault:drop_committed" when the dropped request was carried out).
    """

    def __init__(
        self,
        folder: Path,
        network: Network | None = None,
        *,
        clock: Callable[[], float] = time.time,
        delay: Callable[[float], None] | None = None,
        faults: CloudFaults | None = None,
        app_key: str = "sim-app-key",
        app_secret: str = "sim-app-secret",
        refresh_token: str = "sim-refresh-token",
        token_lifetime_s: int = 14400,
        quota_bytes: int = 2 * 1024**3,
    ):
        self.folder = Path(folder).resolve()  # the simulated board changes the cwd
        self.folder.mkdir(parents=True, exist_ok=True)
        self.clock = clock
        self.delay = delay
        self.faults = faults or CloudFaults()
        self.app_key, self.app_secret, self.refresh_token = app_key, app_secret, refresh_token
        self.token_lifetime_s = token_lifetime_s
        self.quota_bytes = quota_bytes
        self.stats: collections.Counter = collections.Counter()
        self.rng = random.Random(self.faults.seed)  # fault draws only
        self._writes: collections.deque = collections.deque()  # write times, for contention
        ids = random.Random(self.faults.seed * 1_000_003 + 7)  # ids, revs, tokens
        self.ids = ids
        self.store = Store(self.folder, ids)
        self.tokens: dict[str, float] = {}  # access token -> virtual expiry
        self.sessions: dict[str, dict] = {}  # upload session id -> state
        self.lock = threading.Lock()
        self.own_network = network is None
        self.network = network or Network()
        self.network.server_stats = self.stats  # what the server saw, for the judge (sim/judge.py)
        if self.own_network:
            self.network.write_ca(self.folder / "ca.pem")
        self.https_port = 0
        self.ntp_port = 0
        self._https: HTTPSServer | None = None
        self._udp: socket.socket | None = None
        self._threads: list[threading.Thread] = []

    # -- life cycle ------------------------------------------------------------------------------

    def start(self, port: int = 0, ntp_port: int = 0) -> int:
        """Start the HTTPS and SNTP listeners (free ports unless given); returns the HTTPS port."""
        context = self.network.server_context(list(HOSTS[:4]) + list(LOOPBACK_NAMES))
        self._https = HTTPSServer(("127.0.0.1", port), self, context)
        self.https_port = self._https.server_address[1]
        self._udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._udp.bind(("127.0.0.1", ntp_port))
        self.ntp_port = self._udp.getsockname()[1]
        inline = InlineEndpoint(self)  # the simulated board's way in (sim/cloud/inline.py)
        for name in HOSTS[:4]:
            self.network.add_host(name, self.https_port, SERVER_S[name]).endpoint = inline
        self.network.add_host("pool.ntp.org", self.ntp_port, 0.01).endpoint = inline
        self._udp.settimeout(0.5)  # the SNTP thread checks for stop() at least this often
        self._threads = [
            threading.Thread(target=self._https.serve_forever, args=(0.05,), name="cloud-https", daemon=True),
            threading.Thread(target=self._serve_ntp, name="cloud-ntp", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        return self.https_port

    def stop(self) -> None:
        """Stop listening, close open connections and save the metadata index."""
        if self._https:
            self._https.shutdown()  # serve_forever polls every 50 ms
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
                waker.sendto(b"", ("127.0.0.1", self.ntp_port))  # wakes the SNTP thread
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

    def _serve(self, handler: Handler) -> None:
        request = read_request(handler)
        if request is None:
            return
        with self.lock:
            self.stats["https_requests"] += 1
            fault = self._draw_fault(request)
        if fault == "drop":
            if self._chance(0.5):
                self._answer(request)  # carried out, but the answer never leaves
                self._count("fault:drop_committed")
            handler.close_connection = True
            return
        if fault == "slow":
            if self.delay:
                self.delay(self.faults.slow_s)
            fault = None
        reply = self._fault_reply(fault) if fault else self._answer(request)
        send_reply(handler, reply)

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
                self._count("time_https")
                if path.endswith("/strftime"):
                    self._count("time_zone")  # an offset asked for (the judge: sim/judge.py)
                return adafruit_time(request, self.clock)
            if path.lower() == "/api/time/current/zone":
                self._count("time_https")
                if (request.query.get("timeZone") or [""])[0].upper() != "UTC":
                    self._count("time_zone")
                return timeapi(request, self.clock)
            if path.lower() == "/api/timezone/zone":  # the zone's offsets and DST interval
                self._count("time_https")
                self._count("time_zone")
                answer = timeapi_zone((request.query.get("timeZone") or [""])[0], self.clock())
                return json_reply(200, answer) if answer else text_reply(400, "Invalid Timezone")
            return text_reply(404, "Not Found")
        except BadInput as error:
            return text_reply(400, str(error))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sim.cloud",
        description="The local cloud of the simulator: a Dropbox (API v2) and the time servers, on loopback.",
    )
    parser.add_argument("--port", type=int, default=0, help="HTTPS port on 127.0.0.1 (0: a free one)")
    parser.add_argument("--ntp-port", type=int, default=0, help="SNTP (UDP) port (0: a free one)")
    parser.add_argument("--dir", type=Path, required=True, help="where files and ca.pem are kept")
    parser.add_argument("--app-key", default="sim-app-key")
    parser.add_argument("--app-secret", default="sim-app-secret")
    parser.add_argument("--refresh-token", default="sim-refresh-token")
    parser.add_argument("--token-lifetime", type=int, default=14400, help="seconds")
    options = parser.parse_args(argv)
    cloud = LocalDropbox(
        options.dir,
        delay=time.sleep,
        app_key=options.app_key,
        app_secret=options.app_secret,
        refresh_token=options.refresh_token,
        token_lifetime_s=options.token_lifetime,
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    cloud.start(options.port, options.ntp_port)
    print(
        f"sim.cloud: https://127.0.0.1:{cloud.https_port} (CA {options.dir / 'ca.pem'}), "
        f"SNTP udp 127.0.0.1:{cloud.ntp_port}; try DROPBOX_API_HOST=localhost:{cloud.https_port} "
        f"DROPBOX_API_CONTENT_HOST=localhost:{cloud.https_port}",
        flush=True,
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        cloud.stop()
    return 0
