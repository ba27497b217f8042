"""Where a sync gets the time: SNTP first, then the HTTPS time services of the original project,
and where local time gets its UTC offset when settings.toml names a TIMEZONE.

Each time source returns (seconds, fraction, precision): UTC whole seconds, the fraction of a
second to add, and how far (s) the answer may be from the truth. Imported only by network wakes.
"""

import os

from timelapse import ticks

NTP_TIMEOUT_S = 2


def ntp(pool: object, server: str) -> tuple:
    """One SNTP exchange with adafruit_ntp (a few ms of airtime)."""
    import adafruit_ntp

    started = ticks.now()
    nanoseconds = adafruit_ntp.NTP(pool, server=server, socket_timeout=NTP_TIMEOUT_S).utc_ns
    round_trip = ticks.since(started) / 1000
    seconds = nanoseconds // 1000000000
    return seconds, (nanoseconds - seconds * 1000000000) / 1e9, round_trip / 2 + 0.01


def https(session: object, timeout: float) -> tuple:
    """Adafruit IO's time service when settings.toml has its keys, else timeapi.io."""
    started = ticks.now()
    if _aio_keys():
        text = _aio(session, timeout, "seconds")
        if not text.isdigit():
            raise OSError("io.adafruit.com answered %r" % text[:20])
        return int(text), 0.5, 0.5 + ticks.since(started) / 2000
    seconds, milliseconds = _timeapi(session, timeout, "UTC")
    return seconds, milliseconds / 1000, 0.05 + ticks.since(started) / 2000


def zone_offset(session: object, timeout: float, zone: str, utc: int) -> tuple:
    """(offset, change_at, after) of the IANA `zone`: its UTC offset now (s), the next daylight
    saving change (UTC, 0 when none is announced) and the offset after it. From timeapi.io's
    time zone service, which gives the current DST interval (dstStart, dstEnd in UTC); without
    it, the offset alone from Adafruit IO (with its keys) or timeapi.io's current time. `utc`
    is our own time, good to seconds."""
    try:
        return _timeapi_zone(session, timeout, zone, utc)
    except UnknownZone:
        raise
    except (OSError, KeyError, TypeError, ValueError) as problem:
        print("time: timeapi.io zone service: %s" % problem)
    name = zone.replace("+", "%2B")
    if _aio_keys():
        text = _aio(session, timeout, "strftime", "&tz=%s&fmt=%%25z" % name)
        if len(text) != 5 or text[0] not in "+-" or not text[1:].isdigit():
            raise OSError("io.adafruit.com answered %r for %s" % (text[:20], zone))
        seconds = int(text[1:3]) * 3600 + int(text[3:5]) * 60
        return (seconds if text[0] == "+" else -seconds), 0, None
    local, _ = _timeapi(session, timeout, name)
    return (local - utc + 450) // 900 * 900, 0, None  # offsets are whole quarter hours


def _timeapi_zone(session, timeout, zone, utc):
    """timeapi.io/api/TimeZone/zone: currentUtcOffset, standardUtcOffset and dstInterval."""
    response = session.get("https://timeapi.io/api/TimeZone/zone?timeZone=" + zone.replace("+", "%2B"),
                           timeout=timeout)
    try:
        if response.status_code == 400:  # "Invalid Timezone", as text
            raise UnknownZone(unknown_zone(zone))
        answer = response.json()
    finally:
        response.close()
    if response.status_code != 200:
        raise OSError("HTTP %d for %s" % (response.status_code, zone))
    offset = answer["currentUtcOffset"]["seconds"]
    dst = answer.get("dstInterval")
    change, after = 0, None
    if dst:
        for key, then in (("dstStart", dst["dstOffsetToUtc"]["seconds"]),
                          ("dstEnd", answer["standardUtcOffset"]["seconds"])):
            at = _iso_utc(dst.get(key))
            if at and at > utc and (not change or at < change):
                change, after = at, then
    return offset, change, after


def _iso_utc(text):
    """Epoch seconds of "2026-03-08T07:00:00Z" (UTC), 0 for anything else."""
    if not text or len(text) < 19 or text[4] != "-" or text[10] != "T":
        return 0
    from timelapse import civil

    return civil.epoch(int(text[0:4]), int(text[5:7]), int(text[8:10]), int(text[11:13]),
                       int(text[14:16]), int(text[17:19]))


def _aio_keys():
    return os.getenv("ADAFRUIT_AIO_USERNAME") and os.getenv("ADAFRUIT_AIO_KEY")


def _aio(session, timeout, what, query=""):
    """The text Adafruit IO's time integration answers for `what` (seconds, strftime)."""
    url = "https://io.adafruit.com/api/v2/%s/integrations/time/%s?x-aio-key=%s%s" % (
        os.getenv("ADAFRUIT_AIO_USERNAME"), what, os.getenv("ADAFRUIT_AIO_KEY"), query)
    response = session.get(url, timeout=timeout)
    try:
        text = response.text.strip()
    finally:
        response.close()
    if response.status_code != 200:
        raise OSError("io.adafruit.com answered HTTP %d" % response.status_code)
    return text


class UnknownZone(ValueError):
    """settings.toml's TIMEZONE is not a zone the time service knows."""


def unknown_zone(zone: str) -> str:
    return ("TIMEZONE = %r in settings.toml is not a time zone timeapi.io knows: use an IANA "
            'name such as "Europe/Amsterdam"; until then local time is camconfig.toml\'s '
            "utc_offset" % zone)


def _timeapi(session, timeout, zone):
    """(local epoch seconds, milliseconds) of `zone` now, from timeapi.io. It answers an
    unknown zone with HTTP 400 and the text "Invalid Timezone", not JSON."""
    response = session.get("https://timeapi.io/api/Time/current/zone?timeZone=" + zone, timeout=timeout)
    try:
        if response.status_code == 400:
            raise UnknownZone(unknown_zone(zone.replace("%2B", "+")))
        try:
            answer = response.json()
        except ValueError:
            raise OSError("timeapi.io answered HTTP %d without JSON for %s" % (response.status_code, zone))
    finally:
        response.close()
    if response.status_code != 200 or "year" not in answer:
        raise OSError("timeapi.io answered HTTP %d for %s" % (response.status_code, zone))
    from timelapse import civil

    seconds = civil.epoch(answer["year"], answer["month"], answer["day"], answer["hour"],
                          answer["minute"], answer["seconds"])
    return seconds, answer.get("milliSeconds", 0)
