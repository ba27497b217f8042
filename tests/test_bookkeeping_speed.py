"""The host's shortcuts of issue 18 give what the plain ways give.

A device module is made without importlib.util.module_from_spec, the board's json.dumps rounds
floats only in the containers that hold them, the daily ledger looks a day up once per day, a
listing already sorted is not sorted again, host_path keeps the device folder's text. Each is
checked against the plain way or against figures worked out by hand.
"""

from __future__ import annotations

import errno
import importlib.util
import json
import math
import random
import zlib
from pathlib import Path
from types import SimpleNamespace

import pytest

from sim import ledger, loader
from sim.circuitpython import json_, os_
from sim.ledger import DAY


def test_a_device_module_has_module_from_spec_s_attributes_in_its_order(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "sub.py").write_text("")
    (tmp_path / "plain.py").write_text("")
    search = (str(tmp_path),)
    specs = [loader._device_spec("pkg", search), loader._device_spec("plain", search)]
    specs.append(loader._device_spec("pkg.sub", (str(tmp_path / "pkg"),)))
    for spec in specs:
        assert spec is not None
        for _ in range(2):  # the attributes taken at the first, reused at the second
            made = spec.loader.new_module(spec)  # type: ignore[union-attr]
            plain = importlib.util.module_from_spec(spec)
            assert list(vars(made).items()) == list(vars(plain).items())
            assert made.__spec__ is spec and made.__loader__ is spec.loader
    package = specs[0].loader.new_module(specs[0])  # type: ignore[union-attr,union-attr]
    assert package.__path__ == [str(tmp_path / "pkg")]
    assert package.__path__ is not specs[0].submodule_search_locations  # type: ignore[union-attr]


