"""Copy the firmware to a CIRCUITPY drive: `make deploy CIRCUITPY=/path/to/drive`.

Copies the program of firmware/ (code.py, boot.py, safemode.py, state/ and timelapse/, as
tools/firmware.py lists it) and makes sd/, the card's mount point, when the drive lacks it;
keeps the user's camconfig.toml unless --replace-config, and never writes settings.toml
(secrets are the user's: firmware/settings.toml.example is the template); installs the device
libraries with `circup install -r firmware/requirements.txt` when circup is available; and
says what it did.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from tools import firmware


def deploy(drive: Path, replace_config: bool = False) -> list[str]:
    if not (drive / "boot_out.txt").exists():
        raise SystemExit(f"{drive} does not look like a CIRCUITPY drive (no boot_out.txt)")
    done = ["copied " + name for name in firmware.install(drive, config=False)]
    if not (drive / "sd").is_dir():
        # storage.mount needs its mount point: CircuitPython makes /sd when it formats the drive,
        # but a drive made by an older release, or tidied by hand, may lack it.
        (drive / "sd").mkdir()
        done.append("made sd/ (the card's mount point)")
    config = drive / firmware.CONFIG
    if replace_config or not config.exists():
        shutil.copy2(firmware.FIRMWARE_DIR / firmware.CONFIG, config)
        done.append("installed camconfig.toml")
    else:
        done.append("kept your camconfig.toml")
    if (drive / "settings.toml").exists():
        done.append("kept your settings.toml")
    else:
        done.append(
            "no settings.toml: copy firmware/settings.toml.example to the drive as "
            "settings.toml and fill it in"
        )
    circup = shutil.which("circup")
    if circup:
        result = subprocess.run(
            [
                circup,
                "--path",
                str(drive),
                "install",
                "-r",
                str(firmware.FIRMWARE_DIR / firmware.REQUIREMENTS),
            ],
            capture_output=True,
            text=True,
        )
        done.append(
            "circup installed the libraries"
            if result.returncode == 0
            else f"circup failed: {result.stderr.strip().splitlines()[-1:]}"
        )
    else:
        done.append(
            "circup not found: install the libraries with "
            "`pip install circup && circup install -r firmware/requirements.txt`"
        )
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("drive", type=Path, help="the mounted CIRCUITPY drive")
    parser.add_argument("--replace-config", action="store_true", help="overwrite camconfig.toml")
    args = parser.parse_args(argv)
    for line in deploy(args.drive, args.replace_config):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
