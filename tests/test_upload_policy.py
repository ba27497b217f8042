"""The upload policy and the Dropbox client's pure parts: when a batch is due, where a photo
goes, the header-safe argument, Dropbox's content hash and the Date header."""

from __future__ import annotations

import email.utils
import hashlib
import json
from datetime import UTC, datetime, time

import pytest

from state import auth, record
from state.store import DURABLE, HOT
from timelapse import config, dropbox, upload

CFG = config.load("""
[upload]
batch_size = 6
max_delay = "2h"
window = ["07:00", "19:00"]
min_battery_v = 3.55
""")
NOON = 1780000000 - 1780000000 % 86400 + 12 * 3600  # a UTC noon; local = UTC here


def queue(waiting, queued_at=NOON - 600):
    hot = record.merged(HOT, {"seq": 10 + waiting, "uploaded": 10, "queued_at": queued_at})
    return hot, record.merged(DURABLE, {})


def test_a_full_batch_is_due_inside_the_window():
    hot, durable = queue(6)
    assert upload.due(hot, durable, CFG, NOON, NOON, 3.9) == "batch"
    hot, durable = queue(5)
    assert upload.due(hot, durable, CFG, NOON, NOON, 3.9) == ""


def test_the_oldest_photo_waiting_max_delay_makes_a_batch_due():
    hot, durable = queue(2, queued_at=NOON - 2 * 3600)
    assert upload.due(hot, durable, CFG, NOON, NOON, 3.9) == "delay"


def test_no_upload_outside_the_window_on_a_low_battery_or_while_backing_off():
    hot, durable = queue(8)
    night = NOON + 9 * 3600
    assert upload.due(hot, durable, CFG, night, night, 3.9) == ""
    assert upload.due(hot, durable, CFG, NOON, NOON, 3.50) == ""
    hot["backoff"] = [2, NOON + 60]  # the record's field, as state/README.md lays it out
    assert upload.due(hot, durable, CFG, NOON, NOON, 3.9) == ""
    assert upload.due(hot, durable, CFG, NOON + 60, NOON + 60, 3.9) == "batch"


def test_a_broken_authorisation_waits_for_settings_toml_to_change(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "settings.toml").write_text('DBX_REFRESH_TOKEN = "revoked"\n')
    hot, durable = queue(8)
    auth.stop(durable, "auth", upload.settings_key())
    auth.recheck(durable, upload.settings_key)
    assert upload.due(hot, durable, CFG, NOON, NOON, 3.9) == ""
    (tmp_path / "settings.toml").write_text('DBX_REFRESH_TOKEN = "a new one"\n')
    assert upload.due(hot, durable, CFG, NOON, NOON, 3.9) == "", "due() only reads"
    auth.recheck(durable, upload.settings_key)
    assert upload.due(hot, durable, CFG, NOON, NOON, 3.9) == "batch"
    assert durable["auth_broken"] == ""


@pytest.mark.parametrize(
    "minute, window, inside",
    [
        (7 * 60, [7 * 60, 19 * 60], True),
        (19 * 60, [7 * 60, 19 * 60], False),
        (23 * 60, [22 * 60, 6 * 60], True),
        (5 * 60, [22 * 60, 6 * 60], True),
        (12 * 60, [22 * 60, 6 * 60], False),
        (3 * 60, None, True),
    ],
)
def test_window_spanning_midnight(minute, window, inside):
    assert upload.in_window(NOON - 12 * 3600 + minute * 60, window) is inside


def test_the_remote_path_comes_from_the_file_name_alone():
    template = "/timelapse/{id}/{date}/{name}"
    assert (
        upload.remote_path(template, "CAM1", 7, "CAM1_000007_20260601T061000.jpg")
        == "/timelapse/CAM1/2026-06-01/CAM1_000007_20260601T061000.jpg"
    )
    assert (
        upload.remote_path(template, "CAM1", 7, "CAM1_000007.jpg")
        == "/timelapse/CAM1/undated/CAM1_000007.jpg"
    )
    assert upload.remote_path("/{id}/{seq}/{name}", "C", 7, "C_000007.jpg") == "/C/000007/C_000007.jpg"


