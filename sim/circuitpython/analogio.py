"""`analogio`: the ADC. The battery pin reads the battery voltage behind the board's divider.

As shared-bindings/analogio/AnalogIn.c and ports/espressif/common-hal/analogio/AnalogIn.c
(9.2.8, 10.0.3, 10.1.0): the pin must be a `Pin` with an ADC channel (on the ESP32-S3 GPIO1-10
are ADC1, GPIO11-20 ADC2: ports/espressif/peripherals/esp32s3/pins.c), else `ValueError:
Invalid pin`; `value` is the calibrated reading in whole millivolts scaled as
mV * 65535 / 3300 (a uint16); `reference_voltage` is 3.3; after `deinit` both raise. ADC2 is
shared with WiFi, which has priority: while the radio is started every ADC2 read fails, and
common-hal raises `espidf.IDFError: Operation timed out` (ESP_ERR_TIMEOUT from
adc_oneshot_read, raise_esp_error).
"""

from sim import circuitpython as _hw
from sim.circuitpython import espidf
from sim.circuitpython.digitalio import DEINITED
from sim.circuitpython.microcontroller import Pin

ADC1 = range(1, 11)  # GPIO1-10
ADC2 = range(11, 21)  # GPIO11-20


class AnalogIn:
    def __init__(self, pin) -> None:
        if not isinstance(pin, Pin):
            raise TypeError("pin must be of type Pin, not %s" % type(pin).__name__)
        if pin.gpio not in ADC1 and pin.gpio not in ADC2:
            raise ValueError("Invalid pin")
        self.pin: Pin | None = pin

    def _check(self) -> Pin:
        if self.pin is None:
            raise ValueError(DEINITED)
        return self.pin

    @property
    def value(self) -> int:
        pin = self._check()
        board = _hw.device()
        if pin.gpio in ADC2 and board.radio.enabled:
            raise espidf.IDFError("Operation timed out")
        millivolts = max(0, int(board.pin_voltage(pin) * 1000))
        return (millivolts * 65535 // 3300) & 0xFFFF

    @property
    def reference_voltage(self) -> float:
        self._check()
        return 3.3

    def deinit(self) -> None:
        self.pin = None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.deinit()
