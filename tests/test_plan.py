"""`python -m sim plan` (sim/plan.py): its months add up to the meter of a plain `sim run` over
the same days, a sample scaled to its month agrees with running the month, and a change that
must save charge is found. Oracles: the plain run's report.json and events.jsonl, and photo
counts worked out from the schedule by hand."""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from sim.__main__ import main
from sim.candidates import set_key
from sim.plan import PlanOptions, plan, windows
from tools.firmware import FIRMWARE_DIR

START = "2026-06-30T12:00:00Z"  # a day that crosses a month: half in June, half in July


@pytest.fixture(scope="module")
def plain_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, list[dict]]:
    """`python -m sim run` over the day: its report and events."""
    out = tmp_path_factory.mktemp("plain")
    assert main(["run", "--days", "1", "--start", START, "--quiet", "--no-preview", "--out", str(out)]) == 0
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    return json.loads((out / "report.json").read_text()), events


def test_a_full_plan_splits_the_run_into_months_that_add_up_to_its_meter(
    tmp_path: Path, plain_run: tuple[dict, list[dict]]
) -> None:
    report, events = plain_run
    result = plan(
        PlanOptions(
            start=START, days=1, full=True, try_candidates=False, workers=1, progress=False, out=tmp_path
        )
    )
    assert [m["month"] for m in result["months"]] == ["2026-06", "2026-07"]
    assert [m["days"] for m in result["months"]] == [0.5, 0.5]
    assert result["charge_mAh"] == pytest.approx(report["charge_mAh"], rel=1e-4)
    assert sum(m["charge_mAh"] for m in result["months"]) == pytest.approx(report["charge_mAh"], rel=1e-4)
    assert result["photos"] == report["captures"]
    assert result["uploads"] == report["uploaded"]
    per_month = Counter(event["t"][:7] for event in events if event["kind"] == "capture")
    assert [m["photos"] for m in result["months"]] == [per_month["2026-06"], per_month["2026-07"]]
    assert result["battery_days"] == pytest.approx(3000 / report["charge_mAh"], abs=0.1)
    assert (tmp_path / "plan.png").stat().st_size > 10_000
    assert "2026-07" in (tmp_path / "plan.txt").read_text()


def test_a_sampled_plan_agrees_with_a_plain_run_over_the_same_days(
    tmp_path: Path, plain_run: tuple[dict, list[dict]]
) -> None:
    report, _ = plain_run
    result = plan(
        PlanOptions(
            start=START,
            days=1,
            sample_days=1,
            warmup_days=0.5,
            try_candidates=False,
            workers=1,
            progress=False,
            out=tmp_path,
        )
    )
    assert "sample" in result["method"]
    assert result["charge_mAh"] == pytest.approx(report["charge_mAh"], rel=0.01)
    assert result["photos"] == pytest.approx(report["captures"], rel=0.01)
    assert result["uploads"] == pytest.approx(report["uploaded"], rel=0.1)


def test_a_year_is_twelve_months_each_with_a_week_from_its_middle() -> None:
    found = windows(PlanOptions(start="2026-06-01T00:00:00Z", days=365, sample_days=7))
    assert [w.month for w in found] == ["2026-%02d" % m for m in range(6, 13)] + [
        "2027-%02d" % m for m in range(1, 6)
    ]
    assert sum(w.days for w in found) == pytest.approx(365)
    june = found[0]
    assert (june.count_from, june.count_last) == ("2026-06-12", "2026-06-18")
    assert june.run_days == pytest.approx(8.0)  # after a day of warm-up
    assert found[7].count_from == "2027-01-13"  # 31 days: the week around the 16th


def test_a_night_interval_is_found_to_help_a_camera_that_shoots_round_the_clock(tmp_path: Path) -> None:
    config = (FIRMWARE_DIR / "camconfig.toml").read_text()
    config = "\n".join(
        line for line in config.splitlines() if not line.startswith(("active_hours", "night_interval"))
    )
    path = tmp_path / "round_the_clock.toml"
    path.write_text(config)
    result = plan(
        PlanOptions(
            config=path,
            start="2026-06-10T00:00:00Z",
            days=0.5,
            sample_days=1,
            warmup_days=0,
            only=("night_interval",),
            workers=1,
            progress=False,
            out=tmp_path / "plan",
        )
    )
    assert result["photos"] == 72  # 01:00-13:00 local every 10 minutes
    (night,) = result["candidates"]
    assert night["photos_per_day"] == (5 + 7 * 6) * 2  # hourly 01:00-05:00, then every 10 min from 06:00
    assert night["gain_days"] > 0
    assert result["best"]["label"] == "night_interval"
    assert "night_interval" in (tmp_path / "plan" / "plan.txt").read_text()


def test_a_change_is_written_into_its_own_table_and_nowhere_else() -> None:
    text = '[camera]\nid = "A"  # name\n[upload]\nid_like = 1\nbatch_size = 6   # photos\n'
    edited = set_key(text, "upload", "batch_size", 12)
    assert tomllib.loads(edited) == {"camera": {"id": "A"}, "upload": {"id_like": 1, "batch_size": 12}}
    added = set_key(text, "schedule", "active_hours", ["06:00", "20:00"])
    assert tomllib.loads(added)["schedule"] == {"active_hours": ["06:00", "20:00"]}
    assert tomllib.loads(set_key(text, "camera", "frame_size", "VGA"))["camera"] == {
        "id": "A",
        "frame_size": "VGA",
    }


@pytest.mark.slow
def test_a_week_scaled_to_two_weeks_agrees_with_running_the_two_weeks(tmp_path: Path) -> None:
    start = "2026-12-01T00:00:00Z"
    assert (
        main(
            [
                "run",
                "--days",
                "14",
                "--start",
                start,
                "--quiet",
                "--no-preview",
                "--out",
                str(tmp_path / "plain"),
            ]
        )
        == 0
    )
    report = json.loads((tmp_path / "plain" / "report.json").read_text())
    result = plan(
        PlanOptions(
            start=start,
            days=14,
            sample_days=7,
            try_candidates=False,
            workers=1,
            progress=False,
            out=tmp_path / "plan",
        )
    )
    assert result["charge_mAh"] == pytest.approx(report["charge_mAh"], rel=0.01)
    assert result["photos"] == pytest.approx(report["captures"], rel=0.01)
    assert result["uploads"] == pytest.approx(report["uploaded"], rel=0.03)
