"""The full weight matrix of one layer pair as a heatmap: what the level of detail leaves out.

A pyqtgraph ImageItem shows every weight (out x in) at once, in the graph's colours; it is
refreshed only while visible, so it costs nothing when hidden.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QLabel, QVBoxLayout, QWidget

from . import colors as C
from .text import num


class WeightMatrixPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self._snapshot = None
        self.combo = QComboBox(self)
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
                self.combo.addItem(f"W{l + 1}: layer {l} → {l + 1}  ({w.shape[0]} × {w.shape[1]})")
            self.combo.blockSignals(False)
        if self.isVisible():
            self._redraw()

    def showEvent(self, ev):
        super().showEvent(ev)
        self._redraw()

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
        bad = int((~finite).sum())
        self.info.setText(f"colour: orange −{num(lim)} … white 0 … blue +{num(lim)}"
                          + (f"  ·  {bad} weights not finite (drawn white)" if bad else ""))
