"""`ipaddress` on the board: IPv4 addresses only."""


class IPv4Address:
    def __init__(self, address) -> None:
        if isinstance(address, IPv4Address):
            address = str(address)
        parts = str(address).split(".")
        if len(parts) != 4 or not all(p.isdigit() and 0 <= int(p) <= 255 for p in parts):
            raise ValueError("Not a valid IP address")
        self._text = ".".join(str(int(p)) for p in parts)

    @property
    def packed(self) -> bytes:
        return bytes(int(p) for p in self._text.split("."))

    @property
    def version(self) -> int:
        return 4

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return "IPv4Address('%s')" % self._text

    def __eq__(self, other) -> bool:
        return isinstance(other, IPv4Address) and other._text == self._text

    def __hash__(self) -> int:
        return hash(self._text)


def ip_address(obj) -> IPv4Address:
    return IPv4Address(obj)
