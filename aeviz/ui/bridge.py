"""The one worker thread that owns the engine, and the GUI-side object that talks to it.

Commands travel GUI -> worker through a `queue.Queue` (no Qt event loop is needed in the worker,
so a long epoch never starves it of commands it could not read anyway). Snapshots travel
worker -> GUI by a queued signal, *coalesced*: the worker keeps only the newest snapshot and
signals again only once the GUI has taken the previous one, so a slow painter never builds a
backlog of stale pictures. When the worker publishes and how long it waits for a frame to be
drawn is `frame_pacing.FramePacing`'s rule (`EngineBridge.pacing`).
"""
from __future__ import annotations

import dataclasses
import gc
import logging
import queue
import threading
import time

from PySide6.QtCore import QObject, QThread, Signal, Slot

from aeviz.engine import DivergenceError, PhaseError, build_trainer, kernels
from aeviz.engine.insights import compute_extras, walk_extras
from aeviz.engine.threads import single_threaded_blas
from aeviz.presets import split_for

from .background import stop_thread
from .frame_pacing import FramePacing
from .mailbox import Mailbox
from .step_commands import StepCommands

log = logging.getLogger(__name__)

FULL_SPEED = float("inf")
_STOP = ("stop", ())
EXTRAS_INTERVAL = 0.25  # insights are computed at most ~4 times a second
MANUAL = {"step_phase", "forward", "backward", "update", "step_observation", "step_batch",
          "undo", "restore_best", "set_weight", "select_observation", "timeline", "scrub"}


def play_due(previous_due: float, now: float, speed: float, steps_done: int) -> float:
    """When the next unit of work is due while playing at `speed` observations a second: one
    observation every 1/speed s; at 4/s or slower (phase by phase) one phase every 1/(4 speed) s.
    A late worker catches up at most 0.25 s of backlog, so a stall never ends in a burst."""
    cost = (1.0 / (4 * speed)) if speed <= 4 else steps_done / speed
    return max(previous_due, now - 0.25) + cost


