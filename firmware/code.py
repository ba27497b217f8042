"""Entry point on the board: one wake cycle, then deep sleep (timelapse/cycle.py)."""

try:
    from timelapse import cycle

    cycle.main()
except Exception as failure:  # noqa: BLE001 - even a broken firmware file must not stay awake
    print("[error] boot: %s: %s" % (type(failure).__name__, failure))

# Only reached when the cycle could not run at all: sleep and try again in ten minutes.
import time

import alarm

alarm.exit_and_deep_sleep_until_alarms(alarm.time.TimeAlarm(monotonic_time=time.monotonic() + 600))
