"""Owner of the card's fields (hot free_kb, free_checked, card_error): the free space estimate
(statvfs is slow on big cards) and what went wrong with the card ("", "missing", "full")."""


def problem(hot):
    return hot["card_error"]


def set_problem(hot, what):
    hot["card_error"] = what


def free(hot):
    """The free space estimate (kB; -1: measure it again)."""
    return hot["free_kb"]


def stale(hot, utc, below_kb, max_age_s):
    """Whether to measure again: the estimate is below `below_kb` or older than `max_age_s`."""
    return hot["free_kb"] < below_kb or abs(utc - hot["free_checked"]) > max_age_s


def measured(hot, kb, utc):
    hot["free_kb"] = kb
    hot["free_checked"] = utc


def forget(hot):
    """The estimate is no longer to be trusted: measure at the next capture."""
    hot["free_kb"] = -1


def used(hot, kb):
    """`kb` written (negative: freed)."""
    hot["free_kb"] -= kb
