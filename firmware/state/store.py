"""The state of the camera across wakes: hot fields in sleep memory, durable ones in NVM and
on the card.

Sleep memory (4096 bytes) survives deep sleep, not a power loss, and is rewritten every wake.
NVM (8192 bytes) survives everything but is flash, written only when a durable field changed.
On the ESP32-S3 it is one NVS blob that every write erases and rewrites whole, so a power cut
inside a write leaves it empty: two slots in it would both be lost. The durable record is
therefore written to the card first (state/backup.py), then to NVM, and the newest valid copy
by its write counter `nvm_seq` wins.
"""

from state import record

if False:  # for type checkers only: the board compiles nothing for it
    from collections.abc import Callable

SLEEP_MAGIC = b"TLsm"
SLEEP_VERSION = 1
NVM_MAGIC = b"TLnv"
NVM_VERSION = 1
NVM_SIZE = 8192
MAX_ERRORS = 6
MAX_TIMINGS = 4

# Hot fields: valid while the board has power. See state/README.md for each.
HOT: dict = {
    "seq": 0,
    "oldest": 1,
    "uploaded": 0,
    "wakes": 0,
    "slot": 0,
    "anchor": 0,
    "free_kb": -1,
    "free_checked": 0,
    "config_key": None,
    "queued_at": 0,
    "clock": None,
    "since": [0, 0.0, 0.0, 0.0],
    "synced_at": 0,
    "rate": None,
    "distrust": 0.0,
    "temperature": 0.0,
    "doubt": 1.0,
    "promise": "",
    "wifi": None,
    "backoff": [0, 0],
    "timings": [],
    "errors": [],
    "error_counts": {},
    "battery_v": 0.0,
    "battery_ref": None,
    "card_error": "",
    "cam_sensor": "",
    "cam_sleep": "",
    "cam_fails": 0,
    "cam_switch": "",
}

# Durable fields: survive a power loss.
DURABLE: dict = {
    "nvm_seq": 0,
    "seq": 0,
    "uploaded": 0,
    "power_ons": 0,
    "uploads": 0,
    "batches": 0,
    "last_upload": 0,
    "skipped": 0,             # photos the queue passed over (gone from the card, refused)
    "token": "",
    "token_expiry": 0,
    "rate": None,
    "config": None,
    "config_hash": 0,
    "config_error": "",
    "config_source": "default",
    "remote_tag": "",
    "remote_error": "",
    "auth_broken": "",
    "zone": None,
    "settings_error": "",
    "paced": 0,
    "sensor": "",
    "brownouts": 0,           # counted by safemode.py after each brown-out
    "brownouts_seen": 0,      # ... and taken into account by a wake (timelapse/power.py)
    "brownout_v": [0.0, 0.0],  # learned floors: no WiFi / no capture below (0.0: none)
}


