"""Owner of the Dropbox authorisation (durable token, token_expiry, auth_broken): the access
token and its expiry, and uploads stopped by a refused refresh until settings.toml changes
(auth_broken is "kind@settings key")."""

if False:  # for type checkers only: the board compiles nothing for it
    from collections.abc import Callable


def token(durable: dict) -> str:
    return durable["token"]


def expiry(durable: dict) -> int:
    return durable["token_expiry"]


def keep(durable: dict, token: str, expiry: int) -> None:
    durable["token"] = token
    durable["token_expiry"] = expiry


def drop(durable: dict) -> None:
    """Dropbox refused the token: the next call refreshes it."""
    durable["token"] = ""


def broken(durable: dict) -> str:
    """Why uploads stopped for auth ("" when fine)."""
    return durable["auth_broken"]


def describe(durable: dict) -> str:
    """For the state dump, in words (the settings key inside is no business of the user's)."""
    if not durable["auth_broken"]:
        return "ok"
    if durable["auth_broken"].split("@")[0] == "settings":
        return "uploads stopped: DBX_APP_KEY, DBX_APP_SECRET or DBX_REFRESH_TOKEN is missing " \
               "from settings.toml; they resume when it is changed"
    return "uploads stopped: Dropbox refused the app key, secret or refresh token in " \
           "settings.toml; they resume when it is changed"


def stop(durable: dict, kind: str, settings: str) -> None:
    """A refused refresh: stop uploads until settings.toml's key (`settings`) changes."""
    durable["auth_broken"] = "%s@%s" % (kind, settings)


def recheck(durable: dict, settings_key: "Callable[[], str]") -> None:
    """When stopped: try again once settings.toml changed (`settings_key()` tells its key)."""
    if durable["auth_broken"] and not durable["auth_broken"].endswith("@" + settings_key()):
        durable["auth_broken"] = ""
