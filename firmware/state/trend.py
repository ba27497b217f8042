"""Owner of the battery trend (hot battery_ref: [utc, volts, V/day or None]), for status.json:
the reference moves at most daily, at upload wakes, so a capture wake pays nothing for it."""

DAY = 86400


def update(hot: dict, volts: "float | None", utc: int) -> None:
    """V/day over the last span of a day or more; None before one (or without a battery pin)."""
    ref = hot["battery_ref"]
    if not volts or ref is None or utc < ref[0]:
        hot["battery_ref"] = [utc, volts, None] if volts else None
    elif utc - ref[0] >= DAY:
        hot["battery_ref"] = [utc, volts, round((volts - ref[1]) * DAY / (utc - ref[0]), 4)]


def last(hot: dict) -> "float | None":
    ref = hot["battery_ref"]
    return None if ref is None else ref[2]
