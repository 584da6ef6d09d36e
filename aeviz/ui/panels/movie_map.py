"""A map of the movies: every movie placed by what the network learned about it (engine/movie_map.py).

The worker builds the map (`extras["movie_map"]`: the PCA places, each axis's explained share,
the unit vectors for cosine neighbours) and the marks of the user the Recommendations panel shows
(`extras["movie_marks"]`); this panel draws them. One scatter item per genre keeps 27,000 movies
a handful of items; hovering asks the map for the movie's nearest neighbours (one matrix-vector
product in the engine), drawn as lines to them and listed below the plot.
"""
from __future__ import annotations

import functools

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from ..paced import Paced
from ..ranges import FollowData
from .base import Panel, Placeholder, esc

# 20 distinct colours (Tableau 20, strong shades first): ML-100k has 19 primary genres
GENRE_COLOURS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
                 (140, 86, 75), (227, 119, 194), (188, 189, 34), (23, 190, 207), (57, 59, 121),
                 (174, 199, 232), (255, 187, 120), (152, 223, 138), (255, 152, 150), (197, 176, 213),
                 (196, 156, 148), (247, 182, 210), (219, 219, 141), (158, 218, 229), (99, 121, 57)]
NO_GENRE = (150, 150, 150)
RATED = (30, 30, 30)
RECOMMENDED = (230, 170, 0)
FOUND = (220, 20, 60)
YOU = (0, 150, 136)  # the You profile's marks: the same shapes as the user's, in their own colour
HOVER = (0, 90, 200)
POINT = 6  # px
MAX_TITLE = 34  # characters of a title written on the map
MIN_RATINGS = 10  # default floor: a movie with fewer training ratings keeps most of its random start

NOTE = ("<b>Look for:</b> genres gathering and sequels pairing up as training goes on; the "
        "recommendations (\u2605) among the movies the user rated (\u25cb). Neighbours are nearest "
        "in the network's full space, so the flat map may show them apart.")
TIP = ("Every movie as the network sees it: for a user-based model the decoder's weights that "
       "write its predicted rating (movies liked by the same users get similar weights), for an "
       "item-based model its code. PCA flattens those vectors to 2-D; each axis says how much of "
       "their spread it keeps. Hover a movie for its five nearest neighbours (cosine similarity "
       "in all dimensions); click one, or type a title, to ring it.")


@functools.lru_cache(maxsize=64)
def _brush(*rgba):
    return pg.mkBrush(*rgba)  # the same objects every draw (pyqtgraph's symbol atlas keys on id)


@functools.lru_cache(maxsize=64)
def _pen(*rgba, width=1.0):
    return pg.mkPen(*rgba, width=width)


def text_label(style: str, text: str = "") -> QtWidgets.QLabel:
    """A wrapping rich-text line of the panel."""
    label = QtWidgets.QLabel(text)
    label.setTextFormat(QtCore.Qt.TextFormat.RichText)
    label.setWordWrap(True)
    label.setStyleSheet(style)
    return label


def short(title: str) -> str:
    return title if len(title) <= MAX_TITLE else title[:MAX_TITLE - 1] + "\u2026"


