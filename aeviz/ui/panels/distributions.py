"""Weights and gradients over time, per layer, as TensorBoard's distribution bands.

Nested bands (min-max, 7-93, 16-84, 31-69 percentiles) around the median show a layer's spread at
every update: gradients shrinking to a line mean vanishing gradients, bands exploding off the
scale mean a learning rate too large.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtWidgets

from .base import Panel, Placeholder, fmt

BANDS = ((0, 8), (1, 7), (2, 6), (3, 5))  # index pairs into the 9 percentiles, outer to inner
ALPHAS = (45, 70, 100, 140)
WEIGHT_COLOUR = (230, 110, 20)
GRAD_COLOUR = (40, 110, 200)


class _BandPlot:
    """One plot: four filled bands and the median line."""

    def __init__(self, plot: pg.PlotItem, colour):
        self.plot = plot
        self.edges = [pg.PlotDataItem(pen=pg.mkPen(*colour, 60, width=1)) for _ in range(9)]
        for e in self.edges:
            plot.addItem(e)
        for (lo, hi), alpha in zip(BANDS, ALPHAS):
            plot.addItem(pg.FillBetweenItem(self.edges[lo], self.edges[hi], brush=pg.mkBrush(*colour, alpha)))
        self.median = pg.PlotDataItem(pen=pg.mkPen(*[int(c * 0.6) for c in colour], width=1.5))
        plot.addItem(self.median)

    def set(self, steps, q):
        """steps (T,), q (T, 9); non-finite samples are left out."""
        ok = np.isfinite(q).all(axis=1)
        s, q = steps[ok], q[ok]
        for j, e in enumerate(self.edges):
            e.setData(s, q[:, j])
        self.median.setData(s, q[:, 4])


class DistributionsPanel(Panel):
    """A grid: one row per layer, weights on the left, gradients on the right."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.header = QtWidgets.QLabel(
            "Percentile bands (0-100, 7-93, 16-84, 31-69) and median of each layer over updates. "
            "Gradients count only entries that moved: a sparse ratings row leaves most at exactly 0.")
        self.header.setWordWrap(True)
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setBackground("w")
        self.empty = Placeholder("Train to see how weights and gradients evolve.")
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.header)
        lay.addWidget(self.empty)
        lay.addWidget(self.canvas, 1)
        self.canvas.hide()
        self.layer_names: list[str] = []
        self.rows: list[tuple[_BandPlot, _BandPlot]] = []

    def dataset_changed(self):
        self._build([])
        self.canvas.hide()
        self.empty.show()

    def _build(self, names):
        self.canvas.clear()
        self.rows = []
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
                if l == len(names) - 1:
                    p.setLabel("bottom", "update")
            pg_.setXLink(pw)
            self.rows.append((_BandPlot(pw, WEIGHT_COLOUR), _BandPlot(pg_, GRAD_COLOUR)))

    def draw(self, snapshot, extras):
        d = extras.get("distributions")
        if not d or d["weights"].shape[1] == 0:
            return
        if list(d["layer_names"]) != self.layer_names:
            self._build(d["layer_names"])
        steps = np.asarray(d["updates"], dtype=np.float64)
        for l, (bw, bg) in enumerate(self.rows):
            bw.set(steps, d["weights"][l])
            bg.set(steps, d["gradients"][l])
            spread = d["gradients"][l][-1]
            zero = d.get("gradient_zero_fraction") or []
            zero_text = f" \u00b7 {zero[l]:.0%} exactly 0" if l < len(zero) else ""
            bg.plot.setTitle(f"{self.layer_names[l]} non-zero gradients \u00b7 16-84% now "
                             f"[{fmt(spread[2], 2)}, {fmt(spread[6], 2)}]{zero_text}", size="8pt")
        self.empty.hide()
        self.canvas.show()
