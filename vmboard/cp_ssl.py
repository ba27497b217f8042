"""`ssl` on the board: TLS sockets whose handshake the host driver charges (and may refuse, as
a certificate the board does not trust); the bytes are not encrypted in the VM."""



class SSLContext:
    def __init__(self):
        self.check_hostname = True

    def load_verify_locations(self, cafile=None, capath=None, cadata=None):
        pass

    def set_default_verify_paths(self):
        pass

    def load_cert_chain(self, certfile, keyfile):
        raise NotImplementedError("client certificates are not modelled")

    def wrap_socket(self, sock, server_side=False, server_hostname=None):
        return SSLSocket(sock, server_hostname)


class SSLSocket:
    def __init__(self, sock, server_hostname):
        self.sock = sock
        self.server_hostname = server_hostname

    def settimeout(self, value):
        self.sock.settimeout(value)

    def setblocking(self, flag):
        self.sock.setblocking(flag)

    def connect(self, address):
        self.sock.connect(address, tls_host=self.server_hostname or address[0])

    def send(self, data):
        return self.sock.send(data)

    def sendall(self, data):
        self.sock.sendall(data)

    def recv_into(self, buffer, bufsize=0):
        return self.sock.recv_into(buffer, bufsize)

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def create_default_context():
    return SSLContext()
