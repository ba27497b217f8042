"""One simulated XIAO ESP32S3 Sense: its memories, clocks, parts, and the wake loop.

What survives what, as on the board: sleep memory survives deep sleep only; NVM and the card
survive everything; the RTC survives deep sleep (drifting) and restarts at 2000-01-01 after a
power loss; `time.monotonic()` restarts at every boot. Each wake runs boot.py and code.py afresh.
"""

from __future__ import annotations

import bisect
import collections
import contextlib
import errno
import hashlib
import io
import json
import math
import os
import random
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sim import circuitpython, workflow
from sim.battery import Battery
from sim.circuitpython import versions
from sim.circuitpython.errnos import ETIMEDOUT, board_error
from sim.circuitpython.wifi import RadioState
from sim.clock import Clock, temperature_at
from sim.faults import BOARD as BOARD_FAULTS
from sim.faults import parse as parse_faults
from sim.hardware import Camera, Card, file_size
from sim.loader import WakeImports
from sim.meter import Meter
from sim.network import Host, Network

RTC_VALID_AFTER = 1735689600  # 2025-01-01: the firmware's own test of a set clock

SLEEP_MEMORY_BYTES = 4096
NVM_BYTES = 8192  # CIRCUITPY_INTERNAL_NVM_SIZE, ports/espressif/mpconfigport.h
# Every NVM write rewrites the whole blob (docs/fidelity.md, Storage). Estimates: nvs init and
# reading the 8 KB blob back, a few ms; then, in the window where a cut loses everything,
# nvs_erase_all, 8 KB programmed as 32 pages of 256 bytes (~0.7 ms each) and, with the blob
# filling ~2 of the 5 pages of the 20 KB NVS partition (partitions-8MB.csv) at every write,
# about two 4 KB sector erases by NVS garbage collection (~45 ms each): about 0.11 s.
NVM_READ_S = 0.003
NVM_WRITE_S = 0.11


class DeepSleep(BaseException):
    """alarm.exit_and_deep_sleep_until_alarms: the wake is over. `rtc_target` is the RTC reading
    the TimeAlarm fires at (None: no time alarm)."""

    def __init__(self, alarm, rtc_target) -> None:
        super().__init__("deep sleep")
        self.alarm = alarm
        self.rtc_target = rtc_target


class Brownout(BaseException):
    """The battery sagged below the brown-out level under this phase's current: the chip resets."""


class Reset(BaseException):
    """microcontroller.reset() or supervisor.reload()."""


class PowerCut(BaseException):
    """The battery was disconnected: nothing after this instant happened."""


class RunOver(BaseException):
    """The simulated period ended while the board was awake (a firmware that never sleeps)."""


class WatchdogReset(BaseException):
    """The watchdog was not fed in time."""


@dataclass
class Counters:
    wakes: int = 0
    captures: int = 0
    wifi_connects: int = 0   # associations the firmware made
    wifi_failures: int = 0
    supervisor_joins: int = 0  # associations CircuitPython's web workflow made (sim/workflow.py)
    supervisor_join_failures: int = 0
    tls_handshakes: int = 0
    tls_failures: int = 0
    http_requests: int = 0
    bytes_up: int = 0
    bytes_down: int = 0
    dns_lookups: int = 0
    nvm_writes: int = 0
    crashes: int = 0
    power_cuts: int = 0
    watchdog_resets: int = 0
    brownouts: int = 0


DROPBOX_ROUTES = ("token", "upload", "get_metadata", "upload_session_start", "upload_session_finish")


