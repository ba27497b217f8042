"""`json` as on the board: load() also reads any object with readinto() (CircuitPython's
extmod/modjson.c, CIRCUITPY-CHANGE json_python_readinto, 64-byte chunks), which is how
adafruit_requests' Response.json() feeds it; MicroPython's load() takes real streams only."""

import _mp_json

loads = _mp_json.loads
dumps = _mp_json.dumps
dump = _mp_json.dump

CHUNK = 64


def load(stream):
    if not hasattr(stream, "readinto"):
        return _mp_json.load(stream)
    parts = []
    buffer = bytearray(CHUNK)
    while True:
        count = stream.readinto(buffer)
        if not count:
            break
        parts.append(bytes(buffer[:count]))
    return _mp_json.loads(b"".join(parts))
