"""`espidf`: the ESP-IDF errors CircuitPython raises (ports/espressif/common-hal/espidf/__init__.c)."""

import builtins


class IDFError(OSError):
    """raise_esp_error: an ESP-IDF error code without a more specific Python exception."""


class MemoryError(builtins.MemoryError):  # noqa: A001 - the board's name
    """ESP_ERR_NO_MEM."""
