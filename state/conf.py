"""Owner of the configuration cache (hot config_key; durable config, config_hash, config_error,
settings_error): the last good camconfig.toml (validated), the key (size, mtime) and CRC32 of
its text that say it is unchanged, and what is wrong with camconfig.toml or settings.toml."""


def cached(durable):
    """The last good configuration, None before any."""
    return durable["config"]


def unchanged(hot, key):
    """Whether camconfig.toml's (size, mtime) is the one last loaded."""
    return key is not None and key == hot["config_key"]


def seen(hot, key):
    hot["config_key"] = key


def same_text(durable, fingerprint):
    """Whether the text is the one the cached configuration came from."""
    return fingerprint == durable["config_hash"] and durable["config"]


def loaded(durable, cfg, fingerprint):
    durable["config"] = cfg
    durable["config_hash"] = fingerprint
    durable["config_error"] = ""


def problem(durable):
    """Why camconfig.toml was rejected, "" when it is good."""
    return durable["config_error"]


def set_problem(durable, message):
    durable["config_error"] = message


def settings_problem(durable):
    return durable["settings_error"]


def set_settings_problem(durable, message):
    """Returns whether it changed (it is reported once per change)."""
    if message == durable["settings_error"]:
        return False
    durable["settings_error"] = message
    return True
