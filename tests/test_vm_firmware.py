"""Firmware details and MicroPython-to-CircuitPython shims, each checked on the real VM.

Each test runs a short code.py on a VM board (sim/vm.py) and reads what it printed. The shims'
expected behaviour comes from CircuitPython's source, named in vmboard/ and docs/fidelity.md.
"""

from __future__ import annotations

import struct
from pathlib import Path

from sim.vm import VMBoard, WakeResult

START = 1780300805  # 2026-06-01T08:00:05Z

SLEEP = """
import alarm
alarm.exit_and_deep_sleep_until_alarms(alarm.time.TimeAlarm(monotonic_time=time.monotonic() + 60))
"""


def run_code(tmp_path: Path, code: str, **options) -> WakeResult:
    """`code` as code.py on a fresh board; it must end in deep sleep."""
    board = VMBoard(tmp_path / "board", start_utc=START, **options)
    (board.circuitpy / "code.py").write_text("import time\n" + code + SLEEP)
    result = board.wake()
    assert result.outcome == "sleep", result.console
    return result


def lines(result: WakeResult) -> list[str]:
    return result.console.strip().splitlines()


def test_makedirs_keeps_the_leading_slash(tmp_path: Path) -> None:
    """Bug found by the VM: spool.makedirs("/sd/a/b") made "sd/a/b" relative to the working
    directory. Run from /sd, the old code made /sd/sd/a/b."""
    result = run_code(
        tmp_path,
        """
import os
from timelapse import spool
spool.mount()
os.chdir("/sd")
spool.makedirs("/sd/photos/000")
os.chdir("/")
spool.makedirs("sd/relative/001")
print(sorted(os.listdir("/sd")), os.listdir("/sd/photos"), os.listdir("/sd/relative"))
""",
    )
    assert lines(result)[-1] == "['photos', 'relative'] ['000'] ['001']"
    card = tmp_path / "board" / "card"
    assert (card / "photos" / "000").is_dir() and not (card / "sd").exists()


def test_circuitpy_is_read_only_and_paths_resolve_through_the_mount_table(tmp_path: Path) -> None:
    result = run_code(
        tmp_path,
        """
import os, sys
try:
    open("oops.txt", "w")
except OSError:
    print("read-only")
print(os.getcwd(), sys.path)
from timelapse import spool
spool.mount()
with open("sd/x.txt", "w") as handle:
    handle.write("on the card")
print(open("/sd/x.txt").read(), "sd" in os.listdir("/"))
""",
    )
    assert lines(result) == ["read-only", "/ ['', '/', '/lib']", "on the card True"]
    assert (tmp_path / "board" / "card" / "x.txt").read_text() == "on the card"
    assert not (tmp_path / "board" / "CIRCUITPY" / "oops.txt").exists()


def test_missing_mount_point_is_a_runtime_error_the_wake_survives(tmp_path: Path) -> None:
    """shared-module/storage/__init__.c: "Mount point directory missing" (RuntimeError) when
    CIRCUITPY has no /sd folder; the firmware records a card error and still sleeps."""
    board = VMBoard(tmp_path / "board", start_utc=START)
    (board.circuitpy / "sd").rmdir()
    result = board.wake()
    assert result.outcome == "sleep"
    assert "[error] card: cannot mount the microSD card: Mount point directory missing" in result.console


def test_shims_behave_as_circuitpython(tmp_path: Path) -> None:
    result = run_code(
        tmp_path,
        """
import struct, json, hashlib, sys, supervisor, alarm
def attempt(what):
    try:
        print(what())
    except Exception as e:
        print(type(e).__name__, e)
attempt(lambda: struct.unpack("<I", b"12345"))
attempt(lambda: struct.pack("<HH", 1))
attempt(lambda: struct.unpack_from("<I", b"12345", 1))
class Raw:
    def __init__(self):
        self.data = b'{"a": [1, 2]}'
    def readinto(self, buffer):
        count = min(len(buffer), len(self.data))
        buffer[:count] = self.data[:count]
        self.data = self.data[count:]
        return count
attempt(lambda: json.load(Raw()))
attempt(lambda: hasattr(hashlib, "sha256"))
attempt(lambda: len(hashlib.new("sha256", b"abc").digest()))
attempt(lambda: issubclass(ConnectionError, OSError))
attempt(lambda: sys.implementation.name)
attempt(lambda: alarm.time.TimeAlarm(epoch_time=time.time() - 1))
attempt(lambda: alarm.time.TimeAlarm(epoch_time=time.time() + 0.5))
def short_write():
    alarm.sleep_memory[0:4] = b"ab"
attempt(short_write)
attempt(lambda: isinstance(supervisor.ticks_ms(), int))
attempt(lambda: __import__("machine"))
""",
    )
    assert lines(result) == [
        "RuntimeError buffer size must match format",
        "ValueError values length must be 2",
        str(struct.unpack_from("<I", b"12345", 1)),  # CPython's struct as the oracle
        "{'a': [1, 2]}",
        "False",
        "32",
        "True",
        "circuitpython",
        "ValueError Time is in the past.",
        "TypeError can't convert float to int",
        "ValueError Slice and value different lengths.",
        "True",
        "ImportError no module named 'machine'",  # MicroPython's, not the board's
    ]


def test_monotonic_is_a_30_bit_float(tmp_path: Path) -> None:
    """After 30 days of uptime time.monotonic() moves in whole seconds, ticks_ms() in ms."""
    board = VMBoard(tmp_path / "board", start_utc=START, usb=True)
    board.monotonic, board.faked_sleep = 30 * 86400.0 + 0.25, True
    (board.circuitpy / "code.py").write_text("""
import time, supervisor, alarm
a, t = time.monotonic(), supervisor.ticks_ms()
time.sleep(0.4)
print(time.monotonic() - a, supervisor.ticks_ms() - t)
alarm.exit_and_deep_sleep_until_alarms(alarm.time.TimeAlarm(monotonic_time=time.monotonic() + 60))
""")
    result = board.wake()
    assert result.outcome == "sleep", result.console
    # sleep(0.4) waits 13107 subticks of 1/32768 s (mp_hal_delay_ms): 399.994 ms, so ticks_ms
    # moves 399 or 400 depending on where in its millisecond the sleep began
    assert lines(result)[-1] in ("0.0 399", "1.0 399", "0.0 400", "1.0 400")
