"""`ipaddress` on the board: IPv4 addresses only.

shared-bindings/ipaddress/IPv4Address.c (9.2.8, 10.0.3, 10.1.0): an int (the address as a
little-endian uint32), a str in dotted form (else `ValueError: Not a valid IP string`), or a
4-byte buffer (else `ValueError: Address must be 4 bytes long`).
"""


def _parse(text: str) -> bytes:
    parts = text.split(".")
    if len(parts) != 4 or not all(p.isdigit() and p.isascii() and int(p) <= 255 for p in parts):
        raise ValueError("Not a valid IP string")
    return bytes(int(p) for p in parts)


class IPv4Address:
    def __init__(self, address) -> None:
        if isinstance(address, int):
            packed = (address & 0xFFFFFFFF).to_bytes(4, "little")
        elif isinstance(address, str):
            packed = _parse(address)
        elif isinstance(address, (bytes, bytearray, memoryview)):
            if len(address) != 4:
                raise ValueError("Address must be 4 bytes long")
            packed = bytes(address)
        else:
            # The board builds it from no buffer at all (undefined); refuse it plainly.
            raise TypeError("address must be an int, a str or 4 bytes, not %s" % type(address).__name__)
        self._packed = packed
        self._text = ".".join(str(b) for b in packed)

    @property
    def packed(self) -> bytes:
        return self._packed

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
