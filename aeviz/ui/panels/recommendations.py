"""Recommendations: the movies this user has not rated that the network scores highest, and a
check against the ratings the user really gave but the network never saw (held out)."""
from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from .base import Panel, esc, fmt


DIGITS = 3  # a predicted 4.313 stars says nothing 4.31 does not


def two(v) -> str:
    """Two decimals, so a column of predictions lines up (4.90 under 5.00); a dash if not finite."""
    return f"{float(v):.2f}" if v is not None and np.isfinite(v) else fmt(v)
EMPTY = "Step forward (F) to see the movies the network would recommend to this user."


def _table(headers):
    t = QtWidgets.QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().setVisible(False)
    t.setEditTriggers(QtWidgets.QAbstractItemView.NoEditTriggers)
    t.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectRows)
    t.setAlternatingRowColors(True)
    h = t.horizontalHeader()
    h.setSectionResizeMode(QtWidgets.QHeaderView.ResizeToContents)
    h.setSectionResizeMode(1, QtWidgets.QHeaderView.Stretch)
    return t


def _cell(text, align_right=False):
    it = QtWidgets.QTableWidgetItem(text)
    if align_right:
        it.setTextAlignment(QtCore.Qt.AlignRight | QtCore.Qt.AlignVCenter)
    return it


class RecommendationsPanel(Panel):
    """Two tables: top-N unrated movies by prediction; held-out ratings beside their predictions."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.header = QtWidgets.QLabel(EMPTY)
        self.header.setWordWrap(True)
        self.top = _table(["#", "movie", "genre", "predicted", "raw", "held out"])
        self.top.horizontalHeaderItem(4).setToolTip("The network's own output before it is clipped to the "
                                                    "rating scale; it breaks ties between clipped predictions")
        self.top.horizontalHeaderItem(5).setToolTip("\u2605 the rating this user really gave, held out "
                                                    "from training")
        self.held_label = QtWidgets.QLabel()
        self.held = _table(["", "movie", "genre", "rated", "predicted", "error"])
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.header)
        lay.addWidget(self.top, 3)
        lay.addWidget(self.held_label)
        lay.addWidget(self.held, 2)

    def dataset_changed(self):
        self.top.setRowCount(0)
        self.held.setRowCount(0)
        self.header.setText(EMPTY)
        self.held_label.setText("")
        self.top.show()
        self.held.show()

    def draw(self, snapshot, extras):
        rec = extras.get("recommendations")
        if not rec:
            return
        n = len(rec["items"])
        who = esc(rec.get("label") or self.user_label(rec["row"]))
        if n:
            self.header.setText(f"<b>Top {n} for {who}</b> among the movies they have not rated "
                                "(\u2605 = they did rate it, but it was held out from training)")
        else:
            self.header.setText(f"<b>{who} has rated every movie</b>: nothing is left to recommend.")
        self.top.setVisible(bool(n))
        raw = rec.get("raw", rec["predicted"])
        clipped = [two(p) != two(r) for p, r in zip(rec["predicted"], raw)]
        self.top.setColumnHidden(4, not any(clipped))  # raw = predicted everywhere: nothing to add
        self.top.setColumnHidden(5, not any(rec["is_heldout"]))  # an empty column is noise
        self.top.setRowCount(n)
        gold = QtGui.QBrush(QtGui.QColor(255, 243, 214))
        for k, (i, p, r, c, ho, hv) in enumerate(zip(rec["items"], rec["predicted"], raw, clipped,
                                                     rec["is_heldout"], rec["heldout_values_of_items"])):
            cells = [_cell(str(k + 1), True), _cell(self.title_of(int(i))), _cell(self.genre_of(int(i))),
                     _cell(two(p), True), _cell(two(r) if c else "", True),
                     _cell(f"\u2605 {fmt(hv, DIGITS)}" if ho else "", True)]
            if c:
                cells[4].setForeground(QtGui.QBrush(QtGui.QColor(190, 90, 0)))
                cells[4].setToolTip(f"the network's output {fmt(r)}, clipped to {two(p)} stars")
            for c, it in enumerate(cells):
                if ho:
                    it.setBackground(gold)
                self.top.setItem(k, c, it)
        items, vals, preds = rec["heldout_items"], rec["heldout_values"], rec["heldout_predicted"]
        self.held.setRowCount(len(items))
        for k, (i, v, p, err) in enumerate(zip(items, vals, preds, rec["heldout_error"])):
            cells = [_cell(str(k + 1), True), _cell(self.title_of(int(i))), _cell(self.genre_of(int(i))),
                     _cell(fmt(v, DIGITS), True), _cell(two(p), True),
                     _cell(f"{err:+.2f}" if np.isfinite(err) else fmt(err), True)]
            for c, it in enumerate(cells):
                self.held.setItem(k, c, it)
        if len(items):
            self.held_label.setText(f"<b>{len(items)} held-out ratings</b> (never shown to the network): "
                                    f"RMSE {fmt(rec['heldout_rmse'], DIGITS)}")
        else:
            self.held_label.setText("This user has no held-out ratings.")
        self.held.setVisible(bool(len(items)))

    def top_items(self) -> list[tuple[str, str]]:
        """(title, predicted text) of the top table, as shown."""
        return [(self.top.item(k, 1).text(), self.top.item(k, 3).text()) for k in range(self.top.rowCount())]

    def top_raw(self) -> list[str]:
        """The raw-output column of the top table, as shown ('' where it equals the prediction)."""
        return [self.top.item(k, 4).text() for k in range(self.top.rowCount())]
