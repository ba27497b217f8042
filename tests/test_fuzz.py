"""Fuzzing of the firmware's input decoders: camconfig.toml and the state records.

A camera in a field reads two kinds of input nobody checks for it: a camconfig.toml typed by a
user, and memory images that a brown-out or a cosmic ray may have garbled. Neither may crash the
wake or be misread in silence. Each fuzzer is bounded for CI (derandomize=True: the same examples
every run). Examples per fuzzer (the CI figure):

- parse_toml == tomllib on generated documents inside the subset: 300
- parse_toml on arbitrary text, TOML token soup and malformed values: 400;
  on mutated camconfig.toml (1-4 character edits): 400
- config.load with random values for one key: 300; for several keys at once: 150
- State.load on random memory images: 100; on well-formed headers over garbage: 100;
  intact records round-trip (NVM or the card's copy): 100; a single flipped bit in sleep
  memory: 100, in NVM: 100;
  intact records holding arbitrary JSON: 100

In total 2250 examples, about 13 s on the development machine (2 cores), plus pytest start-up.
"""

from __future__ import annotations

import binascii
import datetime as dt
import json
import math
import random
import re
import struct
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from state import record, store
from timelapse import config

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = (ROOT / "firmware" / "camconfig.toml").read_text()
SLEEP_SIZE = 4096
NVM_SIZE = 8192


def fuzz(examples: int):
    """Bounded and reproducible: the same examples on every CI run."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def exact(value):
    """A form where == is exact: ints never equal floats, nan equals nan, -0.0 is not 0.0, and
    adafruit_datetime objects compare with the datetime objects tomllib returns."""
    if isinstance(value, dict):
        return {key: exact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [exact(item) for item in value]
    if isinstance(value, float):
        return ("float", repr(value))
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        return ("int", value)
    if hasattr(value, "hour"):
        fields = ("year", "month", "day", "hour", "minute", "second", "microsecond")
        return (type(value).__name__,) + tuple(getattr(value, f) for f in fields if hasattr(value, f))
    return (type(value).__name__, value)


# -- 1. documents inside the subset, rendered in every spelling the subset allows ---------------
# Hypothesis builds the data (tables, keys, values); a seeded Random it also draws picks the
# spelling (blanks, comments, escapes, underscores, exponents, separators), which keeps the
# examples cheap to generate.

SHORT_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}
unicode_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=10)


def must_escape(char: str) -> bool:
    return char in '"\\' or (ord(char) < 0x20 and char != "\t") or ord(char) == 0x7F


def escape(char: str, rnd: random.Random) -> str:
    spellings = ["\\U" + format(ord(char), "08" + rnd.choice("xX"))]
    if ord(char) <= 0xFFFF:
        spellings.append("\\u" + format(ord(char), "04" + rnd.choice("xX")))
    if char in SHORT_ESCAPES:
        spellings.append(SHORT_ESCAPES[char])
    return rnd.choice(spellings)


def basic_string(text: str, rnd: random.Random, escape_rate: float = 0.25) -> str:
    """Any Unicode text as a basic string: each character raw where allowed, or escaped."""
    return (
        '"'
        + "".join(escape(c, rnd) if must_escape(c) or rnd.random() < escape_rate else c for c in text)
        + '"'
    )


def underscores(digits: str, rnd: random.Random) -> str:
    """Underscores between digits, as TOML allows."""
    return digits[:1] + "".join(("_" if rnd.random() < 0.2 else "") + c for c in digits[1:])


def spell_digits(text: str, rnd: random.Random) -> str:
    """Underscores inside every run of digits of a number."""
    return re.sub(r"\d+", lambda run: underscores(run.group(), rnd), text)


def float_spelling(number: float, rnd: random.Random) -> str:
    if math.isnan(number) or math.isinf(number):
        text = repr(abs(number)) if math.isinf(number) else "nan"
        sign = "-" if number < 0 else rnd.choice(["", "+"])
        return sign + text
    precision = rnd.randint(0, 17)
    text = rnd.choice(
        [
            repr(number),
            "%.*e" % (precision, number),
            "%.*E" % (precision, number),
            "%.*f" % (precision, number) if abs(number) < 1e15 else repr(number),
        ]
    )
    if "." not in text and "e" not in text.lower():
        text += ".0"  # %.0f of a whole number
    if not text.startswith("-") and rnd.random() < 0.3:
        text = "+" + text
    return spell_digits(text, rnd)


def time_spelling(moment, rnd: random.Random) -> str:
    text = moment.strftime("%H:%M:%S")
    fraction = "%06d" % moment.microsecond
    choice = rnd.randint(0, 3)
    if choice == 1 or moment.microsecond and choice == 0:
        text += "." + (fraction.rstrip("0") or "0")
    elif choice >= 2:
        text += "." + fraction + "".join(rnd.choice("0123456789") for _ in range(rnd.randint(0, 3)))
    return text


def spell(value, rnd: random.Random) -> str:
    """One TOML spelling of a value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return basic_string(value, rnd)
    if isinstance(value, int):
        sign = "-" if value < 0 else rnd.choice(["", "", "+"])
        return sign + underscores(str(abs(value)), rnd)
    if isinstance(value, float):
        return float_spelling(value, rnd)
    if isinstance(value, dt.datetime):
        return "%04d-%02d-%02d%s%s" % (
            value.year,
            value.month,
            value.day,
            rnd.choice("Tt "),
            time_spelling(value, rnd),
        )
    if isinstance(value, dt.time):
        return time_spelling(value, rnd)
    items = [blank(rnd) + spell(item, rnd) + blank(rnd) for item in value]
    trailing = "," + blank(rnd) if items and rnd.random() < 0.3 else ""
    return "[" + blank(rnd) + ",".join(items) + trailing + "]"


