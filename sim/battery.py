"""The one-cell LiPo: its voltage from the charge drawn, its sag under load, brown-out and empty.

The rest (open-circuit) voltage follows a monotone curve of the state of charge: the shape of a
common 1S LiPo rest-voltage chart (4.20 V full ... 3.61 V at 5 % ... 3.27 V empty; an estimate,
no cell measured), scaled to the profile's `voltage_full` and `voltage_empty`. Under a current
the pads read less by `internal_resistance_ohm` x current (cell, protection MOSFETs, wiring; an
estimate). Below `brownout_v` at the pads the ESP32-S3 resets (reset reason BROWNOUT); once the
charge is used up, or the board cannot even boot without browning out, it stops for good.
"""

from __future__ import annotations

from bisect import bisect_left

# (state of charge, rest voltage) of the chart; only its shape is used.
_CHART = (
    (0.00, 3.27),
    (0.05, 3.61),
    (0.10, 3.69),
    (0.15, 3.71),
    (0.20, 3.73),
    (0.25, 3.75),
    (0.30, 3.77),
    (0.35, 3.79),
    (0.40, 3.80),
    (0.45, 3.82),
    (0.50, 3.84),
    (0.55, 3.85),
    (0.60, 3.87),
    (0.65, 3.91),
    (0.70, 3.95),
    (0.75, 3.98),
    (0.80, 4.02),
    (0.85, 4.08),
    (0.90, 4.11),
    (0.95, 4.15),
    (1.00, 4.20),
)


_UPPER = tuple(s for s, _ in _CHART[1:])  # the upper end of each segment, for bisect


def _shape(soc: float) -> float:
    """0 (empty) .. 1 (full), monotone in the state of charge."""
    soc = min(1.0, max(0.0, soc))
    low, high = _CHART[0][1], _CHART[-1][1]
    segment = bisect_left(_UPPER, soc)  # the first segment with soc <= its upper end
    if segment == len(_UPPER):
        return 1.0
    (s0, v0), (s1, v1) = _CHART[segment], _CHART[segment + 1]
    volts = v0 + (v1 - v0) * (soc - s0) / (s1 - s0)
    return (volts - low) / (high - low)


class Battery:
    def __init__(self, settings: dict) -> None:
        self.capacity_mAh = float(settings["capacity_mAh"])
        self.full_v = float(settings["voltage_full"])
        self.empty_v = float(settings["voltage_empty"])
        self.ohm = float(settings.get("internal_resistance_ohm", 0.0))
        self.brownout_v = float(settings.get("brownout_v", 0.0))
        self._safe_mAh: dict[float, float] = {}
        self._clear_mAh: dict[float, float] = {}

    def soc(self, drawn_mAh: float) -> float:
        return 1.0 - drawn_mAh / self.capacity_mAh

    def rest_volts(self, drawn_mAh: float) -> float:
        return self.empty_v + (self.full_v - self.empty_v) * _shape(self.soc(drawn_mAh))

    def volts(self, drawn_mAh: float, mA: float) -> float:
        """At the battery pads while the board draws `mA`."""
        return self.rest_volts(drawn_mAh) - self.ohm * mA / 1000.0

    def browns_out(self, drawn_mAh: float, mA: float) -> bool:
        # Asked at every charge the board spends: below the charge where this current would
        # first sag the pads to brown-out (with a margin), the answer is no without the curve.
        if drawn_mAh < self._safe(mA):
            return False
        return self.volts(drawn_mAh, mA) < self.brownout_v

    def clear_below(self, mA: float) -> float:
        """A charge drawn below which the battery is surely neither empty nor browning out at
        `mA`, with a margin of 1 ppm of the capacity for a charge added up with rounding."""
        clear = self._clear_mAh.get(mA)
        if clear is None:
            clear = self._clear_mAh[mA] = min(self._safe(mA), self.capacity_mAh) - 1e-6 * self.capacity_mAh
        return clear

    def _safe(self, mA: float) -> float:
        safe = self._safe_mAh.get(mA)
        if safe is None:
            safe = self._safe_mAh[mA] = self._safe_drawn(mA)
        return safe

    def _safe_drawn(self, mA: float) -> float:
        """A charge drawn below which `mA` surely does not brown out (the voltage falls
        monotonically with the charge drawn; 1 uV spares rounding)."""

        def holds(drawn: float) -> bool:
            return self.volts(drawn, mA) >= self.brownout_v + 1e-6

        if not holds(0.0):
            return 0.0
        low, high = 0.0, self.capacity_mAh
        for _ in range(60):
            middle = (low + high) / 2
            if holds(middle):
                low = middle
            else:
                high = middle
        return low

    def left_mAh(self, drawn_mAh: float) -> float:
        return self.capacity_mAh - drawn_mAh
