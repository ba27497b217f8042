"""CI gates over the host code (sim/, power_tests/, tools/, tests/): ruff finds no lint and
no line `ruff format` would change, and mypy type-checks it against CPython's stubs.
The firmware's own type check, against circuitpython-stubs, is tests/test_gates.py."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def test_ruff_finds_nothing() -> None:
    result = subprocess.run(
        [str(BIN / "ruff"), "check", "--no-cache", "--output-format", "concise", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_host_code_is_formatted() -> None:
    result = subprocess.run(
        [str(BIN / "ruff"), "format", "--check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_on_host_code() -> None:
    # The baselines (power_tests/baselines) are firmware: `board` comes from the board's stubs.
    subprocess.run(
        [str(BIN / "circuitpython_setboard"), "seeed_xiao_esp32_s3_sense"], check=True, capture_output=True
    )
    # A cache of its own per checkout, kept between runs: a warm check takes seconds, not 20.
    cache = Path(tempfile.gettempdir()) / f"mypy-host-{hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]}"
    # No files named: pyproject.toml's [tool.mypy] `files` lists the host code.
    result = subprocess.run(
        [str(BIN / "mypy"), "--cache-dir", str(cache)], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
