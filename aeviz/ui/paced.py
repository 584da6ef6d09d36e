"""A costly redraw waits in proportion to its cost, so it never takes most of the GUI thread.

The worker sends new insights ~4 times a second and waits while the panels draw them (the main
window's frame holds it). A panel whose drawing takes a second (the Feature detectors' HTML for
120 units) would then hold training for most of every second: Step epoch on the "overcomplete"
preset took 60 s instead of 3 s. `Paced` draws at once what is cheap to draw; after a costly
draw (over `cheap` seconds) the next one waits until `share` times its cost has passed, and
only the newest of what arrived meanwhile is drawn then: nothing is lost, it comes later.
"""
from __future__ import annotations

import time

from PySide6 import QtCore


class Paced(QtCore.QObject):
    """`offer(item)` calls `draw(item)` now, or later for the newest item offered meanwhile."""

    def __init__(self, draw, share: float = 4.0, cheap: float = 0.05, parent=None):
        super().__init__(parent)
        self.draw = draw
        self.share = share
        self.cheap = cheap
        self._pending = None
        self._drawn_at = self._cost = 0.0
        self._later = QtCore.QTimer(self)
        self._later.setSingleShot(True)
        self._later.timeout.connect(self._draw_pending)

    def offer(self, item, now: bool = False):
        """Draw `item` at once if its turn has come (or `now`), else keep it for its turn."""
        wait = self._drawn_at + self.share * self._cost - time.perf_counter()
        if now or self._cost <= self.cheap or wait <= 0:
            self._run(item)
            return
        self._pending = item
        if not self._later.isActive():
            self._later.start(int(wait * 1000) + 1)

    def cancel(self):
        """Forget what waits (the data changed)."""
        self._pending = None
        self._later.stop()

    @property
    def waiting(self) -> bool:
        """An item waits for its turn."""
        return self._pending is not None

    @property
    def last_seconds(self) -> float:
        """How long the last draw took."""
        return self._cost

    def _run(self, item):
        self._pending = None
        start = time.perf_counter()
        self.draw(item)
        self._drawn_at = time.perf_counter()
        self._cost = self._drawn_at - start

    @QtCore.Slot()
    def _draw_pending(self):
        if self._pending is not None:
            self._run(self._pending)
