"""One simulated XIAO ESP32S3 Sense: its memories, clocks, parts, and the wake loop.

What survives what, as on the board: sleep memory survives deep sleep only; NVM and the card
survive everything; the RTC survives deep sleep (drifting) and restarts at 2000-01-01 after a
power loss; `time.monotonic()` restarts at every boot. Each wake runs boot.py and code.py afresh.

The parts of the board are in sim/parts/ (state, pins, power, storage, radio); Device puts them
together and runs one wake at a time.
"""

from __future__ import annotations

import collections
import contextlib
import io
import json
import os
import traceback
from pathlib import Path

from sim import circuitpython, workflow
from sim.circuitpython.wifi import RadioState
from sim.loader import WakeImports, script_code
from sim.parts.power import (
    RTC_VALID_AFTER,
    Brownout,
    DeepSleep,
    PowerCut,
    Reset,
    RunOver,
    WatchdogReset,
    camera_sleep_mA,
)
from sim.parts.radio import Radio
from sim.parts.state import (
    DROPBOX_ROUTES,
    NVM_BYTES,
    SLEEP_MEMORY_BYTES,
    Counters,
    WakeRecord,
    board_gpio,
    iso,
)
from sim.parts.storage import NVM_READ_S, NVM_WRITE_S, CardFile, Storage

__all__ = [
    "NVM_BYTES",
    "NVM_READ_S",
    "NVM_WRITE_S",
    "RTC_VALID_AFTER",
    "SLEEP_MEMORY_BYTES",
    "Brownout",
    "CardFile",
    "Counters",
    "DeepSleep",
    "Device",
    "PowerCut",
    "Reset",
    "RunOver",
    "WakeRecord",
    "WatchdogReset",
    "board_gpio",
    "camera_sleep_mA",
    "dump_json",
    "iso",
]


class Device(Storage, Radio):
    """One board: its state (sim/parts/state.py), its parts, and the wake loop."""

    Reset = Reset

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
        record.uploads = seen["photo_ok"]
        record.upload_due = any(seen[route] for route in DROPBOX_ROUTES)
        record.time_requests = seen["ntp"] + seen["time_https"]
        record.zone_requests = seen["time_zone"]

    def _reset_board_modules(self) -> None:
        modules = circuitpython.modules()
        modules["microcontroller"].watchdog.mode = None
        modules["storage"]._mounts.clear()
        self.disarm_watchdog()
        self._dns_cache.clear()
        self._server_delay = 0.0
        self._close_sockets()
        self._writing.clear()
        self.card.mounted = False
        self.drive_readonly = True

    def note_config(self) -> None:
        """camconfig.toml as this wake finds it, when it changed (the report judges each photo
        by the configuration in force when it was taken)."""
        try:
            text = (self.folder / "camconfig.toml").read_text()
        except (OSError, UnicodeDecodeError):
            return
        if not self.config_history or self.config_history[-1][1] != text:
            self.config_history.append((self.clock.true, text))

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
        self.note_config()
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
                self.spend("boot", self.profile.boot_s(self.version.name), self.profile["boot"]["current_mA"])
                self.reset_pins()  # port start-up: the holds of deep sleep are released
            with imports, contextlib.redirect_stdout(output), _in_folder(self.folder):
                for script in scripts:
                    if script == "code.py" and not fake:
                        workflow.start(self)  # supervisor_workflow_start, after boot.py
                    if script == "code.py" or (script == "boot.py" and not fake):
                        workflow.start(self)  # start_mp, before each VM (not in safe mode)
                    path = self.folder / script
                    if path.exists():
                        self.charge_compile(path.stat().st_size)
                        code = script_code(path, script)
                        scope = {"__name__": "__main__", "__file__": script, "open": self.open_file}
                        scope["__builtins__"] = imports.builtins  # its imports: the wake's (sim/loader.py)
                        exec(code, scope)
                    if script == "boot.py" and not fake:
                        workflow.after_vm(self)
            outcome = (
                ("safe_mode", safe_mode)
                if safe_mode
                else ("crash", "code.py finished without deep sleep: the board sits in the REPL")
            )
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
        self.console.write(
            f"--- wake {self.wakes} at {iso(self.clock.true)} ({self.reset_reason}) ---\n{text}"
        )
        self._note_console(text, record)
        self._note_server(served, record)
        for hook in self.after_wake:
            hook(self, record)
        if record.joins:
            self.event(
                "network",
                joins=record.joins,
                tls_handshakes=record.tls,
                http_requests=record.requests,
                bytes_up=record.bytes_up,
                uploads=record.uploads,
                syncs=record.syncs,
                upload_due=record.upload_due,
            )
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
