"""The power meter: charge (mA x virtual seconds) and time per phase."""

from __future__ import annotations

from collections import defaultdict


class Meter:
    def __init__(self) -> None:
        self.mAs: dict[str, float] = defaultdict(float)
        self.seconds: dict[str, float] = defaultdict(float)

    def add(self, phase: str, seconds: float, mA: float) -> None:
        self.mAs[phase] += seconds * mA
        self.seconds[phase] += seconds

    @property
    def total_mAh(self) -> float:
        return sum(self.mAs.values()) / 3600.0

    def per_phase_mAh(self) -> dict[str, float]:
        return {phase: round(mAs / 3600.0, 6) for phase, mAs in sorted(self.mAs.items())}
