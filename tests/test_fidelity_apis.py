"""The last firmware-called APIs of issue 12's audit (docs/fidelity.md, "Other modules"):
time.sleep and monotonic_ns, os.stat, listdir and mkdir, wifi.radio.ap_info, ipv4_address and
set_ipv4_address, and the board's own binascii, math and errno. Then the audit itself: every
CircuitPython built-in the firmware calls must have a row in the ledger's audit table.

Oracles: the rules of adafruit/circuitpython at 9.2.8, 10.0.3 and 10.1.0 as the ledger cites
them, newlib's sys/errno.h numbers, the CRC-32 check value, IEEE single bit patterns; never the
fakes' own code.
"""

from __future__ import annotations

import ast
import importlib.util
import math
import os
import re
import struct
import sys
from pathlib import Path

import pytest

from sim import circuitpython
from sim.circuitpython import binascii_, busio, errno_, math_, os_, sdcardio, storage, time_, wifi
from sim.circuitpython import board as pins
from sim.circuitpython.errnos import board_error
from sim.circuitpython.ipaddress_ import IPv4Address
from sim.device import Device, WakeRecord
from tools.firmware import FIRMWARE_DIR, ROOT, libraries, python_files

LEDGER = ROOT / "docs" / "fidelity.md"


@pytest.fixture
def awake(make_board):
    """A simulated board awake, its modules callable directly."""

    def _awake(**options) -> Device:
        device = make_board("awake", "", **options)
        device.wake_records.append(WakeRecord(device.clock.true, "POWER_ON"))
        circuitpython.current = device
        device._reset_board_modules()
        return device

    yield _awake
    circuitpython.current = None


def mount_card() -> None:
    spi = busio.SPI(pins.SCK, pins.MOSI, pins.MISO)
    storage.mount(storage.VfsFat(sdcardio.SDCard(spi, pins.SDCS)), "/sd")


def assert_board_oserror(problem: pytest.ExceptionInfo, number: int, text: str) -> None:
    """mp_raise_OSError(n): a plain OSError, args (n,), printed with CircuitPython's words."""
    assert type(problem.value) is OSError
    assert problem.value.errno == number and problem.value.args == (number,)
    assert str(problem.value) == "[Errno %d] %s" % (number, text)


def single_bits(value: float) -> int:
    return struct.unpack("<I", struct.pack("<f", value))[0]


# ---- time ---------------------------------------------------------------------------------------


def test_sleep_takes_numbers_and_whole_milliseconds_from_zero(awake) -> None:
    device = awake()
    with pytest.raises(TypeError, match="^can't convert str to float$"):
        time_.sleep("1")
    with pytest.raises(TypeError, match="^can't convert NoneType to float$"):
        time_.sleep(None)
    with pytest.raises(ValueError, match="^seconds must be >= 0$"):
        time_.sleep(-0.002)  # (int)(-2 + 0.5) = -1 ms
    with pytest.raises(ValueError, match="^seconds must be >= 0$"):
        time_.sleep(-1)
    before = device.clock.monotonic
    time_.sleep(-0.0015)  # (int)(-1.5 + 0.5) with -0.0015 a 30-bit float: just above -1, so 0
    time_.sleep(-0.001)  # (int)(-1.0 + 0.5) = 0: C truncates toward zero, no error
    time_.sleep(0.0004)  # rounds to 0 ms
    assert device.clock.monotonic == before
    time_.sleep(0.02)  # 20 ms: mp_hal_delay_ms waits 20 * 32768 // 1000 = 655 subticks
    assert device.clock.monotonic - before == pytest.approx(655 / 32768, abs=1e-12)


def test_monotonic_ns_is_an_int_in_steps_of_a_32768th_second(awake) -> None:
    device = awake()
    device.spend("idle", 12.345678, 1.0)
    first = time_.monotonic_ns()
    assert type(first) is int
    assert abs(first - device.clock.monotonic * 1e9) < 1e9 / 32768 + 1
    seen = {first}
    for _ in range(100):  # 100 us in 1 us steps: about 3 subticks of 30.5 us, not 100 values
        device.spend("idle", 1e-6, 1.0)
        seen.add(time_.monotonic_ns())
    assert 3 <= len(seen) <= 5
    ordered = sorted(seen)
    steps = {b - a for a, b in zip(ordered, ordered[1:], strict=False)}
    assert all(30_400 < step < 30_600 for step in steps)


