"""Floats as CircuitPython keeps them: IEEE singles (MICROPY_FLOAT_IMPL_FLOAT) stored with the
two lowest mantissa bits dropped (py/obj.h, MICROPY_OBJ_REPR_C; 9.2.8, 10.0.3, 10.1.0).
vmboard/_board.py `float30` is the VM harness's twin (the VM cannot import sim/)."""

import math
import struct


def single(value: float) -> float:
    """`value` rounded to an IEEE single, as C's (float) cast: too large is infinite."""
    try:
        return struct.unpack("<f", struct.pack("<f", value))[0]
    except OverflowError:
        return math.copysign(math.inf, value)


def board_float(value: float) -> float:
    """mp_obj_new_float: a single with its two lowest mantissa bits cleared."""
    bits = struct.unpack("<I", struct.pack("<f", single(value)))[0]
    if (bits >> 23) & 0xFF == 0xFF:
        return single(value)  # inf and nan stay as they are
    return struct.unpack("<f", struct.pack("<I", bits & ~3))[0]


def get_float(value) -> float:
    """mp_obj_get_float: a float object as the board stores it, an int or bool as (float) of it;
    anything else `TypeError: can't convert str to float` (py/obj.c)."""
    if isinstance(value, float):
        return board_float(value)
    if isinstance(value, int):  # bool too
        return single(float(value)) if abs(value) < 2**128 else math.copysign(math.inf, value)
    raise TypeError("can't convert %s to float" % type(value).__name__)
