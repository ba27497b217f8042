"""`ssl` on the board: TLS with certificate verification, trusting the simulator's local CA the
way CircuitPython trusts its built-in root bundle. Handshakes are real (CPython's ssl over the
loopback socket) and charged to the board's power meter."""

import ssl as _host_ssl

from sim import circuitpython as _hw
from sim.circuitpython.socketpool import Socket


class SSLContext:
    def __init__(self) -> None:
        self._extra_ca = None
        self.check_hostname = True

    def load_verify_locations(self, cafile=None, capath=None, cadata=None) -> None:
        self._extra_ca = cadata

    def set_default_verify_paths(self) -> None:
        self._extra_ca = None

    def load_cert_chain(self, certfile, keyfile) -> None:
        raise NotImplementedError("client certificates are not simulated")

    def wrap_socket(self, sock: Socket, server_side: bool = False, server_hostname=None):
        return SSLSocket(self, sock, server_hostname)


class SSLSocket:
    def __init__(self, context: SSLContext, sock: Socket, server_hostname) -> None:
        self.context = context
        self.sock = sock
        self.server_hostname = server_hostname

    def settimeout(self, value) -> None:
        self.sock.settimeout(value)

    def setblocking(self, flag: bool) -> None:
        self.sock.setblocking(flag)

    def connect(self, address) -> None:
        board = _hw.device()
        self.sock.connect(address)
        host_context = board.network.client_context(self.context._extra_ca)
        board.tls_handshake_begin()
        try:
            self.sock.real = host_context.wrap_socket(self.sock.real, server_hostname=self.server_hostname)
        except _host_ssl.SSLCertVerificationError as error:
            board.record_tls_failure(self.server_hostname, error.verify_message)
            raise OSError(-0x2700, "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED") from error
        except (OSError, _host_ssl.SSLError) as error:
            raise OSError(104, "ECONNRESET") from error

    def send(self, data) -> int:
        return self.sock.send(data)

    def sendall(self, data) -> None:
        self.sock.sendall(data)

    def recv_into(self, buffer, bufsize: int = 0) -> int:
        return self.sock.recv_into(buffer, bufsize)

    def close(self) -> None:
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def create_default_context() -> SSLContext:
    return SSLContext()
