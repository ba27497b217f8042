"""`struct` as on the board (shared-module/struct/__init__.c): unpack() wants a buffer of exactly
the format's size and pack() exactly one value per field, where MicroPython's struct accepts a
longer buffer and packs missing values as zero."""

import _mp_struct

calcsize = _mp_struct.calcsize


def _items(fmt):
    count, number = 0, ""
    for char in fmt:
        if char in "0123456789":
            number += char
            continue
        if char in "<>!=@":
            continue
        if char == "s":
            count += 1
        elif char != "x":
            count += int(number) if number else 1
        number = ""
    return count


def pack(fmt, *values):
    if len(values) != _items(fmt):
        raise ValueError("values length must be %d" % _items(fmt))
    return _mp_struct.pack(fmt, *values)


def pack_into(fmt, buffer, offset, *values):
    if len(values) != _items(fmt):
        raise ValueError("values length must be %d" % _items(fmt))
    if offset + calcsize(fmt) > len(buffer):
        raise RuntimeError("Buffer too small")
    return _mp_struct.pack_into(fmt, buffer, offset, *values)


def unpack(fmt, data):
    if len(data) != calcsize(fmt):
        raise RuntimeError("buffer size must match format")
    return _mp_struct.unpack(fmt, data)


def unpack_from(fmt, data, offset=0):
    if offset < 0:
        offset += len(data)
    if offset + calcsize(fmt) > len(data):
        raise RuntimeError("buffer too small")
    return _mp_struct.unpack_from(fmt, data, offset)
