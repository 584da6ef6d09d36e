"""Frame pacing: how often the worker hands the GUI a snapshot, and how the GUI drains one.

Both threads share one `FramePacing`; this is the whole protocol between them (the bridge and the
window only call it).
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager

from PySide6.QtCore import QCoreApplication, QTimer

DRAW_BUDGET = 0.10  # share of wall time the GUI may spend drawing while the worker trains
MIN_INTERVAL = 1 / 30  # the fastest the budget lets the worker publish
MAX_INTERVAL = 0.2  # >= 5 pictures a second: the network view treats slower as single steps
WORKER_WAIT = 0.25  # the longest the worker steps aside for one drawing (a stuck GUI never stops it)
MEASURE_EVERY = 0.5  # seconds of drawing averaged before the interval follows


class FramePacing:
    """The frame-pacing rule, written once.

    1. While playing, the worker publishes at most once per `interval` seconds (`frame_due`);
       a forced publish (a manual step, a pause, an epoch's end) always goes.
    2. From the moment the GUI takes a snapshot (`drawing()`) until that frame is drawn, the GUI is
       busy and the worker steps aside (`wait_for_gui`, at most WORKER_WAIT per step) instead of
       fighting for the GIL: each Qt call releases it, and winning it back costs up to a switch
       interval. A frame is drawn once the snapshot's receivers returned, every part a receiver
       handed to `draw_in_passes` ran, and the paint events they posted were sent.
    3. `draw_in_passes(parts)`: each part in its own event-loop pass, so one frame never blocks
       input or a timer for the sum of all its painting; a newer frame's parts replace the parts
       still queued; after the last part the posted events (paints) are sent at once, while the
       worker still waits: painting later, against a running worker, costs both the GIL ping-pong.
    4. Drawing may take DRAW_BUDGET of wall time: every MEASURE_EVERY seconds the interval becomes
       the mean drawing time per frame / DRAW_BUDGET, kept within [MIN_INTERVAL, MAX_INTERVAL].

    Threads: `frame_due`, `mark_published` and `wait_for_gui` are the worker's; everything else is
    called in the GUI thread (its timers run there). `interval` is one float the GUI writes and
    the worker reads (a stale read costs at most one frame). A plain object, not a QObject: the
    worker reads it once per training step, and a QObject's attribute lookup costs ~5x more.
    """

    def __init__(self):
        self.interval = MIN_INTERVAL
        self._free = threading.Event()  # set while the GUI is not drawing a frame
        self._free.set()
        self._last_published = 0.0  # worker side
        self._holds = 0
        self._emitting = False
        self._busy_from = 0.0
        self._busy_sum, self._busy_n, self._measured_at = 0.0, 0, time.perf_counter()
        self._frame_cost = 0.0
        self._parts: list = []

    # ------------------------------------------------------------------------ worker side
    def frame_due(self, now: float) -> bool:
        return now - self._last_published >= self.interval

    def mark_published(self, now: float):
        self._last_published = now

    def wait_for_gui(self):
        """Step aside while the GUI draws (at most WORKER_WAIT)."""
        if not self._free.is_set():
            self._free.wait(WORKER_WAIT)

    # --------------------------------------------------------------------------- GUI side
    @contextmanager
    def drawing(self):
        """Around handing one snapshot to its receivers: the frame starts (if none is open) and
        ends once the receivers and the parts they queued are done."""
        if self._holds == 0:
            self._free.clear()
            self._busy_from = time.perf_counter()
        self._emitting = True
        try:
            yield
        finally:
            self._emitting = False
        if self._holds == 0:
            # the paint events the receivers caused run next; the worker resumes once they are done
            QTimer.singleShot(0, self._drawn)

    def draw_in_passes(self, parts):
        """Run each callable of `parts` in its own event-loop pass as part of the current frame
        (replacing parts a previous frame still had queued), then send the posted paints."""
        parts = list(parts)
        if not self._parts and parts:
            self._hold()
            QTimer.singleShot(0, self._next_part)
        self._parts = parts

    def set_interval(self, seconds: float):
        """How often the worker may publish while playing (never faster than 60 a second)."""
        self.interval = max(1 / 60, float(seconds))

    def stop(self):
        """Shutting down: the parts still queued are dropped (their window is closing) and the
        worker no longer waits for a frame."""
        self._parts = []
        self._free.set()

    @property
    def idle(self) -> bool:
        """No frame is being drawn."""
        return self._holds == 0 and self._free.is_set() and not self._parts

    @property
    def frame_cost(self) -> float:
        """Seconds the GUI spent per drawn frame, the last measured average."""
        return self._frame_cost

    def _next_part(self):
        if self._parts:
            self._parts.pop(0)()
        if self._parts:
            QTimer.singleShot(0, self._next_part)
        else:
            QCoreApplication.sendPostedEvents()
            self._release()

    def _hold(self):
        self._holds += 1

    def _release(self):
        self._holds = max(0, self._holds - 1)
        if self._holds == 0 and not self._emitting:
            QTimer.singleShot(0, self._drawn)

    def _drawn(self):
        if self._holds:
            return
        self._free.set()
        self._account(time.perf_counter() - self._busy_from)

    def _account(self, busy: float):
        self._busy_sum += busy
        self._busy_n += 1
        now = time.perf_counter()
        if now - self._measured_at >= MEASURE_EVERY:
            self._frame_cost = self._busy_sum / self._busy_n
            self.set_interval(min(MAX_INTERVAL, max(MIN_INTERVAL, self._frame_cost / DRAW_BUDGET)))
            self._busy_sum, self._busy_n, self._measured_at = 0.0, 0, now
