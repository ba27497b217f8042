"""The local cloud reached by the simulated board in its own thread: no loopback sockets, no
server threads, real TLS.

The board's sockets to the cloud's hosts carry their bytes through memory buffers. TLS is real
(OpenSSL through `ssl.MemoryBIO`, the cloud's certificate verified against the local CA; later
handshakes with a host resume that verified session: `start_tls`), and the HTTP requests are
answered by the same handler and routes as the threaded listener serves to other clients (the
Dropbox SDK, curl).

Why: a server thread reads the virtual clock whenever the operating system schedules it, so a
reply's Date header and an SNTP answer came, by chance, from before or (less often) after the
board had charged the round trip, and two runs on the same seed differed. Here the cloud
answers at a fixed instant, the usual one of the threaded server: as soon as the board's send
completes a request, before the board charges its wait for the answer. It is also cheaper: no
thread hand-offs, no system calls. The board writes a request in many small sends; they are
sealed into TLS records and parsed together at the send that can complete it (the same instant,
but OpenSSL and the parser run about once per request, not once per send).
"""

from __future__ import annotations

import io
import ssl
from typing import TYPE_CHECKING

from sim.cloud.server import Handler

if TYPE_CHECKING:
    from sim.cloud.service import LocalDropbox

_READ = 1 << 16
# host name -> (the board's TLS context, the session of its last full handshake with that host)
Sessions = dict[str | None, tuple[ssl.SSLContext, ssl.SSLSession]]


class InlineEndpoint:
    """What the board's socketpool opens instead of a host socket for one of the cloud's hosts."""

    def __init__(self, cloud: LocalDropbox) -> None:
        self.cloud = cloud
        self.sessions: Sessions = {}

    def stream(self) -> InlineStream:
        return InlineStream(self.cloud, self.sessions)

    def datagram(self) -> InlineDatagram:
        return InlineDatagram(self.cloud)


def _timeout_error(timeout: float | None) -> OSError:
    """What a host socket raises when nothing comes: timeout 0 would block, else it timed out."""
    if timeout == 0:
        return BlockingIOError(11, "Resource temporarily unavailable")
    return TimeoutError("timed out")


def _content_length(head: bytes) -> int:
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                length = max(0, int(value.strip()))
            except ValueError:
                length = 0
    return length


def _wanted(buffer: bytearray) -> int | None:
    """The length of `buffer` at which its first request is whole; None while its head is not
    (then a request can only end with a write that holds the blank line after the head)."""
    end = buffer.find(b"\r\n\r\n")
    return None if end < 0 else end + 4 + _content_length(bytes(buffer[: end + 4]))


def answer(cloud: LocalDropbox, request: bytes) -> tuple[bytes, bool]:
    """The listener's handler run on one request: (the reply's bytes, whether it closes)."""
    handler = Handler.__new__(Handler)  # set up by hand: no socket behind it
    handler.server = cloud._https  # type: ignore[assignment]
    handler.client_address = ("127.0.0.1", 0)
    handler.request = None
    handler.rfile = io.BytesIO(request)
    handler.wfile = io.BytesIO()
    handler.close_connection = True
    handler.handle_one_request()
    return handler.wfile.getvalue(), handler.close_connection


