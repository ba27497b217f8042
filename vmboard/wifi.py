"""`wifi`: the radio. Joining asks the host driver's scripted access point (sim/vm.py), which
answers as sim/parts/radio.py's wifi_associate does: ConnectionError when the network is away or the
password is wrong; a join with the channel and BSSID is the fast one."""

import _board
from ipaddress import IPv4Address


class AuthMode:
    OPEN = "OPEN"
    WPA2 = "WPA2"
    PSK = "PSK"


class Network:
    def __init__(self, ssid, bssid, channel, rssi=-62):
        self.ssid = ssid
        self.bssid = bssid
        self.channel = channel
        self.rssi = rssi
        self.country = "NL"
        self.authmode = [AuthMode.WPA2, AuthMode.PSK]


class Radio:
    def __init__(self):
        self._connected = False
        self._static = None
        self._ap = None
        self.hostname = "xiao-esp32s3-sense"
        self.mac_address = b"\x34\x85\x18\x00\x00\x01"
        self.tx_power = 20.0

    @property
    def enabled(self):
        return True

    @enabled.setter
    def enabled(self, value):
        if not value:
            self._connected = False
            _board.call("radio_off")

    @property
    def connected(self):
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
        ssid, bssid, channel = self._ap
        import binascii

        return Network(ssid, binascii.unhexlify(bssid), channel)

    def set_ipv4_address(self, *, ipv4, netmask, gateway, ipv4_dns=None):
        self._static = (IPv4Address(ipv4), IPv4Address(netmask), IPv4Address(gateway))

    def set_ipv4_address_to_dhcp(self):
        self._static = None

    def connect(self, ssid, password=b"", *, channel=0, bssid=None, timeout=None):
        answer = _board.call("wifi_connect", ssid=_text(ssid), password=_text(password),
                             channel=channel, bssid=_hex(bssid), timeout=timeout,
                             static_ip=self._static is not None)
        if answer.get("error"):
            raise ConnectionError(answer["error"])
        self._connected = True
        self._ap = (answer["ssid"], answer["bssid"], answer["channel"])

    def disconnect(self):
        self._connected = False

    def ping(self, ip, *, timeout=0.5):
        return None


def _text(value):
    return value.decode() if isinstance(value, (bytes, bytearray)) else str(value)


def _hex(value):
    if value is None:
        return None
    return "".join("%02x" % b for b in value)


radio = Radio()
