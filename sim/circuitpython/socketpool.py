"""`socketpool`: sockets of the board, carried over real loopback sockets.

DNS answers with the virtual address of a simulated host; connecting to that address (or to the
host name, as CircuitPython's TLS sockets do) reaches the host's local server. Time on the air is
charged to the board by `sim.device.Device`.

What the board's binding and common-hal allow (shared-bindings/socketpool/Socket.c and
ports/espressif/common-hal/socketpool/Socket.c, the same at 9.2.8, 10.0.3 and 10.1.0): the
methods below and no others (no `recv`, `makefile`, `fileno`, ...); a closed socket raises
OSError EBADF, an unconnected stream socket BrokenPipeError on send; at most
`Version.max_sockets` sockets are open at once. Errors carry the ESP-IDF (newlib) errno numbers.

The `etimedout` fault (adafruit/Adafruit_CircuitPython_Requests issue 209: POSTs from XIAO
ESP32S3 and C3 boards failing with ETIMEDOUT in recv_into, cured by a 20 ms pause before every
socket.send): bytes handed to `send` queue in lwIP's TCP send buffer, which drains at the link's
throughput only while the program is not sending. When the queue outgrows the buffer
(`Version.tcp_snd_buf`), the connection stalls with the fault's probability: the rest of the
request never reaches the server and the answer's `recv_into` times out. That trigger -- burst
size without a pause, not total size -- is the model's assumption, taken from the report.
"""

from __future__ import annotations

import socket as _host_socket
from typing import TYPE_CHECKING, Any

from sim import circuitpython as _hw
from sim.circuitpython import errnos as _errno
from sim.circuitpython.buffers import readable

if TYPE_CHECKING:
    from sim.device import Device
    from sim.network import Host

_STALL_BLOCK_S = 3600.0  # a stalled recv_into without a timeout: the watchdog comes first


class SocketPool:
    AF_INET = 2
    AF_INET6 = 10
    SOCK_STREAM = 1
    SOCK_DGRAM = 2
    SOCK_RAW = 3
    IPPROTO_IP = 0
    IPPROTO_ICMP = 1
    IPPROTO_TCP = 6
    IPPROTO_UDP = 17
    IPPROTO_IPV6 = 41
    IPPROTO_RAW = 255
    IP_MULTICAST_TTL = 5
    TCP_NODELAY = 1
    SOL_SOCKET = 0xFFF
    SO_REUSEADDR = 4
    EAI_NONAME = -2

    class gaierror(OSError):
        """Errors raised by getaddrinfo."""

    def __init__(self, radio) -> None:
        from sim.circuitpython import wifi

        # common-hal/socketpool/SocketPool.c: only the board's one radio
        if radio is not wifi.radio:
            raise ValueError("SocketPool can only be used with wifi.radio")
        self._radio = radio

    def socket(self, family: int = AF_INET, type: int = SOCK_STREAM, proto: int = IPPROTO_IP):
        if family not in (SocketPool.AF_INET, SocketPool.AF_INET6):
            raise NotImplementedError("Unsupported socket type")
        return Socket(type)

    def getaddrinfo(
        self, host: str, port: int, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0
    ):
        simulated = _hw.device().dns_lookup(host)
        if simulated is None:
            raise SocketPool.gaierror(SocketPool.EAI_NONAME, "Name or service not known")
        return [(SocketPool.AF_INET, type or SocketPool.SOCK_STREAM, proto, "", (simulated.virtual_ip, port))]


