"""The state of the camera across wakes: hot fields in sleep memory, durable ones in NVM.

Sleep memory (4096 bytes) survives deep sleep, not a power loss, and is rewritten every wake.
NVM (8192 bytes) survives everything but is flash: it is written only when a durable field
changed, as two alternating 4096-byte slots with a sequence number, so a power cut in the
middle of a write leaves the other slot, the previous record, intact.
"""

from state import record

SLEEP_MAGIC = b"TLsm"
SLEEP_VERSION = 1
NVM_MAGIC = b"TLnv"
NVM_VERSION = 1
NVM_SLOT_SIZE = 4096
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
    "since": [0, 0.0, 0.0],
    "synced_at": 0,
    "rate": None,
    "distrust": 0.0,
    "temperature": 0.0,
    "wifi": None,
    "backoff": [0, 0],
    "timings": [],
    "errors": [],
    "error_counts": {},
    "battery_v": 0.0,
    "card_error": "",
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
    "token": "",
    "token_expiry": 0,
    "rate": None,
    "config": None,
    "config_hash": 0,
    "config_error": "",
    "auth_broken": "",
    "zone": None,
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
        self._durable_loaded = dict(durable)
        self._nvm_slot = -1

    @classmethod
    def load(cls, sleep_memory, nvm):
        problems: list = []
        durable, slot = read_nvm(nvm, problems)
        try:
            hot = record.merged(HOT, record.decode(sleep_memory, 0, len(sleep_memory),
                                                   SLEEP_MAGIC, SLEEP_VERSION))
            cold = False
        except record.RecordError as error:
            if not error.empty:
                problems.append("sleep memory: %s" % error)
            hot = record.merged(HOT, {})
            hot["seq"] = durable["seq"]
            hot["oldest"] = max(1, durable["uploaded"] + 1) if durable["seq"] else 1
            hot["uploaded"] = durable["uploaded"]
            cold = True
        state = cls(hot, durable, problems, cold)
        state._nvm_slot = slot
        return state

    def note_error(self, kind, message, when):
        errors = self.hot["errors"]
        errors.append([when, kind, message[:120]])
        del errors[:-MAX_ERRORS]
        counts = self.hot["error_counts"]
        counts[kind] = counts.get(kind, 0) + 1

    def note_timings(self, timings):
        history = self.hot["timings"]
        history.append(timings)
        del history[:-MAX_TIMINGS]

    def durable_changed(self):
        return self.durable != self._durable_loaded

    def save(self, sleep_memory, nvm):
        """Sleep memory always; NVM only when a durable field changed. Returns NVM written."""
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
        self.durable["seq"] = self.hot["seq"]
        self.durable["uploaded"] = self.hot["uploaded"]
        self._nvm_slot = write_nvm(nvm, self.durable, self._nvm_slot)
        self._durable_loaded = dict(self.durable)
        return True


def read_nvm(nvm, problems):
    """The newest valid NVM slot: (fields, slot), or defaults and -1 when neither is valid."""
    best, best_slot = None, -1
    for slot in (0, 1):
        try:
            fields = record.decode(nvm, slot * NVM_SLOT_SIZE, NVM_SLOT_SIZE, NVM_MAGIC, NVM_VERSION)
        except record.RecordError as error:
            if not error.empty:
                problems.append("nvm slot %d: %s" % (slot, error))
            continue
        fields = record.merged(DURABLE, fields)  # types checked before they are compared
        if best is None or fields["nvm_seq"] > best["nvm_seq"]:
            best, best_slot = fields, slot
    return best or record.merged(DURABLE, {}), best_slot


def write_nvm(nvm, durable, current_slot):
    """Write the durable record into the slot that does not hold the newest one."""
    durable["nvm_seq"] += 1
    data = record.encode(NVM_MAGIC, NVM_VERSION, durable)
    if len(data) > NVM_SLOT_SIZE:
        raise ValueError("NVM record of %d bytes exceeds its slot" % len(data))
    slot = 1 - current_slot if current_slot in (0, 1) else 0
    start = slot * NVM_SLOT_SIZE
    nvm[start:start + len(data)] = data
    return slot
