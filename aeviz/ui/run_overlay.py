"""Other runs' curves laid over the loss plot's epoch curves, each in its colour, named in a small
legend: TensorBoard's run overlay.

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
    """Owns the overlay items in `plot` (a pyqtgraph PlotItem): one curve per run and a small
    legend in the top-right corner (runs' curves tend to fall: that corner stays free)."""

    def __init__(self, plot):
        self.plot = plot
        self._items: dict[int, pg.PlotDataItem] = {}
        self._curves: tuple = ()
        self.legend = pg.LegendItem(offset=(-8, 8), labelTextSize="8pt", verSpacing=-6,
                                    brush=pg.mkBrush(255, 255, 255, 210), pen=pg.mkPen("#ccc"))
        self.legend.setParentItem(plot.vb)

    def show(self, curves):
        curves = tuple(curves)
        self._curves = curves
        keep = {c.key for c in curves}
        for key in [k for k in self._items if k not in keep]:
            self.plot.removeItem(self._items.pop(key))
        self.legend.clear()
        for c in curves:
            if c.key not in self._items:
                line = pg.PlotDataItem([], [], pen=pg.mkPen(c.colour, width=2.5))
                line.setZValue(-5)  # under the current run's own curves
                self.plot.addItem(line)
                self._items[c.key] = line
            line = self._items[c.key]
            line.setPen(pg.mkPen(c.colour, width=2.5))
            y = np.where(np.isfinite(c.y), c.y, np.nan)
            line.setData(np.asarray(c.x, float), y, connect="finite")  # log axes: the plot's own mode
            self.legend.addItem(line, _esc(c.label))
        self.legend.setVisible(bool(curves))

    def shown(self) -> list[tuple[str, int]]:
        """(label, finite points) of each overlay curve, for readers and tests."""
        out = []
        for c in self._curves:
            _, y = self._items[c.key].getData()
            out.append((c.label, 0 if y is None else int(np.isfinite(y).sum())))
        return out


def _esc(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
