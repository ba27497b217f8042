"""timelapse.config: the TOML subset equals tomllib inside the subset, and names the line or the
key of everything outside it or invalid."""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timelapse import config

ROOT = Path(__file__).resolve().parent.parent
DESIGN_EXAMPLE = (ROOT / "docs" / "design.md").read_text().split("```toml")[1].split("```")[0]


def plain(value):
    """adafruit_datetime objects as the datetime objects tomllib gives."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if type(value).__module__ == "adafruit_datetime":
        if hasattr(value, "year"):
            return dt.datetime(
                value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond
            )
        return dt.time(value.hour, value.minute, value.second, value.microsecond)
    return value


# -- documents inside the subset ----------------------------------------------------------------

keys = st.text("abcdefghijklmnopqrstuvwxyzABCXYZ0123456789_-", min_size=1, max_size=8)
strings = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
floats = st.floats(allow_nan=False, allow_infinity=False, width=64)
datetimes = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1))
times = st.times()
scalars = st.one_of(strings, st.integers(-(2**62), 2**62), floats, st.booleans(), datetimes, times)
values = st.one_of(scalars, st.lists(scalars, max_size=4))


def toml_string(text: str) -> str:
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append("\\u%04x" % ord(char))
        elif ord(char) > 0xFFFF:
            out.append("\\U%08x" % ord(char))
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (int, dt.datetime, dt.time)):
        return value.isoformat() if not isinstance(value, int) else str(value)
    return "[" + ", ".join(toml_value(v) for v in value) + "]"


documents = st.tuples(
    st.dictionaries(keys, values, max_size=4),
    st.dictionaries(keys, st.dictionaries(keys, values, max_size=4), max_size=3),
)


def render(document) -> str:
    top, tables = document
    lines = ["# generated"] + [f"{k} = {toml_value(v)}  # comment" for k, v in top.items()]
    for name, table in tables.items():
        if name in top:
            continue
        lines.append(f"\n[{name}]")
        lines += [f"{k}={toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


@settings(max_examples=300, derandomize=True, deadline=None)
@given(documents)
def test_parses_exactly_what_tomllib_parses(document) -> None:
    text = render(document)
    expected = tomllib.loads(text)
    assert plain(config.parse_toml(text)) == expected


def test_shipped_and_design_examples_match_tomllib() -> None:
    shipped = (ROOT / "firmware" / "camconfig.toml").read_text()
    for text in (shipped, DESIGN_EXAMPLE):
        assert plain(config.parse_toml(text)) == tomllib.loads(text)


VALID_TOML_OUTSIDE_THE_SUBSET = {
    "inline tables",
    "literal strings",
    "multi-line strings",
    "offset date-times",
    "dates alone",
    "dotted keys",
    "arrays of tables",
    "close on the line",
    "decimal",
}


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("a = {b = 1}", 1, "inline tables"),
        ("a = 'x'", 1, "literal strings"),
        ('a = """x"""', 1, "multi-line strings"),
        ("a = 2026-04-01T00:00:00Z", 1, "offset date-times"),
        ("a = 2026-04-01T00:00:00+01:00", 1, "offset date-times"),
        ("a = 2026-04-01", 1, "dates alone"),
        ("\n\na.b = 1", 3, "dotted keys"),
        ("x = 1\nx = 2", 2, "defined twice"),
        ("[t]\n[t]", 2, "defined twice"),
        ("[[t]]", 1, "arrays of tables"),
        ("a = [1,\n 2]", 1, "close on the line"),
        ("a = 0x10", 1, "decimal"),
        ("a = 01", 1, "leading zeros"),
        ("a = 1__0", 1, "not a number"),
        ('a = "\\q"', 1, "unknown escape"),
        ('a = "open', 1, "unterminated"),
        ("a = 2026-02-30T00:00:00", 1, "no such date"),
        ("a = 25:00:00", 1, "out of range"),
        ("a = 1 2", 1, "unexpected text"),
        ("= 1", 1, "expected a key"),
        ("a 1", 1, "expected '='"),
        ("a = nope", 1, "not a value"),
    ],
)
def test_outside_the_subset_is_an_error_naming_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(ValueError, match=f"^line {line}: .*{words}"):
        config.parse_toml(text)
    if words in VALID_TOML_OUTSIDE_THE_SUBSET:
        tomllib.loads(text)  # real TOML, just not what the board parses
    else:
        with pytest.raises(tomllib.TOMLDecodeError):
            tomllib.loads(text)


def test_design_example_loads_to_normalized_values() -> None:
    cfg = config.load(DESIGN_EXAMPLE)
    assert cfg["camera"] == {
        "id": "CAM1",
        "frame_size": "SVGA",
        "jpeg_quality": 10,
        "rotate": 0,
        "warmup_frames": 2,
    }
    sched = cfg["schedule"]
    assert sched["interval"] == 600 and sched["night_interval"] == 3600
    assert sched["active_hours"] == [360, 1200] and sched["utc_offset"] == 3600
    assert sched["start"] == int(dt.datetime(2026, 4, 1, tzinfo=dt.UTC).timestamp())
    assert sched["stop"] == int(dt.datetime(2026, 10, 31, 23, 59, 59, tzinfo=dt.UTC).timestamp())
    assert cfg["upload"]["max_delay"] == 7200 and cfg["upload"]["awake_budget"] == 40
    assert cfg["upload"]["window"] == [420, 1140]
    assert cfg["time"] == {"max_error": 5, "max_interval": 7 * 86400, "ntp_server": "pool.ntp.org"}
    assert cfg["power"]["marker_pin"] == "D1" and cfg["power"]["wake_pin"] is None
    assert config.load("") == config.load("[camera]\n[schedule]\n")  # defaults everywhere


@pytest.mark.parametrize(
    "text, key",
    [
        ('[camera]\nframe_size = "BIG"', "camera.frame_size"),
        ("[camera]\njpeg_quality = 64", "camera.jpeg_quality"),
        ('[camera]\njpeg_quality = "ten"', "camera.jpeg_quality"),
        ("[camera]\nrotate = 90", "camera.rotate"),
        ('[camera]\nid = "my cam"', "camera.id"),
        ('[schedule]\ninterval = "0m"', "schedule.interval"),
        ('[schedule]\ninterval = "10x"', "schedule.interval"),
        ("[schedule]\ninterval = -5", "schedule.interval"),
        ("[schedule]\nlatitude = 200", "schedule.latitude"),
        ('[schedule]\ndaylight = "yes"', "schedule.daylight"),
        ("[schedule]\ndaylight = true", "schedule.daylight"),
        ('[schedule]\nactive_hours = ["25:00", "06:00"]', "schedule.active_hours"),
        ('[schedule]\nactive_hours = ["7:00", "06:00"]', "schedule.active_hours"),
        ('[schedule]\nutc_offset = "+15:00"', "schedule.utc_offset"),
        ("[schedule]\nstart = 2026-05-01T00:00:00\nstop = 2026-04-01T00:00:00", "schedule.stop"),
        ('[schedule]\nintervall = "10m"', "schedule.intervall"),
        ('[upload]\nwindow = ["07:00", "25:00"]', "upload.window"),
        ('[upload]\npath = "/x/{nope}/{name}"', "upload.path"),
        ("[upload]\nbatch_size = true", "upload.batch_size"),
        ("[power]\ncritical_battery_v = 3.6", "power.critical_battery_v"),
        ('[power]\nbattery_pin = "a0"', "power.battery_pin"),
        ('[cameras]\nid = "x"', "cameras"),
    ],
)
def test_invalid_values_name_their_key(text: str, key: str) -> None:
    with pytest.raises(ValueError, match=key.replace(".", r"\.")):
        config.load(text)


def test_durations_and_clock_times() -> None:
    assert [config.parse_duration(v, "k") for v in ("90s", "10m", "2h", "7d", 45)] == [
        90,
        600,
        7200,
        604800,
        45,
    ]
    assert config.parse_clock("06:30", "k") == 390 and config.parse_clock("23:59", "k") == 1439
    assert math.isfinite(config.fingerprint("a = 1")) and config.fingerprint("a = 1") != config.fingerprint(
        "a = 2"
    )
