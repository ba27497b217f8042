"""camconfig.toml: a TOML-subset parser and the validated configuration with defaults.

CircuitPython has no TOML library for arbitrary files, so the board parses its own subset:
comments, [table] headers, bare keys, basic strings, integers, floats, booleans, single-line
arrays of those, local date-times and local times. For every document inside the subset the
result equals tomllib's (date-times as adafruit_datetime objects: the board has no datetime).
Anything outside it is a ValueError that names the line; every invalid value one that names
the key. Parsing is linear and line by line, in the manner of tomli.
"""

import binascii

from timelapse import civil

BARE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}
DIGITS = "0123456789"


def fingerprint(text: str) -> int:
    """CRC32 of the file's text: equal text, equal configuration."""
    return binascii.crc32(text.encode())


# -- the parser -------------------------------------------------------------------------------


class _Line:
    """A cursor over one line of the document."""

    def __init__(self, text, number):
        self.text = text
        self.pos = 0
        self.number = number

    def fail(self, message):
        raise ValueError("line %d: %s" % (self.number, message))

    def peek(self):
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def skip_space(self):
        while self.peek() in (" ", "\t") and self.peek():
            self.pos += 1

    def at_end(self):
        """Only blanks and a comment remain."""
        self.skip_space()
        if self.peek() == "#":
            for char in self.text[self.pos:]:
                if char < " " and char != "\t" or char == "\x7f":
                    self.fail("control character in a comment")
            self.pos = len(self.text)
        return self.pos >= len(self.text)


def parse_toml(text: str) -> dict:
    """The dict of a TOML document inside the subset, else ValueError('line N: ...')."""
    root: dict = {}
    table = root
    defined: list = []
    if text[:1] == "\ufeff":  # a UTF-8 byte order mark, as Windows Notepad writes: not content
        text = text[1:]
    lines = text.replace("\r\n", "\n").split("\n")
    for index, raw in enumerate(lines):
        line = _Line(raw, index + 1)
        if line.at_end():
            continue
        if line.peek() == "[":
            table = _header(line, root, defined)
        else:
            key = _key(line)
            line.skip_space()
            if line.peek() != "=":
                line.fail("expected '=' after the key %r" % key)
            line.pos += 1
            line.skip_space()
            value = _value(line)
            if key in table:
                line.fail("key %r is defined twice" % key)
            table[key] = value
        if not line.at_end():
            line.fail("unexpected text %r" % line.text[line.pos:])
    return root


def _header(line, root, defined):
    line.pos += 1
    if line.peek() == "[":
        line.fail("arrays of tables are not supported")
    names = []
    while True:
        line.skip_space()
        names.append(_key(line))
        line.skip_space()
        if line.peek() == ".":
            line.pos += 1
            continue
        if line.peek() != "]":
            line.fail("expected ']' to close the table header")
        line.pos += 1
        break
    table = root
    for name in names:
        child = table.setdefault(name, {})
        if not isinstance(child, dict):
            line.fail("%r is already a value, not a table" % name)
        table = child
    path = ".".join(names)
    if path in defined:
        line.fail("table [%s] is defined twice" % path)
    defined.append(path)
    return table


def _key(line):
    if line.peek() == '"':
        return _string(line)
    if line.peek() == "'":
        line.fail("literal strings '...' are not supported; use \"...\"")
    start = line.pos
    while line.peek() and line.peek() in BARE:
        line.pos += 1
    if line.pos == start:
        line.fail("expected a key")
    key = line.text[start:line.pos]
    line.skip_space()
    if line.peek() == ".":
        line.fail("dotted keys are not supported; use a [table]")
    return key


