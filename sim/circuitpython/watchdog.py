"""`watchdog`: modes and the exception of the watchdog timer (the timer is
`microcontroller.watchdog`, sim/circuitpython/microcontroller.py)."""

from __future__ import annotations

from typing import ClassVar


class WatchDogMode:
    """An enum as on the board: `mode` takes its members (or None), nothing else."""

    RAISE: ClassVar[WatchDogMode]
    RESET: ClassVar[WatchDogMode]

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return "watchdog.WatchDogMode.%s" % self.name

    __str__ = __repr__


WatchDogMode.RAISE = WatchDogMode("RAISE")
WatchDogMode.RESET = WatchDogMode("RESET")


class WatchDogTimeout(Exception):
    pass
