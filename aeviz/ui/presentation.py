"""Presentation mode: every text and plot of the window larger, for a projector at the back of a room.

Widgets follow the window's font; the network canvas and the pyqtgraph plots draw their text
with fonts of their own, so they are told the scale too. Plots that make new text items on
each redraw get the scale again after every snapshot while the mode is on.
"""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QObject, QTimer, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QWidget

SCALE = 1.6


def scale_plot_text(view, points: float) -> None:
    """Axis ticks and labels, text items and titles of one pyqtgraph view at `points` points."""
    font = QFont()
    font.setPointSizeF(points)
    for item in view.scene().items():
        if isinstance(item, pg.AxisItem):
            item.setStyle(tickFont=font)
            item.label.setFont(font)
        elif isinstance(item, pg.TextItem):
            item.setFont(font)
        elif isinstance(item, pg.LabelItem):
            item.setAttr("size", f"{points:g}pt")
            item.setText(item.text)


class Presentation(QObject):
    """`set_on(bool)` for the window; `on` says which."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.on = False
        self.base_points = window.font().pointSizeF() if window.font().pointSizeF() > 0 else 9.0
        self._pending = False
        window.bridge.snapshotReady.connect(self._on_snapshot)

    @property
    def scale(self) -> float:
        return SCALE if self.on else 1.0

    def set_on(self, on: bool):
        self.on = bool(on)
        font = QFont(self.window.font())
        font.setPointSizeF(self.base_points * self.scale)
        self.window.setFont(font)
        for w in self.window.findChildren(QWidget):
            if w.styleSheet():  # a style sheet resolved its font when set: it no longer follows
                f = QFont(w.font())
                f.setPointSizeF(font.pointSizeF())
                w.setFont(f)
        self.window.network_view.set_text_scale(self.scale)
        self._scale_plots()

    def toggle(self):
        self.set_on(not self.on)

    def _scale_plots(self):
        self._pending = False
        for view in self.window.findChildren(pg.GraphicsView):
            scale_plot_text(view, self.base_points * self.scale)

    @Slot(object)
    def _on_snapshot(self, _snap):
        if self.on and not self._pending:  # after the panels have drawn this frame
            self._pending = True
            QTimer.singleShot(50, self._scale_plots)
