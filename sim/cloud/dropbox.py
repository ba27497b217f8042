"""The Dropbox API v2 routes of the local cloud and its OAuth2 token endpoint.

The wire format mirrors Dropbox (checked against the official `dropbox` SDK): JSON shapes of
results and route errors, 401 handling, the Dropbox-API-Arg header, and the upload rules of
WriteMode (identical content is no conflict). `DropboxRoutes` is the part of `LocalDropbox`
that answers them; files live in its `Store`.
"""

from __future__ import annotations

import base64
import binascii
import collections
import json
import random
import threading
from collections.abc import Callable
from urllib.parse import parse_qs

from sim.cloud.conditional import conditional
from sim.cloud.faults import CloudFaults
from sim.cloud.server import (
    API_HOST,
    CONTENT_HOST,
    JSON,
    BadInput,
    Reply,
    Request,
    RouteError,
    json_reply,
    parse_arg,
    route_error_reply,
)
from sim.cloud.store import Store, content_hash

MAX_UPLOAD = 150 * 1024 * 1024  # one upload or session append call
SESSION_LIFETIME_S = 7 * 86400  # upload sessions expire after a week
TOKEN_CHARS = 150  # about the length of a real short-lived access token


def check_path(path: object, function: str, root_ok: bool = False) -> str:
    """A Dropbox path ("" is the root where allowed); raises a malformed_path route error."""
    if not isinstance(path, str):
        raise BadInput(f'Error in call to API function "{function}": missing required field "path"')
    if path == "" and root_ok:
        return path
    if path == "/":
        raise BadInput(
            f'Error in call to API function "{function}": the root folder is specified as "", not "/"'
        )
    parts = path.split("/")
    if not path.startswith("/") or any(part in ("", ".", "..") for part in parts[1:]):
        raise RouteError({".tag": "path", "path": {".tag": "malformed_path"}})
    return path


def mode_of(arg: dict) -> tuple[str, str | None]:
    mode = arg.get("mode", "add")
    if isinstance(mode, str):
        return mode, None
    return mode.get(".tag", "add"), mode.get("update")


class _WriteError(Exception):
    """A WriteError union value, wrapped differently by upload and upload_session/finish."""

    def __init__(self, error: dict):
        super().__init__(error)
        self.error = error


