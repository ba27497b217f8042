"""Battery, watchdog and deep sleep: how every wake ends.

Whatever happened in the wake, `deep_sleep` is the last call; the watchdog resets a wake that
hangs past its budget.
"""

import time

import alarm
import microcontroller

WATCHDOG_MARGIN_S = 30
RETRY_S = 300  # when the next wake cannot be planned


def arm_watchdog(budget_s):
    import watchdog

    dog = microcontroller.watchdog
    if dog is not None:
        dog.timeout = budget_s + WATCHDOG_MARGIN_S
        dog.mode = watchdog.WatchDogMode.RESET


def feed_watchdog():
    if microcontroller.watchdog is not None:
        microcontroller.watchdog.feed()


def battery_volts(settings):
    """The battery voltage behind the [power] divider, or 0.0 when no pin is configured."""
    if not settings["battery_pin"]:
        return 0.0
    import analogio
    import board

    adc = analogio.AnalogIn(getattr(board, settings["battery_pin"]))
    try:
        return adc.value / 65535 * adc.reference_voltage * settings["divider"]
    finally:
        adc.deinit()


def deep_sleep(wake_utc, wake_pin=None):
    """Sleep until the RTC reads `wake_utc` (or RETRY_S from now), and the wake pin if any."""
    if microcontroller.watchdog is not None:
        microcontroller.watchdog.mode = None  # deep sleep stops it; USB's fake deep sleep would not
    now = time.time()
    if wake_utc is None or wake_utc <= now:
        wake_utc = now + RETRY_S
    alarms: list = [alarm.time.TimeAlarm(epoch_time=int(wake_utc))]
    if wake_pin:
        import board

        alarms.append(alarm.pin.PinAlarm(getattr(board, wake_pin), value=False, pull=True))
    alarm.exit_and_deep_sleep_until_alarms(*alarms)
