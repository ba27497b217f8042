"""`microcontroller`: NVM (8192 bytes, survives everything), the CPU, the watchdog, reset."""

from array import array

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
    """`microcontroller.nvm`: what shared-bindings/nvm/ByteArray.c accepts and raises (same at
    9.2.8, 10.0.3, 10.1.0). Reads and writes go to the device's blob (Device.write_nvm)."""

    def __len__(self) -> int:
        return len(_hw.device().nvm)

    def __bool__(self) -> bool:
        return len(self) != 0

    def __getitem__(self, index):
        return byte_array_read(_hw.device().nvm, index)

    def __setitem__(self, index, value) -> None:
        board = _hw.device()
        board.write_nvm(*byte_array_assignment(index, value, len(board.nvm)))

    def __delitem__(self, index) -> None:
        raise TypeError("'ByteArray' object doesn't support item deletion")


def byte_array_read(blob, index):
    """A read of nvm or sleep_memory: one byte as an int, a slice as a new bytearray."""
    if isinstance(index, slice):
        start, stop = _fast_slice(index, len(blob))
        return bytearray(blob[start:stop])
    return blob[_index(index, len(blob))]


def byte_array_assignment(index, value, size: int) -> tuple[int, bytes]:
    """(start, bytes) of an assignment to nvm or sleep_memory, refused as nvm_bytearray_subscr
    and alarm_sleep_memory_subscr refuse it (the same rules, all three tags)."""
    if isinstance(index, slice):
        start, stop = _fast_slice(index, size)
        if type(value) not in (bytes, bytearray, memoryview, array):  # exact types, as mp_obj_is_type
            raise NotImplementedError("array/bytes required on right side")
        data = memoryview(value)
        if data.nbytes != stop - start:
            raise ValueError("Slice and value different lengths.")
        if data.itemsize != 1:
            raise ValueError("Array values should be single bytes.")
        return start, bytes(data.cast("B"))
    position = _index(index, size)
    byte = _int(value)
    if not 0 <= byte <= 255:
        raise ValueError("bytes must be 0-255")
    return position, bytes([byte])


_MP_INT_MAX = 2**31 - 1  # mp_int_t on the ESP32-S3 is 32 bits


def _int(value) -> int:
    """py/obj.c mp_obj_get_int: bool and int only (no float, no __index__ of other types)."""
    if not isinstance(value, int):
        raise TypeError("can't convert %s to int" % type(value).__name__)
    if not -_MP_INT_MAX - 1 <= value <= _MP_INT_MAX:
        raise OverflowError("overflow converting long int to machine word")
    return int(value)


def _index(index, size: int) -> int:
    """py/obj.c mp_get_index: negative counts from the end; outside the blob is IndexError."""
    if not isinstance(index, int):
        raise TypeError("ByteArray indices must be integers, not %s" % type(index).__name__)
    position = _int(index)
    if position < 0:
        position += size
    if not 0 <= position < size:
        raise IndexError("index out of range")
    return position


def _fast_slice(index: slice, size: int) -> tuple[int, int]:
    """py/objslice.c mp_obj_slice_indices, then py/sequence.c mp_seq_get_fast_slice_indexes:
    bounds clamped to the blob, stop never before start, and only step 1 (read or write)."""
    step = 1 if index.step is None else _int(index.step)
    if step == 0:
        raise ValueError("slice step cannot be zero")
    bounds = []
    for bound, default in ((index.start, 0), (index.stop, size)):
        if bound is None:
            bounds.append(default)
            continue
        value = _int(bound)
        value = value + size if value < 0 else value
        bounds.append(min(size, max(value, 0)))
    if step != 1:
        raise NotImplementedError("only slices with step=1 (aka None) are supported")
    start, stop = bounds
    return start, max(start, stop)


class _CPU:
    @property
    def reset_reason(self) -> str:
        return _hw.device().reset_reason

    @property
    def temperature(self) -> float:
        return _hw.device().cpu_temperature()

    frequency = 240_000_000

    @property
    def uid(self) -> bytearray:
        """Six bytes from the MAC eFuses, a new bytearray at every read (Processor.c get_uid)."""
        return bytearray(b"\x58\x49\x41\x4f\x53\x33")

    @property
    def voltage(self) -> float:
        return 3.3


class _WatchDogTimer:
    """`microcontroller.watchdog` as shared-bindings/watchdog/WatchDogTimer.c and
    ports/espressif/common-hal/watchdog/WatchDogTimer.c (9.2.8, 10.0.3, 10.1.0): `timeout` a
    number (`TypeError: can't convert str to float`), at least 0 (`ValueError: timeout must be
    >= 0`, checked on the int part), at most 4294967 s (`ValueError: timeout must be <=
    4294967`); `mode` a `WatchDogMode` or None (`TypeError: mode must be of type WatchDogMode,
    not str`), None stops it; `feed()` with no mode does nothing."""

    def __init__(self) -> None:
        self._timeout = 0.0
        self._mode: object = None  # a WatchDogMode, or None

    @property
    def timeout(self) -> float:
        return self._timeout

    @timeout.setter
    def timeout(self, value) -> None:
        seconds = _float(value)
        if int(seconds) < 0:
            raise ValueError("timeout must be >= 0")
        if seconds * 1000 > 0xFFFFFFFF:
            raise ValueError("timeout must be <= %d" % (0xFFFFFFFF // 1000))
        self._timeout = seconds
        if self._mode is not None:
            _hw.device().arm_watchdog(self._timeout, self._mode)

    @property
    def mode(self):
        return self._mode

    @mode.setter
    def mode(self, value) -> None:
        from sim.circuitpython.watchdog import WatchDogMode

        if value is not None and not isinstance(value, WatchDogMode):
            raise TypeError("mode must be of type WatchDogMode, not %s" % type(value).__name__)
        if value is self._mode:
            return
        self._mode = value
        if _hw.current is not None:
            if value is None:
                _hw.device().disarm_watchdog()
            else:
                _hw.device().arm_watchdog(self._timeout, value)

    def feed(self) -> None:
        if self._mode is not None:
            _hw.device().feed_watchdog()


def _float(value) -> float:
    """py/obj.c mp_obj_get_float: int, bool or float only."""
    if not isinstance(value, (int, float)):
        raise TypeError("can't convert %s to float" % type(value).__name__)
    return float(value)


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
    """shared-bindings/microcontroller/__init__.c: mp_obj_get_int (no float)."""
    delay = _int(delay)
    board = _hw.device()
    board.spend("idle", delay / 1e6, board.awake_mA())
