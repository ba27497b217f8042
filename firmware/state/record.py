"""The record codec shared by sleep memory, NVM and the durable record's copy on the card.

A record is a 12-byte header -- magic (4 bytes), layout version (u16), payload length (u16),
CRC32 of the payload (u32), little-endian -- followed by the payload, a JSON object. New fields
are added with defaults, so the layout has room to grow without a new version; a change of
meaning takes a new version, and a record of another version is reported and replaced.
"""

import binascii
import json
import struct

HEADER = "<4sHHI"
HEADER_SIZE = 12


class RecordError(ValueError):
    """A record that must not be trusted: empty, garbled or of another layout version."""

    def __init__(self, reason, empty=False):
        super().__init__(reason)
        self.empty = empty


def encode(magic: bytes, version: int, fields: dict) -> bytes:
    payload = json.dumps(fields).encode()
    return struct.pack(HEADER, magic, version, len(payload), binascii.crc32(payload)) + payload


def decode(memory: "bytes | bytearray", offset: int, size: int, magic: bytes, version: int) -> dict:
    """The fields of the record at memory[offset:offset + size], or RecordError saying why not."""
    head = bytes(memory[offset:offset + HEADER_SIZE])
    if len(head) < HEADER_SIZE:  # a file cut short
        raise RecordError("truncated" if head else "empty", not head)
    found, found_version, length, crc = struct.unpack(HEADER, head)
    if found != magic:
        blank = head in (bytes(HEADER_SIZE), b"\xff" * HEADER_SIZE)
        raise RecordError("empty" if blank else "no record (magic %r)" % found, blank)
    if found_version != version:
        raise RecordError("layout version %d, expected %d" % (found_version, version))
    if length > size - HEADER_SIZE:
        raise RecordError("length %d does not fit" % length)
    payload = bytes(memory[offset + HEADER_SIZE:offset + HEADER_SIZE + length])
    if binascii.crc32(payload) != crc:
        raise RecordError("CRC mismatch")
    try:
        fields = json.loads(payload)
    except (ValueError, RuntimeError):  # RuntimeError: nested deeper than the recursion limit
        raise RecordError("payload is not JSON")
    if not isinstance(fields, dict):
        raise RecordError("payload is not an object")
    return fields


def merged(defaults: dict, fields: dict) -> dict:
    """The defaults overlaid with the fields of a record whose types match them."""
    result = {}
    for key, default in defaults.items():
        value = fields.get(key, default)
        if default is not None and type(value) is not type(default):  # null too: seq + 1 must work
            if not (isinstance(default, float) and type(value) is int):  # 3 for 3.0, not false
                value = default
        if value is default and isinstance(default, (list, dict)):
            value = type(default)(default)  # never share a mutable default between states
        result[key] = value
    return result
