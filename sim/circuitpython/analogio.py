"""`analogio`: the ADC. The battery pin reads the battery voltage behind the board's divider."""

from sim import circuitpython as _hw


class AnalogIn:
    reference_voltage = 3.3

    def __init__(self, pin) -> None:
        self.pin = pin

    @property
    def value(self) -> int:
        volts = _hw.device().pin_voltage(self.pin)
        return max(0, min(65535, int(volts / self.reference_voltage * 65535)))

    def deinit(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass
