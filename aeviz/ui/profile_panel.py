"""The "You" dock: rate a few movies yourself and watch the trained network read you (cold start).

Every change (a rating given, changed or removed, a filter) sends `engine.profile_view` to the
worker (`bridge.call`: the only safe moment to read the live network); the answer, an immutable
`ProfileView`, is drawn here: your ratings against the network's output, the recommendations with
the ratings of yours that moved them most ("because you rated X 5: +0.41", exact leave-one-out),
and your code as a marked point in the Code panel. One request is in flight at a time; changes
made meanwhile are sent together when it returns. While training runs, the profile is read again
as the weights change. The profile never enters the data unless "Add to the data and keep
training" is chosen (a new user; the network continues from its current weights).
"""
from __future__ import annotations

import html
import time
from functools import partial

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from ..data.profiles import (ProfileEntry, ProfileFileError, movie_id, read_profile, resolve, with_new_user,
                             write_profile)
from ..engine.profile_view import Filters, profile_view
from ..engine.serialize import SavedModel
from .extra_docks import RIGHT, add_dock, menu_named
from .numbers import fmt
from .search import MovieNames, NameCompleter

TAG = "profile:"
ADD_TAG = "profile-add"
LIVE_INTERVAL = 0.3  # seconds between re-readings while the weights change


def _read_job(columns, values, filters, trainer, config, dataset):
    """Runs in the worker (bridge.call)."""
    return profile_view(trainer, dataset, columns, values, filters)


def _saved_job(trainer, config, dataset):
    """Runs in the worker: the current network, optimizer state and history, to continue from."""
    if trainer is None:
        raise ValueError("there is no model yet")
    if trainer.orientation != "user":
        raise ValueError("only a user-based model can take a new user and keep its weights "
                         "(an item-based model has one input per user)")
    return SavedModel(config, trainer.network.copy(), trainer.optimizer.state_dict(), list(trainer.history))


def _two(v) -> str:
    return f"{v:.2f}" if v is not None and np.isfinite(v) else fmt(v)


def rating_choices(scale) -> list[tuple[str, float]]:
    """(label, value) of every rating a person can give on this scale."""
    if scale.kind == "binary":
        return [("like (1)", scale.maximum), ("dislike (0)", scale.minimum)]
    step = scale.step or 0.5
    values = np.arange(scale.maximum, scale.minimum - 1e-9, -step)
    return [(f"{v:g} \u2605" if scale.kind != "continuous" else f"{v:g}", float(v)) for v in values]


def fill_rating_box(combo: QtWidgets.QComboBox, dataset):
    """The ratings a person can give on `dataset`'s scale, as the combo's items (value as data)."""
    combo.clear()
    if dataset is not None:
        for label, v in rating_choices(dataset.scale):
            combo.addItem(label, v)


