"""`alarm`: sleep memory (survives deep sleep only), the wake alarm, deep sleep itself."""

from sim import circuitpython as _hw

from . import pin, time  # noqa: F401  (alarm.time and alarm.pin are attributes on the board)


class _SleepMemory:
    def __len__(self) -> int:
        return len(_hw.device().sleep_memory)

    def __bool__(self) -> bool:
        return True

    def __getitem__(self, index):
        return _hw.device().sleep_memory[index]

    def __setitem__(self, index, value) -> None:
        memory = _hw.device().sleep_memory
        before = len(memory)
        memory[index] = value
        if len(memory) != before:
            raise ValueError("Slice and value different lengths.")


sleep_memory = _SleepMemory()


def __getattr__(name):
    if name == "wake_alarm":
        return _hw.device().wake_alarm
    raise AttributeError(name)


def exit_and_deep_sleep_until_alarms(*alarms, preserve_dios=()) -> None:
    _hw.device().deep_sleep(alarms)


def light_sleep_until_alarms(*alarms):
    return _hw.device().light_sleep(alarms)