def blank(rnd: random.Random) -> str:
    return rnd.choice(["", "", " ", "  ", "\t", " \t"])


def comment(rnd: random.Random) -> str:
    """'#' and text without control characters (tab allowed), as TOML comments must be."""
    chars = ["x", " ", "\t", "#", "é", "😀", "=", "]", '"']
    return "#" + "".join(rnd.choice(chars) for _ in range(rnd.randint(0, 6)))


def key_spelling(name: str, rnd: random.Random) -> str:
    """The name as a bare key where it can be one, else (or sometimes anyway) quoted."""
    if name and all(char in config.BARE for char in name) and rnd.random() < 0.75:
        return name
    return basic_string(name, rnd, escape_rate=0.1)


scalars = st.one_of(
    unicode_text,
    st.integers(-(2**70), 2**70),
    st.floats(),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1, 1, 1)),
    st.times(),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4), max_leaves=8)
names = st.text(config.BARE, min_size=1, max_size=6) | unicode_text
tables = st.dictionaries(names, values, max_size=3)
spellings = st.randoms(use_true_random=False)
value_text = st.builds(spell, values, spellings)


def render(top: dict, named: dict, rnd: random.Random) -> str:
    """The document as TOML: root keys, then one [table] each, in the spelling rnd picks."""
    lines = []

    def pairs(table):
        for name, value in table.items():
            remark = blank(rnd) + comment(rnd) if rnd.random() < 0.25 else ""
            lines.append(
                blank(rnd)
                + key_spelling(name, rnd)
                + blank(rnd)
                + "="
                + blank(rnd)
                + spell(value, rnd)
                + blank(rnd)
                + remark
            )
            if rnd.random() < 0.2:
                lines.append(blank(rnd) + rnd.choice(["", comment(rnd)]))

    pairs(top)
    for name, table in named.items():
        if name not in top:
            lines.append(
                blank(rnd)
                + "["
                + blank(rnd)
                + key_spelling(name, rnd)
                + blank(rnd)
                + "]"
                + blank(rnd)
                + (comment(rnd) if rnd.random() < 0.2 else "")
            )
            pairs(table)
    newline = rnd.choice(["\n", "\r\n"])
    return newline.join(lines) + rnd.choice(["", newline])


@fuzz(300)
@given(tables, st.dictionaries(names, tables, max_size=3), spellings)
def test_subset_documents_parse_exactly_as_tomllib(top: dict, named: dict, rnd: random.Random) -> None:
    text = render(top, named, rnd)
    assert exact(config.parse_toml(text)) == exact(tomllib.loads(text))


