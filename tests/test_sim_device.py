"""The simulated board keeps CircuitPython's rules of what survives what (issue 2, item 2)."""

from __future__ import annotations

import json
import sys
import time

import pytest

from sim.clock import RTC_RESET_EPOCH
from sim.device import Device
from sim.profile import load_profile
from sim.runner import RunOptions, parse_start
from tests.conftest import BOOT_S

START = parse_start(RunOptions.start)

PROBE = """
import json, os, time
import alarm, microcontroller, storage, sdcardio, board
count = alarm.sleep_memory[0]
durable = microcontroller.nvm[0]
storage.mount(storage.VfsFat(sdcardio.SDCard(board.SPI(), board.SDCS)), "/sd")
try:
    with open("sd/probe.txt") as f:
        on_card = int(f.read())
except OSError:
    on_card = 0
print(json.dumps({"sleep_memory": count, "nvm": durable, "card": on_card, "rtc": time.time(),
                  "monotonic": time.monotonic(), "reset": str(microcontroller.cpu.reset_reason)}))
alarm.sleep_memory[0] = count + 1
microcontroller.nvm[0:1] = bytes([(durable + 1) % 255])
with open("sd/probe.txt", "w") as f:
    f.write(str(on_card + 1))
alarm.exit_and_deep_sleep_until_alarms(alarm.time.TimeAlarm(monotonic_time=time.monotonic() + 600))
"""


def wake_and_read(device: Device) -> tuple[dict, tuple]:
    mark = device.console.tell()
    outcome = device.wake()
    device.console.seek(mark)
    lines = [line for line in device.console.read().splitlines() if line.startswith("{")]
    return (json.loads(lines[-1]) if lines else {}), outcome


def test_deep_sleep_keeps_sleep_memory_nvm_card_and_rtc(make_board) -> None:
    device = make_board("", PROBE, drift_ppm=5000)
    first, outcome = wake_and_read(device)
    assert outcome[0] == "sleep"
    device.sleep_until(outcome[1], START + 86400)
    device.reset_reason = "DEEP_SLEEP_ALARM"
    second, _ = wake_and_read(device)
    assert (first["sleep_memory"], first["nvm"], first["card"]) == (
        0,
        0,
        0,
    )  # fresh board: no NVM blob, zeros
    assert second["sleep_memory"] == 1 and second["card"] == 1
    assert second["nvm"] == (first["nvm"] + 1) % 255
    assert second["reset"].endswith("DEEP_SLEEP_ALARM")
    # The RTC ran on through deep sleep; monotonic restarted at the boot.
    assert second["rtc"] - first["rtc"] == pytest.approx(600, abs=2)
    assert second["monotonic"] == pytest.approx(first["monotonic"], abs=0.5)
    # At 5000 ppm the RTC's 600 s took only ~597 s of true time.
    assert device.clock.rtc - device.clock.true > 2.5


def test_power_loss_clears_sleep_memory_and_rtc_but_not_nvm_or_card(make_board) -> None:
    device = make_board("", PROBE)
    first, outcome = wake_and_read(device)
    device.sleep_until(outcome[1], START + 86400)
    device.power_loss()
    after, _ = wake_and_read(device)
    assert after["reset"].endswith("POWER_ON")
    assert after["sleep_memory"] == 0  # gone with the power
    assert after["nvm"] == (first["nvm"] + 1) % 255  # flash keeps it
    assert after["card"] == 1  # so does the card
    assert RTC_RESET_EPOCH <= after["rtc"] < RTC_RESET_EPOCH + 10  # 2000-01-01 again


def test_power_cut_inside_a_card_write_leaves_a_partial_file(make_board) -> None:
    code = PROBE.replace("f.write(str(on_card + 1))", 'f.write("x" * 400_000)')
    device = make_board("", code, power_cuts=[START + BOOT_S + 0.6])  # boot, compile, then the write
    outcome = device.wake()
    assert outcome == ("power_cut", "card")
    size = (device.sd / "probe.txt").stat().st_size
    assert 0 < size < 400_000


def test_virtual_time_never_sleeps_and_leaves_cpython_time_alone(make_board) -> None:
    code = (
        "import time, alarm\nt = time.monotonic()\ntime.sleep(3600)\n"
        "print('slept', time.monotonic() - t)\n"
        "alarm.exit_and_deep_sleep_until_alarms(alarm.time.TimeAlarm(monotonic_time=time.monotonic() + 60))\n"
    )
    device = make_board("", code)
    real_time = sys.modules["time"]
    wall = time.perf_counter()
    outcome = device.wake()
    assert time.perf_counter() - wall < 30  # an hour of virtual sleep is not an hour of ours
    assert "slept 3600.0" in device.console.getvalue()
    assert outcome[0] == "sleep"
    assert sys.modules["time"] is real_time and abs(time.time() - START) > 1e5
    assert device.meter.seconds["idle"] == 3600


