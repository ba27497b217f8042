"""The persisted state has owners (issue 16): the firmware's import graph has no cycle and
`state` does not import `timelapse`; only `state/` and the owner modules index the records."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tools.firmware import FIRMWARE_DIR as ROOT
from tools.firmware import python_files

FIRMWARE = python_files()


def module_name(path: Path) -> str:
    relative = path.relative_to(ROOT).with_suffix("")
    return ".".join(relative.parts)


def import_graph() -> dict[str, set[str]]:
    """Module -> the firmware modules it imports anywhere (lazy imports inside functions too)."""
    names = {module_name(p) for p in FIRMWARE}
    graph: dict[str, set[str]] = {}
    for path in FIRMWARE:
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                edges |= {alias.name for alias in node.names if alias.name in names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    full = node.module + "." + alias.name
                    edges.add(full if full in names else node.module)
        graph[module_name(path)] = {
            e for e in edges if e in names or e.split(".")[0] in ("state", "timelapse")
        }
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path of module names, or None."""
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return stack[stack.index(target) :] + [target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_graph_sees_lazy_imports() -> None:
    """The oracle itself: edges known from the source, one of them an import inside a function."""
    graph = import_graph()
    assert "timelapse.online" in graph["timelapse.cycle"]  # imported inside Wake.go_online
    assert "state.store" in graph["timelapse.cycle"]
    assert "state.record" in graph["state.store"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_firmware_imports_have_no_cycle() -> None:
    assert find_cycle(import_graph()) is None


def test_state_does_not_import_timelapse() -> None:
    graph = import_graph()
    wrong = {
        (m, t)
        for m, targets in graph.items()
        if m.startswith("state")
        for t in targets
        if t.startswith("timelapse")
    }
    assert not wrong


# Who may index the records: state/ (the store and the owners there) and two owners that live
# with their hardware -- the clock (timelapse/timesync.py) and the WiFi hint and send pacing
# (timelapse/network.py). Every field has exactly one owner module besides state/store.py.
ALLOWED = {ROOT / "timelapse" / "timesync.py", ROOT / "timelapse" / "network.py"}
OWNER = {
    "state/queue.py": {
        "seq",
        "uploaded",
        "oldest",
        "queued_at",
        "uploads",
        "batches",
        "last_upload",
        "skipped",
    },
    "state/backoff.py": {"backoff"},
    "state/auth.py": {"token", "token_expiry", "auth_broken"},
    "state/sensor.py": {"cam_sensor", "cam_sleep", "cam_fails", "cam_switch", "sensor"},
    "state/battery.py": {"battery_v", "brownouts", "brownouts_seen", "brownout_v"},
    "state/trend.py": {"battery_ref"},
    "state/remoteconf.py": {"remote_tag", "remote_error"},
    "state/card.py": {"free_kb", "free_checked", "card_error"},
    "state/conf.py": {
        "config_key",
        "config",
        "config_hash",
        "config_error",
        "settings_error",
        "config_source",
    },
    "state/cadence.py": {"slot", "anchor"},
    "timelapse/timesync.py": {
        "clock",
        "since",
        "synced_at",
        "rate",
        "distrust",
        "temperature",
        "doubt",
        "promise",
        "zone",
    },
    "timelapse/network.py": {"wifi", "paced"},
    "state/store.py": {"nvm_seq", "wakes", "timings", "errors", "error_counts", "power_ons"},
}
INDEX = re.compile(r"\b(?:hot|durable)\[")
FIELD = re.compile(r'\b(?:hot|durable)\["(\w+)"\]')


def test_only_state_and_the_owners_index_the_records() -> None:
    """What `grep -n 'hot\\[\\|durable\\['` over the firmware must find: nothing outside them."""
    hits = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in FIRMWARE
        if path.parent != ROOT / "state" and path not in ALLOWED
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if INDEX.search(line)
    ]
    assert not hits, "\n".join(hits)


def test_every_field_has_one_owner() -> None:
    """Each field of state/README.md's table is indexed by its owner (and state/store.py, which
    loads, merges and saves the records) and by no other module."""
    from state.store import DURABLE, HOT

    owner_of = {field: owner for owner, fields in OWNER.items() for field in fields}
    assert set(HOT) | set(DURABLE) == set(owner_of), "a field without an owner, or an owner of no field"
    strays = []
    for path in FIRMWARE:
        name = str(path.relative_to(ROOT))
        for field in FIELD.findall(path.read_text()):
            if name not in (owner_of[field], "state/store.py"):
                strays.append(f"{name} indexes {field!r}, owned by {owner_of[field]}")
    assert not strays, "\n".join(strays)


def test_the_readme_table_names_the_same_owners() -> None:
    """state/README.md's table is what users read: its owner column agrees with the code's."""
    said: dict[str, set[str]] = {}
    for line in (ROOT / "state" / "README.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 5 and cells[0].startswith("`"):
            owner = cells[3].strip("`")
            for field in re.findall(r"`(\w+)`", cells[0]):
                said.setdefault(owner, set()).add(field)
    said["state/store.py"].discard("board")  # only in the card copy, written by the store
    assert said == OWNER