def _value(line):
    char = line.peek()
    if char == '"':
        if line.text.startswith('"""', line.pos):
            line.fail("multi-line strings are not supported")
        return _string(line)
    if char == "'":
        line.fail("literal strings '...' are not supported; use \"...\"")
    if char == "[":
        return _array(line)
    if char == "{":
        line.fail("inline tables are not supported; use a [table]")
    start = line.pos
    while line.peek() and line.peek() not in " \t,]#":
        line.pos += 1
    word = line.text[start:line.pos]
    # A local date-time may have a space instead of the T.
    if len(word) == 10 and word[4:5] == "-" and line.text[line.pos:line.pos + 1] == " " \
            and line.text[line.pos + 1:line.pos + 2] in DIGITS and line.text[line.pos + 1:line.pos + 2]:
        end = line.pos + 1
        while end < len(line.text) and line.text[end] not in " \t,]#":
            end += 1
        word = word + "T" + line.text[line.pos + 1:end]
        line.pos = end
    if not word:
        line.fail("expected a value")
    return _scalar(word, line)


def _string(line):
    line.pos += 1
    out: list = []
    while True:
        char = line.peek()
        if not char:
            line.fail("unterminated string")
        line.pos += 1
        if char == '"':
            return "".join(out)
        if char == "\\":
            code = line.peek()
            line.pos += 1
            if code in ESCAPES:
                out.append(ESCAPES[code])
            elif code in ("u", "U"):
                width = 4 if code == "u" else 8
                digits = line.text[line.pos:line.pos + width]
                if len(digits) != width or not _is_hex(digits):
                    line.fail("bad \\%s escape" % code)
                point = int(digits, 16)
                if point > 0x10FFFF or 0xD800 <= point <= 0xDFFF:
                    line.fail("\\%s escape is not a Unicode scalar value" % code)
                out.append(chr(point))
                line.pos += width
            else:
                line.fail("unknown escape \\%s" % code)
        elif (char < " " and char != "\t") or char == "\x7f":
            line.fail("control character in a string")
        else:
            out.append(char)


def _is_hex(text):
    for char in text:
        if char not in "0123456789abcdefABCDEF":
            return False
    return True


def _array(line):
    line.pos += 1
    items: list = []
    while True:
        line.skip_space()
        if line.peek() == "]":
            line.pos += 1
            return items
        if not line.peek() or line.peek() == "#":
            line.fail("arrays must close on the line they open")
        items.append(_value(line))
        line.skip_space()
        if line.peek() == ",":
            line.pos += 1
        elif line.peek() != "]":
            line.fail("expected ',' or ']' in the array")


def _scalar(word, line):
    if word == "true":
        return True
    if word == "false":
        return False
    if word.lower() in ("true", "false"):
        line.fail("%s is not a TOML value: booleans are lowercase, true or false" % word)
    if word in ("inf", "+inf", "-inf", "nan", "+nan", "-nan"):
        return float(word)
    if "T" in word or (len(word) >= 10 and word[4:5] == "-" and word[7:8] == "-"):
        return _datetime(word, line)
    if len(word) >= 5 and word[2:3] == ":":
        from adafruit_datetime import time

        return time(*_time(word, line))
    return _number(word, line)


def _number(word, line):
    body = word[1:] if word[:1] in "+-" else word
    if body[:2] in ("0x", "0o", "0b"):
        line.fail("only decimal integers are supported: %r" % word)
    if not body or body[0] not in DIGITS or body[-1] not in DIGITS:
        line.fail("not a value: %r" % word)
    if "__" in body:
        line.fail("not a number: %r" % word)
    plain = body.replace("_", "")
    for char in plain:
        if char not in "0123456789.eE+-":
            line.fail("not a value: %r" % word)
    is_float = "." in plain or "e" in plain or "E" in plain
    mantissa = plain.replace("E", "e").split("e")[0]
    if len(mantissa.split(".")[0]) > 1 and mantissa[0] == "0":
        line.fail("leading zeros are not allowed: %r" % word)
    if not is_float:
        for char in plain:
            if char not in DIGITS:  # a sign inside, such as 1+2 or 12-3
                line.fail("not a number: %r" % word)
        return int(word[0] + plain if word[0] in "+-" else plain)
    if "." in body:
        whole, _, rest = body.partition(".")
        if not whole or not rest or rest[0] not in DIGITS or whole[-1] not in DIGITS:
            line.fail("not a number: %r" % word)
    if "_" in body:
        for index, char in enumerate(body):
            if char == "_" and not (body[index - 1] in DIGITS and body[index + 1:index + 2] in DIGITS
                                    and body[index + 1:index + 2]):
                line.fail("not a number: %r" % word)
    try:
        return float(word.replace("_", ""))
    except ValueError:
        line.fail("not a number: %r" % word)


