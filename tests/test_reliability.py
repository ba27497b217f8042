"""Reliability and security on the simulator: power cuts at any instant, every fault alone,
many cameras on one account, certificates, and secrets that never leave the board."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from sim.faults import BOARD, CLOUD
from sim.profile import load_profile
from state import record
from state.store import DURABLE, NVM_MAGIC, NVM_SIZE, NVM_VERSION
from tests.conftest import BOOT_S, durable_copies, roomy_battery_profile
from tools.firmware import FIRMWARE_DIR

pytestmark = pytest.mark.slow  # months of power cuts, fleets, faults: left out by `make check`


def events(out: Path, kind: str) -> list[dict]:
    rows = (json.loads(line) for line in (out / "events.jsonl").read_text().splitlines())
    return [row for row in rows if row["kind"] == kind]


@pytest.mark.parametrize("seed", [11, 12])
def test_two_hundred_power_cuts_in_a_month_lose_nothing(simulate, tmp_path, seed: int) -> None:
    """`python -m sim run --days 30 --power-cuts 200 --seed S` (docs/figures.md: Reliability)."""
    report, out = simulate(days=30, power_cuts=200, seed=seed, profile=roomy_battery_profile(tmp_path))
    assert report["power_cuts"] == 200
    assert report["lost_images"] == 0 and report["duplicate_uploads"] == 0 and report["crashes"] == 0
    cuts = [cut["phase"] for cut in events(out, "power_cut")]
    cut_in = set(cuts)
    assert {"sleep", "card", "camera", "nvm"} <= cut_in, cut_in  # at any instant ...
    assert cut_in & {"radio_tx", "radio_wait", "tls", "wifi_connect"}, cut_in  # ... uploads too
    seqs = [int(Path(c["name"]).name.split("_")[1].split(".")[0]) for c in events(out, "capture")]
    assert len(seqs) == len(set(seqs)) and seqs == sorted(seqs)  # never repeated, never back
    # The schedule resumes: a slot is missed only when a cut hit the wake that was taking it.
    assert report["missed_slots"] <= sum(1 for phase in cuts if phase != "sleep")
    assert report["uploaded"] + report["pending"] == report["captures"]


def test_counters_never_go_backwards_across_power_cuts(simulate, monkeypatch) -> None:
    """The durable counters, read after every wake from the newest valid copy (NVM, or the
    card's copies when a cut inside an NVM write emptied it), are never lost and only grow."""
    from sim import runner

    seen: dict[str, int] = {}
    original = runner.live_once

    def checked(device, end):
        alive = original(device, end)
        copies = durable_copies(bytes(device.nvm), device.sd)
        if seen:
            assert copies, "the durable record was lost"
        if copies:
            newest = record.merged(DURABLE, max(copies, key=lambda f: f.get("nvm_seq", 0)))
            for key in ("nvm_seq", "seq", "uploaded", "uploads", "batches", "power_ons"):
                assert newest[key] >= seen.get(key, 0), (key, newest[key], seen)
                seen[key] = newest[key]
        return alive

    monkeypatch.setattr(runner, "live_once", checked)
    report, out = simulate(days=4, power_cuts=30, seed=4)
    assert report["power_cuts"] == 30 and seen["power_ons"] >= 25 and seen["uploads"] > 200
    assert {c["phase"] for c in events(out, "power_cut")} >= {"nvm"}  # NVM was emptied


@pytest.mark.parametrize("fault", sorted(set(CLOUD) | {"ap_down"}))
def test_every_fault_alone_for_two_days(simulate, fault: str) -> None:
    report, out = simulate(days=2, faults=f"{fault}@0.3-1.7", start="2026-06-02T00:00:00Z")
    assert report["lost_images"] == 0 and report["duplicate_uploads"] == 0 and report["crashes"] == 0
    # The awake budget (40 s) counts from code.py; the boot before it is the release's.
    assert report["awake_s"].get("capture+network", {"max": 0})["max"] <= BOOT_S + 40 + 5
    # Retries are bounded by the backoff: never more than a join per wake, and a dead access
    # point or a broken account costs only a few joins a day.
    assert report["wifi_connects"] <= report["wakes"]
    if fault in ("ap_down", "revoked", "full"):
        joins = [e for e in events(out, "network") if "2026-06-02T08" <= e["t"] < "2026-06-03T16"]
        assert len(joins) <= 12, fault
    assert (
        report["charge_mAh"] <= 2 * 110
    )  # a fault-free day costs ~103 mAh (an OV2640 soft-reset in deep sleep)


def test_board_faults_are_recorded_and_survived(simulate) -> None:
    for fault in BOARD:
        report, _ = simulate(days=0.5, faults=fault)
        assert report["crashes"] == 0 and report["lost_images"] == 0, fault
        assert report["errors"], fault


def test_ten_cameras_share_one_account_under_write_contention(tmp_path: Path) -> None:
    from sim.fleet import run_fleet

    fleet = run_fleet(cameras=10, days=1, out=tmp_path / "fleet", seed=3)
    assert fleet["cloud"]["fault:write_contention"] > 10  # Dropbox did push back
    assert fleet["lost_images"] == 0 and fleet["duplicate_uploads"] == 0 and fleet["crashes"] == 0
    for camera, report in fleet["cameras"].items():
        # Every photo arrives once; what waits is the night's queue and the last batch.
        assert report["uploaded"] + report["pending"] == report["captures"], camera
        assert report["pending"] <= 25, (camera, report["pending"])
    folders = {p.parent.parent.name for p in (tmp_path / "fleet" / "cloud").rglob("*.jpg")}
    assert folders == {f"CAM{n:02d}" for n in range(1, 11)}


def test_an_untrusted_certificate_is_refused_and_recorded(tmp_path: Path) -> None:
    """A Dropbox impostor (certificate from another CA) gets no photo and no token."""
    from sim.cloud import LocalDropbox
    from sim.device import Device
    from sim.network import Network
    from sim.runner import install_firmware, live_once, parse_start

    network, impostor_ca = Network(), Network()
    folder = tmp_path / "device"
    folder.mkdir()
    install_firmware(FIRMWARE_DIR, folder, None, network)
    start = parse_start("2026-06-02T07:00:00Z")
    board = Device(folder, load_profile(), start_utc=start, network=network)
    with LocalDropbox(tmp_path / "impostor", impostor_ca, clock=lambda: board.clock.true) as impostor:
        for name in ("api.dropboxapi.com", "content.dropboxapi.com", "timeapi.io"):
            network.add_host(name, impostor.https_port, 0.1)
        network.add_host("pool.ntp.org", impostor.ntp_port, 0.01)
        while board.counters.captures < 8:
            live_once(board, start + 86400)
        assert impostor.stats["token"] == 0 and impostor.stats["upload"] == 0
    assert board.counters.tls_failures >= 1
    assert [e for e in board.events if e["kind"] == "tls_refused"]
    assert board.errors.get("network", 0) >= 1
    assert not list((tmp_path / "impostor").rglob("*.jpg"))


def test_secrets_never_reach_the_console_card_report_or_events(simulate) -> None:
    report, out = simulate(days=1, usb=True, start="2026-06-02T00:00:00Z")
    assert report["uploaded"] > 0
    settings = (out / "device" / "settings.toml").read_text()
    secrets = [
        line.split('"')[1]
        for line in settings.splitlines()
        if line.startswith(("WIFI_PASSWORD", "DBX_APP_SECRET", "DBX_REFRESH_TOKEN"))
    ]
    nvm = (out / "device" / ".sim" / "nvm.bin").read_bytes()
    token = record.merged(DURABLE, record.decode(nvm, 0, NVM_SIZE, NVM_MAGIC, NVM_VERSION))["token"]
    assert len(token) > 20  # a refreshed access token, kept in NVM as designed
    assert [p for p in (out / "device" / "sd").rglob("state*.bin")]  # the card's copies, tokenless
    exposed = [
        out / "console.log",
        out / "events.jsonl",
        out / "report.json",
        *(out / "device" / "sd").rglob("*"),
    ]
    for path in exposed:
        if path.is_file():
            data = path.read_bytes()
            for secret in [*secrets, token]:
                assert secret.encode() not in data, (path, secret[:4])


def test_settings_toml_is_ignored_by_git() -> None:
    result = subprocess.run(["git", "check-ignore", "-q", "settings.toml"], cwd=FIRMWARE_DIR)
    assert result.returncode == 0
