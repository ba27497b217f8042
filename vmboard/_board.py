"""The board inside the VM: its state from the host driver (sim/vm.py), a virtual clock, the
fixed-size memories, and the exceptions that end a wake. Not a CircuitPython module: the
board's modules (vmboard/*.py) share it, the way sim/circuitpython/ shares sim.device."""

import _mp_json as _json
import _mp_struct as _struct
import host
import vfs


class DeepSleep(BaseException):
    """alarm.exit_and_deep_sleep_until_alarms: like CircuitPython's DeepSleepRequest, not an
    Exception, so the firmware's `except Exception` never swallows it."""

    def __init__(self, alarms):
        super().__init__("deep sleep")
        self.alarms = alarms


class Reset(BaseException):
    """microcontroller.reset() or supervisor.reload()."""


class WatchdogReset(BaseException):
    """The watchdog was not fed in time."""


def call(op, **args):
    """One request to the host driver; the seconds it says the board spent are charged."""
    args["op"] = op
    args["elapsed"] = elapsed
    answer = _json.loads(host.call("board", _json.dumps({"args": [args]})))
    if not answer.get("ok"):
        raise RuntimeError("host: " + str(answer.get("error")))
    value = answer.get("value") or {}
    if value.get("spend"):
        spend(value["spend"])
    return value


def put(data, name="out"):
    """Hand bytes to the host through a file (no copies on the VM's heap): /net is mounted only
    for the moment of the write, so the firmware's file system stays the board's."""
    vfs.mount(vfs.VfsPosix("/net"), "/.net")
    try:
        with open("/.net/" + name, "wb") as handle:
            handle.write(data)
    finally:
        vfs.umount("/.net")


def take_into(buffer, size, name="in"):
    """Read up to `size` bytes the host left for us into `buffer`; returns the count."""
    vfs.mount(vfs.VfsPosix("/net"), "/.net")
    try:
        with open("/.net/" + name, "rb") as handle:
            return handle.readinto(memoryview(buffer)[:size])
    finally:
        vfs.umount("/.net")


elapsed = 0.0   # seconds since code.py's VM started (boot time is in S["monotonic"])
phase = "boot.py"
S = {}
S.update(call("start"))
_watchdog = [None, 0.0]  # [timeout or None, elapsed when fed]


def spend(seconds):
    """The board is busy for `seconds` (virtual): its clocks advance; the watchdog bites."""
    global elapsed
    elapsed += seconds
    timeout, fed = _watchdog
    if timeout is not None and elapsed - fed > timeout:
        raise WatchdogReset("watchdog after %.1f s" % (elapsed - fed))


def arm_watchdog(timeout):
    _watchdog[0] = timeout
    _watchdog[1] = elapsed


def feed_watchdog():
    _watchdog[1] = elapsed


def monotonic_s():
    """Seconds since the last reset (not since a fake USB deep sleep), full precision."""
    return S["monotonic"] + elapsed


def rtc_s():
    return S["rtc"] + elapsed


def set_rtc(epoch):
    S["rtc"] = epoch - elapsed


def float30(value):
    """`value` as CircuitPython stores a float (py/obj.h, MICROPY_OBJ_REPR_C): an IEEE single
    with the two lowest mantissa bits dropped."""
    bits = _struct.unpack("<I", _struct.pack("<f", value))[0] & ~3
    return _struct.unpack("<f", _struct.pack("<I", bits))[0]


class FixedBytes:
    """alarm.sleep_memory and microcontroller.nvm: a fixed length; a slice assignment of another
    length fails as on the board (shared-bindings/nvm/ByteArray.c, alarm/SleepMemory.c)."""

    def __init__(self, data, kind):
        self._bytes = bytearray(data)
        self.kind = kind
        self.writes = 0

    def __len__(self):
        return len(self._bytes)

    def __bool__(self):
        return True

    def __getitem__(self, index):
        return self._bytes[index]

    def __setitem__(self, index, value):
        if type(index) is not int and len(self._bytes[index]) != len(value):
            raise ValueError("Slice and value different lengths.")
        self._bytes[index] = value
        self.writes += 1
        if self.kind == "nvm":
            spend(0.012)  # one flash sector erase and write (sim/parts/storage.py NVM_WRITE_S)
            put(self._bytes, "nvm")  # flash: kept even if power fails before the wake ends



def _memory(name, size, kind):
    """A memory image the host left in /net (sleep_memory, nvm), exactly `size` bytes."""
    memory = FixedBytes(bytes(size), kind)
    take_into(memory._bytes, size, name)
    return memory


sleep_memory = _memory("sleep_memory", 4096, "sleep")
nvm = _memory("nvm", 8192, "nvm")
camera_state = "off"  # off (not touched this wake), running, deinit_only; see camera_sleep()
_sensor = {"bank": 0, "pointer": 0, 0: {}, 1: {}, "srst": False}  # the OV2640's registers by bank


def sccb_write(data):
    if not data:
        return
    _sensor["pointer"] = data[0]
    if len(data) < 2:
        return
    if data[0] == 0xFF:
        _sensor["bank"] = data[1] & 1
    elif _sensor["bank"] == 1 and data[0] == 0x12 and data[1] & 0x80:  # COM7 reset
        _sensor[0], _sensor[1] = {}, {}
        _sensor["srst"] = True  # back to power-on defaults: the reversible sleep state
    else:
        _sensor[_sensor["bank"]][data[0]] = data[1]


def sccb_read():
    if _sensor["pointer"] == 0xFF:
        return _sensor["bank"]
    return _sensor[_sensor["bank"]].get(_sensor["pointer"], 0)


def camera_reset():
    """esp32-camera resets the sensor at init."""
    _sensor[0], _sensor[1] = {}, {}
    _sensor["srst"] = False


def camera_sleep():
    """What the sensor draws in deep sleep follows from this (sim/hardware.py sleep_state)."""
    if camera_state in ("off", "running"):
        return camera_state
    if _sensor[1].get(0x09, 0) & 0x10:
        return "standby"
    return "soft_reset" if _sensor["srst"] else "deinit_only"
card_mounted = False


def finish(outcome, detail, modules):
    """Report how the wake ended, with what survives it, to the host driver."""
    alarms = []
    if outcome == "sleep":
        for alarm in detail:
            if hasattr(alarm, "monotonic_time"):
                alarms.append({"monotonic": alarm._target})
            else:
                alarms.append({"pin": str(alarm.pin)})
        detail = ""
    put(sleep_memory._bytes, "sleep_memory")
    put(nvm._bytes, "nvm")
    call("finish", outcome=outcome, detail=detail, alarms=alarms, modules=modules,
         nvm_writes=nvm.writes,
         rtc=rtc_s(), monotonic=monotonic_s(), camera=camera_sleep())


def release():
    """The CircuitPython release modelled, as a tuple: (10, 1, 0)."""
    return tuple(int(part) for part in S["version"].split("."))


# CircuitPython's builtins that MicroPython lacks (py/modbuiltins.c, CIRCUITPY-CHANGE: "add
# TimeoutError, ConnectionError, BrokenPipeError"; py/objexcept.c: subclasses of OSError).
import builtins  # noqa: E402

for _name in ("ConnectionError", "TimeoutError", "BrokenPipeError"):
    if not hasattr(builtins, _name):
        setattr(builtins, _name, type(_name, (OSError,), {}))
