"""`hashlib` as on the board: new(name, data=None) only, the release's algorithms only
(shared-bindings/hashlib/__init__.c; shared-module/hashlib/__init__.c: "sha1" until 10.1.0 added
"sha256"). MicroPython's has sha256() constructors and no sha1 in this VM build."""

import _board
import _mp_hashlib

ALGORITHMS = ("sha1", "sha256") if _board.release() >= (10, 1) else ("sha1",)


class Hash:
    """update(), digest(), digest_size; no hexdigest() (shared-bindings/hashlib/Hash.c)."""

    def __init__(self, name):
        if name == "sha1":
            raise NotImplementedError("this VM build has no sha1 (the board has it)")
        self._hash = _mp_hashlib.sha256()
        self._digest = None
        self.digest_size = 32

    def update(self, data):
        self._hash.update(data)

    def digest(self):
        # MicroPython's hash objects end at digest(); CircuitPython's may be asked again.
        if self._digest is None:
            self._digest = self._hash.digest()
        return self._digest


def new(name, data=None):
    if not isinstance(name, str):
        raise TypeError("can't convert %s to str" % type(name).__name__)
    if name not in ALGORITHMS:
        raise ValueError("Unsupported hash algorithm")
    made = Hash(name)
    if data is not None:
        made.update(data)
    return made
