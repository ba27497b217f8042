"""The board's notion of time: the RTC corrected by a learned rate error, synced only when needed.

The XIAO ESP32S3 has no 32 kHz crystal: in deep sleep its RTC runs on the internal RC
oscillator, thousands of ppm off and temperature dependent. Awake, the clocks run from the
crystal. So the firmware corrects each sleep with a model of the sleeping RTC's rate error,
ppm = a + b * (temperature - 20 C), learned by a small recursive least-squares filter from the
offset found at each sync over the sleep time since the previous one. Between syncs it carries
an error bound that grows with the model's uncertainty; a sync is due when the bound at the next
wake could exceed [time] max_error, at least every max_interval, and whenever the RTC is not
valid (after a power loss it restarts at 2000-01-01).

Float32 on the board holds epoch seconds only to ~100 s, so absolute times stay integers (the
RTC's int seconds) and only small differences (offset, bound) are floats. The RTC is set when it
is invalid or when a sync finds it more than RESET_RTC_S off; otherwise the correction lives
in the hot record's `clock`. That keeps the offset small: sleep memory holds it as JSON, whose
floats keep 6 significant digits on the board, and a drift of thousands of ppm left uncorrected in the RTC
would grow it past 1e5 s within months (whole seconds lost at every wake).

The clock's fields are this module's alone (state/README.md): hot clock, since, synced_at, rate,
distrust and temperature, durable rate and zone. Others ask it for the time, the bound, whether
a sync is due and the alarm's RTC reading.
"""

import time

try:
    from micropython import const
except ImportError:
    def const(x):  # type: ignore[misc]  # CPython: the plain value
        return x

# hot clock: [rtc, offset, bound, temperature] at the last sleep
RTC = const(0)
OFFSET = const(1)
BOUND = const(2)
TEMP = const(3)
# hot since: [sleep_s, temp*s, ppm*s] since the last sync
SLEPT = const(0)
TEMP_S = const(1)
PPM_S = const(2)
# rate: [a, b, Paa, Pab, Pbb] (hot), + [saved_at] (durable): ppm = a + b (T - 20 C), covariance
A = const(0)
B = const(1)
PAA = const(2)
PAB = const(3)
PBB = const(4)
SAVED_AT = const(5)
# durable zone: [offset_s, checked]
ZONE_OFFSET = const(0)
ZONE_CHECKED = const(1)

VALID_AFTER = 1735689600  # 2025-01-01T00:00:00Z: an RTC before this was never set
TEMP_REF = 20.0
PRIOR_PPM = 10000.0       # what the RC oscillator may be off by after boot calibration (1 sigma)
PRIOR_SLOPE = 100.0       # ppm per degree C (1 sigma)
MODEL_NOISE_PPM = 15.0    # what the model never explains over a sleep (1 sigma)
SAMPLE_NOISE_PPM = 15.0   # what one learning interval's mean rate may be off by (1 sigma)
DRIFT_PPM = 2.0           # how far the rate may wander between syncs (ageing; 1 sigma)
SIGMAS = 3.0              # the bound covers this many sigmas
RTC_TICK_S = 1.0          # time.time() is whole seconds
DISTRUST_S = 120          # a sample this far outside the bound is distrusted once
SAVE_MODEL_S = 86400      # copy the learned model to NVM daily (sooner while it is learned)
MIN_LEARN_S = 60          # shorter intervals say nothing about the rate
RESET_RTC_S = 3600        # a sync that finds the RTC this far off sets it (rarely: a
                          # set RTC loses its sub-second phase)

_offset = 0.0             # seconds to add to the RTC in this wake (float, small)


def valid(utc):
    return utc >= VALID_AFTER


def utc_now():
    """Corrected UTC, whole seconds."""
    return time.time() + int(_offset + 0.5 if _offset >= 0 else _offset - 0.5)


def _model(hot, durable):
    if not hot["rate"]:
        hot["rate"] = list(durable["rate"][:5]) if durable["rate"] else [
            0.0, 0.0, PRIOR_PPM * PRIOR_PPM, 0.0, PRIOR_SLOPE * PRIOR_SLOPE]
    return hot["rate"]


def predict(rate, temperature):
    """(ppm, 1-sigma ppm) of the sleeping RTC at `temperature`."""
    x = temperature - TEMP_REF
    variance = rate[PAA] + 2 * x * rate[PAB] + x * x * rate[PBB] + MODEL_NOISE_PPM * MODEL_NOISE_PPM
    return rate[A] + rate[B] * x, variance ** 0.5


def temperature(hot):
    """The CPU temperature at this wake (C), as begin() was told."""
    return hot["temperature"]


def begin(hot, durable, temperature):
    """At wake, told the CPU temperature now: correct the RTC reading for the sleep that just
    ended (the clock at the last sleep)."""
    global _offset
    hot["temperature"] = temperature
    rtc_now = time.time()
    clock = hot["clock"]
    if not clock or not valid(rtc_now) or rtc_now < clock[RTC]:
        hot["clock"] = None
        _offset = 0.0
        return
    slept = rtc_now - clock[RTC]
    mean_temp = (clock[TEMP] + temperature) / 2
    ppm, sigma = predict(_model(hot, durable), mean_temp)
    _offset = clock[OFFSET] - slept * ppm / (1e6 + ppm)
    since = hot["since"]
    since[SLEPT] += slept
    since[TEMP_S] += slept * mean_temp
    since[PPM_S] += slept * ppm
    clock[BOUND] += slept * SIGMAS * sigma * 1e-6