# ---- os -----------------------------------------------------------------------------------------


def test_stat_is_fats_ten_tuple_in_two_second_steps(awake) -> None:
    device = awake()
    mount_card()
    photo = device.sd / "photo.jpg"
    photo.write_bytes(b"x" * 1234)
    os.utime(photo, (1780315201, 1780315201))  # an odd second: FAT keeps 2-second steps
    assert os_.stat("/sd/photo.jpg") == (0x8000, 0, 0, 0, 0, 0, 1234, 1780315200, 1780315200, 1780315200)
    (device.sd / "folder").mkdir()
    os.utime(device.sd / "folder", (1780315204, 1780315204))
    assert os_.stat("/sd/folder") == (0x4000, 0, 0, 0, 0, 0, 0, 1780315204, 1780315204, 1780315204)
    assert os_.stat("/sd") == (0x4000, 0, 0, 0, 0, 0, 0, 946684800, 946684800, 946684800)  # a root
    assert os_.stat(b"/sd/photo.jpg")[6] == 1234
    with pytest.raises(OSError) as missing:
        os_.stat("/sd/nothing.jpg")
    assert_board_oserror(missing, 2, "No such file/directory")
    with pytest.raises(TypeError, match="^can't convert 'int' object to str implicitly$"):
        os_.stat(7)


def test_listdir_is_in_directory_order_and_missing_is_enoent(awake) -> None:
    device = awake()
    assert os_.listdir("/sd") == []  # no card mounted: CIRCUITPY's empty mount-point folder
    mount_card()
    names = ["%04d.jpg" % n for n in range(12)]
    for name in names:
        (device.sd / name).write_bytes(b"x")
    listed = os_.listdir("/sd")
    assert sorted(listed) == names and all(type(name) is str for name in listed)
    assert listed != names  # FatFs does not sort: firmware that assumes it must fail here too
    for path in ("/sd/missing", "/sd/0001.jpg"):  # a file where a folder is wanted: FR_NO_PATH
        with pytest.raises(OSError) as problem:
            os_.listdir(path)
        assert_board_oserror(problem, 2, "No such file/directory")


def test_mkdir_refuses_as_fat_does(awake) -> None:
    device = awake()
    with pytest.raises(OSError) as readonly:
        os_.mkdir("/lib")  # exists, but CIRCUITPY is read-only to code.py: EROFS comes first
    assert_board_oserror(readonly, 30, "Read-only filesystem")
    with pytest.raises(OSError) as unmounted:
        os_.mkdir("/sd")  # no card: CIRCUITPY's folder, not a volume's root
    assert_board_oserror(unmounted, 30, "Read-only filesystem")
    mount_card()
    os_.mkdir("/sd/DCIM")
    assert (device.sd / "DCIM").is_dir()
    for existing in ("/sd/DCIM", "/sd/DCIM/", "/sd"):
        with pytest.raises(OSError) as exists:
            os_.mkdir(existing)
        assert_board_oserror(exists, 17, "File exists")
    with pytest.raises(OSError) as parent:
        os_.mkdir("/sd/none/deeper")
    assert_board_oserror(parent, 2, "No such file/directory")


