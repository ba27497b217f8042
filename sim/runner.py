"""`python -m sim run`: one device, wake after wake, from --start for --days; the report.

Writes under --out: report.json, events.jsonl, daily.json (sim/ledger.py), console.log, device/
(the CIRCUITPY folder with sd/, and .sim/ with the sleep_memory and NVM images) and cloud/ (what
the local Dropbox holds).
"""

from __future__ import annotations

import json
import random
import shutil
import time as host_time
import tomllib
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from tqdm import tqdm

from sim import judge
from sim.circuitpython import versions
from sim.device import Device, camera_sleep_mA, dump_json, iso
from sim.faults import apply_cloud as apply_cloud_faults
from sim.faults import parse as parse_faults
from sim.hardware import RETURNING_STATES
from sim.ledger import daily
from sim.network import Network
from sim.profile import load_profile
from tools import firmware as manifest
from tools.firmware import FIRMWARE_DIR

END_GUARD_S = 10
AWAKE_S_PER_DAY = 200  # about what the shipped configuration is awake a day (where awake cuts fall)
NVM_WRITES_PER_DAY = 10  # ... and how often it writes NVM


@dataclass
class RunOptions:
    days: float = 7.0
    config: Path | None = None
    profile: Path | None = None
    firmware: Path = FIRMWARE_DIR
    seed: int = 1
    rtc_drift_ppm: float | None = None
    power_cuts: int = 0
    faults: str = ""
    usb: bool = False
    start: str = "2026-06-01T00:00:00Z"
    out: Path = Path("out")
    cold_rtc: bool = False
    card_mb: float = 32 * 1024
    progress: bool = True
    preview: bool = False
    settings: str = ""  # more lines for the board's settings.toml (TIMEZONE = "...", say)
    settings_file: Path | None = None  # a user's own settings.toml (board_settings)
    circuitpython: str = versions.DEFAULT  # the CircuitPython release the board runs
    sensor: str = "OV2640"  # the camera module (sim.hardware.SENSORS)
    camera_switch: str | None = None  # pin of a load switch on the camera's 3.3 V, if fitted
    battery_mAh: float | None = None  # the battery's capacity instead of the profile's
    remote_config: tuple[str, ...] = ()  # "PATH@DAY": PATH into the camera's Dropbox folder on DAY


def parse_start(text: str) -> float:
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


LOCAL_DROPBOX = {
    "DBX_APP_KEY": "sim-app-key",
    "DBX_APP_SECRET": "sim-app-secret",
    "DBX_REFRESH_TOKEN": "sim-refresh-token",
}
DROPBOX_KEYS = ("DBX_APP_KEY", "DBX_APP_SECRET", "DBX_REFRESH_TOKEN", "DBX_ACCESS_TOKEN", "DBX_EXPIRES_AT")
WIFI_KEYS = (("WIFI_SSID", "WIFI_PASSWORD"), ("CIRCUITPY_WIFI_SSID", "CIRCUITPY_WIFI_PASSWORD"))


def _settings_values(text: str, origin: str) -> dict:
    """The top-level keys of a settings.toml with one value each. Floats and booleans are kept:
    the board's os.getenv refuses them (ValueError), and so must the simulated board's."""
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        raise SystemExit(f"{origin}: {problem}") from None
    return {k: v for k, v in values.items() if isinstance(v, (str, int, float))}


def board_settings(network: Network, settings_file: Path | None = None, extra: str = "") -> str:
    """The simulated board's settings.toml. Without a file: the simulated access point's
    WIFI_SSID and WIFI_PASSWORD and the local Dropbox's keys. With a user's own file
    (`--settings`): its keys instead, and the simulated access point takes the name and password
    it gives (new or old key names); its Dropbox keys (DBX_*) are replaced by the local
    Dropbox's, which a real app key or token would not work with. `extra` lines
    (RunOptions.settings) come last and win over both, Dropbox keys included: that is how a
    run sets a wrong key on purpose."""
    values: dict = {"WIFI_SSID": network.ssid, "WIFI_PASSWORD": network.password}
    if settings_file is not None:
        own = _settings_values(Path(settings_file).read_text(), str(settings_file))
        for ssid_key, password_key in WIFI_KEYS:
            if isinstance(own.get(ssid_key), str):
                network.ssid = own[ssid_key]
                network.password = str(own.get(password_key, ""))
                break
        values = {k: v for k, v in own.items() if k not in DROPBOX_KEYS}
    values.update(LOCAL_DROPBOX)
    values.update(_settings_values(extra, "RunOptions.settings"))
    return "".join(
        f"{key} = {json.dumps(value) if isinstance(value, (str, bool)) else value}\n"
        for key, value in values.items()
    )


