"""The simulated board refuses what CircuitPython refuses, per release (docs/fidelity.md)."""

from __future__ import annotations

import json

import pytest

from sim import circuitpython
from sim.circuitpython import hashlib_, versions
from sim.profile import load_profile
from sim.runner import RunOptions, run


@pytest.fixture
def board_on(make_board):
    """A simulated board awake on the given release, for calling its modules directly."""

    def awake(version: str):
        device = make_board(f"cp{version}", "", version=version)
        circuitpython.current = device
        return device

    yield awake
    circuitpython.current = None


def test_hashlib_has_only_new_and_digest(board_on) -> None:
    board_on("10.1.0")
    digest = hashlib_.new("sha256", b"abc")
    assert not hasattr(digest, "hexdigest")
    assert digest.digest_size == 32 and len(digest.digest()) == 32


@pytest.mark.parametrize("version", ["9.2.8", "10.0.3"])
def test_sha256_only_from_10_1(board_on, version: str) -> None:
    board_on(version)
    assert len(hashlib_.new("sha1", b"abc").digest()) == 20
    with pytest.raises(ValueError, match="Unsupported hash algorithm"):
        hashlib_.new("sha256")
    board_on("10.1.0")
    assert hashlib_.new("sha256", b"").digest().hex().startswith("e3b0c442")


def test_boot_time_follows_the_release() -> None:
    profile = load_profile()
    assert profile.boot_s("9.2.8") == 0.45
    assert profile.boot_s("10.0.3") == profile.boot_s("10.1.0") == 1.5
    with pytest.raises(ValueError, match="not modelled"):
        versions.get("8.2.0")


@pytest.mark.parametrize("version", sorted(versions.SUPPORTED))
@pytest.mark.slow
def test_two_days_upload_on_every_release(tmp_path, version: str) -> None:
    """CI's short deployment per release: photos reach Dropbox, nothing crashes or is lost."""
    report = run(RunOptions(days=2, out=tmp_path / "out", circuitpython=version, progress=False))
    assert report["circuitpython"] == version
    assert report["crashes"] == 0 and report["errors"].get("crash", 0) == 0
    assert report["uploaded"] > 100 and report["lost_images"] == 0 and report["duplicate_uploads"] == 0
    assert report["time_syncs"] > 0
    events = [json.loads(line) for line in (tmp_path / "out" / "events.jsonl").read_text().splitlines()]
    assert sum(e["kind"] == "capture" for e in events) == report["captures"]


def test_the_state_dump_names_the_release(tmp_path) -> None:
    """os.uname().release (shared-bindings/os/__init__.c) is the CircuitPython version: the dump
    says which release the camera runs, so a user knows whether uploads carry content_hash."""
    run(RunOptions(days=0.05, out=tmp_path / "out", circuitpython="9.2.8", usb=True, progress=False))
    console = (tmp_path / "out" / "console.log").read_text()
    assert "on CircuitPython 9.2.8" in console and '"circuitpython": "9.2.8"' in console