def _digits(text, count, line, what):
    if len(text) != count:
        line.fail("bad %s" % what)
    for char in text:
        if char not in DIGITS:
            line.fail("bad %s" % what)
    return int(text)


def _time(word, line):
    """HH:MM:SS[.fraction] -> (hour, minute, second, microsecond)."""
    if len(word) < 8 or word[5:6] != ":":
        line.fail("times must be HH:MM:SS: %r" % word)
    hour = _digits(word[0:2], 2, line, "hour")
    minute = _digits(word[3:5], 2, line, "minute")
    second = _digits(word[6:8], 2, line, "second")
    micro = 0
    if len(word) > 8:
        if word[8] != "." or len(word) == 9:
            line.fail("offsets and time zones are not supported: %r" % word)
        fraction = word[9:]
        _digits(fraction, len(fraction), line, "fraction")
        micro = int((fraction + "000000")[:6])
    if hour > 23 or minute > 59 or second > 59:
        line.fail("time out of range: %r" % word)
    return hour, minute, second, micro


def _datetime(word, line):
    from adafruit_datetime import datetime

    if len(word) == 10:
        line.fail("dates alone are not supported; use a local date-time: %r" % word)
    if word[10:11] not in ("T", "t") or word[4:5] != "-" or word[7:8] != "-":
        line.fail("not a local date-time: %r" % word)
    year = _digits(word[0:4], 4, line, "year")
    month = _digits(word[5:7], 2, line, "month")
    day = _digits(word[8:10], 2, line, "day")
    clock = word[11:]
    if clock.endswith("Z") or clock.endswith("z") or "+" in clock or "-" in clock:
        line.fail("offset date-times are not supported; use local time: %r" % word)
    hour, minute, second, micro = _time(clock, line)
    if year < 1 or not 1 <= month <= 12 or not 1 <= day <= _month_days(year, month):
        line.fail("no such date: %r" % word)
    return datetime(year, month, day, hour, minute, second, micro)


def _month_days(year, month):
    if month == 2:
        return 29 if (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 else 28
    return 30 if month in (4, 6, 9, 11) else 31


# -- the schema -------------------------------------------------------------------------------

# espcamera.FrameSize names (the binding's __init__.c, 9.2.8 to 10.1.0) up to the OV2640's
# largest; getattr(espcamera.FrameSize, name) must never fail on the board.
FRAME_SIZES = ("R96X96", "QQVGA", "QCIF", "HQVGA", "R240X240", "QVGA", "CIF", "HVGA", "VGA",
               "SVGA", "XGA", "HD", "SXGA", "UXGA")
JPEG_QUALITY = (2, 55)  # espcamera.Camera's jpeg_quality range (mp_arg_validate_int_range)
# The board's pin names and their GPIOs: CircuitPython's board definition
# ports/espressif/boards/seeed_xiao_esp32_s3_sense/pins.c, the names present in 9.2.8, 10.0.3
# and 10.1.0 (10.1.0 adds aliases D11-D19 and others, all on the pins below).
PINS = {"A0": 1, "A1": 2, "A2": 3, "A3": 4, "A4": 5, "A5": 6, "D0": 1, "D1": 2, "D2": 3,
        "D3": 4, "D4": 5, "D5": 6, "D6": 43, "D7": 44, "D8": 7, "D9": 8, "D10": 9, "LED": 21,
        "SDA": 5, "SCL": 6, "TX": 43, "RX": 44, "MOSI": 9, "MISO": 8, "SCK": 7, "SDCS": 21,
        "CAM_D0": 15, "CAM_D1": 17, "CAM_D2": 18, "CAM_D3": 16, "CAM_D4": 14, "CAM_D5": 12,
        "CAM_D6": 11, "CAM_D7": 48, "CAM_XCLK": 10, "CAM_HREF": 47, "CAM_PCLK": 13,
        "CAM_VSYNC": 38, "CAM_SCL": 39, "CAM_SDA": 40, "MIC_DATA": 41, "MIC_CLK": 42}
CARD_GPIOS = (7, 8, 9, 21)    # SPI SCK, MISO, MOSI and SDCS (the LED shares GPIO21)
CAMERA_GPIOS = (10, 11, 12, 13, 14, 15, 16, 17, 18, 38, 39, 40, 47, 48)
ADC1_GPIOS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)   # ESP32-S3 ADC1 channels 0-9
RTC_GPIO_MAX = 21             # only RTC GPIOs (0-21) wake the ESP32-S3 from deep sleep
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# What the budgets must leave room for (timelapse/network.py, timelapse/online.py): a time sync
# is a WiFi join (up to JOIN_TIMEOUT_S 10 s) and an SNTP exchange with its retry (SYNC_MIN_S
# 5 s); an upload batch adds two TLS handshakes (3 s each: the API and content hosts) and at
# least one photo's request. Past 10 min a wake is a hang, not a budget.
SYNC_BUDGET_S = 15
BATCH_BUDGET_S = 25
MAX_BUDGET_S = 600
MIN_ERROR_S = 2           # the RTC counts whole seconds: a bound below 2 s cannot be kept
MAX_ERROR_S = 3600
PLACEHOLDERS = ("{id}", "{date}", "{name}", "{seq}")

