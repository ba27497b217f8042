"""Each wake imports like a fresh VM, whatever the host caches (issue 18).

sim/loader.py keeps specs, code objects and the device's top-level names from wake to wake, and
imports the board's and the device's modules without importlib's locks. None of that may show:
module state starts afresh at every wake, a file edited, added or removed between wakes is
seen (and an edited one compiled and charged again), and imports fail as CPython's do.
"""

from __future__ import annotations

import os
import sys
import types

from sim.device import Device
from tests.conftest import START

SLEEP = (
    "import alarm, time\n"
    "alarm.exit_and_deep_sleep_until_alarms(alarm.time.TimeAlarm(monotonic_time=time.monotonic() + 60))\n"
)


def wake(device: Device) -> str:
    """One wake that ends in deep sleep; what it printed."""
    before = len(device.console.getvalue())
    outcome, target = device.wake()
    assert outcome == "sleep", (outcome, target, device.console.getvalue()[before:])
    assert target is None or isinstance(target, float)
    device.sleep_until(target, START + 86400)
    return device.console.getvalue()[before:]


def add_package(device: Device, init: str = "", sub: str | None = None) -> None:
    """A package `pkg` on CIRCUITPY with its __init__.py and, when given, its module sub.py."""
    (device.folder / "pkg").mkdir()
    (device.folder / "pkg" / "__init__.py").write_text(init)
    if sub is not None:
        (device.folder / "pkg" / "sub.py").write_text(sub)


def compile_s(device: Device) -> float:
    return device.meter.seconds.get("compile", 0.0)


def test_module_state_starts_afresh_at_every_wake(make_board) -> None:
    code = (
        "import pkg.sub\nfrom pkg import sub\nimport libmod\n"
        "pkg.seen.append(1)\nsub.items.append(1)\nlibmod.count[0] += 1\n"
        "print('state', len(pkg.seen), len(sub.items), libmod.count[0], pkg.sub is sub)\n" + SLEEP
    )
    device = make_board("", code)
    add_package(device, "seen = []\n", "items = []\n")
    (device.folder / "lib" / "libmod.py").write_text("count = [0]\n")
    for _ in range(3):
        assert "state 1 1 1 True" in wake(device)
        assert set(device.wake_records[-1].imported) == {"alarm", "libmod", "pkg", "pkg.sub"}
        assert not {"pkg", "pkg.sub", "libmod", "alarm"} & set(sys.modules)


def test_a_module_edited_between_wakes_is_compiled_and_charged_again(make_board) -> None:
    device = make_board("", "import value\nprint('value', value.VALUE)\n" + SLEEP)
    module = device.folder / "lib" / "value.py"
    module.write_text("VALUE = 1\n")
    per_kB = device.profile["cpu"]["compile_s_per_kB"]

    spent = compile_s(device)
    assert "value 1" in wake(device)
    first = compile_s(device) - spent

    module.write_text("VALUE = 2\n")  # the same size: only the modification time tells
    stat = module.stat()
    os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    spent = compile_s(device)
    assert "value 2" in wake(device)
    assert compile_s(device) - spent == first  # charged again, as much

    module.write_text("VALUE = 3\n" + "#" * 2048 + "\n")
    spent = compile_s(device)
    assert "value 3" in wake(device)
    assert abs((compile_s(device) - spent) - (first + 2049 / 1024 * per_kB)) < 1e-9


def test_a_module_added_or_removed_between_wakes_is_seen(make_board) -> None:
    code = "try:\n    import extra\n    print('extra', extra.X)\nexcept ImportError as e:\n    print('none', e)\n"
    device = make_board("", code + SLEEP)
    assert "none No module named 'extra'" in wake(device)
    (device.folder / "lib" / "extra.py").write_text("X = 5\n")
    assert "extra 5" in wake(device)
    package = device.folder / "extra"  # CIRCUITPY before lib/
    package.mkdir()
    (package / "__init__.py").write_text("X = 6\n")
    assert "extra 6" in wake(device)
    # Only the package's folder changes: without __init__.py it is no package, lib/'s module wins.
    (package / "__init__.py").unlink()
    assert "extra 5" in wake(device)
    (package / "__init__.py").write_text("X = 7\n")
    assert "extra 7" in wake(device)
    (device.folder / "lib" / "extra.py").unlink()
    assert "extra 7" in wake(device)
    assert device.wake_records[-1].imported == ["alarm", "extra"]


def test_imports_fail_as_cpython_s_do(make_board) -> None:
    code = (
        "for _ in range(2):\n"
        "    try:\n        import broken\n    except ZeroDivisionError:\n        print('broken raised')\n"
        "try:\n    from pkg import missing\nexcept ImportError as e:\n    print('from:', e)\n"
        "try:\n    import pkg.nothere\nexcept ImportError as e:\n    print('sub:', type(e).__name__, e)\n"
        "try:\n    import plain.sub\nexcept ImportError as e:\n    print('plain:', e)\n"
        "try:\n    import cycle_a\nexcept ImportError as e:\n    print('cycle:', e)\n" + SLEEP
    )
    device = make_board("", code)
    (device.folder / "broken.py").write_text("print('broken body')\n1 / 0\n")
    add_package(device)
    (device.folder / "plain.py").write_text("")
    (device.folder / "cycle_a.py").write_text("import cycle_b\nX = 1\n")
    (device.folder / "cycle_b.py").write_text("from cycle_a import X\n")
    out = wake(device)
    assert out.count("broken body") == 2 and out.count("broken raised") == 2  # not kept half-made
    assert "from: cannot import name 'missing' from 'pkg'" in out
    assert "sub: ModuleNotFoundError No module named 'pkg.nothere'" in out
    assert "plain: No module named 'plain.sub'; 'plain' is not a package" in out
    assert "cycle: cannot import name 'X' from partially initialized module 'cycle_a'" in out


def test_modules_carry_importlib_s_attributes(make_board) -> None:
    code = (
        "import pkg.sub\n"
        "for m in (pkg, pkg.sub):\n"
        "    print('attrs', m.__name__, m.__package__, m.__spec__.name, m.__file__.endswith('.py'),"
        " getattr(m, '__path__', None), m.__cached__.endswith('.pyc'), type(m.__loader__).__name__)\n" + SLEEP
    )
    device = make_board("", code)
    add_package(device, sub="")
    out = wake(device)
    folder = str(device.folder / "pkg")
    assert f"attrs pkg pkg pkg True {[folder]} True DeviceLoader" in out
    assert "attrs pkg.sub pkg pkg.sub True None True DeviceLoader" in out


def test_host_copies_are_set_aside_for_the_wake_and_restored(make_board, monkeypatch) -> None:
    host = types.ModuleType("libmod")
    host.count = [100]  # type: ignore[attr-defined]
    package, submodule = types.ModuleType("pkg"), types.ModuleType("pkg.sub")
    package.__path__ = []
    for module in (host, package, submodule):
        monkeypatch.setitem(sys.modules, module.__name__, module)
    code = "import libmod, pkg.sub\nprint('count', libmod.count[0], pkg.sub.VALUE)\n"
    device = make_board("", code + SLEEP)
    (device.folder / "lib" / "libmod.py").write_text("count = [0]\n")
    add_package(device, sub="VALUE = 'device'\n")
    assert "count 0 device" in wake(device)
    assert sys.modules["libmod"] is host and host.count == [100]
    assert sys.modules["pkg"] is package and sys.modules["pkg.sub"] is submodule
