"""Owner of the card's fields (hot free_kb, free_checked, card_error)."""


def problem(hot: dict) -> str:
    """"", "missing" or "full"."""
    return hot["card_error"]


def set_problem(hot: dict, what: str) -> None:
    hot["card_error"] = what


def free(hot: dict) -> int:
    """Free space estimate, kB (-1: measure again)."""
    return hot["free_kb"]


def stale(hot: dict, utc: int, below_kb: int, max_age_s: int) -> bool:
    return hot["free_kb"] < below_kb or abs(utc - hot["free_checked"]) > max_age_s


def measured(hot: dict, kb: int, utc: int) -> None:
    hot["free_kb"] = kb
    hot["free_checked"] = utc


def forget(hot: dict) -> None:
    hot["free_kb"] = -1


def used(hot: dict, kb: int) -> None:
    hot["free_kb"] -= kb
