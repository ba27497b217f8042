"""CircuitPython's built-in modules, as the firmware sees them under the simulator.

During a wake these modules are put into `sys.modules` under their bare names (`alarm`, `time`,
`wifi`, ...) and removed afterwards, so CPython's own modules are untouched outside a wake.
Each reads the board it belongs to from `current`, set by `sim.device.Device` for the wake.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.device import Device

current: Device | None = None  # the board that is awake

# bare name on the board -> module here
MODULES = {
    "alarm": "alarm",
    "alarm.time": "alarm.time",
    "alarm.pin": "alarm.pin",
    "analogio": "analogio",
    "binascii": "binascii_",
    "board": "board",
    "busio": "busio",
    "digitalio": "digitalio",
    "espcamera": "espcamera",
    "errno": "errno_",
    "espidf": "espidf",
    "hashlib": "hashlib_",
    "ipaddress": "ipaddress_",
    "json": "json_",
    "math": "math_",
    "microcontroller": "microcontroller",
    "os": "os_",
    "rtc": "rtc",
    "sdcardio": "sdcardio",
    "socketpool": "socketpool",
    "ssl": "ssl_",
    "storage": "storage",
    "supervisor": "supervisor",
    "time": "time_",
    "watchdog": "watchdog",
    "wifi": "wifi",
}


_FULL_NAMES = {bare: f"{__name__}.{here}" for bare, here in MODULES.items()}


def modules() -> dict:
    """The board's built-in modules by their bare names (imported at the first call)."""
    loaded = sys.modules
    return {bare: loaded.get(full) or importlib.import_module(full) for bare, full in _FULL_NAMES.items()}


def device() -> Device:
    if current is None:
        raise RuntimeError("no simulated board is awake")
    return current
