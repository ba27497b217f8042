"""Shared fixtures: the firmware importable (tools.firmware.importable), and simulator runs in
temporary folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sim import circuitpython
from sim.device import Device
from sim.network import Network
from sim.profile import load_profile
from sim.runner import RunOptions, install_firmware, parse_start, run
from tools import firmware
from tools.firmware import ROOT

firmware.importable()  # tests import state.* and timelapse.*

START = parse_start(RunOptions.start)
BOOT_S = load_profile().boot_s(RunOptions.circuitpython)  # wake alarm to code.py, default release
CARD_COPIES = ("timelapse/state0.bin", "timelapse/state1.bin")  # the durable record's copies, under sd/


def durable_copies(nvm: bytes, sd: Path) -> list[dict]:
    """Every valid durable record of a board: the one in NVM and the card's copies."""
    from state import record
    from state.store import NVM_MAGIC, NVM_SIZE, NVM_VERSION

    images = [nvm] + [(sd / name).read_bytes() for name in CARD_COPIES if (sd / name).exists()]
    found = []
    for image in images:
        try:
            found.append(record.decode(image, 0, min(len(image), NVM_SIZE), NVM_MAGIC, NVM_VERSION))
        except record.RecordError:
            pass
    return found


def roomy_battery_profile(folder: Path, capacity_mAh: float = 6000.0) -> Path:
    """The reference profile with a battery that outlasts a month: an OV2640 board (soft reset,
    about 103 mAh a day) empties the reference 3000 mAh on day 29, and month-long tests judge
    other things than the battery."""
    text = (ROOT / "profiles" / "reference.toml").read_text()
    before = "capacity_mAh = 3000 "
    assert before in text
    path = folder / "roomy_battery.toml"
    path.write_text(text.replace(before, "capacity_mAh = %g " % capacity_mAh))
    return path


@pytest.fixture
def firmware_copy(tmp_path: Path) -> Path:
    """A copy of the firmware folder that a test may break."""
    target = tmp_path / "firmware"
    shutil.copytree(firmware.FIRMWARE_DIR, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


@pytest.fixture
def simulate(tmp_path: Path):
    """Run the simulator into a fresh folder: simulate(days=1, config_text=..., **options)."""
    runs = iter(range(1000))

    def _simulate(config_text: str | None = None, **options) -> tuple[dict, Path]:
        out = tmp_path / f"run{next(runs)}"
        if config_text is not None:
            out.mkdir(parents=True)
            (out / "camconfig.toml").write_text(config_text)
            options["config"] = out / "camconfig.toml"
        options.setdefault("progress", False)
        report = run(RunOptions(out=out, **options))
        return report, out

    return _simulate


@pytest.fixture
def make_board(tmp_path: Path):
    """make_board(name, code, **device options): a fresh simulated board running `code` as code.py."""

    def _make(name: str, code: str, **options) -> Device:
        home = tmp_path / (name or "board")
        firmware = home / "firmware"
        firmware.mkdir(parents=True, exist_ok=True)
        (firmware / "code.py").write_text(code)
        (firmware / "camconfig.toml").write_text("")
        (firmware / "requirements.txt").write_text("adafruit_requests\nadafruit_connection_manager\n")
        folder = home / "device"
        folder.mkdir(exist_ok=True)
        network = options.pop("network", None) or Network()
        install_firmware(firmware, folder, None, network)
        return Device(folder, load_profile(), start_utc=START, network=network, **options)

    return _make


@pytest.fixture
def awake(make_board):
    """awake(**device options): a simulated board inside a wake (its board modules reset, no
    wake records), its modules callable directly."""

    def _awake(**options) -> Device:
        device = make_board("awake", "", **options)
        circuitpython.current = device
        device._reset_board_modules()
        return device

    yield _awake
    circuitpython.current = None