# table -> key -> default; None marks an optional key with no value unless given.
SCHEMA: dict = {
    "camera": {"id": "CAM1", "frame_size": "SVGA", "jpeg_quality": 10, "rotate": 0,
               "warmup_frames": 2},
    "schedule": {"interval": "10m", "start": None, "stop": None, "active_hours": None,
                 "night_interval": None, "daylight": False, "latitude": None, "longitude": None,
                 "utc_offset": "+00:00"},
    "upload": {"enabled": True, "batch_size": 6, "max_delay": "2h", "window": None,
               "path": "/timelapse/{id}/{date}/{name}", "min_battery_v": 3.55,
               "awake_budget": "40s"},
    "time": {"max_error": "5s", "max_interval": "7d", "ntp_server": "pool.ntp.org"},
    "storage": {"min_free_mb": 64, "delete_after_upload": False},
    "power": {"battery_pin": None, "divider": 2.0, "low_battery_v": 3.55,
              "critical_battery_v": 3.45, "marker_pin": None, "wake_pin": None,
              "camera_power_pin": None},
}


def load(text: str) -> dict:
    """The validated configuration of camconfig.toml's text, with defaults; ValueError naming
    the line or the key when anything is wrong. JSON-serialisable, for NVM."""
    document = parse_toml(text)
    for table, value in document.items():
        if table not in SCHEMA:
            raise ValueError("[%s]: unknown table (known: %s)" % (table, ", ".join(SCHEMA)))
        if not isinstance(value, dict):
            raise ValueError("%s: expected a [%s] table" % (table, table))
        for key in value:
            if key not in SCHEMA[table]:
                raise ValueError("%s.%s: unknown key" % (table, key))
    raw = {}
    for table, keys in SCHEMA.items():
        given = document.get(table, {})
        raw[table] = {key: given.get(key, default) for key, default in keys.items()}
    return {
        "camera": _camera(raw["camera"]),
        "schedule": _schedule(raw["schedule"]),
        "upload": _upload(raw["upload"]),
        "time": _time_table(raw["time"]),
        "storage": _storage(raw["storage"]),
        "power": _power(raw["power"]),
    }


def _want(value, kind, key, what):
    ok = isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))
    if not ok:
        raise ValueError("%s: expected %s, got %r" % (key, what, value))
    return value


def _int_in(value, key, low, high):
    _want(value, int, key, "an integer")
    if not low <= value <= high:
        raise ValueError("%s: %r is outside %d..%d" % (key, value, low, high))
    return value


def _number_in(value, key, low, high):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("%s: expected a number, got %r" % (key, value))
    if not low <= value <= high:
        raise ValueError("%s: %r is outside %s..%s" % (key, value, low, high))
    return float(value)


