"""`time` as on the board: the RTC (whole seconds) and time.monotonic() as a CircuitPython float.

MicroPython's unix `time` has no monotonic(); CircuitPython's returns the milliseconds since the
reset as a 30-bit float (shared-bindings/time/__init__.c: uint64_to_float(ticks_ms) / 1000):
after 2**22 ms it no longer holds milliseconds, after 2**21 s (24 days) not even seconds."""

import _board
import _mp_struct

_struct = _mp_struct


def _single(value):
    return _struct.unpack("<f", _struct.pack("<f", value))[0]


def monotonic():
    ms = int(_board.monotonic_s() * 1000)
    return _board.float30(_single(_single(ms) / 1000.0))


def monotonic_ns():
    """shared-module/time/__init__.c: ticks of 1/1024 s and subticks of 1/32768 s, in ns."""
    ticks, sub = divmod(int(_board.monotonic_s() * 32768), 32)
    return 976562 * ticks + ticks // 2 + 30518 * sub


def time():
    return int(_board.rtc_s())


def time_ns():
    return int(_board.rtc_s() * 1000) * 1000000


def sleep(seconds):
    """shared-bindings/time/__init__.c time_sleep: whole ms as (int)(1000 * s + 0.5) in single
    precision, below 0 "seconds must be >= 0"; mp_hal_delay_ms waits whole 1/32768 s."""
    if not isinstance(seconds, (int, float)):
        raise TypeError("can't convert %s to float" % type(seconds).__name__)
    value = _board.float30(_single(seconds)) if isinstance(seconds, float) else _single(seconds)
    ms = int(_single(_single(1000.0 * value) + 0.5))
    if ms < 0:
        raise ValueError("seconds must be >= 0")
    _board.spend((ms * 32768 // 1000) / 32768)


class struct_time:
    """A 9-sequence with the tm_* names, as shared-bindings/time/__init__.c builds it
    (MicroPython cannot subclass tuple with __new__)."""

    _NAMES = ("tm_year", "tm_mon", "tm_mday", "tm_hour", "tm_min", "tm_sec", "tm_wday",
              "tm_yday", "tm_isdst")

    def __init__(self, values):
        values = tuple(values)
        if len(values) != 9:
            raise TypeError("time.struct_time() takes a 9-sequence")
        self._values = values

    def __getitem__(self, index):
        return self._values[index]

    def __len__(self):
        return 9

    def __iter__(self):
        return iter(self._values)

    def __eq__(self, other):
        return tuple(self) == tuple(other)

    def __getattr__(self, name):
        if name in self._NAMES:
            return self._values[self._NAMES.index(name)]
        raise AttributeError(name)

    def __repr__(self):
        return "struct_time(%r)" % (self._values,)


def _days_from_civil(year, month, day):
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


def localtime(secs=None):
    """The board has no time zones: the RTC's own reading."""
    secs = time() if secs is None else int(secs)
    days, rest = divmod(secs, 86400)
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + (3 if mp < 10 else -9)
    year = yoe + era * 400 + (month <= 2)
    yday = days - _days_from_civil(year, 1, 1) + 1
    return struct_time((year, month, day, rest // 3600, rest // 60 % 60, rest % 60,
                        (days + 3) % 7, yday, -1))


def mktime(t):
    return _days_from_civil(t[0], t[1], t[2]) * 86400 + t[3] * 3600 + t[4] * 60 + t[5]
