"""One wake of the camera (docs/design.md, One wake): state, config, plan, capture, persist, sleep.

Whatever goes wrong is recorded in the state and printed as `[error] kind: message`, and the
wake still ends in deep sleep; a hang is ended by the watchdog.
"""

import os
import time

import alarm
import microcontroller
import supervisor

from state import battery, cadence, card, conf, queue
from state.store import State
from timelapse import civil, marker, power, schedule, spool, ticks, timesync

CONFIG_FILE = "camconfig.toml"
SLOT_TOLERANCE_S = 90     # a wake this close to a slot takes that slot's photo
FREE_CHECK_S = 86400      # measure the card's free space at least daily (statvfs can be slow)
CRITICAL_SLEEP_S = 6 * 3600  # near empty: wake rarely, do nothing but measure
MAX_RETRY_S = 3600
CALIBRATE_MIN_S = 300     # the shortest sleep that says something about the RTC's rate
# CircuitPython's own WiFi keys: with them it joins by itself at every start (docs/design.md)
OLD_WIFI_KEYS = ("CIRCUITPY_WIFI_SSID", "CIRCUITPY_WIFI_PASSWORD")


class Wake:
    state: State  # set first thing in run(); absent only if loading itself failed
    cfg: dict

    def __init__(self):
        up = time.monotonic()
        self.mark = ticks.now()  # phase timings in integer ms (timelapse/ticks.py says why)
        # Time since the reset; 0 when code.py runs again without one (USB's fake deep sleep).
        self.timings = {"boot": int(up * 1000) if up < 60 else 0}
        self.next_utc = None   # corrected UTC of the next wake
        self.alarm_rtc = None  # the RTC reading that means next_utc (timesync.rtc_alarm)
        self.card_ready = None  # not tried yet in this wake
        self.early_utc = None   # (utc, why): a wake wanted before the next slot
        self.battery = "ok"     # power.battery_mode: "ok", "low" (no WiFi), "critical"
        self.taken = None       # (seq, ticks, stamp) of this wake's photo, for restamp()
        self.camera_used = False  # the camera was started in this wake

    def phase(self, name):
        self.timings[name] = self.timings.get(name, 0) + ticks.since(self.mark)
        self.mark = ticks.now()
        marker.mark(name)

    def error(self, kind, message):
        print("[error] %s: %s" % (kind, message))
        if hasattr(self, "state"):
            self.state.note_error(kind, message, timesync.utc_now())

    # -- the steps -----------------------------------------------------------------------------

    def run(self):
        self.state = State.load(alarm.sleep_memory, microcontroller.nvm)
        # USB's fake deep sleep re-runs code.py without a reset: a wake alarm means a normal wake.
        woke = (microcontroller.cpu.reset_reason == microcontroller.ResetReason.DEEP_SLEEP_ALARM
                or alarm.wake_alarm is not None)
        if self.state.cold or not woke or not self.state.nvm_valid:
            self.read_backup()
        for problem in self.state.problems:
            self.error("state", problem)
        hot = self.state.hot
        celsius = microcontroller.cpu.temperature  # None where the chip cannot tell
        celsius = timesync.TEMP_REF if celsius is None else round(celsius, 1)
        cached = conf.cached(self.state.durable)
        if cached:  # the cached config names the marker pin, if any
            marker.start(cached["power"]["marker_pin"])
        self.phase("state")
        self.cfg = cfg = self.local_zone(self.load_config())
        self.check_settings()
        marker.start(cfg["power"]["marker_pin"])
        power.arm_watchdog(cfg["upload"]["awake_budget"])
        timesync.begin(hot, self.state.durable, celsius)
        self.phase("config")
        if self.state.cold:
            self.state.count_power_on()
        if self.state.cold or not woke:
            self.recover_card()
        try:
            volts = power.battery_volts(cfg["power"])
        except (AttributeError, OSError, RuntimeError, ValueError) as problem:
            # no such pin, no ADC, ADC2 under WiFi (IDFError): as without a battery pin
            self.error("battery_pin", "%s: %s: %s" % (cfg["power"]["battery_pin"],
                                                      type(problem).__name__, problem))
            volts = 0.0
        battery.measured(hot, volts)
        self.battery = power.battery_mode(self.state.durable, cfg["power"], volts)
        utc = timesync.utc_now()
        if self.battery == "critical":
            self.error("battery", "%.2f V is below critical: no capture, no WiFi" % volts)
            self.next_utc = utc + CRITICAL_SLEEP_S
        else:
            valid = timesync.valid(utc)
            if valid:
                self.on_grid(utc)
            else:
                self.relative(utc)
            if self.go_online() and (not valid or timesync.valid(timesync.utc_now())):
                self.plan_next()  # the clock was set or corrected: plan on the new time
                self.calibrate()
            self.keep_promise()
            self.wake_early()
            if not self.camera_used:
                self.rest_camera()
        self.persist()

    def rest_camera(self):
        """A wake without a photo still leaves the sensor in its sleep state, once per
        power-on: the hot record then remembers it across deep sleeps (not after a failed
        start, which the next capture retries; not with a load switch, which the pin reset at
        the end of code.py turns off anyway)."""
        from state import sensor

        hot = self.state.hot
        if sensor.sleeps_in(hot) or sensor.failed_starts(hot) or self.cfg["power"]["camera_power_pin"]:
            return
        from timelapse import camera

        self.camera_used = True
        try:
            camera.rest(self.cfg["camera"], None, hot, self.error)
        except (OSError, RuntimeError, ValueError) as problem:
            self.error("camera", str(problem))
        finally:
            self.phase("camera")
            sensor.remember(hot, self.state.durable)
        print("camera: left in %s for deep sleep (no photo this wake)" % (sensor.sleeps_in(hot) or "-"))

    def go_online(self):
        """Join WiFi only when an upload or a time sync is due, and do both on one join.
        Returns whether the time was synced."""
        hot, durable, cfg = self.state.hot, self.state.durable, self.cfg
        utc = timesync.utc_now()
        upload_due = ""
        if queue.waiting(hot) > 0:
            from timelapse import upload

            if timesync.valid(utc) and not timesync.valid(queue.queued_since(hot)):
                # The queue's age counts on a set clock only: taken while the RTC reads 2000,
                # it would make the first photo look 26 years old after the first sync.
                queue.waits_since(hot, utc)
            local = utc + cfg["schedule"]["utc_offset"] if timesync.valid(utc) else None
            if cfg["upload"]["enabled"]:
                from state import auth

                auth.recheck(durable, upload.settings_key)
            upload_due = upload.due(hot, durable, cfg, utc, local, battery.volts(hot))
            opening = None if upload_due else upload.window_opens(hot, durable, cfg, utc, local,
                                                                  battery.volts(hot))
            if opening is not None:
                self.early(opening, "upload: the window opens")
        sleep_s = (self.next_utc or utc) - utc
        sync_due = timesync.due(hot, durable, cfg, utc, sleep_s)
        if not (upload_due or sync_due):
            return False
        from state import backoff  # compiled only by wakes with something to do online

        if backoff.active(hot, utc):
            return False
        if self.battery != "ok":  # WiFi's transmit peaks could brown the board out
            print("battery: %.2f V is low: no WiFi (%s)" % (battery.volts(hot), upload_due or sync_due))
            return False
        from timelapse import online  # compiled only by wakes that go on the network

        synced, retry_at = online.run(self.state, cfg, upload_due, sync_due, sleep_s, utc,
                                      self.mount_card, self.error, self.phase,
                                      self.restamp if self.taken is not None else None, self.before_upload)
        if retry_at is not None:
            self.early(retry_at, "upload: Dropbox asked us to wait")
        self.cfg = self.local_zone(cfg)  # TIMEZONE's offset may have been asked for
        return synced

    def calibrate(self):
        """Just synced, but the rate is not learned well enough to keep the bound until the
        next slot (after a cold start): wake earlier for another sample."""
        hot = self.state.hot
        if not timesync.learning(hot, self.state.durable):
            return
        horizon = timesync.horizon(hot, self.state.durable, self.cfg)
        if horizon is not None:
            self.early(timesync.utc_now() + max(CALIBRATE_MIN_S, int(horizon)), "time: learning the clock rate")

    def keep_promise(self):
        """Before a sleep that would take the clock's bound past max_error: wake in between
        (the temperature read there is what the model misses over a long sleep) when that
        costs less than the sync the next wake would otherwise make first."""
        if self.next_utc is None:
            return
        utc = timesync.utc_now()
        sleep_s = self.next_utc - utc
        parts = timesync.parts(self.state.hot, self.state.durable, self.cfg, sleep_s)
        if parts > 1:
            self.early(utc + sleep_s // parts, "time: a wake in between keeps the clock's bound")

    def early(self, utc, why):
        """Ask for a wake before the next slot (the earliest request wins)."""
        if self.early_utc is None or utc < self.early_utc[0]:
            self.early_utc = (utc, why)

    def wake_early(self):
        """An early wake, unless it would come so close to the slot that it took the slot's photo
        early: then the slot's own wake does the job."""
        if self.early_utc and self.next_utc and self.early_utc[0] < self.next_utc - 2 * SLOT_TOLERANCE_S:
            utc, why = self.early_utc
            self.next_utc = utc
            print("%s: next wake in %d s" % (why, utc - timesync.utc_now()))

    def plan_next(self):
        """The next slot on the grid, after the one just taken; when a daylight saving change
        comes before it, the next slot on the grid of the offset after the change."""
        sched = self.cfg["schedule"]
        offset = sched["utc_offset"]
        utc = timesync.utc_now()
        following = schedule.next_slot(max(utc + offset, cadence.last_slot(self.state.hot)), sched)
        change = timesync.zone_change(self.state.durable)
        if following is not None and change and utc < change <= following - offset:
            after_change = timesync.zone(self.state.durable, change)
            offset = offset if after_change is None else after_change  # 0 (UTC) is an offset
            sched = dict(sched, utc_offset=offset)
            after = max(change + offset - 1, utc + offset, cadence.last_slot(self.state.hot))
            following = schedule.next_slot(after, sched)
        if following is None:
            print("schedule: no more slots (stop date passed)")
            self.next_utc = utc + 86400
        else:
            self.next_utc = following - offset

    def local_zone(self, cfg):
        """camconfig's utc_offset, unless a time service told the offset of settings.toml's
        TIMEZONE (which follows daylight saving time: from the change it announced on)."""
        zone = timesync.zone(self.state.durable, timesync.utc_now())
        if zone is None or zone == cfg["schedule"]["utc_offset"]:
            return cfg
        cfg = dict(cfg)  # the cached config in NVM stays as camconfig.toml says
        cfg["schedule"] = dict(cfg["schedule"], utc_offset=zone)
        return cfg

    def load_config(self):
        """The configuration; parsed only when camconfig.toml changed (size or mtime): the
        parser is imported (and compiled, on the board) only then."""
        hot, durable = self.state.hot, self.state.durable
        try:
            stat = os.stat(CONFIG_FILE)
            key = [stat[6], stat[8]]
        except OSError:
            key = None
        if conf.unchanged(hot, key) and conf.cached(durable):
            return conf.cached(durable)
        from timelapse import config

        if conf.unchanged(hot, key) and conf.problem(durable):
            return config.load("")  # the file is broken and no good one was ever loaded
        conf.seen(hot, key)
        if key is None:
            self.config_problem("camconfig.toml is missing")
            return conf.cached(durable) or config.load("")
        with open(CONFIG_FILE) as handle:
            text = handle.read()
        fingerprint = config.fingerprint(text)
        if conf.same_text(durable, fingerprint):
            if conf.problem(durable):  # the good file is back (restored, or deleted and restored)
                conf.set_problem(durable, "")
                print("config: camconfig.toml is good again")
            return conf.cached(durable)
        try:
            cfg = config.load(text)
        except ValueError as problem:
            self.config_problem("camconfig.toml: %s" % problem)
            return conf.cached(durable) or config.load("")
        conf.loaded(durable, cfg, fingerprint)
        print("config: loaded camconfig.toml")
        return cfg

    def check_settings(self):
        """settings.toml must not use CircuitPython's own WiFi key names: with them its web
        workflow joins WiFi before every code.py (a full scan), which costs battery on every
        wake. The firmware still joins with them; the error is recorded once per change (NVM)
        and shown in every state dump until the keys are renamed."""
        old = []
        for key in OLD_WIFI_KEYS:
            try:
                if os.getenv(key) is not None:
                    old.append(key)
            except ValueError:  # there, but not quoted
                old.append(key)
        message = ""
        if old:
            message = ("rename %s to %s in settings.toml: with these names CircuitPython joins WiFi "
                       "by itself at every wake, a full scan before code.py runs, which costs "
                       "battery" % ("/".join(old), "/".join(key[10:] for key in old)))
        if conf.set_settings_problem(self.state.durable, message) and message:
            self.error("settings", message)

    def config_problem(self, message):
        """Recorded (in NVM, once per change) and reported; the last good config goes on, or
        the defaults when none was ever loaded (a first boot with a broken file)."""
        conf.set_problem(self.state.durable, message)
        if conf.cached(self.state.durable):
            self.error("config", message + " (running on the last good configuration)")
        else:
            self.error("config", message + " (running on the defaults: no good configuration "
                       "was ever loaded)")

    def mount_card(self):
        """Mount the card once per wake; a failure is reported once."""
        if self.card_ready is None:
            try:
                spool.mount()
                self.card_ready = True
            except (OSError, RuntimeError) as problem:  # RuntimeError: no /sd folder on CIRCUITPY
                self.card_ready = False
                card.set_problem(self.state.hot, "missing")
                self.error("card", "cannot mount the microSD card: %s" % problem)
        return self.card_ready

    def read_backup(self):
        """After any reset but a deep-sleep alarm (the card is mounted then anyway, to find the
        last photo), or when NVM holds no record: the durable record's copy on the card, if it
        is newer than NVM's (a power cut inside the NVM write empties NVM)."""
        from state import backup

        if self.mount_card() and self.state.adopt(backup.read(spool.ROOT), board_id()):
            print("state: durable record %d restored from the card" % self.state.nvm_seq())

    def write_backup(self, data, nvm_seq):
        """Before every NVM write: the copy on the card, mounting it if this wake has not
        (unless the card was missing at the last try: the next capture tries again)."""
        from state import backup

        if self.card_ready is None and card.problem(self.state.hot) == "missing":
            return
        if not self.mount_card():
            return
        try:
            backup.write(spool.ROOT, data, nvm_seq, spool.makedirs)
        except OSError as problem:
            self.error("card", "writing the state copy: %s" % problem)

    def recover_card(self):
        """After a reset other than a deep-sleep alarm the card, not memory, knows the last photo."""
        if not self.mount_card():
            return
        hot = self.state.hot
        highest, lowest = spool.recover()
        if queue.found(hot, highest, lowest):
            print("state: photos up to %d found on the card" % highest)
        card.forget(hot)
        self.phase("card")

    def on_grid(self, utc):
        sched = self.cfg["schedule"]
        offset = sched["utc_offset"]
        hot = self.state.hot
        slot = schedule.slot_at(utc + offset, sched, SLOT_TOLERANCE_S)
        if slot is not None and slot != cadence.last_slot(hot):
            cadence.took_slot(hot, slot)
            self.capture(dated=True)
        self.plan_next()

    def relative(self, utc):
        """No valid time: capture every `interval` counted from the last capture."""
        interval = self.cfg["schedule"]["interval"]
        hot = self.state.hot
        anchor = cadence.anchor(hot)
        due = anchor + interval
        if anchor == 0 or utc >= due - SLOT_TOLERANCE_S or utc < anchor:
            on_time = anchor and abs(utc - due) <= SLOT_TOLERANCE_S
            cadence.set_anchor(hot, due if on_time else utc)
            self.capture(dated=False)
        self.next_utc = cadence.anchor(hot) + interval

    def capture(self, dated):
        """One photo to the card, named by the (corrected) local time it was taken at when
        the time is known, else by its sequence number alone."""
        hot = self.state.hot
        cam = self.cfg["camera"]
        if not self.mount_card() or not self.make_room():
            return
        from timelapse import camera

        self.camera_used = True
        try:
            jpeg = camera.capture(cam, self.cfg["power"]["camera_power_pin"], hot, self.error)
        except (OSError, RuntimeError, ValueError) as problem:
            self.error("camera", str(problem))
            return
        finally:
            self.phase("camera")
            from state import sensor

            sensor.remember(hot, self.state.durable)
        if jpeg is None:
            return
        seq = queue.last(hot) + 1
        local = timesync.utc_now() + self.cfg["schedule"]["utc_offset"]
        stamp = civil.stamp(local) if dated else None
        taken_at = ticks.now()
        try:
            path = spool.write_image(cam["id"], seq, stamp, jpeg)
        except OSError as problem:
            card.forget(hot)
            self.error("card", "writing photo %d: %s" % (seq, problem))
            return
        finally:
            self.phase("card")
        queue.captured(hot, seq)
        card.set_problem(hot, "")
        if dated:
            self.taken = (seq, taken_at, stamp)
            timesync.stamped(hot, self.cfg)  # a sync in this wake may still correct it
        card.used(hot, len(jpeg) // 1024 + 1)
        print("capture: %s (%d kB)" % (path, len(jpeg) // 1024))

    def before_upload(self, seq, client):
        """Before this wake's photo is uploaded while its stamp is outside max_error: the Date
        header of the batch's earlier photos is the time sample that corrects it."""
        if self.taken is None or seq != self.taken[0] or not timesync.promise(self.state.hot):
            return
        sample = client.date_sample()
        if sample is not None:
            from timelapse import online

            online.apply_time(self.state.hot, self.state.durable, "date", sample, self.error)
            self.restamp()

    def restamp(self):
        """After a sync in a wake whose clock bound had passed max_error: name this wake's
        photo by the corrected time it was taken at, unless it is already uploaded."""
        if self.taken is None or not timesync.valid(timesync.utc_now()):
            return
        seq, taken_at, old = self.taken
        if queue.uploaded(self.state.hot) >= seq:
            return
        self.cfg = self.local_zone(self.cfg)
        utc = timesync.utc_now() - (ticks.since(taken_at) + 500) // 1000
        stamp = civil.stamp(utc + self.cfg["schedule"]["utc_offset"])
        if stamp != old:
            try:
                spool.restamp(self.cfg["camera"]["id"], seq, old, stamp)
                self.taken = (seq, taken_at, stamp)
                print("time: photo %d restamped %s" % (seq, stamp))
            except OSError as problem:
                self.error("card", "renaming photo %d: %s" % (seq, problem))
                return
        timesync.stamped(self.state.hot, self.cfg)

    def promise(self):
        """Before sleep: say so when this wake's photo is stamped outside max_error."""
        if self.taken is not None and timesync.promise(self.state.hot):
            self.error("time", "photo %d: %s" % (self.taken[0], timesync.promise(self.state.hot)))

    def make_room(self):
        """Keep min_free_mb free by deleting the oldest uploaded photos; never unsent ones."""
        hot = self.state.hot
        utc = timesync.utc_now()
        needed_kb = self.cfg["storage"]["min_free_mb"] * 1024
        if card.stale(hot, utc, 2 * needed_kb, FREE_CHECK_S):
            card.measured(hot, spool.free_kb(), utc)
        while card.free(hot) < needed_kb:
            if not queue.deletable(hot):
                card.set_problem(hot, "full")
                self.error("card_full", "%d kB free and no uploaded photo to delete: capture stopped"
                           % card.free(hot))
                return False
            card.used(hot, -spool.delete(queue.oldest(hot)))
            queue.deleted_oldest(hot)
        return True

    def persist(self):
        self.phase("work")
        self.promise()
        hot = self.state.hot
        if self.next_utc is not None:
            self.alarm_rtc = timesync.rtc_alarm(hot, self.state.durable, self.next_utc)
        timesync.end(hot)
        self.timings["t"] = timesync.utc_now()
        self.state.note_timings(self.timings)
        if self.state.save(alarm.sleep_memory, microcontroller.nvm, board_id(), self.write_backup):
            print("state: NVM written")
        if supervisor.runtime.usb_connected:
            from timelapse import summary  # compiled only with USB attached

            summary.show(self.state, getattr(self, "cfg", None), self.next_utc)

    def retry_time(self):
        """After a failed wake: the next slot if it can be planned, else a retry."""
        utc = timesync.utc_now()
        try:
            sched = self.cfg["schedule"]
            following = schedule.next_slot(utc + sched["utc_offset"], sched)
            return following - sched["utc_offset"]
        except Exception:  # noqa: BLE001 - planning itself failed; fall back to a fixed retry
            return utc + MAX_RETRY_S


def board_id() -> str:
    """The chip's id (its MAC): a card copy of the state is only trusted on its own board."""
    import binascii

    return binascii.hexlify(microcontroller.cpu.uid).decode()


def main() -> None:
    """Run one wake and deep sleep, whatever happens."""
    wake = Wake()
    try:
        wake.run()
        if supervisor.runtime.usb_connected and spool.exists(spool.MAINTENANCE_FILE):
            from timelapse import maintenance

            maintenance.run(wake.state, wake.cfg, wake.error)
    except Exception as failure:  # noqa: BLE001 - the wake must end in deep sleep, recorded
        wake.error("crash", "%s: %s" % (type(failure).__name__, failure))
        wake.next_utc = wake.retry_time()
        try:
            if hasattr(wake, "state"):
                wake.persist()
        except Exception as again:  # noqa: BLE001
            print("[error] persist: %s" % again)
    marker.stop()
    wake_pin = wake.cfg["power"]["wake_pin"] if hasattr(wake, "cfg") else None
    power.deep_sleep(wake.alarm_rtc or wake.next_utc, wake_pin, marker.held())