# -- 2. anything else: the same result as tomllib, or an error naming a line of the text -------

TOML_CHARS = "[]=\"#.,\n\r\t -+_:eE0123456789TZtrufalsenix\\'{}.u"
TOKENS = [
    "a",
    "b",
    " ",
    "\t",
    " = ",
    "=",
    "[",
    "]",
    ",",
    "#",
    '"',
    "\\",
    "\\u00e9",
    "\\U0001F600",
    "1",
    "0",
    "_",
    ".",
    "e",
    "E",
    "+",
    "-",
    ":",
    "T",
    " ",
    "Z",
    "true",
    "false",
    "nan",
    "inf",
    "2026-04-01",
    "12:00:00",
    ".5",
    "\n",
    "\r\n",
    "\r",
    "'",
    "{",
    "}",
    "\x00",
    "\x7f",
    "é",
    "[t]",
    "a = 1\n",
]
VALUE_TOKENS = list('0123456789+-._eE:T ,[]"#') + [
    "0",
    "1",
    "00",
    "12",
    "inf",
    "nan",
    "true",
    "2026-04-01",
    "12:00:00",
    "\\n",
]
value_soup = st.lists(st.sampled_from(VALUE_TOKENS), min_size=1, max_size=10).map("".join)
noise = (
    st.text(st.sampled_from(TOML_CHARS) | st.characters(codec="utf-8"), max_size=60)
    | st.lists(st.sampled_from(TOKENS), max_size=24).map("".join)
    | st.lists(value_soup.map("a = ".__add__), min_size=1, max_size=3).map("\n".join)
)


def parses_like_tomllib_or_names_a_line(text: str) -> None:
    """Never a silent misparse, never an exception other than ValueError('line N: ...')."""
    try:
        expected = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        expected = None
    try:
        got = config.parse_toml(text)
    except ValueError as error:
        found = re.match(r"line (\d+): ", str(error))
        assert found, "error does not name the line: %r" % str(error)
        assert 1 <= int(found.group(1)) <= len(text.replace("\r\n", "\n").split("\n"))
        return
    assert expected is not None, "parse_toml accepted what tomllib rejects: %r" % got
    assert exact(got) == exact(expected)


@fuzz(400)
@given(noise)
def test_arbitrary_text_parses_like_tomllib_or_names_a_line(text: str) -> None:
    parses_like_tomllib_or_names_a_line(text)


mutation = st.tuples(
    st.sampled_from(["insert", "delete", "replace"]),
    st.integers(0, len(SHIPPED)),
    st.sampled_from(TOML_CHARS) | st.characters(codec="utf-8"),
)


@fuzz(400)
@given(st.lists(mutation, min_size=1, max_size=4))
def test_mutated_camconfig_parses_like_tomllib_or_names_a_line(edits) -> None:
    text = SHIPPED
    for kind, at, char in edits:
        at = min(at, len(text))
        if kind == "insert":
            text = text[:at] + char + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + 1 :]
        else:
            text = text[:at] + char + text[at + 1 :]
    parses_like_tomllib_or_names_a_line(text)


@pytest.mark.parametrize("text", ["a = 1+2", "a = 12-3", "a = [1_0-2]", "a = 0000-01-01T00:00:00"])
def test_fuzz_findings_are_errors_naming_the_line(text: str) -> None:
    """Found by these fuzzers: int() and adafruit_datetime raised without the line."""
    with pytest.raises(ValueError, match="^line 1: "):
        config.parse_toml(text)


# -- 3. config.load: any value for any key is a configuration or an error naming the key -------

