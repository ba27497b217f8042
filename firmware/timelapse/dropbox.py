"""A small Dropbox API v2 client for a battery device, over adafruit_requests.

Only what an upload needs: the OAuth2 refresh-token grant (refreshed when the access token will
expire within a margin, never on every wake), `files/upload` with its argument in the
Dropbox-API-Arg header, `files/get_metadata` after a path conflict, and `files/download` with
an ETag (If-None-Match), which costs a 304 when the file did not change. Uploads create their
parent folders, so there is no create_folder, no metadata check before an upload and no account
call. Errors are sorted the way the Dropbox documentation asks clients to handle them.
"""

import binascii
import hashlib
import json
import os

from state import auth

API = "https://api.dropboxapi.com"
CONTENT = "https://content.dropboxapi.com"
REFRESH_MARGIN_S = 600    # refresh when the token expires within this
BLOCK = 4 * 1024 * 1024   # Dropbox content_hash block size


class DropboxError(Exception):
    """A failure worth recording; `retry_after` (s) is set when the server asked for a pause."""

    def __init__(self, kind, message, retry_after=0):
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after


class AuthBroken(DropboxError):
    """The refresh token or app credentials were refused: only a new settings.toml helps."""


class TooLarge(DropboxError):
    """A download larger than asked for; `tag` is its ETag."""

    def __init__(self, tag, message):
        super().__init__("remote", message)
        self.tag = tag


class Refused(DropboxError):
    """Dropbox refuses this path (409 path/malformed_path, path/disallowed_name, ...): sending
    the same photo again cannot succeed."""


class Full(DropboxError):
    """The Dropbox account has no space left."""


def content_hash(data: bytes) -> "str | None":
    """Dropbox's content hash: SHA-256 over the SHA-256 digests of each 4 MiB block. None on
    CircuitPython before 10.1, whose hashlib has only "sha1" (shared-module/hashlib): the upload
    then goes without it, TLS guards the bytes in transit and the stored size is checked."""
    try:
        overall = hashlib.new("sha256")  # CircuitPython's hashlib has new() only
    except ValueError:
        return None
    for start in range(0, len(data), BLOCK):
        overall.update(hashlib.new("sha256", data[start:start + BLOCK]).digest())
    return binascii.hexlify(overall.digest()).decode()


def header_json(value: dict) -> str:
    """JSON safe in an HTTP header: every character outside ASCII as a \\u escape."""
    text = json.dumps(value)
    if all(ord(char) < 127 for char in text):
        return text
    out = []
    for char in text:
        code = ord(char)
        if code < 127:
            out.append(char)
        elif code < 0x10000:
            out.append("\\u%04x" % code)
        else:
            code -= 0x10000
            out.append("\\u%04x\\u%04x" % (0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF)))
    return "".join(out)


def _form(fields):
    safe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"
    pairs = []
    for key, value in fields:
        encoded = "".join(c if c in safe else "".join("%%%02X" % b for b in c.encode()) for c in value)
        pairs.append(key + "=" + encoded)
    return "&".join(pairs)