def _rounded_everywhere(value):
    """The plain way: every container rebuilt, every finite float through "%.6g"."""
    if isinstance(value, float):
        return float("%.6g" % value) if math.isfinite(value) else value
    if isinstance(value, dict):
        return {key: _rounded_everywhere(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rounded_everywhere(item) for item in value]
    return value


def test_json_dumps_rounds_floats_to_six_digits_wherever_they_are() -> None:
    value: dict = {"a": 1.23456789, "b": [1, (2.5e-7, "x")], "c": {"d": True, "e": None}, "f": (1, 2)}
    assert (
        json_.dumps(value)
        == '{"a": 1.23457, "b": [1, [2.5e-07, "x"]], "c": {"d": true, "e": null}, "f": [1, 2]}'
    )
    assert value["a"] == 1.23456789 and value["b"][1] == (2.5e-7, "x")  # not changed in place
    assert json_.dumps([123456789.0, math.inf, 0.1], separators=(",", ":")) == "[123457000.0,Infinity,0.1]"


def test_json_dumps_matches_the_plain_way_on_random_records() -> None:
    rng = random.Random(18)

    def make(depth: int):
        kind = rng.randrange(8 if depth < 4 else 5)
        if kind == 0:
            return rng.uniform(-1e9, 1e9) * 10 ** rng.randint(-12, 3)
        if kind == 1:
            return rng.randint(-(2**40), 2**40)
        if kind == 2:
            return rng.choice(["", "1.2345678", "x", True, False, None])
        if kind == 3:
            return rng.choice([math.nan, -math.inf, 0.0, -0.0, 1e300])
        if kind == 4:
            return "s%d" % rng.randrange(100)
        if kind == 5:
            return {"k%d" % i: make(depth + 1) for i in range(rng.randrange(5))}
        if kind == 6:
            return [make(depth + 1) for _ in range(rng.randrange(5))]
        return tuple(make(depth + 1) for _ in range(rng.randrange(5)))

    for _ in range(500):
        value = make(0)
        before = repr(value)
        assert json_.dumps(value) == json.dumps(_rounded_everywhere(value))
        assert repr(value) == before


def _trace_device(trace, captures=(), wakes=(), ended=False, now=0.0):
    return SimpleNamespace(
        ended=ended,
        clock=SimpleNamespace(true=now),
        meter=SimpleNamespace(trace=list(trace)),
        capture_times=[(t, t, "x.jpg") for t in captures],
        wake_records=[SimpleNamespace(start=t, uploads=1, syncs=0) for t in wakes],
    )


def test_the_daily_ledger_cuts_stretches_at_midnight() -> None:
    start = 20000 * DAY  # 2024-10-04 00:00 UTC
    trace = [
        (start + 100.0, 3600.0, 36.0, "sleep"),  # 36 mAh on day 1
        (start + DAY - 1800.0, 3600.0, 3.6, "wifi"),  # 1.8 mAh on day 1, 1.8 on day 2
        (start + DAY + 10.0, 0.5, 7200.0, "camera"),  # 1 mAh on day 2
        (start + 50.0, 36.0, 100.0, "sleep"),  # out of order: 1 mAh back on day 1
        (start + 2 * DAY - 10.0, DAY + 20.0, 3.6, "boot"),  # 10 s (0.01 mAh), a whole day, 10 s
    ]
    device = _trace_device(trace, captures=[start + 5.0, start + DAY + 5.0], wakes=[start + 1.0])
    days = ledger.daily(device, start, start + 4 * DAY)
    assert [day["date"] for day in days] == ["2024-10-04", "2024-10-05", "2024-10-06", "2024-10-07"]
    one, two, three, four = days
    assert one["charge_mAh"] == pytest.approx(38.8) and two["charge_mAh"] == pytest.approx(2.81)
    assert one["per_phase_mAh"] == pytest.approx({"sleep": 37.0, "wifi": 1.8})
    assert two["per_phase_mAh"] == pytest.approx({"wifi": 1.8, "camera": 1.0, "boot": 0.01})
    assert three["per_phase_mAh"] == pytest.approx({"boot": 86.4})
    assert four["per_phase_mAh"] == pytest.approx({"boot": 0.01})
    assert [day["seconds"] for day in days] == [DAY] * 4
    assert [day["captures"] for day in days] == [1, 1, 0, 0] and one["wakes"] == 1 and one["uploads"] == 1


def _daily_plainly(trace, start, stop):
    """The plain way: each piece of each stretch looks its day up."""
    days: dict[int, dict] = {}

    def day_at(t: float) -> dict:
        return days.setdefault(int(t // DAY), {"seconds": 0.0, "charge_mAh": 0.0, "per_phase_mAh": {}})

    t = start
    while t < stop:
        upto = min(stop, (t // DAY + 1) * DAY)
        day_at(t)["seconds"] += upto - t
        t = upto
    for begin, seconds, mA, phase in trace:
        t, finish = begin, begin + seconds
        while t < finish:
            upto = min(finish, (t // DAY + 1) * DAY)
            day = day_at(t)
            mAh = (upto - t) * mA / 3600
            day["charge_mAh"] += mAh
            day["per_phase_mAh"][phase] = day["per_phase_mAh"].get(phase, 0.0) + mAh
            t = upto
    return [days[number] for number in sorted(days)]


def test_the_daily_ledger_adds_as_the_plain_way_to_the_last_bit() -> None:
    rng = random.Random(7)
    start = 1_700_000_000.0
    trace, t = [], start
    for _ in range(5000):
        t += rng.choice([0.0, rng.uniform(0, 2), rng.uniform(0, 20000)])
        seconds = rng.choice([rng.uniform(1e-4, 3), rng.uniform(0, 60000)])
        trace.append((t, seconds, rng.uniform(0.01, 400), rng.choice("abcd")))
        if rng.random() < 0.01:
            t -= rng.uniform(0, 2 * DAY)  # now and then out of order
    stop = t + DAY
    days = ledger.daily(_trace_device(trace), start, stop)
    plain = _daily_plainly(trace, start, stop)
    assert len(days) == len(plain)
    for day, expected in zip(days, plain, strict=True):
        assert day["seconds"] == expected["seconds"]
        assert day["charge_mAh"] == expected["charge_mAh"]  # the same sums, in the same order
        assert day["per_phase_mAh"] == expected["per_phase_mAh"]


def _slot_order(names):
    return sorted(names, key=lambda name: (zlib.crc32(name.encode()), name))


def test_a_listing_comes_in_slot_order_however_often_it_is_asked() -> None:
    names = ["CAM_%06d_20250101T0000%02d.jpg" % (seq, seq % 60) for seq in range(1000)] + ["a.tmp", "b"]
    random.Random(3).shuffle(names)
    first = os_._in_slot_order(names)
    assert first == _slot_order(names)
    first.reverse()  # the caller's list: the next answer is not changed by it
    assert os_._in_slot_order(list(names)) == _slot_order(names)
    assert os_._in_slot_order(list(reversed(names))) == _slot_order(names)  # the host's order differs
    fewer = names[1:]
    assert os_._in_slot_order(fewer) == _slot_order(fewer)
    for count in range(20):  # more folders than it remembers
        some = names[count : count + 50]
        assert os_._in_slot_order(some) == _slot_order(some)
    assert os_._in_slot_order(names + ["new.jpg"]) == _slot_order(names + ["new.jpg"])
    assert os_._in_slot_order([]) == []


def test_host_path_keeps_board_paths_inside_the_device_folder(make_board) -> None:
    device = make_board("", "")
    folder = str(device.folder)
    assert device.host_path("/") == folder
    assert device.host_path("") == folder
    assert device.host_path("/sd/timelapse/000") == folder + "/sd/timelapse/000"
    assert device.host_path("sd//a/./b/../c.jpg") == folder + "/sd/a/c.jpg"
    assert device.host_path(Path("lib/x.py")) == folder + "/lib/x.py"
    assert device.host_path("sd/..") == folder
    for outside in ("..", "/../x", "sd/../../x"):
        with pytest.raises(OSError) as raised:
            device.host_path(outside)
        assert raised.value.errno == errno.ENOENT
    assert device.on_card(folder + "/sd") and device.on_card(folder + "/sd/x.jpg")
    assert not device.on_card(folder + "/sdx") and not device.on_card(folder + "/code.py")
