"""Firmware modules get what they need from a wake and hand back outcomes (issue 16): only
timelapse/cycle.py holds the Wake, and an outcome such as Dropbox's "come back later" reaches
the wake's plan through a return value."""

from __future__ import annotations

import ast

from tools.firmware import FIRMWARE_DIR, python_files


def test_no_firmware_function_outside_the_cycle_takes_the_wake() -> None:
    takers = []
    for path in python_files():
        if path == FIRMWARE_DIR / "timelapse" / "cycle.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and any(a.arg == "wake" for a in node.args.args):
                takers.append(f"{path.relative_to(FIRMWARE_DIR)}:{node.lineno} {node.name}")
    assert not takers, takers


def test_a_rate_limited_batch_brings_the_next_wake_forward(simulate) -> None:
    """Dropbox's 429 with Retry-After (the local Dropbox's fault) comes back from online.run as
    a time, and the wake plans an early wake on it rather than waiting for the next slot."""
    report, out = simulate(days=0.5, faults="rate_limit")
    console = (out / "console.log").read_text()
    early = [
        line
        for line in console.splitlines()
        if line.startswith("upload: Dropbox asked us to wait: next wake in")
    ]
    assert early, "no early wake after a rate limit"
    assert all(
        int(line.split("next wake in ")[1].split()[0]) < 600 for line in early
    )  # before the 10-minute slot
    assert report["uploaded"] > 0
