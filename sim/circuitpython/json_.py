"""`json` on the board: CPython's parser, and dumps writing floats as CircuitPython does.

py/objfloat.c `float_print` (9.2.8, 10.0.3, 10.1.0): with MICROPY_OBJ_REPR_C (every CircuitPython
build, py/circuitpy_mpconfig.h) a float prints with "%g" and 6 significant digits, and json
writes floats through it (extmod/modjson.c), so a persisted float keeps 6 digits.
"""

import json as _json
import math


def _six_digits(value):
    if isinstance(value, float):
        return value if not math.isfinite(value) else float("%.6g" % value)
    if isinstance(value, dict):
        return {key: _six_digits(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_six_digits(item) for item in value]
    return value


def dumps(obj, separators=None) -> str:
    return _json.dumps(_six_digits(obj), separators=separators)


def dump(obj, stream, separators=None) -> None:
    stream.write(dumps(obj, separators))


def loads(text):
    return _json.loads(text)


def load(stream):
    return _json.load(stream)