class _Worker(QObject):
    """Lives in the worker thread; runs commands and, while playing, steps at the asked rate."""

    snapshotReady = Signal()
    diverged = Signal(str)
    message = Signal(str)
    stoppedEarly = Signal(str)
    rebuilt = Signal(object, object)
    rebuildFailed = Signal(str)
    playingChanged = Signal(bool)
    workDone = Signal(str, object)
    workFailed = Signal(str, str)

    def __init__(self, commands: queue.Queue, pacing: FramePacing):
        super().__init__()
        self.q = commands
        self.pacing = pacing
        self.trainer = None
        self.dataset = None
        self.config = None
        self.preset = None
        self.playing = False
        self.speed = FULL_SPEED
        self.selection: dict = {}
        self.rate = 0.0  # observations per second, measured
        self.done = 0  # commands handled (the GUI compares with the number sent)
        self.mailbox = Mailbox()  # the newest snapshot for the GUI
        self._published = (None, None)  # (trainer, its last snapshot published, without extras)
        self._extras: dict = {}
        self._extras_at = 0.0
        self._rate_t = time.perf_counter()
        self._rate_steps = 0
        self._warm = False
        self.patience = 0  # early stopping: pause after this many epochs without a better validation RMSE
        self.epoch_target = None  # set while Step epoch plays to the end of an epoch
        self._speed_after = FULL_SPEED  # the speed to go back to once it has
        self._stopped_for = None  # the best epoch an early stop was last announced for
        self.scrub_to = None  # the newest epoch the timeline's scrubber asked for (coalesced)
        self._scrub_lock = threading.Lock()  # scrub_to is set by the GUI thread, taken by the worker
        self.timeline_budget = None  # bytes, for every trainer built (None: the engine's default)

    # ------------------------------------------------------------------------------ the loop
    @Slot()
    def run(self):
        single_threaded_blas()  # process-wide: BLAS threads would fight this thread and the GUI's
        next_due = time.perf_counter()
        while True:
            if self.playing and self.trainer is not None:
                if self.speed == FULL_SPEED:
                    if self.q.empty():  # cheap check between steps: no exception, no clock
                        self._full_speed_step()
                        continue
                    cmd = self.q.get_nowait()
                else:
                    wait = next_due - time.perf_counter()
                    try:
                        cmd = self.q.get(timeout=wait) if wait > 0 else self.q.get_nowait()
                    except queue.Empty:
                        cmd = None
                    if cmd is None:
                        next_due = self._play_step(next_due)
                        continue
            else:
                if not self._warm:
                    try:  # after a second of quiet (start-up is drawn by then), compile the
                        cmd = self.q.get(timeout=1.0)  # engine's loops, not at the first click
                    except queue.Empty:
                        self._warm = True
                        kernels.warm_up()
                        # Numba's ~100,000 long-lived objects out of the collector's sight (every
                        # later collection stays cheap: 50 ms -> 6 ms a pass); no collection here
                        gc.freeze()
                        continue
                else:
                    cmd = self.q.get()
                next_due = time.perf_counter()
            if cmd[0] == "stop":
                self.done += 1
                break
            self._handle(cmd)
            self.done += 1

    def _handle(self, cmd):
        name, args = cmd
        try:
            if name in MANUAL and self.playing:
                self._set_playing(False)
            getattr(self, "_cmd_" + name)(*args)
        except DivergenceError as exc:
            self._on_diverged(exc)
        except (PhaseError, ValueError) as exc:  # the engine's refusals: a reason a person can act on
            log.info("engine command %s refused: %s", name, exc, exc_info=True)
            self.message.emit(str(exc))
            self._publish(force=True)
        except Exception as exc:  # a bug (IndexError, KeyError, ...): logged with its traceback, and said
            log.exception("engine command %s failed", name)
            self.message.emit(f"{name.replace('_', ' ')} failed ({type(exc).__name__}: {exc}); "
                              f"the details are in the log")

    # --------------------------------------------------------------------------- commands
    def _manual(self, fn, *args):
        if self.trainer is None:
            return
        self.trainer.keep_undo = True
        fn(*args)
        self._publish(force=True)

    def _cmd_step_phase(self):
        self._manual(lambda: self.trainer.step_phase())

    def _cmd_forward(self):
        self._manual(lambda: self.trainer.forward())

    def _cmd_backward(self):
        def run():
            if self.trainer.next_phase == "loss":
                self.trainer.compute_loss()
            self.trainer.backward()
        self._manual(run)

    def _cmd_update(self):
        self._manual(lambda: self.trainer.update())

    def _cmd_step_observation(self):
        self._manual(lambda: self.trainer.step_observation())

    def _cmd_step_batch(self):
        self._manual(lambda: self.trainer.step_batch())

    def _cmd_step_epoch(self):
        """Play at full speed to the end of this epoch: drawn as it goes (an epoch of a big file
        takes minutes), and Pause cancels it. Asked again meanwhile: one epoch more."""
        if self.trainer is None:
            return
        if self.epoch_target is not None:
            self.epoch_target += 1
            return
        if self.playing:
            self._set_playing(False)
        self.epoch_target = self.trainer.epoch + 1
        self._speed_after, self.speed = self.speed, FULL_SPEED
        self.trainer.keep_undo = False
        self._set_playing(True)

    def _cmd_undo(self):
        self._manual(lambda: self.trainer.undo())

    def _cmd_restore_best(self):
        self._manual(lambda: self.trainer.restore_best())

    def _cmd_timeline(self, action, *args, light: bool = False):
        """Step back, go to an epoch, latest, continue from here, discard branches: the trainer's
        Timeline does it (engine/timeline.py); what it says goes to the status bar. light: a
        drag's preview is published (see `_publish`)."""
        if self.trainer is None:
            return
        said = getattr(self.trainer.timeline, action)(self.trainer, *args)
        if isinstance(said, str):
            self.message.emit(said)
        self._publish(force=True, light=light)

    def aim_scrub(self, epoch: int, light: bool = False) -> bool:
        """Any thread: scrub to `epoch` (light: a drag preview); True if a 'scrub' command must be
        sent (none pending). The newest request wins, preview or full."""
        with self._scrub_lock:
            pending, self.scrub_to = self.scrub_to is not None, (int(epoch), bool(light))
        return not pending

    def _cmd_scrub(self):
        with self._scrub_lock:
            aim, self.scrub_to = self.scrub_to, None
        if aim is not None:
            epoch, light = aim
            self._cmd_timeline("go_to_epoch", epoch, light=light)

    def _cmd_timeline_budget(self, budget_bytes):
        self.timeline_budget = int(budget_bytes)
        if self.trainer is not None:
            self.trainer.timeline.set_budget(self.timeline_budget)
            self._publish(force=True)

    def _cmd_set_patience(self, epochs):
        self.patience = max(0, int(epochs))
        self._stopped_for = None

    def _cmd_set_weight(self, layer, row, col, value):
        self._manual(lambda: self.trainer.set_weight(layer, row, col, value))

    def _cmd_select_observation(self, row):
        self._manual(lambda: self.trainer.select_observation(row))

    def _cmd_set_selection(self, layer, index):
        self.selection = {"layer": int(layer), "index": int(index)}
        self._extras_at = 0.0
        self._publish(force=True)

    def _cmd_imagine(self, spec):
        """The Code panel's walk: decode an imaginary user (None: back to the real one)."""
        self.selection = {k: v for k, v in self.selection.items() if k != "imagine"}
        if not spec or not self._extras or self.trainer is None:
            self._extras_at = 0.0
            self._publish(force=True)
            return
        self.selection["imagine"] = dict(spec)
        try:  # only the two records a walk changes: a drag stays fluid
            self._extras.update(walk_extras(self.trainer, self.selection["imagine"]))
        except Exception:
            log.exception("walk_extras failed")
        self._extras_at = time.perf_counter()
        self._publish(force=True, extras_ready=True, same_network=True)

    def _cmd_play(self, speed):
        if self.epoch_target is not None:  # the slider moved during Step epoch: for afterwards
            self._speed_after = FULL_SPEED if speed is None else float(speed)
            return
        self.speed = FULL_SPEED if speed is None else float(speed)
        if self.trainer is not None:
            self.trainer.keep_undo = self.speed != FULL_SPEED
            self._set_playing(True)

    def _cmd_pause(self):
        self._set_playing(False)
        self._publish(force=True)

    def _cmd_reset(self):
        if self.config is not None:
            self._cmd_rebuild(self.config, self.dataset, self.preset)

    def _cmd_rebuild(self, config, dataset, preset=None):
        dataset = self.dataset if dataset is None else dataset
        try:
            if preset is not None:  # the preset knows its own split, clipping and start weights
                trainer, _ = preset.make_trainer(dataset)
            else:
                trainer = build_trainer(config, **split_for(config, dataset)[1])
        except ValueError as exc:  # a configuration the engine refuses (it says why)
            log.info("rebuild refused: %s", exc, exc_info=True)
            self.rebuildFailed.emit(f"Could not build the network: {exc}")
            return
        except Exception as exc:  # a bug: never swallowed unlogged
            log.exception("rebuild failed")
            self.rebuildFailed.emit(f"Could not build the network ({type(exc).__name__}: {exc})")
            return
        self._set_playing(False)
        if self.timeline_budget is not None:
            trainer.timeline.set_budget(self.timeline_budget)
        self.trainer, self.config, self.dataset, self.preset = trainer, config, dataset, preset
        self._stopped_for = None
        self._extras, self._extras_at = {}, 0.0
        self.rebuilt.emit(dataset, config)
        self._publish(force=True)

    def _cmd_call(self, tag, fn):
        """Run `fn(trainer, config, dataset)` here, between two steps: the only safe moment to read
        the live arrays (saving, exporting predictions). Answers workDone/workFailed(tag, ...)."""
        try:
            result = fn(self.trainer, self.config, self.dataset)
        except Exception as exc:
            log.info("worker call %s failed: %s", tag, exc)
            self.workFailed.emit(tag, str(exc) or type(exc).__name__)
        else:
            self.workDone.emit(tag, result)

    def _cmd_restore(self, tag, saved, dataset):
        """Continue from a saved model on `dataset` (split and clipping as a rebuild would)."""
        from aeviz.engine.serialize import restore_trainer
        dataset = self.dataset if dataset is None else dataset
        try:
            config = saved.config
            trainer = restore_trainer(saved, **split_for(config, dataset)[1])
        except Exception as exc:
            self.workFailed.emit(tag, str(exc) or type(exc).__name__)
            return
        self._set_playing(False)
        if self.timeline_budget is not None:
            trainer.timeline.set_budget(self.timeline_budget)
        self.trainer, self.config, self.dataset, self.preset = trainer, config, dataset, None
        self._stopped_for = None
        self._extras, self._extras_at = {}, 0.0
        self.rebuilt.emit(dataset, config)
        self.workDone.emit(tag, None)
        self._publish(force=True)

    # ---------------------------------------------------------------------------- playing
    def _set_playing(self, on: bool):
        if not on and self.epoch_target is not None:  # an epoch run ends (or is cancelled)
            self.epoch_target = None
            self.speed = self._speed_after
        if on != self.playing:
            self.playing = on
            if self.trainer is not None and not on:
                self.trainer.keep_undo = True
            self._rate_t, self._rate_steps = time.perf_counter(), self._steps()
            self.playingChanged.emit(on)
        if not on:
            self.rate = 0.0

    def _steps(self):
        return self.trainer.steps if self.trainer is not None else 0

    def _full_speed_step(self):
        """The hot loop: one vectorised batch, as little bookkeeping around it as possible."""
        self.pacing.wait_for_gui()
        t = self.trainer
        try:
            t.step_batch()
        except DivergenceError as exc:
            self._on_diverged(exc)
            return
        if t.k == 0 and self._epoch_boundary():
            return
        now = time.perf_counter()
        if self.pacing.frame_due(now):
            if now - self._rate_t >= 0.5:
                self.rate = (t.steps - self._rate_steps) / (now - self._rate_t)
                self._rate_t, self._rate_steps = now, t.steps
            self._publish()

    def _play_step(self, next_due: float) -> float:
        """One unit of work at the current speed; returns when the next one is due."""
        self.pacing.wait_for_gui()
        t = self.trainer
        s = self.speed
        before = t.steps
        try:
            if s <= 4:  # slow enough to watch each phase: forward, loss, backward, update
                t.step_phase()
            elif s == FULL_SPEED or s > 200:
                t.step_batch()
            else:
                t.step_observation()
        except DivergenceError as exc:
            self._on_diverged(exc)
            return time.perf_counter()
        if t.k == 0 and self._epoch_boundary():
            return time.perf_counter()
        now = time.perf_counter()
        if s != FULL_SPEED:
            next_due = play_due(next_due, now, s, t.steps - before)
        else:
            next_due = now
        if now - self._rate_t >= 0.5:
            self.rate = (t.steps - self._rate_steps) / (now - self._rate_t)
            self._rate_t, self._rate_steps = now, t.steps
        self._publish(force=s <= 4)
        return next_due

    def _epoch_boundary(self) -> bool:
        """At the start of an epoch: stop if Step epoch is done or early stopping says so."""
        if self.epoch_target is not None and self.trainer.epoch >= self.epoch_target:
            self._publish(force=True)  # before the target clears: the GUI is not idle until drawn
            self._set_playing(False)
            return True
        return bool(self.patience) and self._stop_early()

    def _stop_early(self) -> bool:
        """Pause once the trainer's early-stopping rule says so (once per best)."""
        t = self.trainer
        since = t.epochs_since_best
        if not t.should_stop_early(self.patience) or self._stopped_for == t.best_epoch:
            return False
        self._stopped_for = t.best_epoch
        self._set_playing(False)
        back = ("Train > Go back to the best epoch (Ctrl+B) restores that network; Play goes on."
                if t.can_restore_best else
                "That network was trained before this model was opened, so it cannot be restored; "
                "Play goes on.")
        self.stoppedEarly.emit(
            f"Paused: the validation RMSE has not improved for {since} epochs; the best, "
            f"{t.best_val_rmse:.4g}, was at epoch {t.best_epoch}. {back}")
        self._publish(force=True)
        return True

    def _on_diverged(self, exc):
        self._set_playing(False)
        self.diverged.emit(str(exc))
        self._publish(force=True)

    # ---------------------------------------------------------------------------- publish
    def _publish(self, force: bool = False, extras_ready: bool = False, same_network: bool = False,
                 light: bool = False):
        """same_network: only the extras changed (a latent walk): the last snapshot goes out
        again with them, so the network view sees the very arrays it drew and skips its redraw.
        light: a drag preview (Snapshot.light): the extras are not computed but the last ones go
        out again, the very objects, so every panel skips its redraw (Panel.show_snapshot)."""
        now = time.perf_counter()
        if self.trainer is None or (not force and not self.pacing.frame_due(now)):
            return
        self.pacing.mark_published(now)
        if not same_network or self._published[0] is not self.trainer:
            self._published = (self.trainer, self.trainer.snapshot())
        snap = self._published[1]
        if light:
            snap = dataclasses.replace(snap, light=True)
        elif not extras_ready and (force or now - self._extras_at >= EXTRAS_INTERVAL):
            try:
                self._extras = dict(compute_extras(self.trainer, dict(self.selection), fresh=force) or {})
            except Exception:
                log.exception("compute_extras failed")
                self._extras = {}
            self._extras_at = now
        if self._extras:
            snap = dataclasses.replace(snap, extras=dict(self._extras))
        if self.mailbox.put(snap):
            self.snapshotReady.emit()

    def take(self):
        """Called from the GUI thread: the newest snapshot, re-arming the signal."""
        return self.mailbox.take()

    @property
    def delivered(self) -> bool:
        """The GUI has taken every snapshot published (none is waiting)."""
        return not self.mailbox.pending


