"""`math` on the board: CircuitPython's own module (shared-bindings/math/__init__.c, the same
file at 9.2.8, 10.0.3 and 10.1.0; MicroPython's py/modmath.c is off, MICROPY_PY_MATH 0).

What differs from CPython's, and what the fake therefore does:
- fewer names: MICROPY_PY_MATH_SPECIAL_FUNCTIONS is off at CircuitPython's ROM level, so no
  log2, log10, expm1, hyperbolics, erf, gamma, dist; no tau, inf, nan, isclose, factorial, fsum,
  gcd, hypot (AttributeError here as there);
- single-precision C functions on singles, results stored as 30-bit floats (`floats`);
- only sqrt (x < 0) and log (x <= 0, base <= 0 or 1) raise `ValueError: math domain error`;
  everything else returns what C's libm returns: asin(2) and sin(inf) are nan, exp(1000) and
  pow(0, -1) inf, fmod(1, 0) nan;
- ceil, floor, trunc return ints: `OverflowError: can't convert inf to int`, `ValueError:
  can't convert NaN to int`; ldexp takes a float exponent (truncated).
"""

import math as _m

from sim.circuitpython.floats import board_float, get_float, single

e = board_float(_m.e)
pi = board_float(_m.pi)
_PI = single(_m.pi)  # MP_PI, a float constant in radians() and degrees()


def _c(function, *args: float) -> float:
    """libm's answer where CPython's math raises instead (domain: nan; overflow: inf)."""
    try:
        return function(*args)
    except ValueError:
        return _m.nan
    except OverflowError:
        return _m.inf


def _one(function):
    def call(x):
        return board_float(_c(function, get_float(x)))

    call.__name__ = function.__name__
    return call


def _two(function):
    def call(x, y):
        return board_float(_c(function, get_float(x), get_float(y)))

    call.__name__ = function.__name__
    return call


def _domain_error() -> ValueError:
    return ValueError("math domain error")


def sqrt(x):
    value = get_float(x)
    if value < 0.0:
        raise _domain_error()
    return board_float(_m.sqrt(value))


def pow(x, y):  # noqa: A001 - the board's name
    base, power = get_float(x), get_float(y)
    if base == 0.0 and power < 0.0:
        odd = power == int(power) and int(power) % 2 == 1
        return _m.copysign(_m.inf, base) if odd else _m.inf
    try:
        return board_float(_m.pow(base, power))
    except ValueError:
        return _m.nan
    except OverflowError:
        odd = power == int(power) and int(power) % 2 == 1
        return -_m.inf if base < 0 and odd else _m.inf


def log(x, base=None):
    value = get_float(x)
    if value <= 0.0:
        raise _domain_error()
    natural = single(_m.log(value))
    if base is None:
        return board_float(natural)
    b = get_float(base)
    if b <= 0.0 or b == 1.0:
        raise _domain_error()
    return board_float(natural / single(_m.log(b)))


exp = _one(_m.exp)
cos = _one(_m.cos)
sin = _one(_m.sin)
tan = _one(_m.tan)
acos = _one(_m.acos)
asin = _one(_m.asin)
atan = _one(_m.atan)
atan2 = _two(_m.atan2)
copysign = _two(_m.copysign)
fabs = _one(_m.fabs)
fmod = _two(_m.fmod)


def _to_int(value: float) -> int:
    """mp_obj_new_int_from_float (py/objint.c)."""
    if _m.isinf(value):
        raise OverflowError("can't convert inf to int")
    if _m.isnan(value):
        raise ValueError("can't convert NaN to int")
    return int(value)


def _rounded(function, x) -> int:
    value = get_float(x)
    return _to_int(function(value) if _m.isfinite(value) else value)


def ceil(x):
    return _rounded(_m.ceil, x)


def floor(x):
    return _rounded(_m.floor, x)


def trunc(x):
    return _rounded(_m.trunc, x)


def frexp(x):
    mantissa, exponent = _m.frexp(get_float(x))
    return board_float(mantissa), exponent


def ldexp(x, exp):
    """ldexpf(float, int): the exponent is read as a float and truncated by C."""
    power = get_float(exp)
    return board_float(_c(_m.ldexp, get_float(x), int(power) if _m.isfinite(power) else 0))


def modf(x):
    fraction, whole = _m.modf(get_float(x))
    return board_float(fraction), board_float(whole)


def isfinite(x):
    return _m.isfinite(get_float(x))


def isinf(x):
    return _m.isinf(get_float(x))


def isnan(x):
    return _m.isnan(get_float(x))


def radians(x):
    return board_float(get_float(x) * single(_PI / 180.0))


def degrees(x):
    return board_float(get_float(x) * single(180.0 / _PI))