def test_the_firmware_spool_works_with_fat_listings(awake) -> None:
    """spool.makedirs swallows EEXIST (the mount point's too); recover(), find() and delete()
    do not depend on the order listdir gives."""
    device = awake()
    mount_card()
    spool = load_firmware_module("timelapse/spool.py", open=device.open_file)
    spool.makedirs("/sd/timelapse/000")
    spool.makedirs("/sd/timelapse/000")
    for seq in range(990, 1006):  # two folders, 000 and 001
        spool.write_image("CAM1", seq, "20260601T%06d" % seq, b"x" * 2048)
    (device.sd / "timelapse" / "001" / "CAM1_001006.jpg.tmp").write_bytes(b"half")
    assert spool.recover() == (1005, 990)
    assert not (device.sd / "timelapse" / "001" / "CAM1_001006.jpg.tmp").exists()
    assert spool.find(999) == "sd/timelapse/000/9/CAM1_000999_20260601T000999.jpg"
    assert spool.delete(1003) == 2 and spool.find(1003) is None


def load_firmware_module(relative: str, **replaced):
    """A firmware module loaded from its source with board modules in place of CPython's."""
    spec = importlib.util.spec_from_file_location(
        "fw_" + relative.replace("/", "_")[:-3], FIRMWARE_DIR / relative
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    board = circuitpython.modules()
    saved = {name: sys.modules.get(name) for name in board}
    sys.modules.update(board)
    try:
        spec.loader.exec_module(module)
    finally:
        for name, old in saved.items():
            if old is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = old
    module.__dict__.update(replaced)
    return module


# ---- wifi.radio ---------------------------------------------------------------------------------


def test_ap_info_and_ipv4_address_are_none_unless_joined(awake) -> None:
    device = awake()
    wifi._on_import()
    radio = wifi.radio
    assert radio.ap_info is None and radio.ipv4_address is None
    radio.connect(device.network.ssid, device.network.password)
    info = radio.ap_info
    assert info is not None
    assert info.channel == device.network.channel and type(info.channel) is int
    assert type(info.bssid) is bytes and len(info.bssid) == 6
    assert isinstance(radio.ipv4_address, IPv4Address)
    radio.enabled = False
    assert radio.ap_info is None and radio.ipv4_address is None


def test_set_ipv4_address_takes_ipv4address_keywords_only(awake) -> None:
    device = awake()
    wifi._on_import()
    radio = wifi.radio
    address, mask, gateway = (
        IPv4Address("192.168.1.50"),
        IPv4Address("255.255.255.0"),
        IPv4Address("192.168.1.1"),
    )
    with pytest.raises(TypeError, match="^extra positional arguments given$"):
        radio.set_ipv4_address(address, mask, gateway)
    with pytest.raises(TypeError, match="^'gateway' argument required$"):
        radio.set_ipv4_address(ipv4=address, netmask=mask)
    with pytest.raises(TypeError, match="^unexpected keyword argument 'dns'$"):
        radio.set_ipv4_address(ipv4=address, netmask=mask, gateway=gateway, dns=gateway)
    for bad in ({"ipv4": "192.168.1.50"}, {"gateway": 3232235777}, {"ipv4_dns": None}):
        arguments: dict[str, object] = {"ipv4": address, "netmask": mask, "gateway": gateway}
        arguments.update(bad)
        with pytest.raises(ValueError, match="^Only IPv4 addresses supported$"):
            radio.set_ipv4_address(**arguments)
    radio.set_ipv4_address(ipv4=address, netmask=mask, gateway=gateway, ipv4_dns=gateway)
    assert radio.ipv4_address is None  # set, but the interface is down until joined
    radio.connect(device.network.ssid, device.network.password)
    assert str(radio.ipv4_address) == "192.168.1.50"


def test_a_static_address_without_a_gateway_is_a_wifi_error_not_a_crash(simulate) -> None:
    report, out = simulate(days=0.5, settings='WIFI_IPV4_ADDRESS = "192.168.1.50"\n')
    console = (out / "console.log").read_text()
    assert report["crashes"] == 0 and report["missed_slots"] == 0 and report["captures"] > 40
    assert "WIFI_IPV4_ADDRESS" in console and "Not a valid IP string" in console
    assert report["errors"]["wifi"] >= 1 and report["uploaded"] == 0


# ---- binascii, math, errno ----------------------------------------------------------------------


@pytest.mark.parametrize("version", ["9.2.8", "10.0.3", "10.1.0"])
def test_binascii_is_the_boards(awake, version: str) -> None:
    awake(version=version)
    assert not hasattr(binascii_, "Error")  # `except binascii.Error` is an AttributeError there
    assert binascii_.hexlify(b"\x01\xab") == b"01ab" and binascii_.hexlify("A") == b"41"
    assert binascii_.hexlify(b"\x01\xab", ":") == b"01:ab"
    assert binascii_.unhexlify("01aB") == b"\x01\xab" == binascii_.unhexlify(b"01ab")
    assert binascii_.crc32(b"123456789") == 0xCBF43926  # the CRC-32 check value, unsigned
    assert binascii_.crc32(b"6789", binascii_.crc32(b"12345")) == 0xCBF43926
    with pytest.raises(TypeError, match="^a bytes-like object is required$"):
        binascii_.crc32("123456789")
    with pytest.raises(TypeError, match="^object with buffer protocol required$"):
        binascii_.hexlify(12)
    old = version == "9.2.8"
    with pytest.raises(ValueError, match="^odd-length string$" if old else "^non-hex digit$") as odd:
        binascii_.unhexlify("abc")
    assert type(odd.value) is ValueError
    with pytest.raises(ValueError, match="^non-hex digit found$" if old else "^non-hex digit$"):
        binascii_.unhexlify("0g")
    if old:
        with pytest.raises(ValueError, match="^non-hex digit found$"):
            binascii_.unhexlify("01  02")
    else:
        assert binascii_.unhexlify("01  02") == b"\x01\x02"  # 10.x skips whitespace between pairs


def test_math_has_the_boards_names_and_c_results(awake) -> None:
    awake()
    for missing in (
        "log2",
        "log10",
        "expm1",
        "cosh",
        "sinh",
        "tanh",
        "acosh",
        "asinh",
        "atanh",
        "erf",
        "erfc",
        "gamma",
        "lgamma",
        "dist",
        "tau",
        "inf",
        "nan",
        "isclose",
        "factorial",
        "fsum",
        "gcd",
        "hypot",
        "prod",
        "comb",
    ):
        assert not hasattr(math_, missing), missing
    for present in (
        "e",
        "pi",
        "sqrt",
        "pow",
        "exp",
        "log",
        "cos",
        "sin",
        "tan",
        "acos",
        "asin",
        "atan",
        "atan2",
        "ceil",
        "copysign",
        "fabs",
        "floor",
        "fmod",
        "frexp",
        "ldexp",
        "modf",
        "isfinite",
        "isinf",
        "isnan",
        "trunc",
        "radians",
        "degrees",
    ):
        assert hasattr(math_, present), present
    assert single_bits(math_.pi) == 0x40490FD8  # single pi 0x40490fdb, two low bits dropped
    for value in (math_.sin(0.5), math_.radians(10), math_.degrees(1), math_.acos(0.3), math_.sqrt(2)):
        assert single_bits(value) & 3 == 0 and value != 0
    assert abs(math_.sin(0.5) - math.sin(0.5)) < 4e-7
    assert math.isnan(math_.asin(2)) and math.isnan(math_.acos(-1.5))  # no domain check there
    assert math.isnan(math_.sin(math.inf)) and math.isnan(math_.fmod(1, 0))
    assert math_.exp(1000) == math.inf and math_.exp(100) == math.inf  # single overflows at 88.7
    assert math_.pow(0, -1) == math.inf and math.isnan(math_.pow(-8, 1 / 3))
    for call in (
        lambda: math_.sqrt(-1),
        lambda: math_.log(0),
        lambda: math_.log(8, 1),
        lambda: math_.log(8, -2),
    ):
        with pytest.raises(ValueError, match="^math domain error$"):
            call()
    assert math_.floor(2.5) == 2 and type(math_.ceil(2.5)) is int and math_.trunc(-2.5) == -2
    with pytest.raises(OverflowError, match="^can't convert inf to int$"):
        math_.ceil(math.inf)
    with pytest.raises(ValueError, match="^can't convert NaN to int$"):
        math_.floor(math.nan)
    with pytest.raises(TypeError, match="^can't convert str to float$"):
        math_.sin("1")
    assert math_.ldexp(1, 2.5) == 4.0  # the exponent is read as a float and truncated


def test_the_sun_with_the_boards_math_stays_within_a_second(awake) -> None:
    """The firmware's sunrise arithmetic keeps its answers with single-precision, 30-bit math
    results (the rest of its float arithmetic stays 64-bit here: see Not modelled yet)."""
    awake()
    board = load_firmware_module("timelapse/sun.py")
    assert board.math is math_
    host = load_firmware_module("timelapse/sun.py", math=math)
    for latitude, longitude in ((52.37, 4.9), (-33.9, 18.4), (69.6, 18.9), (0.0, -78.5)):
        for days in range(20454, 20454 + 365, 29):
            ours, theirs = (
                board.solar_day(days, latitude, longitude),
                host.solar_day(days, latitude, longitude),
            )
            assert (ours is None) == (theirs is None)
            if ours:
                assert abs(ours[0] - theirs[0]) <= 1 and abs(ours[1] - theirs[1]) <= 1


NEWLIB = {
    "EPERM": 1,
    "ENOENT": 2,
    "EIO": 5,
    "EBADF": 9,
    "EAGAIN": 11,
    "ENOMEM": 12,
    "EACCES": 13,
    "EEXIST": 17,
    "ENODEV": 19,
    "EISDIR": 21,
    "EINVAL": 22,
    "ENOSPC": 28,
    "EROFS": 30,
    "EOPNOTSUPP": 95,
    "ECONNRESET": 104,
    "ENOBUFS": 105,
    "ECONNREFUSED": 111,
    "EADDRINUSE": 112,
    "ECONNABORTED": 113,
    "ETIMEDOUT": 116,
    "EHOSTUNREACH": 118,
    "EINPROGRESS": 119,
    "EALREADY": 120,
    "ENOTCONN": 128,
}  # newlib sys/errno.h


def test_errno_has_the_boards_24_names_with_newlib_numbers() -> None:
    names = {name: value for name, value in vars(errno_).items() if re.fullmatch("E[A-Z]+", name)}
    assert names == NEWLIB
    assert errno_.errorcode == {number: name for name, number in NEWLIB.items()}
    for absent in ("ENOTDIR", "EPIPE", "EHOSTDOWN", "ENETUNREACH", "EWOULDBLOCK"):
        assert not hasattr(errno_, absent)
    network = load_firmware_module("timelapse/network.py")
    assert network.ETIMEDOUT == errno_.ETIMEDOUT == 116  # type: ignore[attr-defined]
    error = board_error(116)
    assert type(error) is OSError and error.args == (116,) and str(error) == "[Errno 116] ETIMEDOUT"
    assert str(board_error(32)) == "32" and board_error(32).errno == 32  # no name on the board


def test_a_wake_imports_the_boards_errno_math_and_binascii(make_board) -> None:
    code = (
        "import binascii, errno, math\n"
        "print('board', errno.EHOSTUNREACH, hasattr(math, 'log10'), hasattr(binascii, 'Error'))\n"
    )
    device = make_board("imports", code)
    device.wake()
    assert "board 118 False False" in device.console.getvalue()


# ---- the audit ----------------------------------------------------------------------------------

OWN_PACKAGES = {"state", "timelapse"}
# Imported by the libraries only where the board lacks them (`try: ... except ImportError`, or
# the CPython branch of adafruit_connection_manager): never reached on the board.
NOT_ON_THE_BOARD = {"typing", "types", "circuitpython_typing", "socket"}


def is_builtin(module: str) -> bool:
    """Not the firmware's own packages, not a library from lib/: a module built into CircuitPython."""
    top = module.split(".")[0]
    return top not in OWN_PACKAGES and not top.startswith("adafruit_") and top not in NOT_ON_THE_BOARD


class BuiltinCalls(ast.NodeVisitor):
    """`module.attr.attr` chains (and names from `from module import name`) of built-in modules,
    with the bindings of each function's own imports; a chain stops at a call unless the call
    makes an object of a class (`rtc.RTC().datetime`)."""

    def __init__(self) -> None:
        self.scopes: list[dict[str, str]] = []
        self.found: set[str] = set()
        self.inside: set[int] = set()

    @staticmethod
    def _imports(scope_node: ast.AST) -> dict[str, str]:
        bound: dict[str, str] = {}
        stack = list(ast.iter_child_nodes(scope_node))
        while stack:
            node = stack.pop()
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                continue
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if is_builtin(alias.name):
                        top = alias.name.split(".")[0]
                        bound[alias.asname or top] = alias.name if alias.asname else top
            elif (
                isinstance(node, ast.ImportFrom)
                and node.level == 0
                and node.module
                and is_builtin(node.module)
            ):
                for alias in node.names:
                    bound[alias.asname or alias.name] = node.module + "." + alias.name
            stack.extend(ast.iter_child_nodes(node))
        return bound

    def visit_Module(self, node: ast.Module) -> None:
        self.scopes = [self._imports(node)]
        self.generic_visit(node)

    def visit_FunctionDef(self, node) -> None:
        self.scopes.append(self._imports(node))
        self.generic_visit(node)
        self.scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def _bound(self, name: str) -> str | None:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    def _chain(self, node: ast.AST) -> tuple[str | None, list[ast.AST]]:
        """The chain `node` ends, and the attribute nodes it is made of."""
        parts: list[str] = []
        inner: list[ast.AST] = []
        while True:
            if isinstance(node, ast.Attribute):
                parts.append(node.attr)
                inner.append(node)
                node = node.value
            elif isinstance(node, ast.Call) and isinstance(node.func, (ast.Attribute, ast.Name)):
                called = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
                parts = parts + ["()"] if called[:1].isupper() else []
                node = node.func
            else:
                break
        if not isinstance(node, ast.Name) or self._bound(node.id) is None:
            return None, []
        text = self._bound(node.id) or ""
        for part in reversed(parts):
            text += "()" if part == "()" else "." + part
        return text, inner

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if id(node) not in self.inside:
            chain, inner = self._chain(node)
            if chain:
                self.found.add(chain)
                self.inside.update(id(part) for part in inner)  # not calls of their own
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        bound = self._bound(node.id)
        if bound and "." in bound:
            self.found.add(bound)


def builtin_calls(files: list[Path]) -> dict[str, set[str]]:
    """API ("time.sleep", "rtc.RTC().datetime") -> the files that call it."""
    calls: dict[str, set[str]] = {}
    for file in files:
        visitor = BuiltinCalls()
        visitor.visit(ast.parse(file.read_text(), str(file)))
        for api in visitor.found:
            calls.setdefault(api, set()).add(file.name)
    return calls


def audit_table(text: str) -> dict[str, tuple[set[str], str]]:
    """The ledger's audit table (header `| module | APIs called | covered by |`): module ->
    (its APIs as written in backticks, the covered-by cell)."""
    lines = text.splitlines()
    start = next(
        i for i, line in enumerate(lines) if re.match(r"^\| module \| APIs called \| covered by \|$", line)
    )
    table: dict[str, tuple[set[str], str]] = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        module, apis, covered = (cell.strip() for cell in line.strip("|").split("|"))
        module = module.strip("`")
        assert module not in table, "one row per module: " + module
        table[module] = ({api.strip() for api in re.findall(r"`([^`]+)`", apis)}, covered)
    return table


def uncovered(calls: dict[str, set[str]], table: dict[str, tuple[set[str], str]]) -> list[str]:
    missing = []
    for api in sorted(calls):
        module, _, rest = api.partition(".")
        if module not in table or rest not in table[module][0]:
            missing.append("%s (in %s)" % (api, ", ".join(sorted(calls[api]))))
    return missing


def test_the_audit_finds_calls_through_imports_and_scopes(tmp_path: Path) -> None:
    """The collector itself, on a file whose answer is known."""
    source = tmp_path / "sample.py"
    source.write_text(
        "import time\nimport wifi as w\nfrom micropython import const\nfrom timelapse import ticks\n"
        "X = const(3)\n"
        "def f():\n    import rtc\n    rtc.RTC().datetime = (1,)\n    w.radio.connect('a')\n"
        "    time.sleep(1)\n    ticks.now()\n    return binascii.hexlify(b'').decode()\n"
        "def g():\n    rtc = 5\n    return rtc.real\n"
        "def h():\n    import binascii\n    return binascii.hexlify(b'').decode()\n"
    )
    assert set(builtin_calls([source])) == {
        "micropython.const",
        "rtc.RTC().datetime",
        "wifi.radio.connect",
        "time.sleep",
        "binascii.hexlify",
    }


def test_every_builtin_the_firmware_calls_has_a_row_in_the_audit_table() -> None:
    calls = builtin_calls(python_files())
    assert {"time.sleep", "os.stat", "wifi.radio.ap_info", "math.acos", "binascii.crc32"} <= set(calls)
    missing = uncovered(calls, audit_table(LEDGER.read_text()))
    assert not missing, "APIs the firmware calls with no row in docs/fidelity.md's audit table: " + "; ".join(
        missing
    )


def test_every_builtin_the_libraries_call_has_a_row_in_the_audit_table() -> None:
    calls = builtin_calls(libraries())
    assert {"time.monotonic_ns", "errno.EAGAIN"} <= set(calls)
    missing = uncovered(calls, audit_table(LEDGER.read_text()))
    assert not missing, "APIs the libraries call with no row in docs/fidelity.md's audit table: " + "; ".join(
        missing
    )


def test_a_new_call_to_an_unlisted_api_fails_the_audit(tmp_path: Path) -> None:
    source = tmp_path / "new.py"
    source.write_text("import os, gc\ndef f():\n    gc.collect()\n    return os.getcwd()\n")
    missing = uncovered(builtin_calls([source]), audit_table(LEDGER.read_text()))
    assert [entry.split(" ")[0] for entry in missing] == ["gc.collect", "os.getcwd"]


def test_every_covered_by_cell_names_tests_that_exist() -> None:
    """A row is covered by tests (file::name, which must exist) or says it is not modelled."""
    defined: dict[str, set[str]] = {}
    for row_module, (_, covered) in audit_table(LEDGER.read_text()).items():
        references = re.findall(r"(tests/[\w/]+\.py)::(\w+)", covered)
        assert references or "Not modelled yet" in covered, row_module
        for file, name in references:
            if file not in defined:
                tree = ast.parse((ROOT / file).read_text())
                defined[file] = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
            assert name in defined[file], "%s::%s (row %s)" % (file, name, row_module)


def test_the_vm_harness_sleeps_and_counts_ns_as_the_board(tmp_path: Path) -> None:
    """vmboard/cp_time.py holds MicroPython's `time` to the same rules."""
    from sim.vm import VMBoard

    board = VMBoard(tmp_path / "board", start_utc=1780300805)
    (board.circuitpy / "code.py").write_text("""
import alarm, time
def attempt(what):
    try:
        print(what())
    except Exception as e:
        print(type(e).__name__, e)
attempt(lambda: time.sleep("1"))
attempt(lambda: time.sleep(-0.002))
attempt(lambda: time.sleep(-0.001))
start = time.monotonic_ns()
time.sleep(0.02)
print(type(start).__name__, time.monotonic_ns() - start)
alarm.exit_and_deep_sleep_until_alarms(alarm.time.TimeAlarm(monotonic_time=time.monotonic() + 60))
""")
    result = board.wake()
    assert result.outcome == "sleep", result.console
    printed = result.console.strip().splitlines()
    assert printed[:3] == ["TypeError can't convert str to float", "ValueError seconds must be >= 0", "None"]
    kind, elapsed = printed[3].split()
    # 655 subticks (20 ms) between two reads, each read in whole subticks: 655 +- 1 subtick
    assert kind == "int" and abs(int(elapsed) - 655 * 1e9 / 32768) < 2 * 30518
