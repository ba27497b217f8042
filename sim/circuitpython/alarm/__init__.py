"""`alarm`: sleep memory (survives deep sleep only), the wake alarm, deep sleep itself.

`exit_and_deep_sleep_until_alarms` checks what shared-bindings/alarm/__init__.c and
ports/espressif/common-hal/alarm/__init__.c check (9.2.8, 10.0.3, 10.1.0): only alarms, at most
one TimeAlarm, pin alarms on RTC IO only; `preserve_dios` holds DigitalInOuts through deep sleep
(every other pin is reset, pulled up, when code.py ends). The sleep time is counted from this
call (`alarm_time_timealarm_set_alarms`).
"""

from sim import circuitpython as _hw

from . import pin, time  # noqa: F401  (alarm.time and alarm.pin are attributes on the board)


class _SleepMemory:
    """shared-bindings/alarm/SleepMemory.c: the same checks as microcontroller.nvm (exact buffer
    types, equal lengths, single bytes, 0-255, step 1; `del` refused)."""

    def __len__(self) -> int:
        return len(_hw.device().sleep_memory)

    def __bool__(self) -> bool:
        return True

    def __getitem__(self, index):
        from sim.circuitpython.microcontroller import byte_array_read

        return byte_array_read(_hw.device().sleep_memory, index)

    def __setitem__(self, index, value) -> None:
        from sim.circuitpython.microcontroller import byte_array_assignment

        memory = _hw.device().sleep_memory
        start, data = byte_array_assignment(index, value, len(memory))
        memory[start : start + len(data)] = data

    def __delitem__(self, index) -> None:
        raise TypeError("'SleepMemory' object doesn't support item deletion")


sleep_memory = _SleepMemory()


def __getattr__(name):
    if name == "wake_alarm":
        return _hw.device().wake_alarm
    raise AttributeError(name)


def _validate(alarms) -> None:
    for each in alarms:
        if not isinstance(each, (pin.PinAlarm, time.TimeAlarm)):
            raise TypeError("Expected a kind of Alarm")


def exit_and_deep_sleep_until_alarms(*alarms, preserve_dios=()) -> None:
    from sim.circuitpython import digitalio

    _validate(alarms)
    dios = [preserve_dios[i] for i in range(len(preserve_dios))]
    for dio in dios:
        if not isinstance(dio, digitalio.DigitalInOut):
            raise TypeError("alarm must be of type DigitalInOut, not %s" % type(dio).__name__)
    board = _hw.device()
    held = {dio.pin.gpio: dio.held_state() for dio in dios if not dio.deinited()}
    rtc_periph = pin.check_deep_sleep(alarms)
    timers = [a for a in alarms if isinstance(a, time.TimeAlarm)]
    if len(timers) > 1:
        raise ValueError("Only one alarm.time alarm can be set.")
    board.deep_sleep(timers[0] if timers else None, held, rtc_periph)


def light_sleep_until_alarms(*alarms):
    if not alarms:
        return None
    _validate(alarms)
    return _hw.device().light_sleep(alarms)
