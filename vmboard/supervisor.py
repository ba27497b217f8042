"""`supervisor`: the runtime facts the firmware may ask about, ticks_ms, reload."""

import _board


class _Runtime:
    @property
    def usb_connected(self):
        return _board.S["usb"]

    @property
    def serial_connected(self):
        return _board.S["usb"]

    @property
    def serial_bytes_available(self):
        return 0


runtime = _Runtime()


def reload():
    raise _board.Reset("supervisor.reload")


def ticks_ms():
    """Milliseconds since the reset plus 0x1fff0000, modulo 2**29: it wraps 65.5 s after each
    reset (shared-bindings/supervisor/__init__.c)."""
    return (int(_board.monotonic_s() * 1000) + 0x1FFF0000) % (1 << 29)


def get_previous_traceback():
    return None
