"""Owner of the config cache (hot config_key: camconfig.toml's [size, mtime]; durable config,
config_hash, config_error, settings_error, config_source). config_hash is the local file's."""


def cached(durable: dict) -> "dict | None":
    return durable["config"]


def unchanged(hot: dict, key: "list | None") -> bool:
    return key is not None and key == hot["config_key"]


def seen(hot: dict, key: "list | None") -> None:
    hot["config_key"] = key


def same_text(durable: dict, fingerprint: int) -> "dict | None":
    return fingerprint == durable["config_hash"] and durable["config"]


def loaded(durable: dict, cfg: dict, fingerprint: int) -> None:
    durable["config"] = cfg
    durable["config_hash"] = fingerprint
    durable["config_error"] = ""
    durable["config_source"] = "local"


def source(durable: dict) -> str:
    return durable["config_source"] if durable["config"] else "default"


def use_remote(durable: dict, cfg: dict) -> None:
    durable["config"] = cfg
    durable["config_source"] = "remote"


def reread(hot: dict, durable: dict) -> None:
    """Read the local file again at the next wake."""
    durable["config_hash"] = 0
    hot["config_key"] = None


def problem(durable: dict) -> str:
    return durable["config_error"]


def set_problem(durable: dict, message: str) -> None:
    durable["config_error"] = message


def settings_problem(durable: dict) -> str:
    return durable["settings_error"]


def set_settings_problem(durable: dict, message: str) -> bool:
    """Returns whether it changed (reported once per change)."""
    if message == durable["settings_error"]:
        return False
    durable["settings_error"] = message
    return True
