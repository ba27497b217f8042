"""A real NTP server for tests: chronyd on 127.0.0.1 at a free UDP port.

The firmware's time sync should be tested against a production NTP server, not only against our
own idea of one. `Chrony` starts chronyd (Debian package `chrony`) in the foreground with its own
configuration, pid and drift files in a temporary folder, no command sockets, and `-x`, so it
never touches the host's clock. `local stratum 3` makes it serve the host's clock without any
upstream source.

With `offset_s`, it serves the host's clock shifted by that many seconds. A SOCK reference clock,
fed from a thread, tells chronyd that true time is `offset_s` ahead of the system clock; with
clock control disabled (`-x`) chronyd cannot step the system clock, and applies the whole
correction at once to the time it tracks and serves instead. About a second after start the
server answers with the shifted time (reference id `SHFT`).

    with Chrony() as server:
        answer = sntp_query(server.port)
"""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import NamedTuple

NTP_TO_UNIX = 2208988800  # seconds from 1900-01-01 to 1970-01-01
SOCK_MAGIC = 0x534F434B  # "SOCK": chrony's refclock_sock.c protocol identifier
SHIFT_REFID = b"SHFT"


class ChronyMissing(RuntimeError):
    """chronyd is not installed."""


class SntpAnswer(NamedTuple):
    leap: int
    version: int
    mode: int
    stratum: int
    refid: bytes
    server_time: float  # the server's transmit timestamp, Unix seconds
    offset: float  # server clock minus this host's clock (RFC 4330 estimate), seconds
    delay: float  # round trip, seconds


def chronyd_path() -> str:
    """Where chronyd is, or a ChronyMissing that says how to install it."""
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    path = shutil.which("chronyd", path=search)
    if path is None:
        raise ChronyMissing(
            "chronyd is not installed: the NTP tests need a real NTP server. Install the "
            "Debian/Ubuntu package `chrony` (apt-get install -y chrony), as .ci/run does."
        )
    return path


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _from_ntp(packet: bytes, offset: int) -> float:
    seconds, fraction = struct.unpack_from("!II", packet, offset)
    return seconds - NTP_TO_UNIX + fraction / 2**32


def sntp_query(port: int, host: str = "127.0.0.1", timeout: float = 1.0) -> SntpAnswer:
    """One SNTPv4 client exchange (RFC 4330), with a plain CPython UDP socket."""
    request = bytearray(48)
    request[0] = 0b00_100_011  # no leap warning, version 4, client mode
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sent = time.time()
        sock.sendto(request, (host, port))
        packet = sock.recv(512)
        received = time.time()
    if len(packet) < 48:
        raise OSError(f"short NTP answer: {len(packet)} bytes")
    server_received, server_sent = _from_ntp(packet, 32), _from_ntp(packet, 40)
    return SntpAnswer(
        leap=packet[0] >> 6,
        version=(packet[0] >> 3) & 7,
        mode=packet[0] & 7,
        stratum=packet[1],
        refid=bytes(packet[12:16]),
        server_time=server_sent,
        offset=((server_received - sent) + (server_sent - received)) / 2,
        delay=(received - sent) - (server_sent - server_received),
    )


class Chrony:
    """chronyd serving NTP on 127.0.0.1:`port` while the context is open."""

    host = "127.0.0.1"

    def __init__(self, offset_s: float = 0.0, stratum: int = 3, timeout: float = 10.0) -> None:
        self.offset_s = float(offset_s)
        self.stratum = stratum
        self.timeout = timeout
        self.port = 0
        self.folder: Path | None = None
        self.process: subprocess.Popen | None = None
        self._feeding = threading.Event()
        self._feeder: threading.Thread | None = None

    def __enter__(self) -> Chrony:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def log(self) -> str:
        """What chronyd wrote (it logs to stderr with -d)."""
        path = self.folder / "chronyd.log" if self.folder else None
        return path.read_text(errors="replace") if path and path.exists() else ""

    def config(self) -> str:
        lines = [
            f"port {self.port}",
            f"bindaddress {self.host}",
            f"allow {self.host}",
            f"local stratum {self.stratum}",
            "cmdport 0",  # no UDP command port ...
            "bindcmdaddress /",  # ... and no Unix command socket (default /run/chrony/...)
            f"pidfile {self.folder}/chronyd.pid",
            f"driftfile {self.folder}/chrony.drift",
        ]
        if self.offset_s:
            # Served stratum is the refclock's + 1: keep it at `stratum`, as without a shift.
            lines.append(
                f"refclock SOCK {self.folder}/shift.sock refid {SHIFT_REFID.decode()} "
                f"poll -2 filter 2 stratum {max(0, self.stratum - 1)}"
            )
        return "\n".join(lines) + "\n"

    def start(self) -> None:
        binary = chronyd_path()
        self.folder = folder = Path(tempfile.mkdtemp(prefix="chrony-"))
        try:
            for _attempt in range(3):  # the free port may be taken before chronyd binds it
                self.port = free_udp_port()
                (folder / "chrony.conf").write_text(self.config())
                self.process = self._launch(binary, folder)
                if self._wait_ready(self.process):
                    return
                self._halt()
            raise RuntimeError(f"chronyd could not open an NTP port:\n{self.log}")
        except BaseException:
            self.stop()
            raise

    def _launch(self, binary: str, folder: Path) -> subprocess.Popen:
        # -d: foreground, log to stderr; -x: never adjust the system clock; -U: run as whoever
        # we are; as root, -u root: no drop to the _chrony user, who could not read our folder.
        command = [binary, "-d", "-x", "-U", "-f", str(folder / "chrony.conf")]
        if os.geteuid() == 0:
            command[1:1] = ["-u", "root"]
        (folder / "chronyd.pid").unlink(missing_ok=True)
        with open(folder / "chronyd.log", "wb") as log:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        if self.offset_s:
            self._feeding.clear()
            self._feeder = threading.Thread(
                target=self._feed, args=(str(folder / "shift.sock"),), name="chrony-shift", daemon=True
            )
            self._feeder.start()
        return process

    def _wait_ready(self, process: subprocess.Popen) -> bool:
        """True once chronyd answers as configured; False if it could not bind its port."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                if "Could not open NTP socket" in self.log:
                    return False
                raise RuntimeError(f"chronyd exited with {process.returncode}:\n{self.log}")
            try:
                answer = sntp_query(self.port, self.host, timeout=0.2)
            except OSError:
                answer = None
            if (
                answer
                and answer.leap != 3
                and answer.stratum == self.stratum
                and (not self.offset_s or answer.refid == SHIFT_REFID)
            ):
                return True
            if "Could not open NTP socket" in self.log:
                return False
            time.sleep(0.05)
        raise RuntimeError(f"chronyd did not serve time within {self.timeout} s:\n{self.log}")

    def _feed(self, path: str) -> None:
        """Samples for the SOCK refclock: `struct sock_sample` of chrony's refclock_sock.c
        (timeval of the measurement, offset = true minus system time, pulse, leap, pad, magic)."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            while not self._feeding.is_set():
                now = time.time()
                seconds = int(now)
                sample = struct.pack(
                    "@lldiiii", seconds, int((now - seconds) * 1e6), self.offset_s, 0, 0, 0, SOCK_MAGIC
                )
                try:
                    sock.sendto(sample, path)
                except OSError:
                    pass  # chronyd has not made its socket yet (or is gone)
                self._feeding.wait(0.1)

    def _halt(self) -> None:
        self._feeding.set()
        if self._feeder is not None:
            self._feeder.join()
            self._feeder = None
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(5)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            self.process = None

    def stop(self) -> None:
        self._halt()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None
