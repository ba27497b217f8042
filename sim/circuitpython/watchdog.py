"""`watchdog`: modes and the exception of the watchdog timer (the timer is
`microcontroller.watchdog`, sim/circuitpython/microcontroller.py)."""


class WatchDogMode:
    """An enum as on the board: `mode` takes its members (or None), nothing else."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return "watchdog.WatchDogMode.%s" % self.name

    __str__ = __repr__


WatchDogMode.RAISE = WatchDogMode("RAISE")  # type: ignore[attr-defined]
WatchDogMode.RESET = WatchDogMode("RESET")  # type: ignore[attr-defined]


class WatchDogTimeout(Exception):
    pass
