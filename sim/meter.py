"""The power meter: charge (mA x virtual seconds) and time per phase, and the current over time
(`trace`: start, seconds, mA, phase) for the plots."""

from __future__ import annotations

from collections import defaultdict


class Meter:
    def __init__(self) -> None:
        self.mAs: dict[str, float] = defaultdict(float)
        self.seconds: dict[str, float] = defaultdict(float)
        self.trace: list[tuple[float, float, float, str]] = []
        # The charge added up as it comes: within rounding of `total_mAh` (that sums the phases,
        # an exact figure for the report), cheap enough to ask at every charge.
        self.running_mAs = 0.0

    def add(self, phase: str, seconds: float, mA: float, start: float) -> None:
        """`seconds` at `mA` in `phase`, beginning at true time `start`."""
        charge = seconds * mA
        self.mAs[phase] += charge
        self.running_mAs += charge
        self.seconds[phase] += seconds
        if seconds > 0:
            self.trace.append((start, seconds, mA, phase))

    @property
    def total_mAh(self) -> float:
        return sum(self.mAs.values()) / 3600.0

    def per_phase_mAh(self) -> dict[str, float]:
        return {phase: round(mAs / 3600.0, 6) for phase, mAs in sorted(self.mAs.items())}
