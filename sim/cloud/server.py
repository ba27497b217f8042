"""The cloud's HTTP plumbing: one TLS listener for every host name, requests and replies.

Requests are parsed into `Request`; answers are `Reply` values, or `BadInput` (400, plain
text) and `RouteError` (409, the JSON shapes the Dropbox SDK deserializes) raised by a route.
The Date header follows the simulator's virtual clock.
"""

from __future__ import annotations

import email.utils
import http.server
import json
import random
import socket
import socketserver
import ssl
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

if TYPE_CHECKING:
    from sim.cloud.service import LocalDropbox

HOSTS = ("api.dropboxapi.com", "content.dropboxapi.com", "io.adafruit.com", "timeapi.io", "pool.ntp.org")
API_HOST, CONTENT_HOST = HOSTS[0], HOSTS[1]
# Also in the certificate, for clients (the SDK, curl) that reach the listener by these names.
LOOPBACK_NAMES = ("localhost", "127.0.0.1")
SERVER_S = {
    "api.dropboxapi.com": 0.15,
    "content.dropboxapi.com": 0.30,
    "io.adafruit.com": 0.05,
    "timeapi.io": 0.05,
}
JSON = "application/json"  # exactly: the SDK compares the Content-Type with this
# X-Dropbox-Request-Id only has to look like Dropbox's (16 hex digits), not be unpredictable:
# its own generator (not the cloud's seeded ones, whose draws decide ids and revs).
_request_ids = random.Random()


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
    """ "path/conflict/file/.." from nested tagged unions, as Dropbox writes it."""
    tags = []
    node: object = error
    while isinstance(node, dict) and ".tag" in node:
        tags.append(node[".tag"])
        node = next((value for value in node.values() if isinstance(value, dict) and ".tag" in value), None)
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
    headers: dict[str, str]  # lower-case names
    body: bytes

    def arg_of_header(self, function: str) -> dict:
        """The JSON argument of a content route: Dropbox-API-Arg header, else ?arg=."""
        raw = self.headers.get("dropbox-api-arg")
        if raw is None and "arg" in self.query:
            raw = self.query["arg"][0]
        elif raw is not None and not raw.isascii():
            raise BadInput(
                f'Error in call to API function "{function}": HTTP header '
                '"Dropbox-API-Arg": could not decode input as JSON (characters outside '
                "ASCII must be escaped as \\uXXXX)"
            )
        return parse_arg(raw, function)


def parse_arg(raw: str | bytes | None, function: str) -> dict:
    """A route's JSON argument; routes without one get an empty body or "null" ({} here)."""
    if raw is None:
        raise BadInput(
            f'Error in call to API function "{function}": Must provide HTTP header '
            '"Dropbox-API-Arg" or URL parameter "arg".'
        )
    try:
        arg = json.loads(raw) if raw.strip() else None
    except ValueError as error:
        raise BadInput(
            f'Error in call to API function "{function}": could not decode input as JSON'
        ) from error
    if arg is None:
        return {}
    if not isinstance(arg, dict):
        raise BadInput(f'Error in call to API function "{function}": expected a JSON object')
    return arg


def read_request(handler: http.server.BaseHTTPRequestHandler) -> Request | None:
    """The handler's request, or None when the client went away mid-body."""
    url = urlsplit(handler.path)
    length = int(handler.headers.get("Content-Length") or 0)
    body = handler.rfile.read(length) if length else b""
    if len(body) < length:  # the client went away mid-body: nothing is carried out
        handler.close_connection = True
        return None
    return Request(
        handler.command,
        url.path,
        parse_qs(url.query),
        {name.lower(): value for name, value in handler.headers.items()},
        body,
    )


def send_reply(handler: http.server.BaseHTTPRequestHandler, reply: Reply) -> None:
    handler.send_response(reply.status)
    handler.send_header("Content-Type", reply.content_type)
    if reply.status != 304:  # a 304 has no body, and no length of one
        handler.send_header("Content-Length", str(len(reply.body)))
    handler.send_header("X-Dropbox-Request-Id", f"{_request_ids.getrandbits(64):016x}")
    for name, value in reply.headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(reply.body)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60  # an idle kept-alive connection is closed after this (real seconds)
    disable_nagle_algorithm = True  # headers and body go out in two writes: no delayed-ACK stall
    server: HTTPSServer

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


class HTTPSServer(http.server.ThreadingHTTPServer):
    """TLS per connection, in the connection's own thread: a stalled handshake blocks no one."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], cloud: LocalDropbox, context: ssl.SSLContext):
        self.cloud = cloud
        self.context = context
        self.open: set[socket.socket] = set()
        super().__init__(address, Handler)

    def server_bind(self) -> None:
        """As HTTPServer's, without its reverse DNS lookup of the address."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "localhost", self.server_address[1]

    def finish_request(self, request, client_address) -> None:
        request.settimeout(Handler.timeout)
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
        pass  # a client that went away (e.g. a power cut on the board) is not a server error
