"""Owner of the Dropbox authorisation (durable token, token_expiry, auth_broken): the access
token and its expiry, and uploads stopped by a refused refresh until settings.toml changes
(auth_broken is "kind@settings key")."""


def token(durable):
    return durable["token"]


def expiry(durable):
    return durable["token_expiry"]


def keep(durable, token, expiry):
    durable["token"] = token
    durable["token_expiry"] = expiry


def drop(durable):
    """Dropbox refused the token: the next call refreshes it."""
    durable["token"] = ""


def broken(durable):
    """Why uploads stopped for auth ("" when fine)."""
    return durable["auth_broken"]


def describe(durable):
    """For the state dump, in words (the settings key inside is no business of the user's)."""
    if not durable["auth_broken"]:
        return "ok"
    if durable["auth_broken"].split("@")[0] == "settings":
        return "uploads stopped: DBX_APP_KEY, DBX_APP_SECRET or DBX_REFRESH_TOKEN is missing " \
               "from settings.toml; they resume when it is changed"
    return "uploads stopped: Dropbox refused the app key, secret or refresh token in " \
           "settings.toml; they resume when it is changed"


def stop(durable, kind, settings):
    """A refused refresh: stop uploads until settings.toml's key (`settings`) changes."""
    durable["auth_broken"] = "%s@%s" % (kind, settings)


def recheck(durable, settings_key):
    """When stopped: try again once settings.toml changed (`settings_key()` tells its key)."""
    if durable["auth_broken"] and not durable["auth_broken"].endswith("@" + settings_key()):
        durable["auth_broken"] = ""