def parse_duration(value: object, key: str) -> int:
    """Seconds of "90s", "10m", "2h", "7d" or an integer of seconds; must be positive."""
    if isinstance(value, int) and not isinstance(value, bool):
        seconds = value
    elif isinstance(value, str) and len(value) >= 2 and value[-1] in UNITS:
        digits = value[:-1]
        for char in digits:
            if char not in DIGITS:
                raise ValueError('%s: "%s" is not a duration like "90s", "10m", "2h" or "7d"' % (key, value))
        seconds = int(digits) * UNITS[value[-1]]
    else:
        raise ValueError('%s: %r is not a duration like "90s", "10m", "2h" or "7d"' % (key, value))
    if seconds <= 0:
        raise ValueError("%s: %r is not a positive duration" % (key, value))
    return seconds


def parse_clock(value: object, key: str) -> int:
    """Minutes of the day of "HH:MM" (or a TOML local time)."""
    if isinstance(value, str):
        if len(value) != 5 or value[2] != ":":
            raise ValueError('%s: %r is not a time of day "HH:MM"' % (key, value))
        for char in value[:2] + value[3:]:
            if char not in DIGITS:
                raise ValueError('%s: %r is not a time of day "HH:MM"' % (key, value))
        hour, minute = int(value[:2]), int(value[3:])
    elif hasattr(value, "hour") and hasattr(value, "minute") and not hasattr(value, "year"):
        hour, minute = value.hour, value.minute
    else:
        raise ValueError('%s: %r is not a time of day "HH:MM"' % (key, value))
    if hour > 23 or minute > 59:
        raise ValueError("%s: %r is not a time of day (00:00..23:59)" % (key, value))
    return hour * 60 + minute


def _window(value, key):
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError('%s: expected ["HH:MM", "HH:MM"], got %r' % (key, value))
    start, end = parse_clock(value[0], key), parse_clock(value[1], key)
    if start == end:
        raise ValueError("%s: the window starts and ends at the same time" % key)
    return [start, end]


def _local_epoch(value, key):
    if value is None:
        return None
    if not (hasattr(value, "year") and hasattr(value, "hour")):
        raise ValueError("%s: expected a local date-time like 2026-04-01T00:00:00, got %r" % (key, value))
    return civil.epoch(value.year, value.month, value.day, value.hour, value.minute, value.second)


def _utc_offset(value, key):
    if value in ("Z", "z"):
        return 0
    text = _want(value, str, key, 'an offset like "+01:00"')
    if len(text) != 6 or text[0] not in "+-" or text[3] != ":":
        raise ValueError('%s: %r is not an offset like "+01:00"' % (key, value))
    minutes = parse_clock(text[1:], key)
    seconds = minutes * 60 * (-1 if text[0] == "-" else 1)
    if not -12 * 3600 <= seconds <= 14 * 3600:
        raise ValueError("%s: %r is outside -12:00..+14:00" % (key, value))
    return seconds


def _pin(value, key, allowed):
    """A pin name of this board that may serve as `key`: a name the board does not have, or a
    pin the card, the camera or (for wake_pin) deep sleep cannot spare, is refused here, never
    at the wake that would use it."""
    if value is None:
        return None
    text = _want(value, str, key, 'a board pin name like "A0"')
    if text not in allowed:
        if text in PINS:
            why = "is GPIO%d, which %s" % (PINS[text], _pin_use(PINS[text], key))
        else:
            why = "is not a pin of the XIAO ESP32S3 Sense"
        raise ValueError("%s: %r %s; allowed: %s" % (key, text, why, " ".join(allowed)))
    return text


def _pin_use(gpio, key):
    if gpio in CARD_GPIOS:
        return "the microSD card uses"
    if gpio in CAMERA_GPIOS:
        return "the camera uses"
    if key.endswith("wake_pin"):
        return "cannot wake the board from deep sleep (RTC pins are GPIO0-21)"
    return "has no ADC1 channel (ADC2 does not work while WiFi is on)"


