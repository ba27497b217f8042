"""Virtual time of one device: true UTC time, the drifting RTC and the monotonic clock.

Nothing sleeps for real. Awake, the ESP32-S3 runs from its 40 MHz crystal and its clocks keep
true time; in deep sleep the RTC runs from the internal RC oscillator, which is off by
`drift_ppm` on average, more when the board is warm, less when cold, and wandering a little
(sim/thermal.py: the outdoor enclosure's temperature, which `microcontroller.cpu.temperature`
reads, and the oscillator's rate against it). A sleep integrates that rate over its whole span,
so a sleep across the night runs at the night's rate, which the two end-point readings miss.
"""

from __future__ import annotations

from sim.thermal import Thermal

RTC_RESET_EPOCH = 946684800  # 2000-01-01T00:00:00, what the RTC reads after a power loss


class Clock:
    def __init__(
        self,
        start_utc: float,
        drift_ppm: float,
        seed: int,
        rtc_set: bool = True,
        site: tuple[float, float] = (52.37, 4.90),
    ) -> None:
        self.true = float(start_utc)
        self.rtc = float(start_utc) if rtc_set else float(RTC_RESET_EPOCH)
        self.boot_true = self.true
        self.drift_ppm = drift_ppm
        self.thermal = Thermal(seed, *site)

    def temperature(self) -> float:
        """The board's temperature now (C)."""
        return self.thermal.temperature(self.true)

    def ppm_at(self, true_time: float) -> float:
        """Rate error of the RC oscillator at an instant."""
        return self.thermal.ppm(self.drift_ppm, true_time)

    @property
    def monotonic(self) -> float:
        return self.true - self.boot_true

    def advance_awake(self, seconds: float) -> None:
        self.true += seconds
        self.rtc += seconds

    def sleep_until_rtc(self, rtc_target: float) -> float:
        """Deep sleep until the RTC reads `rtc_target`; returns the true seconds slept."""
        rtc_span = max(0.0, rtc_target - self.rtc)
        guess = rtc_span / (1.0 + self.drift_ppm * 1e-6)
        true_span = rtc_span / (1.0 + self.thermal.mean_ppm(self.drift_ppm, self.true, guess) * 1e-6)
        self.true += true_span
        self.rtc = max(self.rtc, rtc_target)
        return true_span

    def sleep_true(self, seconds: float) -> None:
        """Deep sleep for `seconds` of true time (cut short by a power cut, say)."""
        rate = 1.0 + self.thermal.mean_ppm(self.drift_ppm, self.true, seconds) * 1e-6
        self.true += seconds
        self.rtc += seconds * rate

    def power_loss(self) -> None:
        self.rtc = float(RTC_RESET_EPOCH)

    def boot(self) -> None:
        self.boot_true = self.true
