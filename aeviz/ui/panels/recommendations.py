"""Recommendations: the movies this user has not rated that the network scores highest, and a
check against the ratings the user really gave but the network never saw (held out)."""
from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from ..numbers import fmt
from .base import Panel, esc


DIGITS = 3  # a predicted 4.313 stars says nothing 4.31 does not


def two(v) -> str:
    """Two decimals, so a column of predictions lines up (4.90 under 5.00); a dash if not finite."""
    return f"{float(v):.2f}" if v is not None and np.isfinite(v) else fmt(v)
EMPTY = "Step forward (F) to see the movies the network would recommend to this user."


def _table(headers):
    """Columns sized by hand (`_fill` sizes them once per change of shape), not ResizeToContents:
    that measures every cell again on every change, ~40 ms a redraw during a latent walk."""
    t = QtWidgets.QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().setVisible(False)
    t.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
    t.setAlternatingRowColors(True)
    h = t.horizontalHeader()
    h.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Interactive)
    h.setSectionResizeMode(1, QtWidgets.QHeaderView.ResizeMode.Stretch)
    return t


RIGHT = {0, 3, 4, 5}  # the number columns of both tables


def _fill(table, rows, resize: bool, wide_texts=()):
    """Write `rows` (per row: [(text, background or None, foreground or None, tooltip)]) into
    `table`, changing the texts of the cells in place. With `resize` (the table's shape changed)
    the columns are sized to their contents, and wide enough for `wide_texts` ((column, text):
    e.g. every genre of the dataset), so a walk's new titles need no resizing."""
    table.setRowCount(len(rows))
    plain = QtGui.QBrush()
    for k, cells in enumerate(rows):
        for c, (text, back, fore, tip) in enumerate(cells):
            it = table.item(k, c)
            if it is None:
                it = QtWidgets.QTableWidgetItem()
                if c in RIGHT:
                    it.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
                table.setItem(k, c, it)
            if it.text() != text:
                it.setText(text)
            if it.background() != (back or plain):
                it.setBackground(back or plain)
            if it.foreground() != (fore or plain):
                it.setForeground(fore or plain)
            if it.toolTip() != tip:
                it.setToolTip(tip)
    if resize and rows:
        table.resizeColumnsToContents()
        fm = table.fontMetrics()
        for c, text in wide_texts:
            table.setColumnWidth(c, max(table.columnWidth(c), fm.horizontalAdvance(text) + 12))


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
        self._shapes = {}
        self._genre_w = None

    def dataset_changed(self):
        self._shapes = {}
        self._genre_w = None
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
        users = rec.get("entries") == "users"  # an item model's imaginary movie: its top users
        how = ""
        if rec.get("orientation") == "item":
            how = (f"<br>Item-based model: read from {who}'s column of every movie's reconstruction "
                   "(select a user node in the network to change the user).")
        if users:
            self.header.setText(f"<b>Top {n} users for {who}</b>: the users the decoder predicts "
                                "would rate this movie highest (it has no ratings yet)")
        elif n:
            self.header.setText(f"<b>Top {n} for {who}</b> among the movies they have not rated "
                                f"(\u2605 = they did rate it, but it was held out from training){how}")
        else:
            self.header.setText(f"<b>{who} has rated every movie</b>: nothing is left to recommend.")
        self.top.horizontalHeaderItem(1).setText("user" if users else "movie")
        self.top.setColumnHidden(2, users)  # a user has no genre
        self.top.setVisible(bool(n))
        raw = rec.get("raw", rec["predicted"])
        clipped = [two(p) != two(r) for p, r in zip(rec["predicted"], raw)]
        hide = (not any(clipped), not any(rec["is_heldout"]))  # nothing to add / an empty column is noise
        self.top.setColumnHidden(4, hide[0])
        self.top.setColumnHidden(5, hide[1])
        gold = QtGui.QBrush(QtGui.QColor(255, 243, 214))
        brown = QtGui.QBrush(QtGui.QColor(190, 90, 0))
        rows = []
        for k, (i, p, r, c, ho, hv) in enumerate(zip(rec["items"], rec["predicted"], raw, clipped,
                                                     rec["is_heldout"], rec["heldout_values_of_items"])):
            back = gold if ho else None
            name = self.user_label(int(i)) if users else self.title_of(int(i))
            texts = [str(k + 1), name, "" if users else self.genre_of(int(i)), two(p), two(r) if c else "",
                     f"\u2605 {fmt(hv, DIGITS)}" if ho else ""]
            row = [(t, back, None, "") for t in texts]
            if c:
                row[4] = (texts[4], back, brown, f"the network's output {fmt(r)}, clipped to {two(p)} stars")
            rows.append(row)
        _fill(self.top, rows, self._reshaped(self.top, (n, hide, users)), self._wide_genre())
        items, vals, preds = rec["heldout_items"], rec["heldout_values"], rec["heldout_predicted"]
        rows = [[(t, None, None, "") for t in
                 (str(k + 1), self.title_of(int(i)), self.genre_of(int(i)), fmt(v, DIGITS), two(p),
                  f"{err:+.2f}" if np.isfinite(err) else fmt(err))]
                for k, (i, v, p, err) in enumerate(zip(items, vals, preds, rec["heldout_error"]))]
        _fill(self.held, rows, self._reshaped(self.held, len(rows)), self._wide_genre())
        if users:
            self.held_label.setText("An imaginary movie has no ratings: none are held out.")
        elif len(items):
            self.held_label.setText(f"<b>{len(items)} held-out ratings</b> (never shown to the network): "
                                    f"RMSE {fmt(rec['heldout_rmse'], DIGITS)}")
        else:
            self.held_label.setText("This user has no held-out ratings.")
        self.held.setVisible(bool(len(items)))

    def _reshaped(self, table, shape) -> bool:
        """True (and remembered) when `table`'s shape (rows, hidden columns) differs from the
        last drawn: the only time its columns are sized again."""
        if self._shapes.get(table) == shape:
            return False
        self._shapes[table] = shape
        return True

    def _wide_genre(self):
        """[(2, the dataset's longest genre text)]: the genre column's width for any movie."""
        if self._genre_w is None:
            genres = getattr(self.ratings, "genres", None) or []
            self._genre_w = [(2, max((str(g or "") for g in set(genres)), key=len))] if genres else []
        return self._genre_w

    def top_items(self) -> list[tuple[str, str]]:
        """(title, predicted text) of the top table, as shown."""
        return [(self.top.item(k, 1).text(), self.top.item(k, 3).text()) for k in range(self.top.rowCount())]

    def top_raw(self) -> list[str]:
        """The raw-output column of the top table, as shown ('' where it equals the prediction)."""
        return [self.top.item(k, 4).text() for k in range(self.top.rowCount())]
