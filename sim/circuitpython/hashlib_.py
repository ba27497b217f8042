"""hashlib as CircuitPython has it: `new(name, data=None)` only, and only the algorithms of the
selected release (shared-bindings/hashlib/__init__.c, shared-module/hashlib/__init__.c)."""

from __future__ import annotations

import hashlib as _host

from sim import circuitpython


class Hash:
    """shared-bindings/hashlib/Hash.c: update(), digest() and digest_size; no hexdigest()."""

    def __init__(self, name: str) -> None:
        self._hash = _host.new(name)

    @property
    def digest_size(self) -> int:
        return self._hash.digest_size

    def update(self, data) -> None:
        self._hash.update(memoryview(data))

    def digest(self) -> bytes:
        return self._hash.digest()


def new(name, data=None) -> Hash:
    if not isinstance(name, str):
        raise TypeError("can't convert %s to str" % type(name).__name__)
    if name not in circuitpython.device().version.hash_algorithms:
        raise ValueError("Unsupported hash algorithm")
    made = Hash(name)
    if data is not None:
        made.update(data)
    return made
