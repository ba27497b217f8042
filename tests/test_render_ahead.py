"""Photos rendered ahead in a second process are the photos this process would render (issue 18).

The oracle is scene.encode in this process: what a run renders without the second process.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from sim import render_ahead, scene
from sim.render_ahead import RenderAhead
from sim.runner import RunOptions, run

START = datetime(2026, 6, 20, 4, 0, tzinfo=UTC).timestamp()  # through dawn at Amsterdam


def _frames(count: int, size: str = "QVGA") -> list[scene.Frame]:
    return [scene.frame(size, 10, START + 600 * n, 52.37, 4.90, 0, 10 * n, "cam") for n in range(count)]


@pytest.fixture
def renderer(monkeypatch):
    monkeypatch.setattr(render_ahead, "START_AFTER", 0)
    made = RenderAhead()
    yield made
    made.close()


def test_frames_asked_ahead_are_the_bytes_rendered_here(renderer: RenderAhead) -> None:
    # The second process draws on this process's landscape, whose texture comes from the C
    # library's unseeded rand(): make this one's differ from what a new process would draw.
    scene._draw_landscape((8, 8))
    frames = _frames(12)
    got = []
    for n, frame in enumerate(frames):
        if n % 2 == 0:
            renderer.ask(frames[n + 1])  # the next, ahead: every other frame comes from there
        got.append(renderer.jpeg(frame))
    assert got == [scene.encode(frame) for frame in frames]
    assert (renderer.taken_ahead, renderer.rendered_here) == (6, 6)


def test_frames_foreseen_wrongly_are_rendered_here_and_not_hoarded(renderer: RenderAhead) -> None:
    wrong = _frames(3 * render_ahead.KEPT, "QQVGA")
    right = _frames(3 * render_ahead.KEPT)
    for guess, frame in zip(wrong, right, strict=True):
        renderer.ask(guess)
        assert renderer.jpeg(frame) == scene.encode(frame)
    assert renderer.taken_ahead == 0
    assert len(renderer._done) + len(renderer._asked) <= render_ahead.KEPT + render_ahead.IN_FLIGHT


def test_when_the_second_process_dies_frames_are_rendered_here(renderer: RenderAhead) -> None:
    frames = _frames(3)
    renderer.ask(frames[0])
    assert renderer.jpeg(frames[0]) == scene.encode(frames[0])
    assert renderer._process is not None
    renderer._process.kill()
    renderer._process.join()
    renderer.ask(frames[1])
    assert renderer.jpeg(frames[1]) == scene.encode(frames[1])
    assert renderer.jpeg(frames[2]) == scene.encode(frames[2])
    assert not renderer.enabled and renderer._process is None


def test_a_run_is_the_same_with_photos_rendered_ahead(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(render_ahead, "START_AFTER", 0)
    shared = render_ahead.RENDERER
    reports = {}
    for ahead in (False, True):
        out = tmp_path / str(ahead)
        before = shared.taken_ahead
        report = run(RunOptions(days=1.5, out=out, progress=False, render_ahead=ahead))
        report.pop("wall_s", None)
        reports[ahead] = (report, (out / "events.jsonl").read_text(), shared.taken_ahead - before)
    assert reports[False][0] == reports[True][0]
    assert reports[False][1] == reports[True][1]
    assert reports[False][2] == 0
    photos = reports[True][0]["captures"]
    assert photos > 120
    # Foreseen: every capture but the first two (nothing to guess from yet) and a few that
    # moved more than a second or a frame number from the guess.
    assert reports[True][2] >= photos - 6
