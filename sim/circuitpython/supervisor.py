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


def ticks_ms() -> int:
    return int(_hw.device().clock.monotonic * 1000) & ((1 << 29) - 1)


def get_previous_traceback():
    return _hw.device().previous_traceback


class SafeModeReason:
    """shared-bindings/supervisor/SafeModeReason.c (the ones the simulator produces)."""

    NONE = "SafeModeReason.NONE"
    BROWNOUT = "SafeModeReason.BROWNOUT"
