"""tools.status, the fleet view: status.json files placed in the local Dropbox with the official
SDK, read back through the tool's own SDK client, rows and flags checked against hand-written
expectations."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cloud import LocalDropbox
from sim.runner import LOCAL_DROPBOX
from tools import dbx, status

ROOT = Path(__file__).resolve().parent.parent
NOW = 1_780_900_000  # 2026-06-08T06:26:40Z, the time the fleet is judged at
NOW_ISO = "2026-06-08T06:26:40Z"
WRITTEN_LOCAL = "2026-06-08T06:00:00"  # every status here is written in the same zone


def status_doc(camera: str, hours_ago: float, **changes: object) -> dict:
    """A schema-1 status.json as docs/status.md describes it, healthy unless changed."""
    doc: dict[str, object] = {
        "schema": 1,
        "camera": camera,
        "firmware": "0.5.0",
        "circuitpython": "10.1.0",
        "written": int(NOW - hours_ago * 3600),
        "written_local": WRITTEN_LOCAL,
        "battery_v": 3.95,
        "battery_trend_v_per_day": -0.021,
        "counters": {
            "captured": 500,
            "uploaded": 480,
            "upload_batches": 20,
            "wakes_since_power_on": 510,
            "power_ons": 1,
        },
        "queue": {"length": 20, "oldest_waiting": 481},
        "card_free_kb": 30_000_000,
        "clock_error_s": 1.8,
        "drift_ppm": 4987.0,
        "config": "ok",
        "config_source": "local",
        "errors": [],
        "next_wake": NOW + 600,
    }
    doc.update(changes)
    return doc


FLEET: dict[str, bytes] = {
    "/timelapse/CAM01/status.json": json.dumps(status_doc("CAM01", 2)).encode(),
    "/timelapse/CAM02/status.json": json.dumps(status_doc("CAM02", 30)).encode(),
    "/timelapse/CAM03/status.json": json.dumps(
        status_doc(
            "CAM03",
            1,
            battery_v=3.51,
            config="camconfig.toml: [schedule] interval: not a number",
            config_source="remote",
            errors=[
                ["2026-06-05T01:00:00", "wifi", "no AP"],
                ["2026-06-08T05:00:00", "auth", "invalid_grant"],
            ],
        )
    ).encode(),
    "/timelapse/CAM04/status.json": b'{"schema": 1, "camera": "CAM04", "written": ',
    "/timelapse/CAM05/status.json": json.dumps(status_doc("CAM05", 1, schema=2)).encode(),
    # Only the required keys, and some this version does not know: read, not flagged.
    "/timelapse/CAM06/status.json": json.dumps(
        {"schema": 1, "camera": "CAM06", "written": NOW - 600, "solar_v": 5.1, "counters": {"new": 1}}
    ).encode(),
    # An old error (three days before the status) is not a recent one.
    "/timelapse/CAM07/status.json": json.dumps(
        status_doc("CAM07", 3, errors=[["2026-06-05T06:00:00", "upload", "HTTP 503"]])
    ).encode(),
    "/timelapse/CAM01/2026-06-08/CAM01_000480_20260608T055000.jpg": b"\xff\xd8 not read",
}
EXPECTED_FLAGS = {
    "CAM01": [],
    "CAM02": ["stale"],
    "CAM03": ["config", "auth", "battery", "errors"],
    "CAM04": ["unreadable"],
    "CAM05": ["unreadable"],
    "CAM06": [],
    "CAM07": [],
}


@pytest.fixture
def fleet(tmp_path: Path):
    """A local Dropbox holding FLEET, uploaded with the SDK: (server, its CA)."""
    with LocalDropbox(tmp_path / "cloud") as cloud:
        ca = cloud.folder / "ca.pem"
        uploader = dbx.client(LOCAL_DROPBOX, f"localhost:{cloud.https_port}", ca)
        for path, data in FLEET.items():
            uploader.files_upload(data, path)
        yield cloud, ca


def run_tool(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = status.main(["--now", NOW_ISO, *argv])
    return code, capsys.readouterr().out


def test_every_camera_is_listed_once_with_its_flags(fleet, capsys, tmp_path: Path) -> None:
    cloud, ca = fleet
    code, out = run_tool(
        capsys,
        "--json",
        "--local",
        f"localhost:{cloud.https_port}",
        "--local-ca",
        str(ca),
        "--settings",
        str(tmp_path / "none.toml"),
    )
    rows = {row["camera"]: row for row in json.loads(out)}
    assert {camera: row["flags"] for camera, row in rows.items()} == EXPECTED_FLAGS
    assert code == 1  # some camera is flagged
    fresh = rows["CAM01"]
    assert fresh["age_h"] == 2.0 and fresh["battery_v"] == 3.95 and fresh["waiting"] == 20
    assert fresh["battery_trend_v_per_day"] == -0.021 and fresh["drift_ppm"] == 4987.0
    assert fresh["clock_error_s"] == 1.8 and fresh["config"] == "ok" and fresh["config_source"] == "local"
    assert fresh["path"] == "/timelapse/CAM01/status.json" and fresh["last_error"] is None
    assert rows["CAM02"]["age_h"] == 30.0
    assert rows["CAM03"]["last_error"] == "2026-06-08T05:00:00 auth: invalid_grant"
    assert rows["CAM03"]["config_source"] == "remote"
    assert "not JSON" in rows["CAM04"]["problem"]
    assert "schema 2" in rows["CAM05"]["problem"] and "reads schema 1" in rows["CAM05"]["problem"]
    assert rows["CAM06"]["battery_v"] is None and rows["CAM06"]["age_h"] == pytest.approx(0.17)


def test_stale_threshold_is_the_option(fleet, capsys, tmp_path: Path) -> None:
    cloud, ca = fleet
    _, out = run_tool(
        capsys,
        "--json",
        "--stale",
        "2.5",
        "--local",
        f"localhost:{cloud.https_port}",
        "--local-ca",
        str(ca),
        "--settings",
        str(tmp_path / "none.toml"),
    )
    stale = {row["camera"] for row in json.loads(out) if "stale" in row["flags"]}
    assert stale == {"CAM02", "CAM07"}  # 30 h and 3 h; CAM01 is 2 h old


def test_table_marks_flagged_rows(fleet, capsys, tmp_path: Path) -> None:
    cloud, ca = fleet
    _, out = run_tool(
        capsys,
        "--local",
        f"localhost:{cloud.https_port}",
        "--local-ca",
        str(ca),
        "--settings",
        str(tmp_path / "none.toml"),
    )
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["camera", "last", "seen"]
    by_camera = {line.split()[1] if line.startswith("!") else line.split()[0]: line for line in lines[1:-1]}
    assert set(by_camera) == set(EXPECTED_FLAGS)
    assert (
        by_camera["CAM01"].startswith(" ")
        and "3.95 V" in by_camera["CAM01"]
        and "2.0 h" in by_camera["CAM01"]
    )
    assert "-0.021 V" in by_camera["CAM01"] and "4987 ppm" in by_camera["CAM01"]
    assert by_camera["CAM03"].startswith("!") and by_camera["CAM03"].endswith(
        "[config, auth, battery, errors]"
    )
    assert "(remote)" in by_camera["CAM03"]
    assert lines[-1] == "7 cameras, 4 flagged"


def test_a_simulator_runs_saved_folder_is_served_again(fleet, capsys, tmp_path: Path) -> None:
    cloud, _ = fleet
    cloud.stop()  # saves the index, as a simulator run does at its end
    code, out = run_tool(
        capsys, "--json", "--cloud-dir", str(cloud.folder), "--settings", str(tmp_path / "x")
    )
    assert sorted(row["camera"] for row in json.loads(out)) == sorted(EXPECTED_FLAGS)
    cloud.start()  # the fixture stops it again


def test_wrong_credentials_are_one_line_not_a_traceback(fleet, capsys, tmp_path: Path) -> None:
    cloud, ca = fleet
    settings = tmp_path / "settings.toml"
    settings.write_text(
        'DBX_APP_KEY = "sim-app-key"\nDBX_APP_SECRET = "sim-app-secret"\n'
        'DBX_REFRESH_TOKEN = "revoked-long-ago"\n'
    )
    code = status.main(
        ["--settings", str(settings), "--local", f"localhost:{cloud.https_port}", "--local-ca", str(ca)]
    )
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert captured.err.startswith("tools.status: ") and len(captured.err.splitlines()) == 1


def test_missing_settings_for_real_dropbox_say_so(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="not found"):
        status.main(["--settings", str(tmp_path / "settings.toml")])
    partial = tmp_path / "partial.toml"
    partial.write_text('DBX_APP_KEY = "k"\n')
    with pytest.raises(SystemExit, match="missing DBX_APP_SECRET, DBX_REFRESH_TOKEN"):
        status.main(["--settings", str(partial)])


def test_the_sdk_hosts_are_left_as_they_were(fleet) -> None:
    """Making a local client must not point the process's later Dropbox clients at it."""
    import dropbox.dropbox_client
    import dropbox.session

    assert "DROPBOX_API_HOST" not in os.environ
    assert dropbox.session.API_HOST == dropbox.dropbox_client.API_HOST == "api.dropboxapi.com"


