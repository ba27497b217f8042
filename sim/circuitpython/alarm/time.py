"""`alarm.time.TimeAlarm`: wake at a monotonic time or at an RTC (epoch) time."""

from sim import circuitpython as _hw


class TimeAlarm:
    def __init__(self, *, monotonic_time=None, epoch_time=None) -> None:
        if (monotonic_time is None) == (epoch_time is None):
            raise ValueError("Supply exactly one of monotonic_time or epoch_time")
        clock = _hw.device().clock
        if epoch_time is not None:
            monotonic_time = clock.monotonic + (epoch_time - clock.rtc)
        self.monotonic_time = float(monotonic_time)

    def rtc_target(self) -> float:
        clock = _hw.device().clock
        return clock.rtc + (self.monotonic_time - clock.monotonic)