def test_the_argument_header_is_ascii_and_decodes_to_the_argument():
    arg = {"path": "/timelapse/Kamera-Süd/日本/🌅.jpg", "mode": "add"}
    text = dropbox.header_json(arg)
    assert text.isascii()
    assert json.loads(text) == arg


def test_content_hash_follows_dropbox_blocks():
    data = bytes(range(256)) * (9 * 1024 * 1024 // 256 + 7)  # three 4 MiB blocks, the last short
    block = 4 * 1024 * 1024
    digests = b"".join(hashlib.sha256(data[i : i + block]).digest() for i in range(0, len(data), block))
    assert dropbox.content_hash(data) == hashlib.sha256(digests).hexdigest()
    assert dropbox.content_hash(b"") == hashlib.sha256(b"").hexdigest()


def test_http_dates_parse_to_epoch_seconds():
    for epoch in (0, 1780000000, 1790123456):
        assert dropbox.parse_http_date(email.utils.formatdate(epoch, usegmt=True)) == epoch
    assert dropbox.parse_http_date("yesterday") is None


@pytest.mark.parametrize("cam_id", ["CAM1", "North_Gate", "a_b_c"])
def test_a_camera_id_with_underscores_keeps_sequence_numbers_and_dates(cam_id):
    from timelapse import spool

    for seq, stamp in ((7, "20260601T061000"), (1234567, None)):
        name = spool.image_name(cam_id, seq, stamp)
        assert spool.seq_of(name) == seq
        date = "2026-06-01" if stamp else "undated"
        assert upload.remote_path("/{id}/{date}/{name}", cam_id, seq, name) == f"/{cam_id}/{date}/{name}"
    assert spool.seq_of("notes.txt") == -1 and spool.seq_of("IMG_1234.jpg") == -1


def test_the_window_opening_is_asked_for_only_when_a_batch_would_be_due_then():
    """Photos at local midnight with uploads from 07:00: the wake comes a minute after 07:00
    (the oracle is datetime arithmetic on the offset, not the firmware's minute counting)."""
    offset = 3600  # local = UTC + 1 h
    cfg = dict(CFG, schedule=dict(CFG["schedule"], utc_offset=offset))
    midnight_utc = NOON - 12 * 3600 - offset  # local 00:00:00
    utc = midnight_utc + 17  # local 00:00:17
    local_day = datetime.fromtimestamp(utc + offset, UTC).date()
    seven = datetime.combine(local_day, time(7, 0), UTC)
    expected = int(seven.timestamp()) - offset + upload.WINDOW_MARGIN_S
    hot, durable = queue(1, queued_at=utc)  # waits max_delay (2 h) long before 07:00
    assert upload.window_opens(hot, durable, cfg, utc, utc + offset, 3.9) == expected
    # After 19:00 local the opening is the next morning's.
    late = midnight_utc + 20 * 3600
    assert upload.window_opens(hot, durable, cfg, late, late + offset, 3.9) == expected + 86400
    # Not when: inside the window, no window, a batch not yet worth it at the opening,
    # nothing waiting, a battery too low for WiFi, uploads off.
    inside = midnight_utc + 8 * 3600
    assert upload.window_opens(hot, durable, cfg, inside, inside + offset, 3.9) is None
    no_window = dict(cfg, upload=dict(cfg["upload"], window=None))
    assert upload.window_opens(hot, durable, no_window, utc, utc + offset, 3.9) is None
    fresh, durable = queue(1, queued_at=expected - 60)
    six_thirty = expected - 30 * 60
    assert upload.window_opens(fresh, durable, cfg, six_thirty, six_thirty + offset, 3.9) is None
    empty, durable = queue(0)
    assert upload.window_opens(empty, durable, cfg, utc, utc + offset, 3.9) is None
    assert upload.window_opens(hot, durable, cfg, utc, utc + offset, 3.50) is None
    off = dict(cfg, upload=dict(cfg["upload"], enabled=False))
    assert upload.window_opens(hot, durable, off, utc, utc + offset, 3.9) is None
