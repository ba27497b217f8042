"""The one manifest of what is firmware: what `firmware/` holds and what goes onto CIRCUITPY.

`firmware/` mirrors the CIRCUITPY drive. Deploy (tools/deploy.py), the simulator
(sim/runner.py, sim/vm.py), the gates and test boards (tests/), and the power comparison
(power_tests/compare.py) all read this module rather than keep their own lists;
tests/test_layout.py checks it against the folder.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
FIRMWARE_DIR = ROOT / "firmware"

# Copied to the drive as they are: the program (packages: their .py files only).
CODE = ("code.py", "boot.py", "safemode.py", "state", "timelapse")
# The user's configuration: copied to a drive that lacks it, else kept (deploy --replace-config).
CONFIG = "camconfig.toml"
# Never copied: the device libraries for the drive's lib/ (`circup install -r`, and the
# simulator copies the same modules from the host), and the template a user copies to the
# drive as settings.toml (secrets are the user's).
REQUIREMENTS = "requirements.txt"
SETTINGS_EXAMPLE = "settings.toml.example"
# Documentation kept next to the code it describes, never copied.
DOCS = ("state/README.md",)

ON_DRIVE = (*CODE, CONFIG)
ENTRIES = (*ON_DRIVE, REQUIREMENTS, SETTINGS_EXAMPLE)


def python_files(folder: Path = FIRMWARE_DIR) -> list[Path]:
    """Every .py file that runs on the board (what the gates compile and check)."""
    files: list[Path] = []
    for name in CODE:
        path = folder / name
        files.extend(sorted(path.glob("*.py")) if path.is_dir() else [path])
    return sorted(files)


def libraries(requirements: Path = FIRMWARE_DIR / REQUIREMENTS) -> list[Path]:
    """The .py files of the libraries named in requirements.txt (circup's format), as installed
    on the host by pip: the same versions the board gets from circup (the simulator and the VM
    harness copy these to the drive's lib/)."""
    files = []
    for line in requirements.read_text().splitlines():
        name = line.split("#")[0].strip().split("==")[0].strip()
        if not name:
            continue
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise SystemExit(f"{requirements}: device library {name!r} is not installed on the host")
        files.append(Path(spec.origin))
    return files


def install(drive: Path, folder: Path = FIRMWARE_DIR, config: bool = True) -> list[str]:
    """Copy the manifest's entries that `folder` has to `drive` (a test board's folder may hold
    code.py alone); camconfig.toml too when `config`. Returns the names copied."""
    done = []
    for name in ON_DRIVE if config else CODE:
        source, target = folder / name, drive / name
        if source.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            for file in sorted(source.glob("*.py")):
                shutil.copy2(file, target / file.name)
            done.append(name + "/")
        elif source.exists():
            shutil.copy2(source, target)
            done.append(name)
    return done


def importable() -> None:
    """Let host code import the firmware's `state.*` and `timelapse.*` (the state dump reader,
    judging a run, tests). firmware/ goes after the standard library: the board's code.py must
    not shadow CPython's `code`, which pdb imports."""
    if str(FIRMWARE_DIR) not in sys.path:
        sys.path.append(str(FIRMWARE_DIR))


def modules() -> SimpleNamespace:
    """The firmware modules host code reads (the validator, the clock and state records, the
    camera folder's rule), imported from firmware/."""
    importable()
    from state.store import State
    from timelapse import config, remote, timesync

    return SimpleNamespace(config=config, remote=remote, timesync=timesync, State=State)
