"""The PPK2 harness on synthetic recordings: phases and charge from the marker protocol, wake
kinds, glitches, recordings cut inside a wake, streaming, traces, and the acquisition loop
driven end to end by a fake PPK2. No hardware."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from power_tests import ppk2 as harness
from power_tests.ppk2 import PHASES, RATE_HZ, Analyser, Settings, analyse

PULSE = 10  # samples: 100 us low, 100 us high per pulse, as the protocol says
UAS_PER_MAH = 1000.0 * 3600.0
EXACT_MAH = 2e-9  # phases bounded by marker edges are sample-exact (report: 1e-9 mAh steps)
# Boundaries found from the current (wake start, back in sleep) may be off by a few samples of
# the 0.2 ms smoothing window: allow 0.5 ms x the step in current there.
EDGE_S = 0.5e-3

CAPTURE = [
    ("state", 0.006, 40.0),
    ("config", 0.002, 40.0),
    ("camera", 0.61, 100.0),
    ("card", 0.13, 80.0),
    ("work", 0.003, 40.0),
    ("persist", 0.004, 40.0),
]
NETWORK = [
    *CAPTURE[:-1],
    ("wifi", 1.0, 110.0),
    ("tls", 2.5, 95.0),
    ("upload", 0.8, 150.0),
    ("work", 0.002, 40.0),
    ("persist", 0.005, 40.0),
]
BOOT = (0.9, 45.0)
TAIL = (0.003, 30.0)
SLEEP_MA = 1.0


def burst(k: int) -> np.ndarray:
    return np.tile(np.r_[np.zeros(PULSE), np.ones(PULSE)], k).astype(np.uint8)


class TraceBuilder:
    """A synthetic recording with the label of every sample, so expected figures are exact."""

    def __init__(self, seed: int = 1, noise_mA: float = 0.1) -> None:
        self.rng = np.random.default_rng(seed)
        self.noise_mA = noise_mA
        self.mA: list[np.ndarray] = []
        self.marker: list[np.ndarray] = []
        self.labels: list[tuple[str, int]] = []

    @property
    def n(self) -> int:
        return sum(n for _, n in self.labels)

    def add(
        self, label: str, seconds: float, mA: float, level: int, pattern: np.ndarray | None = None
    ) -> None:
        n = round(seconds * RATE_HZ)
        marker = np.full(n, level, dtype=np.uint8)
        if pattern is not None:
            marker[: len(pattern)] = pattern
        self.mA.append(np.full(n, mA) + self.rng.normal(0, self.noise_mA, n))
        self.marker.append(marker)
        self.labels.append((label, n))

    def sleep(self, seconds: float, spikes: bool = True) -> None:
        start = self.n
        self.add("sleep", seconds, SLEEP_MA, 0)
        if spikes:  # RTC-like 100 us spikes and one 20 ms bump, no marker: still deep sleep
            current = self.mA[-1]
            for at in self.rng.integers(0, len(current) - 3000, 5):
                current[at : at + 10] += 50.0
            current[len(current) // 2 : len(current) // 2 + 2000] += 40.0
        assert self.n > start

    def wake(
        self,
        phases: list,
        boot: tuple[float, float] = BOOT,
        tail: tuple[float, float] = TAIL,
        marked: bool = True,
    ) -> None:
        self.add("boot" if marked else "awake", *boot, 0)
        if not marked:
            return
        assert phases[-1][0] == "persist"
        pending = None
        for name, seconds, mA in phases:
            self.add(name, seconds, mA, 1, None if pending is None else burst(pending))
            pending = PHASES.index(name) + 1
        self.add("sleep_entry", *tail, 0)

    def build(self) -> tuple[np.ndarray, np.ndarray]:
        # float32 values, as the trace file and a PPK2 chunk carry them
        current = (np.concatenate(self.mA) * 1000.0).astype(np.float32).astype(np.float64)
        return current, np.concatenate(self.marker)

    def expected_mAh(self, current: np.ndarray, upto: int | None = None) -> dict[str, float]:
        out: dict[str, float] = {}
        at = 0
        for label, n in self.labels:
            stop = min(at + n, upto if upto is not None else at + n)
            if stop > at:
                out[label] = out.get(label, 0.0) + float(current[at:stop].sum()) / RATE_HZ / UAS_PER_MAH
            at += n
        return out


def standard_trace(seed: int = 1) -> TraceBuilder:
    trace = TraceBuilder(seed)
    trace.sleep(2.0)
    trace.wake(CAPTURE)
    trace.sleep(3.0)
    trace.wake(NETWORK)
    trace.sleep(2.0)
    trace.wake(CAPTURE)
    trace.sleep(1.0)
    return trace


@pytest.fixture(scope="module")
def standard() -> tuple[TraceBuilder, np.ndarray, np.ndarray, dict]:
    trace = standard_trace()
    current, marker = trace.build()
    return trace, current, marker, analyse(current, marker)


def wake_seconds(phases: list) -> float:
    return BOOT[0] + sum(s for _, s, _ in phases) + TAIL[0]


def edge_mAh(step_mA: float) -> float:
    return EDGE_S * step_mA / 3600


# -- analysis ------------------------------------------------------------------------------------


def test_per_phase_charge_and_time(standard) -> None:
    trace, current, _, report = standard
    expected = trace.expected_mAh(current)
    got = report["per_phase_mAh"]
    assert set(got) == set(expected)
    for phase in ("state", "config", "camera", "card", "work", "wifi", "tls", "upload", "persist"):
        assert got[phase] == pytest.approx(expected[phase], abs=EXACT_MAH), phase
    # boot begins, and sleep_entry ends, where the current crosses the wake threshold
    assert got["boot"] == pytest.approx(expected["boot"], abs=3 * edge_mAh(BOOT[1]))
    assert got["sleep_entry"] == pytest.approx(expected["sleep_entry"], abs=3 * edge_mAh(TAIL[1]))
    assert got["sleep"] == pytest.approx(expected["sleep"], abs=6 * edge_mAh(BOOT[1]))
    total = float(current.sum()) / RATE_HZ / UAS_PER_MAH
    assert report["charge_mAh"] == pytest.approx(total, abs=1e-6)
    assert report["per_phase_s"]["tls"] == pytest.approx(2.5, abs=1e-5)
    assert report["per_phase_s"]["camera"] == pytest.approx(2 * 0.61 + 0.61, abs=1e-5)
    assert report["samples"] == len(current)
    assert report["duration_s"] == pytest.approx(len(current) / RATE_HZ)


def test_sleep_current_mean_and_battery_days(standard) -> None:
    trace, current, _, report = standard
    sleep = trace.expected_mAh(current)["sleep"]
    sleep_s = report["per_phase_s"]["sleep"]
    assert sleep_s == pytest.approx(8.0, abs=3 * EDGE_S)
    assert report["sleep_mA"] == pytest.approx(sleep * 3600 / sleep_s, rel=1e-3)
    assert report["sleep_mA"] > 1.05  # 1 mA plus the spikes, which are not wakes
    hours = len(current) / RATE_HZ / 3600
    assert report["mean_current_mA"] == pytest.approx(report["charge_mAh"] / hours, rel=1e-4)
    days = hours / 24
    assert report["battery_days"] == pytest.approx(3000 / (report["charge_mAh"] / days), abs=0.05)


def test_wakes_split_by_kind(standard) -> None:
    *_, report = standard
    assert report["wakes"] == report["complete_wakes"] == 3
    assert report["partial_wakes"] == 0
    awake = report["awake_s"]
    assert set(awake) == {"capture", "network"}
    assert awake["capture"]["count"] == 2 and awake["network"]["count"] == 1
    assert awake["capture"]["mean"] == pytest.approx(wake_seconds(CAPTURE), abs=2e-3)
    assert awake["network"]["max"] == pytest.approx(wake_seconds(NETWORK), abs=2e-3)
    stats = report["phase_stats"]
    assert stats["camera"]["wakes"] == 3 and stats["wifi"]["wakes"] == 1
    assert stats["camera"]["mean_mA"] == pytest.approx(100.0, abs=0.05)
    assert stats["card"]["mean_s"] == pytest.approx(0.13, abs=1e-5)


def test_marker_glitches_change_nothing(standard) -> None:
    trace, current, marker, clean = standard
    rng = np.random.default_rng(7)
    noisy = marker.copy()
    edges = np.flatnonzero(np.diff(marker.astype(int))) + 1
    placed = 0
    while placed < 300:
        at = int(rng.integers(10, len(marker) - 10))
        width = int(rng.integers(1, 3))
        if np.min(np.abs(edges - at)) < 4 or np.min(np.abs(edges - (at + width))) < 4:
            continue  # a glitch on an edge only moves that edge; keep them apart
        noisy[at : at + width] ^= 1
        placed += 1
    # and a one-sample spike inside a few burst pulses (burst pulses: 10 low samples)
    for start in edges[(marker[edges] == 0)][5:40:5]:
        noisy[start + 5] = 1
    assert (noisy != marker).sum() > 300
    report = analyse(current, noisy)
    assert report["per_phase_mAh"] == clean["per_phase_mAh"]
    assert report["awake_s"] == clean["awake_s"]
    assert report["wakes"] == 3


def test_recording_ends_inside_a_wake(standard) -> None:
    trace, current, marker, _ = standard
    tls_start = 0
    for label, n in trace.labels:
        if label == "tls":
            break
        tls_start += n
    cut = tls_start + RATE_HZ  # one second into the TLS handshake of the network wake
    report = analyse(current[:cut], marker[:cut])
    assert report["wakes"] == 2 and report["complete_wakes"] == 1 and report["partial_wakes"] == 1
    assert set(report["awake_s"]) == {"capture"}
    expected = trace.expected_mAh(current, upto=cut)
    got = report["per_phase_mAh"]
    # the phase running at the end is not yet known: it is charged as unfinished
    assert got["unfinished"] == pytest.approx(expected["tls"], abs=EXACT_MAH)
    assert "tls" not in got
    assert got["wifi"] == pytest.approx(expected["wifi"], abs=EXACT_MAH)
    assert report["charge_mAh"] == pytest.approx(float(current[:cut].sum()) / RATE_HZ / UAS_PER_MAH, abs=1e-6)
    # calibration uses complete wakes only: the cut wake's wifi phase is not in it
    assert "wifi" not in report["phase_stats"]


def test_recording_starts_inside_a_wake(standard) -> None:
    trace, current, marker, _ = standard
    start = trace.labels[0][1] + round((BOOT[0] + 0.006 + 0.002 + 0.3) * RATE_HZ)  # mid camera
    report = analyse(current[start:], marker[start:])
    assert report["wakes"] == 3 and report["partial_wakes"] == 1
    assert report["awake_s"]["capture"]["count"] == 1
    # the burst that ends the camera phase names the segment before it: the partial wake's
    # camera charge is what is left of it after the cut
    camera = trace.expected_mAh(current)["camera"] - trace.expected_mAh(current, upto=start)["camera"]
    assert report["per_phase_mAh"]["camera"] == pytest.approx(camera, abs=EXACT_MAH)
    assert "boot" in report["per_phase_mAh"] and "state" in report["per_phase_mAh"]  # later wakes


def test_streaming_in_any_chunks_matches_one_pass(standard) -> None:
    _, current, marker, whole = standard
    rng = np.random.default_rng(3)
    sizes = [1, 2, 3, 7, 11, 101, 5000]
    analyser = Analyser()
    at = 0
    while at < len(current):
        size = sizes[len(sizes) - 1 - at % len(sizes)] if rng.random() < 0.3 else int(rng.integers(1, 60000))
        analyser.feed(current[at : at + size], marker[at : at + size])
        at += size
    report = analyser.finish()
    assert {
        k: v
        for k, v in report.items()
        if k
        not in ("per_phase_mAh", "charge_mAh", "phase_stats", "sleep_mA", "mean_current_mA", "battery_days")
    } == {
        k: v
        for k, v in whole.items()
        if k
        not in ("per_phase_mAh", "charge_mAh", "phase_stats", "sleep_mA", "mean_current_mA", "battery_days")
    }
    for phase, mAh in whole["per_phase_mAh"].items():
        assert report["per_phase_mAh"][phase] == pytest.approx(mAh, abs=2e-6)


def test_unmarked_wakes_and_a_reset_without_sleep() -> None:
    trace = TraceBuilder(seed=2)
    trace.sleep(1.0, spikes=False)
    trace.wake([], boot=(1.5, 45.0), marked=False)  # firmware without marker
    trace.sleep(1.0, spikes=False)
    # a wake that ends in a reset (watchdog): marker low for the reboot, then a normal wake
    trace.add("boot", *BOOT, 0)
    trace.add("state", 0.01, 40.0, 1)
    trace.add("persist", 0.2, 40.0, 1, burst(1))  # hangs after the state phase
    trace.wake(CAPTURE)
    trace.sleep(1.0, spikes=False)
    current, marker = trace.build()
    report = analyse(current, marker)
    assert report["wakes"] == 3
    assert report["awake_s"]["unmarked"]["count"] == 1
    assert report["awake_s"]["unmarked"]["mean"] == pytest.approx(1.5, abs=2e-3)
    assert report["awake_s"]["capture"]["count"] == 2
    expected = trace.expected_mAh(current)
    assert report["per_phase_mAh"]["awake"] == pytest.approx(expected["awake"], abs=3 * edge_mAh(45))
    # the reboot's low, between the fall and the new rise, is the second wake's boot
    assert report["per_phase_mAh"]["boot"] == pytest.approx(expected["boot"], abs=3 * edge_mAh(45))
    assert report["warnings"] == []


def test_a_sleep_current_above_the_threshold_is_reported() -> None:
    trace = TraceBuilder(seed=4)
    trace.add("sleep", 1.0, 20.0, 0)  # camera left powered: 20 mA in deep sleep
    trace.wake(CAPTURE)
    trace.add("sleep", 4.0, 20.0, 0)  # longer than a reboot (Settings.reboot_s)
    trace.wake(CAPTURE)
    trace.add("sleep", 4.0, 20.0, 0)
    current, marker = trace.build()
    report = analyse(current, marker)  # the default threshold, 10 mA, cannot see the wakes begin
    assert report["wakes"] == 2 and len(report["warnings"]) == 2
    assert "--wake-mA" in report["warnings"][0]
    report = analyse(current, marker, Settings(wake_mA=30.0))
    assert report["warnings"] == [] and report["complete_wakes"] == 2
    assert report["sleep_mA"] == pytest.approx(20.0, abs=0.01)
    assert report["phase_stats"]["boot"]["mean_s"] == pytest.approx(BOOT[0], abs=1e-3)


def test_calibrate_profile(standard) -> None:
    *_, report = standard
    profile = {"sleep": {"board_mA": 0.064, "sd_card_mA": 0.5}}
    cal = harness.calibrate_profile(report, profile)
    assert cal["boot"]["duration_s"] == pytest.approx(BOOT[0], abs=1e-3)
    assert cal["boot"]["current_mA"] == pytest.approx(BOOT[1], abs=0.1)
    assert cal["sleep"]["total_mA"] == report["sleep_mA"]
    assert cal["sleep"]["camera_mA"]["OV2640"]["soft_reset"] == pytest.approx(
        report["sleep_mA"] - 0.564, abs=1e-4
    )
    ov3660 = harness.calibrate_profile(report, profile, "OV3660", "standby")
    assert ov3660["sleep"]["camera_mA"] == {
        "OV3660": {"standby": cal["sleep"]["camera_mA"]["OV2640"]["soft_reset"]}
    }
    assert cal["cpu"]["current_mA"] == pytest.approx(40.0, abs=0.05)
    assert cal["camera"]["extra_mA"] == pytest.approx(60.0, abs=0.1)
    assert cal["sd"]["write_extra_mA"] == pytest.approx(40.0, abs=0.1)
    assert cal["wifi"]["connect_mA"] == pytest.approx(110.0, abs=0.05)
    assert cal["tls"] == pytest.approx({"current_mA": 95.0, "handshake_s": 2.5}, abs=0.05)
    assert "camera_mA" not in harness.calibrate_profile(report)["sleep"]


# -- traces and the command line -----------------------------------------------------------------


def test_trace_file_round_trip_and_cli(standard, tmp_path: Path) -> None:
    _, current, marker, whole = standard
    path = harness.save_trace(tmp_path / "t.npz", current, marker, source_mV=3800)
    meta, chunks = harness.read_trace(path, chunk=300_000)
    parts = list(chunks)
    assert meta == {"rate_hz": RATE_HZ, "source_mV": 3800}
    assert len(parts) == -(-len(current) // 300_000)
    assert np.array_equal(np.concatenate([c for c, _ in parts]), current.astype(np.float32))
    assert np.array_equal(np.concatenate([d for _, d in parts]), marker)
    with np.load(path) as data:  # an ordinary .npz for numpy too
        assert data["current_uA"].shape == current.shape
    out = tmp_path / "out"
    assert harness.main(["--trace", str(path), "--out", str(out)]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["awake_s"] == whole["awake_s"]
    assert report["per_phase_mAh"] == pytest.approx(whole["per_phase_mAh"], abs=2e-6)
    wakes = [json.loads(line) for line in (out / "wakes.jsonl").read_text().splitlines()]
    assert [w["kind"] for w in wakes] == ["capture", "network", "capture"]
    assert wakes[1]["phases"]["tls"]["s"] == pytest.approx(2.5)
    assert "boot" in json.loads((out / "calibration.json").read_text())


# -- the acquisition loop, with a fake PPK2 ------------------------------------------------------

SAMPLE = np.dtype([("uA", "<f4"), ("bits", "u1")])


class FakePPK2:
    """PPK2_API's methods over a prepared recording, sent in uneven chunks with empty reads."""

    def __init__(self, current: np.ndarray, marker: np.ndarray, seed: int = 5) -> None:
        self.data = np.empty(len(current), SAMPLE)
        self.data["uA"] = current
        self.data["bits"] = marker | 0b1000_0000  # D7 busy too: only the marker channel counts
        self.at = 0
        self.rng = np.random.default_rng(seed)
        self.calls: list = []
        self.measuring = False
        self.powered = False

    @staticmethod
    def list_devices() -> list[str]:
        return ["/dev/fake"]

    def get_modifiers(self) -> bool:
        self.calls.append("get_modifiers")
        return True

    def use_source_meter(self) -> None:
        self.calls.append("use_source_meter")

    def set_source_voltage(self, mV: int) -> None:
        self.calls.append(("set_source_voltage", mV))

    def toggle_DUT_power(self, state: str) -> None:
        self.calls.append(("toggle_DUT_power", state))
        self.powered = state == "ON"

    def start_measuring(self) -> None:
        self.calls.append("start_measuring")
        self.measuring = True

    def stop_measuring(self) -> None:
        self.calls.append("stop_measuring")
        self.measuring = False

    def get_data(self) -> bytes:
        assert self.measuring and self.powered
        if self.rng.random() < 0.2 or self.at >= len(self.data):
            return b""
        n = int(self.rng.integers(1000, 80_000))
        chunk = self.data[self.at : self.at + n]
        self.at += len(chunk)
        return chunk.tobytes()

    def get_samples(self, buf: bytes) -> tuple[list, list]:
        samples = np.frombuffer(buf, SAMPLE)
        return samples["uA"].tolist(), samples["bits"].tolist()