class State:
    """Both records of one wake, with what loading them found."""

    def __init__(self, hot, durable, problems, cold):
        self.hot = hot
        self.durable = durable
        self.problems = problems  # why a record was not trusted, for the log
        self.cold = cold          # no valid sleep memory: a power-on (or a garbled record)
        self.nvm_valid = False    # NVM held a valid record (else look for the card's copy)
        self._durable_loaded = dict(durable)

    @classmethod
    def load(cls, sleep_memory, nvm) -> "State":
        problems: list = []
        durable = read_nvm(nvm, problems)
        try:
            hot = record.merged(HOT, record.decode(sleep_memory, 0, len(sleep_memory),
                                                   SLEEP_MAGIC, SLEEP_VERSION))
            cold = False
        except record.RecordError as error:
            if not error.empty:
                problems.append("sleep memory: %s" % error)
            hot = record.merged(HOT, {})
            cold = True
        state = cls(hot, durable or record.merged(DURABLE, {}), problems, cold)
        state.nvm_valid = durable is not None
        if cold:
            state._hot_from_durable()
        return state

    def _hot_from_durable(self):
        """After a power-on the hot counters start from the durable ones."""
        durable, hot = self.durable, self.hot
        hot["seq"] = durable["seq"]
        hot["oldest"] = max(1, durable["uploaded"] + 1) if durable["seq"] else 1
        hot["uploaded"] = durable["uploaded"]

    def adopt(self, copies: list, board: str) -> bool:
        """Take the newest valid copy of the durable record from the card (`copies`: the bytes
        of each file read) when it is newer than NVM's. A copy written by another board (a
        swapped card) is ignored. Returns whether one was taken; then NVM is rewritten."""
        best = None
        for data in copies:
            try:
                fields = record.decode(data, 0, len(data), NVM_MAGIC, NVM_VERSION)
            except record.RecordError as error:
                if not error.empty:
                    self.problems.append("card copy: %s" % error)
                continue
            if fields.get("board") != board:
                self.problems.append("card copy: written by another board")
                continue
            fields = record.merged(DURABLE, fields)  # types checked before they are compared
            if best is None or fields["nvm_seq"] > best["nvm_seq"]:
                best = fields
        if best is None or (self.nvm_valid and best["nvm_seq"] <= self.durable["nvm_seq"]):
            return False
        best["token"], best["token_expiry"] = self.durable["token"], self.durable["token_expiry"]
        self.durable = best
        self._durable_loaded = {}  # NVM is older or empty: rewrite it at the end of the wake
        if self.cold:
            self._hot_from_durable()
        return True

    def count_power_on(self) -> None:
        self.durable["power_ons"] += 1

    def nvm_seq(self) -> int:
        """The durable record's write counter."""
        return self.durable["nvm_seq"]

    def history(self):
        """For the state dump: wakes since the power-on, power-ons, the last errors and their
        counts by kind, the phase timings of the last wakes."""
        hot = self.hot
        return (hot["wakes"], self.durable["power_ons"], hot["errors"], hot["error_counts"],
                hot["timings"])

    def note_error(self, kind: str, message: str, when: int) -> None:
        errors = self.hot["errors"]
        errors.append([when, kind, message[:120]])
        del errors[:-MAX_ERRORS]
        counts = self.hot["error_counts"]
        counts[kind] = counts.get(kind, 0) + 1

    def note_timings(self, timings: dict) -> None:
        history = self.hot["timings"]
        history.append(timings)
        del history[:-MAX_TIMINGS]

    def durable_changed(self) -> bool:
        return self.durable != self._durable_loaded

    def save(self, sleep_memory, nvm, board: str = "", card: "Callable[[bytes, int], None] | None" = None) -> bool:
        """Sleep memory always; when a durable field changed, the card copy (through `card`, a
        function given the copy's bytes and write counter; None without a card), then NVM.
        Returns whether NVM was written."""
        self.hot["wakes"] += 1
        data = record.encode(SLEEP_MAGIC, SLEEP_VERSION, self.hot)
        if len(data) > len(sleep_memory):
            # Never let a record outgrow its memory: drop the history first.
            self.hot["timings"] = self.hot["timings"][-1:]
            self.hot["errors"] = self.hot["errors"][-2:]
            data = record.encode(SLEEP_MAGIC, SLEEP_VERSION, self.hot)
        sleep_memory[0:len(data)] = data
        if not self.durable_changed():
            return False
        durable = self.durable
        durable["seq"] = self.hot["seq"]
        durable["uploaded"] = self.hot["uploaded"]
        durable["nvm_seq"] += 1
        data = record.encode(NVM_MAGIC, NVM_VERSION, durable)
        if len(data) > NVM_SIZE:
            raise ValueError("NVM record of %d bytes exceeds NVM" % len(data))
        if card is not None:
            # The access token stays off the card (it leaves the camera); a refresh replaces it.
            copy = dict(durable, token="", token_expiry=0, board=board)
            card(record.encode(NVM_MAGIC, NVM_VERSION, copy), durable["nvm_seq"])
        nvm[0:len(data)] = data
        self._durable_loaded = dict(durable)
        self.nvm_valid = True
        return True


def read_nvm(nvm, problems: list) -> "dict | None":
    """The durable record in NVM (merged with the defaults), or None when there is none."""
    try:
        fields = record.decode(nvm, 0, NVM_SIZE, NVM_MAGIC, NVM_VERSION)
    except record.RecordError as error:
        if not error.empty:
            problems.append("nvm: %s" % error)
        return None
    return record.merged(DURABLE, fields)
