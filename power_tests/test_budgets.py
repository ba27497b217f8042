"""Power budgets on virtual time: deterministic figures of the reference profile, so a change that
costs energy fails here instead of shortening a deployment unnoticed."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.runner import RunOptions, run
from tests.conftest import roomy_battery_profile
from tools.firmware import FIRMWARE_DIR

pytestmark = pytest.mark.slow  # a simulated month: left out by `make check`

SHIPPED = (FIRMWARE_DIR / "camconfig.toml").read_text()

# Per capture-only wake: boot 1.5 s (CircuitPython 10.x), camera start + 3 frames 0.6 s, card,
# compile, state. The card's part grows with its folder: writing a photo as .tmp and renaming it
# reads the folder's entries 7 times, 0.2 s in a full folder of 100 (docs/fidelity.md, Storage).
CAPTURE_WAKE_MAX_S = 3.1
CAPTURE_WAKE_MAX_MAH = 0.050
# Over 30 days of the shipped configuration on the reference profile (mAh), with ~5 % headroom
# over the measured figures in docs/power.md.
MONTH_PHASE_BUDGET_MAH = {
    "sleep": 2950,
    "boot": 56,
    "camera": 50,
    "card": 21.5,  # ~20.4: writes, and (0.4.0) reads: photos to upload, listings, name lookups
    "compile": 16.0,  # 15.3 measured: type hints, the time bound, status.json, pin checks (0.4.0)
    "tls": 33,
    "wifi_connect": 14,
    "dhcp": 4,
    "dns": 0.7,
    "radio_tx": 63,
    "radio_wait": 36,
    "radio_rx": 0.5,
    "tcp_connect": 1.0,
    "nvm": 0.5,  # nvm: every write rewrites the 8 KB blob (docs/fidelity.md)
}  # radio_wait: 34.1 with status.json and the remote config check, two server waits a batch


def simulate(tmp_path: Path, days: float, config_text: str = SHIPPED, **options) -> dict:
    tmp_path.mkdir(parents=True, exist_ok=True)
    config = tmp_path / "camconfig.toml"
    config.write_text(config_text)
    return run(RunOptions(days=days, config=config, out=tmp_path / "run", progress=False, **options))


@pytest.fixture(scope="module")
def month(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("month")
    return simulate(folder, days=30, profile=roomy_battery_profile(folder))


def test_a_capture_only_wake_stays_under_its_budget(month: dict) -> None:
    capture = month["awake_s"]["capture"]
    assert capture["count"] > 2000
    assert capture["max"] <= CAPTURE_WAKE_MAX_S
    assert month["awake_mAh"]["capture"]["max"] <= CAPTURE_WAKE_MAX_MAH


def test_no_phase_exceeds_its_budget_across_a_month(month: dict) -> None:
    spent = month["per_phase_mAh"]
    unknown = set(spent) - set(MONTH_PHASE_BUDGET_MAH)
    assert not unknown, f"phases without a budget: {unknown}"
    over = {
        phase: (mAh, MONTH_PHASE_BUDGET_MAH[phase])
        for phase, mAh in spent.items()
        if mAh > MONTH_PHASE_BUDGET_MAH[phase]
    }
    assert not over, over
    assert month["charge_mAh"] <= 1.1 * month["floor_mAh"]
    assert month["lost_images"] == 0 and month["crashes"] == 0


def test_deep_sleep_is_charged_for_the_ov2640_soft_reset(month: dict) -> None:
    """The shipped OV2640 is soft-reset, never put in standby (it would hold the bus)."""
    assert month["camera_sleep_state"] == "soft_reset"
    assert month["sleep_mA"] == pytest.approx(0.064 + 1.02 + 2.94, abs=0.001)


def test_a_batch_costs_less_per_photo_the_larger_it_grows(tmp_path: Path) -> None:
    """One association and one handshake per host are shared by the photos of a batch."""
    per_photo = []
    for batch in (2, 6, 18):
        text = (
            SHIPPED.replace("batch_size = 6", f"batch_size = {batch}")
            .replace('window = ["07:00", "19:00"]\n', "")
            .replace('max_delay = "2h"', 'max_delay = "24h"')
        )
        report = simulate(
            tmp_path / f"batch{batch}", days=1.5, config_text=text, start="2026-06-02T00:00:00Z"
        )
        network, capture = report["awake_mAh"]["capture+network"], report["awake_mAh"]["capture"]
        wakes = report["awake_s"]["capture+network"]["count"]
        upload_mAh = (network["mean"] - capture["mean"]) * wakes
        per_photo.append(upload_mAh / report["uploaded"])
    assert per_photo[0] > per_photo[1] > per_photo[2], per_photo


def test_a_month_keeps_time_within_the_bound_with_few_joins_for_time(month: dict) -> None:
    """The same month (reference drift 5000 ppm, max_error 5 s): time syncs ride on uploads;
    a WiFi join for time alone happens about once a day once the clock's rate is learned."""
    assert month["max_clock_error_s"] <= 5
    assert abs(month["learned_drift_ppm"] - 5000) <= 500
    assert month["time_only_joins"] <= 30 + 20  # a day's learning after the cold start
    assert month["time_syncs"] > 300 and month["missed_slots"] == 0
