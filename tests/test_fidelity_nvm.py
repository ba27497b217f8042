"""NVM on the ESP32-S3 is one NVS blob (docs/fidelity.md, Storage), and the durable state
survives a power cut that empties it.

The oracle for the fake is CircuitPython's source at 9.2.8, 10.0.3 and 10.1.0:
ports/espressif/common-hal/nvm/ByteArray.c (every write reads the 8192-byte blob, erases all,
writes the whole blob back; no blob reads as zeros) and shared-bindings/nvm/ByteArray.c with
py/obj.c, py/objslice.c, py/sequence.c, py/argcheck.c (what an index or slice may be, and the
exceptions and messages otherwise).
"""

from __future__ import annotations

import json
import re
from array import array
from pathlib import Path

import pytest

from sim import circuitpython
from sim.circuitpython import microcontroller
from sim.device import NVM_READ_S, NVM_WRITE_S, Device, PowerCut
from sim.judge import image_census
from sim.network import Network
from sim.profile import load_profile
from sim.runner import RunOptions, install_firmware, live_once, parse_start, run
from state import record
from state.store import DURABLE, NVM_MAGIC, NVM_SIZE, NVM_VERSION
from tests.conftest import durable_copies, roomy_battery_profile
from tools.firmware import FIRMWARE_DIR

BLOB = 8192  # CIRCUITPY_INTERNAL_NVM_SIZE for the espressif port (mpconfigport.h)


@pytest.fixture
def board(tmp_path: Path):
    """A bare simulated board, awake (microcontroller.nvm reaches it) for the test."""
    folder = tmp_path / "device"
    folder.mkdir()
    device = Device(folder, load_profile(), start_utc=parse_start("2026-06-01T10:00:00Z"))
    circuitpython.current = device
    yield device
    circuitpython.current = None


# -- the blob --------------------------------------------------------------------------------


def test_a_board_without_a_blob_reads_zeros(board: Device) -> None:
    nvm = microcontroller.nvm
    assert len(nvm) == BLOB and bool(nvm)
    assert nvm[0:BLOB] == bytearray(BLOB) and nvm[-1] == 0
    assert isinstance(nvm[0:4], bytearray) and isinstance(nvm[3], int)


def test_every_write_rewrites_the_whole_blob_at_its_cost(board: Device) -> None:
    nvm = microcontroller.nvm
    nvm[4096:4100] = b"keep"
    before = board.meter.seconds.get("nvm", 0.0)
    nvm[0:2] = b"ab"
    nvm[9] = 7
    nvm[10:5] = b""  # an empty slice is still a whole erase and rewrite (set_bytes is called)
    assert board.counters.nvm_writes == 4
    assert board.meter.seconds["nvm"] - before == pytest.approx(3 * (NVM_READ_S + NVM_WRITE_S))
    assert NVM_READ_S + NVM_WRITE_S >= 0.1  # 8 KB programmed and ~2 sectors erased, not one
    assert nvm[0:2] == b"ab" and nvm[9] == 7 and nvm[4096:4100] == b"keep"


def test_a_cut_between_erase_and_commit_leaves_all_zeros(board: Device) -> None:
    """Both halves of NVM go, whatever slice was written: two A/B slots give nothing."""
    nvm = microcontroller.nvm
    nvm[0:5] = b"slotA"
    nvm[4096:4101] = b"slotB"
    board.nvm_cuts = [board.counters.nvm_writes + 1]  # the --power-cuts mechanism
    with pytest.raises(PowerCut, match="nvm"):
        nvm[4096:4101] = b"slotC"
    assert bytes(board.nvm) == bytes(BLOB)
    # A cut at an awake instant inside the window does the same ...
    nvm[0:5] = b"slotA"
    board.awake_cuts = [board.awake_total + NVM_READ_S + NVM_WRITE_S * 0.9]
    with pytest.raises(PowerCut, match="nvm"):
        nvm[4096:4101] = b"slotB"
    assert bytes(board.nvm) == bytes(BLOB)
    # ... and one while the old blob is only being read back leaves it as it was.
    nvm[0:5] = b"slotA"
    board.awake_cuts = [board.awake_total + NVM_READ_S / 2]
    with pytest.raises(PowerCut):
        nvm[4096:4101] = b"slotB"
    assert nvm[0:5] == b"slotA" and nvm[4096:4101] == bytes(5)


