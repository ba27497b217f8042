"""NTP against a real server (chronyd, see sim/chrony.py): a plain SNTP query, the real
adafruit_ntp library on CPython's sockets, and the same library on the simulated board."""

from __future__ import annotations

import os
import shutil
import socket
import time

import adafruit_ntp
import pytest

from sim import chrony as chrony_module
from sim.chrony import SHIFT_REFID, Chrony, ChronyMissing, chronyd_path, sntp_query
from sim.network import Network

SHIFT_S = -3600.25  # what the shifted server serves: the host's clock this much off


@pytest.fixture(scope="module")
def chrony():
    """One chronyd for the module. Required where REQUIRE_CHRONY=1 (.ci/run installs chrony and
    sets it); elsewhere a missing chronyd reports these tests as not run, with the install command."""
    try:
        chronyd_path()
    except ChronyMissing as error:
        if os.environ.get("REQUIRE_CHRONY") == "1":
            pytest.fail(str(error))
        pytest.skip(f"not run: {error}")
    with Chrony() as server:
        yield server


def test_sntp_query_gets_the_real_time(chrony: Chrony) -> None:
    answer = sntp_query(chrony.port)
    assert answer.mode == 4 and answer.version == 4  # server mode, our version echoed
    assert answer.stratum == 3 and answer.leap == 0  # `local stratum 3`: synchronised
    assert abs(answer.server_time - time.time()) < 0.5
    assert abs(answer.offset) < 0.5 and 0 <= answer.delay < 0.5


def test_adafruit_ntp_on_cpython_sockets(chrony: Chrony) -> None:
    # CPython's socket module is a socketpool: getaddrinfo, socket(AF_INET, SOCK_DGRAM) as a
    # context manager, settimeout, sendto, recv_into.
    ntp = adafruit_ntp.NTP(socket, server="127.0.0.1", port=chrony.port, tz_offset=0)
    assert abs(ntp.utc_ns - time.time_ns()) < 500_000_000
    assert ntp.next_sync > time.monotonic_ns()  # answered, and the poll interval respected


def test_shifted_server_serves_the_known_offset(chrony: Chrony) -> None:
    with Chrony(offset_s=SHIFT_S) as shifted:
        answer = sntp_query(shifted.port)
        assert answer.refid == SHIFT_REFID and answer.stratum == 3 and answer.leap == 0
        assert abs(answer.offset - SHIFT_S) < 0.1
        ntp = adafruit_ntp.NTP(socket, server="127.0.0.1", port=shifted.port)
        assert abs(ntp.utc_ns / 1e9 - (time.time() + SHIFT_S)) < 0.5
    # The host's clock was never touched: the unshifted server still agrees with it.
    assert abs(sntp_query(chrony.port).offset) < 0.5


def test_a_taken_port_is_retried(monkeypatch, chrony: Chrony) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        ports = iter([taken.getsockname()[1], chrony_module.free_udp_port()])
        monkeypatch.setattr(chrony_module, "free_udp_port", lambda: next(ports))
        with Chrony() as server:
            assert server.port != taken.getsockname()[1]
            assert sntp_query(server.port).stratum == 3


def test_missing_chronyd_names_the_package(monkeypatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda *args, **kwargs: None)
    with pytest.raises(ChronyMissing, match=r"package `chrony`"):
        Chrony().start()


BOARD_OFFSET_S = 7200  # the board's RTC before the sync: two hours fast

BOARD = """
import time, alarm, os, rtc, wifi, socketpool
import adafruit_ntp
rtc.RTC().datetime = time.localtime({rtc_start})
print("before", time.time())
wifi.radio.connect(os.getenv("WIFI_SSID"), os.getenv("WIFI_PASSWORD"))
pool = socketpool.SocketPool(wifi.radio)
ntp = adafruit_ntp.NTP(pool, server="pool.ntp.org", tz_offset=0, socket_timeout=2)
utc_ns = ntp.utc_ns
rtc.RTC().datetime = time.localtime(utc_ns // 1_000_000_000)
print("ntp", utc_ns)
print("after", time.time())
alarm.exit_and_deep_sleep_until_alarms(alarm.time.TimeAlarm(monotonic_time=time.monotonic() + 60))
"""


def test_adafruit_ntp_on_the_simulated_board(make_board, chrony: Chrony) -> None:
    network = Network()
    network.add_host("pool.ntp.org", chrony.port, 0.01)
    rtc_start = int(time.time()) + BOARD_OFFSET_S
    device = make_board("ntp", BOARD.format(rtc_start=rtc_start), network=network)
    shutil.copy2(adafruit_ntp.__file__, device.folder / "lib" / "adafruit_ntp.py")

    real_before = time.time()
    outcome = device.wake()
    real_after = time.time()
    console = device.console.getvalue()
    assert outcome[0] == "sleep", console
    printed = dict(line.partition(" ")[::2] for line in console.splitlines())

    assert int(printed["before"]) == rtc_start  # the board started two hours fast
    # The board's time is virtual, but what NTP told it is real time: the server's clock.
    ntp_s = int(printed["ntp"]) / 1e9
    assert real_before - 0.5 < ntp_s < real_after + 0.5
    assert real_before - 1.5 < int(printed["after"]) < real_after + 1  # RTC keeps whole seconds
    # One 48-byte request and answer over the simulated radio, after one DNS lookup.
    counters = device.counters
    assert (counters.wifi_connects, counters.dns_lookups) == (1, 1)
    assert (counters.bytes_up, counters.bytes_down) == (48, 48)


def test_the_firmware_sets_a_cold_clock_from_chrony(tmp_path, chrony: Chrony) -> None:
    """Our firmware, cold (RTC at 2000-01-01 after a power loss), no upload due: it captures by
    sequence number, syncs from chronyd - which serves the simulated time, so the known offset
    is virtual minus real - and the next photo carries the right time in its name."""
    from sim.device import Device
    from sim.profile import load_profile
    from sim.runner import install_firmware, parse_start
    from tools.firmware import FIRMWARE_DIR

    start = parse_start("2026-06-01T10:00:00Z")
    folder = tmp_path / "device"
    folder.mkdir()
    network = Network()
    install_firmware(FIRMWARE_DIR, folder, None, network)
    with Chrony(offset_s=start - time.time()) as server:
        network.add_host("pool.ntp.org", server.port, 0.01)
        board = Device(folder, load_profile(), start_utc=start, network=network, rtc_set=False)
        outcome, rtc_alarm = board.wake()
        assert outcome == "sleep" and isinstance(rtc_alarm, float)
        log = board.console.getvalue()
        assert "time: ntp sync" in log, log
        first = board.capture_times[0][2]
        assert first.endswith("CAM1_000001.jpg")  # taken before the sync: undated
        # The RTC now reads what chronyd serves (the simulated clock ran ahead of it by the
        # virtual seconds this wake spent before the exchange: boot, camera, WiFi).
        assert abs(board.clock.rtc - (time.time() + server.offset_s)) < 1.5
    # chronyd is gone (it serves real time, the board lives on virtual time): the board keeps
    # the time it got. Wakes to learn the clock's rate fail and back off; the next slot's photo
    # is dated, on the grid of the synced clock.
    while len(board.capture_times) < 2:
        board.sleep_until(rtc_alarm, start + 3600)
        board.reset_reason = "DEEP_SLEEP_ALARM"
        board.wake_alarm = board.time_alarm
        outcome, rtc_alarm = board.wake()
        assert outcome == "sleep" and isinstance(rtc_alarm, float)
    name = board.capture_times[1][2]
    assert "_20260601T1110" in name  # 10:10 UTC = 11:10 at UTC+1
