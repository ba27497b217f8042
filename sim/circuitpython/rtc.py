"""`rtc`: the real-time clock, kept across deep sleep, reset by a power loss."""

import calendar
import time as _host_time

from sim import circuitpython as _hw


class RTC:
    calibration = 0

    @property
    def datetime(self):
        return _host_time.gmtime(int(_hw.device().clock.rtc))

    @datetime.setter
    def datetime(self, value) -> None:
        _hw.device().set_rtc(calendar.timegm(tuple(value)[:6] + (0, 0, 0)))


_source = None


def set_time_source(source) -> None:
    global _source
    _source = source