def install_firmware(
    firmware: Path,
    device: Path,
    config: Path | None,
    network: Network,
    settings: str = "",
    settings_file: Path | None = None,
) -> None:
    """Lay out CIRCUITPY as a user would: firmware (what of the manifest `firmware` holds),
    camconfig.toml, settings.toml, lib/. A folder without camconfig.toml or requirements.txt
    (a baseline, a test board) gets the project's."""
    manifest.install(device, firmware, config=False)
    if config is None:
        config = firmware / manifest.CONFIG
        config = config if config.exists() else FIRMWARE_DIR / manifest.CONFIG
    shutil.copy2(config, device / manifest.CONFIG)
    lib = device / "lib"
    lib.mkdir(exist_ok=True)
    requirements = firmware / manifest.REQUIREMENTS
    for library in manifest.libraries(
        requirements if requirements.exists() else FIRMWARE_DIR / manifest.REQUIREMENTS
    ):
        shutil.copy2(library, lib / library.name)
    (device / "settings.toml").write_text(board_settings(network, settings_file, settings))


def camera_site(config_path: Path) -> tuple[float, float]:
    """Where the simulated camera stands: the configured place, else Amsterdam."""
    try:
        schedule = tomllib.loads(config_path.read_text()).get("schedule", {})
        return float(schedule.get("latitude", 52.37)), float(schedule.get("longitude", 4.90))
    except (tomllib.TOMLDecodeError, TypeError, ValueError):
        return 52.37, 4.90


def run(options: RunOptions) -> dict:
    wall_start = host_time.perf_counter()
    out = Path(options.out).resolve()  # the board's wakes change the working directory
    out.mkdir(parents=True, exist_ok=True)
    for child in ("device", "cloud"):
        shutil.rmtree(out / child, ignore_errors=True)
    device_dir, cloud_dir = out / "device", out / "cloud"
    device_dir.mkdir()
    cloud_dir.mkdir()
    profile = load_profile(options.profile)
    if options.battery_mAh is not None:
        profile["battery"]["capacity_mAh"] = options.battery_mAh
    network = Network()
    install_firmware(
        Path(options.firmware), device_dir, options.config, network, options.settings, options.settings_file
    )
    start = parse_start(options.start)
    end = start + options.days * 86400
    faults = parse_faults(options.faults, start)
    from sim.cloud import CloudFaults, LocalDropbox

    device: Device | None = None
    cloud = LocalDropbox(
        cloud_dir,
        network,
        clock=lambda: device.clock.true if device else host_time.time(),
        delay=lambda seconds: device.server_delay(seconds) if device else None,
        faults=CloudFaults(seed=options.seed),
    )
    # Half the cuts at random instants (nearly all in deep sleep), one in twenty inside an NVM
    # write (they take milliseconds), the rest at random instants of the board's awake time:
    # inside card writes, uploads, the camera.
    cut_rng = random.Random(options.seed * 7919 + 17)
    in_time, in_nvm = options.power_cuts // 2, options.power_cuts // 20
    cuts = sorted(cut_rng.uniform(start, end) for _ in range(in_time))
    nvm_cuts = sorted(
        cut_rng.randint(1, max(1, int(options.days * NVM_WRITES_PER_DAY))) for _ in range(in_nvm)
    )
    awake_cuts = sorted(
        cut_rng.uniform(0, options.days * AWAKE_S_PER_DAY)
        for _ in range(options.power_cuts - in_time - in_nvm)
    )
    events: list[dict] = []
    console = open(out / "console.log", "w")
    device = Device(
        device_dir,
        profile,
        start_utc=start,
        seed=options.seed,
        drift_ppm=options.rtc_drift_ppm,
        rtc_set=not options.cold_rtc,
        usb=options.usb,
        card_mb=options.card_mb,
        site=camera_site(device_dir / "camconfig.toml"),
        network=network,
        power_cuts=cuts,
        awake_cuts=awake_cuts,
        nvm_cuts=nvm_cuts,
        faults=options.faults,
        version=options.circuitpython,
        sensor=options.sensor,
        camera_switch=options.camera_switch,
        events=events,
        console=console,
    )
    device.after_wake.append(judge.Syncs())
    bar = tqdm(
        total=round(options.days * 86400),
        unit="s",
        unit_scale=True,
        desc="simulated",
        disable=not options.progress or None,
        leave=False,
    )
    from sim.cloud.conditional import Placement, RemoteConfigs, camera_folder, parse_placement

    remote = RemoteConfigs(
        cloud,
        camera_folder(device_dir / "camconfig.toml"),
        start,
        [Placement(*parse_placement(text)) for text in options.remote_config],
    )

    def before_wake(t: float) -> None:
        apply_cloud_faults(faults, cloud.faults, t)
        remote.before_wake(t)

    try:
        with cloud:
            run_until(device, end, bar, before_wake=before_wake)
    finally:
        bar.close()
        console.close()
    device.save_memory()
    with open(out / "events.jsonl", "w") as handle:
        for event in events:
            handle.write(json.dumps(event) + "\n")
    remote_rows = remote.report(out / "console.log")
    report = build_report(device, options, profile, start, end, cloud_dir, remote.changes(remote_rows))
    report["cloud"] = dict(sorted(cloud.stats.items()))
    dump_json(out / "daily.json", daily(device, start, end))
    if remote_rows:
        report["remote_configs"] = remote_rows
    if options.preview:
        from sim.plots import write_plots  # matplotlib: seconds to import, only for the plots
        from sim.preview import write_preview

        write_preview(device.sd, out)
        write_plots(
            device.meter.trace,
            start,
            end,
            profile["battery"]["capacity_mAh"],
            out,
            "this firmware" if Path(options.firmware) == FIRMWARE_DIR else Path(options.firmware).name,
        )
    report["wall_s"] = round(host_time.perf_counter() - wall_start, 2)
    dump_json(out / "report.json", report)
    return report


