"""The power profile: currents and durations per phase, read from a TOML file."""

from __future__ import annotations

import tomllib
from pathlib import Path

DEFAULT_PROFILE = Path(__file__).resolve().parent.parent / "profiles" / "reference.toml"


class Profile(dict):
    """A nested dict of the profile with dotted access: profile.get_path("wifi.connect_mA")."""

    def get_path(self, dotted: str):
        node = self
        for part in dotted.split("."):
            node = node[part]
        return node

    @property
    def cpu_mA(self) -> float:
        return self["cpu"]["current_mA"]

    def boot_s(self, version: str) -> float:
        """Wake alarm to code.py on CircuitPython `version` ("10.1.0"): the profile's figure for
        its release series ("10.1"), or its one figure for every release."""
        durations = self["boot"]["duration_s"]
        if not isinstance(durations, dict):
            return float(durations)
        series = ".".join(version.split(".")[:2])
        if series not in durations:
            raise KeyError(f"power profile {self.get('_path')}: no [boot] duration_s for {series}")
        return float(durations[series])


def load_profile(path: str | Path | None = None) -> Profile:
    path = Path(path) if path else DEFAULT_PROFILE
    if not path.exists():
        raise FileNotFoundError(f"power profile not found: {path}")
    with open(path, "rb") as handle:
        profile = Profile(tomllib.load(handle))
    profile["_path"] = str(path)
    return profile