def python_m(*args: str, cwd: Path = ROOT, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """`python -m ARGS` in a fresh interpreter that imports this checkout, without the host's CA
    bundle variables (requests would let them override the local Dropbox's CA)."""
    env = {k: v for k, v in os.environ.items() if k not in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")}
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_command_line(fleet, tmp_path: Path) -> None:
    cloud, ca = fleet
    done = python_m(
        "tools.status",
        "--now",
        NOW_ISO,
        "--local",
        f"localhost:{cloud.https_port}",
        "--local-ca",
        str(ca),
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines()[-1] == "7 cameras, 4 flagged"


@pytest.mark.slow
def test_three_simulated_cameras(tmp_path: Path) -> None:
    """A simulated fleet sharing one Dropbox: the film of one camera has all its photos, and the
    fleet view lists the three cameras from their status.json."""
    out = tmp_path / "fleet"
    # A write limit the three cameras' batches (6 photos and status.json each) fit in: at the
    # fleet's default of 6 a minute, the status write is the 7th and always refused.
    done = python_m("sim", "fleet", "--cameras", "3", "--days", "1", "--write-limit", "30", "--out", str(out))
    assert done.returncode == 0, done.stderr
    report = json.loads((out / "report.json").read_text())["cameras"]
    assert sorted(report) == ["CAM01", "CAM02", "CAM03"]

    film = python_m(
        "tools.video", str(out), "--camera", "CAM02", "--quiet", "-o", str(tmp_path / "cam02.mp4")
    )
    assert film.returncode == 0, film.stderr
    assert f"{report['CAM02']['captures']} frames of {report['CAM02']['captures']} photos" in film.stdout

    view = python_m(
        "tools.status",
        "--json",
        "--cloud-dir",
        str(out / "cloud"),
        "--now",
        "2026-06-02T00:00Z",
        "--settings",
        str(tmp_path / "none.toml"),
        timeout=300,
    )
    assert view.returncode in (0, 1), view.stderr
    rows = {row["camera"]: row for row in json.loads(view.stdout)}
    assert sorted(rows) == ["CAM01", "CAM02", "CAM03"]
    for camera, row in rows.items():
        assert "unreadable" not in row["flags"] and "stale" not in row["flags"], row
        assert f"/{camera.lower()}/" in row["path"].lower()
        assert 0 <= row["age_h"] < 24
        assert row["uploaded"] <= report[camera]["uploaded"] and row["captured"] <= report[camera]["captures"]
        assert 3.0 < row["battery_v"] < 4.3
