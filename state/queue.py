"""Owner of the queue (hot seq, uploaded, oldest, queued_at; durable uploads, batches,
last_upload, skipped): photos (uploaded, seq] wait; state/store.py copies seq and uploaded to
NVM. Of the photos up to `uploaded`, `skipped` never reached Dropbox (gone from the card, or
refused by Dropbox): the photos in Dropbox are uploaded - skipped."""


def last(hot):
    return hot["seq"]


def uploaded(hot):
    return hot["uploaded"]


def waiting(hot):
    return hot["seq"] - hot["uploaded"]


def next_up(hot):
    return hot["uploaded"] + 1


def oldest(hot):
    """The lowest sequence number still on the card."""
    return hot["oldest"]


def queued_since(hot):
    """UTC when the oldest waiting photo joined the queue (0: not known)."""
    return hot["queued_at"]


def waits_since(hot, utc):
    hot["queued_at"] = int(utc)


def captured(hot, seq):
    hot["seq"] = seq


def found(hot, highest, lowest):
    """What the card holds after a reset; returns whether it knew of later photos."""
    later = highest > hot["seq"]
    if later:
        hot["seq"] = highest
    # The card is the truth after a reset (it may have been swapped): its lowest photo, or,
    # when it holds none of ours, the next one to be taken.
    hot["oldest"] = lowest if highest else hot["seq"] + 1
    return later


def sent(hot, seq):
    """Photo `seq` is in Dropbox (or lost from the card)."""
    hot["uploaded"] = seq


def skipped(hot, durable, seq):
    """Photo `seq` will never be in Dropbox (not on the card, or refused): the queue moves on."""
    hot["uploaded"] = seq
    durable["skipped"] += 1


def in_dropbox(hot, durable):
    """Photos Dropbox acknowledged (each once), as far as this record knows."""
    return hot["uploaded"] - durable["skipped"]


def skips(durable):
    return durable["skipped"]


def on_card(hot):
    """The lowest sequence number on the card, or None when it holds none of ours."""
    return hot["oldest"] if hot["oldest"] <= hot["seq"] else None


def deletable(hot):
    return hot["oldest"] <= hot["uploaded"]


def deleted_oldest(hot):
    hot["oldest"] += 1


def emptied(hot):
    if hot["uploaded"] >= hot["seq"]:
        hot["queued_at"] = 0


def acknowledged(durable):
    durable["uploads"] += 1


def batch_done(durable, utc):
    durable["batches"] += 1
    durable["last_upload"] = utc


def batches(durable):
    return durable["batches"]


def last_upload(durable):
    return durable["last_upload"]
