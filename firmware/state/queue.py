"""Owner of the queue (hot seq, uploaded, oldest, queued_at; durable uploads, batches,
last_upload, skipped): photos (uploaded, seq] wait; state/store.py copies seq and uploaded to
NVM. Of the photos up to `uploaded`, `skipped` never reached Dropbox (gone from the card, or
refused by Dropbox): the photos in Dropbox are uploaded - skipped."""


def last(hot: dict) -> int:
    return hot["seq"]


def uploaded(hot: dict) -> int:
    return hot["uploaded"]


def waiting(hot: dict) -> int:
    return hot["seq"] - hot["uploaded"]


def next_up(hot: dict) -> int:
    return hot["uploaded"] + 1


def oldest(hot: dict) -> int:
    """The lowest sequence number still on the card."""
    return hot["oldest"]


def queued_since(hot: dict) -> int:
    """UTC when the oldest waiting photo joined the queue (0: not known)."""
    return hot["queued_at"]


def waits_since(hot: dict, utc: int) -> None:
    hot["queued_at"] = int(utc)


def captured(hot: dict, seq: int) -> None:
    hot["seq"] = seq


def found(hot: dict, highest: int, lowest: int) -> bool:
    """What the card holds after a reset; returns whether it knew of later photos."""
    later = highest > hot["seq"]
    if later:
        hot["seq"] = highest
    # The card is the truth after a reset (it may have been swapped): its lowest photo, or,
    # when it holds none of ours, the next one to be taken.
    hot["oldest"] = lowest if highest else hot["seq"] + 1
    return later


def sent(hot: dict, seq: int) -> None:
    """Photo `seq` is in Dropbox (or lost from the card)."""
    hot["uploaded"] = seq


def skipped(hot: dict, durable: dict, seq: int) -> None:
    """Photo `seq` will never be in Dropbox (not on the card, or refused): the queue moves on."""
    hot["uploaded"] = seq
    durable["skipped"] += 1


def in_dropbox(hot: dict, durable: dict) -> int:
    """Photos Dropbox acknowledged (each once), as far as this record knows."""
    return hot["uploaded"] - durable["skipped"]


def skips(durable: dict) -> int:
    return durable["skipped"]


def on_card(hot: dict) -> "int | None":
    """The lowest sequence number on the card, or None when it holds none of ours."""
    return hot["oldest"] if hot["oldest"] <= hot["seq"] else None


def deletable(hot: dict) -> bool:
    return hot["oldest"] <= hot["uploaded"]


def deleted_oldest(hot: dict) -> None:
    hot["oldest"] += 1


def emptied(hot: dict) -> None:
    if hot["uploaded"] >= hot["seq"]:
        hot["queued_at"] = 0


def acknowledged(durable: dict) -> None:
    durable["uploads"] += 1


def batch_done(durable: dict, utc: int) -> None:
    durable["batches"] += 1
    durable["last_upload"] = utc


def batches(durable: dict) -> int:
    return durable["batches"]


def last_upload(durable: dict) -> int:
    return durable["last_upload"]
