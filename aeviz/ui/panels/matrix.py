"""The ratings matrix (the seed's STEP 1): users x movies, the current observation's row marked
(its column, for an item-based model, whose observations are movies).

One ImageItem holds the whole matrix (block-averaged by `insights.matrix_image` when it is larger
than the screen), so a MovieLens-sized table costs one texture, not a million items. Unrated cells
are NaN, which pyqtgraph leaves transparent: the background shows through.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from ...engine.insights import matrix_image
from ..numbers import fmt
from .base import Panel, Placeholder


class RatingsMatrixPanel(Panel):
    """Heatmap of every rating; hover names the cell, a click picks that user as the observation."""

    always_draw = True  # the marked row comes from the snapshot itself, not from the extras

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMenuEnabled(False)
        pi = self.plot.getPlotItem()
        pi.setLabel("bottom", "movies")
        pi.setLabel("left", "users")
        pi.hideButtons()
        self.vb = pi.getViewBox()
        self.vb.invertY(True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.cmap = pg.colormap.get("viridis")
        self.bar = pg.ColorBarItem(values=(1, 5), colorMap=self.cmap, interactive=False, width=14,
                                   label="rating")
        self.bar.setImageItem(self.image, insert_in=pi)
        self.row_mark = self._mark_item("horizontal")  # the current user's row
        self.col_mark = self._mark_item("vertical")  # the current movie's column (item-based model)
        self.row_label = pg.TextItem(color=(200, 20, 20), anchor=(0, 1), fill=pg.mkBrush(255, 255, 255, 210))
        self.row_label.setZValue(11)
        self.row_label.hide()
        self.plot.addItem(self.row_label, ignoreBounds=True)
        self.info = QtWidgets.QLabel(" ")
        self.info.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.info.setWordWrap(True)  # a long hover text must not widen the whole bottom dock row
        self.empty = Placeholder("Open a ratings file (File > Open ratings\u2026) or pick a preset to see every user's "
                                 "ratings here.")
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.empty)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.info)
        self.plot.hide()
        self.current_row = None
        self.cell_mark = QtWidgets.QGraphicsRectItem()  # what a lesson's link points at
        self.cell_mark.setPen(pg.mkPen(0, 200, 80, width=3, cosmetic=True))
        self.cell_mark.setZValue(12)
        self.cell_mark.hide()
        self.plot.addItem(self.cell_mark, ignoreBounds=True)
        self._highlighted = None
        self.plot.scene().sigMouseMoved.connect(self._hover)
        self.plot.scene().sigMouseClicked.connect(self._clicked)

    def _mark_item(self, orientation):
        mark = pg.LinearRegionItem(values=(0, 1), orientation=orientation, movable=False,
                                   brush=pg.mkBrush(255, 40, 40, 90), pen=pg.mkPen(230, 20, 20, width=2))
        mark.setZValue(10)
        mark.hide()
        self.plot.addItem(mark)
        return mark

    # ----------------------------------------------------------------------------------- data
    def dataset_changed(self):
        self.highlight_cell(None)
        r = self.ratings
        if r is None or r.n_users == 0 or r.n_items == 0:
            self.plot.hide()
            self.empty.show()
            return
        img, _, _ = matrix_image(r)
        lo, hi = float(r.scale.minimum), float(r.scale.maximum)
        if hi <= lo:
            hi = lo + 1.0
        self.image.setImage(img, levels=(lo, hi), autoLevels=False)
        self.image.setRect(QtCore.QRectF(0, 0, r.n_items, r.n_users))
        self.bar.setLevels((lo, hi))
        self.vb.setLimits(xMin=0, xMax=r.n_items, yMin=0, yMax=r.n_users)
        self.vb.setRange(xRange=(0, r.n_items), yRange=(0, r.n_users), padding=0)
        self.empty.hide()
        self.plot.show()
        self._describe()
        self._mark(self.current_row)

    def _describe(self):
        r = self.ratings
        how = ("Item-based model: each column (a movie) is an observation; click a column to step that "
               "movie." if self.item_model else "Click a row to step that user.")
        self.info.setText(f"{r.n_users} users \u00d7 {r.n_items} movies, {r.nnz} ratings "
                          f"({r.density:.1%} filled, {r.scale.describe()}). {how}")

    def draw(self, snapshot, extras):
        if self.ratings is not None and self.item_model != self._drawn_item_model:
            self._drawn_item_model = self.item_model
            self._describe()
        self._mark(getattr(snapshot, "user_row", None))

    _drawn_item_model = False

    def _mark(self, index):
        """Mark the current observation: a user's row, or (item-based model) a movie's column."""
        self.current_row = index
        item = self.item_model
        mark, other = (self.col_mark, self.row_mark) if item else (self.row_mark, self.col_mark)
        other.hide()
        n = 0 if self.ratings is None else (self.ratings.n_items if item else self.ratings.n_users)
        if index is None or not 0 <= index < n:
            mark.hide()
            self.row_label.hide()
            return
        half = max(1.0, n / 80.0) / 2  # a few pixels wide, even with 100k users on screen
        lo, hi = index + 0.5 - half, index + 0.5 + half
        mark.setRegion((lo, hi))
        mark.show()
        (x0, x1), (y0, y1) = self.vb.viewRange()
        if item:  # the title at the top, right of the mark unless that runs off the plot
            self.row_label.setText(f"{self.title_of(index)} (current movie)")
            right = lo - x0 < 0.6 * max(x1 - x0, 1.0)
            self.row_label.setAnchor((0, 0) if right else (1, 0))
            self.row_label.setPos(hi if right else lo, y0)
        else:  # above the mark, or below it for the top rows, where above is off the plot
            self.row_label.setText(f"{self.user_label(index)} (current)")
            below = lo - y0 < 0.15 * max(y1 - y0, 1.0)
            self.row_label.setAnchor((0, 0) if below else (0, 1))
            self.row_label.setPos(0, hi if below else lo)
        self.row_label.show()

    def highlight_cell(self, row: int | None, col: int | None = None) -> bool:
        """Outline cell (row, col) in green, or the whole row when col is None (a lesson's link);
        None clears. False when the matrix has no such cell."""
        r = self.ratings
        ok = (row is not None and r is not None and 0 <= row < r.n_users
              and (col is None or 0 <= col < r.n_items))
        self._highlighted = (row, col) if ok else None
        if not ok:
            self.cell_mark.hide()
            return row is None
        x0, w = (0, r.n_items) if col is None else (col, 1)
        self.cell_mark.setRect(QtCore.QRectF(x0, row, w, 1))
        self.cell_mark.show()
        if col is not None:
            self.info.setText(self.describe_cell(row, col))
        return True

    def highlighted_cell(self):
        """(row, col or None) outlined now, or None."""
        return self._highlighted

    # ------------------------------------------------------------------------------ pointer
    def cell_at(self, scene_pos):
        """(row, col) under a scene position, or None outside the matrix."""
        if self.ratings is None or not self.plot.isVisible():
            return None
        if not self.vb.sceneBoundingRect().contains(scene_pos):
            return None
        p = self.vb.mapSceneToView(scene_pos)
        row, col = int(np.floor(p.y())), int(np.floor(p.x()))
        if 0 <= row < self.ratings.n_users and 0 <= col < self.ratings.n_items:
            return row, col
        return None

    def describe_cell(self, row: int, col: int) -> str:
        r = self.ratings
        text = f"{self.user_label(row)} \u00b7 {self.title_of(col)}"
        g = self.genre_of(col)
        if g:
            text += f" ({g})"
        items, values = r.row(row)
        k = int(np.searchsorted(items, col))
        if k < items.size and items[k] == col:
            text += f" \u00b7 rated {fmt(values[k])}"
            test = getattr(self.split, "test", None)
            if test is not None and test.n_users == r.n_users:
                ti, _ = test.row(row)
                j = int(np.searchsorted(ti, col))
                if j < ti.size and ti[j] == col:
                    text += " (held out for testing)"
        else:
            text += " \u00b7 not rated"
        return text

    def _hover(self, pos):
        cell = self.cell_at(pos)
        if cell is not None:
            self.info.setText(self.describe_cell(*cell))

    def _clicked(self, event):
        if event.button() != QtCore.Qt.MouseButton.LeftButton:
            return
        cell = self.cell_at(event.scenePos())
        if cell is not None:  # the observation under the pointer: a user's row, or a movie's column
            self.userSelected.emit(cell[1] if self.item_model else cell[0])
