"""STEP 4-5 for one user: what went in, what came out, and d(x, y) between them.

Movies are laid out left to right in the order the engine chose (rated by rating, then held-out,
then unrated by prediction), so the rated bars form a staircase the output dots should follow.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from .base import Panel, Placeholder, esc, fmt

BLUE = (80, 130, 200)
ORANGE = (235, 120, 20)
GREEN = (30, 160, 60)
GREY = (150, 150, 150)


class ReconstructionPanel(Panel):
    """Input ratings (bars) against the network's output (dots), held-out ratings as diamonds."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.header = QtWidgets.QLabel()
        self.header.setTextFormat(QtCore.Qt.RichText)
        self.header.setWordWrap(True)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMenuEnabled(False)
        pi = self.plot.getPlotItem()
        pi.hideButtons()
        pi.showGrid(y=True, alpha=0.2)
        pi.setLabel("bottom", "movies (rated \u2192 held-out \u2192 unrated)")
        pi.setLabel("left", "rating")
        pi.getAxis("left").enableAutoSIPrefix(False)
        self.legend = pi.addLegend(offset=(-10, 10), labelTextSize="8pt", labelTextColor=(40, 40, 40),
                                   brush=pg.mkBrush(255, 255, 255, 200))
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.8, brush=pg.mkBrush(*BLUE, 150), pen=None,
                                    name="your rating (input)")
        self.out_rated = pg.ScatterPlotItem(size=7, brush=pg.mkBrush(*ORANGE), pen=pg.mkPen("w", width=0.5),
                                            name="output, rated movie")
        self.truth = pg.ScatterPlotItem(size=9, symbol="d", brush=pg.mkBrush(*GREEN), pen=None,
                                        name="held-out rating")
        self.out_held = pg.ScatterPlotItem(size=7, brush=pg.mkBrush(255, 255, 255), pen=pg.mkPen(*ORANGE, width=2),
                                           name="output, held-out movie")
        self.out_other = pg.ScatterPlotItem(size=3, brush=pg.mkBrush(*GREY, 160), pen=None,
                                            name="output, unrated")
        for item in (self.bars, self.out_other, self.truth, self.out_held, self.out_rated):
            pi.addItem(item)
        # separators: rated | held-out | unrated
        self.seps = [pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(120, 120, 120, 150, style=QtCore.Qt.DashLine))
                     for _ in range(2)]
        for line in self.seps:
            pi.addItem(line, ignoreBounds=True)
        self.info = QtWidgets.QLabel(" ")
        self.empty = Placeholder("Step an observation forward to see its reconstruction.")
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.header)
        lay.addWidget(self.empty)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.info)
        self.plot.hide()
        self.rec = None
        self.plot.scene().sigMouseMoved.connect(self._hover)

    def dataset_changed(self):
        self.rec = None
        self.plot.hide()
        self.empty.show()
        self.header.setText("")

    def draw(self, snapshot, extras):
        rec = extras.get("reconstruction")
        if not rec:
            return
        self.rec = rec
        order = np.asarray(rec["order"])
        pos = np.empty(order.size, dtype=np.float64)
        pos[order] = np.arange(order.size)
        x, y = rec["input"], rec["output"]
        m, hm, hv = rec["mask"], rec["heldout_mask"], rec["heldout_values"]
        other = ~m & ~hm

        def pts(item, sel, values):
            ok = sel & np.isfinite(values)
            item.setData(x=pos[ok], y=np.asarray(values, dtype=np.float64)[ok])

        ok = m & np.isfinite(x)
        self.bars.setOpts(x=pos[ok], height=x[ok], width=0.8)
        pts(self.out_rated, m, y)
        pts(self.truth, hm, hv)
        pts(self.out_held, hm, y)
        pts(self.out_other, other, y)
        n_shown = int(m.sum() + hm.sum())
        self.seps[0].setValue(int(m.sum()) - 0.5)
        self.seps[1].setValue(n_shown - 0.5)
        # show rated and held-out movies plus a margin of unrated ones: the interesting part
        self.plot.getPlotItem().setXRange(-1, max(n_shown + max(10, n_shown // 3), 20), padding=0)
        clip = rec.get("clip")
        fin = np.isfinite(y)
        lo = min(0.0, float(y[fin].min()) if fin.any() else 0.0)
        shown = fin & (m | hm)
        hi = max(5.5 if clip is None else clip[1] + 0.5, float(y[shown].max()) if shown.any() else 0.0)
        self.plot.getPlotItem().setYRange(lo, hi, padding=0.02)
        self.header.setText(
            f"<b>{esc(self.user_label(rec['row']))}</b>: d(x, y) = \u2016x \u2212 y\u2016 over "
            f"{rec['n_rated']} rated movies = <b>{fmt(rec['distance'])}</b> &nbsp;\u00b7&nbsp; "
            f"RMSE rated {fmt(rec['rmse_rated'])} &nbsp;\u00b7&nbsp; RMSE on {rec['n_heldout']} held-out "
            f"{fmt(rec['rmse_heldout'])}")
        self.empty.hide()
        self.plot.show()

    def _hover(self, scene_pos):
        rec = self.rec
        vb = self.plot.getPlotItem().getViewBox()
        if rec is None or not vb.sceneBoundingRect().contains(scene_pos):
            return
        k = int(round(vb.mapSceneToView(scene_pos).x()))
        order = rec["order"]
        if not 0 <= k < order.size:
            return
        i = int(order[k])
        parts = [self.title_of(i)]
        if self.genre_of(i):
            parts[0] += f" ({self.genre_of(i)})"
        if rec["mask"][i]:
            parts.append(f"rated {fmt(rec['input'][i])}")
        elif rec["heldout_mask"][i]:
            parts.append(f"held out: rated {fmt(rec['heldout_values'][i])}")
        else:
            parts.append("not rated")
        parts.append(f"output {fmt(rec['output'][i])}")
        self.info.setText(" \u00b7 ".join(parts))
