"""STEP 4-5 for one user: what went in, what came out, and d(x, y) between them.

Movies are laid out left to right in the order the engine chose (rated by rating, then held-out,
then unrated by prediction), so the rated bars form a staircase the output dots should follow.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from ..numbers import fmt
from .base import Panel, Placeholder, esc

BLUE = (80, 130, 200)
ORANGE = (235, 120, 20)
GREEN = (30, 160, 60)
GREY = (150, 150, 150)


KEY = " &nbsp; ".join(f"<span style='color:rgb{rgb}'>{mark}</span>&nbsp;{text.replace(' ', '&nbsp;')}"
                     for rgb, mark, text in ((BLUE, "\u25ae", "rating (input)"), (ORANGE, "\u25cf", "output"),
                                             (GREEN, "\u25c6", "held-out rating"),
                                             (ORANGE, "\u25cb", "output, held out"),
                                             (GREY, "\u2022", "output, unrated")))


class ReconstructionPanel(Panel):
    """Input ratings (bars) against the network's output (dots), held-out ratings as diamonds."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.header = QtWidgets.QLabel()
        self.header.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.header.setWordWrap(True)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMenuEnabled(False)
        pi = self.plot.getPlotItem()
        pi.hideButtons()
        pi.showGrid(y=True, alpha=0.2)
        pi.setLabel("bottom", "movies (rated \u2192 held-out \u2192 unrated)")
        pi.setLabel("left", "rating")
        pi.getAxis("left").enableAutoSIPrefix(False)
        # outlined, so a rating of 0 (the seed's toy) still shows as a line at the bottom
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.8, brush=pg.mkBrush(*BLUE, 150), pen=pg.mkPen(*BLUE),
                                    name="your rating (input)")
        self.out_rated = pg.ScatterPlotItem(size=7, brush=pg.mkBrush(*ORANGE), pen=pg.mkPen("w", width=0.5),
                                            name="output, rated movie")
        self.truth = pg.ScatterPlotItem(size=9, symbol="d", brush=pg.mkBrush(*GREEN), pen=None,
                                        name="held-out rating")
        self.out_held = pg.ScatterPlotItem(size=7, brush=pg.mkBrush(255, 255, 255), pen=pg.mkPen(*ORANGE, width=2),
                                           name="output, held-out movie")
        self.out_other = pg.ScatterPlotItem(size=3, brush=pg.mkBrush(*GREY, 160), pen=None,
                                            name="output, unrated")
        for item in (self.bars, self.out_other, self.truth, self.out_held, self.out_rated):
            pi.addItem(item)
        # separators: rated | held-out | unrated
        self.seps = [pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(120, 120, 120, 150, style=QtCore.Qt.PenStyle.DashLine))
                     for _ in range(2)]
        for line in self.seps:
            pi.addItem(line, ignoreBounds=True)
        # the key is a line of text under the header, not a legend inside the plot: a legend there
        # always sits on some of the dots it explains
        self.key = QtWidgets.QLabel(KEY)
        self.key.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.key.setWordWrap(True)
        self.key.setStyleSheet("color: #444; font-size: 8pt;")
        self.info = QtWidgets.QLabel(" ")
        self.info.setWordWrap(True)
        self.empty = Placeholder("Step forward (F) to see what the network makes of this user's ratings: "
                                 "their ratings as bars, its predictions as dots.")
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.header)
        lay.addWidget(self.key)
        lay.addWidget(self.empty)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.info)
        self.plot.hide()
        self.key.hide()
        self.rec = None
        self._points = {}  # scatter item -> (x, y): all its points; the item holds the visible ones
        self.plot.scene().sigMouseMoved.connect(self._hover)
        pi.getViewBox().sigXRangeChanged.connect(self._clip_to_view)

    def dataset_changed(self):
        self.rec = None
        self._points = {}
        self.plot.hide()
        self.key.hide()
        self.empty.show()
        self.header.setText("")

    def draw(self, snapshot, extras):
        rec = extras.get("reconstruction")
        if not rec:
            return
        self.rec = rec
        order = np.asarray(rec["order"])
        pos = np.empty(order.size, dtype=np.float64)
        pos[order] = np.arange(order.size)
        x, y = rec["input"], rec["output"]
        m, hm, hv = rec["mask"], rec["heldout_mask"], rec["heldout_values"]
        other = ~m & ~hm

        def pts(item, sel, values):
            ok = sel & np.isfinite(values)
            self._points[item] = (pos[ok], np.asarray(values, dtype=np.float64)[ok])

        ok = m & np.isfinite(x)
        self.bars.setOpts(x=pos[ok], height=x[ok], width=0.8)
        pts(self.out_rated, m, y)
        pts(self.truth, hm, hv)
        pts(self.out_held, hm, y)
        pts(self.out_other, other, y)
        n_shown = int(m.sum() + hm.sum())
        self.seps[0].setValue(int(m.sum()) - 0.5)
        self.seps[1].setValue(n_shown - 0.5)
        self.seps[0].setVisible(bool(0 < int(m.sum()) < order.size))
        self.seps[1].setVisible(bool(hm.any() and n_shown < order.size))
        pi = self.plot.getPlotItem()
        pi.setXRange(*self.x_range(order.size, n_shown), padding=0)
        pi.setYRange(*self.y_range(rec), padding=0)
        self._clip_to_view()
        self._ticks(order)
        held = (f"RMSE on {rec['n_heldout']} held-out {fmt(rec['rmse_heldout'], 3)}" if rec["n_heldout"]
                else "no held-out ratings")
        nb = lambda t: t.replace(" ", "&nbsp;")  # noqa: E731  (each figure wraps as a whole)
        self.plot.getPlotItem().setLabel("bottom", f"{self.entries} (rated \u2192 held-out \u2192 unrated)")
        self.header.setText(
            f"<b>{esc(rec.get('label') or self.observation_label(rec['row']))}</b>: d(x, y) = \u2016x \u2212 y\u2016 over "
            f"{rec['n_rated']} {'users who rated it' if self.item_model else 'rated movies'} = "
            f"<b>{fmt(rec['distance'], 3)}</b> \u00b7 "
            f"{nb('RMSE rated ' + fmt(rec['rmse_rated'], 3))} \u00b7 {nb(held)}{esc(self.orientation_note())}")
        self.key.show()
        self.empty.hide()
        self.plot.show()

    def points(self, item) -> tuple[np.ndarray, np.ndarray]:
        """All (x, y) points of scatter `item` for this user, in view or not (read-only copies)."""
        x, y = self._points.get(item, (np.zeros(0), np.zeros(0)))
        return x.copy(), y.copy()

    def _clip_to_view(self, *_):
        """Give each scatter only the points inside the x range on screen (plus one movie each
        side): a walk redraws ~30 times a second, and pyqtgraph's per-point style lookup over all
        1682 movies of MovieLens would cost more than the rest of the panel. A pan or zoom
        clips again, so every point in view is always drawn."""
        if not self._points:
            return
        lo, hi = self.plot.getPlotItem().getViewBox().viewRange()[0]
        for item, (x, y) in self._points.items():
            keep = (x >= lo - 1) & (x <= hi + 1)
            item.setData(x=x[keep], y=y[keep])

    def scale(self, rec=None) -> tuple[float, float]:
        """The dataset's rating scale (0-1 binary, 1-5 stars, ...); the engine's clip range when
        no dataset is known; 1-5 as the last resort."""
        sc = getattr(self.ratings, "scale", None)
        if sc is not None and float(sc.maximum) > float(sc.minimum):
            return float(sc.minimum), float(sc.maximum)
        clip = (rec or {}).get("clip")
        if clip is not None and clip[1] > clip[0]:
            return float(clip[0]), float(clip[1])
        return 1.0, 5.0

    @staticmethod
    def x_range(n_movies: int, n_shown: int) -> tuple[float, float]:
        """Rated and held-out movies plus a margin of unrated ones, never past the last movie."""
        want = max(n_shown + max(10, n_shown // 3), 20)
        return -0.6, min(n_movies, want) - 0.4

    def y_range(self, rec) -> tuple[float, float]:
        """From 0 (the bars' base) to just above the top of the scale; stretched for outputs of
        rated or held-out movies beyond it, but never more than one scale's width beyond."""
        lo, hi = self.scale(rec)
        span = hi - lo
        y = np.asarray(rec["output"], dtype=np.float64)
        shown = np.isfinite(y) & (np.asarray(rec["mask"]) | np.asarray(rec["heldout_mask"]))
        top = hi + 0.1 * max(span, 1e-9)
        bottom = min(0.0, lo)
        if shown.any():
            y_hi, y_lo = float(y[shown].max()), float(y[shown].min())
            if y_hi > top:
                top = min(y_hi + 0.05 * span, hi + span)
            if y_lo < bottom:
                bottom = max(y_lo - 0.05 * span, lo - span)
        return bottom, top

    def _ticks(self, order):
        """Few movies (the seed's toy): name them under their bars; many: positions only."""
        axis = self.plot.getPlotItem().getAxis("bottom")
        if order.size <= 8:
            axis.setTicks([[(k, self.entry_label(int(i))) for k, i in enumerate(order)]])
        else:
            axis.setTicks(None)

    def _entry_at(self, scene_pos):
        """The entry (a movie, or a user of an item model) drawn under a scene position, or None."""
        rec = self.rec
        vb = self.plot.getPlotItem().getViewBox()
        if rec is None or not self.plot.isVisible() or not vb.sceneBoundingRect().contains(scene_pos):
            return None
        k = int(round(vb.mapSceneToView(scene_pos).x()))
        order = rec["order"]
        return int(order[k]) if 0 <= k < order.size else None

    def cell_at(self, scene_pos):
        """(user row, movie column) of the rating under a scene position, as the Ratings matrix's
        `cell_at` (What if asks from both); None off the plot or for an imagined user."""
        i = self._entry_at(scene_pos)
        if i is None or self.rec.get("label"):
            return None
        row = int(self.rec["row"])
        return (i, row) if self.item_model else (row, i)

    def _hover(self, scene_pos):
        rec = self.rec
        i = self._entry_at(scene_pos)
        if i is None:
            return
        parts = [self.entry_label(i)]
        if self.entry_genre(i):
            parts[0] += f" ({self.entry_genre(i)})"
        if rec["mask"][i]:
            parts.append(f"rated {fmt(rec['input'][i])}")
        elif rec["heldout_mask"][i]:
            parts.append(f"held out: rated {fmt(rec['heldout_values'][i])}")
        else:
            parts.append("not rated")
        parts.append(f"output {fmt(rec['output'][i])}")
        self.info.setText(" \u00b7 ".join(parts))