def test_acquisition_loop_end_to_end(standard, tmp_path: Path) -> None:
    _, current, marker, _ = standard
    fake = FakePPK2(current, marker)
    analyser = Analyser()
    writer = harness.TraceWriter(tmp_path / "trace.npz", RATE_HZ, 3800)
    seconds = 12.0
    harness.acquire(fake, analyser, source_mV=3800, seconds=seconds, writer=writer, sleep=lambda s: None)
    writer.close()
    assert fake.calls[:5] == [
        "get_modifiers",
        "use_source_meter",
        ("set_source_voltage", 3800),
        "start_measuring",
        ("toggle_DUT_power", "ON"),
    ]
    assert fake.calls[-2:] == ["stop_measuring", ("toggle_DUT_power", "OFF")]
    n = round(seconds * RATE_HZ)
    assert analyser.n == n
    report = analyser.finish()
    expected = analyse(current[:n], marker[:n])
    assert report["awake_s"] == expected["awake_s"] and report["wakes"] == expected["wakes"]
    assert report["per_phase_mAh"] == pytest.approx(expected["per_phase_mAh"], abs=2e-6)
    meta, chunks = harness.read_trace(tmp_path / "trace.npz")
    assert meta["source_mV"] == 3800
    assert sum(len(c) for c, _ in chunks) == n


