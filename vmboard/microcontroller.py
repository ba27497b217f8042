"""`microcontroller`: NVM (8192 bytes, survives everything), the CPU, the watchdog, reset."""

import _board


class Pin:
    def __init__(self, name, gpio):
        self.name = name
        self.gpio = gpio

    def __repr__(self):
        return "board.%s" % self.name


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


class _CPU:
    frequency = 240000000
    uid = bytearray(b"\x58\x49\x41\x4f\x53\x33")
    voltage = 3.3

    @property
    def reset_reason(self):
        return getattr(ResetReason, _board.S["reset_reason"])

    @property
    def temperature(self):
        return _board.S["temperature"]


class _WatchDogTimer:
    def __init__(self):
        self._timeout = 0.0
        self._mode = None

    @property
    def timeout(self):
        return self._timeout

    @timeout.setter
    def timeout(self, value):
        self._timeout = float(value)

    @property
    def mode(self):
        return self._mode

    @mode.setter
    def mode(self, value):
        self._mode = value
        _board.arm_watchdog(self._timeout if value == "RESET" else None)

    def feed(self):
        _board.feed_watchdog()


nvm = _board.nvm
cpu = _CPU()
cpus = (cpu,)
watchdog = _WatchDogTimer()


def on_next_reset(run_mode):
    pass


def reset():
    raise _board.Reset("microcontroller.reset")


def delay_us(delay):
    _board.spend(delay / 1e6)
