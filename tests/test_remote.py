"""Remote status and configuration through the camera's Dropbox folder (issue 17).

status.json after each upload batch, camconfig.toml fetched from the camera's folder when its
ETag changed, applied from the next wake, a broken one rejected with its error in the status,
and no TLS handshake more per batch. The local Dropbox is read and written with the official
SDK, as a user's tool would.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest
import requests

from power_tests.compare import without
from sim.cloud import LocalDropbox
from sim.cloud.conditional import etag, place
from sim.device import Device
from sim.network import Network
from sim.profile import load_profile
from sim.runner import install_firmware, parse_start
from timelapse import remote, summary
from tools.firmware import FIRMWARE_DIR

# The keys docs/status.md promises the fleet tool.
CONTRACT = {
    "schema",
    "camera",
    "firmware",
    "circuitpython",
    "written",
    "written_local",
    "battery_v",
    "battery_trend_v_per_day",
    "counters",
    "queue",
    "card_free_kb",
    "clock_error_s",
    "drift_ppm",
    "config",
    "config_source",
    "errors",
    "next_wake",
}
COUNTERS = {"captured", "uploaded", "upload_batches", "wakes_since_power_on", "power_ons"}
# A camera that uploads at every wake: each wake is a batch.
EVERY_WAKE = """
[camera]
id = "FIELD7"
[schedule]
interval = "10m"
utc_offset = "+02:00"
[upload]
batch_size = 1
path = "/cams/{id}/{date}/{name}"
"""
FOLDER = "/cams/FIELD7"


def test_camera_folder_is_the_template_up_to_the_first_placeholder_after_the_id() -> None:
    assert remote.camera_folder("/timelapse/{id}/{date}/{name}", "CAM1") == "/timelapse/CAM1"
    assert remote.camera_folder("/{id}/{name}", "CAM1") == "/CAM1"
    assert remote.camera_folder("/a/cam-{id}/b/{date}/{name}", "X") == "/a/cam-X/b"
    # without {id}: the folder before the first placeholder, plus the id
    assert remote.camera_folder("/timelapse/{date}/{name}", "CAM1") == "/timelapse/CAM1"
    assert remote.camera_folder("/{name}", "CAM1") == "/CAM1"
    # {id} sharing a component with another placeholder: cut before it, then the id
    assert remote.camera_folder("/t/{id}_{date}/{name}", "CAM1") == "/t/CAM1"


def test_local_times_carry_the_offset() -> None:
    assert summary.readable(1780300800, 3600) == "2026-06-01T09:00:00+01:00"
    assert summary.readable(1780300800, -5 * 3600 - 1800) == "2026-06-01T02:30:00-05:30"


# -- one board, wake by wake, against the local Dropbox ------------------------------------------


class Field:
    """A simulated board and the local Dropbox it uploads to, woken one wake at a time."""

    def __init__(self, folder: Path, config: str):
        (folder / "device").mkdir(parents=True)
        config_path = folder / "camconfig.toml"
        config_path.write_text(config)
        self.network = Network()
        self.home = folder / "device"
        install_firmware(FIRMWARE_DIR, self.home, config_path, self.network)
        self.device = Device(
            self.home,
            load_profile(),
            start_utc=parse_start("2026-06-01T08:00:00Z"),
            drift_ppm=0,
            network=self.network,
        )
        self.cloud = LocalDropbox(
            folder / "cloud",
            self.network,
            clock=lambda: self.device.clock.true,
            delay=self.device.server_delay,
        )

    def wake(self) -> None:
        """Up to and including the next wake that takes a photo (wakes between slots only
        learn the clock's rate: sync, no photo, no batch)."""
        taken = len(self.device.capture_times)
        for _ in range(5):
            outcome, target = self.device.wake()
            assert outcome == "sleep" and isinstance(target, float), (outcome, target)
            self.device.sleep_until(target, float("inf"))
            self.device.reset_reason = "DEEP_SLEEP_ALARM"
            if len(self.device.capture_times) > taken:
                return
        raise AssertionError("five wakes without a photo")

    def status(self) -> dict:
        return json.loads(self.cloud.files()[FOLDER + "/status.json"])

    def gaps(self, count: int) -> list[float]:
        """The last `count` intervals between captures (true time)."""
        return [b[0] - a[0] for a, b in pairwise(self.device.capture_times[-count - 1 :])]

    def edit_local(self, text: str) -> None:
        """An edit over USB: new text, a later modification time."""
        path = self.home / "camconfig.toml"
        mtime = path.stat().st_mtime + 3600
        path.write_text(text)
        os.utime(path, (mtime, mtime))


@pytest.fixture
def field(tmp_path: Path) -> Iterator[Field]:
    board = Field(tmp_path, EVERY_WAKE)
    with board.cloud:
        yield board


def test_remote_config_applies_from_the_next_wake_and_a_local_edit_wins_after(field: Field) -> None:
    for _ in range(3):
        field.wake()
    assert field.status()["config_source"] == "local"
    assert all(abs(g - 600) < 5 for g in field.gaps(2))
    place(field.cloud, FOLDER + "/camconfig.toml", EVERY_WAKE.replace('"10m"', '"5m"').encode())
    field.wake()  # this batch sees it: the status tells the next wake's
    assert field.status()["config_source"] == "remote"
    for _ in range(3):
        field.wake()  # ... and the wakes after it run on it
    gaps = field.gaps(4)
    # the wake that fetched it had planned the next on 10 min; that next one plans on 5
    assert all(abs(g - 600) < 5 for g in gaps[:2]), gaps
    assert all(abs(g - 300) < 5 for g in gaps[2:]), gaps
    assert field.status()["config_source"] == "remote"
    downloads = field.cloud.stats["download"]
    # someone at the camera edits the local file: it wins over the remote one from this wake
    field.edit_local(EVERY_WAKE.replace('"10m"', '"15m"'))
    for _ in range(4):
        field.wake()
    assert all(abs(g - 900) < 5 for g in field.gaps(3)), field.gaps(3)
    assert field.status()["config_source"] == "local"
    # the unchanged remote file was asked for once a batch and never sent again (304)
    assert field.cloud.stats["download"] == downloads + 4
    assert field.status()["config"] == "ok"


def test_broken_remote_config_leaves_the_good_one_with_its_error_in_the_status(field: Field) -> None:
    place(field.cloud, FOLDER + "/camconfig.toml", EVERY_WAKE.replace('"10m"', '"5m"').encode())
    for _ in range(3):
        field.wake()
    assert field.status()["config_source"] == "remote"
    place(field.cloud, FOLDER + "/camconfig.toml", b'[schedule]\ninterval = "soon"\n')
    for _ in range(4):
        field.wake()
    status = field.status()
    assert "schedule.interval" in status["config"] and "soon" in status["config"]
    assert status["config_source"] == "remote"  # still the good remote file
    assert all(abs(g - 300) < 5 for g in field.gaps(4))  # capturing goes on, on 5 minutes
    assert status["errors"] and status["errors"][-1][1] == "config"
    assert status["errors"][-1][0].endswith("+02:00")  # the error's local time
    assert field.device.errors["config"] == 1  # fetched and rejected once
    from state.store import State
    from timelapse import summary

    state = State.load(field.device.sleep_memory, field.device.nvm)
    assert summary.facts(state, state.durable["config"], 0, True)["config"] == status["config"]  # the dump
    # a corrected file is taken again
    place(field.cloud, FOLDER + "/camconfig.toml", EVERY_WAKE.replace('"10m"', '"20m"').encode())
    for _ in range(4):
        field.wake()
    assert field.status()["config"] == "ok"
    assert abs(field.gaps(1)[0] - 1200) < 5  # on the 20-minute grid (the first step may be shorter)


def test_oversized_remote_file_is_refused_unread_and_the_status_still_written(field: Field) -> None:
    field.wake()
    big = EVERY_WAKE.replace('"10m"', '"5m"') + "# padding\n" * 1000  # over 8 kB
    place(field.cloud, FOLDER + "/camconfig.toml", big.encode())
    for _ in range(3):
        field.wake()
    status = field.status()
    assert "more than 8192" in status["config"] and status["config_source"] == "local"
    assert abs(status["written"] - field.device.capture_times[-1][0]) < 60  # by the last wake
    assert field.device.errors["config"] == 1  # refused once, by its ETag
    assert all(abs(g - 600) < 5 for g in field.gaps(2))


def test_remote_file_deleted_returns_to_the_local_file(field: Field) -> None:
    place(field.cloud, FOLDER + "/camconfig.toml", EVERY_WAKE.replace('"10m"', '"5m"').encode())
    for _ in range(4):
        field.wake()
    assert abs(field.gaps(1)[0] - 300) < 5
    with field.cloud.lock:
        field.cloud.store.remove((FOLDER + "/camconfig.toml").lower())
    for _ in range(4):
        field.wake()
    assert all(abs(g - 600) < 5 for g in field.gaps(2))
    assert field.status()["config_source"] == "local"


def test_status_matches_the_state_dump(field: Field) -> None:
    for _ in range(3):
        field.wake()
    from state.store import State
    from timelapse import summary

    state = State.load(field.device.sleep_memory, field.device.nvm)
    facts = summary.facts(state, state.durable["config"], 0, True)
    status = field.status()
    # written after the batch, before the wake ends (and is counted as a wake)
    counters = facts["counters"]
    assert status["counters"] == dict(counters, wakes_since_power_on=counters["wakes_since_power_on"] - 1)
    assert status["queue"]["length"] == facts["queue"]["length"] == 0
    assert status["camera"] == "FIELD7"
    assert status["next_wake"] - status["written"] == pytest.approx(600, abs=30)
    assert status["written_local"].endswith("+02:00")


# -- a simulated run, read with the official SDK -----------------------------------------------------


def reload_sdk():
    import dropbox.dropbox_client
    import dropbox.session

    importlib.reload(dropbox.session)
    return importlib.reload(dropbox.dropbox_client)


@pytest.fixture
def sdk_of(monkeypatch: pytest.MonkeyPatch):
    """sdk_of(cloud): an official dropbox.Dropbox client of a running local Dropbox."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)

    def make(cloud: LocalDropbox):
        monkeypatch.setenv("DROPBOX_API_HOST", f"localhost:{cloud.https_port}")
        monkeypatch.setenv("DROPBOX_API_CONTENT_HOST", f"localhost:{cloud.https_port}")
        client = reload_sdk()
        return client.Dropbox(
            oauth2_refresh_token="sim-refresh-token",
            app_key="sim-app-key",
            app_secret="sim-app-secret",
            ca_certs=str(cloud.folder / "ca.pem"),
            max_retries_on_error=0,
        )

    yield make
    monkeypatch.undo()
    reload_sdk()


def test_status_json_after_each_batch_read_by_the_sdk(simulate, sdk_of, tmp_path: Path) -> None:
    fast = tmp_path / "fast.toml"
    fast.write_text(
        (FIRMWARE_DIR / "camconfig.toml").read_text().replace('interval = "10m"', 'interval = "5m"')
    )
    report, out = simulate(days=2, remote_config=(f"{fast}@0.5",))
    assert report["crashes"] == 0
    status_writes = sum(
        1
        for line in (out / "console.log").read_text().splitlines()
        if line.startswith("status: /timelapse/CAM1/status.json")
    )
    assert status_writes == report["upload_batches"] > 10
    (applied,) = report["remote_configs"]
    assert applied["accepted"] and applied["applied"] > applied["fetched"] > applied["placed"]
    # judged by the configuration in force: 10 minutes, then 5 from the wake after the fetch
    assert report["missed_slots"] == 0 and report["scheduled_slots"] == report["captures"]
    with LocalDropbox(out / "cloud") as cloud:
        dbx = sdk_of(cloud)
        meta, response = dbx.files_download("/timelapse/CAM1/status.json")
        status = json.loads(response.content)
        assert response.headers["ETag"] == etag(meta.rev)
        assert CONTRACT <= set(status) and COUNTERS <= set(status["counters"])
        assert {"length", "oldest_waiting"} <= set(status["queue"])
        assert status["schema"] == 1 and status["config"] == "ok" and status["config_source"] == "remote"
        assert status["counters"]["upload_batches"] == report["upload_batches"]
        assert status["counters"]["uploaded"] == report["uploaded"]
        assert isinstance(status["written"], int) and isinstance(status["next_wake"], int)
        assert status["next_wake"] > status["written"]
        assert isinstance(status["battery_trend_v_per_day"], float)  # two days of readings
        # the user writes a new camconfig.toml with the SDK; the camera's ETag no longer matches
        from dropbox.files import WriteMode

        new = dbx.files_upload(
            b'[schedule]\ninterval = "15m"\n', "/timelapse/CAM1/camconfig.toml", mode=WriteMode.overwrite
        )
        session = requests.Session()
        session.verify = str(cloud.folder / "ca.pem")
        session.trust_env = False
        token = dbx._oauth2_access_token
        url = f"https://localhost:{cloud.https_port}/2/files/download"
        arg = json.dumps({"path": "/timelapse/CAM1/camconfig.toml"})
        same = session.get(
            url,
            headers={
                "Authorization": "Bearer " + token,
                "Dropbox-API-Arg": arg,
                "If-None-Match": etag(new.rev),
            },
        )
        assert same.status_code == 304 and same.content == b""
        changed = session.get(
            url,
            headers={
                "Authorization": "Bearer " + token,
                "Dropbox-API-Arg": arg,
                "If-None-Match": etag(applied_rev(out)),
            },
        )
        assert changed.status_code == 200 and changed.content == b'[schedule]\ninterval = "15m"\n'
        assert changed.headers["ETag"] == etag(new.rev)


def applied_rev(out: Path) -> str:
    line = next(
        line for line in (out / "console.log").read_text().splitlines() if "from Dropbox accepted" in line
    )
    return line.split('W/"')[1].split('"')[0]


def test_no_extra_tls_handshake_per_batch(simulate, tmp_path: Path) -> None:
    ours, _ = simulate(days=1)
    bare, _ = simulate(days=1, firmware=without("status.json and remote config", tmp_path / "bare"))
    assert ours["upload_batches"] == bare["upload_batches"] > 5
    assert ours["tls_handshakes"] == bare["tls_handshakes"]
    # joins for uploads (the first day's clock learning adds time-only joins that a few
    # milliseconds more or less awake can shift by one either way)
    assert ours["wifi_connects"] - ours["time_only_joins"] == bare["wifi_connects"] - bare["time_only_joins"]
    # two requests more per batch: the conditional download and the status upload
    assert ours["http_requests"] - bare["http_requests"] == 2 * ours["upload_batches"]