def test_acquisition_stops_after_n_wakes(standard) -> None:
    _, current, marker, _ = standard
    fake = FakePPK2(current, marker, seed=6)
    analyser = Analyser()
    harness.acquire(fake, analyser, source_mV=3700, wakes=2, leave_on=True, sleep=lambda s: None)
    assert analyser.complete_wakes == 2
    assert fake.at < len(current)  # stopped before the recording ran out
    assert fake.calls[-1] == "stop_measuring" and fake.powered  # --leave-on


def test_acquisition_gives_up_when_no_data_comes() -> None:
    fake = FakePPK2(np.zeros(0), np.zeros(0, dtype=np.uint8))
    ticks = iter(range(0, 100))
    with pytest.raises(RuntimeError, match="no data"):
        harness.acquire(
            fake,
            Analyser(),
            source_mV=3800,
            seconds=1.0,
            sleep=lambda s: None,
            clock=lambda: float(next(ticks)),
        )
    assert fake.calls[-1] == ("toggle_DUT_power", "OFF")


def test_cli_measures_with_a_ppk2(standard, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, current, marker, _ = standard
    fake = FakePPK2(current, marker, seed=8)
    out = tmp_path / "run"
    assert (
        harness.main(
            ["--seconds", "5", "--voltage", "3.7", "--out", str(out)], ppk2_factory=lambda port: fake
        )
        == 0
    )
    assert ("set_source_voltage", 3700) in fake.calls
    report = json.loads((out / "report.json").read_text())
    assert report["samples"] == 5 * RATE_HZ and report["complete_wakes"] == 1
    assert (out / "trace.npz").is_file() and not list(out.glob("*.part"))
    assert "capture wakes: 1" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        harness.main(["--out", str(out)])  # neither --seconds, --wakes nor --trace