def _camera(t):
    cam_id = _want(t["id"], str, "camera.id", "a string")
    if not cam_id or len(cam_id) > 32 or not all(c in BARE for c in cam_id):
        raise ValueError("camera.id: %r must be 1-32 letters, digits, '-' or '_'" % cam_id)
    frame = _want(t["frame_size"], str, "camera.frame_size", "a frame size name")
    if frame not in FRAME_SIZES:
        raise ValueError("camera.frame_size: unknown frame size %r (known: %s)" % (frame, " ".join(FRAME_SIZES)))
    rotate = _want(t["rotate"], int, "camera.rotate", "0 or 180")
    if rotate not in (0, 180):
        raise ValueError("camera.rotate: %r is not 0 or 180" % rotate)
    return {"id": cam_id, "frame_size": frame,
            "jpeg_quality": _int_in(t["jpeg_quality"], "camera.jpeg_quality", *JPEG_QUALITY),
            "rotate": rotate,
            "warmup_frames": _int_in(t["warmup_frames"], "camera.warmup_frames", 0, 10)}


def _schedule(t):
    daylight = _want(t["daylight"], bool, "schedule.daylight", "true or false")
    lat, lon = t["latitude"], t["longitude"]
    latitude = None if lat is None else _number_in(lat, "schedule.latitude", -90, 90)
    longitude = None if lon is None else _number_in(lon, "schedule.longitude", -180, 180)
    if daylight and (latitude is None or longitude is None):
        raise ValueError("schedule.daylight: needs schedule.latitude and schedule.longitude")
    night = t["night_interval"]
    start = _local_epoch(t["start"], "schedule.start")
    stop = _local_epoch(t["stop"], "schedule.stop")
    if start is not None and stop is not None and stop <= start:
        raise ValueError("schedule.stop: comes before schedule.start")
    return {"interval": parse_duration(t["interval"], "schedule.interval"),
            "start": start, "stop": stop,
            "active_hours": _window(t["active_hours"], "schedule.active_hours"),
            "night_interval": None if night is None else parse_duration(night, "schedule.night_interval"),
            "daylight": daylight, "latitude": latitude, "longitude": longitude,
            "utc_offset": _utc_offset(t["utc_offset"], "schedule.utc_offset")}


def _upload(t):
    path = _want(t["path"], str, "upload.path", "a path template")
    if not path.startswith("/") or "{name}" not in path:
        raise ValueError("upload.path: %r must start with / and contain {name}" % path)
    rest = path
    for placeholder in PLACEHOLDERS:
        rest = rest.replace(placeholder, "")
    if "{" in rest or "}" in rest:
        raise ValueError("upload.path: %r has an unknown placeholder (known: %s)" % (path, " ".join(PLACEHOLDERS)))
    _dropbox_path(path)
    return {"enabled": _want(t["enabled"], bool, "upload.enabled", "true or false"),
            "batch_size": _int_in(t["batch_size"], "upload.batch_size", 1, 1000),
            "max_delay": parse_duration(t["max_delay"], "upload.max_delay"),
            "window": _window(t["window"], "upload.window"),
            "path": path,
            "min_battery_v": _number_in(t["min_battery_v"], "upload.min_battery_v", 0, 5),
            "awake_budget": _budget(t["awake_budget"], t["enabled"])}


