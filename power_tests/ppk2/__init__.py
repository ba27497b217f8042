"""Measure a real XIAO ESP32S3 Sense with a Nordic PPK2 and report it like the simulator.

The PPK2 (`ppk2_api`) powers the board as a source meter at the battery voltage and samples the
current at 100 kS/s together with its eight logic inputs. The firmware drives a marker GPIO
(`[power] marker_pin`, wired to the PPK2's logic input D0, with a 100 kOhm pull-down so the line
is low while the board boots and sleeps) that says where each phase of a wake begins and ends.
The analysis splits the recording into wakes and phases, integrates the charge of each, and
writes the report fields of `python -m sim run` that a measurement can give (`charge_mAh`,
`mean_current_mA`, `sleep_mA`, `per_phase_mAh`, `awake_s`, `wakes`, `battery_days`), so a board
and the simulator compare line by line; `calibrate_profile` turns a report into measured values
for the power profile (profiles/reference.toml).

Modules: `decode` (the marker protocol, described in its docstring, and the current's wake
edges), `analysis` (wakes, phases, the report and the calibration), `trace` (the raw recording
as .npz), `acquire` (the PPK2 itself) and `cli` (the command line).

The analysis streams: the acquisition loop feeds each chunk the PPK2 sends (an hour is 360 M
samples), and a saved trace is read back in chunks. The raw trace is saved as .npz
(`current_uA` float32, `digital` uint8 with the eight logic inputs, `rate_hz`, `source_mV`):
5 bytes a sample, 1.8 GB an hour.

    python -m power_tests ppk2 --port /dev/ttyACM0 --seconds 3600 --out out/ppk2
    python -m power_tests ppk2 --wakes 20 --out out/ppk2          # first PPK2 found
    python -m power_tests ppk2 --trace out/ppk2/trace.npz --out out/again   # no hardware

It writes OUT/report.json, OUT/wakes.jsonl (one line per wake with its phases),
OUT/calibration.json and, when measuring, OUT/trace.npz.
"""

from power_tests.ppk2.acquire import acquire
from power_tests.ppk2.analysis import PHASES, Analyser, analyse, calibrate_profile
from power_tests.ppk2.cli import main
from power_tests.ppk2.decode import RATE_HZ, Settings
from power_tests.ppk2.trace import TraceWriter, read_trace, save_trace

__all__ = [
    "PHASES",
    "RATE_HZ",
    "Analyser",
    "Settings",
    "TraceWriter",
    "acquire",
    "analyse",
    "calibrate_profile",
    "main",
    "read_trace",
    "save_trace",
]