SCHEMA_KEYS = [(table, key) for table, keys in config.SCHEMA.items() for key in keys]
plausible = st.sampled_from(
    [
        '"10m"',
        '"90s"',
        '"0h"',
        '"7d"',
        '"-5s"',
        '"10x"',
        '"06:00"',
        '"24:00"',
        '"+01:00"',
        '"-12:30"',
        '"+14:01"',
        '"Z"',
        '"A0"',
        '"a0"',
        '"SVGA"',
        '"/x/{id}/{name}"',
        '"/x/{nope}/{name}"',
        '"x{name}"',
        '"pool.ntp.org"',
        '"a b"',
        '""',
        "0",
        "180",
        "90",
        "-1",
        "2",
        "63",
        "1000",
        "1001",
        "3.5",
        "nan",
        "-inf",
        "0.0",
        "1e400",
        '["06:00", "20:00"]',
        '["06:00", "06:00"]',
        "[06:00:00, 20:00:00]",
        '["06:00"]',
        "[1, 2]",
        "[]",
        "2026-04-01T00:00:00",
        "0001-01-01T00:00:00",
        "12:00:00",
    ]
)
any_value = st.one_of(plausible, value_text)


def load_or_name_the_key(text: str, keys: list[str]) -> None:
    try:
        loaded = config.load(text)
    except ValueError as error:
        assert any(key in str(error) for key in keys), "no key of %s in %r" % (keys, str(error))
        return
    assert {table: set(values) for table, values in loaded.items()} == {
        table: set(keys) for table, keys in config.SCHEMA.items()
    }
    json.dumps(loaded, allow_nan=False)  # it goes into NVM as JSON


@fuzz(300)
@given(st.sampled_from(SCHEMA_KEYS), any_value)
def test_any_value_of_one_key_loads_or_names_that_key(where, value: str) -> None:
    table, key = where
    load_or_name_the_key("[%s]\n%s = %s\n" % (table, key, value), ["%s.%s" % where])


@fuzz(150)
@given(
    st.dictionaries(
        st.sampled_from(SCHEMA_KEYS + [("camera", "idd"), ("clock", "x")]), any_value, min_size=1, max_size=8
    )
)
def test_any_values_of_several_keys_load_or_name_one_of_them(values) -> None:
    tables: dict = {}
    for (table, key), value in values.items():
        tables.setdefault(table, []).append("%s = %s" % (key, value))
    text = "".join("[%s]\n%s\n" % (table, "\n".join(lines)) for table, lines in tables.items())
    # An unknown table is named alone: [clock].
    load_or_name_the_key(text, ["%s.%s" % where for where in values] + ["[clock]"])


# -- 4. the state records: garbled memory is detected and replaced, intact records round-trip --


def cold_hot(durable: dict) -> dict:
    """The hot record State.load builds when sleep memory holds nothing to trust."""
    hot = record.merged(store.HOT, {})
    hot["seq"] = durable["seq"]
    hot["oldest"] = max(1, durable["uploaded"] + 1) if durable["seq"] else 1
    hot["uploaded"] = durable["uploaded"]
    return hot


DEFAULT_DURABLE = record.merged(store.DURABLE, {})
seeds = st.integers(0, 2**32 - 1)


def random_image(seed: int, size: int) -> bytearray:
    return bytearray(random.Random(seed).randbytes(size))


def assert_untrusted(state: store.State) -> None:
    assert state.cold
    assert state.durable == DEFAULT_DURABLE
    assert state.hot == cold_hot(DEFAULT_DURABLE)


@fuzz(100)
@given(seeds, seeds)
def test_random_memory_is_never_trusted(sleep_seed: int, nvm_seed: int) -> None:
    state = store.State.load(random_image(sleep_seed, SLEEP_SIZE), random_image(nvm_seed, NVM_SIZE))
    assert_untrusted(state)
    assert any(p.startswith("sleep memory: ") for p in state.problems)


header = st.tuples(
    st.sampled_from([store.SLEEP_MAGIC, store.NVM_MAGIC, b"TLs\x00", b"\x00" * 4]),
    st.sampled_from([1, 0, 2, 0xFFFF]),
    st.integers(0, 0xFFFF),
    st.integers(0, 2**32 - 1),
)