@dataclass
class WakeRecord:
    start: float
    reset_reason: str
    awake_s: float = 0.0
    kind: str = "idle"
    captures: list = field(default_factory=list)
    charge_mAs: float = 0.0  # what the wake cost, awake
    requests: int = 0
    tls: int = 0
    bytes_up: int = 0
    joins: int = 0           # the firmware's successful wifi.radio.connect calls
    supervisor_joins: int = 0  # associations the supervisor made (CIRCUITPY_WIFI_SSID)
    upload_due: bool = False  # the board asked Dropbox for something (token, upload, metadata)
    uploads: int = 0          # photos the local Dropbox acknowledged in this wake
    syncs: int = 0            # 1 when the wake applied a time sample (sim/judge.py)
    time_requests: int = 0    # SNTP and HTTPS time requests the servers saw
    zone_requests: int = 0    # of those, asking for a time zone's offset (TIMEZONE)
    imported: list = field(default_factory=list)


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Device:
    Reset = Reset

    def __init__(self, folder: Path, profile, *, start_utc: float, seed: int = 1,
                 drift_ppm: float | None = None, rtc_set: bool = True, usb: bool = False,
                 card_mb: float = 32 * 1024, site: tuple[float, float] = (52.37, 4.90),
                 network: Network | None = None, power_cuts: list[float] | None = None,
                 faults: str = "", events=None, console=None, label: str = "",
                 awake_cuts: list[float] | None = None, nvm_cuts: list[int] | None = None,
                 version: str | None = None, sensor: str = "OV2640",
                 camera_switch: str | None = None) -> None:
        self.folder = Path(folder).resolve()
        self.label = label  # stamped on its photos: cameras of a fleet never take the same bytes
        self.sd = self.folder / "sd"
        self.sd.mkdir(parents=True, exist_ok=True)
        self.profile = profile
        self.version = versions.get(version)  # the CircuitPython release: what the board accepts
        self.rng = random.Random(seed)
        drift = profile["rtc"]["drift_ppm"] if drift_ppm is None else drift_ppm
        self.clock = Clock(start_utc, drift, seed, rtc_set)
        self.meter = Meter()
        self.battery = Battery(profile["battery"])
        self.ended: str | None = None     # why the board stopped for good ("battery empty")
        self.safe_mode: str | None = None  # supervisor.runtime.safe_mode_reason at the next start
        self.safe_mode_s = 0.0            # awake in safe mode, waiting for a key press
        self.network = network or Network()
        self.counters = Counters()
        self.pin_levels: dict[int, bool] = {}
        self.camera = Camera(self, sensor, None if camera_switch is None else board_gpio(camera_switch))
        self.card = Card(self, self.sd, card_mb)
        self.site = site
        self.usb = usb
        self.sleep_memory = bytearray(SLEEP_MEMORY_BYTES)
        self.nvm = bytearray(NVM_BYTES)  # no blob yet: reads as zeros (get_bytes)
        self.reset_reason = "POWER_ON"
        self.wake_alarm = None
        self.previous_traceback: str | None = None
        self.power_cuts = sorted(power_cuts or [])   # true instants
        self.awake_cuts = sorted(awake_cuts or [])   # instants of awake time (awake_total)
        self.awake_total = 0.0
        self.nvm_cuts = sorted(nvm_cuts or [])       # numbers of the NVM writes power fails in
        self.events = events if events is not None else []
        self.console = console if console is not None else io.StringIO()
        self.config_history: list[tuple[float, str]] = []  # (true time, camconfig.toml) when it changed
        self.after_wake: list = []  # hook(device, record) after each wake (sim/judge.py)
        self.captured: dict[str, str] = {}     # every image ever captured: name -> sha256
        self.capture_times: list[tuple[float, float, str]] = []  # (true time, RTC, name) per capture
        self.wakes: int = 0
        self.wake_records: list[WakeRecord] = []
        self.errors: dict[str, int] = {}
        self.pin_edges: list[tuple[float, int, bool]] = []  # (true time, gpio, level) of outputs
        self.held_pins: dict[int, tuple] = {}  # preserve_dios of the last deep sleep
        self.rtc_periph = False   # a PinAlarm keeps the RTC peripherals powered in deep sleep
        self._writing: dict[str, str] = {}  # card path -> digest of a file written under another name
        self._watchdog: tuple[float, float, str] | None = None  # (timeout, last fed, mode)
        self.radio = RadioState()  # what the WiFi holds until the next reset
        self._dns_cache: set[str] = set()
        self._server_delay = 0.0
        self._sockets: list = []   # socketpool sockets open in this boot
        self.settings = self._read_settings()
        self.faults = {name: fault for name, fault in parse_faults(faults, start_utc).items()
                       if name in BOARD_FAULTS}
        self.faked_sleep = False  # the last sleep was USB's fake deep sleep
        self.run_end = math.inf   # true time at which the simulation stops, awake or not
        self.sleep_by_camera: dict[str, float] = {}  # deep-sleep seconds by the camera's state
        self.time_alarm = None    # the TimeAlarm the last deep sleep waits for
        self.drive_readonly = True
        self.usb_drive = True  # storage.disable_usb_drive() clears it; nothing reads it yet
        # Spans of true time [start, end, whether the RTC held a set time]: split at power losses
        # and where the firmware set the RTC. Schedules are judged over them.
        self.time_spans = [[self.clock.true, self.clock.true, rtc_set]]

    def fault(self, name: str) -> bool:
        """Whether the injected fault `name` is active now."""
        fault = self.faults.get(name)
        return fault is not None and fault.active(self.clock.true)

    def fault_share(self, name: str) -> float:
        """The share of events the injected fault `name` hits now (0 while inactive)."""
        return (self.faults[name].share or 0.0) if self.fault(name) else 0.0

    # ---- time and charge -------------------------------------------------------------------

    def awake_mA(self) -> float:
        return self.profile.cpu_mA

    def spend(self, phase: str, seconds: float, mA: float) -> None:
        """Charge `seconds` awake at `mA` to `phase`, cut short by a power cut, the watchdog or
        the end of the run."""
        seconds = max(0.0, seconds)
        if seconds > 0 and self.browns_out(phase, mA):
            raise Brownout(phase)
        by_time, by_awake = self._cuts_ahead()
        cut, dog = min(by_time, by_awake), self.watchdog_left()
        over = self.run_end - self.clock.true
        stop = min(cut, dog, over)
        spent = max(0.0, min(stop, seconds))
        self.meter.add(phase, spent, mA, self.clock.true)
        if self.wake_records:
            self.wake_records[-1].charge_mAs += spent * mA
        self.clock.advance_awake(spent)
        self.awake_total += spent
        if stop >= seconds:
            return
        if stop == over:
            raise RunOver(phase)
        if cut <= dog:
            (self.power_cuts if by_time <= by_awake else self.awake_cuts).pop(0)
            raise PowerCut(phase)
        raise WatchdogReset(phase)

    def peak_mA(self, phase: str, mA: float) -> float:
        """The current the battery must deliver at the worst moment of `phase`: WiFi transmits
        in bursts well above the phase's average."""
        if phase in ("wifi_connect", "dhcp", "radio_tx"):
            return max(mA, self.profile["wifi"].get("peak_mA", mA))
        return mA

    def browns_out(self, phase: str, mA: float) -> bool:
        """Whether the battery (USB absent) sags below the brown-out level in `phase`."""
        if self.usb:
            return False
        drawn = self.meter.total_mAh
        return self.battery.left_mAh(drawn) <= 0 or self.battery.browns_out(drawn, self.peak_mA(phase, mA))

    def stay_awake(self, phase: str, seconds: float, mA: float) -> bool:
        """Awake outside any wake (the REPL, safe mode) for `seconds`, or until the battery is
        empty (then True)."""
        left = self.battery.left_mAh(self.meter.total_mAh)
        empty = not self.usb and seconds * mA / 3600 >= left
        if empty:
            seconds = max(0.0, left * 3600 / mA)
        self.meter.add(phase, seconds, mA, self.clock.true)
        self.clock.advance_awake(seconds)
        return empty

    def seconds_to_cut(self) -> float:
        """Awake seconds until the next power cut: one at a true instant, or one placed in the
        board's awake time (so that cuts hit card writes, NVM writes and uploads, not only sleep)."""
        return min(self._cuts_ahead())

    def _cuts_ahead(self) -> tuple[float, float]:
        by_time = self.power_cuts[0] - self.clock.true if self.power_cuts else math.inf
        by_awake = self.awake_cuts[0] - self.awake_total if self.awake_cuts else math.inf
        return by_time, by_awake

    def charge_compile(self, path: str) -> None:
        per_kB = self.profile["cpu"]["compile_s_per_kB"]
        self.spend("compile", file_size(path) / 1024 * per_kB, self.awake_mA())

    def cpu_temperature(self) -> float:
        return temperature_at(self.clock.true)

    def set_rtc(self, epoch: float) -> None:
        self.clock.rtc = float(epoch)
        self._new_time_span(valid=epoch >= RTC_VALID_AFTER)

    def _new_time_span(self, valid: bool) -> None:
        self.time_spans[-1][1] = self.clock.true
        self.time_spans.append([self.clock.true, self.clock.true, valid])

    def true_time_spans(self) -> list[list]:
        """[start, end, valid] spans of true time, split at power losses and RTC settings."""
        self.time_spans[-1][1] = self.clock.true
        return [span for span in self.time_spans if span[1] > span[0]]

    # ---- watchdog ----------------------------------------------------------------------------

    def arm_watchdog(self, timeout: float, mode) -> None:
        if timeout <= 0:
            raise ValueError("watchdog timeout must be positive")
        self._watchdog = (timeout, self.clock.monotonic, str(mode))

    def disarm_watchdog(self) -> None:
        self._watchdog = None

    def feed_watchdog(self) -> None:
        if self._watchdog:
            timeout, _, mode = self._watchdog
            self._watchdog = (timeout, self.clock.monotonic, mode)

    def watchdog_left(self) -> float:
        if not self._watchdog or not self._watchdog[2].endswith("RESET"):
            return math.inf
        timeout, fed, _ = self._watchdog
        return fed + timeout - self.clock.monotonic

    # ---- files: CIRCUITPY and the card -------------------------------------------------------

    def host_path(self, path) -> str:
        """A board path (relative to `/`, or absolute) as a path inside the device folder."""
        path = str(path)
        joined = os.path.normpath(os.path.join(str(self.folder), path.lstrip("/")))
        if not (joined == str(self.folder) or joined.startswith(str(self.folder) + os.sep)):
            raise OSError(errno.ENOENT, f"no such file on the board: {path}")
        return joined

    def on_card(self, host_path: str) -> bool:
        return host_path == str(self.sd) or host_path.startswith(str(self.sd) + os.sep)

    def check_card_path(self, host_path: str) -> None:
        if self.on_card(host_path) and not self.card.mounted:
            raise OSError(errno.ENOENT, "the card is not mounted")
        if not self.on_card(host_path) and self.drive_readonly:
            raise OSError(errno.EROFS, "Read-only filesystem")

    def open_file(self, path, mode: str = "r", *args, **kwargs):
        host = self.host_path(path)
        writing = any(flag in mode for flag in "wax+")
        if self.on_card(host) and not self.card.mounted:
            raise OSError(errno.ENOENT, "the card is not mounted")
        if writing:
            self.check_card_path(host)
            if self.on_card(host):
                return CardFile(self, host, mode)
        return open(host, mode, *args, **kwargs)

    def remove_file(self, host: str) -> None:
        self.check_card_path(host)
        size = file_size(host)
        os.remove(host)
        if self.on_card(host):
            self.card.removed(size)

    def rename_file(self, old: str, new: str) -> None:
        self.check_card_path(old)
        self.check_card_path(new)
        if os.path.exists(new):
            raise OSError(errno.EEXIST, "File exists")
        os.rename(old, new)
        digest = self._writing.pop(old, None)
        if digest is not None and new.endswith(".jpg"):
            self.record_capture(new, digest)

    def record_capture(self, host: str, digest: str) -> None:
        name = os.path.relpath(host, self.sd)
        if name in self.captured:
            self.event("overwrite", name=name)
        self.captured[name] = digest
        self.counters.captures += 1
        self.capture_times.append((self.clock.true, self.clock.rtc, name))
        self.wake_records[-1].captures.append(name)
        self.event("capture", name=name, bytes=file_size(host), rtc=iso(self.clock.rtc))

    def statvfs(self, host: str) -> tuple:
        if self.on_card(host):
            if not self.card.mounted:
                raise OSError(errno.ENOENT, "the card is not mounted")
            return self.card.statvfs()
        return (1024, 1024, 6 * 1024, 3 * 1024, 3 * 1024, 0, 0, 0, 0, 255)

    def write_nvm(self, start: int, data: bytes) -> None:
        """common-hal set_bytes on the ESP32-S3 (ports/espressif/common-hal/nvm/ByteArray.c):
        read the whole 8192-byte NVS blob, nvs_erase_all, nvs_set_blob of all 8192 bytes,
        nvs_commit. A power cut or a reset after the erase leaves no blob, which reads as all
        zeros: both halves of NVM are gone, whatever slice was written."""
        self.counters.nvm_writes += 1
        self.spend("nvm", NVM_READ_S, self.awake_mA())  # cut here: the old blob is intact
        blob = bytearray(self.nvm)
        blob[start:start + len(data)] = data
        if self.nvm_cuts and self.counters.nvm_writes >= self.nvm_cuts[0]:
            self.nvm_cuts.pop(0)  # power fails half-way between the erase and the commit
            bisect.insort(self.awake_cuts, self.awake_total + NVM_WRITE_S / 2)
        try:
            self.spend("nvm", NVM_WRITE_S, self.awake_mA())
        except (PowerCut, WatchdogReset):
            self.nvm[:] = bytes(NVM_BYTES)
            raise
        self.nvm[:] = blob

    # ---- pins ---------------------------------------------------------------------------------

    def pin_level(self, pin, pull) -> bool:
        return self.pin_levels.get(pin.gpio, pull == "UP")

    def pin_output(self, pin, value: bool) -> None:
        self._set_level(pin.gpio, bool(value))

    def _set_level(self, gpio: int, value: bool) -> None:
        if self.pin_levels.get(gpio) != value:
            self.pin_edges.append((self.clock.true, gpio, value))
        self.pin_levels[gpio] = value
        if gpio == self.camera.switch_gpio:
            self.camera.supply(not value)  # a P-channel load switch: on while the pin is low

    def pin_reset(self, pin) -> None:
        """A pin given back (deinit): input, pulled up (gpio_reset_pin)."""
        self._set_level(pin.gpio, True)

    def reset_pins(self, keep=()) -> None:
        """reset_all_pins: every pin the firmware used is an input pulled up again, except the
        preserved ones (held through deep sleep)."""
        for gpio in list(self.pin_levels):
            if gpio not in keep:
                self._set_level(gpio, True)

    def battery_volts(self) -> float:
        """At the pads, with the board awake (what the ADC sees)."""
        return self.battery.volts(self.meter.total_mAh, self.awake_mA())

    def pin_voltage(self, pin) -> float:
        """The battery sits behind a 1:2 divider on A0 (the shipped wiring); other pins read 0."""
        return self.battery_volts() / 2.0 if pin.gpio == 1 else 0.0

    # ---- the radio ----------------------------------------------------------------------------

    def wifi_associate(self, ssid: bytes, password: bytes, channel: int, bssid: bytes | None,
                       static_ip: bool, by_supervisor: bool = False) -> str | None:
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
        if not sock._awaiting_reply:
            sock._awaiting_reply = True
            self.counters.http_requests += sock.type == 1
            self.wake_records[-1].requests += 1
        self.counters.bytes_up += size
        self.wake_records[-1].bytes_up += size
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

    # ---- settings, events, errors -------------------------------------------------------------

    def _read_settings(self) -> dict:
        """The keys of settings.toml that os.getenv reads without an error (quoted strings and
        integers), for the supervisor's own join (sim/workflow.py). The firmware's os.getenv
        reads the file itself at every call, as the board does (sim/circuitpython/os_.py)."""
        from sim.circuitpython.os_ import settings_value

        path = self.folder / "settings.toml"
        if not path.exists():
            return {}
        text = path.read_bytes()
        values: dict = {}
        for line in text.split(b"\n"):
            if line.lstrip().startswith(b"["):
                break
            name = line.split(b"=", 1)[0].strip()
            if b"=" not in line or not name or name.startswith(b"#"):
                continue
            key = name.decode("utf-8", "replace")
            try:
                value = settings_value(text, key)
            except ValueError:
                continue
            if value is not None:
                values.setdefault(key, value)
        return values

    def event(self, kind: str, **fields) -> None:
        record = {"t": iso(self.clock.true), "kind": kind}
        record.update(fields)
        self.events.append(record)

    def _note_console(self, text: str, record: WakeRecord) -> None:
        """What the firmware reports on its console, as a serial log would show it: `[error]
        kind: message` lines (the documented format) are its errors; uploads and time syncs
        become events. The report's upload and sync counters do not come from here
        (_note_server, sim/judge.py)."""
        for line in text.splitlines():
            if line.startswith("[error] "):
                kind, _, message = line[8:].partition(":")
                kind = kind.strip() or "unknown"
                self.errors[kind] = self.errors.get(kind, 0) + 1
                self.event("error", error=kind, message=message.strip())
            elif line.startswith("uploaded: "):
                self.event("upload", path=line[10:].split(" (")[0])
            elif line.startswith("time: ") and " sync" in line:
                self.event("sync", source=line[6:].split()[0], message=line[6:])

    def _note_server(self, before: collections.Counter, record: WakeRecord) -> None:
        """What the local Dropbox saw in this wake: photos it acknowledged, whether the board
        asked it for anything to do with uploading, time requests."""
        seen = self.network.server_stats - before
        record.uploads = seen["upload_ok"]
        record.upload_due = any(seen[route] for route in DROPBOX_ROUTES)
        record.time_requests = seen["ntp"] + seen["time_https"]
        record.zone_requests = seen["time_zone"]

    def _note_config(self) -> None:
        """camconfig.toml as this wake finds it, when it changed (a missing or unreadable
        file changes nothing: the firmware keeps its last good configuration)."""
        try:
            text = (self.folder / "camconfig.toml").read_text()
        except (OSError, UnicodeDecodeError):
            return
        if not self.config_history or self.config_history[-1][1] != text:
            self.config_history.append((self.clock.true, text))

    # ---- one wake ------------------------------------------------------------------------------

    def deep_sleep(self, time_alarm, held: dict, rtc_periph: bool) -> None:
        """alarm.exit_and_deep_sleep_until_alarms, its arguments already checked: the sleep
        time counts from now; `held` pins keep their state; pin alarms keep the RTC
        peripherals powered."""
        self.held_pins = dict(held)
        self.rtc_periph = rtc_periph
        raise DeepSleep(time_alarm, time_alarm.rtc_target() if time_alarm is not None else None)

    def light_sleep(self, alarms):
        targets = [a for a in alarms if hasattr(a, "rtc_target")]
        if targets:
            alarm = min(targets, key=lambda a: a.monotonic_time)
            self.spend("light_sleep", alarm.monotonic_time - self.clock.monotonic, 2.0)
            return alarm
        return None

    def _reset_board_modules(self) -> None:
        modules = circuitpython.modules()
        modules["microcontroller"].watchdog.mode = None
        modules["storage"]._mounts.clear()
        self._watchdog = None
        self._dns_cache.clear()
        self._server_delay = 0.0
        self._close_sockets()
        self._writing.clear()
        self.card.mounted = False
        self.drive_readonly = True

    def wake(self) -> tuple[str, object]:
        """Boot and run boot.py and code.py once (after a brown-out: safemode.py alone, as
        CircuitPython's main.c does in safe mode). Returns (outcome, detail): ("sleep", rtc
        target or None), ("crash", message), ("reset", reason), ("power_cut", phase),
        ("watchdog", phase), ("brownout", phase), ("safe_mode", reason)."""
        self.wakes += 1
        self.counters.wakes += 1
        fake = self.faked_sleep
        self.faked_sleep = False
        if not fake:
            self.clock.boot()
        record = WakeRecord(self.clock.true, self.reset_reason)
        self.wake_records.append(record)
        self._note_config()
        served = collections.Counter(self.network.server_stats)
        self.event("boot", reset_reason=self.reset_reason, rtc=iso(self.clock.rtc))
        circuitpython.current = self
        self._reset_board_modules()
        output = io.StringIO()
        imports = WakeImports(self)
        outcome: tuple[str, object]
        safe_mode = self.safe_mode
        scripts = ("safemode.py",) if safe_mode else ("boot.py", "code.py")
        try:
            if not fake:  # USB's fake deep sleep re-runs code.py without a reset
                self.radio = RadioState()
                self.spend("boot", self.profile.boot_s(self.version.name),
                           self.profile["boot"]["current_mA"])
                self.reset_pins()  # port start-up: the holds of deep sleep are released
            with imports, contextlib.redirect_stdout(output), _in_folder(self.folder):
                for script in scripts:
                    if script == "code.py" and not fake:
                        workflow.start(self)  # supervisor_workflow_start, after boot.py
                    if script == "code.py" or (script == "boot.py" and not fake):
                        workflow.start(self)  # start_mp, before each VM (not in safe mode)
                    path = self.folder / script
                    if path.exists():
                        self.charge_compile(str(path))
                        code = compile(path.read_text(), script, "exec")
                        exec(code, {"__name__": "__main__", "__file__": script, "open": self.open_file})
                    if script == "boot.py" and not fake:
                        workflow.after_vm(self)
            outcome = ("safe_mode", safe_mode) if safe_mode else (
                "crash", "code.py finished without deep sleep: the board sits in the REPL")
        except DeepSleep as sleep:
            # main.c's run_safemode_py does not act on a deep-sleep request: safe mode goes on.
            self.time_alarm = sleep.alarm
            outcome = ("safe_mode", safe_mode) if safe_mode else ("sleep", sleep.rtc_target)
        except Brownout as phase:
            outcome = ("brownout", str(phase))
        except Reset as reset:
            outcome = ("reset", str(reset))
        except PowerCut as cut:
            outcome = ("power_cut", str(cut))
        except RunOver:
            outcome = ("end", None)
        except WatchdogReset as phase:
            outcome = ("watchdog", str(phase))
        except Exception:  # noqa: BLE001 - an uncaught exception in code.py, as the board prints it
            message = traceback.format_exc()
            output.write(message)
            self.previous_traceback = message
            outcome = ("safe_mode", safe_mode) if safe_mode else ("crash", message.strip().splitlines()[-1])
        try:
            if outcome[0] in ("sleep", "crash"):
                outcome = self._after_code_py(outcome)
        finally:
            self._close_sockets()
            circuitpython.current = None
        if outcome[0] in ("sleep", "crash", "reset", "safe_mode", "watchdog"):
            # The VM is cleaned up: every pin is reset but the preserved ones.
            self.reset_pins(keep=self.held_pins if outcome[0] == "sleep" else ())
        record.imported = sorted(imports.imported)
        text = output.getvalue()
        self.console.write(f"--- wake {self.wakes} at {iso(self.clock.true)} "
                           f"({self.reset_reason}) ---\n{text}")
        self._note_console(text, record)
        self._note_server(served, record)
        for hook in self.after_wake:
            hook(self, record)
        if record.joins:
            self.event("network", joins=record.joins, tls_handshakes=record.tls,
                       http_requests=record.requests, bytes_up=record.bytes_up,
                       uploads=record.uploads, syncs=record.syncs, upload_due=record.upload_due)
        record.awake_s = self.clock.true - record.start
        if record.captures and record.kind == "network":
            record.kind = "capture+network"
        elif record.captures:
            record.kind = "capture"
        return outcome

    def _after_code_py(self, outcome: tuple[str, object]) -> tuple[str, object]:
        """cleanup_after_vm (main.c): the watchdog stops unless code.py died of an exception,
        then the supervisor's web workflow may join again before the board sleeps."""
        if outcome[0] == "sleep":
            self.disarm_watchdog()
        try:
            workflow.after_vm(self)
        except Brownout as phase:
            return ("brownout", str(phase))
        except PowerCut as cut:
            return ("power_cut", str(cut))
        except RunOver:
            return ("end", None)
        except WatchdogReset as phase:
            return ("watchdog", str(phase))
        return outcome

    # ---- between wakes --------------------------------------------------------------------------

    def sleep_mA(self) -> float:
        sleep = self.profile["sleep"]
        card = sleep["sd_card_mA"] if self.card.present else 0.0
        rtc_periph = sleep.get("rtc_periph_mA", 0.0) if self.rtc_periph else 0.0
        return (sleep["board_mA"] + card + rtc_periph
                + camera_sleep_mA(self.profile, self.camera.sensor, self.camera.sleep_state()))

    def sleep_until(self, rtc_target: float | None, end_true: float) -> str:
        """Deep sleep until the alarm (or the end of the run). Returns what ended it."""
        if self.usb:
            return self._fake_sleep(rtc_target, end_true)
        self.camera.enter_deep_sleep()
        mA = self.sleep_mA()
        start = self.clock.true
        if rtc_target is not None:
            projected = Clock.__new__(Clock)
            projected.__dict__.update(self.clock.__dict__)
            projected.sleep_until_rtc(rtc_target)
            wake_at = projected.true
        else:
            wake_at = math.inf
        empty_at = start + max(0.0, self.battery.left_mAh(self.meter.total_mAh)) * 3600 / mA
        stop = min(wake_at, end_true, self.power_cuts[0] if self.power_cuts else math.inf, empty_at)
        if rtc_target is not None and stop == wake_at:
            self.clock.sleep_until_rtc(rtc_target)
            ended = "alarm"
        else:
            self.clock.sleep_true(stop - start)
            ended = "end" if stop == end_true else "empty" if stop == empty_at else "power_cut"
            if ended == "power_cut":
                self.power_cuts.pop(0)
        self.meter.add("sleep", self.clock.true - start, mA, start)
        state = self.camera.sleep_state()
        self.sleep_by_camera[state] = self.sleep_by_camera.get(state, 0.0) + self.clock.true - start
        return ended

    def save_memory(self) -> None:
        """The sleep_memory and NVM images, for `python -m state.dump --device`."""
        folder = self.folder / ".sim"
        folder.mkdir(exist_ok=True)
        (folder / "sleep_memory.bin").write_bytes(bytes(self.sleep_memory))
        (folder / "nvm.bin").write_bytes(bytes(self.nvm))

    def _fake_sleep(self, rtc_target: float | None, end_true: float) -> str:
        """With USB attached CircuitPython only pretends to deep sleep: the board stays awake
        (its crystal keeps time), keeps everything, and runs code.py again at the alarm."""
        start = self.clock.true
        wake_at = start + (rtc_target - self.clock.rtc) if rtc_target is not None else math.inf
        stop = min(wake_at, end_true)
        self.clock.advance_awake(max(0.0, stop - start))
        self.meter.add("usb_fake_sleep", self.clock.true - start, self.awake_mA(), start)
        self.faked_sleep = stop == wake_at
        return "alarm" if self.faked_sleep else "end"

    def brownout(self, phase: str) -> None:
        """The brown-out detector reset the chip (a system reset: RTC and sleep memory are lost,
        ESP32-S3 TRM, Reset and Clock); CircuitPython then starts in safe mode
        (ports/espressif/supervisor/port.c: ESP_RST_BROWNOUT -> SAFE_MODE_BROWNOUT)."""
        self.counters.brownouts += 1
        self.event("brownout", phase=phase,
                   volts=round(self.battery.rest_volts(self.meter.total_mAh), 3))
        self.sleep_memory[:] = bytes(SLEEP_MEMORY_BYTES)
        self.clock.power_loss()
        self._new_time_span(valid=False)
        self.reset_reason = "BROWNOUT"
        self.safe_mode = "BROWNOUT"
        self.wake_alarm = None

    def power_loss(self, off_s: float = 5.0, phase: str = "sleep") -> None:
        """The battery is disconnected and reconnected: volatile state is gone. `phase` is
        what the board was doing."""
        self.counters.power_cuts += 1
        self.event("power_cut", phase=phase)
        for gpio in list(self.pin_levels):
            self._set_level(gpio, False)  # unpowered: every line falls
        self.held_pins = {}
        self.rtc_periph = False
        self.sleep_memory[:] = bytes(SLEEP_MEMORY_BYTES)
        self.clock.true += off_s
        self.clock.power_loss()
        self._new_time_span(valid=False)
        self.camera.power_loss()
        self.camera.enter_deep_sleep()  # a pin reset: the load switch (if fitted) is off
        self.reset_reason = "POWER_ON"
        self.wake_alarm = None


