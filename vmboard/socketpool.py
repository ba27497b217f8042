"""`socketpool`: the board's sockets, carried by the host driver's scripted network (sim/vm.py):
each call says what happened on the air (data, a refusal, a timeout) and how long it took.
Errors are those of sim/circuitpython/socketpool.py: OSError with ETIMEDOUT or ECONNRESET."""

import errno

import _board

_ERRORS = {"timeout": errno.ETIMEDOUT, "reset": errno.ECONNRESET, "unreachable": errno.EHOSTUNREACH}


def _fail(kind):
    raise OSError(_ERRORS.get(kind, errno.EIO))


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

    def __init__(self, radio):
        self.radio = radio

    def socket(self, family=AF_INET, type=SOCK_STREAM, proto=IPPROTO_IP):
        return Socket(type)

    def getaddrinfo(self, host, port, family=0, type=0, proto=0, flags=0):
        answer = _board.call("dns", host=host)
        if answer.get("error") == "unreachable":
            _fail("unreachable")
        if not answer.get("ip"):
            raise SocketPool.gaierror(SocketPool.EAI_NONAME, "Name or service not known")
        return [(SocketPool.AF_INET, type or SocketPool.SOCK_STREAM, proto, "", (answer["ip"], port))]


class Socket:
    def __init__(self, kind):
        self.kind = kind
        self.timeout = None
        self.id = None

    def settimeout(self, value):
        self.timeout = value

    def setblocking(self, flag):
        self.timeout = None if flag else 0

    def setsockopt(self, level, optname, value):
        pass

    def _net(self, op, **args):
        answer = _board.call(op, sock=self.id, timeout=self.timeout, **args)
        if answer.get("error"):
            _fail(answer["error"])
        return answer

    def connect(self, address, tls_host=None):
        self.id = _board.call("open", kind=self.kind)["sock"]
        self._net("connect", host=address[0], port=address[1], tls=tls_host)

    def send(self, data):
        _board.put(data)
        self._net("send")
        return len(data)

    def sendall(self, data):
        self.send(data)

    def sendto(self, data, address):
        if self.id is None:
            self.id = _board.call("open", kind=self.kind)["sock"]
        _board.put(data)
        self._net("sendto", host=address[0], port=address[1])
        return len(data)

    def recv_into(self, buffer, bufsize=0):
        size = bufsize or len(buffer)
        count = self._net("recv", size=size)["count"]
        return _board.take_into(buffer, count) if count else 0

    def recvfrom_into(self, buffer, bufsize=0):
        count = self.recv_into(buffer, bufsize)
        return count, ("0.0.0.0", 0)

    def close(self):
        if self.id is not None:
            _board.call("close", sock=self.id)
            self.id = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
