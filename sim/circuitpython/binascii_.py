"""`binascii` on the board: extmod/modbinascii.c with hexlify and unhexlify from py/objstr.c
(`mp_obj_bytes_hex`, `mp_obj_bytes_fromhex`) and crc32 from uzlib (CIRCUITPY_ZLIB on the S3).

Differences from CPython the fake keeps: no `binascii.Error` (errors are plain ValueError: an
`except binascii.Error` clause raises AttributeError on the board); unhexlify says `non-hex
digit` (10.x, which also skips whitespace between pairs) or `odd-length string` / `non-hex digit
found` (9.2.8); hexlify and unhexlify read any buffer, a str too; crc32 and b2a_base64 refuse a
str (`TypeError: a bytes-like object is required`); crc32 is unsigned.
"""

import binascii as _host
import zlib

from sim import circuitpython as _hw
from sim.circuitpython.buffers import readable


def _not_unicode(data) -> None:
    if isinstance(data, str):
        raise TypeError("a bytes-like object is required")


def hexlify(data, sep=None) -> bytes:
    raw = bytes(readable(data))
    if sep is None or not raw:
        return raw.hex().encode()
    if not isinstance(sep, (str, bytes)):
        raise TypeError("can't convert '%s' object to str implicitly" % type(sep).__name__)
    return raw.hex((sep if isinstance(sep, str) else sep.decode())[:1]).encode()


def _xdigit(byte: int) -> bool:
    return chr(byte) in "0123456789abcdefABCDEF"


def unhexlify(data) -> bytes:
    raw = bytes(readable(data))
    if _hw.device().version.key < (10,):  # 9.2.8's mp_obj_bytes_fromhex
        if len(raw) % 2:
            raise ValueError("odd-length string")
        if not all(_xdigit(b) for b in raw):
            raise ValueError("non-hex digit found")
        return bytes.fromhex(raw.decode())
    out = bytearray()
    index = 0
    while index < len(raw):
        first = raw[index]
        index += 1
        if chr(first) in " \t\n\r\v\f":
            continue  # unichar_isspace: whitespace between pairs
        if index >= len(raw) or not _xdigit(first) or not _xdigit(raw[index]):
            raise ValueError("non-hex digit")
        out.append(int(chr(first) + chr(raw[index]), 16))
        index += 1
    return bytes(out)


def crc32(data, crc=0) -> int:
    _not_unicode(data)
    if not isinstance(crc, int):
        raise TypeError("can't convert %s to int" % type(crc).__name__)
    return zlib.crc32(bytes(readable(data)), crc & 0xFFFFFFFF)


def b2a_base64(data, *, newline=True) -> bytes:
    _not_unicode(data)
    encoded = _host.b2a_base64(bytes(readable(data)), newline=False)
    return encoded + b"\n" if newline else encoded


def a2b_base64(data) -> bytes:
    try:
        return _host.a2b_base64(bytes(readable(data)))
    except _host.Error:
        raise ValueError("incorrect padding") from None
