"""The cloud's SNTP server (RFC 4330) on UDP, answering from the simulator's virtual clock."""

from __future__ import annotations

import collections
import random
import socket
import struct
import threading
from collections.abc import Callable

from sim.cloud.faults import CloudFaults

NTP_EPOCH = 2208988800  # 1900-01-01 to 1970-01-01 in seconds


def ntp_timestamp(seconds: float) -> bytes:
    whole = int(seconds)
    return struct.pack("!II", (whole + NTP_EPOCH) & 0xFFFFFFFF, int((seconds - whole) * 2**32) & 0xFFFFFFFF)


def ntp_reply(request: bytes, received: float, transmit: float) -> bytes:
    """An RFC 4330 server answer (mode 4, stratum 2) to a client request."""
    version = (request[0] >> 3) & 0x07 or 4
    header = struct.pack("!BBbb", (version << 3) | 4, 2, request[2] or 6, -20)
    header += struct.pack("!II", 0x00000080, 0x00000200)  # root delay 2 ms, dispersion 8 ms
    header += bytes((192, 0, 2, 123))  # reference id: the upstream server
    return (
        header
        + ntp_timestamp(received - 64)
        + request[40:48]
        + ntp_timestamp(received)
        + ntp_timestamp(transmit)
    )


class SntpServer:
    """The SNTP listener's loop (part of LocalDropbox; the drop fault applies to it too)."""

    _udp: socket.socket | None
    clock: Callable[[], float]
    lock: threading.Lock
    stats: collections.Counter
    faults: CloudFaults
    rng: random.Random

    def _serve_ntp(self) -> None:
        udp = self._udp
        while udp is not None and self._udp is udp:
            try:
                packet, address = udp.recvfrom(512)
            except TimeoutError:
                continue
            except OSError:
                return
            reply = self.ntp_answer(packet)
            if reply is None:
                continue
            try:
                udp.sendto(reply, address)
            except OSError:
                return

    def ntp_answer(self, packet: bytes) -> bytes | None:
        """The answer to one datagram, or None (not a client request, or dropped)."""
        received = self.clock()
        if len(packet) < 48 or packet[0] & 0x07 != 3:  # answer client mode only
            return None
        with self.lock:
            self.stats["ntp"] += 1
            if self.faults.drop_p > 0 and self.rng.random() < self.faults.drop_p:
                self.stats["fault:drop"] += 1
                return None
        return ntp_reply(packet, received, self.clock())