def run_until(device: Device, end: float, bar, before_wake=None) -> None:
    """The board's life: wake, run, sleep, until the end of the run (or it hangs for good)."""
    last = device.clock.true
    device.run_end = end + 300  # a wake under way finishes; a board that never sleeps stops
    while still_running(device, end):
        if before_wake is not None:
            before_wake(device.clock.true)
        if not live_once(device, end):
            break
        bar.update(round(device.clock.true - last))
        last = round(device.clock.true)


def still_running(device: Device, end: float) -> bool:
    # No wake starts in the last seconds: one there would take the slot at the end of the
    # run (outside it) a clock error early. A board whose battery is empty never wakes again.
    return device.ended is None and device.clock.true < end - END_GUARD_S


def battery_empty(device: Device) -> bool:
    """The board stopped for good: its battery is used up or sags below brown-out at boot."""
    device.ended = "battery empty"
    device.event(
        "battery_empty",
        charge_mAh=round(device.meter.total_mAh, 3),
        volts=round(device.battery.rest_volts(device.meter.total_mAh), 3),
    )
    return False


def live_once(device: Device, end: float) -> bool:
    """One wake and what follows it (deep sleep, a reset, a crash). False when the run is over."""
    outcome, detail = device.wake()
    if outcome == "sleep":
        assert detail is None or isinstance(detail, float | int)  # the RTC time of the alarm
        device.event("sleep", alarm=_iso_or_none(detail), sleep_mA=round(device.sleep_mA(), 4))
        ended = device.sleep_until(detail, end)
        if not device.faked_sleep:
            device.reset_reason = "DEEP_SLEEP_ALARM"
        device.wake_alarm = device.time_alarm if ended == "alarm" else None
        if ended == "power_cut":
            device.power_loss()
        elif ended == "empty":
            return battery_empty(device)
    elif outcome == "brownout":
        if detail == "boot":  # it cannot even start: the brown-out detector holds it in reset
            return battery_empty(device)
        device.brownout(str(detail))
    elif outcome == "safe_mode":
        # No safemode.py reset it: CircuitPython waits for a key press, awake, for good.
        device.event("safe_mode", reason=detail)
        start = device.clock.true
        empty = device.stay_awake("safe_mode", max(0.0, end - start), device.awake_mA())
        device.safe_mode_s += device.clock.true - start
        return battery_empty(device) if empty else False
    elif outcome == "power_cut":
        device.power_loss(phase=str(detail))
    elif outcome == "watchdog":
        device.counters.watchdog_resets += 1
        device.event("watchdog_reset", phase=detail)
        device.reset_reason = "WATCHDOG"
    elif outcome == "end":
        return False
    elif outcome == "reset":
        if detail == "microcontroller.reset":
            # A chip reset: RTC_DATA_ATTR sleep memory is initialised again
            # (ports/espressif/common-hal/alarm/SleepMemory.c); supervisor.reload keeps it.
            device.sleep_memory[:] = bytes(len(device.sleep_memory))
            device.reset_reason = "SOFTWARE"
        device.safe_mode = None
    else:  # crash: the board sits in the REPL until its watchdog (if any) resets it
        device.counters.crashes += 1
        device.event("crash", message=detail)
        stuck = max(0.0, min(device.watchdog_left(), end - device.clock.true))
        if device.stay_awake("stuck_awake", stuck, device.awake_mA()):
            return battery_empty(device)
        device.reset_reason = "WATCHDOG"
    return True


