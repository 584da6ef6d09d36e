"""Plot ranges follow the data shown now, whatever came before.

pyqtgraph stops auto-ranging for good once a person wheels or drags a plot, and values that all
coincide (all-zero codes, a constant loss) give a range nobody can read, such as -5e-304..0. After
one degenerate run the Code scatter stayed empty until the app was restarted. The rule, written
once in `FollowData`: a span too small to read is widened around its centre; a view that shows
none of its data re-ranges; an empty view shows 0..1, not the last run's numbers; a new run
forgets the previous run's zoom.
"""
from __future__ import annotations

import numpy as np


def readable(lo: float, hi: float):
    """A wider (lo, hi) when the values (nearly) coincide; None when the span reads as it is."""
    scale = max(abs(lo), abs(hi))
    if hi - lo > max(1e-12, 1e-6 * scale):
        return None
    half = max(0.05 * scale, 0.5)
    mid = (lo + hi) / 2
    return mid - half, mid + half


class FollowData:
    """Keeps one pyqtgraph ViewBox on its data: call `show(x, y)` after each draw, `restart()`
    when a new run starts. A person's zoom is kept while it still shows some of the data."""

    def __init__(self, viewbox):
        self.viewbox = viewbox
        self._pinned = [False, False]  # an axis this class fixed because its data coincided

    def restart(self):
        self._pinned = [False, False]
        self.viewbox.enableAutoRange()

    def show(self, x, y, log_y: bool = False):
        x = np.asarray(x, dtype=np.float64).ravel()
        y = np.asarray(y, dtype=np.float64).ravel()
        if log_y:  # a log axis's view coordinates are decades
            with np.errstate(divide="ignore", invalid="ignore"):
                y = np.where(y > 0, np.log10(np.where(y > 0, y, 1.0)), np.nan)
        ok = np.isfinite(x) & np.isfinite(y)
        x, y = x[ok], y[ok]
        vb = self.viewbox
        if not x.size:  # nothing yet: a neutral frame, not the last run's numbers
            vb.setRange(xRange=(0, 1), yRange=(0, 1), padding=0, disableAutoRange=False)
            return
        (x0, x1), (y0, y1) = vb.viewRange()
        if not ((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)).any():
            self.restart()  # nothing of it on screen: a stale range or an old zoom hides it all
        for axis, values in enumerate((x, y)):
            wide = readable(float(values.min()), float(values.max()))
            if wide is not None:
                vb.setRange(**{("xRange", "yRange")[axis]: wide}, padding=0)
                self._pinned[axis] = True
            elif self._pinned[axis]:
                vb.enableAutoRange(axis=axis)
                self._pinned[axis] = False
