"""`time` on the board: the RTC and the monotonic clock of the simulated device.

localtime and mktime follow shared-bindings/time/__init__.c (9.2.8, 10.0.3, 10.1.0).
"""

import calendar
import time as _host_time

from sim import circuitpython as _hw

struct_time = _host_time.struct_time


def monotonic() -> float:
    return _hw.device().clock.monotonic


def monotonic_ns() -> int:
    """shared-module/time/__init__.c (9.2.8, 10.0.3, 10.1.0): an int of nanoseconds from the
    port's raw ticks (1/1024 s) and subticks (1/32768 s; ports/espressif/supervisor/port.c
    `port_get_raw_ticks`), so it moves in steps of about 30.5 us."""
    subticks = int(_hw.device().clock.monotonic * 32768)
    ticks, sub = divmod(subticks, 32)
    return 976562 * ticks + ticks // 2 + 30518 * sub


def time() -> int:
    return int(_hw.device().clock.rtc)


def time_ns() -> int:
    return int(_hw.device().clock.rtc * 1e9)


EPOCH_2000 = 946684800  # TIMEUTILS_SECONDS_1970_TO_2000


def _struct(secs: int) -> struct_time:
    t = _host_time.gmtime(secs)
    return struct_time(tuple(t)[:8] + (-1,))  # tm_isdst is not supported: -1


def struct_time_fields(value) -> tuple:
    """struct_time_to_tm: a tuple (a struct_time is one) of exactly nine items, the first eight
    ints or bools (mp_obj_get_int: a float is `TypeError: can't convert float to int`); the
    ninth, tm_isdst, is not read (returned as -1)."""
    from sim.circuitpython.microcontroller import _int

    if not isinstance(value, tuple):
        raise TypeError("value must be of type struct_time, not %s" % type(value).__name__)
    if len(value) != 9:
        raise TypeError("function takes 9 positional arguments but %d were given" % len(value))
    return tuple(_int(v) for v in tuple(value)[:8]) + (-1,)


def localtime(secs=None) -> struct_time:
    """The RTC's reading (no time zones on the board), or `secs` as a struct_time; before 2000
    OverflowError, as shared-bindings/time/__init__.c (MICROPY_EPOCH_IS_1970)."""
    if secs is None:
        return _struct(time())
    secs = int(secs)  # a float is truncated (mp_obj_new_int_from_float)
    if secs < EPOCH_2000:
        raise OverflowError("timestamp out of range for platform time_t")
    return _struct(secs)


def mktime(t) -> int:
    """timeutils_mktime: out-of-range fields are normalised; a year before 2000 is refused."""
    year, month, mday, hour, minute, second = struct_time_fields(t)[:6]
    if year < 2000:
        raise OverflowError("tm_year out of range")
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    days = calendar.timegm((year, month, 1, 0, 0, 0, 0, 0, 0)) // 86400 + mday - 1
    return days * 86400 + hour * 3600 + minute * 60 + second


def sleep(seconds) -> None:
    """shared-bindings/time/__init__.c `time_sleep` (9.2.8, 10.0.3, 10.1.0): a number (else
    `TypeError: can't convert str to float`), made whole milliseconds as `(int)(1000 * s + 0.5)`
    in single precision (C truncates toward zero, so down to -1.5 ms still sleeps 0), below 0
    `ValueError: seconds must be >= 0`; mp_hal_delay_ms then waits whole 1/32768 s subticks."""
    from sim.circuitpython.floats import get_float, single

    milliseconds = int(single(single(1000.0 * get_float(seconds)) + 0.5))
    if milliseconds < 0:
        raise ValueError("seconds must be >= 0")
    board = _hw.device()
    board.spend("idle", (milliseconds * 32768 // 1000) / 32768, board.awake_mA())


def __getattr__(name):
    """CPython's own code run inside a wake (datetime.strftime imports `time` lazily) still
    finds the rest of CPython's time module; the firmware is held to the board's API by mypy."""
    return getattr(_host_time, name)
