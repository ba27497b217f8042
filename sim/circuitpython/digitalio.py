"""`digitalio`: GPIOs. The device records output edges (the marker pin) and the BOOT button's level.

As shared-bindings/digitalio/DigitalInOut.c (9.2.8, 10.0.3, 10.1.0): a value cannot be set on an
input, pull is not used on an output, a deinitialised object refuses everything. When code.py
ends every pin is reset (input, pulled up: ports/espressif/common-hal/microcontroller/Pin.c
`reset_all_pins`) except those passed to `alarm.exit_and_deep_sleep_until_alarms(...,
preserve_dios=...)`, which keep their state through deep sleep (`held_state`).
"""

from sim import circuitpython as _hw

DEINITED = "Object has been deinitialized and can no longer be used. Create a new object."


class Direction:
    INPUT = "INPUT"
    OUTPUT = "OUTPUT"


class Pull:
    UP = "UP"
    DOWN = "DOWN"


class DriveMode:
    PUSH_PULL = "PUSH_PULL"
    OPEN_DRAIN = "OPEN_DRAIN"


class DigitalInOut:
    def __init__(self, pin) -> None:
        self.pin = pin
        self._direction = Direction.INPUT
        self._pull = None
        self._value = False
        self._deinited = False

    def _check(self) -> None:
        if self._deinited:
            raise ValueError(DEINITED)

    def deinited(self) -> bool:
        return self._deinited

    def held_state(self) -> tuple:
        """What deep sleep keeps of this pin: an output's level or an input's pull."""
        if self._direction == Direction.OUTPUT:
            return ("out", self._value)
        return ("in", self._pull)

    def switch_to_output(self, value: bool = False, drive_mode=DriveMode.PUSH_PULL) -> None:
        self._check()
        self._direction = Direction.OUTPUT
        self.value = value

    def switch_to_input(self, pull=None) -> None:
        self._check()
        self._direction = Direction.INPUT
        self._pull = pull

    @property
    def direction(self):
        self._check()
        return self._direction

    @direction.setter
    def direction(self, value) -> None:
        if value == Direction.OUTPUT:
            self.switch_to_output()
        else:
            self.switch_to_input()

    @property
    def pull(self):
        self._check()
        if self._direction == Direction.OUTPUT:
            raise AttributeError("Pull not used when direction is output.")
        return self._pull

    @pull.setter
    def pull(self, value) -> None:
        self._check()
        if self._direction == Direction.OUTPUT:
            raise AttributeError("Pull not used when direction is output.")
        self._pull = value

    @property
    def value(self) -> bool:
        self._check()
        if self._direction == Direction.INPUT:
            return _hw.device().pin_level(self.pin, self._pull)
        return self._value

    @value.setter
    def value(self, value: bool) -> None:
        self._check()
        if self._direction == Direction.INPUT:
            raise AttributeError("Cannot set value when direction is input.")
        self._value = bool(value)
        _hw.device().pin_output(self.pin, self._value)

    def deinit(self) -> None:
        if not self._deinited and _hw.current is not None:
            _hw.device().pin_reset(self.pin)
        self._deinited = True

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.deinit()
