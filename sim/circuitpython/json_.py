"""`json` on the board: CPython's parser, and dumps writing floats as CircuitPython does.

py/objfloat.c `float_print` (9.2.8, 10.0.3, 10.1.0): with MICROPY_OBJ_REPR_C (every CircuitPython
build, py/circuitpy_mpconfig.h) a float prints with "%g" and 6 significant digits, and json
writes floats through it (extmod/modjson.c), so a persisted float keeps 6 digits.
"""

import json as _json
import math
from collections.abc import Iterable

_NESTED = (float, dict, list, tuple)  # what may hold a float


def _six_digits(value):
    """`value` with its floats as the board keeps them; a container without floats is
    returned as it is (json writes a tuple as a list), one with floats as a dict or list copy."""
    if isinstance(value, float):
        return value if not math.isfinite(value) else float("%.6g" % value)
    items: Iterable[tuple[object, object]]
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, (list, tuple)):
        items = enumerate(value)
    else:
        return value
    copy = None
    for key, item in items:
        if isinstance(item, _NESTED):
            six = _six_digits(item)
            if six is not item:
                if copy is None:
                    copy = dict(value) if isinstance(value, dict) else list(value)
                copy[key] = six
    return value if copy is None else copy


def dumps(obj, separators=None) -> str:
    return _json.dumps(_six_digits(obj), separators=separators)


def dump(obj, stream, separators=None) -> None:
    stream.write(dumps(obj, separators))


def loads(text):
    return _json.loads(text)


def load(stream):
    return _json.load(stream)
