"""Decoding a PPK2 recording: the marker line into wake starts, phase bursts and wake ends, and
the current into wake edges.


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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RATE_HZ = 100_000


@dataclass(frozen=True)
class Settings:
    """How the recording is read. The defaults fit the marker protocol of the module docstring."""

    rate_hz: int = RATE_HZ
    marker_channel: int = 0  # PPK2 logic input D0
    glitch_s: float = 30e-6  # marker runs shorter than this are glitches
    pulse_max_s: float = 1e-3  # a low longer than this is the end of a wake
    burst_gap_s: float = 0.6e-3  # a high longer than this ends a burst
    wake_mA: float = 10.0  # awake above this (must lie between sleep and boot current)
    smooth_s: float = 0.2e-3  # the current is averaged over this window to find wakes
    settle_s: float = 5e-3  # below 0.8 x wake_mA this long: asleep again
    min_wake_s: float = 0.05  # a rise without marker shorter than this is a sleep spike
    reboot_s: float = 3.0  # final fall, current stays up, new rise within this: reboot
    max_tail_s: float = 0.5  # neither asleep nor rebooted: warn, the wake ends this late
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
        self.n = 0  # samples seen
        self.level: bool | None = None  # deglitched level
        self.run_level = False  # the raw run in progress ...
        self.run_start = 0  # ... and where it began
        self.mode = self.LOW
        self.fall = 0  # start of the low in progress (mode FALLING)
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
        self.next_center = 0  # the next smoothed sample to compute
        self.above: bool | None = None
        self.low_start: int | None = None  # a run below off_uA in progress while above

    @property
    def watermark(self) -> int:
        return self.low_start if self.low_start is not None else self.next_center

    def initial_above(self, current_uA: np.ndarray) -> bool:
        return bool(np.mean(current_uA[: 2 * self.half + 1]) > self.on_uA)

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
            smoothed = (sums[width : width + count] - sums[:count]) / width
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
