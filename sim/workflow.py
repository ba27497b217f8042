"""CircuitPython's web workflow: the supervisor joins WiFi by itself when settings.toml names
CIRCUITPY_WIFI_SSID, before boot.py and code.py run and again after each (docs/fidelity.md).

adafruit/circuitpython 9.2.8, 10.0.3, 10.1.0 (the same in all three):
supervisor/shared/web_workflow/web_workflow.c `supervisor_start_web_workflow` reads
CIRCUITPY_WIFI_SSID (a quoted string of 1..32 bytes) and CIRCUITPY_WIFI_PASSWORD (absent: an open
network; at most 63 bytes), switches the radio on if it is off and calls common-hal's connect with
channel 0 (a full all-channel scan) and an 8 s timeout; on any failure it switches the radio off.
main.c calls it through `supervisor_workflow_reset` at every VM start (`start_mp`) and after every
VM (`cleanup_after_vm`, right after `wifi_user_reset`), and once more in
`supervisor_workflow_start` between boot.py and code.py: five times per reset. Connect returns at
once when the radio is already associated with that SSID, so with the access point up a reset
pays one join, plus one after code.py if code.py switched the radio off; with it down, every one
of the five calls pays a scan.
"""

from __future__ import annotations

from sim.circuitpython.wifi import hal_connect

SSID_KEY = "CIRCUITPY_WIFI_SSID"
PASSWORD_KEY = "CIRCUITPY_WIFI_PASSWORD"
SSID_BUFFER = 33  # char ssid[33] in web_workflow.c, the NUL included
PASSWORD_BUFFER = 64  # char password[64]


def credentials(settings: dict) -> tuple[bytes, bytes] | None:
    """What the supervisor would join with, or None when it does not try (common_hal_os_getenv_str
    takes quoted strings only, and fails when the value and its NUL do not fit the buffer)."""
    ssid = settings.get(SSID_KEY)
    if not isinstance(ssid, str) or not 1 <= len(ssid.encode()) < SSID_BUFFER:
        return None
    password = settings.get(PASSWORD_KEY, "")
    if not isinstance(password, str) or len(password.encode()) >= PASSWORD_BUFFER:
        return None
    return ssid.encode(), password.encode()


def start(device) -> None:
    """supervisor_start_web_workflow: join (or find the radio already joined)."""
    keys = credentials(device.settings)
    if keys is None:
        return
    radio = device.radio
    if not radio.enabled:
        radio.init(user_initiated=False)
        radio.set_enabled(True)
    if hal_connect(device, keys[0], keys[1], 0, None, by_supervisor=True) is not None:
        radio.set_enabled(False)


def after_vm(device) -> None:
    """cleanup_after_vm: a radio code.py started is reset, then the workflow starts again."""
    device.radio.user_reset()
    start(device)
