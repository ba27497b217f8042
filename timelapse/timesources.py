"""Where a sync gets the time: SNTP first, then the HTTPS time services of the original project.

Each source returns (seconds, fraction, precision): UTC whole seconds, the fraction of a second
to add, and how far (s) the answer may be from the truth. Imported only by network wakes.
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
