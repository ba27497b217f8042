"""`ssl` on the board: TLS with certificate verification, trusting the simulator's local CA the
way CircuitPython trusts its built-in root bundle. Handshakes are real (CPython's ssl, TLS 1.2 as
the board's mbedTLS: sim/network.py) and each is charged to the board's power meter as a full one.

What the board's binding allows (shared-bindings/ssl/SSLContext.c and SSLSocket.c,
shared-module/ssl/SSLSocket.c, the same at 9.2.8, 10.0.3 and 10.1.0): `wrap_socket` takes
`server_side` and `server_hostname` by keyword only and SOCK_STREAM sockets only;
`load_verify_locations` takes `cadata` alone (cafile and capath are not implemented); an
SSLSocket has `send` and `recv_into` but no `sendall` or `recv`, and `send` takes at most one TLS
record of plaintext per call (mbedtls_ssl_write with CONFIG_MBEDTLS_SSL_OUT_CONTENT_LEN=2048 in
ports/espressif/esp-idf-config/sdkconfig.defaults).
"""

import ssl as _host_ssl

from sim import circuitpython as _hw
from sim.circuitpython import errnos as _errno
from sim.circuitpython.buffers import readable

_OUT_CONTENT_LEN = 2048  # CONFIG_MBEDTLS_SSL_OUT_CONTENT_LEN: the most one send() takes
_SOCK_STREAM = 1


class SSLContext:
    def __init__(self) -> None:
        self._extra_ca: str | None = None
        self._check_hostname = True

    @property
    def check_hostname(self) -> bool:
        return self._check_hostname

    @check_hostname.setter
    def check_hostname(self, value) -> None:
        self._check_hostname = bool(value)

    def load_verify_locations(self, cafile=None, capath=None, cadata=None) -> None:
        if cafile is not None:
            raise NotImplementedError("cafile")
        if capath is not None:
            raise NotImplementedError("capath")
        if not isinstance(cadata, str):
            raise TypeError(f"can't convert '{type(cadata).__name__}' object to str implicitly")
        self._extra_ca = cadata

    def set_default_verify_paths(self) -> None:
        self._extra_ca = None

    def load_cert_chain(self, certfile, keyfile=None) -> None:
        raise NotImplementedError("client certificates are not simulated")

    def wrap_socket(self, sock, *, server_side: bool = False, server_hostname=None):
        if server_side and server_hostname is not None:
            raise ValueError("Server side context cannot have hostname")
        if sock.type != _SOCK_STREAM:
            raise RuntimeError("Invalid socket for TLS")
        return _SSLSocket(self, sock, server_hostname)


class _SSLSocket:
    """ssl.SSLSocket (the board's ssl module does not export the class)."""

    def __init__(self, context: SSLContext, sock, server_hostname) -> None:
        self._context = context
        self._sock = sock
        self._server_hostname = server_hostname
        self._closed = False

    def settimeout(self, value) -> None:
        self._sock.settimeout(value)

    def setblocking(self, flag: bool) -> None:
        self._sock.setblocking(flag)

    def setsockopt(self, level: int, optname: int, value) -> None:
        self._sock.setsockopt(level, optname, value)

    def connect(self, address) -> None:
        board = _hw.device()
        self._sock.connect(address)
        host_context = board.network.client_context(self._context._extra_ca)
        board.tls_handshake_begin()
        try:
            real = self._sock._real
            if hasattr(real, "start_tls"):  # the local cloud in this thread (sim/cloud/inline.py)
                real.start_tls(host_context, self._server_hostname)
            else:
                self._sock._real = host_context.wrap_socket(real, server_hostname=self._server_hostname)
        except _host_ssl.SSLCertVerificationError as error:
            board.record_tls_failure(self._server_hostname, error.verify_message)
            raise OSError(-0x2700, "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED") from error
        except (OSError, _host_ssl.SSLError) as error:
            raise _errno.board_error(_errno.ECONNRESET, "ECONNRESET") from error

    def _check_open(self) -> None:
        if self._closed:
            raise _errno.board_error(_errno.EBADF, "EBADF")

    def send(self, data) -> int:
        self._check_open()
        return self._sock.send(readable(data)[:_OUT_CONTENT_LEN])

    def recv_into(self, buffer, bufsize: int = 0) -> int:
        self._check_open()
        return self._sock.recv_into(buffer, bufsize)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def create_default_context() -> SSLContext:
    return SSLContext()
