"""`rtc`: the real-time clock, kept across deep sleep, reset by a power loss."""

import calendar
import time as _host_time

from sim import circuitpython as _hw


class RTC:
    """ports/espressif/common-hal/rtc/RTC.c: whole seconds since 2000; no calibration."""

    @property
    def calibration(self) -> int:
        return 0

    @calibration.setter
    def calibration(self, value) -> None:
        raise NotImplementedError("calibration")

    @property
    def datetime(self):
        return _host_time.gmtime(int(_hw.device().clock.rtc))

    @datetime.setter
    def datetime(self, value) -> None:
        from sim.circuitpython.time_ import struct_time_fields

        fields = struct_time_fields(value)
        _hw.device().set_rtc(calendar.timegm(fields[:6] + (0, 0, 0)))


_source = None


def set_time_source(source) -> None:
    global _source
    _source = source
