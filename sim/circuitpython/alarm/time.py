"""`alarm.time.TimeAlarm`: wake at a monotonic time or at an RTC (epoch) time.

As shared-bindings/alarm/time/TimeAlarm.c (9.2.8, 10.0.3, 10.1.0): an epoch time is turned into
a monotonic one when the alarm is made, in whole RTC seconds (the RTC is read as a struct_time,
which has no fraction), so the board wakes up to a second after the RTC reads `epoch_time`; a
time before the RTC's whole second raises ValueError("Time is in the past.").
"""

from sim import circuitpython as _hw


def _monotonic_ms_s(board) -> float:
    """common_hal_time_monotonic_ms() / 1000.0: monotonic time in whole milliseconds."""
    return int(board.clock.monotonic * 1000) / 1000.0


class TimeAlarm:
    def __init__(self, *, monotonic_time=None, epoch_time=None) -> None:
        if (monotonic_time is None) == (epoch_time is None):
            raise ValueError("Supply one of monotonic_time or epoch_time")
        board = _hw.device()
        now = _monotonic_ms_s(board)
        if monotonic_time is not None:
            target = float(monotonic_time)
        else:
            # mp_obj_int_get_checked: an int (a float is not converted on the board).
            if not isinstance(epoch_time, int) or isinstance(epoch_time, bool):
                raise TypeError("can't convert %s to int" % type(epoch_time).__name__)
            target = now + (epoch_time - int(board.clock.rtc))
        if target < now:
            raise ValueError("Time is in the past.")
        self.monotonic_time = target

    def rtc_target(self) -> float:
        """The RTC reading at which this alarm fires, counted from now."""
        clock = _hw.device().clock
        return clock.rtc + max(0.0, self.monotonic_time - clock.monotonic)
