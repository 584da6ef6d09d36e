"""The full weight matrix of one layer pair as a heatmap: what the level of detail leaves out.

A pyqtgraph ImageItem shows every weight (out x in) at once, in the graph's colours; it is
refreshed only while visible, so it costs nothing when hidden.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QComboBox, QLabel, QVBoxLayout, QWidget

from . import colors as C
from .text import num


MIN_WIDTH = 280  # narrower, the layer picker is cut and the heatmap says nothing


def tick_step(n: int, pixels: float, label_px: float) -> int:
    """A 1-2-5 step between tick labels on an axis of n cells drawn over `pixels`, so labels
    `label_px` wide (plus a gap) never run together ('0 500 10001500')."""
    if n <= 1 or pixels <= 0:
        return 1
    fit = max(int(pixels // (label_px * 1.8)), 1)
    raw = n / fit
    e = 10 ** math.floor(math.log10(max(raw, 1)))
    return int(next((m * e for m in (1, 2, 5, 10) if m * e >= raw), 10 * e))


class WeightMatrixPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self._snapshot = None
        self._steps = (1, 1)
        self.setMinimumWidth(MIN_WIDTH)
        self.combo = QComboBox(self)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(12)
        self.combo.currentIndexChanged.connect(self._redraw)
        self.plot = pg.PlotWidget(self, background="w")
        self.plot.setAspectLocked(False)
        self.plot.invertY(True)
        self.plot.setLabel("bottom", "from node (column)")
        self.plot.setLabel("left", "to node (row)")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(C.diverging_colormap().getLookupTable(nPts=256))
        self.plot.addItem(self.image)
        self.info = QLabel(self)
        self.info.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.combo)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.info)

    def show_snapshot(self, snapshot):
        self._snapshot = snapshot
        n = len(snapshot.weights)
        if self.combo.count() != n:
            self.combo.blockSignals(True)
            self.combo.clear()
            for l, w in enumerate(snapshot.weights):
                self.combo.addItem(f"W{l + 1}: {w.shape[0]:,} × {w.shape[1]:,}")
                self.combo.setItemData(l, f"W{l + 1}: from layer {l} to layer {l + 1} "
                                          f"({w.shape[0]:,} rows × {w.shape[1]:,} columns)", Qt.ItemDataRole.ToolTipRole)
            self.combo.blockSignals(False)
        if self.isVisible():
            self._redraw()

    def showEvent(self, ev):
        super().showEvent(ev)
        self._redraw()

    def resizeEvent(self, ev):
        super().resizeEvent(ev)
        self._space_ticks()

    def tick_steps(self):
        """(bottom, left) spacing between labelled ticks, as set for the current size."""
        return self._steps

    def _space_ticks(self):
        w = self.current_matrix()
        if w is None:
            self._steps = (1, 1)
            return
        rows, cols = w.shape
        vb = self.plot.getPlotItem().getViewBox()
        bottom, left = self.plot.getAxis("bottom"), self.plot.getAxis("left")
        fm = QFontMetrics(bottom.font() if hasattr(bottom, "font") else self.font())
        width = max(vb.width(), self.width() - 70)
        height = max(vb.height(), 40)
        sx = tick_step(cols, width, fm.horizontalAdvance(str(cols)))
        sy = tick_step(rows, height, fm.height())
        bottom.setTickSpacing(sx, max(sx // 5, 1) if sx >= 5 else sx)
        left.setTickSpacing(sy, max(sy // 5, 1) if sy >= 5 else sy)
        self._steps = (sx, sy)

    def current_matrix(self):
        if self._snapshot is None:
            return None
        l = max(self.combo.currentIndex(), 0)
        return np.asarray(self._snapshot.weights[l])

    def _redraw(self, *_):
        w = self.current_matrix()
        if w is None:
            return
        finite = np.isfinite(w)
        lim = float(np.abs(w[finite]).max()) if finite.any() else 1.0
        lim = lim if lim > 0 else 1.0
        self.image.setImage(np.where(finite, w, 0.0), levels=(-lim, lim), autoLevels=False)
        self._space_ticks()
        bad = int((~finite).sum())
        self.info.setText(f"colour: orange −{num(lim)} … white 0 … blue +{num(lim)}"
                          + (f"  ·  {bad} weights not finite (drawn white)" if bad else ""))
