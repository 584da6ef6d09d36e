"""The code (STEP 3's z): this user's bottleneck values, and where every user lands in code space.

Users who like the same kind of movie should gather as training proceeds: colouring each user by
their most-rated genre (or mean rating) makes that visible. One scatter item per genre costs a
handful of items however many users there are; the colours are named in a line of text above.
"""
from __future__ import annotations

import functools

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from ..ranges import FollowData
from .base import Panel, Placeholder, esc

PALETTE = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
           (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]
N_BINS = 32  # mean-rating colours
BARS_HEIGHT = 130  # px: the z strip's default height above the scatter


def unit_ticks(n: int, most: int = 12) -> list[int]:
    """Unit 1, then round multiples (5, 10, ... or 10, 20, ...): at most `most` labels that a
    reader can count on, not 1, 11, 21."""
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 10 ** 9) if n / s <= most)
    return [1] + [k for k in range(step, n + 1, step) if k > 1]


@functools.lru_cache(maxsize=64)
def _brush(*rgba):
    return pg.mkBrush(*rgba)


def _short(label, text, width=140):
    """A name on the interpolation slider, cut to `width` px (a long title keeps the slider
    usable); the whole name in its tooltip."""
    label.setText(label.fontMetrics().elidedText(text, QtCore.Qt.TextElideMode.ElideRight, width))
    label.setToolTip(text)