def test_each_wake_runs_code_py_afresh(make_board) -> None:
    firmware_module = "runs = []\n"
    code = (
        "import alarm, time\nimport counter\ncounter.runs.append(1)\nprint('runs', len(counter.runs))\n"
        "alarm.exit_and_deep_sleep_until_alarms(alarm.time.TimeAlarm(monotonic_time=time.monotonic() + 60))\n"
    )
    device = make_board("", code)
    (device.folder / "counter.py").write_text(firmware_module)
    for _ in range(3):
        _, target = device.wake()
        device.sleep_until(target, START + 86400)
    assert device.console.getvalue().count("runs 1") == 3


def test_code_that_returns_without_sleeping_is_a_crash(make_board) -> None:
    device = make_board("", "print('done')\n")
    assert device.wake()[0] == "crash"


def test_watchdog_resets_a_hung_wake_and_keeps_sleep_memory(make_board) -> None:
    code = (
        "import alarm, microcontroller, time, watchdog\n"
        "alarm.sleep_memory[0] = 7\n"
        "microcontroller.watchdog.timeout = 20\n"
        "microcontroller.watchdog.mode = watchdog.WatchDogMode.RESET\n"
        "time.sleep(3600)\n"
    )
    device = make_board("", code)
    outcome = device.wake()
    assert outcome[0] == "watchdog"
    assert device.clock.monotonic == pytest.approx(BOOT_S + 20, abs=0.5)
    assert device.sleep_memory[0] == 7


def test_sleep_current_follows_what_the_camera_was_left_in(make_board) -> None:
    take = """
import alarm, board, busio, espcamera, time
i2c = busio.I2C(board.CAM_SCL, board.CAM_SDA)
cam = espcamera.Camera(data_pins=list(board.CAM_DATA), pixel_clock_pin=board.CAM_PCLK,
    vsync_pin=board.CAM_VSYNC, href_pin=board.CAM_HREF, i2c=i2c, external_clock_pin=board.CAM_XCLK,
    pixel_format=espcamera.PixelFormat.JPEG, frame_size=espcamera.FrameSize.SVGA)
frame = cam.take(1)
assert bytes(frame[:2]) == b"\\xff\\xd8"  # a JPEG
STANDBY
cam.deinit()
alarm.exit_and_deep_sleep_until_alarms(alarm.time.TimeAlarm(monotonic_time=time.monotonic() + 60))
"""
    profile = load_profile()
    sleep = profile["sleep"]
    base = sleep["board_mA"] + sleep["sd_card_mA"]
    ov2640 = sleep["camera_mA"]["OV2640"]
    untouched = make_board("a", "import alarm\nalarm.exit_and_deep_sleep_until_alarms()\n")
    untouched.wake()
    assert untouched.sleep_mA() == pytest.approx(base + ov2640["never_started"])
    deinit_only = make_board("b", take.replace("STANDBY", ""))
    assert deinit_only.wake()[0] == "sleep", deinit_only.console.getvalue()
    assert deinit_only.sleep_mA() == pytest.approx(base + ov2640["deinit_only"])
    standby = make_board(
        "c",
        take.replace(
            "STANDBY",
            "i2c.try_lock()\ni2c.writeto(0x30, bytes((0xFF, 1)))\ni2c.writeto(0x30, bytes((0x09, 0x10)))",
        ),
    )
    assert standby.wake()[0] == "sleep"
    assert standby.sleep_mA() == pytest.approx(base + ov2640["standby"])


def test_run_writes_a_preview_of_the_time_lapse(simulate) -> None:
    from PIL import GifImagePlugin, Image

    report, out = simulate(days=0.5, preview=True)
    with Image.open(out / "preview.gif") as gif:
        assert isinstance(gif, GifImagePlugin.GifImageFile)
        assert gif.n_frames == report["captures"] > 10
        assert gif.size[0] == 320
    with Image.open(out / "contact_sheet.jpg") as sheet:
        assert sheet.size[0] == 320 * 8


def test_wake_alarm_is_the_time_alarm_that_woke_the_board(make_board) -> None:
    code = (
        "import alarm, time\nprint('woken by', type(alarm.wake_alarm).__name__)\n"
        "alarm.exit_and_deep_sleep_until_alarms(alarm.time.TimeAlarm(monotonic_time=time.monotonic() + 60))\n"
    )
    from sim.runner import run_until

    device = make_board("", code)

    class NoBar:
        def update(self, _):
            pass

    run_until(device, START + 100, NoBar())
    console = device.console.getvalue()
    assert "woken by NoneType" in console and "woken by TimeAlarm" in console
