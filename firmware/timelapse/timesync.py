"""The board's notion of time: the RTC corrected by a learned rate error, synced only when needed.

The XIAO ESP32S3 has no 32 kHz crystal: in deep sleep its RTC runs on the internal RC
oscillator, thousands of ppm off and temperature dependent. Awake, the clocks run from the
crystal. So the firmware corrects each sleep with a model of the sleeping RTC's rate error,
ppm = a + b * (temperature - 20 C), learned by a small recursive least-squares filter from the
offset found at each sync over the sleep time since the previous one. Between syncs it carries
an error bound that grows with what the model does not know: its own uncertainty, the
temperature the sleep went through unseen (a sleep across the night covers much of the daily
swing, which the two end-point readings miss), and the errors actually found at syncs (when
one is larger than the bound promised, the bound's growth is scaled up: `doubt`). A sync is
due when the bound has passed [time] max_error -- the wake then syncs before its photo, which
is stamped with the corrected time --, at least every max_interval, and whenever the RTC is not
valid (after a power loss it restarts at 2000-01-01). Before a long sleep the wake asks
`parts()` whether a wake or a few in between (no WiFi: they only read the temperature) keep
the bound below max_error more cheaply than the sync it would otherwise need on waking.

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
# hot since: [sleep_s, temp*s, ppm*s, unseen_ppm*s] since the last sync
SLEPT = const(0)
TEMP_S = const(1)
PPM_S = const(2)
UNSEEN_S = const(3)
# rate: [a, b, Paa, Pab, Pbb] (hot), + [saved_at] (durable): ppm = a + b (T - 20 C), covariance
A = const(0)
B = const(1)
PAA = const(2)
PAB = const(3)
PBB = const(4)
SAVED_AT = const(5)
# durable zone: [offset_s, checked, change_at, offset_after]: the offset in force, when it was
# asked for, and the next daylight saving change (UTC) with the offset after it (0, same: none)
ZONE_OFFSET = const(0)
ZONE_CHECKED = const(1)
ZONE_CHANGE = const(2)
ZONE_AFTER = const(3)

VALID_AFTER = 1735689600  # 2025-01-01T00:00:00Z: an RTC before this was never set
TEMP_REF = 20.0
PRIOR_PPM = 10000.0       # what the RC oscillator may be off by after boot calibration (1 sigma)
PRIOR_SLOPE = 100.0       # ppm per degree C (1 sigma)
MODEL_NOISE_PPM = 15.0    # what the model never explains over a sleep (1 sigma)
SWING_C = 12.0            # half the daily temperature range a board outdoors may go through
                          # (a closed box in the sun: 8..32 C); what a sleep may miss of it
UNSEEN_MAX = 1.1          # the most of SWING_C a sleep's unseen mean can be off (sleeps > 20 h)
DAY_S = 86400
DOUBT_MAX = 20.0          # the most a broken bound scales the bound's growth up
DOUBT_DECAY = 0.95        # per sync that kept the promise
LEARNED_PPM = 100.0       # the rate is learned once its uncertainty is below this (1 sigma)
MAX_PARTS = 8             # at most this many sleeps instead of one (7 wakes in between)
WAKES_PER_SYNC = 2        # a sync adds to a wake about what 2 bare wakes cost (reference profile,
                          # simulated: a bare wake 0.023 mAh, a join and SNTP sync 0.05 mAh more)
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


def valid(utc: int) -> bool:
    return utc >= VALID_AFTER


def utc_now() -> int:
    """Corrected UTC, whole seconds."""
    return time.time() + int(_offset + 0.5 if _offset >= 0 else _offset - 0.5)


def _model(hot, durable):
    if not hot["rate"]:
        hot["rate"] = list(durable["rate"][:5]) if durable["rate"] else [
            0.0, 0.0, PRIOR_PPM * PRIOR_PPM, 0.0, PRIOR_SLOPE * PRIOR_SLOPE]
    return hot["rate"]


def unseen_c(sleep_s: float) -> float:
    """How far (C) the mean temperature over a sleep may be from the mean of its two end-point
    readings: for a daily swing of amplitude SWING_C the worst case is (2 pi s / day)^2 / 12 of
    it for short sleeps (the curvature the end points miss), about 0.64 of it over 12 h, and all
    of it over a whole day (both end points at the same hour)."""
    x = 6.2832 * sleep_s / DAY_S
    return SWING_C * min(UNSEEN_MAX, x * x / 12)


def growth(hot: dict, durable: dict, sleep_s: float, temperature: float) -> float:
    """Seconds the error bound grows over a sleep of `sleep_s` starting at `temperature`:
    SIGMAS of the model's uncertainty, plus the unseen temperature at the slope the model may
    have (its estimate and one sigma more), scaled by the doubt syncs have found."""
    rate = _model(hot, durable)
    _, sigma = predict(rate, temperature)
    slope = abs(rate[B]) + rate[PBB] ** 0.5
    return sleep_s * 1e-6 * _doubt(hot) * (SIGMAS * sigma + slope * unseen_c(sleep_s))


def _doubt(hot):
    return max(1.0, hot["doubt"])


def predict(rate: list, temperature: float) -> tuple:
    """(ppm, 1-sigma ppm) of the sleeping RTC at `temperature`."""
    x = temperature - TEMP_REF
    variance = rate[PAA] + 2 * x * rate[PAB] + x * x * rate[PBB] + MODEL_NOISE_PPM * MODEL_NOISE_PPM
    return rate[A] + rate[B] * x, variance ** 0.5


def temperature(hot: dict) -> float:
    """The CPU temperature at this wake (C), as begin() was told."""
    return hot["temperature"]


def begin(hot: dict, durable: dict, temperature: float) -> None:
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
    rate = _model(hot, durable)
    ppm, _ = predict(rate, mean_temp)
    _offset = clock[OFFSET] - slept * ppm / (1e6 + ppm)
    since = hot["since"]
    if len(since) < 4:
        since.append(0.0)  # a record from before the unseen integral was kept
    since[SLEPT] += slept
    since[TEMP_S] += slept * mean_temp
    since[PPM_S] += slept * ppm
    since[UNSEEN_S] += slept * (abs(rate[B]) + rate[PBB] ** 0.5) * unseen_c(slept)
    clock[BOUND] += growth(hot, durable, slept, mean_temp)


def learned_ppm(hot: dict, durable: dict) -> "float | None":
    """The learned rate error at 20 C (ppm), from sleep memory or else NVM; None before any."""
    rate = hot["rate"] or durable["rate"]
    return round(rate[A], 1) if rate else None


def error_bound(hot: dict) -> "float | None":
    """The error bound of utc_now() in seconds, or None when the time is unknown."""
    clock = hot["clock"]
    return clock[BOUND] + RTC_TICK_S if clock else None


def due(hot: dict, durable: dict, cfg: dict, utc: int, sleep_s: int = 0) -> str:
    """Why a sync is due in this wake ("cold", "bound", "interval"), or "". "bound": the error
    bound has passed max_error: the wake syncs before its photo. (A sync before a sleep costs
    what a sync after it does, and the one after it learns the rate over the whole sleep; a
    sleep that would pass max_error is cut by parts() where that is cheaper.) `sleep_s` is
    unused: kept for callers that plan before the sleep."""
    if not hot["clock"] or not valid(utc):
        return "cold"
    bound = error_bound(hot)
    # While the rate is learned, the wake planned for a sample (calibrate) takes it a little early.
    if bound > cfg["time"]["max_error"] * (0.8 if learning(hot, durable) else 1):
        return "bound"
    if utc - hot["synced_at"] >= cfg["time"]["max_interval"]:
        return "interval"
    return ""


def horizon(hot: dict, durable: dict, cfg: dict) -> "float | None":
    """Seconds of one sleep until the error bound reaches [time] max_error (negative: it
    already has; None when the time is unknown). While the rate is still being learned this
    is short."""
    if not hot["clock"]:
        return None
    room = cfg["time"]["max_error"] - error_bound(hot)
    if room <= 0:
        return room
    low, high = 0.0, 60.0
    while high < 400 * DAY_S and growth(hot, durable, high, hot["temperature"]) < room:
        low, high = high, high * 2
    for _ in range(20):  # bisection: growth rises with the sleep
        middle = (low + high) / 2
        if growth(hot, durable, middle, hot["temperature"]) < room:
            low = middle
        else:
            high = middle
    return low


def learning(hot: dict, durable: dict) -> bool:
    """Whether the rate is still being learned (after a cold start, before enough syncs): its
    uncertainty at the temperature now, model noise aside, is above LEARNED_PPM."""
    _, sigma = predict(_model(hot, durable), hot["temperature"])
    return sigma * sigma - MODEL_NOISE_PPM * MODEL_NOISE_PPM > LEARNED_PPM * LEARNED_PPM


def parts(hot: dict, durable: dict, cfg: dict, sleep_s: int) -> int:
    """Into how many equal sleeps to cut a sleep of `sleep_s` so that the bound stays within
    max_error at its end (1: no need to cut; 0: cutting does not do it, or costs more than
    the sync the next wake will make)."""
    if not hot["clock"]:
        return 1
    room = cfg["time"]["max_error"] - error_bound(hot)
    for n in range(1, MAX_PARTS + 1):
        if n > 1 and n - 1 > WAKES_PER_SYNC:
            break
        if n * growth(hot, durable, sleep_s / n, hot["temperature"]) <= room:
            return n
    return 0


def promise(hot: dict) -> str:
    """Why the last photo's time stamp may be more than max_error off, "" when it is not."""
    return hot["promise"]


