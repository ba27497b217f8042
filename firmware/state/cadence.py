"""Owner of the cadence (hot slot: local time of the last slot taken; anchor: RTC time of the
last capture without a valid clock)."""


def last_slot(hot: dict) -> int:
    return hot["slot"]


def took_slot(hot: dict, slot: int) -> None:
    hot["slot"] = slot


def anchor(hot: dict) -> int:
    return hot["anchor"]


def set_anchor(hot: dict, utc: int) -> None:
    hot["anchor"] = utc
