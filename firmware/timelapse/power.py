"""Battery, watchdog and deep sleep: how every wake ends.

Whatever happened in the wake, `deep_sleep` is the last call; the watchdog resets a wake that
hangs past its budget. `battery_mode` decides what a wake may do near empty: WiFi transmits in
bursts of about 335 mA and the camera draws about 100 mA, and a LiPo near empty sags under
them below the board's brown-out level. A brown-out restarts CircuitPython in safe mode, where
safemode.py counts it (NVM) and resets the board; the next wake then raises its own floor.
"""

import time

import alarm
import microcontroller

from state import battery

WATCHDOG_MARGIN_S = 30
RETRY_S = 300         # when the next wake cannot be planned
LATE_S = 120          # a wake target this little in the past is taken at once, not skipped
BROWNOUT_MARGIN_V = 0.05  # above the voltage a brown-out happened at
RECHARGED_V = 0.15        # this far above every floor: a new or recharged battery


def arm_watchdog(budget_s: int) -> None:
    import watchdog

    dog = microcontroller.watchdog
    if dog is not None:
        dog.timeout = budget_s + WATCHDOG_MARGIN_S
        dog.mode = watchdog.WatchDogMode.RESET


def feed_watchdog() -> None:
    if microcontroller.watchdog is not None:
        microcontroller.watchdog.feed()


def battery_volts(settings: dict) -> float:
    """The battery voltage behind the [power] divider, or 0.0 when no pin is configured.
    A pin without ADC1 raises (cycle.run reports it)."""
    if not settings["battery_pin"]:
        return 0.0
    import analogio
    import board

    adc = analogio.AnalogIn(getattr(board, settings["battery_pin"]))
    try:
        return adc.value / 65535 * adc.reference_voltage * settings["divider"]
    finally:
        adc.deinit()


def battery_mode(durable: dict, settings: dict, volts: float) -> str:
    """"ok", "low" (no WiFi: no upload, no time sync) or "critical" (no camera either, long
    sleeps). The configured thresholds, raised by what brown-outs taught: one while WiFi was
    still allowed sets the WiFi floor, one below it (camera, card) the capture floor."""
    wifi_floor, capture_floor = battery.floors(durable, volts, BROWNOUT_MARGIN_V, RECHARGED_V)
    if not volts:
        return "ok"
    if volts < max(settings["critical_battery_v"], capture_floor):
        return "critical"
    if volts < max(settings["low_battery_v"], wifi_floor):
        return "low"
    return "ok"


def _alarms(wake_rtc, wake_pin):
    alarms: list = [alarm.time.TimeAlarm(epoch_time=wake_rtc)]
    if wake_pin:
        import board

        alarms.append(alarm.pin.PinAlarm(getattr(board, wake_pin), value=False, pull=True))
    return alarms


def deep_sleep(wake_utc: "int | None", wake_pin: "str | None" = None, hold: tuple = ()) -> None:
    """Sleep until the RTC reads `wake_utc`, and the wake pin if any; `hold` are DigitalInOuts
    kept as they are through the sleep (every other pin is reset, pulled up, when code.py ends).

    TimeAlarm(epoch_time=) counts in whole RTC seconds and refuses a time the RTC has passed
    ("Time is in the past."); a target missed by a little is taken at once (its slot is still
    within reach), one missed by more waits RETRY_S. A wake pin that cannot wake the board from
    deep sleep (RTC pins only) is dropped, never the sleep."""
    if microcontroller.watchdog is not None:
        microcontroller.watchdog.mode = None  # deep sleep stops it; USB's fake deep sleep would not
    for _ in range(3):
        now = time.time()
        if wake_utc is None or wake_utc <= now - LATE_S:
            wake_utc = now + RETRY_S
        wake_rtc = max(int(wake_utc), now + 1)
        try:
            alarms = _alarms(wake_rtc, wake_pin)
            alarm.exit_and_deep_sleep_until_alarms(*alarms, preserve_dios=hold)
        except (AttributeError, ValueError) as problem:
            # AttributeError: no such pin in this release's board
            if "past" not in str(problem):  # the pin alarm: sleep on the time alone
                print("[error] wake_pin: %s: %s (ignored)" % (wake_pin, problem))
                wake_pin = None
