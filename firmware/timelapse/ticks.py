"""Durations in milliseconds from supervisor.ticks_ms(), not time.monotonic().

time.monotonic() is a 30-bit float on the board (uint64_to_float(ticks) / 1000 in
shared-bindings/time/__init__.c): after 70 minutes of uptime it no longer holds milliseconds,
after 24 days not even seconds, and phase timings read 0 ms. That uptime is reached with USB
attached, where deep sleep is only pretended and nothing resets the clock. ticks_ms() is an
integer that wraps at 2**29 ms (6.2 days); a difference modulo that period is exact for any
duration shorter than it.
"""

import supervisor

PERIOD = 1 << 29


def now() -> int:
    return supervisor.ticks_ms()


def since(start: int) -> int:
    """Milliseconds from `start` (a now() reading) to now."""
    return (supervisor.ticks_ms() - start) & (PERIOD - 1)
