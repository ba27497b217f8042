"""`microcontroller`: NVM (8192 bytes, survives everything), the CPU, the watchdog, reset."""

from sim import circuitpython as _hw


class Pin:
    def __init__(self, name: str, gpio: int) -> None:
        self.name = name
        self.gpio = gpio

    def __repr__(self) -> str:
        return f"board.{self.name}"


class ResetReason:
    POWER_ON = "POWER_ON"
    BROWNOUT = "BROWNOUT"
    SOFTWARE = "SOFTWARE"
    DEEP_SLEEP_ALARM = "DEEP_SLEEP_ALARM"
    RESET_PIN = "RESET_PIN"
    WATCHDOG = "WATCHDOG"
    UNKNOWN = "UNKNOWN"
    RESCUE_DEBUG = "RESCUE_DEBUG"


class RunMode:
    NORMAL = "NORMAL"
    SAFE_MODE = "SAFE_MODE"
    BOOTLOADER = "BOOTLOADER"
    UF2 = "UF2"


class _NVM:
    """Flash-backed bytes: every slice assignment is one (charged, counted) flash write."""

    def __len__(self) -> int:
        return len(_hw.device().nvm)

    def __getitem__(self, index):
        return _hw.device().nvm[index]

    def __setitem__(self, index, value) -> None:
        _hw.device().write_nvm(index, value)


class _CPU:
    @property
    def reset_reason(self) -> str:
        return _hw.device().reset_reason

    @property
    def temperature(self) -> float:
        return _hw.device().cpu_temperature()

    frequency = 240_000_000
    uid = bytearray(b"\x58\x49\x41\x4f\x53\x33")

    @property
    def voltage(self) -> float:
        return 3.3


class _WatchDogTimer:
    def __init__(self) -> None:
        self._timeout = 0.0
        self.mode = None

    @property
    def timeout(self) -> float:
        return self._timeout

    @timeout.setter
    def timeout(self, value: float) -> None:
        self._timeout = float(value)

    def feed(self) -> None:
        _hw.device().feed_watchdog()

    def __setattr__(self, name, value) -> None:
        object.__setattr__(self, name, value)
        if name == "mode" and _hw.current is not None:
            if value is None:
                _hw.device().disarm_watchdog()
            else:
                _hw.device().arm_watchdog(self._timeout, value)


nvm = _NVM()
cpu = _CPU()
cpus = (cpu,)
watchdog = _WatchDogTimer()
on_next_reset_mode = RunMode.NORMAL


def on_next_reset(run_mode) -> None:
    global on_next_reset_mode
    on_next_reset_mode = run_mode


def reset() -> None:
    raise _hw.device().Reset("microcontroller.reset")


def delay_us(delay: int) -> None:
    board = _hw.device()
    board.spend("idle", delay / 1e6, board.awake_mA())