class ProfilePanel(QtWidgets.QWidget):
    """Search, stars, your ratings, filters and recommendations; see the module docstring."""

    codePlaced = QtCore.Signal(object)  # the profile's (x, y) in the Code plane, or None
    movieActivated = QtCore.Signal(int)  # a recommended title was clicked
    moviesMarked = QtCore.Signal(object, object)  # (rated, recommended) columns shown; empty: none

    def __init__(self, bridge, parent=None):
        super().__init__(parent)
        self.bridge = bridge
        self.dataset = None
        self.orientation = "user"
        self.names = MovieNames()
        self.ratings: dict[int, float] = {}  # column -> rating, in the order given
        self.view = None  # the last ProfileView drawn
        self._seq = 0
        self._in_flight = False
        self._dirty = False
        self._last_read = 0.0
        self._last_updates = None

        self.search = QtWidgets.QLineEdit()
        self.completions = NameCompleter(self.search, self.names)
        self.search.setObjectName("profile_search")
        self.search.setPlaceholderText("Search a movie to rate…")
        self.search.setClearButtonEnabled(True)
        self.search.returnPressed.connect(self.rate_typed)
        self.stars = QtWidgets.QComboBox()
        self.stars.setObjectName("profile_stars")
        self.rate_button = QtWidgets.QPushButton("Rate")
        self.rate_button.clicked.connect(self.rate_typed)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.search, 1)
        row.addWidget(self.stars)
        row.addWidget(self.rate_button)

        self.table = QtWidgets.QTableWidget(0, 3)
        self.table.setObjectName("profile_ratings")
        self.table.setHorizontalHeaderLabels(["Your movie", "You", "Network"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        h = self.table.horizontalHeader()
        h.setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.Stretch)
        h.setSectionResizeMode(1, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        h.setSectionResizeMode(2, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.setMaximumHeight(130)
        self.table.installEventFilter(self)
        self.remove_button = QtWidgets.QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_selected)
        self.clear_button = QtWidgets.QPushButton("Clear")
        self.clear_button.clicked.connect(self.clear)
        self.add_button = QtWidgets.QPushButton("Add to the data and keep training")
        self.add_button.setToolTip("Make this profile a new user of the data (only now: the profile "
                                   "never enters the data otherwise); the network keeps its weights")
        self.add_button.clicked.connect(self.add_to_data)
        buttons = QtWidgets.QGridLayout()  # two rows: the right column is narrow at 1366 x 768
        buttons.addWidget(self.remove_button, 0, 0)
        buttons.addWidget(self.clear_button, 0, 1)
        buttons.addWidget(self.add_button, 1, 0, 1, 2)

        self.plot = pg.PlotWidget(background="w")
        self.plot.setMenuEnabled(False)
        self.plot.setMinimumHeight(90)
        self.plot.setMaximumHeight(140)
        pi = self.plot.getPlotItem()
        pi.hideButtons()
        pi.setTitle("your ratings (\u25cf), the network's output (\u00d7)", size="8pt")
        pi.getAxis("bottom").setStyle(showValues=False)
        self.mine = pg.ScatterPlotItem(size=9, brush=pg.mkBrush(40, 90, 200), pen=None)
        self.theirs = pg.ScatterPlotItem(size=11, symbol="x", brush=pg.mkBrush(210, 40, 30),
                                         pen=pg.mkPen(210, 40, 30))
        pi.addItem(self.mine)
        pi.addItem(self.theirs)

        self.min_ratings = QtWidgets.QSpinBox()
        self.min_ratings.setObjectName("profile_min_ratings")
        self.min_ratings.setRange(0, 100000)
        self.min_ratings.setPrefix("\u2265 ")
        self.min_ratings.setToolTip("Filter, a popularity floor: hide movies with fewer than this many ratings in the data")
        self.genre = QtWidgets.QComboBox()
        self.genre.setObjectName("profile_genre")
        self.genre.setToolTip("Filter: only movies of this genre")
        self.include_rated = QtWidgets.QCheckBox("include rated")
        self.include_rated.setToolTip("List the movies you rated too (to check what the network makes of them)")
        for w in (self.min_ratings, self.genre, self.include_rated):
            sig = w.valueChanged if w is self.min_ratings else (
                w.currentIndexChanged if w is self.genre else w.toggled)
            sig.connect(self.request)
        self.genre.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.genre.setMinimumContentsLength(6)
        filters = QtWidgets.QHBoxLayout()
        filters.addWidget(self.min_ratings)
        filters.addWidget(self.genre, 1)
        filters.addWidget(self.include_rated)

        # text that wraps (a narrow dock must not cut the contribution off a reason); a title is
        # a link that selects the movie everywhere
        self.recs = QtWidgets.QTextBrowser()
        self.recs.setObjectName("profile_recommendations")
        self.recs.setOpenLinks(False)
        self.recs.anchorClicked.connect(self._rec_clicked)
        self._rows: list[tuple[str, str, list[str]]] = []  # (title, predicted, reasons) shown
        self.note = QtWidgets.QLabel("Rate a few movies: the trained network reads your ratings at once, "
                                     "without training.")
        self.note.setObjectName("profile_note")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #555; font-size: 8pt;")

        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(3, 3, 3, 3)
        lay.addLayout(row)
        lay.addWidget(self.table)
        lay.addLayout(buttons)
        lay.addWidget(self.plot)
        lay.addLayout(filters)
        lay.addWidget(self.recs, 1)
        lay.addWidget(self.note)
        self._update_buttons()
        bridge.workDone.connect(self._on_done)
        bridge.workFailed.connect(self._on_failed)
        bridge.snapshotReady.connect(self._on_snapshot)

    # ------------------------------------------------------------------------------ data
    @QtCore.Slot(object, object)
    def set_dataset(self, dataset, config=None):
        """A network was (re)built: keep the profile if the movies are the same, else start over."""
        if config is not None:
            self.orientation = config.orientation
        self._update_buttons()
        if dataset is self.dataset:
            self.request()
            return
        same_movies = (self.dataset is not None and dataset is not None
                       and np.array_equal(self.dataset.item_ids, dataset.item_ids))
        self.dataset = dataset
        if not same_movies:
            self.ratings = {}
        self.names = self.completions.names = MovieNames(dataset)
        fill_rating_box(self.stars, dataset)
        self.genre.blockSignals(True)
        self.genre.clear()
        self.genre.addItem("any genre", "")
        genres = getattr(dataset, "movie_genres", None) if dataset is not None else None
        if genres:
            for g in sorted({p for s in genres for p in (s or "").split("|") if p}):
                self.genre.addItem(g, g)
        self.genre.setEnabled(self.genre.count() > 1)
        if dataset is not None:
            lo, hi = float(dataset.scale.minimum), float(dataset.scale.maximum)
            pad = 0.1 * (hi - lo)
            self.plot.getPlotItem().setYRange(lo - pad, hi + pad, padding=0)
        self.genre.blockSignals(False)
        self._refresh_table()
        self.request()

    def entries(self) -> list[ProfileEntry]:
        """The profile as file entries (ids and titles of this dataset)."""
        titles = self.dataset.movie_titles
        return [ProfileEntry(movie_id(self.dataset, c), titles[c], v) for c, v in self.ratings.items()]

    # ------------------------------------------------------------------------------ editing
    def rate(self, column: int, value: float):
        """Give (or change) a rating; re-read at once."""
        self.ratings[int(column)] = float(value)
        self._refresh_table()
        self.request()

    def remove(self, column: int):
        if self.ratings.pop(int(column), None) is not None:
            self._refresh_table()
            self.request()

    @QtCore.Slot()
    def clear(self):
        self.ratings = {}
        self._refresh_table()
        self.request()

    @QtCore.Slot()
    def rate_typed(self):
        if self.dataset is None:
            return
        col = self.names.column(self.search.text())
        if col is None:
            self.note.setText(f"No movie is called {self.search.text()!r}: pick one from the list.")
            return
        self.rate(col, float(self.stars.currentData()))
        self.search.clear()

    @QtCore.Slot()
    def remove_selected(self):
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        cols = list(self.ratings)
        for r in rows:
            if r < len(cols):
                self.ratings.pop(cols[r], None)
        if rows:
            self._refresh_table()
            self.request()

    def eventFilter(self, obj, event):
        if obj is self.table and event.type() == QtCore.QEvent.Type.KeyPress and \
                event.key() in (QtCore.Qt.Key.Key_Delete, QtCore.Qt.Key.Key_Backspace):
            self.remove_selected()
            return True
        return super().eventFilter(obj, event)

    def filters(self) -> Filters:
        return Filters(10, self.min_ratings.value(), self.genre.currentData() or "", self.include_rated.isChecked())

    # ------------------------------------------------------------------------------ files
    def open_file(self, path: str) -> str | None:
        """Load a profile file; the error message (file and reason), or None."""
        if self.dataset is None:
            return "open ratings first: a profile names movies of a dataset"
        try:
            cols, vals = resolve(read_profile(path), self.dataset, path)
        except ProfileFileError as exc:
            return str(exc)
        self.ratings = dict(zip(cols, vals))
        self._refresh_table()
        self.request()
        return None

    def save_file(self, path: str) -> str | None:
        try:
            write_profile(path, self.entries())
        except OSError as exc:
            return f"cannot save the profile to {path}: {exc.strerror or exc}"
        return None

    # ------------------------------------------------------------------------------ the worker
    @QtCore.Slot()
    def request(self, *_):
        """Ask the worker to read the profile (or note that a newer reading is due)."""
        if self.dataset is None:
            return
        if not self.ratings:
            self._show(None)
            return
        if self._in_flight:
            self._dirty = True
            return
        self._seq += 1
        self._in_flight, self._dirty = True, False
        self._last_read = time.monotonic()
        self.bridge.call(f"{TAG}{self._seq}", partial(_read_job, list(self.ratings), list(self.ratings.values()),
                                                      self.filters()))

    def busy(self) -> bool:
        """A reading is on its way or due (tests wait for False)."""
        return self._in_flight or self._dirty

    @QtCore.Slot(str, object)
    def _on_done(self, tag, result):
        if tag == ADD_TAG:
            self._continue_with(result)
            return
        if not tag.startswith(TAG):
            return
        self._in_flight = False
        if self._dirty:
            self.request()
            return
        if self.ratings:
            self._show(result)

    @QtCore.Slot(str, str)
    def _on_failed(self, tag, message):
        if tag == ADD_TAG:
            self.note.setText(f"Could not add the profile to the data: {message}")
            return
        if not tag.startswith(TAG):
            return
        self._in_flight = False
        self.view = None
        self._rows = []
        self.recs.clear()
        self.note.setText(message)
        self.codePlaced.emit(None)
        self.moviesMarked.emit([], [])
        if self._dirty:
            self.request()

    @QtCore.Slot(object)
    def _on_snapshot(self, snap):
        """While the weights change, read the profile again (at most every LIVE_INTERVAL)."""
        if snap.updates == self._last_updates:
            return
        self._last_updates = snap.updates
        # an item model's fold-in computes every movie's code again for new weights: less often
        interval = LIVE_INTERVAL if self.orientation == "user" else 4 * LIVE_INTERVAL
        if self.ratings and not self._in_flight and time.monotonic() - self._last_read >= interval:
            self.request()

    # ------------------------------------------------------------------------------ drawing
    def _title(self, column: int) -> str:
        return self.dataset.movie_titles[column]

    def _refresh_table(self):
        self.table.setRowCount(len(self.ratings))
        out = {} if self.view is None else dict(zip(self.view.columns.tolist(), self.view.output_at_rated.tolist()))
        for r, (c, v) in enumerate(self.ratings.items()):
            for k, text in enumerate((self._title(c), f"{v:g}", _two(out.get(c)))):
                item = QtWidgets.QTableWidgetItem(text)
                if k:
                    item.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, k, item)
        self._update_buttons()

    def _update_buttons(self):
        has = bool(self.ratings)
        self.remove_button.setEnabled(has)
        self.clear_button.setEnabled(has)
        self.add_button.setEnabled(has and self.orientation == "user")

    def _show(self, view):
        self.view = view
        self._refresh_table()
        if view is None:
            self._rows = []
            self.recs.clear()
            self.mine.setData(x=[], y=[])
            self.theirs.setData(x=[], y=[])
            self.note.setText("Rate a few movies: the trained network reads your ratings at once, without training.")
            self.codePlaced.emit(None)
            self.moviesMarked.emit([], [])
            return
        order = view.by_rating
        x = np.arange(order.size)
        self.mine.setData(x=x, y=view.values[order])
        out = view.output_at_rated[order]
        ok = np.isfinite(out)
        self.theirs.setData(x=x[ok], y=out[ok])
        self.plot.getPlotItem().setXRange(-0.5, max(order.size, 1) - 0.5, padding=0.02)
        titles = self.dataset.movie_titles
        self._rows, parts = [], []
        for rank, (c, p, raw, ex) in enumerate(zip(view.items.tolist(), view.predicted.tolist(), view.raw.tolist(),
                                                  view.explanations), 1):
            reasons = sorted(ex.up + ex.down, key=lambda r: -abs(r.contribution))[:3]
            lines = [f"because you rated {titles[r.column]} {r.rating:g}: {r.contribution:+.3f}" for r in reasons]
            shown = f"{p:.2f}" if np.isfinite(p) else fmt(p)
            self._rows.append((f"{rank}. {titles[c]}", shown, lines))
            why = "".join(f'<br>&nbsp;&nbsp;<span style="color:{"#1e7828" if r.contribution > 0 else "#be281e"}">'
                          f"{html.escape(t)}</span>" for r, t in zip(reasons, lines))
            parts.append(f'<p style="margin:0 0 4px 0"><b>{rank}.</b> <a href="movie:{c}">{html.escape(titles[c])}</a>'
                         f' &nbsp;<b>{shown}</b> <span style="color:#777">(raw {fmt(raw)})</span>{why}</p>')
        if not view.items.size:
            self._rows = [("(no movie passes the filters)", "", [])]
            parts = ["<p><i>No movie passes the filters.</i></p>"]
        self.recs.setHtml("<b>Recommended for you</b>" + "".join(parts))
        binary = ("On like/dislike data a dislike (0) is the same input as not rated: only likes move "
                  "the network. " if self.dataset.scale.kind == "binary" else "")
        self.note.setText(f"Read by {view.method}: {view.note}. Each reason: {view.explanation_method} "
                          f"(raw output). {binary}")
        self.codePlaced.emit(None if view.code_xy is None else tuple(float(v) for v in view.code_xy))
        self.moviesMarked.emit(view.columns, view.items)

    def recommended(self) -> list[tuple[str, str]]:
        """("rank. title", predicted) of the recommendations shown (for tests and scripts)."""
        return [(t, p) for t, p, _ in self._rows]

    def reasons(self, index: int) -> list[str]:
        """The reason lines under recommendation `index`."""
        return list(self._rows[index][2])

    @QtCore.Slot(QtCore.QUrl)
    def _rec_clicked(self, url):
        if url.scheme() == "movie":
            self.movieActivated.emit(int(url.path()))

    # ------------------------------------------------------------------------------ adding
    @QtCore.Slot()
    def add_to_data(self):
        """Only when asked: the profile becomes a new user; the network continues from its weights."""
        if not self.ratings or self.dataset is None:
            return
        self.bridge.call(ADD_TAG, _saved_job)

    def _continue_with(self, saved):
        data, user = with_new_user(self.dataset, list(self.ratings), list(self.ratings.values()))
        self.note.setText(f"Added your {len(self.ratings)} ratings as user {user}; training continues from "
                          f"the current weights.")
        self.bridge.restore(ADD_TAG + "-restored", saved, data)


def install(window) -> ProfilePanel:
    """The "You" dock (tabbed with Recommendations), File > Open/Save profile, the Code panel's
    marker; returns the panel."""
    from .panels.codes import CodePanel
    panel = ProfilePanel(window.bridge, window)
    beside = next((d for d in window.docks if d.windowTitle() == "Recommendations"), None)
    dock = add_dock(window, "You", panel, RIGHT, beside)
    window.bridge.rebuilt.connect(panel.set_dataset)
    for p in window.panels:
        if isinstance(p, CodePanel):
            panel.codePlaced.connect(p.mark_profile)
    panel.movieActivated.connect(window.select_movie)

    file_menu = menu_named(window, "&File")
    quit_action = next((a for a in file_menu.actions() if a.text() == "&Quit"), None) if file_menu else None

    def open_profile():
        path, _ = QtWidgets.QFileDialog.getOpenFileName(window, "Open profile", "", "Profiles (*.json);;All files (*)")
        if path:
            error = panel.open_file(path)
            if error:
                window.show_error("Could not open the profile", error)
            else:
                dock.show()
                dock.raise_()

    def save_profile():
        path, _ = QtWidgets.QFileDialog.getSaveFileName(window, "Save profile", "profile.json",
                                                        "Profiles (*.json)")
        if path:
            error = panel.save_file(path)
            if error:
                window.show_error("Could not save the profile", error)
    if file_menu is not None:
        opener = QtGui.QAction("Open &profile…", window)
        opener.setToolTip("Open your ratings (a profile JSON file) in the You panel")
        opener.triggered.connect(open_profile)
        saver = QtGui.QAction("Save p&rofile…", window)
        saver.setToolTip("Save the You panel's ratings as a small JSON file")
        saver.triggered.connect(save_profile)
        file_menu.insertActions(quit_action, [opener, saver])
        file_menu.insertSeparator(quit_action)
    if window.dataset is not None:
        panel.set_dataset(window.dataset, window.config)
    return panel
