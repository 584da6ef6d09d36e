"""Find anything: a search box (Ctrl+F) over movie titles and user ids, with completion.

Choosing an entry selects that movie or user everywhere, through the window's own selection
(`MainWindow.select_movie` / `select_user`). `MovieNames` is the one mapping between the text
shown and a movie column (or a user row), shared with the You and What if docks' own fields.

Speed: Qt's own contains-match over a QStringListModel costs 40-90 ms a keystroke on ML-20M's
27,000 titles (and 200 ms with its 138,000 users). `MovieNames.matches` instead scans lower-cased
titles with Python's substring test and stops at `LIMIT` hits (about 2 ms for 27,000 titles), and
finds users only when the text starts with "user", by prefix in a sorted list (a bisection):
`NameCompleter` shows just those hits (benchmarks/profile_speed.py --search).
"""
from __future__ import annotations

import bisect
import itertools

from PySide6 import QtCore, QtGui, QtWidgets

LIMIT = 50  # completions shown at once


class MovieNames:
    """Completion texts of a dataset's movies (a title, with its id where titles repeat) and users."""

    def __init__(self, dataset=None, with_users: bool = False):
        self.movies: list[str] = []
        self._lower: list[str] = []
        self._column: dict[str, int] = {}
        self._user_row: dict[str, int] = {}
        self._user_keys: list[str] = []  # the user texts, sorted: prefixes found by bisection
        if dataset is None:
            return
        titles = list(dataset.movie_titles)
        ids = dataset.item_ids.tolist()
        seen: dict[str, int] = {}
        for t in titles:
            seen[t] = seen.get(t, 0) + 1
        for col, (t, i) in enumerate(zip(titles, ids)):
            text = t if seen[t] == 1 and t else f"{t} [id {i}]"
            self._column[text] = col
        self.movies = list(self._column)
        self._lower = [t.casefold() for t in self.movies]
        if with_users:
            for row, u in enumerate(dataset.user_ids.tolist()):
                self._user_row[f"user {u}".casefold()] = row
            self._user_keys = sorted(self._user_row)

    @property
    def users(self) -> list[str]:
        return list(self._user_row)

    def matches(self, text: str, limit: int = LIMIT) -> list[str]:
        """Up to `limit` completions of `text`: users by prefix when it starts with "user",
        else titles containing it (case-insensitively), those starting with it first."""
        key = " ".join(text.casefold().split())
        if not key:
            return []
        if key.startswith("user") and self._user_keys:
            at = bisect.bisect_left(self._user_keys, key)
            hits = itertools.takewhile(lambda u: u.startswith(key), self._user_keys[at:])
            return list(itertools.islice(hits, limit))
        contain = (k for k, low in enumerate(self._lower) if key in low)
        found = list(itertools.islice(contain, 4 * limit))
        found.sort(key=lambda k: not self._lower[k].startswith(key))
        return [self.movies[k] for k in found[:limit]]

    def column(self, text: str):
        """The movie column of a completion text (or of a title typed in full), or None."""
        return self._column.get(text.strip())

    def user_row(self, text: str):
        return self._user_row.get(" ".join(text.casefold().split()))

    def text_of(self, column: int) -> str:
        for t, c in self._column.items():
            if c == column:
                return t
        return str(column)


class NameCompleter(QtWidgets.QCompleter):
    """Completion of a line edit from `MovieNames.matches`, refilled on every keystroke."""

    def __init__(self, line_edit: QtWidgets.QLineEdit, names: MovieNames):
        super().__init__(line_edit)
        self.names = names
        self.hits = QtCore.QStringListModel(self)
        self.setModel(self.hits)
        self.setCompletionMode(QtWidgets.QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.setMaxVisibleItems(12)
        self.line_edit = line_edit
        line_edit.setCompleter(self)
        line_edit.textEdited.connect(self.refill)

    @QtCore.Slot(str)
    def refill(self, text: str):
        self.hits.setStringList(self.names.matches(text))
        if self.hits.rowCount():
            self.complete()
        else:
            self.popup().hide()


class SearchBox(QtWidgets.QLineEdit):
    """The toolbar's search field; `movieChosen(column)` / `userChosen(row)` when an entry is
    picked (from the popup, or typed in full and Enter)."""

    movieChosen = QtCore.Signal(int)
    userChosen = QtCore.Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("search")
        self.setPlaceholderText("Find a movie or user (Ctrl+F)")
        self.setClearButtonEnabled(True)
        self.setFixedWidth(260)  # the menu bar's corner places a widget by its size hint
        self.names = MovieNames()
        self._dataset = None
        self.completions = NameCompleter(self, self.names)
        self.completions.activated[str].connect(self.choose)
        self.returnPressed.connect(self._chosen_text)

    def set_dataset(self, dataset, config=None):
        if dataset is None or dataset is self._dataset:
            return
        self._dataset = dataset
        self.names = self.completions.names = MovieNames(dataset, with_users=True)

    def sizeHint(self):
        return QtCore.QSize(260, super().sizeHint().height())

    @QtCore.Slot()
    def take_focus(self):
        self.setFocus(QtCore.Qt.FocusReason.ShortcutFocusReason)
        self.selectAll()

    @QtCore.Slot()
    def _chosen_text(self):
        self.choose(self.text())

    @QtCore.Slot(str)
    def choose(self, text: str) -> bool:
        """Select what `text` names; False (and a status message) if nothing."""
        col = self.names.column(text)
        if col is not None:
            self.movieChosen.emit(col)
            return True
        row = self.names.user_row(text)
        if row is not None:
            self.userChosen.emit(row)
            return True
        return False


def install(window) -> SearchBox:
    """Put the search box in the menu bar's right corner (always shown: a toolbar hides what does
    not fit in its overflow menu), Ctrl+F to focus it."""
    box = SearchBox(window)
    window.menuBar().setCornerWidget(box, QtCore.Qt.Corner.TopRightCorner)
    act = QtGui.QAction("Find a movie or user", window)
    act.setShortcut(QtGui.QKeySequence.StandardKey.Find)
    act.triggered.connect(box.take_focus)
    window.addAction(act)
    box.movieChosen.connect(window.select_movie)
    box.userChosen.connect(window.select_user)
    window.bridge.rebuilt.connect(box.set_dataset)  # (dataset, config): a slot taking the first
    if window.dataset is not None:
        box.set_dataset(window.dataset)
    return box
