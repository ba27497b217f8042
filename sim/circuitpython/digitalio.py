"""`digitalio`: GPIOs. The device records the marker pin's edges and the BOOT button's level."""

from sim import circuitpython as _hw


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
        self.direction = Direction.INPUT
        self.pull = None
        self._value = False

    def switch_to_output(self, value: bool = False, drive_mode=DriveMode.PUSH_PULL) -> None:
        self.direction = Direction.OUTPUT
        self.value = value

    def switch_to_input(self, pull=None) -> None:
        self.direction = Direction.INPUT
        self.pull = pull

    @property
    def value(self) -> bool:
        if self.direction == Direction.INPUT:
            return _hw.device().pin_level(self.pin, self.pull)
        return self._value

    @value.setter
    def value(self, value: bool) -> None:
        self._value = bool(value)
        _hw.device().pin_output(self.pin, self._value)

    def deinit(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.deinit()
