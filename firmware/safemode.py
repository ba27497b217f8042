"""Runs only when CircuitPython starts in safe mode (before boot.py; CircuitPython 8.1 and later).

A brown-out (the battery sagged under a WiFi or camera peak) restarts CircuitPython in safe
mode, where code.py never runs and the board would wait awake for a key press until the battery
is flat. Here the brown-out is counted in NVM (the next wake raises its battery floors from it,
timelapse/power.py) and the board is reset, so the camera goes on. Kept tiny.
"""

import microcontroller
import supervisor

if supervisor.runtime.safe_mode_reason == supervisor.SafeModeReason.BROWNOUT:
    try:
        import alarm

        from state import battery
        from state.store import State

        state = State.load(alarm.sleep_memory, microcontroller.nvm)
        battery.browned_out(state.durable)
        state.save(alarm.sleep_memory, microcontroller.nvm)
    except Exception as failure:  # noqa: BLE001 - counting must never keep the board in safe mode
        print("safemode: %s: %s" % (type(failure).__name__, failure))
    microcontroller.reset()
