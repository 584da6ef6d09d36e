"""Hand QPainter.drawLines a NumPy buffer directly: no Python QLineF per edge.

pyqtgraph's PrimitiveArray wraps the array's memory as a C array of QLineF (PySide >= 6.4.3),
which is what makes tens of thousands of edges per frame affordable.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QLineF, QRectF

try:  # pyqtgraph's (internal but stable) helper; fall back to a plain list of QLineF
    from pyqtgraph.Qt.internals import PrimitiveArray
except Exception:  # pragma: no cover - depends on the pyqtgraph version
    PrimitiveArray = None


class LineBatch:
    """A reusable buffer of line segments (N x 4: x1, y1, x2, y2) drawn by one call."""

    def __init__(self):
        self._arr = PrimitiveArray(QLineF, 4) if PrimitiveArray is not None else None

    def draw(self, painter, segments: np.ndarray) -> None:
        n = len(segments)
        if n == 0:
            return
        if self._arr is None:
            painter.drawLines([QLineF(*s) for s in segments.tolist()])
            return
        self._arr.resize(n)
        self._arr.ndarray()[:] = segments
        painter.drawLines(*self._arr.drawargs())


class RectBatch:
    """The same for rectangles (x, y, w, h): thousands of tiny nodes in one drawRects call."""

    def __init__(self):
        self._arr = PrimitiveArray(QRectF, 4) if PrimitiveArray is not None else None

    def draw(self, painter, rects: np.ndarray) -> None:
        n = len(rects)
        if n == 0:
            return
        if self._arr is None:
            painter.drawRects([QRectF(*r) for r in rects.tolist()])
            return
        self._arr.resize(n)
        self._arr.ndarray()[:] = rects
        painter.drawRects(*self._arr.drawargs())
