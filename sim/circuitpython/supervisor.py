"""`supervisor`: the runtime facts the firmware may ask about."""

from sim import circuitpython as _hw


class _Runtime:
    @property
    def usb_connected(self) -> bool:
        return _hw.device().usb

    @property
    def serial_connected(self) -> bool:
        return _hw.device().usb

    @property
    def serial_bytes_available(self) -> int:
        return 0

    @property
    def safe_mode_reason(self) -> str:
        reason = _hw.device().safe_mode
        return getattr(SafeModeReason, reason) if reason else SafeModeReason.NONE


runtime = _Runtime()


def reload() -> None:
    raise _hw.device().Reset("supervisor.reload")


TICKS_PERIOD = 1 << 29
TICKS_START = 0x1FFF0000  # 65.536 s before the wrap: shared-bindings/supervisor/__init__.c


def ticks_ms() -> int:
    """(ms since reset + 0x1fff0000) % 2**29, as every supported release: the count wraps 65.5 s
    after each reset, so code that forgets the wrap fails within the first minutes."""
    return (int(_hw.device().clock.monotonic * 1000) + TICKS_START) % TICKS_PERIOD


def get_previous_traceback():
    return _hw.device().previous_traceback


class SafeModeReason:
    """shared-bindings/supervisor/SafeModeReason.c (the ones the simulator produces)."""

    NONE = "SafeModeReason.NONE"
    BROWNOUT = "SafeModeReason.BROWNOUT"
