"""Find anything: a search box (Ctrl+F) over movie titles and user ids, with completion.

Choosing an entry selects that movie or user everywhere, through the window's own selection
(`MainWindow.select_movie` / `select_user`). The completer filters a QStringListModel in C++
(Qt's own contains-match), so ML-20M's 27,000 titles and 138,000 users stay instant; the entries
are built once per dataset. `MovieNames` is the one mapping between the text shown and a movie
column, shared with the "You" panel's own search.
"""
from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets


class MovieNames:
    """Completion texts of a dataset's movies (a title, with its id where titles repeat) and users."""

    def __init__(self, dataset=None, with_users: bool = False):
        self.movies: list[str] = []
        self._column: dict[str, int] = {}
        self._user_row: dict[str, int] = {}
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
        if with_users:
            for row, u in enumerate(dataset.user_ids.tolist()):
                self._user_row[f"user {u}"] = row

    @property
    def users(self) -> list[str]:
        return list(self._user_row)

    def column(self, text: str):
        """The movie column of a completion text (or of a title typed in full), or None."""
        return self._column.get(text.strip())

    def user_row(self, text: str):
        return self._user_row.get(text.strip())

    def text_of(self, column: int) -> str:
        for t, c in self._column.items():
            if c == column:
                return t
        return str(column)


def completer(parent, texts) -> QtWidgets.QCompleter:
    """A contains-match, case-insensitive popup completer over `texts`."""
    c = QtWidgets.QCompleter(parent)
    c.setModel(QtCore.QStringListModel(list(texts), c))
    c.setCaseSensitivity(QtCore.Qt.CaseInsensitive)
    c.setFilterMode(QtCore.Qt.MatchContains)
    c.setCompletionMode(QtWidgets.QCompleter.PopupCompletion)
    c.setMaxVisibleItems(12)
    return c


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
        self.setMaximumWidth(320)
        self.names = MovieNames()
        self._dataset = None
        self.returnPressed.connect(self._chosen_text)

    def set_dataset(self, dataset, config=None):
        if dataset is None or dataset is self._dataset:
            return
        self._dataset = dataset
        self.names = MovieNames(dataset, with_users=True)
        c = completer(self, self.names.movies + self.names.users)
        c.activated[str].connect(self.choose)
        self.setCompleter(c)

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
    """Put the search box at the end of the training toolbar, Ctrl+F to focus it."""
    box = SearchBox(window)
    window.toolbar.addSeparator()
    window.toolbar.addWidget(box)
    act = QtGui.QAction("Find a movie or user", window)
    act.setShortcut(QtGui.QKeySequence.Find)
    act.setShortcutContext(QtCore.Qt.ApplicationShortcut)
    act.triggered.connect(box.setFocus)
    act.triggered.connect(box.selectAll)
    window.addAction(act)
    box.movieChosen.connect(window.select_movie)
    box.userChosen.connect(window.select_user)
    window.bridge.rebuilt.connect(box.set_dataset)  # (dataset, config): a slot taking the first
    if window.dataset is not None:
        box.set_dataset(window.dataset)
    return box