class MovieMapPanel(Panel):
    """Scatter of every movie by genre; the selected user's rated (ring) and recommended (star)
    movies; hover for a movie's 5 nearest neighbours; the search field (or `highlight_movie`)
    marks one movie."""

    extras_keys = ("movie_map", "movie_marks")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.header = text_label("")
        self.header.setToolTip(TIP)
        self.search = QtWidgets.QLineEdit()
        self.search.setObjectName("movie_map_search")
        self.search.setPlaceholderText("Find a movie\u2026")
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip("Type part of a title and press Enter: the movie is ringed on the map")
        self.search.returnPressed.connect(self._search_entered)
        self.completer = QtWidgets.QCompleter([], self.search)
        self.completer.setCaseSensitivity(QtCore.Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(QtCore.Qt.MatchFlag.MatchContains)
        self.completer.activated.connect(self._search_entered)
        self.search.setCompleter(self.completer)
        self.floor = QtWidgets.QSpinBox()
        self.floor.setObjectName("movie_map_min_ratings")
        self.floor.setRange(0, 100000)
        self.floor.setValue(MIN_RATINGS)
        self.floor.setPrefix("\u2265 ")
        self.floor.setSuffix(" ratings")
        self.floor.setToolTip("Movies with fewer training ratings are drawn faint and are nobody's "
                              "neighbour: with a handful of ratings a movie keeps nearly its random "
                              "starting weights, so its place says little")
        self.floor.valueChanged.connect(self._floor_changed)
        tools = QtWidgets.QHBoxLayout()
        tools.addWidget(QtWidgets.QLabel("neighbours with"))
        tools.addWidget(self.floor)
        tools.addWidget(self.search, 1)
        self.key = text_label("font-size: 7.5pt;")
        self.key.setToolTip("Colour: the movie's (first) genre. Marks: the user the Recommendations "
                            "panel shows (black ring, gold star) and, in teal, your own profile from "
                            "the You panel (diamond: rated by you, star: recommended to you)")

        self.plot = pg.PlotWidget(background="w")
        self.plot.setMenuEnabled(False)
        pi = self.plot.getPlotItem()
        pi.hideButtons()
        pi.showGrid(x=True, y=True, alpha=0.15)
        for ax in ("left", "bottom"):
            pi.getAxis(ax).enableAutoSIPrefix(False)
        self.range = FollowData(pi.getViewBox())
        self.groups: list[pg.ScatterPlotItem] = []
        self.rare = pg.ScatterPlotItem(size=POINT - 2, pen=None, brush=_brush(170, 170, 170, 110))
        self.rare.setZValue(-1)
        self.rare.sigClicked.connect(self._clicked)
        pi.addItem(self.rare)
        # the user's movies above the genres; the hover and the found movie above everything
        self.rated = pg.ScatterPlotItem(size=POINT + 5, symbol="o", brush=None, pen=_pen(*RATED, width=1.3))
        self.recommended = pg.ScatterPlotItem(size=POINT + 12, symbol="star", brush=_brush(*RECOMMENDED, 235),
                                              pen=_pen(90, 60, 0, width=1.0))
        self.you_rated = pg.ScatterPlotItem(size=POINT + 7, symbol="d", brush=None, pen=_pen(*YOU, width=1.8))
        self.you_recommended = pg.ScatterPlotItem(size=POINT + 12, symbol="star", brush=_brush(*YOU, 235),
                                                  pen=_pen(0, 70, 60, width=1.0))
        self.links = pg.PlotCurveItem(connect="pairs", pen=_pen(*HOVER, 170, width=1.5))
        self.near = pg.ScatterPlotItem(size=POINT + 5, symbol="o", brush=_brush(255, 255, 255, 0),
                                       pen=_pen(*HOVER, width=2.0))
        self.hovered = pg.ScatterPlotItem(size=POINT + 10, symbol="o", brush=None, pen=_pen(*HOVER, width=2.5))
        self.found = pg.ScatterPlotItem(size=POINT + 18, symbol="o", brush=None, pen=_pen(*FOUND, width=3.0))
        for z, item in enumerate((self.rated, self.recommended, self.you_rated, self.you_recommended, self.links, self.near, self.hovered, self.found)):
            item.setZValue(10 + z)
            pi.addItem(item)
        self.labels = []  # the hovered movie, its neighbours and the found movie, by name
        for k in range(7):
            colour = FOUND if k == 6 else HOVER
            t = pg.TextItem(color=colour, anchor=(0, 1), fill=_brush(255, 255, 255, 200))
            t.setZValue(30)
            pi.addItem(t)
            t.hide()
            self.labels.append(t)
        self.plot.scene().sigMouseMoved.connect(self._mouse_moved)
        self.info = text_label("font-size: 8pt;")
        self.info.setObjectName("movie_map_hover")
        self.info.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note = text_label("color: #555; font-size: 8pt;", NOTE)
        self.note.setToolTip(TIP)
        self.empty = Placeholder("Train a few steps to see the map: every movie placed by the network's "
                                 "weights for it, similar movies close together.")
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.header)
        lay.addLayout(tools)
        lay.addWidget(self.key)
        lay.addWidget(self.empty)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.info)
        lay.addWidget(self.note)
        self.plot.hide()
        self.map = None
        self.marks = None
        self.profile = None  # the You profile's {"rated", "recommended"} columns (mark_profile)
        self._hover = None
        self._found = None
        self._titles_for = None
        self._genre_key = ""
        # a new map waits until 4 times the last map's drawing time has passed (27,000 movies take
        # ~0.3 s to place again: at most about a fifth of the GUI thread); share 0 draws every map
        self.placing = Paced(self._place, share=4.0, cheap=0.0, parent=self)

    # ------------------------------------------------------------------------ the window's calls
    def new_run(self):
        self.range.restart()

    def dataset_changed(self):
        self.map = self.marks = None
        self.placing.cancel()
        self._hover = self._found = None
        for item in self.groups:
            item.clear()
        for item in (self.rare, self.rated, self.recommended, self.you_rated, self.you_recommended, self.near,
                     self.hovered, self.found):
            item.clear()
        self.links.setData(x=np.zeros(0), y=np.zeros(0))
        for t in self.labels:
            t.hide()
        self.info.setText("")
        self.key.setText("")
        self.range.restart()
        self.plot.hide()
        self.empty.show()
        self._fill_completer()

    def draw(self, snapshot, extras):
        m = extras.get("movie_map")
        if m is None:
            return
        self.marks = extras.get("movie_marks")  # they still match an older map of the same movies
        if m is not self.map:
            self.placing.offer(m, now=self.map is None or m.n_movies != self.map.n_movies)
        self._draw_marks()
        self._draw_hover()
        self._draw_found()
        self.empty.hide()
        self.plot.show()

    def _place(self, m):
        """Place the movies of map `m` (Paced calls it, at once or at its turn)."""
        if m is self.map:
            return
        self.map = m
        self._draw_movies()
        self._draw_marks()
        self._draw_hover()
        self._draw_found()

    # --------------------------------------------------------------------------- public views
    def highlight_movie(self, index: int | None):
        """Ring movie `index` (a column of the ratings) and name it on the map; None clears."""
        n = self.ratings.n_items if self.ratings is not None else 0
        self._found = int(index) if index is not None and 0 <= int(index) < n else None
        self._draw_found()
        if self._found is not None:
            self.hover_movie(self._found)

    def mark_profile(self, rated=None, recommended=None):
        """Mark the You profile's rated and recommended movies (columns), beside the selected
        user's marks and in their own colour; no movies clears them."""
        have = rated is not None and len(rated) or recommended is not None and len(recommended)
        self.profile = {"rated": np.asarray(rated if rated is not None else [], dtype=np.int64),
                        "recommended": np.asarray(recommended if recommended is not None else [], dtype=np.int64)
                        } if have else None
        self._draw_marks()

    def hover_movie(self, index: int | None):
        """Show movie `index` as hovered: its title and its nearest neighbours (lines and list)."""
        self._hover = None if index is None else int(index)
        self._draw_hover()

    @property
    def found_movie(self) -> int | None:
        return self._found

    def hover_text(self) -> str:
        """The hover's text below the map, as plain text."""
        return QtGui.QTextDocumentFragment.fromHtml(self.info.text()).toPlainText()

    def axis_titles(self) -> tuple[str, str]:
        pi = self.plot.getPlotItem()
        return pi.getAxis("bottom").labelText, pi.getAxis("left").labelText

    def genre_colours(self) -> dict:
        """{genre name: (r, g, b)} of the genres drawn now."""
        m = self.map
        if m is None or m.genre is None:
            return {}
        return {name: GENRE_COLOURS[k % len(GENRE_COLOURS)] for k, name in enumerate(m.genre_names)
                if self.groups[k].data.size}

    def marked(self, you: bool = False) -> dict:
        """{"rated": [...], "recommended": [...]} movie indices marked now: the selected user's,
        or with `you` the You profile's."""
        rated, rec = (self.you_rated, self.you_recommended) if you else (self.rated, self.recommended)
        return {"rated": [int(d) for d in rated.data["data"]], "recommended": [int(d) for d in rec.data["data"]]}

    def screen_pos(self, index: int) -> QtCore.QPoint:
        """Where movie `index` is drawn, in the plot widget's viewport coordinates (tests hover it)."""
        x, y = self.map.xy[int(index)]
        scene = self.plot.getPlotItem().getViewBox().mapViewToScene(QtCore.QPointF(float(x), float(y)))
        return self.plot.mapFromScene(scene)

    # ------------------------------------------------------------------------------- drawing
    def _draw_movies(self):
        m = self.map
        xy = np.asarray(m.xy)
        ok = np.isfinite(xy).all(axis=1)
        movies = np.arange(m.n_movies)
        genre = np.asarray(m.genre) if m.genre is not None else np.full(m.n_movies, -1)
        names = list(m.genre_names)
        self._ensure_groups(len(names) + 1)
        rare = ok & self._rare()
        self.rare.setData(x=xy[rare, 0], y=xy[rare, 1], data=movies[rare])
        key = []
        for g, item in enumerate(self.groups):
            code = g if g < len(names) else -1
            sel = ok & ~rare & (genre == code) if g <= len(names) else np.zeros(m.n_movies, bool)
            item.setData(x=xy[sel, 0], y=xy[sel, 1], data=movies[sel])
            if sel.any() and names and g <= len(names):
                rgb = GENRE_COLOURS[g % len(GENRE_COLOURS)] if code >= 0 else NO_GENRE
                label = names[g] if code >= 0 else "no genre"
                key.append(f"<span style='color:rgb{tuple(rgb)}'>\u25cf</span>&nbsp;{esc(label)}")
        if rare.any():
            key.append(f"<span style='color:#aaa'>\u25cf</span>&nbsp;{int(rare.sum())} with fewer than "
                       f"{self.floor.value()} ratings")
        self._genre_key = " &nbsp; ".join(key)
        pi = self.plot.getPlotItem()
        e1, e2 = m.explained
        pi.setLabel("bottom", f"PC1 ({e1:.0%} of variance)")
        pi.setLabel("left", f"PC2 ({e2:.0%} of variance)")
        if m.source == "decoder":
            what = f"its {m.dims} decoder weights{' (with the bias)' if m.with_bias else ''}"
        else:
            what = f"its code ({m.dims} encoder units)"
        self.header.setText(f"<b>{int(ok.sum())} movies</b> placed by {what}, PCA to 2-D. "
                            f"Hover a movie for its nearest neighbours.")
        self.range.show(xy[:, 0], xy[:, 1])
        if self._titles_for is not self.ratings:
            self._fill_completer()

    def _draw_marks(self):
        m = self.map
        lines = []
        for mk, (rated, rec), (ring, star, colour) in (
                (self.marks, (self.rated, self.recommended), ("\u25cb", "\u2605", RATED)),
                (self.profile, (self.you_rated, self.you_recommended), ("\u25c7", "\u2605", YOU))):
            if not mk or m is None:
                rated.clear()
                rec.clear()
                continue
            xy = np.asarray(m.xy)
            for item, which in ((rated, "rated"), (rec, "recommended")):
                idx = np.asarray(mk[which], dtype=np.int64)
                idx = idx[(idx >= 0) & (idx < m.n_movies)]
                idx = idx[np.isfinite(xy[idx]).all(axis=1)]
                item.setData(x=xy[idx, 0], y=xy[idx, 1], data=idx)
            who = self._who(mk)
            star_colour = RECOMMENDED if colour == RATED else colour
            lines.append(f"<span style='color:rgb{colour}'>{ring}</span>&nbsp;rated by {who} ({len(rated.data)}) "
                         f"&nbsp; <span style='color:rgb{star_colour}'>{star}</span>&nbsp;recommended to {who} "
                         f"({len(rec.data)})")
        if self.map is not None and self._genre_key:
            lines.append(self._genre_key)
        self.key.setText("<br>".join(lines))

    def _who(self, mk) -> str:
        """Whose marks `mk` are, for the key: the You profile's, or the selected user's."""
        if mk is self.profile:
            return "you"
        return esc(mk.get("label") or self.user_label(mk["user"]))

    def _draw_hover(self):
        m, i = self.map, self._hover
        if m is None or i is None or not 0 <= i < m.n_movies:
            self.hovered.clear()
            self.near.clear()
            self.links.setData(x=np.zeros(0), y=np.zeros(0))
            for t in self.labels[:6]:
                t.hide()
            self.info.setText("")
            return
        floor = self.floor.value()
        rows, sims = m.neighbours(i, min_ratings=floor)
        xy = np.asarray(m.xy)
        here = xy[i]
        genre = self.genre_of(i)
        count = f" \u00b7 {int(m.counts[i])} ratings" if m.counts is not None else ""
        lines = [f"<b>{esc(self.title_of(i))}</b>" + (f" \u00b7 {esc(genre)}" if genre else "") + count
                 + self._user_note(i)]
        among = f", among movies with \u2265 {floor} ratings" if floor > 0 and m.counts is not None else ""
        if len(rows):
            near = ", ".join(f"{k + 1}. {esc(self.title_of(int(r)))} <span style='color:#777'>{s:.2f}</span>"
                             for k, (r, s) in enumerate(zip(rows, sims)))
            lines.append(f"Nearest (cosine in all {m.dims} dimensions{among}): {near}")
        elif np.asarray(m.unit)[i].any():
            lines.append(f"No neighbours{among}.")
        else:
            lines.append("No neighbours: the network has no vector for this movie (not finite).")
        self.info.setText("<br>".join(lines))
        if not np.isfinite(here).all():
            self.hovered.clear()
            self.near.clear()
            self.links.setData(x=np.zeros(0), y=np.zeros(0))
            return
        self.hovered.setData(x=[here[0]], y=[here[1]], data=[i])
        pts = xy[rows]
        pts = pts[np.isfinite(pts).all(axis=1)]
        self.near.setData(x=pts[:, 0], y=pts[:, 1])
        pairs = np.empty((2 * len(pts), 2))
        pairs[0::2] = here
        pairs[1::2] = pts
        self.links.setData(x=pairs[:, 0], y=pairs[:, 1])
        if i != self._found:  # the found movie is named in red already
            self._label(self.labels[0], here, self.title_of(i), bold=True)
        else:
            self.labels[0].hide()
        for k, t in enumerate(self.labels[1:6]):  # numbered as in the list below the map
            if k < len(rows) and np.isfinite(xy[rows[k]]).all():
                self._label(t, xy[rows[k]], str(k + 1))
            else:
                t.hide()

    def _draw_found(self):
        m, i, t = self.map, self._found, self.labels[6]
        if m is None or i is None or i >= m.n_movies or not np.isfinite(m.xy[i]).all():
            self.found.clear()
            t.hide()
            return
        self.found.setData(x=[m.xy[i][0]], y=[m.xy[i][1]], data=[i])
        self._label(t, m.xy[i], self.title_of(i), bold=True)
        if self._hover == i:
            self.labels[0].hide()

    def _label(self, t, xy, text, bold=False):
        t.setHtml(f"<span style='font-size:{8.5 if bold else 7.5}pt'>{'<b>' if bold else ''}{esc(short(text))}"
                  f"{'</b>' if bold else ''}</span>")
        # written on the side facing the middle of the view, so a movie at the edge keeps its name
        (x0, x1), (y0, y1) = self.plot.getPlotItem().getViewBox().viewRange()
        t.setAnchor((0 if xy[0] <= (x0 + x1) / 2 else 1, 1 if xy[1] <= (y0 + y1) / 2 else 0))
        t.setPos(float(xy[0]), float(xy[1]))
        t.show()

    def _user_note(self, i) -> str:
        notes = []
        for mk, colour, ring in ((self.marks, RECOMMENDED, "\u25cb"), (self.profile, YOU, "\u25c7")):
            if not mk:
                continue
            who = self._who(mk)
            if i in set(int(r) for r in mk["recommended"]):
                notes.append(f" \u00b7 <span style='color:rgb{colour}'>\u2605</span> recommended to {who}")
            elif i in set(int(r) for r in mk["rated"]):
                notes.append(f" \u00b7 {ring} rated by {who}")
        return "".join(notes)

    def _ensure_groups(self, n):
        pi = self.plot.getPlotItem()
        while len(self.groups) < n:
            item = pg.ScatterPlotItem(size=POINT, pen=None)
            item.sigClicked.connect(self._clicked)
            pi.addItem(item)
            self.groups.append(item)
        names = self.map.genre_names if self.map is not None else ()
        for k, item in enumerate(self.groups):
            rgb = GENRE_COLOURS[k % len(GENRE_COLOURS)] if k < len(names) else NO_GENRE
            item.setBrush(_brush(*rgb, 200))

    # ------------------------------------------------------------------------------ the mouse
    def _mouse_moved(self, scene_pos):
        if self.map is None:
            return
        vb = self.plot.getPlotItem().getViewBox()
        if not vb.sceneBoundingRect().contains(scene_pos):
            return
        pos = vb.mapSceneToView(scene_pos)
        for item in list(reversed(self.groups)) + [self.rare]:
            pts = item.pointsAt(pos)
            if len(pts):
                movie = int(pts[0].data())
                if movie != self._hover:
                    self.hover_movie(movie)
                return

    def _clicked(self, item, points, event=None):
        if len(points):
            self.highlight_movie(int(points[0].data()))

    def _rare(self) -> np.ndarray:
        """Movies under the ratings floor (none when the counts are unknown)."""
        m = self.map
        if m is None or m.counts is None:
            return np.zeros(0 if m is None else m.n_movies, bool)
        return np.asarray(m.counts) < self.floor.value()

    def _floor_changed(self, _value):
        if self.map is not None:
            self._draw_movies()
            self._draw_marks()
            self._draw_hover()

    # ----------------------------------------------------------------------------- the search
    def _fill_completer(self):
        self._titles_for = self.ratings
        titles = [self.title_of(i) for i in range(self.ratings.n_items)] if self.ratings is not None else []
        self.completer.setModel(QtCore.QStringListModel(sorted(set(titles), key=str.lower), self.completer))

    def find_movie(self, text: str) -> int | None:
        """The movie whose title is `text` (any case), else the first whose title contains it."""
        text = str(text).strip().lower()
        if not text or self.ratings is None:
            return None
        titles = [self.title_of(i).lower() for i in range(self.ratings.n_items)]
        exact = [i for i, t in enumerate(titles) if t == text]
        if exact:
            return exact[0]
        return next((i for i, t in enumerate(titles) if text in t), None)

    def search_for(self, text: str) -> int | None:
        """Ring the movie `find_movie(text)` finds (and show its neighbours); say so if none."""
        found = self.find_movie(text)
        self.highlight_movie(found)
        if found is None and str(text).strip():
            self.info.setText(f"No movie title contains \u201c{esc(str(text).strip())}\u201d.")
        return found

    def _search_entered(self, text=None):
        self.search_for(self.search.text() if not isinstance(text, str) else text)
