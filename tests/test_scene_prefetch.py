"""The camera's next frame is encoded ahead on the host's other core (sim/scene.py Prefetch); a
guess only ever saves time. The oracle is a plain encode of the same frame, and a run whose
every guess is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim import scene
from sim.hardware import Camera

NOON = 1_780_000_000.0  # 2026-05-28 20:26:40 UTC


def _frame(utc: float, number: int = 1) -> scene.Frame:
    return scene.frame_of("QVGA", 12, utc, 52.37, 4.90, 0, frame_number=number, label="CAM1")


def test_a_frame_guessed_right_gives_the_bytes_of_a_plain_encode() -> None:
    prefetch = scene.Prefetch()
    prefetch.start(_frame(NOON))
    assert prefetch.jpeg(_frame(NOON)) == scene.render_jpeg("QVGA", 12, NOON, 52.37, 4.90, 0, 1, "CAM1")


def test_a_frame_guessed_wrong_is_encoded_as_taken() -> None:
    prefetch = scene.Prefetch()
    prefetch.start(_frame(NOON))
    taken = prefetch.jpeg(_frame(NOON + 1))  # a second later: another stamp
    assert taken == scene.encode(_frame(NOON + 1)) != scene.encode(_frame(NOON))
    # The guess is spent: the next capture of the guessed frame encodes it again, the same.
    assert prefetch.jpeg(_frame(NOON)) == scene.encode(_frame(NOON))


def test_frames_differ_in_what_the_photo_shows() -> None:
    assert _frame(NOON) == _frame(NOON + 0.001)  # the same stamp, light and sun
    assert _frame(NOON) != _frame(NOON, number=2)
    assert _frame(NOON) != _frame(NOON + 1.0)


def _report(out: Path) -> dict:
    report = json.loads((out / "report.json").read_text())
    report.pop("wall_s")
    return report


def test_a_run_whose_every_guess_is_wrong_reports_the_same(simulate, monkeypatch: pytest.MonkeyPatch) -> None:
    guesses: list[int] = []
    _, right = simulate(days=0.5)
    start = Camera.expect_wake

    def wrong(self: Camera, true: float) -> None:
        guesses.append(1)
        start(self, true + 3600.0)  # an hour off: another stamp, another light

    monkeypatch.setattr(Camera, "expect_wake", wrong)
    _, off = simulate(days=0.5)
    assert len(guesses) > 40  # the run guessed at (nearly) every wake
    assert _report(right) == _report(off)
    assert (right / "events.jsonl").read_text() == (off / "events.jsonl").read_text()
    photos = sorted((right / "device" / "sd").rglob("*.jpg"))
    assert photos and [p.read_bytes() for p in photos] == [
        (off / p.relative_to(right)).read_bytes() for p in photos
    ]
