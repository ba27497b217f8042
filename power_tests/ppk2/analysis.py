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

Marker protocol (what the firmware does; designed for a logic input sampled every 10 us)
---------------------------------------------------------------------------------------

- The line is LOW in deep sleep and while CircuitPython boots. The firmware drives it HIGH as
  early as it knows the pin (ideally the first lines of code.py) and keeps it high while awake.
- At the END of each phase it sends a BURST of k short low pulses, k being the phase's number:

      1 state   2 config   3 camera   4 card   5 wifi   6 tls   7 upload   8 persist   9 work
      10 sync (timelapse/marker.py is the firmware's side; tls is for firmware that can mark it)

  Each pulse is low for 100 us with 100 us high between pulses (the decoder accepts lows of
  30 us to 1 ms and highs of 30 us to 0.6 ms inside a burst); after a burst the line stays high
  for at least 1 ms (the sender waits), so bursts never merge. The charge since the previous
  boundary (the rising edge or the previous burst) is phase k's. Numbering the phase, rather
  than counting boundaries, keeps the split right when a wake skips phases (a capture-only wake
  never joins WiFi) or repeats one (`card`), and a lost or broken burst mislabels one phase, not
  the rest of the wake.
- The final FALL, just before `alarm.exit_and_deep_sleep_until_alarms`, ends the last phase,
  which is charged to `persist` (so the firmware need not mark it). The line then stays low.

  What the harness adds from the current alone: `boot` is the time from the current's rise above
  `wake_mA` (default 10 mA, between the deep-sleep and the boot current) to the marker's rise
  (ROM boot, CircuitPython start-up, and whatever code.py did before it raised the marker);
  `sleep_entry` is the time from the final fall until the current is back below 0.8 x wake_mA
  for 5 ms. A wake runs from the current's rise to that point (`awake_s`). Everything else is
  `sleep` (including short spikes with no marker). A wake whose marker never rises is
  `unmarked` (charged to `awake`), so a board without marker firmware still splits into wakes.
  A wake is a "network" wake when a wifi, tls, upload or sync phase appears, else a "capture" wake.

  Decoding: marker runs shorter than 30 us are glitches and merged into their surroundings; a
  low longer than 1 ms is the end of a wake; a high longer than 0.6 ms ends a burst. A trace
  that starts or ends inside a wake counts it as a partial wake: its charge is in the totals,
  but not in `awake_s` and `calibrate_profile`, and the phase running at the end is
  `unfinished`. A reset that skips deep sleep (watchdog) shows as a fall, the current staying
  up, and a new rise within 3 s: that low is the new wake's `boot`. A current that stays up
  longer after the fall means the threshold is below the deep-sleep current (a camera left
  powered draws ~20 mA): the report warns, and `--wake-mA` must be raised.

  The sender is the firmware's timelapse/marker.py.

  A burst costs at most 2.8 ms at ~40 mA, about 0.03 uAh.

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

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sys
import time
import tomllib
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from timelapse.marker import PHASES  # the firmware's numbering of its phases

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PROFILE = ROOT / "profiles" / "reference.toml"
RATE_HZ = 100_000
NETWORK_PHASES = frozenset({"wifi", "tls", "upload", "sync"})
CPU_PHASES = ("state", "config", "persist", "work")  # the CPU alone, no peripheral active
UAS_PER_MAH = 1000.0 * 3600.0


@dataclass(frozen=True)
class Settings:
    """How the recording is read. The defaults fit the marker protocol of the module docstring."""

    rate_hz: int = RATE_HZ
    marker_channel: int = 0        # PPK2 logic input D0
    glitch_s: float = 30e-6        # marker runs shorter than this are glitches
    pulse_max_s: float = 1e-3      # a low longer than this is the end of a wake
    burst_gap_s: float = 0.6e-3    # a high longer than this ends a burst
    wake_mA: float = 10.0          # awake above this (must lie between sleep and boot current)
    smooth_s: float = 0.2e-3       # the current is averaged over this window to find wakes
    settle_s: float = 5e-3         # below 0.8 x wake_mA this long: asleep again
    min_wake_s: float = 0.05       # a rise without marker shorter than this is a sleep spike
    reboot_s: float = 3.0          # final fall, current stays up, new rise within this: reboot
    max_tail_s: float = 0.5        # neither asleep nor rebooted: warn, the wake ends this late
    battery_mAh: float = 3000.0

    def samples(self, seconds: float) -> int:
        return max(1, round(seconds * self.rate_hz))


# Events, sorted by (index, order): current events before marker events at the same sample.
C_UP, C_DOWN, M_START, M_PHASE, M_END = "c_up", "c_down", "m_start", "m_phase", "m_end"
_ORDER = {C_UP: 0, C_DOWN: 0, M_START: 1, M_PHASE: 1, M_END: 1}


def _event(index: int, kind: str, arg: int = 0) -> tuple[int, int, str, int]:
    return (index, _ORDER[kind], kind, arg)


class MarkerDecoder:
    """Deglitches the marker line and decodes it into wake starts, phase bursts and wake ends.

    Works on chunks; `watermark` is the earliest sample a future event can fall on."""

    LOW, HIGH, FALLING = "low", "high", "falling"

    def __init__(self, settings: Settings) -> None:
        self.min_run = settings.samples(settings.glitch_s)
        self.pulse_max = settings.samples(settings.pulse_max_s)
        self.burst_gap = settings.samples(settings.burst_gap_s)
        self.n = 0                    # samples seen
        self.level: bool | None = None  # deglitched level
        self.run_level = False        # the raw run in progress ...
        self.run_start = 0            # ... and where it began
        self.mode = self.LOW
        self.fall = 0                 # start of the low in progress (mode FALLING)
        self.last_rise = 0
        self.burst_start = 0
        self.burst_count = 0

    @property
    def known_upto(self) -> int:
        """The deglitched level is final before this sample."""
        return self.run_start if self.run_level != self.level else self.n

    @property
    def watermark(self) -> int:
        mark = self.known_upto
        if self.mode == self.FALLING:
            mark = min(mark, self.fall)
        if self.burst_count:
            mark = min(mark, self.burst_start)
        return mark

    def feed(self, level: np.ndarray) -> list:
        out: list = []
        if len(level) == 0:
            return out
        level = np.asarray(level, dtype=bool)
        if self.level is None:
            self.level = self.run_level = bool(level[0])
            self.mode = self.HIGH if self.level else self.LOW
        base = self.n
        starts = np.flatnonzero(level[1:] != level[:-1]) + 1
        if bool(level[0]) != self.run_level:
            starts = np.concatenate(([0], starts))
        for start in starts.tolist():
            self._confirm(base + start, out)
            self.run_level = not self.run_level
            self.run_start = base + start
        self.n = base + len(level)
        self._confirm(self.n, out)
        self._advance(self.known_upto, out)
        return out

    def finish(self) -> list:
        """The end of the recording: a pending burst or final low is taken as it stands."""
        out: list = []
        self.run_level = self.level if self.level is not None else False  # a short last run: glitch
        self._advance(self.n, out)
        if self.burst_count:
            self._flush_burst(out)
        if self.mode == self.FALLING:
            out.append(_event(self.fall, M_END))
            self.mode = self.LOW
        return out

    def _confirm(self, upto: int, out: list) -> None:
        """The raw run that began at run_start lasted until `upto`: long enough to be an edge?"""
        if self.run_level != self.level and upto - self.run_start >= self.min_run:
            self.level = self.run_level
            self._edge(self.run_start, self.level, out)

    def _advance(self, now: int, out: list) -> None:
        """Resolve what the line's level up to `now` decides: a final fall, a finished burst."""
        if self.mode == self.FALLING and now - self.fall > self.pulse_max:
            self._flush_burst(out)
            out.append(_event(self.fall, M_END))
            self.mode = self.LOW
        elif self.mode == self.HIGH and self.burst_count and now - self.last_rise > self.burst_gap:
            self._flush_burst(out)

    def _flush_burst(self, out: list) -> None:
        if self.burst_count:
            out.append(_event(self.burst_start, M_PHASE, self.burst_count))
            self.burst_count = 0

    def _edge(self, index: int, rising: bool, out: list) -> None:
        self._advance(index, out)
        if rising and self.mode == self.LOW:
            out.append(_event(index, M_START))
            self.mode = self.HIGH
        elif rising and self.mode == self.FALLING:  # a pulse
            if not self.burst_count:
                self.burst_start = self.fall
            self.burst_count += 1
            self.last_rise = index
            self.mode = self.HIGH
        elif not rising and self.mode == self.HIGH:
            self.fall = index
            self.mode = self.FALLING


class CurrentDetector:
    """Finds where the (smoothed) current rises above the wake threshold and settles below it."""

    def __init__(self, settings: Settings) -> None:
        self.half = settings.samples(settings.smooth_s) // 2
        self.on_uA = settings.wake_mA * 1000.0
        self.off_uA = 0.8 * self.on_uA
        self.settle = settings.samples(settings.settle_s)
        self.carry: np.ndarray | None = None  # raw samples [next_center - half, n)
        self.next_center = 0                  # the next smoothed sample to compute
        self.above: bool | None = None
        self.low_start: int | None = None     # a run below off_uA in progress while above

    @property
    def watermark(self) -> int:
        return self.low_start if self.low_start is not None else self.next_center

    def initial_above(self, current_uA: np.ndarray) -> bool:
        return bool(np.mean(current_uA[:2 * self.half + 1]) > self.on_uA)

    def feed(self, current_uA: np.ndarray) -> list:
        if len(current_uA) == 0:
            return []
        x = np.asarray(current_uA, dtype=np.float64)
        if self.carry is None:
            self.carry = np.full(self.half, x[0])  # the first samples are smoothed against copies
            if self.above is None:
                self.above = self.initial_above(x)
        return self._smooth(np.concatenate((self.carry, x)))

    def finish(self) -> list:
        if self.carry is None or len(self.carry) == 0:
            return []
        return self._smooth(np.concatenate((self.carry, np.full(self.half, self.carry[-1]))))

    def _smooth(self, data: np.ndarray) -> list:
        width = 2 * self.half + 1
        count = max(0, len(data) - width + 1)
        out: list = []
        if count:
            sums = np.cumsum(np.concatenate(([0.0], data)))
            smoothed = (sums[width:width + count] - sums[:count]) / width
            out = self._scan(smoothed, self.next_center)
            self.next_center += count
        self.carry = data[count:]
        return out

    def _scan(self, smoothed: np.ndarray, base: int) -> list:
        out: list = []
        ups = np.flatnonzero(smoothed > self.on_uA)
        lows = np.flatnonzero(smoothed < self.off_uA)
        not_lows = np.flatnonzero(smoothed >= self.off_uA)
        i, size = 0, len(smoothed)

        def first(indices: np.ndarray, at: int) -> int:
            k = int(np.searchsorted(indices, at))
            return int(indices[k]) if k < len(indices) else size

        while i < size:
            if not self.above:
                i = first(ups, i)
                if i < size:
                    out.append(_event(base + i, C_UP))
                    self.above = True
                continue
            if self.low_start is None:
                i = first(lows, i)
                if i == size:
                    break
                self.low_start = base + i
            end = first(not_lows, i)
            if base + end - self.low_start >= self.settle:
                out.append(_event(self.low_start, C_DOWN))
                self.above = False
                self.low_start = None
                i = end  # every sample of the settled low is below on_uA too
            elif end < size:
                self.low_start = None  # the low was too short: still awake
                i = end
            else:
                i = size
        return out


@dataclass
class Wake:
    start: int
    partial: bool = False
    marked: bool = False
    end: int | None = None
    phases: dict[str, list] = field(default_factory=dict)  # name -> [samples, uA x samples]

    def add(self, phase: str, samples: int, uAs: float) -> None:
        entry = self.phases.setdefault(phase, [0, 0.0])
        entry[0] += samples
        entry[1] += uAs

    @property
    def kind(self) -> str:
        if not self.marked:
            return "unmarked"
        return "network" if NETWORK_PHASES & self.phases.keys() else "capture"


class Analyser:
    """Streams a recording (current in uA, logic inputs) into wakes and phases; `report()`."""

    SLEEP, BOOT, AWAKE, TAIL = "sleep", "boot", "awake", "tail"

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings = settings or Settings()
        self.marker = MarkerDecoder(settings)
        self.current = CurrentDetector(settings)
        self.min_wake = settings.samples(settings.min_wake_s)
        self.max_tail = settings.samples(settings.max_tail_s)
        self.reboot = settings.samples(settings.reboot_s)
        self.n = 0
        self.state: str | None = None
        self.cur_above = False
        self.queue: list = []
        self.buf = np.zeros(0)        # samples not yet added to the open segment: [buf_start, n)
        self.buf_start = 0
        self.seg_start = 0
        self.seg_acc = 0.0            # uA x samples of the open segment before buf_start
        self.totals: dict[str, list] = {}  # phase -> [samples, uA x samples]
        self.wake: Wake | None = None
        self.wakes: list[Wake] = []
        self.warnings: list[str] = []
        self.finished = False

    @property
    def complete_wakes(self) -> int:
        return sum(not w.partial for w in self.wakes)

    def feed(self, current_uA, digital) -> None:
        """One chunk: current samples in uA and the logic inputs (bits) of the same samples."""
        current_uA = np.asarray(current_uA, dtype=np.float64)
        marker = (np.asarray(digital).astype(np.uint8) >> self.settings.marker_channel) & 1
        if len(current_uA) != len(marker):
            raise ValueError("current and digital samples differ in number")
        if len(current_uA) == 0:
            return
        if self.state is None:
            self._begin(current_uA, marker)
        events = self.marker.feed(marker) + self.current.feed(current_uA)
        self.buf = np.concatenate((self.buf, current_uA))
        self.n += len(current_uA)
        self._run(events, min(self.marker.watermark, self.current.watermark))

    def finish(self) -> dict:
        """The end of the recording: close what is open; the report."""
        if not self.finished:
            self.finished = True
            if self.state is not None:
                self._run(self.marker.finish() + self.current.finish(), self.n + 1)
                label = {self.SLEEP: "sleep", self.BOOT: "boot", self.AWAKE: "unfinished",
                         self.TAIL: "sleep_entry"}[self.state]
                self._close(self.n, label)
                if self.wake is not None:
                    self.wake.partial = True
                    self._end_wake(self.n)
        return self.report()

    # -- the state machine ---------------------------------------------------------------------

    def _begin(self, current_uA: np.ndarray, marker: np.ndarray) -> None:
        """A recording may start inside a wake: that wake is partial."""
        self.cur_above = self.current.initial_above(current_uA)
        self.current.above = self.cur_above
        if marker[0]:
            self.state = self.AWAKE
            self.wake = Wake(0, partial=True, marked=True)
        elif self.cur_above:
            self.state = self.BOOT
            self.wake = Wake(0, partial=True)
        else:
            self.state = self.SLEEP

    def _run(self, events: list, watermark: int) -> None:
        self.queue.extend(events)
        self.queue.sort()
        ready = [e for e in self.queue if e[0] < watermark]
        self.queue = [e for e in self.queue if e[0] >= watermark]
        for index, _, kind, arg in ready:
            self._tail_timeout(index)
            self._handle(index, kind, arg)
        self._tail_timeout(watermark)
        upto = min(watermark, self.n)
        if self.state == self.TAIL:  # _tail_timeout may still split the tail here
            upto = min(upto, self.seg_start + self.max_tail)
        take = max(0, upto - self.buf_start)
        self.seg_acc += float(self.buf[:take].sum())
        self.buf = self.buf[take:]
        self.buf_start += take

    def _handle(self, index: int, kind: str, arg: int) -> None:
        if kind == C_UP:
            self.cur_above = True
        elif kind == C_DOWN:
            self.cur_above = False
        state = self.state
        if state == self.SLEEP:
            if kind in (C_UP, M_START):
                self._close(index, "sleep")
                self.wake = Wake(index)
                self.state = self.BOOT
                if kind == M_START:
                    self._marker_rise(index)
        elif state == self.BOOT:
            if kind == M_START:
                self._marker_rise(index)
            elif kind == C_DOWN:
                assert self.wake is not None
                if self.wake.partial:
                    self._close(index, "sleep_entry")
                    self._end_wake(index)
                elif index - self.wake.start >= self.min_wake:
                    self._close(index, "awake")  # a wake without marker
                    self._end_wake(index)
                else:  # a spike in deep sleep
                    self.wake = None
                    self._close(index, "sleep")
                self.state = self.SLEEP
        elif state == self.AWAKE:
            if kind == M_PHASE:
                self._close(index, PHASES[arg - 1] if arg <= len(PHASES) else "phase%d" % arg)
            elif kind == M_END:
                self._close(index, "persist")
                self.state = self.TAIL
                if not self.cur_above:
                    self._end_wake(index)
                    self.state = self.SLEEP
        elif state == self.TAIL:
            if kind == C_DOWN:
                self._close(index, "sleep_entry")
                self._end_wake(index)
                self.state = self.SLEEP
            elif kind == M_START:  # reset without deep sleep: the low was the next wake's boot
                self._end_wake(self.seg_start)
                self.wake = Wake(self.seg_start)
                self._marker_rise(index)

    def _marker_rise(self, index: int) -> None:
        self._close(index, "boot")
        assert self.wake is not None
        self.wake.marked = True
        self.state = self.AWAKE

    def _tail_timeout(self, now: int) -> None:
        """Neither asleep nor rebooted long after the final fall: the deep-sleep current must be
        above the threshold. The wake ends max_tail after the fall, and that is reported."""
        if self.state == self.TAIL and now - self.seg_start > self.reboot:
            end = self.seg_start + self.max_tail
            self.warnings.append(
                "at %.3f s the current stayed above %.1f mA after the marker fell: "
                "is --wake-mA below the deep-sleep current?"
                % (self.seg_start / self.settings.rate_hz, 0.8 * self.settings.wake_mA))
            self._close(end, "sleep_entry")
            self._end_wake(end)
            self.state = self.SLEEP

    def _close(self, index: int, label: str) -> None:
        """The open segment [seg_start, index) was `label`: charge it."""
        take = index - self.buf_start
        uAs = self.seg_acc + float(self.buf[:take].sum())
        self.buf = self.buf[take:]
        self.buf_start = index
        samples = index - self.seg_start
        if samples:
            entry = self.totals.setdefault(label, [0, 0.0])
            entry[0] += samples
            entry[1] += uAs
            if self.wake is not None:
                self.wake.add(label, samples, uAs)
        self.seg_start = index
        self.seg_acc = 0.0

    def _end_wake(self, index: int) -> None:
        assert self.wake is not None
        self.wake.end = index
        self.wakes.append(self.wake)
        self.wake = None

    # -- results -------------------------------------------------------------------------------

    def wake_dicts(self) -> list[dict]:
        rate = self.settings.rate_hz
        return [{"start_s": round(w.start / rate, 5),
                 "awake_s": round(((w.end or self.n) - w.start) / rate, 5),
                 "kind": w.kind, "partial": w.partial,
                 "phases": {name: {"s": round(n / rate, 5), "mAh": round(uAs / rate / UAS_PER_MAH, 7)}
                            for name, (n, uAs) in w.phases.items()}}
                for w in self.wakes]

    def report(self) -> dict:
        return build_report(self.totals, self.wakes, self.n, self.settings, self.warnings)


def build_report(totals: dict[str, list], wakes: list[Wake], samples: int, settings: Settings,
                 warnings: list[str] | None = None) -> dict:
    """The simulator's report fields that a measurement gives, plus per-phase statistics."""
    rate = settings.rate_hz
    duration_s = samples / rate
    days = duration_s / 86400
    charge = sum(uAs for _, uAs in totals.values()) / rate / UAS_PER_MAH
    sleep_n, sleep_uAs = totals.get("sleep", [0, 0.0])
    complete = [w for w in wakes if not w.partial]
    awake: dict[str, list[float]] = {}
    for w in complete:
        awake.setdefault(w.kind, []).append((w.end - w.start) / rate)  # type: ignore[operator]
    phase_stats = {}
    for name in sorted({p for w in complete for p in w.phases}):
        entries = [w.phases[name] for w in complete if name in w.phases]
        n = sum(e[0] for e in entries)
        uAs = sum(e[1] for e in entries)
        phase_stats[name] = {"wakes": len(entries), "mean_s": round(n / rate / len(entries), 5),
                             "mean_mA": round(uAs / n / 1000, 3) if n else 0.0,
                             "mean_mAh": round(uAs / rate / UAS_PER_MAH / len(entries), 7)}
    return {
        "wakes": len(wakes),
        "complete_wakes": len(complete),
        "partial_wakes": len(wakes) - len(complete),
        "sleep_mA": round(sleep_uAs / sleep_n / 1000, 4) if sleep_n else 0.0,
        "charge_mAh": round(charge, 9),
        "mean_current_mA": round(charge / (duration_s / 3600), 4) if samples else 0.0,
        "battery_mAh": settings.battery_mAh,
        "battery_days": round(settings.battery_mAh / (charge / days), 1) if charge else None,
        "per_phase_mAh": {name: round(uAs / rate / UAS_PER_MAH, 9)
                          for name, (_, uAs) in sorted(totals.items())},
        "per_phase_s": {name: round(n / rate, 5) for name, (n, _) in sorted(totals.items())},
        "awake_s": {kind: {"count": len(v), "mean": round(sum(v) / len(v), 3), "max": round(max(v), 3)}
                    for kind, v in sorted(awake.items())},
        "phase_stats": phase_stats,
        "samples": samples,
        "duration_s": round(duration_s, 5),
        "days": days,
        "rate_hz": rate,
        "wake_mA": settings.wake_mA,
        "warnings": list(warnings or []),
    }


def analyse(current_uA, digital, settings: Settings | None = None) -> dict:
    """The report of a whole recording held in memory."""
    analyser = Analyser(settings)
    analyser.feed(current_uA, digital)
    return analyser.finish()


def calibrate_profile(report: dict, profile: dict | None = None, sensor: str = "OV2640",
                      camera_state: str = "soft_reset") -> dict:
    """Measured values for the power-profile keys a recording determines, in the profile's shape.

    From complete wakes: boot duration and current, the CPU current (state, config, persist and
    work phases), the camera's and the card's extra current over the CPU, the WiFi join and TLS
    currents (and the handshake time when the firmware marks `tls` once per handshake). Deep
    sleep gives only the sum of its parts: `sleep.total_mA`; with the reference `profile`, the
    camera's share in the state the firmware left it in (`sleep.camera_mA.<sensor>.<state>`: an
    OV2640 soft-reset by default, the figure to measure first) is what is left after the board
    and the card."""
    stats = report.get("phase_stats", {})
    out: dict = {}

    def put(section: str, key: str, value: float) -> None:
        out.setdefault(section, {})[key] = round(value, 4)

    if report.get("per_phase_s", {}).get("sleep"):
        put("sleep", "total_mA", report["sleep_mA"])
        if profile:
            camera = report["sleep_mA"] - profile["sleep"]["board_mA"] - profile["sleep"]["sd_card_mA"]
            if camera >= 0:
                figure = round(camera, 4)  # "off" (a camera power switch) is one figure for all
                out["sleep"]["camera_mA"] = ({"off": figure} if camera_state == "off"
                                             else {sensor: {camera_state: figure}})
    if "boot" in stats:
        put("boot", "duration_s", stats["boot"]["mean_s"])
        put("boot", "current_mA", stats["boot"]["mean_mA"])
    cpu = [stats[p] for p in CPU_PHASES if p in stats]
    cpu_mA = None
    if cpu:
        seconds = sum(s["mean_s"] * s["wakes"] for s in cpu)
        if seconds:
            cpu_mA = sum(s["mean_mA"] * s["mean_s"] * s["wakes"] for s in cpu) / seconds
            put("cpu", "current_mA", cpu_mA)
    if cpu_mA is not None and "camera" in stats:
        put("camera", "extra_mA", stats["camera"]["mean_mA"] - cpu_mA)
    if cpu_mA is not None and "card" in stats:
        put("sd", "write_extra_mA", stats["card"]["mean_mA"] - cpu_mA)
    if "wifi" in stats:
        put("wifi", "connect_mA", stats["wifi"]["mean_mA"])
    if "tls" in stats:
        put("tls", "current_mA", stats["tls"]["mean_mA"])
        put("tls", "handshake_s", stats["tls"]["mean_s"])
    return out


# -- traces ------------------------------------------------------------------------------------

class TraceWriter:
    """Writes the raw recording as .npz while it comes in (two spool files, zipped at close)."""

    def __init__(self, path: Path, rate_hz: int = RATE_HZ, source_mV: int = 0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.meta = {"rate_hz": np.int64(rate_hz), "source_mV": np.int64(source_mV)}
        self.count = 0
        self.spools = {name: open(self.path.with_name(f"{self.path.name}.{name}.part"), "w+b")
                       for name in ("current_uA", "digital")}

    def write(self, current_uA, digital) -> None:
        self.spools["current_uA"].write(np.asarray(current_uA, dtype="<f4").tobytes())
        self.spools["digital"].write(np.asarray(digital, dtype=np.uint8).tobytes())
        self.count += len(current_uA)

    def close(self) -> Path:
        dtypes: dict[str, np.dtype] = {"current_uA": np.dtype("<f4"), "digital": np.dtype(np.uint8)}
        with zipfile.ZipFile(self.path, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
            for name, spool in self.spools.items():
                spool.seek(0)
                with archive.open(name + ".npy", "w", force_zip64=True) as member:
                    header = {"descr": np.lib.format.dtype_to_descr(dtypes[name]),
                              "fortran_order": False, "shape": (self.count,)}
                    np.lib.format.write_array_header_1_0(member, header)
                    shutil.copyfileobj(spool, member, 1 << 20)
                spool.close()
                Path(spool.name).unlink()
            for name, value in self.meta.items():
                with archive.open(name + ".npy", "w") as member:
                    np.lib.format.write_array(member, np.asarray(value))
        return self.path


def save_trace(path: Path, current_uA, digital, rate_hz: int = RATE_HZ, source_mV: int = 0) -> Path:
    writer = TraceWriter(path, rate_hz, source_mV)
    writer.write(current_uA, digital)
    return writer.close()


def read_trace(path: Path, chunk: int = 1_000_000) -> tuple[dict, Iterator[tuple[np.ndarray, np.ndarray]]]:
    """(meta, chunks of (current_uA, digital)) of a saved trace, read without loading it whole."""
    with np.load(path) as data:
        meta = {name: int(data[name]) for name in ("rate_hz", "source_mV") if name in data.files}

    def chunks() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        with zipfile.ZipFile(path) as archive, \
                archive.open("current_uA.npy") as cur, archive.open("digital.npy") as dig:
            streams = []
            for member in (cur, dig):
                version = np.lib.format.read_magic(member)
                read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                               else np.lib.format.read_array_header_2_0)
                shape, _, dtype = read_header(member)
                streams.append((member, dtype))
            left = shape[0]
            while left > 0:
                n = min(chunk, left)
                current, digital = (np.frombuffer(member.read(n * dtype.itemsize), dtype=dtype)
                                    for member, dtype in streams)
                yield current, digital
                left -= n

    return meta, chunks()


def analyse_trace(path: Path, settings: Settings | None = None) -> Analyser:
    meta, chunks = read_trace(path)
    settings = settings or Settings()
    if meta.get("rate_hz", settings.rate_hz) != settings.rate_hz:
        settings = dataclasses.replace(settings, rate_hz=meta["rate_hz"])
    analyser = Analyser(settings)
    for current, digital in chunks:
        analyser.feed(current, digital)
    analyser.finish()
    return analyser


# -- the PPK2 ----------------------------------------------------------------------------------

def open_ppk2(port: str | None):
    """The PPK2 on `port`, or the first one connected."""
    from ppk2_api.ppk2_api import PPK2_API

    if port is None:
        found = PPK2_API.list_devices()
        if not found:
            raise SystemExit("no PPK2 found (give --port)")
        port = found[0]
    return PPK2_API(port, timeout=1, write_timeout=1, exclusive=True)


def acquire(ppk2, analyser: Analyser, *, source_mV: int, seconds: float | None = None,
            wakes: int | None = None, writer: TraceWriter | None = None, leave_on: bool = False,
            poll_s: float = 0.01, stall_s: float = 5.0,
            clock: Callable[[], float] = time.monotonic,
            sleep: Callable[[float], None] = time.sleep,
            progress: Callable[[Analyser], None] | None = None) -> None:
    """Power the board from the PPK2 at `source_mV` and record until `seconds` of samples or
    `wakes` complete wakes (or Ctrl-C), feeding the analyser (and the trace writer).

    Measuring starts before the board is powered, so the first wake (a cold boot) is whole."""
    ppk2.get_modifiers()
    ppk2.use_source_meter()
    ppk2.set_source_voltage(source_mV)
    ppk2.start_measuring()
    ppk2.toggle_DUT_power("ON")
    limit = None if seconds is None else round(seconds * analyser.settings.rate_hz)
    last_data = clock()
    try:
        while True:
            data = ppk2.get_data()
            if not data:
                if clock() - last_data > stall_s:
                    raise RuntimeError("the PPK2 sent no data for %.0f s" % stall_s)
                sleep(poll_s)
                continue
            last_data = clock()
            samples, bits = ppk2.get_samples(data)
            n = min(len(samples), len(bits))
            if limit is not None:
                n = min(n, limit - analyser.n)
            current = np.asarray(samples[:n], dtype=np.float64)
            digital = np.asarray(bits[:n], dtype=np.uint8)
            analyser.feed(current, digital)
            if writer is not None:
                writer.write(current, digital)
            if progress is not None:
                progress(analyser)
            if limit is not None and analyser.n >= limit:
                break
            if wakes is not None and analyser.complete_wakes >= wakes:
                break
    except KeyboardInterrupt:
        print("stopped: analysing what was recorded", file=sys.stderr)
    finally:
        ppk2.stop_measuring()
        if not leave_on:
            ppk2.toggle_DUT_power("OFF")


# -- the command line --------------------------------------------------------------------------

def write_results(out: Path, analyser: Analyser, profile: dict | None, sensor: str = "OV2640",
                  camera_state: str = "soft_reset") -> dict:
    out.mkdir(parents=True, exist_ok=True)
    report = analyser.finish()
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    with open(out / "wakes.jsonl", "w") as handle:
        for wake in analyser.wake_dicts():
            handle.write(json.dumps(wake) + "\n")
    calibration = calibrate_profile(report, profile, sensor, camera_state)
    (out / "calibration.json").write_text(json.dumps(calibration, indent=2) + "\n")
    return report


def summary(report: dict) -> str:
    lines = [f"{report['duration_s']:.1f} s recorded, {report['wakes']} wakes "
             f"({report['partial_wakes']} partial): {report['charge_mAh']:.4f} mAh, "
             f"mean {report['mean_current_mA']:.3f} mA, deep sleep {report['sleep_mA']:.3f} mA, "
             f"{report['battery_days']} battery days on {report['battery_mAh']:g} mAh"]
    for kind, awake in report["awake_s"].items():
        lines.append(f"  {kind} wakes: {awake['count']}, awake {awake['mean']:.3f} s mean, "
                     f"{awake['max']:.3f} s max")
    for name, mAh in report["per_phase_mAh"].items():
        lines.append(f"  {name:12s} {mAh:10.6f} mAh  {report['per_phase_s'][name]:10.3f} s")
    lines += ["warning: " + w for w in report["warnings"][:5]]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m power_tests ppk2",
        description="Measure the board with a PPK2 (or analyse a saved trace) into a "
                    "simulator-shaped power report.")
    parser.add_argument("--port", help="the PPK2's serial port (default: the first PPK2 found)")
    parser.add_argument("--seconds", type=float, help="record this long")
    parser.add_argument("--wakes", type=int, help="record until this many complete wakes")
    parser.add_argument("--out", type=Path, default=Path("out/ppk2"))
    parser.add_argument("--trace", type=Path, help="analyse this saved trace (.npz); no hardware")
    parser.add_argument("--no-save-trace", action="store_true",
                        help="do not keep the raw trace (5 bytes a sample, 1.8 GB an hour)")
    parser.add_argument("--voltage", type=float, default=3.8, help="source voltage, V (battery)")
    parser.add_argument("--battery-mAh", type=float, default=3000.0)
    parser.add_argument("--wake-mA", type=float, default=Settings.wake_mA,
                        help="awake above this current (between deep sleep and boot)")
    parser.add_argument("--marker-channel", type=int, default=0, help="PPK2 logic input (D0..D7)")
    parser.add_argument("--profile", type=Path, default=DEFAULT_PROFILE,
                        help="reference power profile for calibration.json")
    parser.add_argument("--sensor", default="OV2640", help="the camera module fitted (for calibration.json)")
    parser.add_argument("--camera-state", default="soft_reset",
                        help="the state the firmware leaves the camera in: soft_reset (OV2640), standby "
                             "(OV3660, OV5640), off (camera_power_pin); see the state dump's sensor line")
    parser.add_argument("--leave-on", action="store_true", help="keep the board powered at the end")
    args = parser.parse_args(argv)
    if args.trace is None and args.seconds is None and args.wakes is None:
        parser.error("give --seconds or --wakes (or --trace to analyse a saved trace)")
    return args


def main(argv: list[str] | None = None, ppk2_factory: Callable = open_ppk2) -> int:
    args = parse_args(argv)
    settings = Settings(wake_mA=args.wake_mA, marker_channel=args.marker_channel,
                        battery_mAh=args.battery_mAh)
    profile = tomllib.loads(args.profile.read_text()) if args.profile.is_file() else None
    if args.trace is not None:
        analyser = analyse_trace(args.trace, settings)
    else:
        source_mV = round(args.voltage * 1000)
        analyser = Analyser(settings)
        writer = None if args.no_save_trace else TraceWriter(args.out / "trace.npz", settings.rate_hz,
                                                            source_mV)
        ppk2 = ppk2_factory(args.port)
        try:
            acquire(ppk2, analyser, source_mV=source_mV, seconds=args.seconds, wakes=args.wakes,
                    writer=writer, leave_on=args.leave_on)
        finally:
            if writer is not None:
                writer.close()
    report = write_results(args.out, analyser, profile, args.sensor, args.camera_state)
    print(summary(report))
    print(f"written: {args.out}/report.json, wakes.jsonl, calibration.json"
          + ("" if args.trace is not None or args.no_save_trace else ", trace.npz"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
