"""What if a user had rated one movie differently? A "What if" dock with before/after predictions.

Right-click a cell of the Ratings matrix (a user's rating of a movie, or an empty cell), or a movie
in the Reconstruction, and pick a rating, or "not rated"; or type a user id and a movie in the dock.
The worker computes the user's predictions for every movie before and after (engine/what_if.py,
on a copy of the user's row: the dataset never changes), and the dock plots how each movie's
prediction moved and lists the largest moves. Reset forgets the edit: the data was never touched,
so nothing else is needed.
"""
from __future__ import annotations

from functools import partial

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from ..engine.what_if import what_if
from .extra_docks import BOTTOM, add_dock
from .numbers import fmt
from .profile_panel import fill_rating_box
from .search import MovieNames, NameCompleter

TAG = "what-if"
NOT_RATED = "not rated"


def _job(row, column, new, trainer, config, dataset):
    """Runs in the worker (bridge.call)."""
    if trainer is None:
        raise ValueError("there is no model yet")
    return what_if(trainer.network, trainer.train_set, trainer.orientation, row, column, new, trainer.clip)


class WhatIfPanel(QtWidgets.QWidget):
    """The editor (user, movie, new rating, Apply, Reset) and the before/after view."""

    def __init__(self, bridge, parent=None):
        super().__init__(parent)
        self.bridge = bridge
        self.dataset = None
        self.names = MovieNames()
        self.result = None  # the last WhatIf shown
        self._pending = False

        self.user = QtWidgets.QLineEdit()
        self.user.setObjectName("what_if_user")
        self.user.setPlaceholderText("user id")
        self.user.setMaximumWidth(70)
        self.movie = QtWidgets.QLineEdit()
        self.completions = NameCompleter(self.movie, self.names)
        self.movie.setObjectName("what_if_movie")
        self.movie.setPlaceholderText("movie")
        self.movie.setMinimumWidth(110)
        self.value = QtWidgets.QComboBox()
        self.value.setObjectName("what_if_value")
        self.apply_button = QtWidgets.QPushButton("Apply")
        self.apply_button.setObjectName("what_if_apply")
        self.apply_button.clicked.connect(self.apply_typed)
        self.movie.returnPressed.connect(self.apply_typed)
        self.reset_button = QtWidgets.QPushButton("Reset")
        self.reset_button.setObjectName("what_if_reset")
        self.reset_button.clicked.connect(self.reset)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(QtWidgets.QLabel("What if user"))
        row.addWidget(self.user)
        row.addWidget(QtWidgets.QLabel("rated"))
        row.addWidget(self.movie, 1)
        row.addWidget(self.value)

        self.header = QtWidgets.QLabel("Right-click a cell of the Ratings matrix or a movie in the Reconstruction, "
                                       "or type a user and a movie: the predictions for every other movie before and after, the data unchanged.")
        self.header.setObjectName("what_if_header")
        self.header.setWordWrap(True)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMenuEnabled(False)
        pi = self.plot.getPlotItem()
        pi.hideButtons()
        pi.setLabel("bottom", "movies")
        pi.setLabel("left", "after \u2212 before")
        self.bars = pg.BarGraphItem(x=[], height=[], width=1.0, brush=pg.mkBrush(60, 110, 200))
        pi.addItem(self.bars)
        pi.addLine(y=0, pen=pg.mkPen(150, 150, 150))
        self.table = QtWidgets.QTableWidget(0, 4)
        self.table.setObjectName("what_if_movers")
        self.table.setHorizontalHeaderLabels(["Movie", "Before", "After", "Change"])
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(18)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.Stretch)
        for k in (1, 2, 3):  # the numbers, above all the change, always whole
            self.table.horizontalHeader().setSectionResizeMode(k, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        split = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        split.addWidget(self.plot)
        split.addWidget(self.table)
        split.setSizes([300, 400])
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(3, 3, 3, 3)
        lay.addLayout(row)
        below = QtWidgets.QHBoxLayout()  # the buttons beside the text: the dock stays narrow
        below.addWidget(self.header, 1)
        below.addWidget(self.apply_button)
        below.addWidget(self.reset_button)
        lay.addLayout(below)
        lay.addWidget(split, 1)
        bridge.workDone.connect(self._on_done)
        bridge.workFailed.connect(self._on_failed)

    @QtCore.Slot(object, object)
    def set_dataset(self, dataset, config=None):
        if dataset is self.dataset:
            return
        self.dataset = dataset
        self.names = self.completions.names = MovieNames(dataset)
        fill_rating_box(self.value, dataset)
        self.value.addItem(NOT_RATED, None)
        self.reset()

    def ask(self, row: int, column: int, new):
        """Before/after for user row `row` rating movie `column` `new` (None: not rated)."""
        if self.dataset is None:
            return
        self.user.setText(str(self.dataset.user_ids[int(row)]))
        self.movie.setText(self.names.text_of(int(column)))
        self.movie.setCursorPosition(0)
        self.value.setCurrentIndex(self.value.findData(new) if new is not None else self.value.findText(NOT_RATED))
        self._pending = True
        self.bridge.call(TAG, partial(_job, int(row), int(column), new))

    @QtCore.Slot()
    def apply_typed(self):
        if self.dataset is None:
            return
        try:
            row = self.dataset.user_index(self.user.text())
        except (KeyError, ValueError):
            self.header.setText(f"There is no user {self.user.text()!r} in this data.")
            return
        col = self.names.column(self.movie.text())
        if col is None:
            self.header.setText(f"No movie is called {self.movie.text()!r}: pick one from the list.")
            return
        self.ask(row, col, self.value.currentData())

    @QtCore.Slot()
    def reset(self):
        """Back to the data as it is (it was never changed): no edit, nothing drawn."""
        self.result = None
        self.bars.setOpts(x=[], height=[])
        self.table.setRowCount(0)
        self.header.setText("No edit: the predictions are the data's own. Right-click a cell of the Ratings "
                            "matrix or a movie in the Reconstruction, or type a user and a movie.")

    def busy(self) -> bool:
        return self._pending

    @QtCore.Slot(str, object)
    def _on_done(self, tag, w):
        if tag != TAG:
            return
        self._pending = False
        self.result = w
        titles = self.dataset.movie_titles
        change = w.change
        self.bars.setOpts(x=np.arange(change.size), height=change, width=1.0)  # movie index, its move
        movers = w.movers(10)
        self.table.setRowCount(len(movers))
        for r, c in enumerate(movers.tolist()):
            cells = (titles[c], fmt(w.before[c]), fmt(w.after[c]), f"{change[c]:+.3f}")
            for k, text in enumerate(cells):
                self.table.setItem(r, k, QtWidgets.QTableWidgetItem(text))
        old = "not rated" if w.old is None else f"rated {w.old:g}"
        new = "not rated" if w.new is None else f"rated {w.new:g}"
        self.header.setText(f"User {self.dataset.user_ids[w.user_row]}: {titles[w.column]} {old}; what if {new}? "
                            f"{w.n_moved} of {change.size} predictions move (largest {fmt(w.largest)}). The data is unchanged.")

    @QtCore.Slot(str, str)
    def _on_failed(self, tag, message):
        if tag == TAG:
            self._pending = False
            self.header.setText(f"What if failed: {message}")


def install(window) -> WhatIfPanel:
    """The "What if" dock (tabbed with the bottom panels) and the right-click menu of the Ratings
    matrix and the Reconstruction."""
    from .panels.matrix import RatingsMatrixPanel
    from .panels.reconstruction import ReconstructionPanel
    panel = WhatIfPanel(window.bridge, window)
    matrix = next((p for p in window.panels if isinstance(p, RatingsMatrixPanel)), None)
    beside = next((d for d in window.docks if d.widget() is matrix), None)
    dock = add_dock(window, "What if", panel, BOTTOM, beside)
    window.bridge.rebuilt.connect(panel.set_dataset)

    def clicked(panel_clicked, event):
        if event.button() != QtCore.Qt.MouseButton.RightButton:
            return
        cell = panel_clicked.cell_at(event.scenePos())
        if cell is None:
            return
        menu = QtWidgets.QMenu(window)
        menu.addSection("What if this user had rated it…")
        for k in range(panel.value.count()):
            act = menu.addAction(panel.value.itemText(k))
            act.triggered.connect(partial(_ask_and_show, panel, dock, cell, panel.value.itemData(k)))
        menu.popup(event.screenPos().toPoint())
    for p in window.panels:  # the Ratings matrix and the Reconstruction: a rating under the mouse
        if isinstance(p, (RatingsMatrixPanel, ReconstructionPanel)):
            p.plot.scene().sigMouseClicked.connect(partial(clicked, p))
    if window.dataset is not None:
        panel.set_dataset(window.dataset, window.config)
    return panel


def _ask_and_show(panel, dock, cell, value, _checked=False):
    dock.show()
    dock.raise_()
    panel.ask(cell[0], cell[1], value)