def _iso_or_none(t: float | None) -> str | None:
    return None if t is None else iso(t)


def floor_mAh(
    device: Device, profile, days: float, batches: int, bytes_up: int, frame_size: str, warmup: int
) -> float:
    """The least any firmware could spend on this run (docs/power.md): the lowest sleep
    current for the whole period; per capture boot, camera start, warm-up frames, one frame and
    the card write; per photo byte uploaded its read from the card and its airtime; per batch
    the configuration asks for one fast association and one TLS handshake. Nothing else."""
    sleep = profile["sleep"]
    floor_sleep_mA = sleep["board_mA"] + sleep["sd_card_mA"] + lowest_camera_state(device, profile)[1]
    camera, cpu, sd = profile["camera"], profile.cpu_mA, profile["sd"]
    frame_s = camera["frame_s"].get(frame_size, camera["frame_s"]["SVGA"])
    sizes = [(device.sd / n).stat().st_size for n in list(device.captured)[:50] if (device.sd / n).exists()]
    mean_kB = (sum(sizes) / len(sizes) / 1024) if sizes else 0.0
    camera_s = camera["init_s"] + (warmup + 1) * frame_s
    write_s = mean_kB / sd["write_kBps"]
    boot_s = profile.boot_s(device.version.name)
    per_capture_s = boot_s + camera_s + write_s
    per_capture_mAs = (
        boot_s * profile["boot"]["current_mA"]
        + camera_s * (cpu + camera["extra_mA"])
        + write_s * (cpu + sd["write_extra_mA"])
    )
    wifi, tls = profile["wifi"], profile["tls"]
    per_batch_s = wifi["connect_fast_s"] + tls["handshake_s"]
    per_batch_mAs = wifi["connect_fast_s"] * wifi["connect_mA"] + tls["handshake_s"] * tls["current_mA"]
    air_s = bytes_up / (wifi["throughput_kBps"] * 1024)
    read_s = bytes_up / (sd["read_kBps"] * 1024)
    awake_s = per_capture_s * len(device.captured) + per_batch_s * batches + air_s + read_s
    total_mAs = (
        floor_sleep_mA * (days * 86400 - awake_s)
        + per_capture_mAs * len(device.captured)
        + per_batch_mAs * batches
        + air_s * wifi["tx_mA"]
        + read_s * (cpu + sd["read_extra_mA"])
    )
    return total_mAs / 3600


def lowest_camera_state(device: Device, profile) -> tuple[str, float]:
    """The least the camera can draw in deep sleep on this board and still come back: switched
    off with a load switch; else the lowest of its sensor's states that return (an OV2640's
    standby does not: it holds the bus until a power cycle). (state, mA)"""
    sensor = device.camera.sensor
    if device.camera.switch_gpio is not None:
        return "off", camera_sleep_mA(profile, sensor, "off")
    return min(
        ((state, camera_sleep_mA(profile, sensor, state)) for state in RETURNING_STATES[sensor]),
        key=lambda pair: pair[1],
    )


def firmware_state(device: Device):
    """The firmware's own state (state.store.State) decoded from the board's memories, with the
    durable record's copies on the card when NVM lost it (a cut inside the last NVM write)."""
    from sim.circuitpython.microcontroller import cpu

    state = manifest.modules().State.load(bytearray(device.sleep_memory), bytearray(device.nvm))
    copies = [path.read_bytes() for path in sorted((device.sd / "timelapse").glob("state*.bin"))]
    state.adopt(copies, bytes(cpu.uid).hex())
    return state


