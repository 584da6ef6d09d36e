"""What every insight panel shares: the three calls the main window makes, and safe number text.

Panels only draw: they read `snapshot.extras` (computed in the worker by
`aeviz.engine.insights.compute_extras`) and the dataset's names; they never hold engine objects.
"""
from __future__ import annotations

import html

from PySide6 import QtCore, QtWidgets

from ..numbers import DASH


def esc(text) -> str:
    return html.escape(str(text))


def set_html_keeping_scroll(view, html: str, previous: str) -> str:
    """Replace a QTextBrowser's HTML only when it changed, keeping the reader's scroll position."""
    if html != previous:
        bar = view.verticalScrollBar()
        keep = bar.value()
        view.setHtml(html)
        bar.setValue(keep)
    return html


class Panel(QtWidgets.QWidget):
    """Base: remembers the dataset and the selected node; subclasses draw in `show_snapshot`."""

    userSelected = QtCore.Signal(int)
    nodeSelected = QtCore.Signal(int, int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.ratings = None
        self.split = None
        self.selected = (None, None)
        self.snapshot = None
        self._drawn = None
        self._extras_ref = None
        self._drawn_epoch = None
        self._stale = False

    def showEvent(self, event):
        super().showEvent(event)
        if self._stale and self.snapshot is not None:
            self.show_snapshot(self.snapshot)

    # the main window's three calls ------------------------------------------------------------
    def set_dataset(self, ratings, split=None):
        self.ratings = ratings
        self.split = split
        self.snapshot = None
        self._drawn = None
        self.dataset_changed()

    def set_selected_node(self, layer: int, index: int):
        self.selected = (int(layer), int(index))
        self.selection_changed()

    #: redraw on every snapshot, even when the worker's extras have not changed
    always_draw = False
    #: what one observation of the drawn model is: "user", or "item" (each movie an observation,
    #: whose entries are users: engine/orientation.py); read from the snapshot's extras
    orientation = "user"
    #: the extras this panel draws (None: all): a change elsewhere (a latent walk's records, ~30
    #: a second) then skips its redraw
    extras_keys: tuple | None = None

    def new_run(self):
        """A fresh network was built: a panel whose view keeps ranges or zoom forgets them here."""

    def show_snapshot(self, snapshot):
        """Draw `snapshot`; skipped when it carries the very extras already drawn (the worker
        refreshes them ~4 times a second while snapshots come at frame rate: painting the same
        thing again would only take time from training); only `extras_keys` count, if set."""
        self.snapshot = snapshot
        if not self.isVisible():  # a closed or tabbed-away dock: draw when shown again
            self._stale = True
            return
        self._stale = False
        extras = getattr(snapshot, "extras", None) or {}
        self.orientation = extras.get("orientation", self.orientation)
        keys = extras.keys() if self.extras_keys is None else self.extras_keys
        key = tuple(id(extras.get(k)) for k in keys)
        if extras and key == self._drawn and not self.always_draw:
            return
        self._drawn = key
        self._extras_ref = extras  # keeps those objects (and so their ids) alive
        self._drawn_epoch = snapshot.epoch
        self.draw(snapshot, extras)

    @property
    def drawn_epoch(self):
        """The epoch of the snapshot this panel last drew (None before any): a snapshot with the
        extras already drawn (a timeline drag's preview) does not change it."""
        return self._drawn_epoch

    # for subclasses ------------------------------------------------------------------------------
    def dataset_changed(self):
        pass

    def selection_changed(self):
        pass

    def draw(self, snapshot, extras: dict):
        raise NotImplementedError

    def title_of(self, item: int) -> str:
        titles = getattr(self.ratings, "titles", None)
        if titles is not None and 0 <= item < len(titles):
            return str(titles[item])
        return f"movie {item + 1}"

    def genre_of(self, item: int) -> str:
        genres = getattr(self.ratings, "genres", None)
        if genres and 0 <= item < len(genres):
            return str(genres[item] or "")
        return ""

    # an observation and its entries, whichever the orientation: a user and movies, or a movie and users
    @property
    def item_model(self) -> bool:
        return self.orientation == "item"

    def observation_label(self, row) -> str:
        return self.title_of(int(row)) if self.item_model and row is not None else self.user_label(row)

    def entry_label(self, i: int) -> str:
        return self.user_label(i) if self.item_model else self.title_of(i)

    def entry_genre(self, i: int) -> str:
        return "" if self.item_model else self.genre_of(i)

    @property
    def entries(self) -> str:
        """The plural noun of an observation's entries."""
        return "users" if self.item_model else "movies"

    def orientation_note(self) -> str:
        """A short phrase saying which orientation is shown ('' for the usual user-based one)."""
        return " (item-based model: each movie is an observation)" if self.item_model else ""

    def user_label(self, row) -> str:
        if row is None:
            return DASH
        ids = getattr(self.ratings, "user_ids", None)
        if ids is not None and 0 <= int(row) < len(ids):
            return f"user {ids[int(row)]}"
        return f"user row {int(row) + 1}"


class Placeholder(QtWidgets.QLabel):
    """A grey sentence shown where a plot has nothing to draw yet."""

    def __init__(self, text: str, parent=None):
        super().__init__(text, parent)
        self.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setStyleSheet("color: #888; padding: 12px;")
