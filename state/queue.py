"""Owner of the upload queue's fields (hot seq, uploaded, oldest, queued_at; durable uploads,
batches, last_upload): photos (uploaded, seq] wait, `oldest` is the lowest still on the card.
Only this module and state/store.py (which copies seq and uploaded to NVM) touch them."""


def last(hot):
    """The sequence number of the last photo captured."""
    return hot["seq"]


def uploaded(hot):
    """Every photo up to this sequence number is in Dropbox."""
    return hot["uploaded"]


def waiting(hot):
    return hot["seq"] - hot["uploaded"]


def next_up(hot):
    """The oldest photo waiting (when any)."""
    return hot["uploaded"] + 1


def oldest(hot):
    return hot["oldest"]


def queued_since(hot):
    """UTC when the oldest waiting photo joined the queue (0: empty or not known yet)."""
    return hot["queued_at"]


def captured(hot, seq):
    hot["seq"] = seq


def found(hot, highest, lowest):
    """What the card holds after a reset; returns whether it knew of later photos."""
    later = highest > hot["seq"]
    if later:
        hot["seq"] = highest
    hot["oldest"] = max(hot["oldest"], lowest) if hot["seq"] else 1
    return later


def waits_since(hot, utc):
    """The oldest waiting photo's age counts from `utc` (a valid time) when not yet known."""
    hot["queued_at"] = int(utc)


def sent(hot, seq):
    """Photo `seq` is in Dropbox (or lost from the card)."""
    hot["uploaded"] = seq


def acknowledged(durable):
    """One more photo Dropbox acknowledged (the durable counter)."""
    durable["uploads"] += 1


def batch_done(durable, utc):
    """A batch that sent at least one photo ended at `utc`."""
    durable["batches"] += 1
    durable["last_upload"] = utc


def batches(durable):
    return durable["batches"]


def last_upload(durable):
    """UTC of the last batch Dropbox acknowledged, 0 before any."""
    return durable["last_upload"]


def deletable(hot):
    """Whether the oldest photo on the card is uploaded (may be deleted for room)."""
    return hot["oldest"] <= hot["uploaded"]


def deleted_oldest(hot):
    hot["oldest"] += 1


def emptied(hot):
    """At the end of a batch: an empty queue has no age."""
    if hot["uploaded"] >= hot["seq"]:
        hot["queued_at"] = 0
