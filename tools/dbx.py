"""The host tools' Dropbox connection: the official SDK, the camera's settings.toml values.

`python -m tools.status` and `python -m tools.video` log in exactly as the camera does (app key,
app secret and refresh token from settings.toml) and can be pointed at the simulator's local
Dropbox instead of Dropbox: a running one (`--local HOST:PORT`, e.g. `python -m sim.cloud`), or
the folder a simulator run left (`--cloud-dir out/cloud`), served on loopback for the command.

The SDK reads its hosts from DROPBOX_API_HOST / DROPBOX_API_CONTENT_HOST when its modules are
imported (and binds the token host as a default argument), so a local client is made from a
reload of those modules with the variables set, and the modules are reloaded again afterwards:
the client keeps the local hosts, nothing else in the process does.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import dropbox

KEYS = ("DBX_APP_KEY", "DBX_APP_SECRET", "DBX_REFRESH_TOKEN")
HOST_VARIABLES = ("DROPBOX_API_HOST", "DROPBOX_API_CONTENT_HOST")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The connection options both tools share."""
    group = parser.add_argument_group("Dropbox")
    group.add_argument(
        "--settings",
        type=Path,
        default=Path("settings.toml"),
        help="the camera's settings.toml with DBX_APP_KEY, DBX_APP_SECRET, "
        "DBX_REFRESH_TOKEN (default ./settings.toml)",
    )
    group.add_argument(
        "--local",
        metavar="HOST:PORT",
        help="use a running local Dropbox of the simulator (python -m sim.cloud) "
        "instead of Dropbox; its CA is --local-ca",
    )
    group.add_argument(
        "--local-ca", type=Path, metavar="PEM", help="the local Dropbox's CA (ca.pem in its --dir)"
    )
    group.add_argument(
        "--cloud-dir",
        type=Path,
        metavar="DIR",
        help="serve a local Dropbox folder left by a simulator run (out/cloud) "
        "for the length of the command, and use it",
    )


def read_settings(path: Path, required: bool = True) -> dict[str, str]:
    """The Dropbox values of a settings.toml; SystemExit naming what is wrong or missing."""
    if not path.exists():
        if required:
            raise SystemExit(f"{path}: not found (give --settings PATH, the camera's settings.toml)")
        return {}
    try:
        values = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as problem:
        raise SystemExit(f"{path}: {problem}") from None
    found = {key: values[key] for key in KEYS if isinstance(values.get(key), str) and values[key]}
    missing = [key for key in KEYS if key not in found]
    if missing and required:
        raise SystemExit(f"{path}: missing {', '.join(missing)} (quoted strings)")
    return found


def _sdk_client_module(host: str | None):  # -> the dropbox.dropbox_client module
    """dropbox.dropbox_client as imported with the hosts given (None: Dropbox's own)."""
    import dropbox.dropbox_client
    import dropbox.session

    saved = {name: os.environ.get(name) for name in HOST_VARIABLES}
    try:
        for name in HOST_VARIABLES:
            if host:
                os.environ[name] = host
            else:
                os.environ.pop(name, None)
        importlib.reload(dropbox.session)
        return importlib.reload(dropbox.dropbox_client)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def client(settings: dict[str, str], host: str | None = None, ca: Path | None = None) -> dropbox.Dropbox:
    """An SDK client logged in with the refresh token; `host`/`ca` for a local Dropbox."""
    if host is None:
        import dropbox

        return dropbox.Dropbox(
            oauth2_refresh_token=settings["DBX_REFRESH_TOKEN"],
            app_key=settings["DBX_APP_KEY"],
            app_secret=settings["DBX_APP_SECRET"],
        )
    module = _sdk_client_module(host)
    try:
        session = module.create_session(ca_certs=str(ca) if ca else None)
        # requests lets REQUESTS_CA_BUNDLE override the CA given: not for the local Dropbox.
        session.trust_env = False
        return module.Dropbox(
            oauth2_refresh_token=settings["DBX_REFRESH_TOKEN"],
            app_key=settings["DBX_APP_KEY"],
            app_secret=settings["DBX_APP_SECRET"],
            session=session,
            max_retries_on_error=1,
            max_retries_on_rate_limit=1,
        )
    finally:
        _sdk_client_module(None)


@contextlib.contextmanager
def connect(options: argparse.Namespace) -> Iterator[dropbox.Dropbox]:
    """The client the command line asks for (see add_arguments)."""
    local = options.local or options.cloud_dir
    settings = read_settings(options.settings, required=not local)
    if local:
        from sim.runner import LOCAL_DROPBOX

        settings = {**LOCAL_DROPBOX, **settings}
    if options.cloud_dir:
        from sim.cloud import LocalDropbox

        folder = Path(options.cloud_dir)
        if not folder.is_dir():
            raise SystemExit(f"{folder}: no such folder")
        with LocalDropbox(
            folder,
            app_key=settings["DBX_APP_KEY"],
            app_secret=settings["DBX_APP_SECRET"],
            refresh_token=settings["DBX_REFRESH_TOKEN"],
        ) as cloud:
            yield client(settings, f"localhost:{cloud.https_port}", folder / "ca.pem")
        return
    if options.local:
        if options.local_ca is None:
            raise SystemExit("--local needs --local-ca (ca.pem in the local Dropbox's --dir)")
        yield client(settings, options.local, options.local_ca)
        return
    yield client(settings)


def walk(dbx: dropbox.Dropbox, path: str) -> Iterator[dropbox.files.FileMetadata]:
    """Every file under `path` ("" for the app folder), following list_folder's cursor."""
    from dropbox import files

    page = dbx.files_list_folder(path, recursive=True)
    while True:
        for entry in page.entries:
            if isinstance(entry, files.FileMetadata):
                yield entry
        if not page.has_more:
            return
        page = dbx.files_list_folder_continue(page.cursor)


def describe(problem: Exception) -> str:
    """An SDK failure in one line a user can act on."""
    from dropbox import exceptions

    if isinstance(problem, exceptions.AuthError):
        return f"Dropbox refused the credentials: {problem.error}"
    if isinstance(problem, exceptions.BadInputError):
        return f"Dropbox refused the request: {problem.message}"
    if isinstance(problem, exceptions.ApiError):
        return f"Dropbox: {problem.user_message_text or problem.error}"
    return f"{type(problem).__name__}: {problem}"