class DropboxRoutes:
    """Authorisation, the token endpoint and the files routes (part of LocalDropbox)."""

    clock: Callable[[], float]
    lock: threading.Lock
    stats: collections.Counter
    faults: CloudFaults
    rng: random.Random
    ids: random.Random  # ids, revs, tokens
    store: Store
    tokens: dict[str, float]  # access token -> virtual expiry
    sessions: dict[str, dict]  # upload session id -> state
    app_key: str
    app_secret: str
    refresh_token: str
    token_lifetime_s: int
    quota_bytes: int

    def _count(self, key: str) -> None:
        with self.lock:
            self.stats[key] += 1

    def _dropbox_route(self, request: Request, host: str, style: str, method: str) -> Reply:
        function = request.path[3:]
        stat = function.removeprefix("files/").removeprefix("users/").replace("/", "_")
        stat = stat.removesuffix("_v2")
        self._count(stat)
        header_host = request.headers.get("host", "").split(":")[0]
        if header_host in (API_HOST, CONTENT_HOST) and header_host != host:
            raise BadInput(
                f'Error in call to API function "{function}": The request\'s host should be "{host}"'
            )
        auth = self._authorise(request, function)
        if auth:
            return auth
        if style == "rpc":
            if not request.headers.get("content-type", "").startswith(JSON):
                raise BadInput(
                    f'Error in call to API function "{function}": Bad HTTP '
                    '"Content-Type" header. Expecting "application/json".'
                )
            arg = parse_arg(request.body, function)
        else:
            if style == "upload" and request.headers.get("content-type", "").split(";")[0] not in (
                "application/octet-stream",
                "text/plain",
            ):
                raise BadInput(
                    f'Error in call to API function "{function}": Bad HTTP '
                    '"Content-Type" header. Expecting "application/octet-stream".'
                )
            arg = request.arg_of_header(function)
        try:
            with self.lock:
                reply = getattr(self, method)(arg, request.body)
        except RouteError as error:
            return route_error_reply(error.error, error.status)
        return conditional(request, reply)  # ETag, 304 (sim/cloud/conditional.py)

    def _authorise(self, request: Request, function: str) -> Reply | None:
        header = request.headers.get("authorization", "")
        if not header:
            raise BadInput(
                f'Error in call to API function "{function}": Must provide HTTP header '
                '"Authorization" or URL parameter "authorization".'
            )
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise BadInput(
                f'Error in call to API function "{function}": Invalid authorization value '
                'in HTTP header "Authorization"'
            )
        with self.lock:
            expiry = self.tokens.get(token)
            if expiry is None or self.faults.revoked:
                self.stats["auth_invalid"] += 1
                tag = "invalid_access_token"
            elif self.clock() >= expiry:
                self.stats["auth_expired"] += 1
                tag = "expired_access_token"
            elif self.faults.expire_token_p > 0 and self.rng.random() < self.faults.expire_token_p:
                self.stats["fault:expire_token"] += 1
                self.tokens[token] = self.clock()  # expired early, and stays expired
                tag = "expired_access_token"
            else:
                return None
        return json_reply(
            401,
            {"error_summary": tag + "/..", "error": {".tag": tag}},
            {"WWW-Authenticate": 'Bearer realm="Dropbox-API"'},
        )

    # -- OAuth2 ------------------------------------------------------------------------------------

    def _token(self, request: Request) -> Reply:
        self._count("token")
        form = {key: values[0] for key, values in parse_qs(request.body.decode("latin-1")).items()}
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        basic = request.headers.get("authorization", "")
        if basic.lower().startswith("basic "):
            try:
                client_id, _, client_secret = base64.b64decode(basic[6:]).decode().partition(":")
            except (ValueError, binascii.Error):
                client_id = client_secret = None
        if form.get("grant_type") != "refresh_token":
            return json_reply(
                400,
                {"error": "unsupported_grant_type", "error_description": "grant_type must be refresh_token"},
            )
        with self.lock:
            if client_id != self.app_key or client_secret != self.app_secret:
                self.stats["token_refused"] += 1
                return json_reply(
                    400,
                    {"error": "invalid_client", "error_description": "Invalid client_id or client_secret"},
                )
            if form.get("refresh_token") != self.refresh_token or self.faults.revoked:
                self.stats["token_refused"] += 1
                return json_reply(
                    400,
                    {"error": "invalid_grant", "error_description": "refresh token is invalid or revoked"},
                )
            now = self.clock()
            alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
            token = "sl." + "".join(self.ids.choice(alphabet) for _ in range(TOKEN_CHARS - 3))
            self.tokens[token] = now + self.token_lifetime_s
        return json_reply(
            200, {"access_token": token, "token_type": "bearer", "expires_in": self.token_lifetime_s}
        )

    # -- files routes (lock held; raise RouteError for route errors) -------------------------------

    def _lookup(self, path: str) -> dict:
        entry = self.store.entries.get(path.lower())
        if entry is None:
            raise RouteError({".tag": "path", "path": {".tag": "not_found"}})
        return entry

    def _get_metadata(self, arg: dict, body: bytes) -> Reply:
        path = check_path(arg.get("path"), "files/get_metadata")
        return json_reply(200, Store.public(self._lookup(path)))

    def _list_folder(self, arg: dict, body: bytes) -> Reply:
        path = check_path(arg.get("path"), "files/list_folder", root_ok=True)
        if path:
            entry = self._lookup(path)
            if entry[".tag"] != "folder":
                raise RouteError({".tag": "path", "path": {".tag": "not_folder"}})
        cursor = {
            "p": path.lower(),
            "r": bool(arg.get("recursive")),
            "s": 0,
            "l": int(arg.get("limit") or 2000),
        }
        return self._page(cursor, include_deleted=bool(arg.get("include_deleted")))

    def _list_folder_continue(self, arg: dict, body: bytes) -> Reply:
        try:
            cursor = json.loads(base64.urlsafe_b64decode(arg["cursor"]))
            cursor["p"], cursor["r"], cursor["s"], cursor["l"]
        except (KeyError, TypeError, ValueError, binascii.Error) as error:
            raise BadInput(
                'Error in call to API function "files/list_folder/continue": Invalid "cursor" parameter'
            ) from error
        if cursor["p"] and cursor["p"] not in self.store.entries:
            raise RouteError({".tag": "path", "path": {".tag": "not_found"}})
        return self._page(cursor, include_deleted=True)

    def _page(self, cursor: dict, include_deleted: bool) -> Reply:
        changed = self.store.listing(cursor["p"], cursor["r"], cursor["s"], include_deleted)
        page = changed[: cursor["l"]]
        has_more = len(changed) > len(page)
        # The cursor remembers the last change seen: continue returns only what changed after it.
        cursor = dict(cursor, s=page[-1]["seq"] if has_more else self.store.seq)
        token = base64.urlsafe_b64encode(json.dumps(cursor).encode()).decode()
        return json_reply(
            200, {"entries": [Store.public(e) for e in page], "cursor": token, "has_more": has_more}
        )

    def _delete(self, arg: dict, body: bytes) -> Reply:
        path = check_path(arg.get("path"), "files/delete_v2")
        entry = self.store.entries.get(path.lower())
        if entry is None:
            raise RouteError({".tag": "path_lookup", "path_lookup": {".tag": "not_found"}})
        parent_rev = arg.get("parent_rev")
        if parent_rev and entry.get("rev") != parent_rev:
            raise RouteError({".tag": "path_lookup", "path_lookup": {".tag": "not_found"}})
        return json_reply(200, {"metadata": Store.public(self.store.remove(path.lower()))})

    def _download(self, arg: dict, body: bytes) -> Reply:
        path = check_path(arg.get("path"), "files/download")
        entry = self._lookup(path)
        if entry[".tag"] != "file":
            raise RouteError({".tag": "path", "path": {".tag": "not_file"}})
        if arg.get("rev") and arg["rev"] != entry["rev"]:
            raise RouteError({".tag": "path", "path": {".tag": "not_found"}})
        data = self.store.disk(entry["path_display"]).read_bytes()
        return Reply(
            200, data, "application/octet-stream", {"Dropbox-API-Result": json.dumps(Store.public(entry))}
        )  # ASCII-escaped

    def _space_usage(self, arg: dict, body: bytes) -> Reply:
        return json_reply(
            200,
            {"used": self.store.used, "allocation": {".tag": "individual", "allocated": self.quota_bytes}},
        )

    def _commit(self, commit: dict, data: bytes, function: str, digest: str | None = None) -> dict:
        """Store `data` by the rules of WriteMode; returns the metadata or raises a WriteError.
        `digest` is the content hash of `data` when the caller has checked it (hashed once)."""
        path = commit.get("path")
        if (
            not isinstance(path, str)
            or not path.startswith("/")
            or path.endswith("/")
            or any(part in ("", ".", "..") for part in path.split("/")[1:])
        ):
            if not isinstance(path, str):
                raise BadInput(f'Error in call to API function "{function}": missing "path"')
            raise _WriteError({".tag": "malformed_path"})
        mode, rev = mode_of(commit)
        if mode not in ("add", "overwrite", "update"):
            raise BadInput(f'Error in call to API function "{function}": unknown mode "{mode}"')
        lower = path.lower()
        existing = self.store.entries.get(lower)
        blocked = self.store.blocking(path)
        if existing and existing[".tag"] == "file":
            digest = digest or content_hash(data)
        if existing and existing[".tag"] == "file" and existing["content_hash"] == digest:
            if mode != "update" or rev == existing["rev"] or not commit.get("strict_conflict"):
                self.stats["upload_same"] += 1
                return existing
        conflict = (
            blocked
            or (existing and mode == "add" and "file")
            or (existing and mode == "update" and rev != existing["rev"] and "file")
        )
        if mode == "update" and not existing and not blocked:
            conflict = None  # updating a file that is gone writes it anew
        same_id = None
        if conflict:
            if not commit.get("autorename") or conflict == "file_ancestor":
                self.stats["upload_conflict"] += 1
                raise _WriteError({".tag": "conflict", "conflict": {".tag": conflict}})
            path = self.store.free_name(path)
            self.stats["upload_renamed"] += 1
        elif existing:
            same_id = existing["id"]
        replaced = existing["size"] if existing and not conflict else 0
        if self.faults.full or self.store.used - replaced + len(data) > self.quota_bytes:
            self.stats["upload_full"] += 1
            raise _WriteError({".tag": "insufficient_space"})
        self.stats["upload_written"] += 1
        return self.store.write(path, data, commit.get("client_modified"), self.clock(), same_id, digest)

    @staticmethod
    def _check_hash(arg: dict, data: bytes, error: dict) -> str | None:
        """The client's content hash of `data`, checked (None when it sent none)."""
        expected = arg.get("content_hash")
        if expected is not None and expected != content_hash(data):
            raise RouteError(error)
        return expected

    def _upload(self, arg: dict, body: bytes) -> Reply:
        if len(body) > MAX_UPLOAD:
            raise RouteError({".tag": "payload_too_large"})
        digest = self._check_hash(arg, body, {".tag": "content_hash_mismatch"})
        try:
            entry = self._commit(arg, body, "files/upload", digest)
        except _WriteError as error:
            raise RouteError({".tag": "path", "reason": error.error, "upload_session_id": ""}) from error
        self._acknowledged(entry)
        return json_reply(200, Store.public(entry))

    def _session(self, cursor: object, data: bytes) -> dict:
        """The upload session of `cursor`, checked for appending `data` at the cursor's offset."""
        if not isinstance(cursor, dict) or not isinstance(cursor.get("session_id"), str):
            raise BadInput('Error in call to API function: missing "cursor"')
        session = self.sessions.get(cursor["session_id"])
        if session is None or self.clock() - session["started"] > SESSION_LIFETIME_S:
            raise RouteError({".tag": "not_found"})
        if cursor.get("offset") != len(session["data"]):
            raise RouteError({".tag": "incorrect_offset", "correct_offset": len(session["data"])})
        if session["closed"] and data:
            raise RouteError({".tag": "closed"})
        return session

    def _upload_session_start(self, arg: dict, body: bytes) -> Reply:
        if len(body) > MAX_UPLOAD:
            raise RouteError({".tag": "payload_too_large"})
        self._check_hash(arg, body, {".tag": "content_hash_mismatch"})
        session_id = "pid_upload_session:" + "".join(
            self.ids.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
            for _ in range(30)
        )
        self.sessions[session_id] = {
            "data": bytearray(body),
            "closed": bool(arg.get("close")),
            "started": self.clock(),
        }
        return json_reply(200, {"session_id": session_id})

    def _upload_session_append(self, arg: dict, body: bytes) -> Reply:
        if len(body) > MAX_UPLOAD:
            raise RouteError({".tag": "payload_too_large"})
        self._check_hash(arg, body, {".tag": "content_hash_mismatch"})
        session = self._session(arg.get("cursor"), body)
        session["data"] += body
        session["closed"] = session["closed"] or bool(arg.get("close"))
        return json_reply(200, None)

    def _upload_session_finish(self, arg: dict, body: bytes) -> Reply:
        if len(body) > MAX_UPLOAD:
            raise RouteError({".tag": "payload_too_large"})
        self._check_hash(arg, body, {".tag": "content_hash_mismatch"})
        commit = arg.get("commit")
        if not isinstance(commit, dict):
            raise BadInput('Error in call to API function "files/upload_session/finish": missing "commit"')
        try:
            session = self._session(arg.get("cursor"), body)
        except RouteError as error:
            raise RouteError({".tag": "lookup_failed", "lookup_failed": error.error}) from error
        try:
            entry = self._commit(commit, bytes(session["data"]) + body, "files/upload_session/finish")
        except _WriteError as error:
            raise RouteError({".tag": "path", "path": error.error}) from error
        del self.sessions[arg["cursor"]["session_id"]]
        self._acknowledged(entry)
        return json_reply(200, Store.public(entry))

    def _acknowledged(self, entry: dict) -> None:
        self.stats["upload_ok"] += 1
        if entry["path_display"].endswith(".jpg"):
            self.stats["photo_ok"] += 1


# path -> (host, style, method): the routes an uploader needs (faults.WRITE_ROUTES are the writes).
ROUTES = {
    "/2/files/get_metadata": (API_HOST, "rpc", "_get_metadata"),
    "/2/files/list_folder": (API_HOST, "rpc", "_list_folder"),
    "/2/files/list_folder/continue": (API_HOST, "rpc", "_list_folder_continue"),
    "/2/files/delete_v2": (API_HOST, "rpc", "_delete"),
    "/2/users/get_space_usage": (API_HOST, "rpc", "_space_usage"),
    "/2/files/upload": (CONTENT_HOST, "upload", "_upload"),
    "/2/files/download": (CONTENT_HOST, "download", "_download"),
    "/2/files/upload_session/start": (CONTENT_HOST, "upload", "_upload_session_start"),
    "/2/files/upload_session/append_v2": (CONTENT_HOST, "upload", "_upload_session_append"),
    "/2/files/upload_session/finish": (CONTENT_HOST, "upload", "_upload_session_finish"),
}
