"""Other runs' curves laid over the loss plot's epoch curves, each in its colour with its label at
its last point: TensorBoard's run overlay.

Draws what it is given (OverlayCurve: label, colour, epochs, values); it does not know runs.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pyqtgraph as pg


class OverlayCurve(NamedTuple):
    key: int  # the run's number: the same run keeps its items from one redraw to the next
    label: str
    colour: str
    x: np.ndarray
    y: np.ndarray


class RunOverlay:
    """Owns the overlay items in `plot` (a pyqtgraph PlotItem); `log()` says whether the y axis
    is logarithmic now (labels are placed in view coordinates, which are log10 then)."""

    def __init__(self, plot, log):
        self.plot = plot
        self.log = log
        self._items: dict[int, tuple] = {}
        self._curves: tuple = ()

    def show(self, curves):
        curves = tuple(curves)
        self._curves = curves
        keep = {c.key for c in curves}
        for key in [k for k in self._items if k not in keep]:
            line, text = self._items.pop(key)
            self.plot.removeItem(line)
            self.plot.removeItem(text)
        for c in curves:
            if c.key not in self._items:
                line = pg.PlotDataItem([], [], pen=pg.mkPen(c.colour, width=2.5), symbol=None)
                line.setZValue(-5)  # under the current run's own curves
                text = pg.TextItem(anchor=(0, 0.5))
                self.plot.addItem(line)
                self.plot.addItem(text, ignoreBounds=True)
                self._items[c.key] = (line, text)
            line, text = self._items[c.key]
            y = np.where(np.isfinite(c.y), c.y, np.nan)
            if self.log():
                y = np.where(y > 0, y, np.nan)
            line.setPen(pg.mkPen(c.colour, width=2.5))
            line.setData(np.asarray(c.x, float), y, connect="finite")
            ok = np.flatnonzero(np.isfinite(y))
            if ok.size:
                i = ok[-1]
                ty = float(np.log10(y[i])) if self.log() else float(y[i])
                text.setHtml(f"<span style='color:{c.colour}; font-weight:bold; "
                             f"background:rgba(255,255,255,200)'>&nbsp;{_esc(c.label)}</span>")
                text.setPos(float(c.x[i]), ty)
                text.setVisible(True)
            else:
                text.setVisible(False)

    def refresh(self):
        """Again, after the axis changed (log or linear)."""
        self.show(self._curves)

    def shown(self) -> list[tuple[str, int]]:
        """(label, points drawn) of each overlay curve, for readers and tests."""
        out = []
        for c in self._curves:
            line, _ = self._items[c.key]
            _, y = line.getData()
            out.append((c.label, 0 if y is None else int(np.isfinite(y).sum())))
        return out


def _esc(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