# Messages as CircuitPython builds them (MICROPY_ERROR_REPORTING_NORMAL on the espressif port).
REFUSED = [
    ("nvm[0:4] = b'abc'", ValueError, "Slice and value different lengths."),
    ("nvm[8190:8200] = b'abc'", ValueError, "Slice and value different lengths."),  # clamped to 2
    ("nvm[0:4] = array('H', [1, 2])", ValueError, "Array values should be single bytes."),
    ("nvm[0:2] = [1, 2]", NotImplementedError, "array/bytes required on right side"),
    ("nvm[0:2] = 'ab'", NotImplementedError, "array/bytes required on right side"),
    ("nvm[0:4:2] = b'ab'", NotImplementedError, "only slices with step=1 (aka None) are supported"),
    ("nvm[::-1]", NotImplementedError, "only slices with step=1 (aka None) are supported"),
    ("nvm[0:4:0] = b'abcd'", ValueError, "slice step cannot be zero"),
    ("nvm[0.0:4] = b'abcd'", TypeError, "can't convert float to int"),
    ("nvm[8192]", IndexError, "index out of range"),
    ("nvm[-8193] = 1", IndexError, "index out of range"),
    ("nvm['a']", TypeError, "ByteArray indices must be integers, not str"),
    ("nvm[0] = 256", ValueError, "bytes must be 0-255"),
    ("nvm[0] = -1", ValueError, "bytes must be 0-255"),
    ("nvm[0] = 1.0", TypeError, "can't convert float to int"),
    ("nvm[0] = b'a'", TypeError, "can't convert bytes to int"),
    ("del nvm[0]", TypeError, "'ByteArray' object doesn't support item deletion"),
]


@pytest.mark.parametrize("statement, error, message", REFUSED, ids=[r[0] for r in REFUSED])
def test_what_the_binding_refuses(board: Device, statement: str, error: type, message: str) -> None:
    with pytest.raises(error, match="^" + re.escape(message) + "$"):
        exec(statement, {"nvm": microcontroller.nvm, "array": array})
    assert board.counters.nvm_writes == 0 and bytes(board.nvm) == bytes(BLOB)  # nothing written


ACCEPTED = [
    ("nvm[8190:9000] = b'ab'", 8190, b"ab"),  # stop clamped to the blob
    ("nvm[-2:] = bytearray(b'yz')", 8190, b"yz"),  # negative bounds count from the end
    ("nvm[5:7] = memoryview(b'mv')", 5, b"mv"),
    ("nvm[5:7] = array('b', [1, 2])", 5, b"\x01\x02"),
    ("nvm[-1] = True", 8191, b"\x01"),  # bool is an int to mp_obj_get_int
    ("nvm[3:3] = b''", 3, b""),
]