@fuzz(100)
@given(header, header, header, seeds)
def test_well_formed_headers_over_garbage_are_never_trusted(hot, in_nvm, on_card, seed: int) -> None:
    """Past the magic and version checks: length and CRC must still catch the garbage, in
    sleep memory, NVM and the durable record's copy on the card."""
    sleep_memory, nvm = random_image(seed, SLEEP_SIZE), random_image(seed + 1, NVM_SIZE)
    copy = random_image(seed + 2, 2048)
    sleep_memory[0:12] = struct.pack(record.HEADER, *hot)
    nvm[0:12] = struct.pack(record.HEADER, *in_nvm)
    copy[0:12] = struct.pack(record.HEADER, *on_card)
    state = store.State.load(sleep_memory, nvm)
    assert not state.adopt([bytes(copy)], BOARD)
    assert_untrusted(state)


json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)


def typed(defaults: dict):
    """Records as the firmware writes them: each field of its default's type (any JSON for None)."""
    by_type = {
        int: st.integers(-(2**40), 2**40),
        str: st.text(max_size=20),
        float: st.floats(allow_nan=False, allow_infinity=False),
        list: st.lists(json_value, max_size=4),
        dict: st.dictionaries(st.text(max_size=6), json_value, max_size=3),
    }
    fields = {
        key: by_type[type(default)] if default is not None else json_value
        for key, default in defaults.items()
    }
    return st.fixed_dictionaries({}, optional=fields)


def image(magic: bytes, fields: dict, size: int, offset: int = 0, into: bytearray | None = None) -> bytearray:
    memory = into if into is not None else bytearray(size)
    data = record.encode(magic, 1, fields)
    memory[offset : offset + len(data)] = data
    return memory


@fuzz(100)
@given(typed(store.HOT), typed(store.DURABLE), st.booleans())
def test_intact_records_round_trip(hot: dict, durable: dict, from_card: bool) -> None:
    """From NVM, or from the card's copy (which never holds the access token) when NVM is empty."""
    durable["nvm_seq"] = abs(durable.get("nvm_seq", 0)) + 1
    sleep_memory = image(store.SLEEP_MAGIC, hot, SLEEP_SIZE)
    nvm = bytearray(NVM_SIZE) if from_card else image(store.NVM_MAGIC, durable, NVM_SIZE)
    state = store.State.load(sleep_memory, nvm)
    card = card_copy(durable)
    assert state.adopt([card], BOARD) == from_card
    assert (state.cold, state.problems) == (False, [])
    assert state.hot == {**store.HOT, **hot}
    expected = {**store.DURABLE, **durable}
    if from_card:
        expected.update(token=store.DURABLE["token"], token_expiry=store.DURABLE["token_expiry"])
    assert state.durable == expected


BOARD = "5849414f5333"  # the simulated board's microcontroller.cpu.uid in hex


def card_copy(durable: dict, board: str = BOARD) -> bytes:
    """The durable record's copy as State.save writes it to the card: no token, the board's id."""
    return record.encode(store.NVM_MAGIC, 1, dict(durable, token="", token_expiry=0, board=board))


