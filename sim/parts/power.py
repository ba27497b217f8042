"""The board's power: charge spent awake and asleep, the battery, brown-outs and power cuts,
the watchdog, the RTC, and deep and light sleep with their alarms.

What survives what, as on the board: sleep memory survives deep sleep only; the RTC survives
deep sleep (drifting) and restarts at 2000-01-01 after a power loss.
"""

from __future__ import annotations

import math

from sim.clock import Clock
from sim.parts.pins import Pins
from sim.parts.state import SLEEP_MEMORY_BYTES

RTC_VALID_AFTER = 1735689600  # 2025-01-01: the firmware's own test of a set clock
_BURST_PHASES = ("wifi_connect", "dhcp", "radio_tx")  # the radio transmits in bursts


class DeepSleep(BaseException):
    """alarm.exit_and_deep_sleep_until_alarms: the wake is over. `rtc_target` is the RTC reading
    the TimeAlarm fires at (None: no time alarm)."""

    def __init__(self, alarm, rtc_target) -> None:
        super().__init__("deep sleep")
        self.alarm = alarm
        self.rtc_target = rtc_target


class Brownout(BaseException):
    """The battery sagged below the brown-out level under this phase's current: the chip resets."""


class Reset(BaseException):
    """microcontroller.reset() or supervisor.reload()."""


class PowerCut(BaseException):
    """The battery was disconnected: nothing after this instant happened."""


class RunOver(BaseException):
    """The simulated period ended while the board was awake (a firmware that never sleeps)."""


class WatchdogReset(BaseException):
    """The watchdog was not fed in time."""


def camera_sleep_mA(profile, sensor: str, state: str) -> float:
    """What the camera draws in deep sleep: the profile's figure for this sensor in this state;
    a state the profile has no figure for is charged as the worst figure it has."""
    table = profile["sleep"]["camera_mA"]
    if state == "off":
        return table["off"]
    figures = table.get(sensor, {})
    if state in figures:
        return figures[state]
    return max(v for per in table.values() if isinstance(per, dict) for v in per.values())


