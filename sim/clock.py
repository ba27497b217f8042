"""Virtual time of one device: true UTC time, the drifting RTC and the monotonic clock.

Nothing sleeps for real. Awake, the ESP32-S3 runs from its 40 MHz crystal and its clocks keep
true time; in deep sleep the RTC runs from the internal RC oscillator, which is off by
`drift_ppm` (a mean, a daily cycle of +-10 % of it that follows the board's temperature, and
noise). The temperature is what `microcontroller.cpu.temperature` reads: 20 C +- 8 C over the day,
warmest at 15:00 UTC, so a firmware can learn how much of the drift it explains.
"""

from __future__ import annotations

import math
import random

RTC_RESET_EPOCH = 946684800  # 2000-01-01T00:00:00, what the RTC reads after a power loss


def temperature_at(true_time: float) -> float:
    """The board's temperature (C): a daily cycle, warmest at 15:00 UTC."""
    return 20.0 + 8.0 * math.sin(2 * math.pi * ((true_time % 86400) / 86400 - 0.375))


class Clock:
    def __init__(self, start_utc: float, drift_ppm: float, seed: int, rtc_set: bool = True) -> None:
        self.true = float(start_utc)
        self.rtc = float(start_utc) if rtc_set else float(RTC_RESET_EPOCH)
        self.boot_true = self.true
        self.drift_ppm = drift_ppm
        self._noise = random.Random(seed ^ 0x5EED)

    def ppm_at(self, true_time: float) -> float:
        """Rate error of the RC oscillator: the mean, a daily cycle with the temperature, noise."""
        cycle = 0.10 * self.drift_ppm * (temperature_at(true_time) - 20.0) / 8.0
        noise = 0.02 * self.drift_ppm * self._noise.uniform(-1, 1)
        return self.drift_ppm + cycle + noise

    @property
    def monotonic(self) -> float:
        return self.true - self.boot_true

    def advance_awake(self, seconds: float) -> None:
        self.true += seconds
        self.rtc += seconds

    def sleep_until_rtc(self, rtc_target: float) -> float:
        """Deep sleep until the RTC reads `rtc_target`; returns the true seconds slept."""
        rtc_span = max(0.0, rtc_target - self.rtc)
        rate = 1.0 + self.ppm_at(self.true + rtc_span / 2) * 1e-6
        true_span = rtc_span / rate
        self.true += true_span
        self.rtc = max(self.rtc, rtc_target)
        return true_span

    def sleep_true(self, seconds: float) -> None:
        """Deep sleep for `seconds` of true time (cut short by a power cut, say)."""
        rate = 1.0 + self.ppm_at(self.true + seconds / 2) * 1e-6
        self.true += seconds
        self.rtc += seconds * rate

    def power_loss(self) -> None:
        self.rtc = float(RTC_RESET_EPOCH)

    def boot(self) -> None:
        self.boot_true = self.true
