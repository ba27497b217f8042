"""The board's radio: WiFi association, DNS, TLS handshakes, sockets and the bytes they carry."""

from __future__ import annotations

import errno

from sim.circuitpython.errnos import ETIMEDOUT, board_error
from sim.network import Host
from sim.parts.power import Power


class Radio(Power):
    """WiFi, DNS, TLS and socket traffic, charged to their phases (part of Device)."""

    def wifi_associate(
        self,
        ssid: bytes,
        password: bytes,
        channel: int,
        bssid: bytes | None,
        static_ip: bool,
        by_supervisor: bool = False,
    ) -> str | None:
        """Scan, associate and get an address; None, or why not ("NO_AP_FOUND", "AUTH_FAIL").
        A missing access point costs the scan over every channel, hint or not; ESP-IDF does not
        retry NO_AP_FOUND, so the connect timeout does not lengthen it. The supervisor's joins
        are charged to phases of their own."""
        wifi = self.profile["wifi"]
        world = self.network
        fast = channel == world.channel and bssid is not None and bssid == world.bssid
        seconds = wifi["connect_fast_s"] if fast else wifi["connect_full_s"]
        phase, dhcp = ("supervisor_wifi", "supervisor_dhcp") if by_supervisor else ("wifi_connect", "dhcp")
        failure = None
        if not world.ap_available or self.fault("ap_down") or ssid != world.ssid.encode():
            seconds, failure = wifi["connect_full_s"], "NO_AP_FOUND"
        elif password != world.password.encode():
            failure = "AUTH_FAIL"
        self.spend(phase, seconds, wifi["connect_mA"])
        if failure is None and not static_ip:
            self.spend(dhcp, wifi["dhcp_s"], wifi["connect_mA"])
        record = self.wake_records[-1]
        if by_supervisor:
            if failure is None:
                self.counters.supervisor_joins += 1
                record.supervisor_joins += 1
            else:
                self.counters.supervisor_join_failures += 1
            return failure
        if failure is not None:
            self.counters.wifi_failures += 1
            return failure
        self.counters.wifi_connects += 1
        self.wifi_already_connected(False)
        return None

    def wifi_already_connected(self, by_supervisor: bool) -> None:
        """A connect that found the radio associated already: the firmware is online for free."""
        if not by_supervisor:
            self.wake_records[-1].joins += 1
            self.wake_records[-1].kind = "network"

    def dns_lookup(self, name: str) -> Host | None:
        if not self.radio.connected:
            raise OSError(errno.EHOSTUNREACH, "WiFi is not connected")
        if name not in self._dns_cache:
            self.spend("dns", self.profile["wifi"]["dns_s"], self.profile["wifi"]["idle_mA"])
            self.counters.dns_lookups += 1
            self._dns_cache.add(name)
        return self.network.resolve(name)

    def route(self, address: str) -> Host:
        host = self.network.resolve(address) if self.radio.connected else None
        if host is None:
            raise OSError(errno.EHOSTUNREACH, f"no route to {address}")
        return host

    def tls_handshake_begin(self) -> None:
        tls = self.profile["tls"]
        self.spend("tls", tls["handshake_s"], tls["current_mA"])
        self.counters.tls_handshakes += 1
        self.wake_records[-1].tls += 1

    def record_tls_failure(self, host: str, why: str) -> None:
        self.counters.tls_failures += 1
        self.event("tls_refused", host=host, reason=why)

    def socket_opened(self, sock) -> None:
        """A socketpool socket is made: lwIP has CONFIG_LWIP_MAX_SOCKETS of them."""
        if len(self._sockets) >= self.version.max_sockets:
            raise RuntimeError("Out of sockets")
        self._sockets.append(sock)

    def socket_closed(self, sock) -> None:
        self._sockets.remove(sock)

    def _close_sockets(self) -> None:
        """The end of a wake closes every socket (common-hal socket_user_reset)."""
        for sock in list(self._sockets):
            sock.close()

    def radio_send(self, sock, size: int) -> None:
        wifi = self.profile["wifi"]
        record = self.wake_records[-1]
        if not sock._awaiting_reply:
            sock._awaiting_reply = True
            self.counters.http_requests += sock.type == 1
            record.requests += 1
        self.counters.bytes_up += size
        record.bytes_up += size
        self.spend("radio_tx", size / (wifi["throughput_kBps"] * 1024), wifi["tx_mA"])

    def radio_wait(self, sock) -> None:
        if sock._awaiting_reply:
            sock._awaiting_reply = False
            wifi = self.profile["wifi"]
            self.spend("radio_wait", wifi["rtt_s"] + sock._host.server_s, wifi["idle_mA"])

    def server_delay(self, seconds: float) -> None:
        """The cloud answers `seconds` late (called from its thread before it answers)."""
        self._server_delay += seconds

    def radio_receive(self, sock, size: int) -> None:
        wifi = self.profile["wifi"]
        if self._server_delay:
            late, self._server_delay = self._server_delay, 0.0
            limit = sock._timeout if sock._timeout else 60.0
            self.spend("radio_wait", min(late, limit), wifi["idle_mA"])
            if late >= limit:
                raise board_error(ETIMEDOUT, "ETIMEDOUT")
        self.counters.bytes_down += size
        self.spend("radio_rx", size / (wifi["throughput_kBps"] * 1024), wifi["idle_mA"])
