"""Owner of the card's fields (hot free_kb, free_checked, card_error)."""


def problem(hot):
    """"", "missing" or "full"."""
    return hot["card_error"]


def set_problem(hot, what):
    hot["card_error"] = what


def free(hot):
    """Free space estimate, kB (-1: measure again)."""
    return hot["free_kb"]


def stale(hot, utc, below_kb, max_age_s):
    return hot["free_kb"] < below_kb or abs(utc - hot["free_checked"]) > max_age_s


def measured(hot, kb, utc):
    hot["free_kb"] = kb
    hot["free_checked"] = utc


def forget(hot):
    hot["free_kb"] = -1


def used(hot, kb):
    hot["free_kb"] -= kb
