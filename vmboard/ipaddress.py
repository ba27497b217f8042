"""`ipaddress` on the board: IPv4 addresses only (as sim/circuitpython/ipaddress_.py)."""


class IPv4Address:
    def __init__(self, address):
        if isinstance(address, IPv4Address):
            address = str(address)
        parts = str(address).split(".")
        if len(parts) != 4 or not all(p.isdigit() and 0 <= int(p) <= 255 for p in parts):
            raise ValueError("Not a valid IP address")
        self._text = ".".join(str(int(p)) for p in parts)

    @property
    def packed(self):
        return bytes(int(p) for p in self._text.split("."))

    @property
    def version(self):
        return 4

    def __str__(self):
        return self._text

    def __repr__(self):
        return "IPv4Address('%s')" % self._text

    def __eq__(self, other):
        return isinstance(other, IPv4Address) and other._text == self._text

    def __hash__(self):
        return hash(self._text)


def ip_address(obj):
    return IPv4Address(obj)
