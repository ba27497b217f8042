"""What a simulated board is and remembers: its memories, clocks, parts, counters and records.

`BoardState` builds them all; the parts (pins, power, storage, radio) work on them.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sim.battery import Battery
from sim.circuitpython import versions
from sim.circuitpython.wifi import RadioState
from sim.clock import Clock
from sim.faults import BOARD as BOARD_FAULTS
from sim.faults import parse as parse_faults
from sim.hardware import Camera, Card
from sim.meter import Meter
from sim.network import Network

SLEEP_MEMORY_BYTES = 4096
NVM_BYTES = 8192  # CIRCUITPY_INTERNAL_NVM_SIZE, ports/espressif/mpconfigport.h


@dataclass
class Counters:
    wakes: int = 0
    captures: int = 0
    wifi_connects: int = 0  # associations the firmware made
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
    joins: int = 0  # the firmware's successful wifi.radio.connect calls
    supervisor_joins: int = 0  # associations the supervisor made (CIRCUITPY_WIFI_SSID)
    upload_due: bool = False  # the board asked Dropbox for something (token, upload, metadata)
    uploads: int = 0  # photos the local Dropbox acknowledged in this wake
    syncs: int = 0  # 1 when the wake applied a time sample (sim/judge.py)
    time_requests: int = 0  # SNTP and HTTPS time requests the servers saw
    zone_requests: int = 0  # of those, asking for a time zone's offset (TIMEZONE)
    imported: list = field(default_factory=list)


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def board_gpio(name: str) -> int:
    """The GPIO number of a board pin name ("D2")."""
    from sim.circuitpython import board

    pin = getattr(board, name, None)
    if pin is None or not hasattr(pin, "gpio"):
        raise ValueError(f"no pin {name!r} on the board")
    return pin.gpio


def read_settings(folder: Path) -> dict:
    """The keys of settings.toml that os.getenv reads without an error (quoted strings and
    integers), for the supervisor's own join (sim/workflow.py). The firmware's os.getenv
    reads the file itself at every call, as the board does (sim/circuitpython/os_.py)."""
    from sim.circuitpython.os_ import settings_value

    path = folder / "settings.toml"
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


class BoardState:
    """The board's state, shared by its parts (sim/parts/*.py) and the wake loop (sim/device.py)."""

    def __init__(
        self,
        folder: Path,
        profile,
        *,
        start_utc: float,
        seed: int = 1,
        drift_ppm: float | None = None,
        rtc_set: bool = True,
        usb: bool = False,
        card_mb: float = 32 * 1024,
        site: tuple[float, float] = (52.37, 4.90),
        network: Network | None = None,
        power_cuts: list[float] | None = None,
        faults: str = "",
        events=None,
        console=None,
        label: str = "",
        awake_cuts: list[float] | None = None,
        nvm_cuts: list[int] | None = None,
        version: str | None = None,
        sensor: str = "OV2640",
        camera_switch: str | None = None,
    ) -> None:
        self.folder = Path(folder).resolve()
        self.label = label  # stamped on its photos: cameras of a fleet never take the same bytes
        self.sd = self.folder / "sd"
        self.sd.mkdir(parents=True, exist_ok=True)
        self.profile = profile
        self.version = versions.get(version)  # the CircuitPython release: what the board accepts
        self.rng = random.Random(seed)
        drift = profile["rtc"]["drift_ppm"] if drift_ppm is None else drift_ppm
        self.clock = Clock(start_utc, drift, seed, rtc_set, site)
        self.meter = Meter()
        self.battery = Battery(profile["battery"])
        self.ended: str | None = None  # why the board stopped for good ("battery empty")
        self.safe_mode: str | None = None  # supervisor.runtime.safe_mode_reason at the next start
        self.safe_mode_s = 0.0  # awake in safe mode, waiting for a key press
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
        self.power_cuts = sorted(power_cuts or [])  # true instants
        self.awake_cuts = sorted(awake_cuts or [])  # instants of awake time (awake_total)
        self.awake_total = 0.0
        self.nvm_cuts = sorted(nvm_cuts or [])  # numbers of the NVM writes power fails in
        self.events = events if events is not None else []
        self.console = console if console is not None else io.StringIO()
        self.captured: dict[str, str] = {}  # every image ever captured: name -> sha256
        self.capture_times: list[tuple[float, float, str]] = []  # (true time, RTC, name) per capture
        self.config_history: list[tuple[float, str]] = []  # (true time, camconfig.toml) at each change
        self.after_wake: list = []  # hook(device, record) after each wake (sim/judge.py)
        self.wakes: int = 0
        self.wake_records: list[WakeRecord] = []
        self.errors: dict[str, int] = {}
        self.pin_edges: list[tuple[float, int, bool]] = []  # (true time, gpio, level) of outputs
        self.held_pins: dict[int, tuple] = {}  # preserve_dios of the last deep sleep
        self.rtc_periph = False  # a PinAlarm keeps the RTC peripherals powered in deep sleep
        self._writing: dict[str, str] = {}  # card path -> digest of a file written under another name
        self._folder_bytes: dict[str, int] = {}  # card folder -> the bytes of its FAT entries
        self._watchdog: tuple[float, float, str] | None = None  # (timeout, last fed, mode)
        self._watchdog_due = math.inf  # monotonic time of its reset (Power._due), inf: none
        self.radio = RadioState()  # what the WiFi holds until the next reset
        self._dns_cache: set[str] = set()
        self._server_delay = 0.0
        self._sockets: list = []  # socketpool sockets open in this boot
        self.settings = read_settings(self.folder)
        self.faults = {
            name: fault for name, fault in parse_faults(faults, start_utc).items() if name in BOARD_FAULTS
        }
        self.faked_sleep = False  # the last sleep was USB's fake deep sleep
        self.run_end = math.inf  # true time at which the simulation stops, awake or not
        self.sleep_by_camera: dict[str, float] = {}  # deep-sleep seconds by the camera's state
        self.time_alarm = None  # the TimeAlarm the last deep sleep waits for
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

    def event(self, kind: str, **fields) -> None:
        record = {"t": iso(self.clock.true), "kind": kind}
        record.update(fields)
        self.events.append(record)