class Dropbox:
    """Calls on one session; the access token and its expiry live in the durable state."""

    def __init__(self, session, durable, deadline):
        self.session = session
        self.durable = durable
        self.deadline = deadline  # time.monotonic() by which the wake's awake budget is spent
        self.server_date = None   # the Date header of the last answer: a free time sample ...
        self.date_seen = 0        # ... and ticks.now() when it arrived

    # -- the access token --------------------------------------------------------------------

    def token(self, utc: int) -> str:
        """A valid access token, refreshed only when it is missing or about to expire."""
        durable = self.durable
        if not auth.token(durable):
            seed = os.getenv("DBX_ACCESS_TOKEN")
            if seed:
                auth.keep(durable, seed, int(os.getenv("DBX_EXPIRES_AT") or 0))
        if not auth.token(durable) or auth.expiry(durable) - utc < REFRESH_MARGIN_S:
            self.refresh(utc)
        return auth.token(durable)

    def refresh(self, utc: int) -> None:
        key, secret = os.getenv("DBX_APP_KEY"), os.getenv("DBX_APP_SECRET")
        refresh_token = os.getenv("DBX_REFRESH_TOKEN")
        if not (key and secret and refresh_token):
            raise AuthBroken("settings", "DBX_APP_KEY, DBX_APP_SECRET and DBX_REFRESH_TOKEN "
                             "must be set in settings.toml")
        body = _form((("grant_type", "refresh_token"), ("refresh_token", refresh_token),
                      ("client_id", key), ("client_secret", secret)))
        response = self._call(API + "/oauth2/token", body,
                              {"Content-Type": "application/x-www-form-urlencoded"})
        answer = self._json(response)
        if response.status_code == 200 and "access_token" in answer:
            now = self.server_date or utc
            auth.keep(self.durable, answer["access_token"], int(now + answer.get("expires_in", 14400)))
            return
        error = answer.get("error", "http %d" % response.status_code)
        if error in ("invalid_grant", "invalid_client", "unauthorized_client"):
            raise AuthBroken("auth", "token refresh refused: %s" % error)
        raise self._failure(response, answer, "token refresh")

    # -- files ---------------------------------------------------------------------------------

    def upload(self, path: str, data: bytes, digest: "str | None", utc: int, autorename: bool = False,
               mode: str = "add") -> dict:
        """Store `data` at `path` (mode add, or overwrite for the status file). Returns the
        metadata Dropbox acknowledged it with.

        An existing file with the same content is no conflict for Dropbox, so a photo whose
        acknowledgement was lost is not stored twice when it is sent again."""
        arg = {"path": path, "mode": mode, "autorename": autorename, "mute": True}
        if digest:
            arg["content_hash"] = digest
        response = self._authorised(CONTENT + "/2/files/upload", data, {
            "Content-Type": "application/octet-stream", "Dropbox-API-Arg": header_json(arg)}, utc)
        answer = self._json(response)
        if response.status_code == 200:
            return answer
        summary = answer.get("error_summary", "")
        if summary.startswith("path/conflict"):
            raise DropboxError("conflict", summary)
        if "insufficient_space" in summary:
            raise Full("dropbox_full", "the Dropbox account is full")
        if response.status_code == 409 and summary.startswith("path/") and \
                "too_many_write_operations" not in summary:  # that one is worth a retry
            raise Refused("upload", "%s: %s" % (path, summary.split("/.")[0]))
        raise self._failure(response, answer, "upload " + path)

    def metadata(self, path: str, utc: int) -> dict:
        response = self._authorised(API + "/2/files/get_metadata", header_json({"path": path}),
                                    {"Content-Type": "application/json"}, utc)
        answer = self._json(response)
        if response.status_code == 200:
            return answer
        raise self._failure(response, answer, "get_metadata " + path)

    def download(self, path: str, etag: "str | None", utc: int, limit: int) -> tuple:
        """A small file if it changed: (ETag, bytes), (etag, None) when unchanged (304), or
        (None, None) when there is none. A GET on the content host, the connection the uploads
        use; Dropbox's content-download endpoints honour If-None-Match."""
        headers = {"Dropbox-API-Arg": header_json({"path": path})}
        if etag:
            headers["If-None-Match"] = etag
        response = self._authorised(CONTENT + "/2/files/download", None, headers, utc, "GET")
        status = response.status_code
        if status == 304:
            response.close()
            return etag, None
        if status == 200:
            tag = response.headers.get("etag")
            if not tag:  # Dropbox's ETag is the rev as a weak validator (docs/fidelity.md)
                result = response.headers.get("dropbox-api-result") or "{}"
                tag = 'W/"%s"' % json.loads(result).get("rev", "")
            size = int(response.headers.get("content-length") or 0)
            if size > limit:
                response.close()  # adafruit_requests drops the connection rather than read it
                raise TooLarge(tag, "%s: %d bytes, more than %d" % (path, size, limit))
            try:
                data = response.content
            finally:
                response.close()
            return tag, data
        answer = self._json(response)
        if status == 409 and answer.get("error_summary", "").startswith("path/not_found"):
            return None, None
        raise self._failure(response, answer, "download " + path)

    # -- HTTP ----------------------------------------------------------------------------------

    def _authorised(self, url, body, headers, utc, method="POST"):
        """A call with the bearer token; on 401 one refresh and one retry. A 401 even then is
        an ordinary failure (retried on a later wake): only a refused refresh breaks auth."""
        for attempt in (1, 2):
            headers["Authorization"] = "Bearer " + self.token(utc)
            response = self._call(url, body, headers, method)
            if response.status_code != 401 or attempt == 2:
                return response
            summary = self._json(response).get("error_summary", "")
            if not (summary.startswith("expired_access_token")
                    or summary.startswith("invalid_access_token")):
                return response
            auth.drop(self.durable)
        return response

    def _call(self, url, body, headers, method="POST"):
        from timelapse import network, ticks

        response = self.session.request(method, url, data=body, headers=headers,
                                        timeout=network.request_timeout(self.deadline))
        date = response.headers.get("date")
        if date:
            self.server_date = parse_http_date(date)
            self.date_seen = ticks.now()
        return response

    def date_sample(self) -> "tuple | None":
        """The last Date header as a time sample for timesync: (seconds, fraction, precision),
        or None. The header has whole seconds, so the truth lies up to a second after it."""
        if self.server_date is None:
            return None
        from timelapse import ticks

        elapsed = ticks.since(self.date_seen) / 1000
        whole = int(elapsed)
        return self.server_date + whole, 0.5 + (elapsed - whole), 0.6

    @staticmethod
    def _json(response):
        try:
            answer = response.json()
        except ValueError:
            answer = None
        finally:
            response.close()
        return answer if isinstance(answer, dict) else {}

    @staticmethod
    def _failure(response, answer, what):
        status = response.status_code
        summary = answer.get("error_summary") or answer.get("error") or ""
        retry = response.headers.get("retry-after")
        if status == 429 or (status >= 500 and retry):
            return DropboxError("rate_limit" if status == 429 else "server",
                                "%s: HTTP %d %s" % (what, status, summary),
                                int(retry) if retry and retry.isdigit() else 60)
        return DropboxError("server" if status >= 500 else "dropbox",
                            "%s: HTTP %d %s" % (what, status, summary))


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def parse_http_date(text: str) -> "int | None":
    """Epoch seconds of an RFC 7231 date ("Tue, 24 Nov 2026 12:00:00 GMT"), or None."""
    from timelapse import civil

    try:
        _, day, month, year, clock, _ = text.split()
        hour, minute, second = clock.split(":")
        return civil.epoch(int(year), MONTHS.index(month) + 1, int(day),
                           int(hour), int(minute), int(second))
    except ValueError:
        return None