def camera_sleep_mA(profile, sensor: str, state: str) -> float:
    """What the camera draws in deep sleep: the profile's figure for this sensor in this state;
    a state the profile has no figure for is charged as the worst figure it has."""
    table = profile["sleep"]["camera_mA"]
    if state == "off":
        return table["off"]
    figures = table.get(sensor, {})
    if state in figures:
        return figures[state]
    return max(v for per in table.values() if isinstance(per, dict) for v in per.values())


def board_gpio(name: str) -> int:
    """The GPIO number of a board pin name ("D2")."""
    from sim.circuitpython import board

    pin = getattr(board, name, None)
    if pin is None or not hasattr(pin, "gpio"):
        raise ValueError(f"no pin {name!r} on the board")
    return pin.gpio


class CardFile:
    """A file on the card opened for writing: charged per byte, cut by power cuts, fills up."""

    def __init__(self, device: Device, host: str, mode: str) -> None:
        self.device = device
        self.host = host
        before = file_size(host) if os.path.exists(host) else 0
        self.text = "b" not in mode
        self.file = open(host, mode.replace("t", "") + ("b" if self.text else ""))
        if "w" in mode:
            device.card.removed(before)
        self.digest = hashlib.sha256()

    def write(self, data) -> int:
        count = len(data)
        data = data.encode() if self.text else bytes(data)
        device = self.device
        sd = device.profile["sd"]
        if device.card.free() < len(data):
            fits = device.card.free()
            self.file.write(data[:fits])
            device.card.used += fits
            self.file.flush()
            raise OSError(errno.ENOSPC, "No space left on device")
        seconds = len(data) / (sd["write_kBps"] * 1024)
        cut = device.seconds_to_cut()
        if cut < seconds:
            done = int(len(data) * max(0.0, cut) / seconds)
            self.file.write(data[:done])
            device.card.used += done
            self.file.flush()
        device.spend("card", seconds, device.awake_mA() + sd["write_extra_mA"])
        self.file.write(data)
        device.card.used += len(data)
        self.digest.update(data)
        return count

    def flush(self) -> None:
        self.file.flush()

    def close(self) -> None:
        if self.file.closed:
            return
        self.file.close()
        digest = self.digest.hexdigest()
        if self.host.endswith(".jpg"):
            self.device.record_capture(self.host, digest)
        else:
            self.device._writing[self.host] = digest

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@contextlib.contextmanager
def _in_folder(folder: Path):
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def dump_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, indent=2, sort_keys=True) + "\n")