def _budget(value, uploads):
    """The awake budget, long enough for a time sync (and a batch, with uploads on)."""
    seconds = parse_duration(value, "upload.awake_budget")
    least = BATCH_BUDGET_S if uploads else SYNC_BUDGET_S
    if not least <= seconds <= MAX_BUDGET_S:
        raise ValueError('upload.awake_budget: "%s" is outside "%ds".."%dm": a time sync needs %d s '
                         "(WiFi join and SNTP), an upload batch %d s" % (
                             value, least, MAX_BUDGET_S // 60, SYNC_BUDGET_S, BATCH_BUDGET_S))
    return seconds


RESERVED = '<>:"|?*\\'  # refused in Dropbox names (and by Windows, where Dropbox syncs to)


def _dropbox_path(path):
    """Refuse a template whose paths Dropbox would refuse (409 path/malformed_path or
    disallowed_name): every photo would fail and the queue would wait behind the first."""
    sample = (path.replace("{id}", "CAM1").replace("{date}", "2026-06-01")
              .replace("{seq}", "000001").replace("{name}", "CAM1_000001.jpg"))
    for part in sample.split("/")[1:]:
        if part in ("", ".", ".."):
            raise ValueError('upload.path: %r has an empty, "." or ".." folder (no "//", "/./", '
                             '"/../" or trailing "/"); Dropbox refuses such paths' % path)
        if part[-1] in " ." or part[0] == " ":
            raise ValueError("upload.path: %r has a folder that starts with a space or ends "
                             "with a space or '.'; Dropbox refuses such names" % path)
        if len(part) > 255:
            raise ValueError("upload.path: %r has a folder name longer than 255 characters" % path)
        for char in part:
            if char in RESERVED or char < " " or char == "\x7f":
                raise ValueError("upload.path: %r contains %r; Dropbox refuses the characters "
                                 '< > : " | ? * \\ and control characters in names' % (path, char))


def _time_table(t):
    server = _want(t["ntp_server"], str, "time.ntp_server", "a host name")
    if not server or " " in server:
        raise ValueError("time.ntp_server: %r is not a host name" % server)
    max_error = parse_duration(t["max_error"], "time.max_error")
    if not MIN_ERROR_S <= max_error <= MAX_ERROR_S:
        raise ValueError('time.max_error: "%s" is outside "%ds".."%dh" (the RTC counts whole seconds)'
                         % (t["max_error"], MIN_ERROR_S, MAX_ERROR_S // 3600))
    max_interval = parse_duration(t["max_interval"], "time.max_interval")
    if not 3600 <= max_interval <= 30 * 86400:
        raise ValueError('time.max_interval: "%s" is outside "1h".."30d"' % t["max_interval"])
    return {"max_error": max_error,
            "max_interval": max_interval,
            "ntp_server": server}


def _storage(t):
    return {"min_free_mb": _int_in(t["min_free_mb"], "storage.min_free_mb", 0, 1 << 20),
            "delete_after_upload": _want(t["delete_after_upload"], bool,
                                         "storage.delete_after_upload", "true or false")}


def _allowed(test):
    return tuple(name for name in PINS if test(PINS[name]))


def _free(gpio):
    return gpio not in CARD_GPIOS and gpio not in CAMERA_GPIOS


# Names per role; a pin the card or the camera uses is never allowed.
OUTPUT_PINS = _allowed(_free)                                               # marker, switch
WAKE_PINS = _allowed(lambda gpio: _free(gpio) and gpio <= RTC_GPIO_MAX)     # PinAlarm in deep sleep
ADC_PINS = _allowed(lambda gpio: _free(gpio) and gpio in ADC1_GPIOS)        # battery


def _power(t):
    low = _number_in(t["low_battery_v"], "power.low_battery_v", 0, 5)
    critical = _number_in(t["critical_battery_v"], "power.critical_battery_v", 0, 5)
    if critical > low:
        raise ValueError("power.critical_battery_v: %s is above power.low_battery_v %s" % (critical, low))
    divider = _number_in(t["divider"], "power.divider", 0.01, 100)
    pins = {"battery_pin": _pin(t["battery_pin"], "power.battery_pin", ADC_PINS),
            "marker_pin": _pin(t["marker_pin"], "power.marker_pin", OUTPUT_PINS),
            "wake_pin": _pin(t["wake_pin"], "power.wake_pin", WAKE_PINS),
            "camera_power_pin": _pin(t["camera_power_pin"], "power.camera_power_pin", OUTPUT_PINS)}
    used: dict = {}
    for key in ("battery_pin", "marker_pin", "wake_pin", "camera_power_pin"):
        name = pins[key]
        if name is None:
            continue
        if PINS[name] in used:  # "A0" and "D0" are one pin
            raise ValueError("power.%s: %r is the pin of power.%s (GPIO%d)"
                             % (key, name, used[PINS[name]], PINS[name]))
        used[PINS[name]] = key
    pins.update({"divider": divider, "low_battery_v": low, "critical_battery_v": critical})
    return pins
