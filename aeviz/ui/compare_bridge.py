"""The Compare window's worker thread: it owns the two trainers (an engine Lockstep) and hands out
immutable LockstepFrames, as ui/bridge.py does for the main window's one trainer.

Commands go GUI -> worker through a queue; frames come back coalesced (the worker keeps only the
newest and signals again once the GUI has taken it). The GUI never touches the live networks.
Its methods are the main bridge's stepping calls, so ui/controls.StepControls drives it as is.
"""
from __future__ import annotations

import logging
import queue
import time

from PySide6.QtCore import QObject, QThread, Signal, Slot

from aeviz.engine import DivergenceError, PhaseError, build_trainer
from aeviz.engine.lockstep import Lockstep
from aeviz.engine.threads import single_threaded_blas
from aeviz.presets import split_for

from .background import stop_thread
from .bridge import FULL_SPEED, play_due
from .mailbox import Mailbox
from .step_commands import StepCommands

log = logging.getLogger(__name__)
FRAME_INTERVAL = 1 / 15  # frames a second while playing: two graphs are drawn per frame


class _Worker(QObject):
    frameReady = Signal()
    message = Signal(str)
    built = Signal(object)  # (label a, label b)
    buildFailed = Signal(str)
    playingChanged = Signal(bool)

    def __init__(self, commands: queue.Queue):
        super().__init__()
        self.q = commands
        self.pair: Lockstep | None = None
        self.spec = None  # (config a, config b, dataset, labels): what Reset rebuilds
        self.playing = False
        self.speed = FULL_SPEED
        self.epoch_target = None
        self.done = 0
        self.mailbox = Mailbox()  # the newest frame for the GUI
        self._last_pub = 0.0

    @Slot()
    def run(self):
        single_threaded_blas()
        due = time.perf_counter()
        while True:
            cmd = self._command(due)
            if cmd is None:  # playing, and the next step is due before any command came
                due = self._play_step(due)
            elif cmd[0] == "stop":
                self.done += 1
                return
            else:
                if not self.playing:
                    due = time.perf_counter()
                self._handle(*cmd)
                self.done += 1

    def _command(self, due):
        """The next command; None while playing once the next step is due."""
        if not (self.playing and self.pair is not None):
            return self.q.get()
        wait = 0.0 if self.speed == FULL_SPEED else due - time.perf_counter()
        try:
            return self.q.get(timeout=wait) if wait > 0 else self.q.get_nowait()
        except queue.Empty:
            return None

    def _handle(self, name, args):
        try:
            if name in ("build", "reset", "play", "pause"):
                getattr(self, "_cmd_" + name)(*args)
            elif self.pair is not None:
                self._set_playing(False)
                if name == "step_epoch":
                    self.epoch_target = self.pair.a.epoch + 1
                    self.speed = FULL_SPEED
                    self._set_playing(True)
                    return
                self.pair.run(name)
                self._publish(force=True)
        except DivergenceError as exc:
            self._set_playing(False)
            self.message.emit(str(exc))
            self._publish(force=True)
        except (PhaseError, ValueError) as exc:
            self.message.emit(str(exc))
            self._publish(force=True)
        except Exception as exc:  # a bug: logged with its traceback, and said
            log.exception("compare command %s failed", name)
            self.message.emit(f"{name.replace('_', ' ')} failed ({type(exc).__name__}: {exc})")

    def _cmd_build(self, config_a, config_b, dataset, labels):
        self._set_playing(False)
        try:
            a = build_trainer(config_a, **split_for(config_a, dataset)[1])
            b = build_trainer(config_b, **split_for(config_b, dataset)[1])
            pair = Lockstep(a, b, labels)
        except Exception as exc:
            log.info("compare build refused: %s", exc, exc_info=True)
            self.buildFailed.emit(f"Could not build the pair: {exc}")
            return
        self.pair, self.spec = pair, (config_a, config_b, dataset, labels)
        self.built.emit(tuple(labels))
        self._publish(force=True)

    def _cmd_reset(self):
        if self.spec is not None:
            self._cmd_build(*self.spec)

    def _cmd_play(self, speed):
        self.speed = FULL_SPEED if speed is None else float(speed)
        self.epoch_target = None
        if self.pair is not None and not self.pair.stopped:
            self._set_playing(True)

    def _cmd_pause(self):
        self._set_playing(False)
        self._publish(force=True)

    def _set_playing(self, on):
        if not on:
            self.epoch_target = None
        if on != self.playing:
            self.playing = on
            self.playingChanged.emit(on)

    def _play_step(self, due):
        s = self.speed
        cmd = "step_phase" if s <= 4 else "step_observation" if s <= 200 else "step_batch"
        before = self.pair.a.steps
        try:
            self.pair.run(cmd)
        except (DivergenceError, PhaseError) as exc:
            self._set_playing(False)
            self.message.emit(str(exc))
            self._publish(force=True)
            return time.perf_counter()
        if self.epoch_target is not None and self.pair.a.epoch >= self.epoch_target:
            self._publish(force=True)  # before playing ends: the GUI is not idle until it is drawn
            self._set_playing(False)
            return time.perf_counter()
        now = time.perf_counter()
        self._publish(force=s <= 4)
        return now if s == FULL_SPEED else play_due(due, now, s, self.pair.a.steps - before)

    def _publish(self, force=False):
        now = time.perf_counter()
        if self.pair is None or (not force and now - self._last_pub < FRAME_INTERVAL):
            return
        self._last_pub = now
        if self.mailbox.put(self.pair.frame()):
            self.frameReady.emit()


class CompareBridge(QObject, StepCommands):
    """GUI-side handle of the Compare worker. Signals arrive in the GUI thread."""

    frameReady = Signal(object)
    message = Signal(str)
    built = Signal(object)
    buildFailed = Signal(str)
    playingChanged = Signal(bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.latest = None  # the newest LockstepFrame
        self.playing = False
        self._queue: queue.Queue = queue.Queue()
        self._sent = 0
        self._thread = QThread()
        self._thread.setObjectName("aeviz-compare")
        self._worker = _Worker(self._queue)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.frameReady.connect(self._on_frame)  # cross-thread: slots of this object only
        # pure forwards: a signal of this GUI-thread object as the receiver (queued, emitted here)
        self._worker.message.connect(self.message)
        self._worker.built.connect(self.built)
        self._worker.buildFailed.connect(self.buildFailed)
        self._worker.playingChanged.connect(self._on_playing)
        self._thread.start()

    def send(self, name, *args):
        self._sent += 1
        self._queue.put((name, args))

    def build(self, config_a, config_b, dataset, labels=("A", "B")):
        self.send("build", config_a, config_b, dataset, tuple(labels))

    def restore_best(self):
        self.message.emit("Each network has its own best epoch: going back would put them out of step")

    def play(self, speed: float = FULL_SPEED):
        self.send("play", speed)

    def is_idle(self) -> bool:
        """Every command handled, no frame waiting, not playing (here too: the step actions are
        enabled again only once the GUI has heard that playing stopped)."""
        w = self._worker
        return w.done == self._sent and not w.mailbox.pending and not w.playing and not self.playing

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        if not self._thread.isRunning():
            return True
        self._queue.put(("stop", ()))
        self._sent += 1
        return stop_thread(self._thread, self._worker, timeout_ms)

    @Slot()
    def _on_frame(self):
        frame = self._worker.mailbox.take()
        if frame is not None:
            self.latest = frame
            self.frameReady.emit(frame)

    @Slot(bool)
    def _on_playing(self, on):
        self.playing = on
        self.playingChanged.emit(on)
