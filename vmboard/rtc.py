"""`rtc`: the real-time clock, kept across deep sleep, reset by a power loss."""

import time

import _board


class RTC:
    calibration = 0

    @property
    def datetime(self):
        return time.localtime()

    @datetime.setter
    def datetime(self, value):
        _board.set_rtc(time.mktime(value))


def set_time_source(source):
    pass
