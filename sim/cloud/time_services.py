"""The HTTPS time services the firmware may ask: Adafruit IO's time integration and timeapi.io.

Both answer from `clock()`, the simulator's virtual UTC.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

from sim.cloud.server import Reply, Request, json_reply, text_reply


def tz_of(name: str | None) -> tuple[timezone | zoneinfo.ZoneInfo, bool]:
    """(tzinfo, known) for an IANA name; Etc/GMT+N zones keep their inverted sign."""
    if not name or name.upper() in ("UTC", "GMT", "ETC/UTC", "ETC/GMT", "Z"):
        return UTC, True
    try:
        return zoneinfo.ZoneInfo(name), True
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        pass
    if name.startswith("Etc/GMT") and name[7:8] in "+-" and name[8:].isdigit():
        hours = -int(name[7:])  # Etc/GMT+5 is five hours behind UTC
        return timezone(timedelta(hours=hours), f"{-hours:+03d}"), True
    return UTC, False


def adafruit_time(request: Request, clock: Callable[[], float]) -> Reply:
    """GET /api/v2/{username}/integrations/time/{seconds|strftime}, with an X-AIO-Key."""
    parts = request.path.split("/")  # "", api, v2, {username}, integrations, time, {what}
    key = (request.query.get("x-aio-key") or [request.headers.get("x-aio-key", "")])[0]
    if len(parts) != 7 or not parts[3] or not key:
        return json_reply(401, {"error": "request could not be authenticated"})
    now = clock()
    if parts[6] == "seconds":
        return text_reply(200, str(int(now)))
    if parts[6] != "strftime":
        return text_reply(404, "Not Found")
    zone, _ = tz_of((request.query.get("tz") or [""])[0])
    moment = datetime.fromtimestamp(now, zone)
    fmt = (request.query.get("fmt") or ["%Y-%m-%d %H:%M:%S %Z"])[0]
    fmt = fmt.replace("%L", f"{moment.microsecond // 1000:03d}")
    return text_reply(200, moment.strftime(fmt))


def timeapi(request: Request, clock: Callable[[], float]) -> Reply:
    """GET /api/Time/current/zone?timeZone=NAME."""
    name = (request.query.get("timeZone") or [""])[0]
    zone, known = tz_of(name)
    if not name or not known:
        return text_reply(400, "Invalid Timezone")
    moment = datetime.fromtimestamp(clock(), zone)
    dst = moment.dst()
    return json_reply(
        200,
        {
            "year": moment.year,
            "month": moment.month,
            "day": moment.day,
            "hour": moment.hour,
            "minute": moment.minute,
            "seconds": moment.second,
            "milliSeconds": moment.microsecond // 1000,
            "dateTime": moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0",
            "date": moment.strftime("%m/%d/%Y"),
            "time": moment.strftime("%H:%M"),
            "timeZone": name,
            "dayOfWeek": moment.strftime("%A"),
            "dstActive": bool(dst and dst.total_seconds()),
        },
    )
