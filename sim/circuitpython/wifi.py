"""`wifi`: the radio, with the board's checks and state (docs/fidelity.md, WiFi and the network).

What the radio holds lives in the awake device (`RadioState`), not in this module, because it
outlives one run of code.py: CircuitPython's supervisor may join before code.py and again after it
(sim/workflow.py). Joining is charged by the power profile: a full all-channel scan unless the
channel and BSSID are given, DHCP unless a static address is set.

Sources, adafruit/circuitpython at 9.2.8, 10.0.3 and 10.1.0: shared-bindings/wifi/Radio.c
(argument checks of `connect`), ports/espressif/common-hal/wifi/Radio.c (`connect` refuses a
disabled radio, returns at once when already connected to that SSID) and
ports/espressif/common-hal/wifi/__init__.c (`import wifi` starts the radio; after code.py the
radio is reset only if code.py, not the supervisor, started it).
"""

from __future__ import annotations

from dataclasses import dataclass

from sim import circuitpython as _hw
from sim.circuitpython.buffers import readable
from sim.circuitpython.ipaddress_ import IPv4Address

MAC_ADDRESS_LENGTH = 6
HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")


class AuthMode:
    OPEN = "OPEN"
    WPA2 = "WPA2"
    PSK = "PSK"


class Network:
    def __init__(self, ssid: str, bssid: bytes, channel: int, rssi: int = -62) -> None:
        self.ssid = ssid
        self.bssid = bssid
        self.channel = channel
        self.rssi = rssi
        self.country = "NL"
        self.authmode = [AuthMode.WPA2, AuthMode.PSK]


@dataclass
class RadioState:
    """The ESP32-S3's WiFi between resets: common-hal's `wifi_inited`, `wifi_user_initiated`,
    `started` (what `enabled` reads) and the network it is associated with."""

    inited: bool = False
    user_initiated: bool = False
    enabled: bool = False
    ssid: bytes | None = None  # associated with this network (and holding an address)
    static: tuple | None = None  # set_ipv4_address: no DHCP

    @property
    def connected(self) -> bool:
        return self.enabled and self.ssid is not None

    def init(self, user_initiated: bool) -> None:
        """common_hal_wifi_init: once per boot; a later `import wifi` only switches it on."""
        if self.inited:
            if user_initiated and not self.user_initiated:
                self.set_enabled(True)
            return
        self.inited = True
        self.user_initiated = user_initiated
        self.set_enabled(True)

    def set_enabled(self, enabled: bool) -> None:
        if not enabled:
            self.ssid = None  # esp_wifi_stop: the association is gone
        self.enabled = enabled

    def user_reset(self) -> None:
        """wifi_user_reset, after every VM: only a radio code.py started is shut down."""
        if self.user_initiated:
            self.set_enabled(False)
            self.inited = False
            self.static = None  # the netif is destroyed
            self.user_initiated = False


def not_enabled_message(device) -> str:
    """The text of the RuntimeError: "wifi is not enabled" until 9.2.x, "WiFi is not enabled"
    from 10.0 (ports/espressif/common-hal/wifi/Radio.c)."""
    return "wifi is not enabled" if device.version.key < (10,) else "WiFi is not enabled"


def hal_connect(
    device, ssid: bytes, password: bytes, channel: int, bssid: bytes | None, *, by_supervisor: bool = False
) -> str | None:
    """common_hal_wifi_radio_connect: None when associated, else the failure ("AUTH_FAIL",
    "NO_AP_FOUND"). Already associated with `ssid`: returns at once, whatever channel or BSSID
    is asked for; associated elsewhere: disconnects first."""
    state = device.radio
    if not state.enabled:
        raise RuntimeError(not_enabled_message(device))
    if state.ssid is not None:
        if state.ssid == ssid:
            device.wifi_already_connected(by_supervisor)
            return None
        state.ssid = None
    failure = device.wifi_associate(
        ssid, password, channel, bssid, state.static is not None, by_supervisor=by_supervisor
    )
    if failure is None:
        state.ssid = ssid
    return failure


def _length(value: bytes, low: int, high: int, name: str) -> None:
    if not low <= len(value) <= high:
        raise ValueError(f"{name} length must be {low}-{high}")


