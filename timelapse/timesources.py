"""Where a sync gets the time: SNTP first, then the HTTPS time services of the original project,
and where local time gets its UTC offset when settings.toml names a TIMEZONE.

Each time source returns (seconds, fraction, precision): UTC whole seconds, the fraction of a
second to add, and how far (s) the answer may be from the truth. Imported only by network wakes.
"""

import os
import time

NTP_TIMEOUT_S = 2


def ntp(pool, server):
    """One SNTP exchange with adafruit_ntp (a few ms of airtime)."""
    import adafruit_ntp

    started = time.monotonic()
    nanoseconds = adafruit_ntp.NTP(pool, server=server, socket_timeout=NTP_TIMEOUT_S).utc_ns
    round_trip = time.monotonic() - started
    seconds = nanoseconds // 1000000000
    return seconds, (nanoseconds - seconds * 1000000000) / 1e9, round_trip / 2 + 0.01


def https(session, timeout):
    """Adafruit IO's time service when settings.toml has its keys, else timeapi.io."""
    started = time.monotonic()
    user, key = os.getenv("ADAFRUIT_AIO_USERNAME"), os.getenv("ADAFRUIT_AIO_KEY")
    if user and key:
        url = "https://io.adafruit.com/api/v2/%s/integrations/time/seconds?x-aio-key=%s" % (user, key)
        response = session.get(url, timeout=timeout)
        try:
            text = response.text.strip()
        finally:
            response.close()
        if response.status_code != 200 or not text.isdigit():
            raise OSError("io.adafruit.com answered HTTP %d" % response.status_code)
        return int(text), 0.5, 0.5 + (time.monotonic() - started) / 2
    response = session.get("https://timeapi.io/api/Time/current/zone?timeZone=UTC", timeout=timeout)
    try:
        answer = response.json()
    finally:
        response.close()
    if response.status_code != 200 or "year" not in answer:
        raise OSError("timeapi.io answered HTTP %d" % response.status_code)
    from timelapse import civil

    seconds = civil.epoch(answer["year"], answer["month"], answer["day"], answer["hour"],
                          answer["minute"], answer["seconds"])
    return seconds, answer.get("milliSeconds", 0) / 1000, 0.05 + (time.monotonic() - started) / 2


def zone_offset(session, timeout, zone, utc):
    """The current UTC offset (s) of the IANA `zone`, from Adafruit IO (with its keys) or
    timeapi.io; `utc` is our own time, good to seconds, against which a local time is read."""
    user, key = os.getenv("ADAFRUIT_AIO_USERNAME"), os.getenv("ADAFRUIT_AIO_KEY")
    name = zone.replace("+", "%2B")
    if user and key:
        url = ("https://io.adafruit.com/api/v2/%s/integrations/time/strftime?x-aio-key=%s&tz=%s&fmt=%%25z"
               % (user, key, name))
        response = session.get(url, timeout=timeout)
        try:
            text = response.text.strip()
        finally:
            response.close()
        if response.status_code != 200 or len(text) != 5 or text[0] not in "+-" or not text[1:].isdigit():
            raise OSError("io.adafruit.com answered HTTP %d" % response.status_code)
        seconds = int(text[1:3]) * 3600 + int(text[3:5]) * 60
        return seconds if text[0] == "+" else -seconds
    response = session.get("https://timeapi.io/api/Time/current/zone?timeZone=" + name, timeout=timeout)
    try:
        answer = response.json()
    finally:
        response.close()
    if response.status_code != 200 or "year" not in answer:
        raise OSError("timeapi.io answered HTTP %d for %s" % (response.status_code, zone))
    from timelapse import civil

    local = civil.epoch(answer["year"], answer["month"], answer["day"], answer["hour"],
                        answer["minute"], answer["seconds"])
    return (local - utc + 450) // 900 * 900  # offsets are whole quarter hours
