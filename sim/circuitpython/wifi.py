"""`wifi`: the radio. Joining is charged by the power profile: a full all-channel scan unless
the channel and BSSID are given (CircuitPython's wifi.radio.connect), DHCP unless a static
address is set."""

from sim import circuitpython as _hw
from sim.circuitpython.ipaddress_ import IPv4Address


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


class Radio:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """State at boot: radio on (CircuitPython enables it), not associated."""
        self._connected = False
        self._static = None
        self.hostname = "xiao-esp32s3-sense"
        self.mac_address = b"\x34\x85\x18\x00\x00\x01"
        self.tx_power = 20.0

    @property
    def enabled(self) -> bool:
        return True

    @enabled.setter
    def enabled(self, value: bool) -> None:
        if not value:
            self._connected = False

    @property
    def connected(self) -> bool:
        return self._connected

    @property
    def ipv4_address(self):
        if not self._connected:
            return None
        return self._static[0] if self._static else IPv4Address("192.0.2.200")

    @property
    def ap_info(self):
        if not self._connected:
            return None
        world = _hw.device().network
        return Network(world.ssid, world.bssid, world.channel)

    def set_ipv4_address(self, *, ipv4, netmask, gateway, ipv4_dns=None) -> None:
        self._static = (IPv4Address(ipv4), IPv4Address(netmask), IPv4Address(gateway))

    def set_ipv4_address_to_dhcp(self) -> None:
        self._static = None

    def start_scanning_networks(self, *, start_channel: int = 1, stop_channel: int = 11):
        board = _hw.device()
        board.spend("wifi_scan", board.profile["wifi"]["connect_full_s"], board.profile["wifi"]["connect_mA"])
        world = board.network
        return iter([Network(world.ssid, world.bssid, world.channel)] if world.ap_available else [])

    def stop_scanning_networks(self) -> None:
        pass

    def connect(self, ssid, password=b"", *, channel: int = 0, bssid=None, timeout=None) -> None:
        board = _hw.device()
        self._connected = board.wifi_connect(_text(ssid), _text(password), channel, bssid, timeout,
                                             static_ip=self._static is not None)

    def disconnect(self) -> None:
        self._connected = False

    def ping(self, ip, *, timeout: float = 0.5):
        return None


def _text(value) -> str:
    return value.decode() if isinstance(value, (bytes, bytearray)) else str(value)


radio = Radio()