class Radio:
    """wifi.radio: the board's checks (shared-bindings/wifi/Radio.c) on the device's radio."""

    hostname = "xiao-esp32s3-sense"
    mac_address = b"\x34\x85\x18\x00\x00\x01"
    tx_power = 20.0

    @property
    def _state(self) -> RadioState:
        return _hw.device().radio

    @property
    def enabled(self) -> bool:
        return self._state.enabled

    @enabled.setter
    def enabled(self, value) -> None:
        self._state.set_enabled(bool(value))

    @property
    def connected(self) -> bool:
        return self._state.connected

    @property
    def ipv4_address(self):
        state = self._state
        if not state.connected:
            return None
        return state.static[0] if state.static else IPv4Address("192.0.2.200")

    @property
    def ap_info(self):
        if not self._state.connected:
            return None
        world = _hw.device().network
        return Network(world.ssid, world.bssid, world.channel)

    def set_ipv4_address(self, *args, **kwargs) -> None:
        """shared-bindings/wifi/Radio.c: `ipv4`, `netmask`, `gateway` required, `ipv4_dns`
        optional, all keyword-only (mp_arg_parse_all's TypeErrors); common-hal stops DHCP, then
        takes `ipaddress.IPv4Address` objects only (`ValueError: Only IPv4 addresses supported`,
        ports/espressif/common-hal/wifi/__init__.c `ipaddress_ipaddress_to_esp_idf_ip4`): a str
        is refused, and so is `ipv4_dns=None` given explicitly."""
        if args:
            raise TypeError("extra positional arguments given")
        for name in kwargs:
            if name not in ("ipv4", "netmask", "gateway", "ipv4_dns"):
                raise TypeError("unexpected keyword argument '%s'" % name)
        for name in ("ipv4", "netmask", "gateway"):
            if name not in kwargs:
                raise TypeError("'%s' argument required" % name)
        values = [kwargs[name] for name in ("ipv4", "netmask", "gateway", "ipv4_dns") if name in kwargs]
        if not all(isinstance(value, IPv4Address) for value in values):
            raise ValueError("Only IPv4 addresses supported")
        self._state.static = tuple(values[:3])

    def set_ipv4_address_to_dhcp(self) -> None:
        self._state.static = None

    def start_scanning_networks(self, *, start_channel: int = 1, stop_channel: int = 11):
        board = _hw.device()
        if not self._state.enabled:
            raise RuntimeError(not_enabled_message(board))
        board.spend("wifi_scan", board.profile["wifi"]["connect_full_s"], board.profile["wifi"]["connect_mA"])
        world = board.network
        return iter([Network(world.ssid, world.bssid, world.channel)] if world.ap_available else [])

    def stop_scanning_networks(self) -> None:
        pass

    def connect(self, ssid, password=b"", *, channel: int = 0, bssid=None, timeout=None) -> None:
        """The binding's checks in its order, then common-hal. `timeout` only stops common-hal's
        retries of a dropped association; it never lengthens a failed scan."""
        if not isinstance(channel, int):
            raise TypeError(f"can't convert {type(channel).__name__} to int")
        if timeout is not None and not isinstance(timeout, (int, float)):
            raise TypeError(f"can't convert {type(timeout).__name__} to float")
        ssid_bytes = bytes(readable(ssid))
        _length(ssid_bytes, 1, 32, "ssid")
        password_bytes = b""
        if password is not None:
            password_bytes = bytes(readable(password))
            if password_bytes:
                _length(password_bytes, 8, 64, "password")
                if len(password_bytes) == 64 and not set(password_bytes) <= HEX_DIGITS:
                    raise ValueError("Invalid hex password")
        bssid_bytes = None
        if bssid is not None:
            bssid_bytes = bytes(readable(bssid))
            if len(bssid_bytes) != MAC_ADDRESS_LENGTH:
                raise ValueError("Invalid BSSID")
        failure = hal_connect(_hw.device(), ssid_bytes, password_bytes, channel & 0xFF, bssid_bytes)
        if failure == "AUTH_FAIL":
            raise ConnectionError("Authentication failure")
        if failure == "NO_AP_FOUND":
            raise ConnectionError("No network with that ssid")

    def disconnect(self) -> None:
        self._state.ssid = None

    def ping(self, ip, *, timeout: float = 0.5):
        return None


def _on_import() -> None:
    """`import wifi` runs the module's __init__ once per VM: common_hal_wifi_init(true)."""
    _hw.device().radio.init(user_initiated=True)


radio = Radio()
