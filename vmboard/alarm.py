"""`alarm`: sleep memory (survives deep sleep only), the wake alarm, deep sleep itself.

`alarm.time` and `alarm.pin` are classes standing in for the submodules (the VM's import hook
registers them as modules): the hook cannot load a package's relative imports.

alarm.time.TimeAlarm is built as shared-bindings/alarm/time/TimeAlarm.c does: exactly one of
monotonic_time or epoch_time; epoch_time an int, turned into a monotonic time by the RTC's whole
seconds; a time before now is refused with "Time is in the past.".
"""

import _board


def _single(value):
    import _mp_struct

    return _mp_struct.unpack("<f", _mp_struct.pack("<f", value))[0]


def _single(value):
    import _mp_struct

    return _mp_struct.unpack("<f", _mp_struct.pack("<f", value))[0]


class TimeAlarm:
    def __init__(self, *, monotonic_time=None, epoch_time=None):
        if (monotonic_time is None) == (epoch_time is None):
            raise ValueError("Supply one of monotonic_time or epoch_time")
        now = _single(int(_board.monotonic_s() * 1000) / 1000.0)
        if epoch_time is not None:
            if not isinstance(epoch_time, int):
                raise TypeError("can't convert %s to int" % type(epoch_time).__name__)
            monotonic_time = now + (epoch_time - int(_board.rtc_s()))
        else:
            monotonic_time = float(monotonic_time)
        if monotonic_time < now:
            raise ValueError("Time is in the past.")
        self._target = monotonic_time

    @property
    def monotonic_time(self):
        return _board.float30(self._target)

    @classmethod
    def _woke(cls):
        return cls(monotonic_time=_board.monotonic_s())


class PinAlarm:
    def __init__(self, pin, value, edge=False, pull=False):
        self.pin = pin
        self.value = value
        self.edge = edge
        self.pull = pull


class time:  # noqa: N801 - the submodule alarm.time
    TimeAlarm = TimeAlarm


class pin:  # noqa: N801 - the submodule alarm.pin
    PinAlarm = PinAlarm


sleep_memory = _board.sleep_memory
wake_alarm = TimeAlarm._woke() if _board.S["wake_alarm"] else None


def exit_and_deep_sleep_until_alarms(*alarms, preserve_dios=()):
    raise _board.DeepSleep(alarms)


def light_sleep_until_alarms(*alarms):
    targets = [a for a in alarms if hasattr(a, "monotonic_time")]
    if not targets:
        return None
    first = min(targets, key=lambda a: a._target)
    _board.spend(max(0.0, first._target - _board.monotonic_s()))
    return first
