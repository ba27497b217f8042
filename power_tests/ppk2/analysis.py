"""Analysing a PPK2 recording: wakes and their phases, the charge of each, the report (the
fields of `python -m sim run` that a measurement can give) and the calibration of the profile.

The analysis streams: chunks are fed as they come, from the PPK2 or from a saved trace.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from power_tests.ppk2.decode import (
    C_DOWN,
    C_UP,
    M_END,
    M_PHASE,
    M_START,
    CurrentDetector,
    MarkerDecoder,
    Settings,
)
from timelapse.marker import PHASES  # the firmware's numbering of its phases

NETWORK_PHASES = frozenset({"wifi", "tls", "upload", "sync"})
CPU_PHASES = ("state", "config", "persist", "work")  # the CPU alone, no peripheral active
UAS_PER_MAH = 1000.0 * 3600.0


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
        self.buf = np.zeros(0)  # samples not yet added to the open segment: [buf_start, n)
        self.buf_start = 0
        self.seg_start = 0
        self.seg_acc = 0.0  # uA x samples of the open segment before buf_start
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
                label = {
                    self.SLEEP: "sleep",
                    self.BOOT: "boot",
                    self.AWAKE: "unfinished",
                    self.TAIL: "sleep_entry",
                }[self.state]
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
                % (self.seg_start / self.settings.rate_hz, 0.8 * self.settings.wake_mA)
            )
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
        return [
            {
                "start_s": round(w.start / rate, 5),
                "awake_s": round(((w.end or self.n) - w.start) / rate, 5),
                "kind": w.kind,
                "partial": w.partial,
                "phases": {
                    name: {"s": round(n / rate, 5), "mAh": round(uAs / rate / UAS_PER_MAH, 7)}
                    for name, (n, uAs) in w.phases.items()
                },
            }
            for w in self.wakes
        ]

    def report(self) -> dict:
        return build_report(self.totals, self.wakes, self.n, self.settings, self.warnings)


def build_report(
    totals: dict[str, list],
    wakes: list[Wake],
    samples: int,
    settings: Settings,
    warnings: list[str] | None = None,
) -> dict:
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
        phase_stats[name] = {
            "wakes": len(entries),
            "mean_s": round(n / rate / len(entries), 5),
            "mean_mA": round(uAs / n / 1000, 3) if n else 0.0,
            "mean_mAh": round(uAs / rate / UAS_PER_MAH / len(entries), 7),
        }
    return {
        "wakes": len(wakes),
        "complete_wakes": len(complete),
        "partial_wakes": len(wakes) - len(complete),
        "sleep_mA": round(sleep_uAs / sleep_n / 1000, 4) if sleep_n else 0.0,
        "charge_mAh": round(charge, 9),
        "mean_current_mA": round(charge / (duration_s / 3600), 4) if samples else 0.0,
        "battery_mAh": settings.battery_mAh,
        "battery_days": round(settings.battery_mAh / (charge / days), 1) if charge else None,
        "per_phase_mAh": {
            name: round(uAs / rate / UAS_PER_MAH, 9) for name, (_, uAs) in sorted(totals.items())
        },
        "per_phase_s": {name: round(n / rate, 5) for name, (n, _) in sorted(totals.items())},
        "awake_s": {
            kind: {"count": len(v), "mean": round(sum(v) / len(v), 3), "max": round(max(v), 3)}
            for kind, v in sorted(awake.items())
        },
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


def calibrate_profile(
    report: dict, profile: dict | None = None, sensor: str = "OV2640", camera_state: str = "soft_reset"
) -> dict:
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
                out["sleep"]["camera_mA"] = (
                    {"off": figure} if camera_state == "off" else {sensor: {camera_state: figure}}
                )
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
