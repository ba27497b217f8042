"""The simulator is deterministic on a seed, and its host-side caches change nothing it reports.

Two runs on the same seed must write the same report.json (but the wall-clock seconds) and the
same events.jsonl: that is what makes "counters identical before and after a speed-up"
checkable. The second run of each pair also meets the caches the first one filled (compiled
scripts and modules, lit scenes), so an output that depended on them would differ here.
"""

from __future__ import annotations

import json

import pytest

WALL_CLOCK_FIELDS = {"wall_s"}


def _without_wall_clock(report: dict) -> dict:
    return {key: value for key, value in report.items() if key not in WALL_CLOCK_FIELDS}


@pytest.mark.parametrize(
    "options",
    [
        {},
        # the cloud's answers drawn from its seed: dropped, slow, failing and refused requests
        {"faults": "drop=0.2,slow=0.2,server_error=0.1,rate_limit=0.1", "seed": 3},
    ],
    ids=["plain", "cloud-faults"],
)
def test_two_runs_on_one_seed_report_the_same(simulate, options: dict) -> None:
    first, first_out = simulate(days=0.3, **options)
    second, second_out = simulate(days=0.3, **options)
    # The run did what the comparison needs: time syncs and uploads over TLS.
    assert first["time_syncs"] > 0 and first["uploaded"] > 0 and first["tls_handshakes"] > 0
    assert _without_wall_clock(first) == _without_wall_clock(second)
    assert _without_wall_clock(json.loads((first_out / "report.json").read_text())) == _without_wall_clock(
        json.loads((second_out / "report.json").read_text())
    )
    assert (first_out / "events.jsonl").read_text() == (second_out / "events.jsonl").read_text()
    assert (first_out / "console.log").read_text() == (second_out / "console.log").read_text()
    photos = sorted((first_out / "device" / "sd").rglob("*.jpg"))
    assert photos and all(
        p.read_bytes() == (second_out / p.relative_to(first_out)).read_bytes() for p in photos
    )