class InlineStream:
    """A TCP connection to the cloud's HTTPS listener, with TLS once `start_tls` ran."""

    def __init__(self, cloud: LocalDropbox, sessions: Sessions) -> None:
        self.cloud = cloud
        self.sessions = sessions  # shared by the cloud's streams (InlineEndpoint)
        self.timeout: float | None = None
        self.connected = False
        self.closed = False
        self.peer_closed = False  # the server closed the connection (after its reply)
        self.to_server = bytearray()  # plaintext the server has not handled yet
        self.to_client = bytearray()  # plaintext reply bytes (no TLS)
        self._needed: int | None = None  # to_server's length at which its request is whole
        self._unsealed = bytearray()  # what the board wrote that its TLS has not sealed yet
        self._tail = b""  # the last 3 bytes the board wrote (a blank line may span writes)
        self.client: ssl.SSLObject | None = None
        self.server: ssl.SSLObject | None = None
        self._c_in = ssl.MemoryBIO()
        self._c_out = ssl.MemoryBIO()
        self._s_in = ssl.MemoryBIO()
        self._s_out = ssl.MemoryBIO()

    def settimeout(self, value: float | None) -> None:
        self.timeout = value

    def connect(self, address) -> None:
        if self.cloud._https is None:
            raise ConnectionRefusedError(111, "Connection refused")
        self.connected = True

    def _check(self) -> None:
        if self.closed:
            raise OSError(9, "Bad file descriptor")
        if not self.connected:
            raise OSError(32, "Broken pipe")

    # ---- TLS ------------------------------------------------------------------------------------

    def _flow(self) -> bool:
        """Move the TLS bytes each side wrote to the other; whether any moved."""
        moved = False
        if self._c_out.pending:
            self._s_in.write(self._c_out.read())
            moved = True
        if self._s_out.pending:
            self._c_in.write(self._s_out.read())
            moved = True
        return moved

    def start_tls(self, context: ssl.SSLContext, server_hostname: str | None) -> None:
        """The TLS handshake, both ends in this thread. Raises what a host SSLSocket's would
        (ssl.SSLCertVerificationError when the board does not trust the certificate).

        The board does a full handshake every time, and is charged for one (sim/parts/radio.py).
        The host resumes the session of the last handshake with the same context and host name
        instead: the certificate and the trust it was verified against are the same, so is the
        outcome, and the host's CPU is spared the key exchange and the verification."""
        self._check()
        assert self.cloud._https is not None
        known = self.sessions.get(server_hostname)
        session = known[1] if known is not None and known[0] is context else None
        self.client = context.wrap_bio(
            self._c_in, self._c_out, server_hostname=server_hostname, session=session
        )
        self.server = self.cloud._https.context.wrap_bio(self._s_in, self._s_out, server_side=True)
        client_done = server_done = False
        while not client_done:
            try:
                self.client.do_handshake()
                client_done = True
            except ssl.SSLWantReadError:
                pass
            moved = self._flow()
            if not server_done:
                try:
                    self.server.do_handshake()
                    server_done = True
                except ssl.SSLWantReadError:
                    pass
                except ssl.SSLError:
                    server_done = True  # the server gave up (the client's alert went to it)
                    self.peer_closed = True
            moved = self._flow() or moved
            if not client_done and not moved:
                raise ConnectionResetError(104, "Connection reset by peer")
        if not self.client.session_reused and not self.peer_closed:  # (reading a session costs)
            made = self.client.session
            if made is not None:
                self.sessions[server_hostname] = (context, made)

    # ---- the server's side ------------------------------------------------------------------------

    def _serve(self) -> None:
        """The server reads what arrived and answers every whole request in it."""
        if self.server is not None:
            if self._unsealed and self.client is not None:
                self.client.write(self._unsealed)  # the board's writes, sealed in one go
                self._unsealed.clear()
            self._flow()
            while True:
                try:
                    data = self.server.read(_READ)
                except (ssl.SSLWantReadError, ssl.SSLZeroReturnError):
                    break
                except ssl.SSLError:
                    self.peer_closed = True
                    break
                if not data:
                    break
                self.to_server += data
        while not self.peer_closed:
            self._needed = _wanted(self.to_server)
            if self._needed is None or len(self.to_server) < self._needed:
                return  # no whole request yet
            request = bytes(self.to_server[: self._needed])
            del self.to_server[: self._needed]
            self._needed = None
            reply, close = answer(self.cloud, request)
            if reply:
                if self.server is not None:
                    self.server.write(reply)
                    self._flow()
                else:
                    self.to_client += reply
            if close:
                self.peer_closed = True

    # ---- the board's side -----------------------------------------------------------------------

    def sendall(self, data) -> None:
        self._check()
        if self.peer_closed:
            return  # the first write after the server closed goes out; the reply is the EOF
        if self.client is not None:
            self._unsealed += data
        else:
            self.to_server += data
        if self._completes(data):
            self._serve()

    def _completes(self, data) -> bool:
        """Whether this write may complete a request. The board writes a request in many small
        pieces; they are sealed, read and parsed only at a write that can complete one, which
        is the write at which the server would have answered had it read every piece."""
        window = self._tail + data
        self._tail = window[-3:]
        if self._needed is None:
            return b"\r\n\r\n" in window
        return len(self.to_server) + len(self._unsealed) >= self._needed

    def recv(self, size: int) -> bytes:
        self._check()
        if self.server is None or self._unsealed or self._c_out.pending or self._s_in.pending:
            self._serve()  # the board's bytes the server has not read yet
        if self.client is None:
            if self.to_client:
                data = bytes(self.to_client[:size])
                del self.to_client[:size]
                return data
        else:
            try:
                data = self.client.read(size)
                self._flow()  # a client reading may answer (key updates, tickets)
                if data:
                    return data
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLZeroReturnError:
                return b""
        if self.peer_closed:
            return b""
        raise _timeout_error(self.timeout)

    def close(self) -> None:
        self.closed = True


class InlineDatagram:
    """A UDP socket to the cloud's SNTP server: a request is answered as it is sent."""

    def __init__(self, cloud: LocalDropbox) -> None:
        self.cloud = cloud
        self.timeout: float | None = None
        self.closed = False
        self.replies: list[bytes] = []

    def settimeout(self, value: float | None) -> None:
        self.timeout = value

    def sendto(self, data, address) -> int:
        if self.closed:
            raise OSError(9, "Bad file descriptor")
        reply = self.cloud.ntp_answer(bytes(data)) if self.cloud._udp is not None else None
        if reply is not None:
            self.replies.append(reply)
        return len(data)

    def recv(self, size: int) -> bytes:
        if self.closed:
            raise OSError(9, "Bad file descriptor")
        if self.replies:
            return self.replies.pop(0)[:size]
        raise _timeout_error(self.timeout)

    def close(self) -> None:
        self.closed = True