class EngineBridge(QObject, StepCommands):
    """GUI-side handle: methods enqueue commands; signals arrive in the GUI thread."""

    snapshotReady = Signal(object)
    diverged = Signal(str)
    message = Signal(str)
    stoppedEarly = Signal(str)
    rebuilt = Signal(object, object)  # dataset, config
    rebuildFailed = Signal(str)
    playingChanged = Signal(bool)
    workDone = Signal(str, object)  # tag, result of `call`/`restore`
    workFailed = Signal(str, str)  # tag, message

    def __init__(self, parent=None):
        super().__init__(parent)
        self._queue: queue.Queue = queue.Queue()
        self._sent = 0
        self.latest = None
        self.playing = False
        self.pacing = FramePacing()  # when the worker publishes, and how a frame is drawn
        self._thread = QThread()
        self._thread.setObjectName("aeviz-engine")
        self._worker = _Worker(self._queue, self.pacing)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        # cross-thread: only slots of this GUI-thread object, never lambdas
        self._worker.snapshotReady.connect(self._on_snapshot)
        self._worker.diverged.connect(self._on_diverged)
        self._worker.message.connect(self._on_message)
        self._worker.stoppedEarly.connect(self._on_stopped_early)
        self._worker.rebuilt.connect(self._on_rebuilt)
        self._worker.rebuildFailed.connect(self._on_rebuild_failed)
        self._worker.playingChanged.connect(self._on_playing)
        self._worker.workDone.connect(self._on_work_done)
        self._worker.workFailed.connect(self._on_work_failed)
        self._thread.start()

    # ----------------------------------------------------------------------------- commands
    def send(self, name: str, *args):
        self._sent += 1
        self._queue.put((name, args))

    def step_back(self):
        """One phase back on the timeline (Train > Step back)."""
        self.timeline("step_back")

    def timeline(self, action: str, *args):
        """A Timeline action in the worker: "step_back", "go_to_epoch" (epoch), "latest",
        "continue_here", "discard_branches" (engine/timeline.py)."""
        self.send("timeline", action, *args)

    def scrub(self, epoch: int, light: bool = False):
        """Show the end of `epoch` from the scrubber: only the newest position is drawn (positions
        that arrive while one is being drawn replace each other). light, while the hand is still
        on it: the network and the loss plot's cursor only (Snapshot.light); a full scrub must
        follow when the drag ends, so every panel shows that moment."""
        if self._worker.aim_scrub(epoch, light):
            self.send("scrub")

    def set_timeline_budget(self, budget_bytes: int):
        """The timeline's memory budget, for this and every later network."""
        self.send("timeline_budget", int(budget_bytes))

    def set_patience(self, epochs: int):
        """Early stopping while playing: pause after `epochs` epochs without a better validation RMSE."""
        self.send("set_patience", int(epochs))

    def play(self, speed: float = FULL_SPEED):
        """`speed` in observations per second; `FULL_SPEED` (inf) = as fast as possible."""
        self.send("play", speed)

    def rebuild(self, config, dataset=None, preset=None):
        """A fresh network for `config` on `dataset` (None = the current one); with `preset`, its
        own `make_trainer` builds it (start weights, split, clipping). Reset repeats the last one."""
        self.send("rebuild", config, dataset, preset)

    def set_weight(self, layer: int, row: int, col: int, value: float):
        self.send("set_weight", int(layer), int(row), int(col), float(value))

    def select_observation(self, row: int):
        self.send("select_observation", int(row))

    def set_selection(self, layer: int, index: int):
        self.send("set_selection", int(layer), int(index))

    def imagine(self, spec):
        """Show the imaginary user a Code panel walk asks for ({"kind": "point", "xy": ...},
        "between" or "prior"; None ends the walk)."""
        self.send("imagine", dict(spec) if spec else None)

    def call(self, tag: str, fn):
        """Run `fn(trainer, config, dataset)` in the worker between steps (playing goes on);
        the answer comes as workDone(tag, result) or workFailed(tag, message)."""
        self.send("call", str(tag), fn)

    def restore(self, tag: str, saved, dataset=None):
        """Continue from a loaded SavedModel on `dataset` (None = the current one): `rebuilt`
        then workDone(tag, None), or workFailed(tag, message) leaving the session as it was."""
        self.send("restore", str(tag), saved, dataset)

    # ------------------------------------------------------------------------------- state
    @property
    def rate(self) -> float:
        return self._worker.rate

    @property
    def trainer(self):
        """The live Trainer, for tests and benchmarks: read it only when `is_idle()`."""
        return self._worker.trainer

    def is_idle(self) -> bool:
        """Every command sent has been handled and its snapshot delivered."""
        return (self._worker.done == self._sent and self._worker.delivered and self.pacing.idle
                and self._worker.epoch_target is None)

    def caught_up(self) -> bool:
        """Every command sent has been handled (its snapshot may still be on its way)."""
        return self._worker.done >= self._sent

    @property
    def speed(self) -> float:
        """The speed Play runs at (observations per second; FULL_SPEED = inf)."""
        return self._worker.speed

    @property
    def patience(self) -> int:
        """Early stopping's patience in epochs (0 = off)."""
        return self._worker.patience

    def is_running(self) -> bool:
        return self._thread.isRunning()

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """Stop the worker cleanly (called on window close); True if the thread has ended."""
        if not self._thread.isRunning():
            return True
        self._queue.put(_STOP)
        self._sent += 1
        self.pacing.stop()
        return stop_thread(self._thread, self._worker, timeout_ms)  # never destroyed while running

    # ------------------------------------------------------------------ GUI-thread slots
    @Slot()
    def _on_snapshot(self):
        snap = self._worker.take()
        if snap is not None:
            self.latest = snap
            with self.pacing.drawing():
                self.snapshotReady.emit(snap)

    @Slot(str)
    def _on_diverged(self, msg):
        self.diverged.emit(msg)

    @Slot(str)
    def _on_message(self, msg):
        self.message.emit(msg)

    @Slot(str)
    def _on_stopped_early(self, msg):
        self.stoppedEarly.emit(msg)

    @Slot(object, object)
    def _on_rebuilt(self, dataset, config):
        self.rebuilt.emit(dataset, config)

    @Slot(str)
    def _on_rebuild_failed(self, msg):
        self.rebuildFailed.emit(msg)

    @Slot(bool)
    def _on_playing(self, on):
        self.playing = on
        self.playingChanged.emit(on)

    @Slot(str, object)
    def _on_work_done(self, tag, result):
        self.workDone.emit(tag, result)

    @Slot(str, str)
    def _on_work_failed(self, tag, msg):
        self.workFailed.emit(tag, msg)