class CodePanel(Panel):
    """Left: z of the current user (bars). Right: every user's code, coloured by a property.

    Walk: with the Walk button down, a click or drag in the plane asks the decoder for the
    imaginary user at that point (imagineRequested); the slider walks from the current user to
    another; for a VAE, a code can be drawn from the prior. The worker answers with the
    Reconstruction and Recommendations panels' data for that user. For an item model the plane
    holds movies, and the same gestures imagine a movie (and the users it would please most)."""

    imagineRequested = QtCore.Signal(object)  # a walk spec (aeviz.engine.latent), or None
    extras_keys = ("codes", "user_property", "sampling", "row")  # not the walk's records

    def __init__(self, parent=None):
        super().__init__(parent)
        self.header = QtWidgets.QLabel()
        self.header.setWordWrap(True)
        self.colour_by = QtWidgets.QComboBox()
        self.colour_by.addItems(["most-rated genre", "mean rating"])
        self.colour_by.currentIndexChanged.connect(self._recolour)
        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.header, 1)
        top.addWidget(QtWidgets.QLabel("colour by"))
        top.addWidget(self.colour_by)
        self.walk = QtWidgets.QPushButton("Walk")
        self.walk.setObjectName("walk")
        self.walk.setCheckable(True)
        self.walk.setToolTip("Click or drag in the plane: the decoder imagines the user at that point "
                             "(Reconstruction and Recommendations show them)")
        self.walk.toggled.connect(self._walk_toggled)
        self.prior = QtWidgets.QPushButton("Sample z ~ N(0, I)")
        self.prior.setObjectName("sample_prior")
        self.prior.setToolTip("Variational: draw a code from the prior and decode it")
        self.prior.clicked.connect(self._sample_prior)
        self.prior.hide()
        self._draws = 0
        # interpolation: from the current user (0%) to user row `to_user` (100%)
        self.to_user = QtWidgets.QSpinBox()
        self.to_user.setObjectName("to_user")
        self.to_user.setPrefix("user row ")
        self.to_user.setMinimum(1)
        self.between = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.between.setObjectName("between")
        self.between.setRange(0, 100)
        self.between.setToolTip("Slide from the current user's code to the other user's: each step "
                                "decoded")
        self.between.valueChanged.connect(self._between_moved)
        # two short rows, so the panel fits a narrow dock: the buttons and the slide's target,
        # then the slide between the two named ends
        walk_row = QtWidgets.QHBoxLayout()
        walk_row.addWidget(self.walk)
        walk_row.addWidget(self.prior)
        walk_row.addStretch(1)
        walk_row.addWidget(QtWidgets.QLabel("slide to"))
        walk_row.addWidget(self.to_user)
        self.to_user.valueChanged.connect(self._name_target)
        between_row = QtWidgets.QHBoxLayout()
        self.from_name = QtWidgets.QLabel("current user")
        self.to_name = QtWidgets.QLabel("other user")
        between_row.addWidget(self.from_name)
        between_row.addWidget(self.between, 1)
        between_row.addWidget(self.to_name)

        self.bars_plot = pg.PlotWidget(background="w")
        self.bars_plot.setMenuEnabled(False)
        bp = self.bars_plot.getPlotItem()
        bp.hideButtons()
        bp.setLabel("left", "z")
        bp.getAxis("left").setWidth(34)
        bp.getAxis("bottom").setHeight(18)
        bp.setMouseEnabled(x=False, y=False)
        bp.getAxis("left").enableAutoSIPrefix(False)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7, brush=pg.mkBrush(80, 130, 200))
        bp.addItem(self.bars)
        # a VAE's code is a distribution: sigma as whiskers round the mean, the drawn z as dots
        self.sigma_bars = pg.ErrorBarItem(x=np.zeros(0), y=np.zeros(0), height=np.zeros(0),
                                          beam=0.3, pen=pg.mkPen(40, 40, 40, width=1.5))
        self.z_dots = pg.ScatterPlotItem(size=8, brush=pg.mkBrush(220, 30, 30), pen=None)
        bp.addItem(self.sigma_bars)
        bp.addItem(self.z_dots)

        self.scatter_plot = pg.PlotWidget(background="w")
        self.scatter_plot.setMenuEnabled(False)
        sp = self.scatter_plot.getPlotItem()
        sp.hideButtons()
        for ax in ("left", "bottom"):
            sp.getAxis(ax).enableAutoSIPrefix(False)
        self.scatter_range = FollowData(sp.getViewBox())
        self.groups: list[pg.ScatterPlotItem] = []
        # every user's 1-sigma ellipse (a VAE), one NaN-separated curve for all of them
        self.spread = pg.PlotCurveItem(connect="finite", pen=pg.mkPen(110, 110, 110, 45))
        self.spread.setZValue(-5)
        sp.addItem(self.spread)
        self.mean_item = pg.ScatterPlotItem(size=6, pen=None)
        self.mean_item.sigClicked.connect(self._point_clicked)
        sp.addItem(self.mean_item)
        self.cmap = pg.colormap.get("viridis")
        self.cbar = pg.ColorBarItem(values=(1, 5), colorMap=self.cmap, interactive=False, width=10,
                                    label="mean rating")
        sp.layout.addItem(self.cbar, 2, 5)
        self.mean_brushes = [pg.mkBrush(*[int(255 * c) for c in self.cmap.map(k / (N_BINS - 1), mode="float")[:3]], 220)
                             for k in range(N_BINS)]
        self.me = pg.ScatterPlotItem(size=18, brush=None, pen=pg.mkPen(220, 20, 20, width=3))
        self.me.setZValue(20)
        sp.addItem(self.me)
        self.me_label = pg.TextItem(color=(200, 20, 20), anchor=(0, 1), fill=pg.mkBrush(255, 255, 255, 190))
        self.me_label.setZValue(21)
        sp.addItem(self.me_label)
        self.walk_marker = pg.ScatterPlotItem(size=16, symbol="+", brush=pg.mkBrush(0, 0, 0),
                                              pen=pg.mkPen(0, 0, 0, width=2))
        self.walk_marker.setZValue(22)
        sp.addItem(self.walk_marker)
        self.scatter_plot.viewport().installEventFilter(self)

        # the bars are a slim strip above the scatter: the panel is narrow and tall, and the
        # scatter (every user) is what needs the room; the splitter lets a user trade
        split = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        self.bars_plot.setMinimumHeight(70)
        split.addWidget(self.bars_plot)
        split.addWidget(self.scatter_plot)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([BARS_HEIGHT, 4 * BARS_HEIGHT])
        self.empty = Placeholder("Step forward (F) or train to see the code: the bottleneck's values "
                                 "for this user, and where every user lands.")
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addLayout(top)
        lay.addLayout(walk_row)
        lay.addLayout(between_row)
        # the genres' colours as a line of text, not a legend inside the plot, where it would
        # cover users
        self.key = QtWidgets.QLabel()
        self.key.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.key.setWordWrap(True)
        self.key.setStyleSheet("font-size: 8pt;")
        lay.addWidget(self.key)
        lay.addWidget(self.empty)
        lay.addWidget(split, 1)
        self.body = split
        split.hide()
        self.codes = self.prop = None
        self._drawn_xy = None
        self.scale = (1.0, 5.0)
        self.you = self.you_label = None  # the "You" profile's mark, made at its first use

    def new_run(self):
        """A fresh network: the scatter re-ranges from its new codes (a zoom is forgotten)."""
        self.scatter_range.restart()

    def dataset_changed(self):
        self.codes = self.prop = None
        self._drawn_xy = None
        self.scatter_range.restart()
        self.body.hide()
        self.empty.show()
        r = self.ratings
        if r is not None:
            self.scale = (float(r.scale.minimum), float(r.scale.maximum))

    def draw(self, snapshot, extras):
        codes, prop = extras.get("codes"), extras.get("user_property")
        if not codes or not prop:
            return
        self.codes, self.prop = codes, prop
        z = np.asarray(codes["current_code"], dtype=np.float64)
        ok = np.isfinite(z)
        units = np.arange(1, z.size + 1)
        sel_layer, sel_index = self.selected
        chosen, plain = pg.mkBrush(230, 120, 20), pg.mkBrush(80, 130, 200)  # two brushes, not z.size
        brushes = [chosen if (sel_layer == codes["layer"] and sel_index == k) else plain for k in range(z.size)]
        sampling = extras.get("sampling")
        heights = np.asarray(sampling["mu"], dtype=np.float64) if sampling else z
        ok = ok & np.isfinite(heights)
        self.bars.setOpts(x=units[ok], height=heights[ok], width=0.7,
                          brushes=[b for b, o in zip(brushes, ok) if o])
        self._draw_sampling(sampling, units, ok)
        bp = self.bars_plot.getPlotItem()
        bp.setXRange(0.4, z.size + 0.6, padding=0)
        bp.getAxis("bottom").setTicks([[(k, str(k)) for k in unit_ticks(z.size)]])
        what = ("\u03bc \u00b1 \u03c3 (bars), z = \u03bc + \u03c3\u00b7\u03b5 (red)" if sampling
                and sampling.get("eps") is not None else ("\u03bc \u00b1 \u03c3" if sampling else "z"))
        bp.setTitle(f"{what} \u00b7 {esc(self.observation_label(extras.get('row')))} \u00b7 {z.size} units, "
                    f"layer {codes['layer']}", size="8pt")  # short: the strip is as narrow as the dock
        ell = codes.get("ellipses")
        if ell is not None:
            self.spread.setData(x=ell[:, 0], y=ell[:, 1])
        else:
            self.spread.setData(x=np.zeros(0), y=np.zeros(0))
        sp = self.scatter_plot.getPlotItem()
        sp.setLabel("bottom", codes["axis_names"][0])
        sp.setLabel("left", codes["axis_names"][1])
        has_genre = prop.get("genre") is not None and len(prop.get("genre_names") or [])
        self.colour_by.setEnabled(bool(has_genre))
        if not has_genre and self.colour_by.currentIndex() == 0:
            self.colour_by.blockSignals(True)
            self.colour_by.setCurrentIndex(1)
            self.colour_by.blockSignals(False)
        if self._drawn_xy is not codes["xy"]:  # the worker reuses it until the weights change
            self._recolour()
        cur = np.asarray(codes["current_xy"], dtype=np.float64)
        if np.isfinite(cur).all():
            self.me.setData(x=[cur[0]], y=[cur[1]])
            self.me_label.setText(self.observation_label(extras.get("row")))
            self.me_label.setPos(cur[0], cur[1])
            self._place_label(cur)
        xy = np.asarray(codes["xy"], dtype=np.float64).reshape(-1, 2)
        self.scatter_range.show(np.append(xy[:, 0], cur[:1]), np.append(xy[:, 1], cur[1:2]))
        method = {"PCA": "a PCA projection to 2-D (a walk moves along its two axes only)", "units": "its two code units",
                  "unit vs mean rating": "its one code unit against the mean rating"}[codes["method"]]
        self.prior.setVisible(bool(sampling))
        who = "movie" if self.item_model else "user"
        self._name_walk(who, extras.get("row"))
        spread = f" Grey ellipses: each {who}'s \u03c3 (1 sd)." if codes.get("ellipses") is not None else ""
        self.header.setText(f"{codes['units']}-unit code; each of {len(codes['rows'])} {who}s at {method}. "
                            f"Click a point to step that {who}.{spread}{self.orientation_note()}")
        self.empty.hide()
        self.body.show()

    @QtCore.Slot(object)
    def mark_profile(self, xy, label: str = "You"):
        """Mark a profile's code (the "You" panel's) at `xy` in the plane; None removes the mark."""
        if self.you is None:
            self.you = pg.ScatterPlotItem(size=20, symbol="star", brush=pg.mkBrush(255, 200, 0),
                                          pen=pg.mkPen(60, 40, 0, width=1.5))
            self.you.setZValue(23)
            self.you_label = pg.TextItem(label, color=(120, 80, 0), anchor=(0, 0))
            self.you_label.setZValue(23)
            for item in (self.you, self.you_label):
                self.scatter_plot.addItem(item, ignoreBounds=True)
        ok = xy is not None and np.isfinite(np.asarray(xy, dtype=np.float64)).all()
        self.you.setData(x=[xy[0]] if ok else [], y=[xy[1]] if ok else [])
        self.you_label.setVisible(bool(ok))
        if ok:
            self.you_label.setPos(float(xy[0]), float(xy[1]))

    def profile_mark(self):
        """The (x, y) marked for the profile, or None (for tests)."""
        if self.you is None:
            return None
        x, y = self.you.getData()
        return (float(x[0]), float(y[0])) if len(x) else None

    # ------------------------------------------------------------------------------- walking
    def eventFilter(self, obj, event):
        """With Walk down, a press or a drag in the plane asks for the imaginary user there."""
        kind = event.type()
        if (self.walk.isChecked() and obj is self.scatter_plot.viewport() and self.codes is not None
                and kind in (QtCore.QEvent.Type.MouseButtonPress, QtCore.QEvent.Type.MouseMove)
                and event.buttons() & QtCore.Qt.MouseButton.LeftButton):
            scene = self.scatter_plot.mapToScene(event.position().toPoint())
            pt = self.scatter_plot.getPlotItem().getViewBox().mapSceneToView(scene)
            self.walk_to(pt.x(), pt.y())
            return True
        return super().eventFilter(obj, event)

    def walk_to(self, x: float, y: float):
        """Ask for the imaginary user at (x, y) of the plane drawn."""
        self.walk_marker.setData(x=[x], y=[y])
        self.imagineRequested.emit({"kind": "point", "xy": (float(x), float(y))})

    def _name_walk(self, who, row):
        """The walk's controls speak of users, or of movies for an item model."""
        if self.ratings is not None:
            self.to_user.setMaximum(self.ratings.n_items if self.item_model else self.ratings.n_users)
        self.to_user.setPrefix(f"{who} row ")
        self.walk.setToolTip(f"Click or drag in the plane: the decoder imagines the {who} at that point "
                             f"(Reconstruction and Recommendations show "
                             f"{'which users would like it most' if self.item_model else 'what they would like'})")
        self.between.setToolTip(f"Slide from the current {who}'s code to the other {who}'s: each step decoded")
        _short(self.from_name, self.observation_label(row) if row is not None else f"current {who}")
        self._name_target()

    def _name_target(self, *_):
        _short(self.to_name, self.observation_label(self.to_user.value() - 1))

    def _walk_toggled(self, on):
        if not on:
            self.walk_marker.setData(x=[], y=[])
            self.imagineRequested.emit(None)

    def _sample_prior(self):
        self._draws += 1
        self.walk_marker.setData(x=[], y=[])
        self.imagineRequested.emit({"kind": "prior", "seed": self._draws})

    def _between_moved(self, value):
        row = self.snapshot.extras.get("row") if self.snapshot is not None and self.snapshot.extras else None
        if row is None:
            return
        if value == 0:
            self.imagineRequested.emit(None)
            return
        self.imagineRequested.emit({"kind": "between", "a": int(row), "b": self.to_user.value() - 1,
                                    "t": value / 100.0})

    def _draw_sampling(self, sampling, units, ok):
        """mu +- sigma whiskers and the drawn z of this step (a VAE only)."""
        if not sampling:
            self.sigma_bars.setData(x=np.zeros(0), y=np.zeros(0), height=np.zeros(0))
            self.z_dots.setData(x=[], y=[])
            return
        mu = np.asarray(sampling["mu"], dtype=np.float64)[ok]
        sigma = np.asarray(sampling["sigma"], dtype=np.float64)[ok]
        self.sigma_bars.setData(x=units[ok], y=mu, height=2 * sigma)
        if sampling.get("eps") is not None:
            self.z_dots.setData(x=units[ok], y=np.asarray(sampling["z"], dtype=np.float64)[ok])
        else:
            self.z_dots.setData(x=[], y=[])

    def _place_label(self, cur):
        """Write the user's name on the side of the ring facing the middle of the cloud, so it
        is never cut at the plot's edge."""
        xy = np.asarray(self.codes["xy"], dtype=np.float64) if self.codes else np.zeros((0, 2))
        xy = xy[np.isfinite(xy).all(axis=1)]
        mid = xy.mean(axis=0) if len(xy) else np.zeros(2)
        self.me_label.setAnchor((0 if cur[0] <= mid[0] else 1, 1 if cur[1] <= mid[1] else 0))

    def _recolour(self):
        codes, prop = self.codes, self.prop
        if codes is None:
            return
        self._drawn_xy = codes["xy"]
        xy = np.asarray(codes["xy"], dtype=np.float64)
        rows = np.asarray(codes["rows"])
        finite = np.isfinite(xy).all(axis=1)
        by_genre = self.colour_by.currentIndex() == 0 and prop.get("genre") is not None
        key = []
        if by_genre:
            self.mean_item.clear()
            self.cbar.hide()
            genre = np.asarray(prop["genre"])
            names = list(prop["genre_names"]) + ["no genre"]
            self._ensure_groups(len(names))
            for g, item in enumerate(self.groups):
                if g >= len(names):
                    item.clear()
                    continue
                code = g if g < len(names) - 1 else -1
                sel = finite & (genre == code)
                item.setData(x=xy[sel, 0], y=xy[sel, 1], data=rows[sel])
                if sel.any():
                    rgb = PALETTE[g % len(PALETTE)] if g < len(names) - 1 else (170, 170, 170)
                    key.append(f"<span style='color:rgb{tuple(rgb)}'>\u25cf</span>&nbsp;{esc(names[g])}")
        else:
            for item in self.groups:
                item.clear()
            mean = np.asarray(prop["mean_rating"], dtype=np.float64)
            lo, hi = self.scale
            t = np.clip((np.nan_to_num(mean, nan=lo) - lo) / max(hi - lo, 1e-9), 0, 1)
            bins = np.round(t * (N_BINS - 1)).astype(int)
            self.mean_item.setData(x=xy[finite, 0], y=xy[finite, 1], data=rows[finite],
                                   brush=[self.mean_brushes[b] for b in bins[finite]])
            self.cbar.setLevels((lo, hi))
            self.cbar.show()
        what = "the movie's genre" if self.item_model else "most-rated genre"
        self.key.setText((f"colour = {what}: " + " &nbsp; ".join(key)) if key else "")
        self.key.setVisible(bool(key))

    def _ensure_groups(self, n):
        sp = self.scatter_plot.getPlotItem()
        while len(self.groups) < n:
            k = len(self.groups)
            colour = PALETTE[k % len(PALETTE)]
            item = pg.ScatterPlotItem(size=6, pen=None, brush=pg.mkBrush(*colour, 200))
            item.sigClicked.connect(self._point_clicked)
            sp.addItem(item)
            self.groups.append(item)
        # "no genre" (the last group in use) is grey; the same brush objects every time, because
        # pyqtgraph's symbol atlas keys on id(brush): fresh brushes per draw grow it without end
        self.groups[n - 1].setBrush(_brush(170, 170, 170, 160))
        for k in range(n - 1):
            self.groups[k].setBrush(_brush(*PALETTE[k % len(PALETTE)], 200))

    def _point_clicked(self, item, points, event=None):
        if len(points):
            row = points[0].data()
            if row is not None:
                self.userSelected.emit(int(row))

    def selection_changed(self):
        if self.snapshot is not None:
            self.draw(self.snapshot, self.snapshot.extras or {})
