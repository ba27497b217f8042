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


def load_profile(path: str | Path | None = None) -> Profile:
    path = Path(path) if path else DEFAULT_PROFILE
    if not path.exists():
        raise FileNotFoundError(f"power profile not found: {path}")
    with open(path, "rb") as handle:
        profile = Profile(tomllib.load(handle))
    profile["_path"] = str(path)
    return profile
