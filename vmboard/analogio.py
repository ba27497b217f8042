"""`analogio`: the ADC; A0 reads the battery behind the board's 1:2 divider (the host's value)."""

import _board


class AnalogIn:
    reference_voltage = 3.3

    def __init__(self, pin):
        self.pin = pin

    @property
    def value(self):
        volts = _board.S["battery_v"] / 2.0 if self.pin.gpio == 1 else 0.0
        return max(0, min(65535, int(volts / self.reference_voltage * 65535)))

    def deinit(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass
