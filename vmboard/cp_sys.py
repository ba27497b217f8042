"""`sys` as CircuitPython reports itself: `sys.implementation.name` is "circuitpython" (the
Adafruit libraries import host-only typing modules otherwise). The rest is MicroPython's own sys,
the same objects (path, modules, stdout)."""

import _board
import _mp_sys


class _Implementation:
    name = "circuitpython"
    version = tuple(int(part) for part in _board.S["version"].split(".")) + ("",)
    _machine = "Seeed Studio XIAO ESP32S3 Sense with ESP32S3"
    _mpy = _mp_sys.implementation._mpy


implementation = _Implementation()
platform = "Espressif"
path = _mp_sys.path
modules = _mp_sys.modules
argv = []
byteorder = _mp_sys.byteorder
maxsize = _mp_sys.maxsize
stdin = _mp_sys.stdin
stdout = _mp_sys.stdout
stderr = _mp_sys.stderr
version = _mp_sys.version
version_info = _mp_sys.version_info
exit = _mp_sys.exit
print_exception = _mp_sys.print_exception
