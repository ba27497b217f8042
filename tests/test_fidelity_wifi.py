"""WiFi as the board has it (docs/fidelity.md, WiFi and the network): wifi.radio.connect's checks
and messages per release, CircuitPython's own joins when settings.toml has CIRCUITPY_WIFI_SSID,
and what the firmware does about both.

Oracles: the messages and rules of adafruit/circuitpython's shared-bindings/wifi/Radio.c,
ports/espressif/common-hal/wifi/Radio.c and supervisor/shared/web_workflow/web_workflow.c at the
tags, and the durations of profiles/reference.toml.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sim import circuitpython
from sim.circuitpython import wifi
from sim.cloud import LocalDropbox
from sim.device import Device, WakeRecord
from sim.network import Network
from sim.parts.state import read_settings
from sim.profile import load_profile
from sim.runner import RunOptions, board_settings, install_firmware, parse_start
from tools.firmware import FIRMWARE_DIR

START = parse_start("2026-06-01T10:00:00Z")
AP = Network()
OLD_KEYS = f'CIRCUITPY_WIFI_SSID = "{AP.ssid}"\nCIRCUITPY_WIFI_PASSWORD = "{AP.password}"\n'
SLEEP = (
    "import alarm, time\n"
    "alarm.exit_and_deep_sleep_until_alarms(alarm.time.TimeAlarm(monotonic_time=time.monotonic() + 60))\n"
)
PROFILE = load_profile()
FULL_S = PROFILE["wifi"]["connect_full_s"]
DHCP_S = PROFILE["wifi"]["dhcp_s"]


def board(
    tmp_path: Path,
    code: str | None = None,
    settings: str | None = None,
    version: str = "10.1.0",
    network: Network | None = None,
    usb: bool = False,
) -> Device:
    """A device running `code` as code.py (default: the project's firmware); `settings` replaces
    settings.toml (the local Dropbox's keys are kept)."""
    network = network or Network()
    home = tmp_path / f"board{len(list(tmp_path.iterdir()))}"
    folder = home / "device"
    folder.mkdir(parents=True)
    if code is None:
        install_firmware(FIRMWARE_DIR, folder, None, network)
    else:
        firmware = home / "firmware"
        firmware.mkdir()
        (firmware / "code.py").write_text(code)
        (firmware / "camconfig.toml").write_text("")
        (firmware / "requirements.txt").write_text("adafruit_requests\n")
        install_firmware(firmware, folder, None, network)
    if settings is not None:
        dropbox = (
            'DBX_APP_KEY = "sim-app-key"\nDBX_APP_SECRET = "sim-app-secret"\n'
            'DBX_REFRESH_TOKEN = "sim-refresh-token"\n'
        )
        (folder / "settings.toml").write_text(settings + dropbox)
    return Device(folder, load_profile(), start_utc=START, network=network, version=version, usb=usb)


@pytest.fixture
def awake(tmp_path: Path):
    """A board awake for calling its wifi module directly: radio started as `import wifi` does."""

    def make(version: str = "10.1.0") -> Device:
        device = board(tmp_path, SLEEP, version=version)
        device.wake_records.append(WakeRecord(device.clock.true, "POWER_ON"))
        circuitpython.current = device
        wifi._on_import()
        return device

    yield make
    circuitpython.current = None


# ---- wifi.radio.connect: the binding's checks (shared-bindings/wifi/Radio.c) -------------------


@pytest.mark.parametrize(
    "version, message",
    [("9.2.8", "wifi is not enabled"), ("10.0.3", "WiFi is not enabled"), ("10.1.0", "WiFi is not enabled")],
)
def test_connect_refuses_a_disabled_radio(awake, version: str, message: str) -> None:
    device = awake(version)
    wifi.radio.enabled = False
    with pytest.raises(RuntimeError) as refused:
        wifi.radio.connect(AP.ssid, AP.password)
    assert str(refused.value) == message
    with pytest.raises(RuntimeError, match=message):
        wifi.radio.start_scanning_networks()
    assert device.meter.seconds == {} and device.counters.wifi_connects == 0
    wifi.radio.enabled = True
    wifi.radio.connect(AP.ssid, AP.password)
    assert wifi.radio.connected


@pytest.mark.parametrize("password", ["short77", "x" * 65, "g" * 64])
def test_connect_checks_the_password(awake, password: str) -> None:
    device = awake()
    message = "Invalid hex password" if len(password) == 64 else "password length must be 8-64"
    with pytest.raises(ValueError) as refused:
        wifi.radio.connect(AP.ssid, password)
    assert str(refused.value) == message
    wifi.radio.enabled = False  # the binding checks before common-hal looks at the radio
    with pytest.raises(ValueError):
        wifi.radio.connect(AP.ssid, password)
    assert device.counters.wifi_failures == 0 and device.meter.seconds == {}


def test_an_empty_password_is_an_open_network(awake) -> None:
    device = awake()
    for password in ("", b"", None):
        with pytest.raises(ConnectionError, match="^Authentication failure$"):
            wifi.radio.connect(AP.ssid, password)  # the simulated AP is WPA2: refused, not rejected
    with pytest.raises(ConnectionError, match="^Authentication failure$"):
        wifi.radio.connect(AP.ssid, "0123456789abcdef" * 4)  # a 64-digit hex key passes the binding
    assert device.counters.wifi_failures == 4 and not wifi.radio.connected


@pytest.mark.parametrize("ssid", ["", "s" * 33, "\u00e9" * 17])
def test_connect_checks_the_ssid_length_in_bytes(awake, ssid: str) -> None:
    awake()
    with pytest.raises(ValueError) as refused:
        wifi.radio.connect(ssid, AP.password)
    assert str(refused.value) == "ssid length must be 1-32"


def test_connect_takes_32_byte_ssids_and_bytes(awake) -> None:
    awake()
    with pytest.raises(ConnectionError, match="^No network with that ssid$"):
        wifi.radio.connect("s" * 32, AP.password)
    wifi.radio.connect(AP.ssid.encode(), AP.password.encode())
    assert wifi.radio.connected


@pytest.mark.parametrize(
    "keywords, error, message",
    [
        ({"bssid": b"\x01\x02\x03\x04\x05"}, ValueError, "Invalid BSSID"),
        ({"bssid": b"\x01" * 7}, ValueError, "Invalid BSSID"),
        ({"bssid": 5}, TypeError, "object with buffer protocol required"),
        ({"channel": "6"}, TypeError, "can't convert str to int"),
        ({"channel": 6.0}, TypeError, "can't convert float to int"),
        ({"timeout": "10"}, TypeError, "can't convert str to float"),
    ],
)
def test_connect_checks_channel_bssid_and_timeout_types(awake, keywords: dict, error, message: str) -> None:
    awake()
    with pytest.raises(error) as refused:
        wifi.radio.connect(AP.ssid, AP.password, **keywords)
    assert str(refused.value) == message


def test_connect_when_joined_to_that_ssid_returns_at_once(awake) -> None:
    """common-hal returns before looking at password, channel or BSSID: no scan, no charge."""
    device = awake()
    wifi.radio.connect(AP.ssid, AP.password)
    spent = dict(device.meter.seconds)
    assert spent == {"wifi_connect": FULL_S, "dhcp": DHCP_S}
    wifi.radio.connect(AP.ssid, "another-password", channel=11, bssid=b"\x00" * 6, timeout=1)
    assert device.meter.seconds == spent and device.counters.wifi_connects == 1
    assert device.wake_records[-1].joins == 2  # the firmware is online, for free
    with pytest.raises(ConnectionError, match="No network with that ssid"):
        wifi.radio.connect("another-network", AP.password)  # disconnects first
    assert not wifi.radio.connected and wifi.radio.ipv4_address is None


def test_a_missing_access_point_costs_one_scan_whatever_the_timeout(awake) -> None:
    """ESP-IDF reports NO_AP_FOUND after the scan and common-hal does not retry it: the timeout
    only stops retries of a dropped association."""
    device = awake()
    device.network.ap_available = False
    hints: list[dict[str, Any]] = [{}, {"channel": AP.channel, "bssid": AP.bssid}]
    for hint in hints:
        with pytest.raises(ConnectionError, match="No network with that ssid"):
            wifi.radio.connect(AP.ssid, AP.password, timeout=30, **hint)
    assert device.meter.seconds["wifi_connect"] == pytest.approx(2 * FULL_S)


# ---- CircuitPython joins by itself (supervisor/shared/web_workflow/web_workflow.c, main.c) ------

PROBE = "import wifi\nprint('probe', wifi.radio.enabled, wifi.radio.connected)\n"


def test_without_circuitpy_keys_the_supervisor_never_joins(tmp_path: Path) -> None:
    device = board(tmp_path, PROBE + SLEEP)
    assert device.wake()[0] == "sleep"
    assert "probe True False" in device.console.getvalue()
    assert device.counters.supervisor_joins == 0
    assert not any(phase.startswith("supervisor") for phase in device.meter.seconds)


def test_with_circuitpy_keys_the_board_is_online_before_code_py(tmp_path: Path) -> None:
    device = board(tmp_path, PROBE + SLEEP, settings=OLD_KEYS)
    for _ in range(3):  # every deep-sleep wake is a reset: one full-scan join each
        assert device.wake()[0] == "sleep"
        device.reset_reason = "DEEP_SLEEP_ALARM"
    assert device.console.getvalue().count("probe True True") == 3
    assert device.counters.supervisor_joins == 3 and device.counters.wifi_connects == 0
    assert device.meter.seconds["supervisor_wifi"] == pytest.approx(3 * FULL_S)
    assert device.meter.seconds["supervisor_dhcp"] == pytest.approx(3 * DHCP_S)
    assert device.wake_records[-1].supervisor_joins == 1


def test_a_radio_switched_off_by_code_py_is_joined_again_before_sleep(tmp_path: Path) -> None:
    off = "import wifi\nwifi.radio.enabled = False\n"
    device = board(tmp_path, off + SLEEP, settings=OLD_KEYS)
    assert device.wake()[0] == "sleep"
    assert device.counters.supervisor_joins == 2
    assert device.radio.connected  # as the board goes to sleep


def test_an_absent_access_point_costs_five_scans_a_wake(tmp_path: Path) -> None:
    """Before boot.py, after it, at workflow start, before code.py and after it: each call finds
    the radio switched off by the previous failure and scans again."""
    device = board(tmp_path, PROBE + SLEEP, settings=OLD_KEYS)
    device.network.ap_available = False
    assert device.wake()[0] == "sleep"
    assert device.counters.supervisor_join_failures == 5 and device.counters.supervisor_joins == 0
    assert device.meter.seconds["supervisor_wifi"] == pytest.approx(5 * FULL_S)
    # `import wifi` switched the radio on again (common_hal_wifi_init); the last failure, off.
    assert "probe True False" in device.console.getvalue()
    assert not device.radio.enabled


@pytest.mark.parametrize(
    "settings, tries",
    [
        ('CIRCUITPY_WIFI_SSID = "%s"\n' % ("s" * 33), 0),  # char ssid[33]: too long, no try
        ('CIRCUITPY_WIFI_SSID = ""\n', 0),  # empty: no try
        ("CIRCUITPY_WIFI_SSID = 5\n", 0),  # not a quoted string
        (
            f'CIRCUITPY_WIFI_SSID = "{AP.ssid}"\nCIRCUITPY_WIFI_PASSWORD = "{"p" * 64}"\n',
            0,
        ),  # char password[64]
        (f'CIRCUITPY_WIFI_SSID = "{AP.ssid}"\n', 5),  # no password: an open network, refused
        (f'CIRCUITPY_WIFI_SSID = "{AP.ssid}"\nCIRCUITPY_WIFI_PASSWORD = "{"p" * 63}"\n', 5),  # fits, wrong
    ],
)
def test_the_supervisor_reads_its_keys_as_web_workflow_c_does(
    tmp_path: Path, settings: str, tries: int
) -> None:
    device = board(tmp_path, SLEEP, settings=settings)
    assert device.wake()[0] == "sleep"
    assert device.counters.supervisor_joins == 0
    assert device.counters.supervisor_join_failures == tries


def test_usb_fake_sleep_keeps_the_supervisors_association(tmp_path: Path) -> None:
    device = board(tmp_path, PROBE + SLEEP, settings=OLD_KEYS, usb=True)
    for _ in range(3):
        outcome, target = device.wake()
        assert outcome == "sleep" and isinstance(target, float)
        device.sleep_until(target, START + 86400)
    assert device.counters.supervisor_joins == 1
    assert device.console.getvalue().count("probe True True") == 3


def test_usb_fake_sleep_runs_code_py_again_without_a_reset(tmp_path: Path) -> None:
    """Without a reset only start_mp and cleanup_after_vm of code.py call the web workflow: two
    scans per fake wake with the access point down, five per real one."""
    device = board(tmp_path, SLEEP, settings=OLD_KEYS, usb=True)
    device.network.ap_available = False
    for _ in range(3):
        outcome, target = device.wake()
        assert outcome == "sleep" and isinstance(target, float)
        device.sleep_until(target, START + 86400)
    assert device.counters.supervisor_join_failures == 5 + 2 + 2


# ---- the firmware ------------------------------------------------------------------------------


def test_settings_example_and_simulator_use_the_firmwares_keys(tmp_path: Path) -> None:
    example = (FIRMWARE_DIR / "settings.toml.example").read_text()
    keys = [
        line.split("=")[0].strip()
        for line in example.splitlines()
        if "=" in line and not line.startswith("#")
    ]
    assert "WIFI_SSID" in keys and "WIFI_PASSWORD" in keys
    assert not [key for key in keys if key.startswith("CIRCUITPY_WIFI")]
    written = board_settings(Network())
    assert 'WIFI_SSID = "sim-field-ap"' in written and "CIRCUITPY_" not in written


def test_old_keys_still_upload_and_ask_for_the_rename(tmp_path: Path) -> None:
    """One wake with an upload due: the firmware joins with the old names (the supervisor's
    association, for free), records the error once, shows it in the dump, and leaves the radio
    on so that CircuitPython does not join again after code.py."""
    device = board(tmp_path, settings=OLD_KEYS, usb=True)
    with LocalDropbox(tmp_path / "cloud", device.network, clock=lambda: device.clock.true):
        for _ in range(2):
            outcome, target = device.wake()
            assert outcome == "sleep" and isinstance(target, float), device.console.getvalue()
            device.sleep_until(target, START + 86400)
    console = device.console.getvalue()
    assert (
        console.count(
            "[error] settings: rename CIRCUITPY_WIFI_SSID/CIRCUITPY_WIFI_PASSWORD to WIFI_SSID/WIFI_PASSWORD"
        )
        == 1
    )
    assert "joins WiFi by itself at every wake" in console
    facts = json.loads(console.split("=== timelapse state ===")[-1].splitlines()[-2])
    assert facts["settings"].startswith("rename CIRCUITPY_WIFI_SSID")
    assert "settings.toml: rename" in console
    # Online on the supervisor's association: no join of its own (the fast-reconnect hint of the
    # second wake meets the same association and returns at once).
    assert "time: ntp sync" in console and device.counters.wifi_connects == 0
    assert device.wake_records[1].joins == 1
    assert device.counters.supervisor_joins == 1  # USB: one reset, the radio left associated


def test_renamed_keys_clear_the_error(tmp_path: Path) -> None:
    from sim.runner import firmware_state

    device = board(tmp_path, settings=OLD_KEYS)
    device.network.ap_available = False  # no upload needed for this
    assert device.wake()[0] == "sleep"
    assert firmware_state(device).durable["settings_error"].startswith("rename CIRCUITPY_WIFI_SSID")
    (device.folder / "settings.toml").write_text(board_settings(Network()))
    device.settings = read_settings(device.folder)
    device.reset_reason = "DEEP_SLEEP_ALARM"
    assert device.wake()[0] == "sleep"
    assert firmware_state(device).durable["settings_error"] == ""
    assert device.errors["settings"] == 1


def test_maintenance_after_a_network_wake_joins_again(tmp_path: Path) -> None:
    """online.run switches the radio off; maintenance in the same wake must switch it on before
    connecting (the board raises RuntimeError otherwise: issue 12)."""
    device = board(tmp_path, usb=True)
    (device.folder / "maintenance").write_text("")
    with LocalDropbox(tmp_path / "cloud", device.network, clock=lambda: device.clock.true):
        outcome, _ = device.wake()
    console = device.console.getvalue()
    assert outcome == "sleep", console
    assert "time: " in console and " sync" in console  # the wake went online first
    assert "maintenance: WiFi joined sim-field-ap" in console
    assert "[error] crash" not in console and "not enabled" not in console
    assert device.counters.wifi_connects == 2


# ---- python -m sim run --settings --------------------------------------------------------------


def test_a_users_settings_file_drives_the_simulated_access_point(tmp_path: Path) -> None:
    own = tmp_path / "settings.toml"
    own.write_text(
        'CIRCUITPY_WIFI_SSID = "home"\nCIRCUITPY_WIFI_PASSWORD = "home-password"\n'
        'DBX_APP_KEY = "real-key"\nDBX_REFRESH_TOKEN = "real-token"\nTIMEZONE = "Europe/Amsterdam"\n'
    )
    network = Network()
    text = board_settings(network, own, 'DBX_APP_SECRET = "deliberately-wrong"\n')
    assert (network.ssid, network.password) == ("home", "home-password")
    assert 'CIRCUITPY_WIFI_SSID = "home"' in text and 'TIMEZONE = "Europe/Amsterdam"' in text
    assert 'DBX_APP_KEY = "sim-app-key"' in text and "real-" not in text
    assert 'DBX_APP_SECRET = "deliberately-wrong"' in text and "sim-app-secret" not in text


def test_a_run_with_old_keys_pays_a_join_every_wake(simulate, tmp_path: Path) -> None:
    old, new = tmp_path / "old.toml", tmp_path / "new.toml"
    old.write_text('CIRCUITPY_WIFI_SSID = "field"\nCIRCUITPY_WIFI_PASSWORD = "field-password"\n')
    new.write_text('WIFI_SSID = "field"\nWIFI_PASSWORD = "field-password"\n')
    with_old, _ = simulate(days=0.5, settings_file=old)
    with_new, _ = simulate(days=0.5, settings_file=new)
    assert with_new["supervisor_joins"] == 0 and "supervisor_wifi" not in with_new["per_phase_mAh"]
    assert with_old["supervisor_joins"] == with_old["wakes"] and with_old["supervisor_join_failures"] == 0
    assert with_old["errors"] == {"settings": 1} and with_new["errors"] == {}
    assert with_old["uploaded"] == with_new["uploaded"] > 0
    per_join = (FULL_S + DHCP_S) * PROFILE["wifi"]["connect_mA"] / 3600
    joins = with_old["per_phase_mAh"]["supervisor_wifi"] + with_old["per_phase_mAh"]["supervisor_dhcp"]
    assert joins == pytest.approx(with_old["wakes"] * per_join, rel=1e-3)
    # The firmware's own joins become free; everything else costs the same.
    own = with_new["per_phase_mAh"]["wifi_connect"] + with_new["per_phase_mAh"]["dhcp"]
    assert with_old["charge_mAh"] - with_new["charge_mAh"] == pytest.approx(joins - own, abs=0.3)


def test_cli_takes_settings(tmp_path: Path) -> None:
    from sim.__main__ import main

    own = tmp_path / "settings.toml"
    own.write_text(OLD_KEYS)
    out = tmp_path / "out"
    assert (
        main(["run", "--days", "0.1", "--quiet", "--no-preview", "--settings", str(own), "--out", str(out)])
        == 0
    )
    report = json.loads((out / "report.json").read_text())
    assert report["supervisor_joins"] == report["wakes"] > 0
    assert RunOptions().settings_file is None
