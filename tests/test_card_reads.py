"""Reading the card costs what it costs on the board, and the firmware reads each folder once.

On the board a file read and a folder listing both go over SPI (sdcardio): a listing reads every
entry of the folder. Oracles: FAT's layout (32-byte entries; a long name takes one more entry per
13 characters; a subfolder starts with "." and ".."; the card is read in 512-byte sectors) and the
reference profile's read rate; never the fake's own arithmetic.
"""

from __future__ import annotations

import pytest

from sim.circuitpython import os_
from sim.device import Device
from tests.test_fidelity_apis import awake, load_firmware_module, mount_card  # noqa: F401

NAME = "CAM1_%06d_20260601T120000.jpg"  # 31 characters: 3 long-name entries and the short one


def card_charge(device: Device) -> tuple[float, float]:
    return device.meter.seconds["card"], device.meter.mAs["card"]


def card_with_photos(awake, count: int) -> tuple[Device, float]:  # noqa: F811
    """A board with its card mounted and `count` photo names in sd/timelapse/000; the read rate
    in bytes a second."""
    device = awake()
    mount_card()
    folder = device.sd / "timelapse" / "000"
    folder.mkdir(parents=True)
    for seq in range(count):
        (folder / (NAME % seq)).write_bytes(b"")
    return device, device.profile["sd"]["read_kBps"] * 1024


def test_listing_a_folder_reads_all_its_entries(awake) -> None:  # noqa: F811
    device, rate = card_with_photos(awake, 1000)
    mA = device.profile.cpu_mA + device.profile["sd"]["read_extra_mA"]

    seconds, mAs = card_charge(device)
    assert len(os_.listdir("/sd/timelapse/000")) == 1000
    sectors = -(-(1000 * 4 * 32 + 2 * 32) // 512)  # 251
    assert card_charge(device)[0] - seconds == pytest.approx(sectors * 512 / rate)
    assert card_charge(device)[1] - mAs == pytest.approx(sectors * 512 / rate * mA)

    seconds = card_charge(device)[0]
    os_.listdir("/sd/timelapse")  # the card's root holds no "." or "..": one 8.3 entry, one sector
    assert card_charge(device)[0] - seconds == pytest.approx(512 / rate)


def test_reading_a_photo_is_charged_per_byte(awake) -> None:  # noqa: F811
    device = awake()
    mount_card()
    (device.sd / "photo.jpg").write_bytes(b"\xff" * 40960)
    seconds = card_charge(device)[0]
    with device.open_file("/sd/photo.jpg", "rb") as handle:
        assert len(handle.read()) == 40960
    found = 512  # finding its name in the card's root: one sector
    assert card_charge(device)[0] - seconds == pytest.approx(
        (found + 40960) / (device.profile["sd"]["read_kBps"] * 1024)
    )


def test_the_spool_lists_a_folder_once_per_wake(awake, monkeypatch) -> None:  # noqa: F811
    """An upload wake finds photo after photo: one listing per folder of a hundred, not one per
    photo; what the wake wrote, renamed or deleted is found as it now is; a photo where 0.3.0
    kept it (up to 1000 in sd/timelapse/NNN/) is found there."""
    device = awake()
    mount_card()
    spool = load_firmware_module("timelapse/spool.py", open=device.open_file)
    for seq in range(1, 999):
        if seq != 50:
            spool.write_image("CAM1", seq, "20260601T120000", b"x" * 1024)
    assert len(list((device.sd / "timelapse" / "000" / "0").iterdir())) == 98
    (device.sd / "timelapse" / "000" / (NAME % 50)).write_bytes(b"0.3.0")
    listings: list[str] = []
    real_listdir = os_.listdir

    def listdir(path: str = ".") -> list:
        listings.append(path)
        return real_listdir(path)

    monkeypatch.setattr(os_, "listdir", listdir)

    for seq in range(1, 7):
        assert spool.find(seq) == "sd/timelapse/000/0/" + NAME % seq
    assert spool.delete(1) == 1 and spool.find(1) is None
    spool.restamp("CAM1", 2, "20260601T120000", "20260601T120004")
    assert spool.find(2) == "sd/timelapse/000/0/CAM1_000002_20260601T120004.jpg"
    assert spool.find(50) == "sd/timelapse/000/" + NAME % 50
    assert (
        spool.write_image("CAM1", 999, None, b"y") and spool.find(999) == "sd/timelapse/000/9/CAM1_000999.jpg"
    )
    spool.write_image("CAM1", 1000, None, b"z")  # a new thousand, listed at its first find
    assert spool.find(1000) == "sd/timelapse/001/0/CAM1_001000.jpg"
    assert spool.find(1001) is None
    assert listings == [
        "sd/timelapse/000/0",
        "sd/timelapse/000",
        "sd/timelapse/000/9",
        "sd/timelapse/001/0",
        "sd/timelapse/001",
    ]
    assert sorted(p.name for p in (device.sd / "timelapse" / "000" / "0").iterdir())[:2] == [
        "CAM1_000002_20260601T120004.jpg",
        NAME % 3,
    ]
    assert spool.recover() == (1000, 2)


def test_finding_a_name_reads_its_folder(awake) -> None:  # noqa: F811
    """FatFs's dir_find reads a folder's entries from the first. Making a long name reads them
    three times: to find it is new, to check its hashed 8.3 alias, to allocate its entries; a
    rename finds the old name, then makes the new one."""
    device, rate = card_with_photos(awake, 999)
    final = "/sd/timelapse/000/" + NAME % 999

    seconds = card_charge(device)[0]
    handle = device.open_file(final + ".tmp", "wb")  # 999 names of 4 entries, "." and ".."
    assert card_charge(device)[0] - seconds == pytest.approx(3 * 250 * 512 / rate)
    handle.write(b"x" * 1000)
    handle.close()

    seconds = card_charge(device)[0]
    os_.rename(final + ".tmp", final)  # 1000 names now (the .tmp one is 35 characters: 4 entries)
    assert card_charge(device)[0] - seconds == pytest.approx(4 * 251 * 512 / rate)

    seconds = card_charge(device)[0]
    os_.remove(final)
    os_.stat("/sd/timelapse")  # the card's root: one sector
    os_.mkdir("/sd/DCIM")  # an 8.3 name: found new, then allocated; the root is still one sector
    assert card_charge(device)[0] - seconds == pytest.approx((251 + 1 + 2) * 512 / rate)
