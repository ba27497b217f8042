"""Owner of the remote camconfig.toml's fields (durable remote_tag: the ETag of the file last
fetched, accepted or not, sent as If-None-Match; remote_error: why it was rejected). The
configuration it brings is kept by state/conf.py. Imported only by upload wakes and the dump."""

from state import conf


def tag(durable: dict) -> str:
    return durable["remote_tag"]


def problem(durable: dict) -> str:
    return durable["remote_error"]


def accepted(durable: dict, cfg: dict, etag: str) -> None:
    """In force from the next wake; the local file's CRC is kept, so only an edit of it wins."""
    conf.use_remote(durable, cfg)
    durable["remote_tag"] = etag
    durable["remote_error"] = ""


def rejected(durable: dict, etag: str, message: str) -> None:
    """The configuration in force stays; not fetched again until the file changes."""
    durable["remote_tag"] = etag
    durable["remote_error"] = message


def gone(hot: dict, durable: dict) -> bool:
    """No remote file (any more); returns whether one was in force: then the next wake reads
    the local file again."""
    durable["remote_tag"] = ""
    durable["remote_error"] = ""
    if conf.source(durable) != "remote":
        return False
    conf.reread(hot, durable)
    return True
