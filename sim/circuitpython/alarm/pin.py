"""`alarm.pin.PinAlarm`: wake on a pin level (the BOOT button, say).

As ports/espressif/common-hal/alarm/pin/PinAlarm.c (9.2.8, 10.0.3, 10.1.0) for the ESP32-S3:
level only (no edge); from deep sleep the pins are woken through EXT0/EXT1, which only RTC IO
pads can do (GPIO0-GPIO21 on the S3), and the RTC peripheral power domain stays on for the
whole sleep (`esp_sleep_pd_config(ESP_PD_DOMAIN_RTC_PERIPH, ESP_PD_OPTION_ON)`), which is also
what keeps `pull=True` pulling. The checks that need all alarms at once run when the board is
put to sleep (`check_deep_sleep`), as on the board.
"""

RTC_GPIOS = range(0, 22)  # ESP32-S3: RTC_GPIO0..RTC_GPIO21 are GPIO0..GPIO21


class PinAlarm:
    def __init__(self, pin, value: bool, edge: bool = False, pull: bool = False) -> None:
        if edge:
            raise ValueError("Cannot wake on pin edge. Only level.")
        self.pin = pin
        self.value = bool(value)
        self.edge = False
        self.pull = bool(pull)


def check_deep_sleep(alarms) -> bool:
    """_setup_deep_sleep for the S2/S3: raises as the board does. Returns whether any pin alarm
    is set (then the RTC peripherals stay powered in deep sleep)."""
    pins = [a for a in alarms if isinstance(a, PinAlarm)]
    high = sum(1 for a in pins if a.value)
    low = len(pins) - high
    if low > 1 and high > 1:
        raise ValueError("Can only alarm on one low pin while others alarm high from deep sleep.")
    if any(a.pin.gpio not in RTC_GPIOS for a in pins):
        raise ValueError("Can only alarm on RTC IO from deep sleep.")
    return bool(pins)