class Power(Pins):
    """Charge, battery, watchdog, RTC and sleep (part of Device)."""

    def awake_mA(self) -> float:
        return self.profile.cpu_mA

    def spend(self, phase: str, seconds: float, mA: float) -> None:
        """Charge `seconds` awake at `mA` to `phase`, cut short by a power cut, the watchdog or
        the end of the run."""
        # Called for every charge the board spends (some 11 000 a day): lean.
        if seconds > 0:
            if not self.usb:
                # WiFi transmits in bursts well above the phase's average current.
                peak = max(mA, self.profile["wifi"].get("peak_mA", mA)) if phase in _BURST_PHASES else mA
                if self.meter.running_mAs / 3600.0 >= self.battery.clear_below(peak) and self.sags(peak):
                    raise Brownout(phase)
        else:
            seconds = 0.0
        clock = self.clock
        now = clock.true
        if self.power_cuts or self.awake_cuts:
            by_time, by_awake = self._cuts_ahead()
            cut = min(by_time, by_awake)
        else:
            by_time = by_awake = cut = math.inf
        dog = self.watchdog_left()
        over = self.run_end - now
        stop = min(cut, dog, over)
        spent = seconds if seconds < stop else max(0.0, stop)
        self.meter.add(phase, spent, mA, now)
        if self.wake_records:
            self.wake_records[-1].charge_mAs += spent * mA
        clock.advance_awake(spent)
        self.awake_total += spent
        if stop >= seconds:
            return
        if stop == over:
            raise RunOver(phase)
        if cut <= dog:
            (self.power_cuts if by_time <= by_awake else self.awake_cuts).pop(0)
            raise PowerCut(phase)
        raise WatchdogReset(phase)

    def sags(self, mA: float) -> bool:
        """Whether the battery is empty or sags below the brown-out level at `mA` (asked only
        near it: `spend` tests the running total against Battery.clear_below first)."""
        drawn = self.meter.total_mAh
        return self.battery.left_mAh(drawn) <= 0 or self.battery.browns_out(drawn, mA)

    def stay_awake(self, phase: str, seconds: float, mA: float) -> bool:
        """Awake outside any wake (the REPL, safe mode) for `seconds`, or until the battery is
        empty (then True)."""
        left = self.battery.left_mAh(self.meter.total_mAh)
        empty = not self.usb and seconds * mA / 3600 >= left
        if empty:
            seconds = max(0.0, left * 3600 / mA)
        self.meter.add(phase, seconds, mA, self.clock.true)
        self.clock.advance_awake(seconds)
        return empty

    def seconds_to_cut(self) -> float:
        """Awake seconds until the next power cut: one at a true instant, or one placed in the
        board's awake time (so that cuts hit card writes, NVM writes and uploads, not only sleep)."""
        return min(self._cuts_ahead())

    def _cuts_ahead(self) -> tuple[float, float]:
        by_time = self.power_cuts[0] - self.clock.true if self.power_cuts else math.inf
        by_awake = self.awake_cuts[0] - self.awake_total if self.awake_cuts else math.inf
        return by_time, by_awake

    def charge_compile(self, size: int) -> None:
        """Compiling `size` bytes of source (the caller has just stat'ed the file)."""
        per_kB = self.profile["cpu"]["compile_s_per_kB"]
        self.spend("compile", size / 1024 * per_kB, self.awake_mA())

    def cpu_temperature(self) -> float:
        return self.clock.temperature()

    def set_rtc(self, epoch: float) -> None:
        self.clock.rtc = float(epoch)
        self._new_time_span(valid=epoch >= RTC_VALID_AFTER)

    def _new_time_span(self, valid: bool) -> None:
        self.time_spans[-1][1] = self.clock.true
        self.time_spans.append([self.clock.true, self.clock.true, valid])

    def true_time_spans(self) -> list[list]:
        """[start, end, valid] spans of true time, split at power losses and RTC settings."""
        self.time_spans[-1][1] = self.clock.true
        return [span for span in self.time_spans if span[1] > span[0]]

    # ---- watchdog ----------------------------------------------------------------------------

    def arm_watchdog(self, timeout: float, mode) -> None:
        if timeout <= 0:
            raise ValueError("watchdog timeout must be positive")
        self._watchdog = (timeout, self.clock.monotonic, str(mode))
        self._watchdog_due = self._due(self._watchdog)

    def disarm_watchdog(self) -> None:
        self._watchdog = None
        self._watchdog_due = math.inf

    def feed_watchdog(self) -> None:
        if self._watchdog:
            timeout, _, mode = self._watchdog
            self._watchdog = (timeout, self.clock.monotonic, mode)
            self._watchdog_due = self._due(self._watchdog)

    @staticmethod
    def _due(watchdog: tuple[float, float, str]) -> float:
        """The monotonic time at which the watchdog resets the board (never in mode RAISE):
        kept beside `_watchdog` because `spend` asks at every charge."""
        timeout, fed, mode = watchdog
        return fed + timeout if mode.endswith("RESET") else math.inf

    def watchdog_left(self) -> float:
        return self._watchdog_due - self.clock.monotonic

    def battery_volts(self) -> float:
        """At the pads, with the board awake (what the ADC sees)."""
        return self.battery.volts(self.meter.total_mAh, self.awake_mA())

    def pin_voltage(self, pin) -> float:
        """The battery sits behind a 1:2 divider on A0 (the shipped wiring); other pins read 0."""
        return self.battery_volts() / 2.0 if pin.gpio == 1 else 0.0

    def deep_sleep(self, time_alarm, held: dict, rtc_periph: bool) -> None:
        """alarm.exit_and_deep_sleep_until_alarms, its arguments already checked: the sleep
        time counts from now; `held` pins keep their state; pin alarms keep the RTC
        peripherals powered."""
        self.held_pins = dict(held)
        self.rtc_periph = rtc_periph
        raise DeepSleep(time_alarm, time_alarm.rtc_target() if time_alarm is not None else None)

    def light_sleep(self, alarms):
        targets = [a for a in alarms if hasattr(a, "rtc_target")]
        if targets:
            alarm = min(targets, key=lambda a: a.monotonic_time)
            self.spend("light_sleep", alarm.monotonic_time - self.clock.monotonic, 2.0)
            return alarm
        return None

    def sleep_mA(self) -> float:
        sleep = self.profile["sleep"]
        card = sleep["sd_card_mA"] if self.card.present else 0.0
        rtc_periph = sleep.get("rtc_periph_mA", 0.0) if self.rtc_periph else 0.0
        return (
            sleep["board_mA"]
            + card
            + rtc_periph
            + camera_sleep_mA(self.profile, self.camera.sensor, self.camera.sleep_state())
        )

    def sleep_until(self, rtc_target: float | None, end_true: float) -> str:
        """Deep sleep until the alarm (or the end of the run). Returns what ended it."""
        if self.usb:
            return self._fake_sleep(rtc_target, end_true)
        self.camera.enter_deep_sleep()
        mA = self.sleep_mA()
        start = self.clock.true
        if rtc_target is not None:
            projected = Clock.__new__(Clock)
            projected.__dict__.update(self.clock.__dict__)
            projected.sleep_until_rtc(rtc_target)
            wake_at = projected.true
        else:
            wake_at = math.inf
        empty_at = start + max(0.0, self.battery.left_mAh(self.meter.total_mAh)) * 3600 / mA
        stop = min(wake_at, end_true, self.power_cuts[0] if self.power_cuts else math.inf, empty_at)
        if rtc_target is not None and stop == wake_at:
            self.clock.__dict__.update(projected.__dict__)  # the sleep projected above
            ended = "alarm"
        else:
            self.clock.sleep_true(stop - start)
            ended = "end" if stop == end_true else "empty" if stop == empty_at else "power_cut"
            if ended == "power_cut":
                self.power_cuts.pop(0)
        self.meter.add("sleep", self.clock.true - start, mA, start)
        state = self.camera.sleep_state()
        self.sleep_by_camera[state] = self.sleep_by_camera.get(state, 0.0) + self.clock.true - start
        return ended

    def _fake_sleep(self, rtc_target: float | None, end_true: float) -> str:
        """With USB attached CircuitPython only pretends to deep sleep: the board stays awake
        (its crystal keeps time), keeps everything, and runs code.py again at the alarm."""
        start = self.clock.true
        wake_at = start + (rtc_target - self.clock.rtc) if rtc_target is not None else math.inf
        stop = min(wake_at, end_true)
        self.clock.advance_awake(max(0.0, stop - start))
        self.meter.add("usb_fake_sleep", self.clock.true - start, self.awake_mA(), start)
        self.faked_sleep = stop == wake_at
        return "alarm" if self.faked_sleep else "end"

    def brownout(self, phase: str) -> None:
        """The brown-out detector reset the chip (a system reset: RTC and sleep memory are lost,
        ESP32-S3 TRM, Reset and Clock); CircuitPython then starts in safe mode
        (ports/espressif/supervisor/port.c: ESP_RST_BROWNOUT -> SAFE_MODE_BROWNOUT)."""
        self.counters.brownouts += 1
        self.event("brownout", phase=phase, volts=round(self.battery.rest_volts(self.meter.total_mAh), 3))
        self.sleep_memory[:] = bytes(SLEEP_MEMORY_BYTES)
        self.clock.power_loss()
        self._new_time_span(valid=False)
        self.reset_reason = "BROWNOUT"
        self.safe_mode = "BROWNOUT"
        self.wake_alarm = None

    def power_loss(self, off_s: float = 5.0, phase: str = "sleep") -> None:
        """The battery is disconnected and reconnected: volatile state is gone. `phase` is
        what the board was doing."""
        self.counters.power_cuts += 1
        self.event("power_cut", phase=phase)
        for gpio in list(self.pin_levels):
            self._set_level(gpio, False)  # unpowered: every line falls
        self.held_pins = {}
        self.rtc_periph = False
        self.sleep_memory[:] = bytes(SLEEP_MEMORY_BYTES)
        self.clock.true += off_s
        self.clock.power_loss()
        self._new_time_span(valid=False)
        self.camera.power_loss()
        self.camera.enter_deep_sleep()  # a pin reset: the load switch (if fitted) is off
        self.reset_reason = "POWER_ON"
        self.wake_alarm = None