class Socket:
    """A board socket: the real one behind it is made when it connects or first sends."""

    def __init__(self, kind: int) -> None:
        self._kind = kind
        self._timeout: float | None = None
        self._real: _host_socket.socket | Any | None = None
        self._host: Host | None = None
        self._closed = False
        self._connected = False
        self._awaiting_reply = False
        self._queued = 0.0  # bytes in lwIP's send buffer (the etimedout fault)
        self._sent_at = 0.0  # true time the last send returned
        self._stalled = False
        board = _hw.device()
        # Only a run with the fault can stall: asked once here, not at every send.
        self._may_stall = "etimedout" in board.faults
        board.socket_opened(self)  # RuntimeError("Out of sockets") past the limit

    @property
    def type(self) -> int:
        return self._kind

    def settimeout(self, value) -> None:
        self._timeout = None if value is None else float(value)
        if self._real is not None:
            self._real.settimeout(self._timeout)

    def setblocking(self, flag: bool) -> None:
        self.settimeout(None if flag else 0)

    def setsockopt(self, level: int, optname: int, value) -> None:
        pass

    def _open(self, address) -> tuple[str, int]:
        board = _hw.device()
        host = self._host = board.route(address[0])
        kind = _host_socket.SOCK_DGRAM if self._kind == SocketPool.SOCK_DGRAM else _host_socket.SOCK_STREAM
        endpoint = host.endpoint  # the local cloud, reached in this thread (sim/cloud/inline.py)
        if endpoint is not None:
            self._real = endpoint.datagram() if kind == _host_socket.SOCK_DGRAM else endpoint.stream()
            self._real.settimeout(self._timeout if self._timeout is not None else 10)
            return ("127.0.0.1", host.port)
        real = self._real = _host_socket.socket(_host_socket.AF_INET, kind)
        if kind == _host_socket.SOCK_STREAM:
            # Virtual time is charged per byte; on the host, Nagle's algorithm with delayed ACKs
            # would only add 40 ms of real waiting to every request.
            real.setsockopt(_host_socket.IPPROTO_TCP, _host_socket.TCP_NODELAY, 1)
        real.settimeout(self._timeout if self._timeout is not None else 10)
        return ("127.0.0.1", host.port)

    def _peer(self) -> tuple[Any, Host]:
        """The real socket and the host behind it, made by connect or the first sendto."""
        assert self._real is not None and self._host is not None, "never connected: not modelled"
        return self._real, self._host

    def _check_open(self) -> None:
        if self._closed:
            raise _errno.board_error(_errno.EBADF, "EBADF")

    def connect(self, address) -> None:
        self._check_open()
        local = self._open(address)
        board = _hw.device()
        board.spend("tcp_connect", board.profile["wifi"]["rtt_s"], board.profile["wifi"]["idle_mA"])
        try:
            self._peer()[0].connect(local)
        except OSError as error:
            raise _errno.board_error(_errno.ECONNRESET, "ECONNRESET") from error
        self._connected = True

    def _stall(self, board: Device, size: int) -> bool:
        """Queue `size` bytes in the send buffer, drained since the last send; whether the
        connection stalls now (the etimedout fault)."""
        share = board.fault_share("etimedout")
        if self._stalled or not share:
            return self._stalled
        drained = (board.clock.true - self._sent_at) * board.profile["wifi"]["throughput_kBps"] * 1024
        self._queued = max(0.0, self._queued - drained) + size
        if self._queued > board.version.tcp_snd_buf and board.rng.random() < share:
            self._stalled = True
            board.event("socket_stall", host=self._peer()[1].name, queued=int(self._queued))
        return self._stalled

    def _sendable(self, data) -> memoryview:
        """Socket.c's send and sendall: EBADF when closed, EPIPE when not connected, then the
        buffer."""
        self._check_open()
        if not self._connected:
            raise BrokenPipeError(_errno.EPIPE, "EPIPE")
        return readable(data)

    def send(self, data) -> int:
        data = bytes(self._sendable(data))
        size = len(data)
        board = _hw.device()
        stalled = self._may_stall and self._stall(board, size)
        board.radio_send(self, size)
        if not stalled:
            try:
                self._real.sendall(data)  # type: ignore[union-attr]  # connected: it is there
            except ConnectionError as error:
                raise _errno.board_error(_errno.ECONNRESET, "ECONNRESET") from error
        self._sent_at = board.clock.true
        return size

    def sendall(self, data) -> None:
        data = self._sendable(data)
        while data:
            data = data[self.send(data) :]

    def sendto(self, data, address) -> int:
        self._check_open()
        data = bytes(readable(data))
        local = self._open(address) if self._real is None else ("127.0.0.1", self._peer()[1].port)
        _hw.device().radio_send(self, len(data))
        return self._peer()[0].sendto(data, local)

    def recv_into(self, buffer, bufsize: int = 0) -> int:
        self._check_open()
        size = len(buffer)
        if bufsize > size:
            raise ValueError("buffer too small for requested bytes")
        if 0 < bufsize < size:
            size = bufsize
        if size == 0:
            return 0
        board = _hw.device()
        if self._stalled:
            # The request never arrived whole: nothing comes back before the timeout.
            self._awaiting_reply = False
            board.spend(
                "radio_wait",
                _STALL_BLOCK_S if self._timeout is None else self._timeout,
                board.profile["wifi"]["idle_mA"],
            )
            raise _errno.board_error(_errno.ETIMEDOUT, "ETIMEDOUT")
        board.radio_wait(self)
        try:
            data = self._peer()[0].recv(size)
        except BlockingIOError as error:  # timeout 0: nothing there yet
            raise _errno.board_error(_errno.EAGAIN, "EAGAIN") from error
        except TimeoutError as error:
            raise _errno.board_error(_errno.ETIMEDOUT, "ETIMEDOUT") from error
        except ConnectionError as error:
            raise _errno.board_error(_errno.ECONNRESET, "ECONNRESET") from error
        got = len(data)
        buffer[:got] = data
        board.radio_receive(self, got)
        return got

    def recvfrom_into(self, buffer):
        size = self.recv_into(buffer)
        host = self._peer()[1]
        return size, (host.virtual_ip, host.port)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._connected = False
        if self._real is not None:
            self._real.close()
            self._real = None
        _hw.device().socket_closed(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
