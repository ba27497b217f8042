"""`socketpool`: sockets of the board, carried over real loopback sockets.

DNS answers with the virtual address of a simulated host; connecting to that address (or to the
host name, as CircuitPython's TLS sockets do) reaches the host's local server. Time on the air is
charged to the board by `sim.device.Device`.
"""

import socket as _host_socket

from sim import circuitpython as _hw


class SocketPool:
    AF_INET = 2
    AF_INET6 = 10
    SOCK_STREAM = 1
    SOCK_DGRAM = 2
    SOCK_RAW = 3
    IPPROTO_IP = 0
    IPPROTO_TCP = 6
    IPPROTO_UDP = 17
    TCP_NODELAY = 1
    SOL_SOCKET = 0xFFF
    SO_REUSEADDR = 4
    EAI_NONAME = -2

    class gaierror(OSError):
        pass

    def __init__(self, radio) -> None:
        self.radio = radio

    def socket(self, family: int = AF_INET, type: int = SOCK_STREAM, proto: int = IPPROTO_IP):
        return Socket(self, type)

    def getaddrinfo(self, host: str, port: int, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0):
        simulated = _hw.device().dns_lookup(host)
        if simulated is None:
            raise SocketPool.gaierror(SocketPool.EAI_NONAME, "Name or service not known")
        return [(SocketPool.AF_INET, type or SocketPool.SOCK_STREAM, proto, "", (simulated.virtual_ip, port))]


class Socket:
    """A board socket: the real one behind it is made when it connects or first sends."""

    def __init__(self, pool: SocketPool, kind: int) -> None:
        self.pool = pool
        self.kind = kind
        self.timeout = None
        self.real = None
        self.host = None
        self.awaiting_reply = False

    def settimeout(self, value) -> None:
        self.timeout = value
        if self.real is not None:
            self.real.settimeout(value)

    def setblocking(self, flag: bool) -> None:
        self.settimeout(None if flag else 0)

    def setsockopt(self, level: int, optname: int, value: int) -> None:
        pass

    def _open(self, address):
        board = _hw.device()
        self.host = board.route(address[0])
        kind = _host_socket.SOCK_DGRAM if self.kind == SocketPool.SOCK_DGRAM else _host_socket.SOCK_STREAM
        self.real = _host_socket.socket(_host_socket.AF_INET, kind)
        if kind == _host_socket.SOCK_STREAM:
            # Virtual time is charged per byte; on the host, Nagle's algorithm with delayed ACKs
            # would only add 40 ms of real waiting to every request.
            self.real.setsockopt(_host_socket.IPPROTO_TCP, _host_socket.TCP_NODELAY, 1)
        self.real.settimeout(self.timeout if self.timeout is not None else 10)
        return ("127.0.0.1", self.host.port)

    def connect(self, address) -> None:
        local = self._open(address)
        board = _hw.device()
        board.spend("tcp_connect", board.profile["wifi"]["rtt_s"], board.profile["wifi"]["idle_mA"])
        try:
            self.real.connect(local)
        except OSError as error:
            raise OSError(104, "ECONNRESET") from error

    def send(self, data) -> int:
        data = bytes(data)
        _hw.device().radio_send(self, len(data))
        return self.real.send(data)

    def sendall(self, data) -> None:
        data = bytes(data)
        _hw.device().radio_send(self, len(data))
        self.real.sendall(data)

    def sendto(self, data, address) -> int:
        if self.real is None:
            local = self._open(address)
        else:
            local = ("127.0.0.1", self.host.port)
        data = bytes(data)
        _hw.device().radio_send(self, len(data))
        return self.real.sendto(data, local)

    def recv_into(self, buffer, bufsize: int = 0) -> int:
        size = bufsize or len(buffer)
        _hw.device().radio_wait(self)
        try:
            data = self.real.recv(size)
        except _host_socket.timeout as error:
            raise OSError(116, "ETIMEDOUT") from error
        except ConnectionError as error:
            raise OSError(104, "ECONNRESET") from error
        buffer[: len(data)] = data
        _hw.device().radio_receive(self, len(data))
        return len(data)

    def recvfrom_into(self, buffer):
        size = self.recv_into(buffer)
        return size, (self.host.virtual_ip, self.host.port)

    def close(self) -> None:
        if self.real is not None:
            self.real.close()
            self.real = None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