def learned_ppm(hot, durable):
    """The learned rate error at 20 C (ppm), from sleep memory or else NVM; None before any."""
    rate = hot["rate"] or durable["rate"]
    return round(rate[A], 1) if rate else None


def error_bound(hot):
    """The error bound of utc_now() in seconds, or None when the time is unknown."""
    clock = hot["clock"]
    return clock[BOUND] + RTC_TICK_S if clock else None


def due(hot, durable, cfg, utc, sleep_s):
    """Why a sync is due before the next wake ("cold", "bound", "interval"), or ""."""
    if not hot["clock"] or not valid(utc):
        return "cold"
    if sleep_s > horizon(hot, durable, cfg):
        return "bound"
    if utc - hot["synced_at"] >= cfg["time"]["max_interval"]:
        return "interval"
    return ""


def horizon(hot, durable, cfg):
    """Seconds until the error bound reaches [time] max_error (negative: it already has; None
    when the time is unknown). While the rate is still being learned this is short."""
    if not hot["clock"]:
        return None
    _, sigma = predict(_model(hot, durable), hot["temperature"])
    return (cfg["time"]["max_error"] - error_bound(hot)) / (SIGMAS * sigma * 1e-6)


def apply(hot, durable, sample, fraction, precision):
    """A time sample (`sample` whole seconds + `fraction`, true to +-precision s). Returns the
    error it found in our time (s), or None when the sample was distrusted."""
    global _offset
    if not valid(sample):
        return None  # no time at all (and time.localtime refuses anything before 2000)
    rtc_now = time.time()
    clock = hot["clock"]
    if clock and valid(rtc_now):
        error = (rtc_now - sample) + (_offset - fraction)
        if abs(error) > DISTRUST_S + 3 * error_bound(hot):
            if not hot["distrust"] or abs(error - hot["distrust"]) > 10:
                hot["distrust"] = error  # a second sample that agrees is believed
                return None
        _learn(hot, durable, error, precision)
    else:
        error = None
    if not valid(rtc_now) or abs(rtc_now - sample) > (1 if clock is None else RESET_RTC_S):
        import rtc

        rtc.RTC().datetime = time.localtime(sample)
        rtc_now = time.time()
    _offset = (sample - rtc_now) + fraction
    hot["clock"] = [rtc_now, _offset, precision, hot["temperature"]]
    hot["since"] = [0, 0.0, 0.0]
    hot["distrust"] = 0
    hot["synced_at"] = sample
    return error if error is not None else 0.0


def _learn(hot, durable, error, precision):
    """One recursive least-squares step: the mean rate over the sleeps since the last sync."""
    since = hot["since"]
    slept, temp_s, ppm_s = since[SLEPT], since[TEMP_S], since[PPM_S]
    if slept < MIN_LEARN_S:
        return
    rate = _model(hot, durable)
    x = temp_s / slept - TEMP_REF
    observed = ppm_s / slept + error / slept * 1e6
    noise = (precision + RTC_TICK_S) / slept * 1e6
    r = noise * noise + SAMPLE_NOISE_PPM * SAMPLE_NOISE_PPM
    p0 = rate[PAA] + x * rate[PAB]      # P x
    p1 = rate[PAB] + x * rate[PBB]
    s = p0 + x * p1 + r                 # x' P x + r
    k0, k1 = p0 / s, p1 / s
    residual = observed - (rate[A] + rate[B] * x)
    rate[A] += k0 * residual
    rate[B] += k1 * residual
    rate[PAA] -= k0 * p0
    rate[PAB] -= k0 * p1
    rate[PBB] -= k1 * p1
    rate[PAA] += DRIFT_PPM * DRIFT_PPM  # the oscillator ages: never become certain
    saved = durable["rate"]
    # To NVM daily, or sooner while learning: when the uncertainty halved since the last save.
    if not saved or hot["synced_at"] - saved[SAVED_AT] >= SAVE_MODEL_S or rate[PAA] < saved[PAA] / 4:
        durable["rate"] = [round(v, 3) for v in rate] + [hot["synced_at"]]


def end(hot):
    """Before deep sleep: remember the RTC and our correction at this moment."""
    clock = hot["clock"]
    if clock:
        clock[RTC] = time.time()
        clock[OFFSET] = _offset
        clock[TEMP] = hot["temperature"]


def rtc_alarm(hot, durable, wake_utc):
    """The RTC reading at which to wake so that the corrected time is `wake_utc`."""
    if not hot["clock"]:
        return wake_utc
    ppm, _ = predict(_model(hot, durable), hot["temperature"])
    rtc_now = time.time()
    span = (wake_utc - rtc_now) - _offset   # true seconds to sleep
    return rtc_now + int(span * (1 + ppm * 1e-6) + 0.5)


def zone(durable):
    """The UTC offset (s) a time service last gave for settings.toml's TIMEZONE, None without."""
    found = durable["zone"]
    return found[ZONE_OFFSET] if found else None


def zone_age(durable, utc):
    """Seconds since that offset was asked for (None without one)."""
    found = durable["zone"]
    return utc - found[ZONE_CHECKED] if found else None


def zone_unknown(durable, utc):
    """The time service does not know TIMEZONE: no offset, asked again a day after `utc`."""
    durable["zone"] = [None, utc]


def set_zone(durable, offset, utc):
    """`offset` as the time service said at `utc`; None: no TIMEZONE (or no valid time)."""
    durable["zone"] = None if offset is None else [offset, utc]