@pytest.mark.parametrize("statement, start, data", ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_what_the_binding_accepts(board: Device, statement: str, start: int, data: bytes) -> None:
    exec(statement, {"nvm": microcontroller.nvm, "array": array})
    assert board.counters.nvm_writes == 1
    assert bytes(board.nvm[start : start + len(data)]) == data


# -- the durable state across a cut that empties NVM ----------------------------------------


def durable_in_nvm(device: Device) -> dict | None:
    try:
        return record.merged(DURABLE, record.decode(device.nvm, 0, NVM_SIZE, NVM_MAGIC, NVM_VERSION))
    except record.RecordError:
        return None


def capture_seqs(device: Device) -> list[int]:
    return [
        int(Path(e["name"]).name.split("_")[1].split(".")[0]) for e in device.events if e["kind"] == "capture"
    ]


def test_durable_state_survives_a_cut_that_empties_nvm(tmp_path: Path) -> None:
    from sim.cloud import LocalDropbox

    network = Network()
    folder = tmp_path / "device"
    folder.mkdir()
    install_firmware(FIRMWARE_DIR, folder, None, network)
    start = parse_start("2026-06-02T06:00:00Z")
    device = Device(folder, load_profile(), start_utc=start, network=network)
    with LocalDropbox(
        tmp_path / "cloud", network, clock=lambda: device.clock.true, delay=device.server_delay
    ) as cloud:
        while device.clock.true < start + 10 * 3600:
            live_once(device, start + 86400)
        before = durable_in_nvm(device)
        assert before and before["uploads"] > 20 and before["config"] and before["rate"]
        uploads_before = cloud.stats["upload_ok"]
        # Power fails inside the next NVM write, between nvs_erase_all and nvs_commit.
        device.nvm_cuts = [device.counters.nvm_writes + 1]
        while device.nvm_cuts:
            live_once(device, start + 86400)
        assert [e["phase"] for e in device.events if e["kind"] == "power_cut"] == ["nvm"]
        assert bytes(device.nvm) == bytes(NVM_SIZE)
        mark = len(device.console.getvalue())
        while device.clock.true < start + 20 * 3600:
            live_once(device, start + 86400)
        after = durable_in_nvm(device)
        assert cloud.stats["upload_ok"] > uploads_before  # uploads went on (with a new token)
    console = device.console.getvalue()[mark:]
    assert "restored from the card" in console
    assert "config: loaded camconfig.toml" not in console  # the cached config came back
    assert after is not None and after["nvm_seq"] > before["nvm_seq"]
    assert after["power_ons"] == before["power_ons"] + 1
    for key in ("uploads", "batches", "last_upload", "seq", "uploaded"):
        assert after[key] >= before[key], key
    assert (after["config"], after["config_hash"], after["auth_broken"]) == (
        before["config"],
        before["config_hash"],
        before["auth_broken"],
    )
    assert after["rate"] and after["rate"][5] >= before["rate"][5]
    seqs = capture_seqs(device)
    assert seqs == sorted(set(seqs))  # never repeated
    census = image_census(device, tmp_path / "cloud", device.clock.true)
    assert census["lost_images"] == 0 and census["duplicate_uploads"] == 0
    # The access token is the one durable field kept off the card (the card leaves the camera).
    for copy in (folder / "sd" / "timelapse").glob("state*.bin"):
        assert after["token"] and after["token"].encode() not in copy.read_bytes()


def test_a_cut_inside_the_card_copy_keeps_the_previous_record(tmp_path: Path, monkeypatch) -> None:
    """The copy goes to the file that does not hold the newest record, and before NVM: a cut
    half-way through it leaves NVM and the other file as they were."""
    from sim import device as sim_device

    folder = tmp_path / "device"
    folder.mkdir()
    install_firmware(FIRMWARE_DIR, folder, None, Network())
    start = parse_start("2026-06-02T10:00:00Z")
    board = Device(folder, load_profile(), start_utc=start, drift_ppm=0)
    live_once(board, start + 86400)
    before = bytes(board.nvm)
    assert durable_in_nvm(board) is not None
    original = sim_device.CardFile.write

    def cut_in_copy(self, data):
        if Path(self.host).name.startswith("state"):
            original(self, data[: len(data) // 2])
            raise PowerCut("card")
        return original(self, data)

    monkeypatch.setattr(sim_device.CardFile, "write", cut_in_copy)
    (folder / "camconfig.toml").write_text(
        (FIRMWARE_DIR / "camconfig.toml").read_text().replace('interval = "10m"', 'interval = "5m"')
    )  # a durable change: the config
    outcome, detail = board.wake()
    assert (outcome, detail) == ("power_cut", "card")
    assert bytes(board.nvm) == before  # NVM not touched yet
    monkeypatch.setattr(sim_device.CardFile, "write", original)
    board.power_loss(phase="card")
    live_once(board, start + 86400)
    console = board.console.getvalue()
    assert "[error] state: card copy: " in console  # the torn copy, reported and not trusted
    after = durable_in_nvm(board)
    assert after is not None and after["power_ons"] == 2 and after["config"]["schedule"]["interval"] == 300


def test_a_copy_from_another_board_is_never_taken(tmp_path: Path) -> None:
    """A card moved from another camera: its copy is ignored, NVM (or the defaults) stands."""
    from state import store

    theirs = dict(DURABLE, nvm_seq=99, uploaded=5000, seq=5000, board="0123456789ab")
    copy = record.encode(NVM_MAGIC, NVM_VERSION, theirs)
    state = store.State.load(bytearray(4096), bytearray(NVM_SIZE))
    assert not state.adopt([copy], "5849414f5333")
    assert state.durable["uploaded"] == 0 and state.problems == ["card copy: written by another board"]


# -- a month of power cuts -------------------------------------------------------------------


@pytest.mark.slow
def test_a_month_of_power_cuts_with_cuts_inside_nvm_writes(tmp_path: Path, monkeypatch) -> None:
    """`python -m sim run --days 30 --power-cuts 200 --seed 3`: ten cuts inside NVM writes,
    each emptying NVM; nothing lost or uploaded twice, the durable record never lost, its
    counters never back."""
    from sim import runner

    newest: dict[str, int] = {}
    original = runner.live_once

    def checked(device, end):
        alive = original(device, end)
        valid = durable_copies(bytes(device.nvm), device.sd)
        assert valid or not newest, "the durable record was lost"
        if valid:
            best = record.merged(DURABLE, max(valid, key=lambda f: f.get("nvm_seq", 0)))
            for key in ("nvm_seq", "uploads", "batches", "power_ons", "uploaded"):
                assert best[key] >= newest.get(key, 0), key
                newest[key] = best[key]
        return alive

    monkeypatch.setattr(runner, "live_once", checked)
    report = run(
        RunOptions(
            days=30,
            power_cuts=200,
            seed=3,
            out=tmp_path / "out",
            progress=False,
            profile=roomy_battery_profile(tmp_path),
        )
    )
    events = [json.loads(line) for line in (tmp_path / "out" / "events.jsonl").read_text().splitlines()]
    cut_in = [e["phase"] for e in events if e["kind"] == "power_cut"]
    assert report["power_cuts"] == 200 and cut_in.count("nvm") >= 10
    assert report["lost_images"] == 0 and report["duplicate_uploads"] == 0 and report["crashes"] == 0
    assert report["uploaded"] + report["pending"] == report["captures"]
    seqs = [int(Path(e["name"]).name.split("_")[1].split(".")[0]) for e in events if e["kind"] == "capture"]
    assert seqs == sorted(set(seqs))
    # Every cut is a power-on; one is forgotten only when a cut hits that power-on's own wake.
    assert newest["power_ons"] >= 1 + 200 - sum(1 for phase in cut_in if phase != "sleep")


def test_nvm_emptied_with_no_card_copy_rereads_the_config(tmp_path: Path) -> None:
    """A reset inside an NVM write keeps sleep memory but empties NVM; with no copy on the card
    (a new card) camconfig.toml is parsed again, not replaced by the defaults."""
    folder = tmp_path / "device"
    folder.mkdir()
    config = tmp_path / "camconfig.toml"
    config.write_text(
        (FIRMWARE_DIR / "camconfig.toml").read_text().replace('interval = "10m"', 'interval = "5m"')
    )
    install_firmware(FIRMWARE_DIR, folder, config, Network())
    start = parse_start("2026-06-02T10:00:00Z")
    board = Device(folder, load_profile(), start_utc=start, drift_ppm=0)
    for _ in range(2):
        live_once(board, start + 86400)
    board.nvm[:] = bytes(NVM_SIZE)
    for copy in (folder / "sd" / "timelapse").glob("state*.bin"):
        copy.unlink()
    live_once(board, start + 86400)
    after = durable_in_nvm(board)
    assert after is not None and after["config"]["schedule"]["interval"] == 300
