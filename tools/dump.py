"""Host reader of the camera's state: `python -m tools.dump [--port P | --log FILE | --device DIR]`.

Reads the JSON line the firmware prints between the state markers on its serial console (a live
serial port via pyserial, found automatically; or a saved console log), or decodes the
sleep_memory and NVM images of a simulator device folder directly, and shows the facts as a
table (default) or raw JSON. Runs on the host, never on the board.
"""

import argparse
import json
import sys
from pathlib import Path

from tools import firmware

firmware.importable()  # the reader decodes with the firmware's own codec
from state import store  # noqa: E402
from timelapse import summary  # noqa: E402

ESPRESSIF_VID = 0x303A  # USB vendor id of the ESP32-S3's native USB (CircuitPython keeps it)


def from_console(text):
    """Every state JSON in a console transcript, oldest first."""
    found, inside = [], False
    for line in text.splitlines():
        line = line.strip()
        if line == summary.BEGIN:
            inside = True
        elif line == summary.END:
            inside = False
        elif inside and line.startswith("{"):
            found.append(json.loads(line))
    return found


def from_device(folder):
    """The facts held in a simulator device's memory images (`<device>/.sim/`)."""
    images = Path(folder) / ".sim"
    sleep_memory = (images / "sleep_memory.bin").read_bytes()
    nvm = (images / "nvm.bin").read_bytes()
    state = store.State.load(bytearray(sleep_memory), bytearray(nvm))
    facts = summary.facts(state, state.durable["config"], None, None)
    facts["problems"] = state.problems
    return facts


def from_port(port, seconds):
    """The first state dump read from a serial port within `seconds`."""
    import serial
    from serial.tools import list_ports

    if port is None:
        boards = [p.device for p in list_ports.comports() if p.vid == ESPRESSIF_VID]
        if not boards:
            raise SystemExit("no CircuitPython board found on USB; give --port")
        port = boards[0]
    lines = []
    with serial.Serial(port, 115200, timeout=seconds) as link:
        while True:
            raw = link.readline()
            if not raw:
                raise SystemExit("no state dump from %s within %s s" % (port, seconds))
            lines.append(raw.decode(errors="replace"))
            if lines[-1].strip() == summary.END:
                dumps = from_console("".join(lines))
                if dumps:
                    return dumps[-1]


def table(facts):
    rows = []

    def walk(prefix, value):
        if isinstance(value, dict):
            for key in value:
                walk(prefix + "." + key if prefix else key, value[key])
        else:
            rows.append((prefix, json.dumps(value)))

    walk("", facts)
    width = max(len(name) for name, _ in rows)
    return "\n".join("%-*s  %s" % (width, name, value) for name, value in rows)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tools.dump", description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--port", help="serial port (default: the first CircuitPython board found)")
    source.add_argument("--log", type=Path, help="a saved console log")
    source.add_argument("--device", type=Path, help="a simulator device folder (out/device)")
    parser.add_argument("--json", action="store_true", help="raw JSON instead of a table")
    parser.add_argument("--timeout", type=float, default=700.0, help="seconds to wait on the port")
    args = parser.parse_args(argv)
    if args.device:
        facts = from_device(args.device)
    elif args.log:
        dumps = from_console(args.log.read_text())
        if not dumps:
            raise SystemExit("%s holds no state dump" % args.log)
        facts = dumps[-1]
    else:
        facts = from_port(args.port, args.timeout)
    print(json.dumps(facts, indent=2) if args.json else table(facts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
