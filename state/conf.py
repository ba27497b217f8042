"""Owner of the config cache (hot config_key: camconfig.toml's [size, mtime]; durable config,
config_hash, config_error, settings_error, config_source, remote_tag, remote_error).

`config` is the configuration in force, from the local camconfig.toml or from the one in the
camera's Dropbox folder (`config_source`), whichever changed last; `config_hash` is always the
CRC of the local file's text, so an unchanged local file never displaces a remote config.
`remote_tag` is the ETag of the remote file last fetched (accepted or not)."""


def cached(durable):
    return durable["config"]


def unchanged(hot, key):
    return key is not None and key == hot["config_key"]


def seen(hot, key):
    hot["config_key"] = key


def same_text(durable, fingerprint):
    return fingerprint == durable["config_hash"] and durable["config"]


def loaded(durable, cfg, fingerprint):
    durable["config"] = cfg
    durable["config_hash"] = fingerprint
    durable["config_error"] = ""
    durable["config_source"] = "local"


def source(durable):
    """"local", "remote" or "default" (no good file yet)."""
    return durable["config_source"] if durable["config"] else "default"


def remote_tag(durable):
    return durable["remote_tag"]


def remote_problem(durable):
    return durable["remote_error"]


def remote_loaded(durable, cfg, tag):
    """A valid remote file: in force from the next wake (the local file's CRC is kept)."""
    durable["config"] = cfg
    durable["config_source"] = "remote"
    durable["remote_tag"] = tag
    durable["remote_error"] = ""


def remote_rejected(durable, tag, message):
    """A remote file that failed validation: the config in force stays; not fetched again
    until it changes."""
    durable["remote_tag"] = tag
    durable["remote_error"] = message


def remote_gone(hot, durable):
    """No remote file (any more): when one was in force, the next wake reads the local file
    again. Returns whether that happens."""
    durable["remote_tag"] = ""
    durable["remote_error"] = ""
    if durable["config_source"] != "remote":
        return False
    durable["config_hash"] = 0
    hot["config_key"] = None
    return True


def problem(durable):
    return durable["config_error"]


def set_problem(durable, message):
    durable["config_error"] = message


def settings_problem(durable):
    return durable["settings_error"]


def set_settings_problem(durable, message):
    """Returns whether it changed (reported once per change)."""
    if message == durable["settings_error"]:
        return False
    durable["settings_error"] = message
    return True
