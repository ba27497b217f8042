"""`time` on the board: the RTC and the monotonic clock of the simulated device."""

import calendar
import time as _host_time

from sim import circuitpython as _hw

struct_time = _host_time.struct_time


def monotonic() -> float:
    return _hw.device().clock.monotonic


def monotonic_ns() -> int:
    return int(_hw.device().clock.monotonic * 1e9)


def time() -> int:
    return int(_hw.device().clock.rtc)


def time_ns() -> int:
    return int(_hw.device().clock.rtc * 1e9)


def localtime(secs=None) -> struct_time:
    """The board has no time zones: localtime is the RTC's own reading."""
    return _host_time.gmtime(time() if secs is None else int(secs))


def mktime(t) -> int:
    return calendar.timegm(tuple(t))


def sleep(seconds: float) -> None:
    board = _hw.device()
    board.spend("idle", float(seconds), board.awake_mA())


def __getattr__(name):
    """CPython's own code run inside a wake (datetime.strftime imports `time` lazily) still
    finds the rest of CPython's time module; the firmware is held to the board's API by mypy."""
    return getattr(_host_time, name)
