"""Weights and gradients over time, per layer, as TensorBoard's distribution bands.

Nested bands (min-max, 7-93, 16-84, 31-69 percentiles) around the median show a layer's spread at
every update: gradients shrinking to a line mean vanishing gradients, bands exploding off the
scale mean a learning rate too large.
"""
from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from .base import Panel, Placeholder

BANDS = ((0, 8), (1, 7), (2, 6), (3, 5))  # index pairs into the 9 percentiles, outer to inner
ALPHAS = (45, 70, 100, 140)
WEIGHT_COLOUR = (230, 110, 20)
GRAD_COLOUR = (40, 110, 200)
MIN_INTERVAL = 0.5  # seconds between redraws
ROW_HEIGHT = 100  # px per layer: below this a plot has no room for its y ticks (the grid scrolls)


class _BandPlot:
    """One plot: four filled bands (one polygon path each) and the median line.

    A band is drawn as a single closed QPainterPath (upper edge forward, lower edge back): far
    cheaper to refresh than pyqtgraph's FillBetweenItem, which rebuilds on every edge change."""

    def __init__(self, plot: pg.PlotItem, colour):
        self.plot = plot
        self.bands = []
        for alpha in ALPHAS:
            item = QtWidgets.QGraphicsPathItem()
            item.setBrush(pg.mkBrush(*colour, alpha))
            item.setPen(pg.mkPen(None))
            plot.addItem(item)
            self.bands.append(item)
        self.median = pg.PlotDataItem(pen=pg.mkPen(*[int(c * 0.6) for c in colour], width=1.5))
        plot.addItem(self.median)

    def set(self, steps, q):
        """steps (T,), q (T, 9); non-finite samples are left out."""
        ok = np.isfinite(q).all(axis=1)
        s, q = steps[ok], q[ok]
        for (lo, hi), item in zip(BANDS, self.bands):
            if s.size == 0:
                item.setPath(QtGui.QPainterPath())
                continue
            x = np.concatenate([s, s[::-1]])
            y = np.concatenate([q[:, hi], q[::-1, lo]])
            item.setPath(pg.arrayToQPath(x, y, connect="all"))
        self.median.setData(s, q[:, 4])
        self.plot.getViewBox().enableAutoRange()

    def band(self, k):
        return self.bands[k].path()


class DistributionsPanel(Panel):
    """A grid: one row per layer, weights on the left, gradients on the right."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.header = QtWidgets.QLabel(
            "Each layer's spread over the updates: bands hold 100, 86, 68 and 38% of the values, the "
            "line is the median. Gradients count only entries that moved (a sparse ratings row "
            "leaves most at exactly 0).")
        self.header.setWordWrap(True)
        self.header.setStyleSheet("font-size: 8pt;")
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setBackground("w")
        # one row per layer at a readable height; a deep network scrolls rather than squashing
        self.scroll = QtWidgets.QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.scroll.setWidget(self.canvas)
        self.empty = Placeholder("Train (Play, or Step batch / Step epoch) to see how each layer's weights "
                                 "and gradients spread out, update after update.")
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.header)
        lay.addWidget(self.empty, 1)
        lay.addWidget(self.scroll, 1)
        self.scroll.hide()
        self.layer_names: list[str] = []
        self.rows: list[tuple[_BandPlot, _BandPlot]] = []
        self.titles = {}
        self._pending = None
        self._drawn_at = 0.0
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._flush)

    def dataset_changed(self):
        self._timer.stop()
        self._pending = None
        self._drawn_at = 0.0
        self._build([])
        self.scroll.hide()
        self.empty.show()

    def _build(self, names):
        self.canvas.clear()
        self.rows = []
        self.titles = {}
        self.layer_names = list(names)
        for l, name in enumerate(names):
            pw = self.canvas.addPlot(row=l, col=0)
            pg_ = self.canvas.addPlot(row=l, col=1)
            for p, what in ((pw, "weights"), (pg_, "gradients")):
                p.hideButtons()
                p.setMenuEnabled(False)
                p.showGrid(y=True, alpha=0.2)
                p.setTitle(f"{name} {what}", size="8pt")
                p.getAxis("left").setWidth(52)
                p.getAxis("left").enableAutoSIPrefix(False)
                p.getAxis("bottom").enableAutoSIPrefix(False)  # "update (x0.001)" is nonsense
                if l == len(names) - 1:
                    p.setLabel("bottom", "update")
                else:  # x is shared down each column: one axis to paint, not one per plot
                    p.hideAxis("bottom")
            pg_.setXLink(pw)
            if l > 0:
                pw.setXLink(self.rows[0][0].plot)
            self.rows.append((_BandPlot(pw, WEIGHT_COLOUR), _BandPlot(pg_, GRAD_COLOUR)))
        self.canvas.setMinimumHeight(ROW_HEIGHT * len(names) + 30 if names else 0)

    def draw(self, snapshot, extras):
        """At most every MIN_INTERVAL seconds (eight plots of text-heavy axes are costly to
        paint); a later call within the interval is drawn when it ends."""
        d = extras.get("distributions")
        if not d or d["weights"].shape[1] == 0:
            return
        self._pending = d
        wait = MIN_INTERVAL - (time.perf_counter() - self._drawn_at)
        if wait <= 0:
            self._flush()
        elif not self._timer.isActive():
            self._timer.start(int(wait * 1000) + 1)

    def _flush(self):
        d, self._pending = self._pending, None
        if d is None:
            return
        self._drawn_at = time.perf_counter()
        if list(d["layer_names"]) != self.layer_names:
            self._build(d["layer_names"])
        steps = np.asarray(d["updates"], dtype=np.float64)
        for l, (bw, bg) in enumerate(self.rows):
            bw.set(steps, d["weights"][l])
            bg.set(steps, d["gradients"][l])
            title = self.gradient_title(l, d)
            if self.titles.get(l) != title:  # a new title re-lays the grid out: only when it changes
                bg.plot.setTitle(title, size="8pt")
                self.titles[l] = title
        # one sample is a dot, not a band: say what will appear instead
        ready = len(steps) >= 2
        self.empty.setVisible(not ready)
        self.scroll.setVisible(ready)

    def gradient_title(self, l: int, d) -> str:
        """Short enough for half a narrow panel: the layer, and the share of gradients that moved."""
        short = self.layer_names[l].split(" ")[0]
        zero = d.get("gradient_zero_fraction") or []
        moved = f" \u00b7 {1 - zero[l]:.0%} non-zero" if l < len(zero) else ""
        return f"{short} gradients{moved}"