def stamped(hot: dict, cfg: dict) -> str:
    """A photo is being stamped now: record whether the bound keeps the promise. Returns the
    message when it does not (for the console and the state dump)."""
    bound = error_bound(hot)
    limit = cfg["time"]["max_error"]
    if bound is None:
        hot["promise"] = "photo stamped by the RTC alone: not synced since sleep memory was lost"
    elif bound <= limit:
        hot["promise"] = ""
    else:
        hot["promise"] = "photo stamped with a clock error bound of %.1f s, over max_error %d s" % (bound, limit)
    return hot["promise"]


def apply(hot: dict, durable: dict, sample: int, fraction: float, precision: float) -> "float | None":
    """A time sample (`sample` whole seconds + `fraction`, true to +-precision s). Returns the
    error it found in our time (s), or None when the sample was distrusted."""
    global _offset
    if not valid(sample):
        return None  # no time at all (and time.localtime refuses anything before 2000)
    rtc_now = time.time()
    clock = hot["clock"]
    if clock and valid(rtc_now):
        error = (rtc_now - sample) + (_offset - fraction)
        if abs(error) > DISTRUST_S + 3 * error_bound(hot):  # type: ignore[operator]  # a clock
            if not hot["distrust"] or abs(error - hot["distrust"]) > 10:
                hot["distrust"] = error  # a second sample that agrees is believed
                return None
        _judge(hot, abs(error) - precision)
        _learn(hot, durable, error, precision)
    else:
        error = None
    if not valid(rtc_now) or abs(rtc_now - sample) > (1 if clock is None else RESET_RTC_S):
        import rtc

        rtc.RTC().datetime = time.localtime(sample)
        rtc_now = time.time()
    _offset = (sample - rtc_now) + fraction
    hot["clock"] = [rtc_now, _offset, precision, hot["temperature"]]
    hot["since"] = [0, 0.0, 0.0, 0.0]
    hot["distrust"] = 0
    hot["synced_at"] = sample
    return error if error is not None else 0.0