def flip(memory: bytearray, bit: int) -> None:
    memory[bit // 8] ^= 1 << bit % 8


@fuzz(100)
@given(typed(store.HOT), typed(store.DURABLE), st.data())
def test_a_flipped_bit_in_sleep_memory_is_detected(hot: dict, durable: dict, data) -> None:
    durable["nvm_seq"] = 1
    sleep_memory = image(store.SLEEP_MAGIC, hot, SLEEP_SIZE)
    nvm = image(store.NVM_MAGIC, durable, NVM_SIZE)
    length = len(record.encode(store.SLEEP_MAGIC, 1, hot))
    flip(sleep_memory, data.draw(st.integers(0, 8 * length - 1), label="bit"))
    state = store.State.load(sleep_memory, nvm)
    assert state.cold
    assert [p for p in state.problems if p.startswith("sleep memory: ")]
    assert state.durable == {**store.DURABLE, **durable}  # NVM still trusted
    assert state.hot == cold_hot(state.durable)


@fuzz(100)
@given(typed(store.DURABLE), typed(store.DURABLE), st.booleans(), st.data())
def test_a_flipped_bit_in_nvm_is_detected(newest: dict, older: dict, with_copy: bool, data) -> None:
    """A garbled NVM record falls back to an older copy on the card, or to the defaults when
    there is none."""
    newest["nvm_seq"], older["nvm_seq"] = 8, 7
    nvm = image(store.NVM_MAGIC, newest, NVM_SIZE)
    length = len(record.encode(store.NVM_MAGIC, 1, newest))
    bit = data.draw(st.integers(0, 8 * length - 1), label="bit")
    flip(nvm, bit)
    state = store.State.load(bytearray(SLEEP_SIZE), nvm)
    state.adopt([card_copy(older)] if with_copy else [], BOARD)
    assert len(state.problems) == 1 and state.problems[0].startswith("nvm: ")
    tokenless = {**store.DURABLE, **older, "token": "", "token_expiry": 0}
    assert state.durable == (tokenless if with_copy else DEFAULT_DURABLE)
    assert state.cold and state.hot == cold_hot(state.durable)


def crc_valid(magic: bytes, payload: bytes) -> bytes:
    return struct.pack(record.HEADER, magic, 1, len(payload), binascii.crc32(payload)) + payload


@fuzz(100)
@given(
    st.dictionaries(st.sampled_from(sorted(store.HOT)) | st.text(max_size=4), json_value, max_size=6),
    st.dictionaries(st.sampled_from(sorted(store.DURABLE)) | st.text(max_size=4), json_value, max_size=6),
)
def test_intact_records_of_any_json_load_with_defaults_for_wrong_types(hot: dict, durable: dict) -> None:
    """A record from another build of the same layout: wrong types fall back to the defaults."""
    sleep_memory = image(store.SLEEP_MAGIC, hot, SLEEP_SIZE)
    state = store.State.load(sleep_memory, image(store.NVM_MAGIC, durable, NVM_SIZE))
    assert not state.cold
    for fields, defaults, loaded in ((hot, store.HOT, state.hot), (durable, store.DURABLE, state.durable)):
        assert set(loaded) == set(defaults)
        for key, default in defaults.items():
            if default is not None and type(loaded[key]) is not type(default):
                assert isinstance(default, float) and type(loaded[key]) is int
            if key in fields and exact(loaded[key]) != exact(fields[key]):
                assert loaded[key] == default


@pytest.mark.parametrize("payload", [b"[" * 3000, b'{"a": ' * 2000])
def test_json_nested_past_the_recursion_limit_is_not_trusted(payload: bytes) -> None:
    """Found by fuzzing: json.loads raised RecursionError out of record.decode (fixed there)."""
    sleep_memory = bytearray(SLEEP_SIZE)
    data = crc_valid(store.SLEEP_MAGIC, payload)
    sleep_memory[: len(data)] = data
    state = store.State.load(sleep_memory, bytearray(NVM_SIZE))
    assert state.cold and state.problems == ["sleep memory: payload is not JSON"]


@pytest.mark.parametrize("nvm_seq", [None, "7", [1]])
@pytest.mark.parametrize("in_nvm", [True, False])
def test_an_intact_record_with_a_non_integer_nvm_seq_is_not_fatal(nvm_seq, in_nvm: bool) -> None:
    """Found by fuzzing: read_nvm compared the raw nvm_seq of two records before checking
    types (then two NVM slots; now NVM and the card's copies)."""
    odd, fine = {"nvm_seq": nvm_seq, "seq": 5}, {"nvm_seq": 3, "seq": 4}
    nvm = image(store.NVM_MAGIC, odd if in_nvm else fine, NVM_SIZE)
    state = store.State.load(bytearray(SLEEP_SIZE), nvm)
    state.adopt([card_copy(fine if in_nvm else odd), card_copy(fine)], BOARD)
    assert type(state.durable["nvm_seq"]) is int and state.durable["seq"] in (4, 5)


def test_a_distrusted_time_error_survives_deep_sleep() -> None:
    """Found by fuzzing: HOT['distrust'] was an int default, so the float error was dropped."""
    sleep_memory, nvm = bytearray(SLEEP_SIZE), bytearray(NVM_SIZE)
    state = store.State.load(sleep_memory, nvm)
    state.hot["distrust"] = 42.37  # what timesync.apply writes: (rtc_now - sample) + (_offset - fraction)
    state.save(sleep_memory, nvm)
    assert store.State.load(sleep_memory, nvm).hot["distrust"] == 42.37