def build_report(
    device: Device,
    options: RunOptions,
    profile,
    start: float,
    end: float,
    cloud_dir: Path,
    changes: list[tuple[float, str]] | None = None,
) -> dict:
    """The run judged by the configuration in force: the local camconfig.toml, then each remote
    one from the wake after the one that fetched it (`changes`: (true UTC of the fetch, its
    text), sim/cloud/conditional.py)."""
    counters = asdict(device.counters)
    judged = judge.judge(device, cloud_dir, end, changes)
    census = judged["census"]
    state = firmware_state(device)
    days = (end - start) / 86400
    lived_days = (min(end, device.clock.true) - start) / 86400 if device.ended else days
    charge = device.meter.total_mAh
    sleep_s = device.meter.seconds.get("sleep", 0.0)
    awake: dict[str, list[float]] = {}
    awake_charge: dict[str, list[float]] = {}
    for record in device.wake_records:
        awake.setdefault(record.kind, []).append(record.awake_s)
        awake_charge.setdefault(record.kind, []).append(record.charge_mAs / 3600)
    batches = [r for r in device.wake_records if r.uploads]
    uploads = sum(r.uploads for r in batches)
    camera = judge.camera_table(judged["config"])
    report = {
        "wakes": counters["wakes"],
        "scheduled_slots": judged["scheduled_slots"],
        "captures": counters["captures"],
        "missed_slots": judged["missed_slots"],
        **census,
        # Batches as the camera recorded them (its NVM record, the same fact its state dump
        # shows); a batch cut short by a power loss before the record was written is not one.
        # upload_wakes: the wakes in which the local Dropbox acknowledged photos.
        "upload_batches": state.durable["batches"] if state.durable["nvm_seq"] else len(batches),
        "upload_wakes": len(batches),
        "wifi_connects": counters["wifi_connects"],
        # CircuitPython's own joins (CIRCUITPY_WIFI_SSID in settings.toml; sim/workflow.py)
        "supervisor_joins": counters["supervisor_joins"],
        "supervisor_join_failures": counters["supervisor_join_failures"],
        "tls_handshakes": counters["tls_handshakes"],
        "http_requests": counters["http_requests"],
        "bytes_up": counters["bytes_up"],
        "time_syncs": sum(r.syncs for r in device.wake_records),
        "time_only_joins": sum(1 for r in device.wake_records if r.joins and not r.upload_due),
        "max_clock_error_s": judged["max_clock_error_s"],
        "learned_drift_ppm": manifest.modules().timesync.learned_ppm(state.hot, state.durable),
        "per_uploaded_image": {
            "http_requests": round(sum(r.requests for r in batches) / uploads, 3) if uploads else None,
            "tls_handshakes": round(sum(r.tls for r in batches) / uploads, 3) if uploads else None,
            "bytes_on_air": round(sum(r.bytes_up for r in batches) / uploads) if uploads else None,
            "batch_size": round(uploads / len(batches), 2) if batches else None,
        },
        "nvm_writes": counters["nvm_writes"],
        "crashes": counters["crashes"],
        "power_cuts": counters["power_cuts"],
        "watchdog_resets": counters["watchdog_resets"],
        "sleep_mA": round(device.meter.mAs.get("sleep", 0.0) / sleep_s, 4) if sleep_s else 0.0,
        "camera_sleep_state": max(
            device.sleep_by_camera, key=device.sleep_by_camera.__getitem__, default=None
        ),
        "camera_sleep_h": {state: round(s / 3600, 1) for state, s in sorted(device.sleep_by_camera.items())},
        "sensor": device.camera.sensor,
        "camera_switch": options.camera_switch,
        "floor_camera_state": lowest_camera_state(device, profile)[0],
        "charge_mAh": round(charge, 3),
        "mean_current_mA": round(charge / (lived_days * 24), 4) if lived_days else 0.0,
        "battery_mAh": profile["battery"]["capacity_mAh"],
        "battery_days": round(profile["battery"]["capacity_mAh"] / (charge / lived_days), 1)
        if charge
        else None,
        # Why the board stopped before the end of the run, and when (days into the run).
        "ended": device.ended or "end of run",
        "ended_day": round(lived_days, 3),
        "battery_v_end": round(device.battery.rest_volts(charge), 3),
        "brownouts": counters["brownouts"],
        "safe_mode_s": round(device.safe_mode_s, 1),
        "floor_mAh": round(
            floor_mAh(
                device,
                profile,
                lived_days,
                judged["required_batches"],
                census["uploaded_bytes"],
                camera["frame_size"],
                camera["warmup_frames"],
            ),
            3,
        ),
        "per_phase_mAh": device.meter.per_phase_mAh(),
        "awake_s": {
            kind: {"count": len(v), "mean": round(sum(v) / len(v), 3), "max": round(max(v), 3)}
            for kind, v in sorted(awake.items())
        },
        "awake_mAh": {
            kind: {"mean": round(sum(v) / len(v), 5), "max": round(max(v), 5)}
            for kind, v in sorted(awake_charge.items())
        },
        "errors": dict(sorted(device.errors.items())),
        "days": days,
        "circuitpython": device.version.name,
        "start": options.start,
        "seed": options.seed,
        "profile": profile.get("name"),
        "firmware": str(options.firmware),
    }
    return report