def _judge(hot, error):
    """The model's residual against its own bound: a sync that finds the time further off than
    the bound said scales the bound's growth up at once (enough to have covered it, and a
    fifth more); syncs that find it within let the doubt fade back towards 1."""
    grown = hot["clock"][BOUND]
    if hot["since"][SLEPT] < MIN_LEARN_S or grown < 0.1:
        return
    doubt = _doubt(hot)
    if error > grown:
        doubt = min(DOUBT_MAX, doubt * error / grown * 1.2)
    else:
        doubt = max(1.0, doubt * DOUBT_DECAY)
    hot["doubt"] = round(doubt, 3)


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
    unseen = since[UNSEEN_S] / slept if len(since) > UNSEEN_S else 0.0  # unseen temperature's ppm
    r = noise * noise + SAMPLE_NOISE_PPM * SAMPLE_NOISE_PPM + unseen * unseen
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


def end(hot: dict) -> None:
    """Before deep sleep: remember the RTC and our correction at this moment."""
    clock = hot["clock"]
    if clock:
        clock[RTC] = time.time()
        clock[OFFSET] = _offset
        clock[TEMP] = hot["temperature"]


def rtc_alarm(hot: dict, durable: dict, wake_utc: int) -> int:
    """The RTC reading at which to wake so that the corrected time is `wake_utc`."""
    if not hot["clock"]:
        return wake_utc
    ppm, _ = predict(_model(hot, durable), hot["temperature"])
    rtc_now = time.time()
    span = (wake_utc - rtc_now) - _offset   # true seconds to sleep
    return rtc_now + int(span * (1 + ppm * 1e-6) + 0.5)


def zone(durable: dict, utc: "int | None" = None) -> "int | None":
    """The UTC offset (s) of settings.toml's TIMEZONE in force at `utc` (after the next daylight
    saving change a time service announced, the offset after it), None without one."""
    found = durable["zone"]
    if not found:
        return None
    if utc is not None and len(found) > ZONE_AFTER and found[ZONE_CHANGE] and utc >= found[ZONE_CHANGE]:
        return found[ZONE_AFTER]
    return found[ZONE_OFFSET]


def zone_change(durable: dict) -> int:
    """UTC of the next daylight saving change announced, 0 when none is known."""
    found = durable["zone"]
    return found[ZONE_CHANGE] if found and len(found) > ZONE_AFTER else 0


def zone_age(durable: dict, utc: int) -> "int | None":
    """Seconds since that offset was asked for (None without one)."""
    found = durable["zone"]
    return utc - found[ZONE_CHECKED] if found else None


def zone_unknown(durable: dict, utc: int) -> None:
    """The time service does not know TIMEZONE: no offset, asked again a day after `utc`."""
    durable["zone"] = [None, utc, 0, None]


def set_zone(durable: dict, offset: "int | None", utc: int, change_at: int = 0,
             after: "int | None" = None) -> None:
    """`offset` as the time service said at `utc`, with its next change (UTC, 0: not known) and
    the offset after it; None: no TIMEZONE (or no valid time)."""
    if offset is None:
        durable["zone"] = None
    else:
        durable["zone"] = [offset, utc, change_at or 0, offset if after is None else after]
