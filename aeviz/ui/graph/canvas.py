"""The painted network: nodes, biases, edges, labels and legend, with zoom, pan and hit tests.

One QWidget paints everything with QPainter. Node positions and edge segments are NumPy arrays
in pixel coordinates; edges go out in one drawLines call per (sign, strength) bucket. Geometry is
recomputed only when the scene, the size or the view changes, so a frame stays cheap.
"""
from __future__ import annotations

import logging

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, QVariantAnimation, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QLinearGradient, QPainter, QPen
from PySide6.QtWidgets import QToolTip, QWidget

from . import colors as C
from . import layout as LY
from .lines import LineBatch, RectBatch
from .text import (PHASE_CAPTIONS, WIDEST_NUMBER, edge_tooltip, more_label, node_tooltip, num, signed,
                   status_line)

log = logging.getLogger(__name__)
GREY = QColor(150, 150, 150)
LIGHT = QColor(238, 238, 238)
INK = QColor(40, 40, 40)
FAINT = QColor(120, 120, 120)
ANTIALIAS_EDGES = 10_000
# where drawText puts a label in its rectangle
CENTRE = Qt.AlignmentFlag.AlignCenter
CENTRE_TOP = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
LEFT_MIDDLE = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT_MIDDLE = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT_BOTTOM = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom
RIGHT_BOTTOM = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom


def qc(rgb, alpha=255) -> QColor:
    return QColor(int(rgb[0]), int(rgb[1]), int(rgb[2]), alpha)


class GraphCanvas(QWidget):
    """Paints a Scene; reports clicks on nodes and edges."""

    nodeClicked = Signal(int, int)
    edgeClicked = Signal(int, int, int)
    resized = Signal()  # the view may now fit a different number of nodes per layer

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setMinimumSize(360, 300)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.scene = None
        self.snapshot = None
        self.titles = None
        self.entry = "movie"  # what an input/output node is: a movie, or a user (item-based model)
        self.selected = None
        self.highlight = None  # Highlight: what a lesson's link points at (green), or None
        self.rating_range = None  # (lo, hi) or None = inferred
        self.overlays = True  # show the phase's error / delta / gradient / change overlays
        self._zoom = 1.0
        self._pan = QPointF(0, 0)
        self._geo = None
        self._lay = None
        self._press = None
        self._dragged = False
        self._batch = LineBatch()
        self._rects = RectBatch()
        self._progress = 1.0  # 0..1 of the running step animation
        self._anim_kind = None
        self._anim = QVariantAnimation(self)
        self._anim.setStartValue(0.0)
        self._anim.setEndValue(1.0)
        self._anim.valueChanged.connect(self._on_anim)
        self._anim.finished.connect(self._on_anim_done)
        self._font = QFont(self.font())
        self._font.setPointSizeF(8.5)
        self._small = QFont(self._font)
        self._small.setPointSizeF(7.5)
        self._bold = QFont(self._font)
        self._bold.setBold(True)
        self._legend_font = QFont(self._small)  # the legend is drawn scaled whole (presentation mode)
        self._text_scale = 1.0

    # ------------------------------------------------------------------------------ state in
    def set_scene(self, scene, snapshot, titles=None):
        self.scene, self.snapshot, self.titles = scene, snapshot, titles
        self._geo = None
        self.update()

    def animate(self, kind: str, ms: int):
        """Play `kind` ('forward', 'backward', 'update') once; a new snapshot may cut it short."""
        self._anim.stop()
        self._anim_kind = kind
        self._progress = 0.0
        self._anim.setDuration(ms)
        self._anim.start()

    def stop_animation(self):
        self._anim.stop()
        self._anim_kind = None
        self._progress = 1.0

    @property
    def animating(self) -> bool:
        return self._anim_kind is not None

    @property
    def animation_kind(self):
        """The step animation playing ('forward', 'backward', 'update'), or None."""
        return self._anim_kind

    def _on_anim(self, v):
        self._progress = float(v)
        self.update()

    def _on_anim_done(self):
        self._anim_kind = None
        self._progress = 1.0
        self.update()

    def reset_view(self):
        self._zoom, self._pan = 1.0, QPointF(0, 0)
        self._geo = None
        self._lay = None
        self.update()

    def zoom_by(self, factor: float, at: QPointF | None = None):
        at = at if at is not None else QPointF(self.width() / 2, self.height() / 2)
        z = float(np.clip(self._zoom * factor, 0.5, 60.0))
        f = z / self._zoom
        self._pan = at - (at - self._pan) * f
        self._zoom = z
        self._geo = None
        self.update()

    # ------------------------------------------------------------------------------ geometry
    def resizeEvent(self, ev):
        self._geo = None
        super().resizeEvent(ev)
        self.resized.emit()

    def metrics(self):
        """(the node labels' font metrics, the layer titles' (bold))."""
        return QFontMetrics(self._font), QFontMetrics(self._bold)

    def _caption_height(self):
        return 44.0 * self._text_scale

    def _has_vectors(self):
        return self.scene is not None and max(self.scene.sizes) <= 8  # room for the value vectors

    def current_layout(self) -> LY.Layout:
        """Margins, label columns and layer titles for the current size and scene (cached)."""
        sc, s = self.scene, self.snapshot
        show_pre = s.activation_names[-1] != "identity" and s.preacts is not None
        noisy = bool((s.extras or {}).get("corruption")) or self.corrupted_inputs() is not None
        # everything the layout depends on: while stepping it stays put, so frames reuse it
        key = (self.width(), self.height(), tuple(sc.sizes), tuple(len(x) for x in sc.shown),
               tuple(bool(c) for c in sc.hidden_count), show_pre, s.output_error is not None, noisy,
               bool((s.extras or {}).get("sparsity")), bool(s.bias), tuple(s.activation_names), id(self.titles),
               self._clips_shown())
        if self._lay is not None and self._lay[0] == key:
            return self._lay[1]
        fm, fb = self.metrics()
        w, h = max(self.width(), 200), max(self.height(), 200)
        L = len(sc.sizes) - 1
        narrow = w < 900
        need = self._title_need(fm, sc.sizes[0])
        clip_w = fm.horizontalAdvance(f" → {num(self.movie_range()[1])}") + 4 if self._clips_shown() else 0.0
        cols = LY.output_columns(narrow, show_pre, s.output_error is not None,
                                 number_w=fm.horizontalAdvance(WIDEST_NUMBER) + 8, clip_w=clip_w)
        legend_h = self._legend_height(w)
        vectors_h = 76.0 if self._has_vectors() else 0.0
        counts = max(len(x) + (1 if sc.hidden_count[l] else 0) for l, x in enumerate(sc.shown))
        avail = h - self._caption_height() - 2 * fm.height() - 14 - legend_h - 10 - vectors_h - 18
        r_guess = float(np.clip(min(avail / max(counts, 1), 88.0) * 0.34, 1.2, 21.0))
        lay = LY.plan(w, h, L, title_need_left=need, title_need_right=need, columns=cols,
                      radius_guess=r_guess, line_h=fm.height(), caption_h=self._caption_height(),
                      legend_h=legend_h, vectors_h=vectors_h, noisy=noisy)
        xs = np.linspace(lay.left, w - lay.right, L + 1)
        gap = float(xs[1] - xs[0]) if L else w
        room = [gap - 8] * (L + 1)
        room[0] = min(gap - 8, lay.left + gap / 2 - 8)  # the first and last may lean outwards a little
        room[L] = min(gap - 8, lay.right + gap / 2 - 8)
        lay.heads = LY.choose_heads(sc.sizes, s.activation_names, room, fb.horizontalAdvance)
        self._lay = (key, lay)
        return lay

    def _title_need(self, fm, n_movies) -> float:
        """Width the longest movie title wants (cached per title list: the shown movies change often)."""
        key = (id(self.titles), n_movies)
        if getattr(self, "_need", (None,))[0] != key:
            names = self.titles[:n_movies] if self.titles is not None else [f"movie {n_movies}"]
            widest = max((fm.horizontalAdvance(str(t)) for t in names[:5000]), default=0)
            self._need = (key, float(min(widest, LY.MAX_TITLE)) + 10)
        return self._need[1]

    def node_capacity(self) -> int:
        """Nodes per layer that fit with a readable label at the current height."""
        if self.scene is None:
            return 40
        lay = self.current_layout()
        return LY.node_capacity(max(self.height(), 200), lay.top, lay.bottom, QFontMetrics(self._font).height())

    def geometry_arrays(self):
        """Per layer (x array, y array) of node centres in pixels, the node radius, spacing."""
        if self._geo is not None:
            return self._geo
        sc = self.scene
        lay = self.current_layout()
        left, right, top, bottom = lay.left, lay.right, lay.top, lay.bottom
        w, h = max(self.width(), 200), max(self.height(), 200)
        L = len(sc.sizes) - 1
        xs = np.linspace(left, w - right, L + 1)
        avail = max(h - top - bottom - 18, 40)
        counts = [len(s) + (1 if sc.hidden_count[l] else 0) for l, s in enumerate(sc.shown)]
        spacing = min(avail / max(max(counts), 1), 88.0)
        gap = float(xs[1] - xs[0]) if L else w
        radius = float(np.clip(min(spacing * 0.34, gap * 0.12), 1.2, 21.0))
        z = self._zoom
        X, Y = [], []
        for l, s in enumerate(sc.shown):
            n = counts[l]
            ys = top + 10 + avail / 2 + (np.arange(len(s)) - (n - 1) / 2) * spacing
            X.append(np.full(len(s), xs[l]) * z + self._pan.x())
            Y.append(ys * z + self._pan.y())
        r = float(np.clip(radius * z ** 0.75, 1.2, 40.0))
        self._geo = (X, Y, r, spacing * z, xs * z + self._pan.x())
        return self._geo

    def edge_segments(self, pair):
        X, Y, *_ = self.geometry_arrays()
        l = pair.layer
        return np.column_stack([X[l][pair.ci], Y[l][pair.ci], X[l + 1][pair.ri], Y[l + 1][pair.ri]])

    # ------------------------------------------------------------------------------ colours
    def movie_range(self):
        if self.rating_range is not None:
            return self.rating_range
        s = self.snapshot
        vals = [a for a in (s.x_target, s.x_input) if a is not None]
        hi = max([float(np.nanmax(np.where(np.isfinite(a), a, np.nan))) if np.isfinite(a).any() else 0.0
                  for a in vals], default=1.0)
        return (0.0, 1.0) if hi <= 1.0 else (1.0, float(max(5.0, np.ceil(hi))))

    def clipped(self, values):
        """Predictions as ratings: `values` clipped to the rating scale (unchanged when none is set)."""
        if self.rating_range is None or values is None:
            return values
        return np.clip(values, *self.rating_range)

    def _clips_shown(self) -> bool:
        """Does any shown prediction lie outside the rating scale (its ŷ cell then says '6.31 → 5')?"""
        sc = self.scene
        v = sc.values[-1] if sc is not None else None
        if v is None or self.rating_range is None:
            return False
        lo, hi = self.rating_range
        f = v[np.isfinite(v)]
        return bool(((f < lo) | (f > hi)).any())

    def hidden_limit(self):
        sc = self.scene
        vals = [v for v in sc.values[1:-1] if v is not None and v.size]
        m = max((float(np.max(np.abs(v[np.isfinite(v)]))) for v in vals if np.isfinite(v).any()), default=0.0)
        return C.nice_limit(m) if m > 0 else 1.0

    def _edge_keys(self, pair):
        """Bucket of each edge: sign * N + level (positive) / level (negative), -1 = not finite."""
        finite = np.isfinite(pair.w)
        lev = C.strength_levels(np.abs(pair.w), self.scene.wmax)
        sign = np.where(pair.w >= 0, 1, 0)
        return np.where(finite, sign * C.N_LEVELS + lev, -1)

    @staticmethod
    def _key_style(k, scale):
        if k < 0:
            return (0, -1), C.NOT_FINITE, 1.5
        s, lv = (1 if k >= C.N_LEVELS else -1), int(k % C.N_LEVELS)
        return (s, lv), C.level_rgb(s, lv), C.level_width(lv, scale)

    def edge_styles(self):
        """Per drawn layer pair: (pair, rgb N x 3, width N), exactly as painted."""
        scale = min(self._zoom, 4.0) ** 0.5
        out = []
        for pair in self.scene.edges:
            keys = self._edge_keys(pair)
            styles = {int(k): self._key_style(int(k), scale) for k in np.unique(keys)}
            rgb = np.array([styles[int(k)][1] for k in keys], dtype=np.int64).reshape(-1, 3)
            width = np.array([styles[int(k)][2] for k in keys], dtype=np.float64)
            out.append((pair, rgb, width))
        return out

    def edge_buckets(self):
        """{(sign, level): (segments, rgb, width)}; sign +1/-1, level 0..N-1; (0, -1) = not finite."""
        out = {}
        scale = min(self._zoom, 4.0) ** 0.5
        for pair in self.scene.edges:
            if not len(pair.w):
                continue
            seg = self.edge_segments(pair)
            keys = self._edge_keys(pair)
            for k in np.unique(keys):
                bucket, rgb, width = self._key_style(int(k), scale)
                m = keys == k
                prev = out.get(bucket)
                out[bucket] = (seg[m] if prev is None else np.vstack([prev[0], seg[m]]), rgb, width)
        return out

    def node_fill(self, layer: int):
        """uint8 RGB per shown node of `layer` (grey before forward), and finite mask."""
        sc = self.scene
        v = sc.values[layer]
        n = len(sc.shown[layer])
        if v is None or not self._revealed(layer):
            return np.tile(np.array([236, 236, 236], np.uint8), (n, 1)), np.ones(n, bool)
        L = len(sc.sizes) - 1
        if layer in (0, L):
            lo, hi = self.movie_range()
            rgb = C.sequential(v, lo, hi)
            if layer == 0 and sc.rated_in is not None:
                rgb[~sc.rated_in] = 255
        else:
            rgb = C.diverging(v, self.hidden_limit())
        return rgb, np.isfinite(v)

    def _revealed(self, layer):
        """During the forward animation layers light up left to right."""
        if self._anim_kind != "forward":
            return True
        L = len(self.scene.sizes) - 1
        return self._progress >= layer / (L + 0.5)

    def _delta_revealed(self, layer):
        if self._anim_kind != "backward":
            return True
        L = len(self.scene.sizes) - 1
        return self._progress >= (L - layer) / (L + 0.5)

    # ------------------------------------------------------------------------------ painting
    def paintEvent(self, ev):
        p = QPainter(self)
        p.fillRect(self.rect(), Qt.GlobalColor.white)
        if self.scene is None:
            p.setPen(FAINT)
            p.drawText(self.rect(), CENTRE, "No network yet: load ratings and build a model")
            p.end()
            return
        p.setFont(self._font)
        try:
            self._paint_edges(p)
            self._paint_overlays(p)
            self._paint_nodes(p)
            self._paint_highlight(p)
            self._paint_labels(p)
            self._paint_sampling(p)
            self._paint_caption(p)
            self._paint_legend(p)
        except Exception as exc:  # never a traceback in the user's face: say it on the canvas
            log.exception("network view paint failed")
            p.fillRect(self.rect(), Qt.GlobalColor.white)
            p.setPen(qc(C.NOT_FINITE))
            p.drawText(self.rect(), CENTRE, f"The network could not be drawn: {exc}")
        p.end()

    def _paint_edges(self, p):
        sc = self.scene
        n = sum(len(e.w) for e in sc.edges)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, n <= ANTIALIAS_EDGES)
        dim = self.overlays and self.snapshot.phase in ("backward",) and sc.gmax > 0
        buckets = self.edge_buckets()
        thin = n > ANTIALIAS_EDGES  # tens of thousands: 1-pixel lines, colour carries strength
        for key in sorted(buckets, key=lambda k: k[1]):
            segs, rgb, width = buckets[key]
            width = 0 if thin else width
            if dim:  # let the gradient overlay stand out
                rgb = tuple(int(255 - (255 - c) * 0.35) for c in rgb)
            pen = QPen(qc(rgb), width)
            pen.setCapStyle(Qt.PenCapStyle.FlatCap)
            if key[1] < 0:
                pen.setStyle(Qt.PenStyle.DashLine)
            p.setPen(pen)
            self._batch.draw(p, segs)

    def _overlay_lines(self, p, attr, vmax, rgb, alpha_scale, edges=None):
        """Gradient or change magnitudes over the edges (`edges`: a subset of the scene's),
        scaled per layer pair.

        Per pair, because the output layer's gradients dwarf the first layer's: a global scale
        would hide exactly the right-to-left flow the backward pass is about.
        """
        if not vmax > 0:
            return
        scale = min(self._zoom, 4.0) ** 0.5
        for pair in self.scene.edges if edges is None else edges:
            vals = getattr(pair, attr)
            if vals is None or not len(vals):
                continue
            mag = np.abs(np.nan_to_num(vals, nan=0.0, posinf=0.0, neginf=0.0))
            lev = C.strength_levels(mag, float(mag.max()))
            seg = self.edge_segments(pair)
            for lv in range(2, C.N_LEVELS):
                m = lev == lv
                if not m.any():
                    continue
                a = int(255 * alpha_scale * (0.15 + 0.85 * C.level_fraction(lv) ** 2))
                pen = QPen(qc(rgb, a), 0.5 + 0.8 * C.level_width(lv, scale))
                pen.setCapStyle(Qt.PenCapStyle.FlatCap)
                p.setPen(pen)
                self._batch.draw(p, seg[m])

    def _paint_overlays(self, p):
        s, sc = self.snapshot, self.scene
        if not self.overlays:
            return
        if s.phase == "backward" and s.grad_weights is not None:
            if self._anim_kind == "backward":  # gradients appear right to left
                L = len(sc.sizes) - 1
                keep = [e for e in sc.edges if self._progress >= (L - 1 - e.layer) / (L + 0.5)]
                self._overlay_lines(p, "grad", sc.gmax, C.GRADIENT, 0.9, edges=keep)
            else:
                self._overlay_lines(p, "grad", sc.gmax, C.GRADIENT, 0.9)
        if s.phase == "update" and s.change_weights is not None:
            flash = 1.0 - 0.6 * self._progress if self._anim_kind == "update" else 0.4
            scale = min(self._zoom, 4.0) ** 0.5
            for pair, lev in zip(sc.edges, self.flash_levels()):
                seg = self.edge_segments(pair) if (lev >= 0).any() else None
                for lv in range(C.N_LEVELS):
                    m = lev == lv
                    if not m.any():
                        continue
                    a = int(255 * flash * (0.25 + 0.75 * C.level_fraction(lv) ** 2))
                    pen = QPen(qc(C.CHANGE, a), 0.5 + 0.8 * C.level_width(lv, scale))
                    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
                    p.setPen(pen)
                    self._batch.draw(p, seg[m])

    def flash_levels(self):
        """Per drawn layer pair, the Update flash of each edge: -1 = none, 0..N_LEVELS-1 = strength.

        Relative, not absolute: only the largest FLASH_SHARE of the changes in each layer pair
        flash, graded by rank among them. Adam moves nearly every weight by about the learning
        rate, so an absolute scale would paint the whole network dark and say nothing."""
        out = []
        for pair in self.scene.edges:
            ch = pair.change
            lev = np.full(len(pair.w), -1, dtype=np.int64)
            if ch is not None and len(ch):
                mag = np.abs(np.nan_to_num(np.asarray(ch, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0))
                moved = np.flatnonzero(mag > 0)
                k = int(np.ceil(C.FLASH_SHARE * len(moved))) if moved.size else 0
                if k:
                    top = moved[np.argsort(-mag[moved], kind="stable")[:k]]
                    rank = np.arange(k)  # 0 = the largest change
                    lev[top] = C.N_LEVELS - 1 - (rank * C.N_LEVELS // k)
            out.append(lev)
        return out

    def _paint_nodes(self, p):
        sc, s = self.scene, self.snapshot
        X, Y, r, spacing, _ = self.geometry_arrays()
        L = len(sc.sizes) - 1
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        show_delta = self.overlays and s.phase == "backward"
        if r < 3:  # thousands of tiny nodes: squares batched by colour, no per-node Python
            self._paint_dense_nodes(p)
            return
        bad = self.corrupted_inputs()
        lo, hi = self.movie_range()
        for l in range(L + 1):
            rgb, finite = self.node_fill(l)
            rated = sc.rated_in if l == 0 else (sc.rated_out if l == L else None)
            noisy = bad[sc.shown[0]] if (l == 0 and bad is not None and self._revealed(0)) else None
            dmax = 0.0
            if show_delta and sc.deltas[l] is not None and self._delta_revealed(l):
                d = np.abs(sc.deltas[l][np.isfinite(sc.deltas[l])])
                dmax = float(d.max()) if d.size else 0.0
            biases = sc.biases[l]
            bmax = sc.wmax if sc.wmax > 0 else 1.0
            brgb = C.diverging(biases, bmax) if biases is not None else None
            xs, ys = X[l], Y[l]
            for i in range(len(xs)):
                c = QPointF(xs[i], ys[i])
                if biases is not None and r >= 3:
                    b = r * 0.55
                    rect = QRectF(c.x() - r - b - 3, c.y() - b / 2, b, b)
                    p.setPen(QPen(GREY, 0.6))
                    p.setBrush(qc(brgb[i]) if np.isfinite(biases[i]) else qc(C.NOT_FINITE))
                    p.drawRect(rect)
                if dmax > 0:
                    dv = sc.deltas[l][i]
                    if np.isfinite(dv) and abs(dv) > 0:
                        wring = 1.0 + 5.0 * min(abs(dv) / dmax, 1.0)
                        p.setPen(QPen(qc(C.GRADIENT, 200), wring))
                        p.setBrush(Qt.BrushStyle.NoBrush)
                        p.drawEllipse(c, r + 2 + wring / 2, r + 2 + wring / 2)
                if l == L and rated is not None and rated[i] and sc.target is not None and sc.values[l] is not None \
                        and self._revealed(l):
                    trgb = C.sequential(np.array([sc.target[i]]), lo, hi)[0]
                    p.setPen(QPen(qc(trgb), max(2.0, r * 0.35)))
                    p.setBrush(Qt.BrushStyle.NoBrush)
                    rr = r + max(2.0, r * 0.35) / 2 + 1
                    p.drawEllipse(c, rr, rr)
                unrated = rated is not None and not rated[i]
                if not finite[i]:
                    p.setPen(QPen(qc(C.NOT_FINITE), 1.5))
                    p.setBrush(QColor(255, 225, 225))
                    p.drawEllipse(c, r, r)
                    k = r * 0.55
                    p.drawLine(QPointF(c.x() - k, c.y() - k), QPointF(c.x() + k, c.y() + k))
                    p.drawLine(QPointF(c.x() - k, c.y() + k), QPointF(c.x() + k, c.y() - k))
                    continue
                if noisy is not None and noisy[i]:
                    if np.asarray(s.x_input)[sc.shown[0][i]] == 0:  # hidden by masking noise
                        self._noise_mark(p, c, r)
                        continue
                    p.setPen(QPen(qc(C.NOISE), max(1.5, r * 0.3)))  # gaussian: the value moved
                    p.setBrush(qc(rgb[i]))
                    p.drawEllipse(c, r, r)
                    continue
                pen = QPen(GREY if unrated else INK, 1.0)
                if unrated:
                    pen.setStyle(Qt.PenStyle.DashLine)
                p.setPen(pen)
                p.setBrush(qc(rgb[i]))
                p.drawEllipse(c, r, r)
        if self.selected is not None:
            pos = sc.position(*self.selected)
            if pos is not None:
                l = self.selected[0]
                c = QPointF(X[l][pos], Y[l][pos])
                p.setPen(QPen(QColor(0, 0, 0), 2.5))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawEllipse(c, r + 6, r + 6)

    def set_text_scale(self, scale: float):
        """All the canvas's text `scale` times its usual size (presentation mode on a projector)."""
        self._font.setPointSizeF(8.5 * scale)
        self._small.setPointSizeF(7.5 * scale)
        self._bold.setPointSizeF(8.5 * scale)
        self._text_scale = float(scale)
        self._geo = None
        self._lay = None
        self.update()

    def font_sizes(self):
        """(text, small text) point sizes the canvas paints with now."""
        return self._font.pointSizeF(), self._small.pointSizeF()

    def highlighted_positions(self):
        """(nodes [(layer, position among the shown)], edges {layer: bool mask over the drawn
        edges}) of the highlight as drawn now: what a lesson link shows."""
        hl, sc = self.highlight, self.scene
        if hl is None or sc is None:
            return [], {}
        nodes = []
        for layer, idx in hl.nodes:
            if 0 <= layer < len(sc.shown):
                want = sc.shown[layer] if idx is None else [idx]
                nodes += [(layer, k) for k in (sc.position(layer, i) for i in want) if k is not None]
        edges = {}
        for pair in sc.edges:
            if pair.layer in hl.edges:
                cells = hl.edges[pair.layer]
                m = np.ones(len(pair.w), bool) if cells is None else np.zeros(len(pair.w), bool)
                for r, c in cells or ():
                    m |= (pair.rows == r) & (pair.cols == c)
                if m.any():
                    edges[pair.layer] = m
        return nodes, edges

    def _paint_highlight(self, p):
        nodes, edges = self.highlighted_positions()
        if not nodes and not edges:
            return
        X, Y, r, *_ = self.geometry_arrays()
        green = QColor(0, 190, 80, 210)
        for pair in self.scene.edges:
            if pair.layer in edges:
                pen = QPen(green, 4.0 if len(pair.w) < 50 else 2.0)
                pen.setCapStyle(Qt.PenCapStyle.RoundCap)
                p.setPen(pen)
                self._batch.draw(p, self.edge_segments(pair)[edges[pair.layer]])
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(QPen(QColor(0, 170, 70), 3.5))
        p.setBrush(Qt.BrushStyle.NoBrush)
        for layer, k in nodes:
            p.drawEllipse(QPointF(X[layer][k], Y[layer][k]), r + 5, r + 5)

    def _paint_dense_nodes(self, p):
        X, Y, r, *_ = self.geometry_arrays()
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.setPen(Qt.PenStyle.NoPen)
        h = max(r, 1.0)
        for l in range(len(X)):
            rgb, finite = self.node_fill(l)
            rgb = rgb.astype(np.int64)
            rgb[~finite] = C.NOT_FINITE
            q = (rgb // 16) * 16 + 8  # 16 levels per channel: a few dozen brushes, not thousands
            keys = (q[:, 0] << 16) | (q[:, 1] << 8) | q[:, 2]
            rects = np.column_stack([X[l] - h, Y[l] - h, np.full(len(X[l]), 2 * h), np.full(len(X[l]), 2 * h)])
            for k in np.unique(keys):
                p.setBrush(QColor(int(k >> 16), int((k >> 8) & 255), int(k & 255)))
                self._rects.draw(p, rects[keys == k])

    def _paint_labels(self, p):
        sc = self.scene
        X, Y, r, spacing, xs = self.geometry_arrays()
        L = len(sc.sizes) - 1
        fm = QFontMetrics(self._font)
        lh = fm.height()
        readable = spacing >= lh * 0.95
        # column headers: the layout picked titles that fit between the columns
        heads = self.current_layout().heads
        fb = QFontMetrics(self._bold)
        top_y = (min(float(y.min()) for y in Y if len(y)) if any(len(y) for y in Y) else 60) - r - lh - 12
        for l in range(L + 1):
            lines = heads[l]
            for j, text in enumerate(lines):
                p.setFont(self._bold if j == 0 else self._small)
                p.setPen(INK if j == 0 else FAINT)
                wdt = fb.horizontalAdvance(text) + 16
                y0 = top_y - lh * (len(lines) - j)
                p.drawText(QRectF(xs[l] - wdt / 2, y0, wdt, lh), CENTRE, text)
        p.setFont(self._font)
        self._paint_sparsity(p)
        vals = sc.values
        # values inside nodes (hidden) when they fit
        for l in range(1, L):
            if vals[l] is None or not self._revealed(l):
                continue
            rgb, _ = self.node_fill(l)
            for i in range(len(X[l])):
                if r >= 11:
                    txt = num(vals[l][i]) if np.isfinite(vals[l][i]) else "NaN"
                    p.setPen(qc(C.text_on(rgb[i])) if np.isfinite(vals[l][i]) else qc(C.NOT_FINITE))
                    p.setFont(self._small)
                    p.drawText(QRectF(X[l][i] - r, Y[l][i] - r, 2 * r, 2 * r), CENTRE, txt)
                if readable and spacing >= 2 * r + lh * 0.8:
                    p.setFont(self._small)
                    p.setPen(FAINT)
                    p.drawText(QRectF(X[l][i] - 30, Y[l][i] + r + 1, 60, lh), CENTRE_TOP,
                               f"h{l}.{sc.shown[l][i] + 1}")
        p.setFont(self._font)
        if readable:
            self._paint_movie_labels(p, fm)
        self._paint_vectors(p, fm)
        p.setPen(FAINT)
        p.setFont(self._small)
        for rect, text in self.collapsed_labels():
            p.drawText(rect, CENTRE, text)
        p.setPen(qc(C.TIED))
        for rect, text in self.tied_labels():
            p.drawText(rect, CENTRE, text)
        p.setFont(self._font)

    def tied_labels(self):
        """[(QRectF, text)] under each weight layer pair that shares its matrix (tied weights):
        'W1, shared' under the encoder, 'W2 = W1ᵀ, tied' under the decoder; below every node and
        '+N more' note, so nothing overlaps."""
        sc, s = self.scene, self.snapshot
        tied = getattr(s, "tied_with", ()) or ()
        if not any(t is not None for t in tied):
            return []
        X, Y, r, spacing, xs = self.geometry_arrays()
        fm = QFontMetrics(self._small)
        lh = fm.height()
        lowest = max(float(y.max()) for y in Y if len(y))
        y = lowest + r + 4 + (max(spacing, lh) + lh / 2 if any(sc.hidden_count) else 0)
        out = []
        for l, m in enumerate(tied):
            if m is None:
                continue
            text = f"W{l + 1} = W{m + 1}ᵀ, tied" if l > m else f"W{l + 1}, shared with W{m + 1}"
            gap = float(xs[l + 1] - xs[l])
            wdt = min(gap - 10, fm.horizontalAdvance(text) + 6)
            if wdt < fm.horizontalAdvance(f"W{l + 1} = W{m + 1}ᵀ"):
                text = f"W{l + 1} = W{m + 1}ᵀ" if l > m else f"W{l + 1}"
                wdt = min(gap - 4, fm.horizontalAdvance(text) + 4)
            out.append((QRectF((xs[l] + xs[l + 1]) / 2 - wdt / 2, y, wdt, lh), text))
        return out

    def collapsed_labels(self):
        """[(QRectF, text)] of the '+N more movies' notes under collapsed columns, as painted:
        each no wider than its column's share, so neighbours never overlap."""
        sc = self.scene
        X, Y, r, spacing, xs = self.geometry_arrays()
        L = len(sc.sizes) - 1
        fm = QFontMetrics(self._small)
        lh = fm.height()
        gap = float(xs[1] - xs[0]) if L else float(self.width())
        room = max(gap - 10, 20.0)
        out = []
        for l in range(L + 1):
            if sc.hidden_count[l] and len(Y[l]):
                y = float(Y[l][-1]) + max(spacing, lh)
                text = more_label(sc.hidden_count[l], f"{self.entry}s" if l in (0, L) else "nodes", room, fm.horizontalAdvance)
                wdt = min(room, fm.horizontalAdvance(text) + 6)
                out.append((QRectF(xs[l] - wdt / 2, y - lh / 2, wdt, lh), text))
        return out

    def _paint_vectors(self, p, fm):
        """Small networks: each layer's values as a vector under its column, as the seed writes them."""
        sc, s = self.scene, self.snapshot
        if s.activations is None or max(sc.sizes) > 8:
            return
        X, Y, r, spacing, xs = self.geometry_arrays()
        L = len(sc.sizes) - 1
        y = max(float(y.max()) for y in Y) + r + 30  # leaves room for the tied-weights note
        vec = lambda a: "[" + " ".join(num(v) for v in a) + "]"
        p.setFont(self._font)
        gap = float(xs[1] - xs[0]) if L else self.width()
        texts = {}
        for l in range(L + 1):
            if not self._revealed(l):
                continue
            if l == 0:
                lines = [f"x = {vec(s.activations[0])}"]
            else:
                a, h = s.preacts[l - 1], s.activations[l]
                name = "ŷ" if l == L else f"h{l}"
                act = s.activation_names[l - 1]
                lines = [f"a = W·{'x' if l == 1 else f'h{l - 1}'} = {vec(a)}"]
                lines.append(f"{name} = {vec(h)}" if act == "identity" else f"{name} = {act}(a) = {vec(h)}")
                if l == L and act == "softmax" and np.isfinite(h).all():
                    onehot = (h == h.max()).astype(int)
                    lines.append(f"arg-max one-hot = {vec(onehot)}")
            if max(fm.horizontalAdvance(t) for t in lines) > gap - 8:  # narrow: drop the derivations
                lines = [t.split(" = ")[0] + " = " + t.split(" = ")[-1] for t in lines]
            texts[l] = lines
        half = {l: max(fm.horizontalAdvance(t) for t in lines) / 2 for l, lines in texts.items()}
        for l, lines in texts.items():
            # an odd layer moves below its neighbours only when its text would run into theirs
            crowded = any(half[l] + half[k] + 8 > gap for k in (l - 1, l + 1) if k in half)
            stagger = 3 if (l % 2 and crowded) else 0
            for j, t in enumerate(lines):
                wdt = fm.horizontalAdvance(t) + 12
                p.setPen(INK if j == len(lines) - 1 or l == 0 else FAINT)
                p.drawText(QRectF(xs[l] - wdt / 2, y + (j + stagger) * (fm.height() + 3), wdt, fm.height()),
                           CENTRE, t)

    def _title(self, i):
        if self.titles is not None and i < len(self.titles):
            return str(self.titles[i])
        return f"movie {i + 1}"

    def corrupted_inputs(self):
        """Inputs the network was fed differently from the clean ratings (denoising), as a bool array."""
        s = self.snapshot
        if s.x_input is None or s.x_target is None or s.x_input is s.x_target:
            return None
        cached = getattr(self, "_bad", None)
        if cached is not None and cached[0] is s:
            return cached[1]
        a, b = np.asarray(s.x_input, dtype=np.float64), np.asarray(s.x_target, dtype=np.float64)
        diff = ~np.isclose(a, b) & np.isfinite(a)
        self._bad = (s, diff if diff.any() else None)
        return self._bad[1]

    def _paint_movie_labels(self, p, fm):
        sc, s = self.scene, self.snapshot
        X, Y, r, spacing, xs = self.geometry_arrays()
        lay = self.current_layout()
        L = len(sc.sizes) - 1
        lh = fm.height()
        # inputs: title (elided) | rating | node
        x0 = xs[0] - r - (r * 0.55 + 6)
        rw, tw = lay.rating_w, lay.title_left
        xin = s.x_input if s.x_input is not None else None
        bad = self.corrupted_inputs()
        p.setFont(self._small)
        p.setPen(FAINT)
        if tw:
            p.drawText(QRectF(x0 - rw - tw - 4, Y[0][0] - r - lh - 6, tw, lh), RIGHT_BOTTOM, self.entry)
        head = "clean  fed" if bad is not None else "rating"
        if QFontMetrics(self._small).horizontalAdvance(head) > rw:
            head = "x"
        p.drawText(QRectF(x0 - rw - 2, Y[0][0] - r - lh - 6, rw, lh), RIGHT_BOTTOM, head)
        p.setFont(self._font)
        for i, idx in enumerate(sc.shown[0]):
            y = Y[0][i]
            if tw:
                title = fm.elidedText(self._title(idx), Qt.TextElideMode.ElideRight, int(tw - 2))
                p.setPen(INK)
                p.drawText(QRectF(x0 - rw - tw - 4, y - lh / 2, tw, lh), RIGHT_MIDDLE, title)
            if xin is not None:
                rated = sc.rated_in is None or sc.rated_in[i]
                txt = num(xin[idx]) if rated else "–"
                p.setPen(INK if rated else GREY)
                if rated and not np.isfinite(xin[idx]):
                    p.setPen(qc(C.NOT_FINITE))
                cell = QRectF(x0 - rw - 2, y - lh / 2, rw, lh)
                if bad is not None and bad[idx]:
                    # the clean rating struck through, the corrupted value fed beside it, in the noise colour
                    clean = num(s.x_target[idx])
                    p.setPen(qc(C.NOISE))
                    p.drawText(cell, RIGHT_MIDDLE, txt)
                    f = QFont(self._small)
                    f.setStrikeOut(True)
                    p.setFont(f)
                    p.setPen(FAINT)
                    p.drawText(QRectF(cell.left(), cell.top(), rw / 2, lh), RIGHT_MIDDLE, clean)
                    p.setFont(self._font)
                    continue
                p.drawText(cell, RIGHT_MIDDLE, txt)
        # outputs: node | prediction | target | error | title
        lay = self.current_layout()
        show_err = s.output_error is not None and self.overlays
        show_pre = s.activation_names[-1] != "identity" and sc.pre[L] is not None
        cols = [(n, w) for n, w in lay.columns if (n != "error" or show_err) and (n != "a" or show_pre)]
        p.setFont(self._small)
        p.setPen(FAINT)
        cx = xs[L] + r + max(2.0, r * 0.35) + 8
        for name, wdt in cols:
            p.drawText(QRectF(cx, Y[L][0] - r - lh - 6, wdt, lh), LEFT_BOTTOM, name)
            cx += wdt
        if lay.title_right:
            p.drawText(QRectF(cx, Y[L][0] - r - lh - 6, 80, lh), LEFT_BOTTOM, self.entry)
        p.setFont(self._font)
        vals = sc.values[L] if self._revealed(L) else None
        softmax = s.activation_names[-1] == "softmax" and vals is not None
        top = int(np.nanargmax(np.where(np.isfinite(vals), vals, -np.inf))) if softmax and np.isfinite(vals).any() else -1
        emax = float(np.max(np.abs(sc.error[np.isfinite(sc.error)]))) if show_err and sc.error is not None \
            and np.isfinite(sc.error).any() else 0.0
        pens = {"value": INK, "faint": FAINT, "grey": GREY, "bad": qc(C.NOT_FINITE), "clip": QColor(190, 90, 0),
                "error": QColor(170, 30, 30)}
        for i, cells in enumerate(self.output_cells()):
            y = Y[L][i]
            for name, rect, text, style in cells:
                if name == "error" and emax > 0 and np.isfinite(sc.error[i]) and text:
                    bw = (rect.width() - 2) * min(abs(sc.error[i]) / emax, 1.0)
                    p.fillRect(QRectF(rect.left() - 2, y - lh / 2 + 2, bw, lh - 3), QColor(250, 210, 210))
                p.setPen(pens[style])
                p.drawText(rect, LEFT_MIDDLE, text)
            if lay.title_right:
                cx = xs[L] + r + max(2.0, r * 0.35) + 8 + sum(w for _, w in cols)
                p.setPen(INK)
                room = max(20, int(self.width() - cx - 6))
                p.drawText(QRectF(cx, y - lh / 2, room, lh), LEFT_MIDDLE,
                           _fit_title(fm, self._title(sc.shown[L][i]), i == top, room))

    def output_cells(self):
        """Per shown output node, its value cells as painted: [(column, QRectF, text, style)].

        ŷ is the network's raw output; when it lies outside the rating scale, the rating it
        stands for follows in its own cell ('6.31', '→ 5'), so neither hides the other."""
        sc, s = self.scene, self.snapshot
        X, Y, r, spacing, xs = self.geometry_arrays()
        L = len(sc.sizes) - 1
        lay = self.current_layout()
        fm = QFontMetrics(self._font)
        lh = fm.height()
        show_err = s.output_error is not None and self.overlays
        show_pre = s.activation_names[-1] != "identity" and sc.pre[L] is not None
        cols = [(n, w) for n, w in lay.columns if (n != "error" or show_err) and (n != "a" or show_pre)]
        vals = sc.values[L] if self._revealed(L) else None
        clipped = self.clipped(vals)
        x0 = xs[L] + r + max(2.0, r * 0.35) + 8
        out = []
        for i in range(len(sc.shown[L])):
            y = Y[L][i]
            rated = sc.rated_out is None or sc.rated_out[i]
            cells, cx = [], x0
            for name, wdt in cols:
                if name == "ŷ":
                    pv = num(vals[i]) if vals is not None else "–"
                    bad = pv == "not finite"
                    if vals is not None and not bad and clipped[i] != vals[i]:
                        tw = fm.horizontalAdvance(pv) + 4
                        cells.append((name, QRectF(cx, y - lh / 2, tw, lh), pv, "value"))
                        cells.append(("rating", QRectF(cx + tw, y - lh / 2, wdt - tw, lh),
                                      f"→ {num(clipped[i])}", "clip"))
                    else:
                        cells.append((name, QRectF(cx, y - lh / 2, wdt, lh), "NaN ✕" if bad else pv,
                                      "bad" if bad else "value"))
                elif name == "a":
                    av = num(sc.pre[L][i]) if vals is not None else "–"
                    bad = av == "not finite"
                    cells.append((name, QRectF(cx, y - lh / 2, wdt, lh), "NaN ✕" if bad else av,
                                  "bad" if bad else "faint"))
                elif name == "target":
                    unrated = "not rated" if wdt >= 50 else "–"
                    tv = num(sc.target[i]) if (sc.target is not None and rated) else \
                        (unrated if sc.target is not None else "–")
                    cells.append((name, QRectF(cx, y - lh / 2, wdt, lh), tv, "value" if rated else "grey"))
                elif name == "error":
                    text = signed(sc.error[i]) if (rated and sc.error is not None) else ""
                    cells.append((name, QRectF(cx, y - lh / 2 - 1, wdt, lh), text, "error"))
                cx += wdt
            out.append(cells)
        return out

    def _paint_sparsity(self, p):
        """Sparse models: each unit's mean activation over the users as a small bar beside the node,
        with a tick at the target rho (the value the KL penalty pulls every unit towards)."""
        sc, s = self.scene, self.snapshot
        sp = (s.extras or {}).get("sparsity") if s.extras else None
        if not sp or not self.overlays:
            return
        X, Y, r, spacing, xs = self.geometry_arrays()
        fm = QFontMetrics(self._small)
        rho = sp.get("target")
        for layer, means in (sp.get("layers") or {}).items():
            layer = int(layer)
            if not 0 < layer < len(sc.sizes) - 1 or not len(X[layer]):
                continue
            m = np.asarray(means, dtype=np.float64)[sc.shown[layer]]
            hi = 1.0 if rho is not None else max(float(np.nanmax(np.abs(m))) if np.isfinite(m).any() else 1.0, 1e-9)
            gap = float(xs[1] - xs[0]) if len(xs) > 1 else 60.0
            bw = float(np.clip(gap * 0.28, 12, 34))
            bh = float(np.clip(spacing * 0.28, 2.5, 5))
            p.setPen(Qt.PenStyle.NoPen)
            for i in range(len(m)):
                x, y = X[layer][i] + r + 3, Y[layer][i] - bh / 2
                p.setBrush(LIGHT)
                p.drawRect(QRectF(x, y, bw, bh))
                if np.isfinite(m[i]):
                    over = rho is not None and m[i] > rho
                    p.setBrush(qc(C.SPARSE_OVER if over else C.SPARSE_OK))
                    p.drawRect(QRectF(x, y, bw * float(np.clip(abs(m[i]) / hi, 0, 1)), bh))
            if rho is not None:
                p.setPen(QPen(qc(C.NOT_FINITE), 1.2))
                tx = X[layer][0] + r + 3 + bw * rho
                for i in range(len(m)):
                    p.drawLine(QPointF(tx, Y[layer][i] - bh / 2 - 1.5), QPointF(tx, Y[layer][i] + bh / 2 + 1.5))
            # a caption under the column: the target against the layer's mean
            mean = float(np.nanmean(np.asarray(means, dtype=np.float64))) if np.size(means) else float("nan")
            text = (f"ρ {num(rho)} · mean {num(mean)}" if rho is not None else f"mean |h| {num(mean)}")
            y = min(float(yy.min()) for yy in Y if len(yy)) - r - fm.height() - 6
            p.setFont(self._small)
            p.setPen(qc(C.SPARSE_OVER) if rho is not None and mean > rho * 1.5 else FAINT)
            wdt = fm.horizontalAdvance(text) + 8
            p.drawText(QRectF(xs[layer] - wdt / 2, y, wdt, fm.height()), CENTRE, text)
        p.setFont(self._font)

    def sampling_cells(self):
        """The VAE's sampling beside its code layer, right after Forward: a small table of
        z = mu + sigma * eps for the units listed in the scene, as (QRectF, text, role) with role
        'title', 'head', 'unit', 'mu', 'sigma', 'eps', 'z' or 'note'; [] when there is none. The
        box is laid out in the gap right of the code layer (left of it when that gap is off
        screen). It never covers the output column's values (the forward pass's result, shown at
        the same moment): when the gap is narrow it shifts left towards the code layer's nodes,
        in the small font."""
        sc = self.scene
        sm = sc.sampling if sc is not None else None
        if sm is None or not self.overlays or not self._revealed(sm.layer):
            return []
        X, Y, r, spacing, xs = self.geometry_arrays()
        fm, fb = QFontMetrics(self._small), QFontMetrics(self._bold)
        lh = fm.height() + 1
        roles = ("unit", "mu", "sigma", "eps", "z")
        rows = [("", "μ", "σ", "ε", "z")] + [
            (f"z{int(u) + 1}", num(m), num(s), num(e), num(z))
            for u, m, s, e, z in zip(sm.units, sm.mu, sm.sigma, sm.eps, sm.z)]
        widths = [max(fm.horizontalAdvance(row[c]) for row in rows) + 10 for c in range(len(roles))]
        title = "sampling: z = μ + σ·ε"
        notes = [f"ε ~ N(0, 1) · KL {num(sm.kl)} · β {num(sm.beta)}"]
        if sm.n_units > len(sm.units):
            notes.append(f"{len(sm.units)} of {sm.n_units} units: largest |σ·ε|")
        w = max(sum(widths), fb.horizontalAdvance(title), *(fm.horizontalAdvance(t) for t in notes)) + 12
        h = lh * (len(rows) + len(notes)) + fb.height() + 10
        x0 = float(xs[sm.layer]) + r + 14
        if sm.layer < len(xs) - 1:  # end before the output nodes, not over their values
            x0 = max(min(x0, float(xs[-1]) - r - 6 - w), float(xs[sm.layer]) + r + 6)
        if x0 + w > self.width() - 4:
            x0 = float(xs[sm.layer]) - r - 14 - w
        ys = Y[sm.layer]
        mid = float(ys.mean()) if len(ys) else self.height() / 2
        y0 = float(np.clip(mid - h / 2, 4, max(self.height() - h - self._caption_height(), 4)))
        cells = [(QRectF(x0, y0, w, h), "", "box"),
                 (QRectF(x0 + 6, y0 + 4, w - 12, fb.height()), title, "title")]
        y = y0 + 6 + fb.height()
        for k, row in enumerate(rows):
            x = x0 + 6
            for c, text in enumerate(row):
                role = "head" if k == 0 else roles[c]
                cells.append((QRectF(x, y, widths[c], lh), text, role))
                x += widths[c]
            y += lh
        for t in notes:
            cells.append((QRectF(x0 + 6, y, w - 12, lh), t, "note"))
            y += lh
        return cells

    def _paint_sampling(self, p):
        cells = self.sampling_cells()
        if not cells:
            return
        sm = self.scene.sampling
        X, Y, r, _, _ = self.geometry_arrays()
        box = cells[0][0]
        # a ring round each listed unit's node and a line to its row: which circle each row is
        unit_rows = [rect for rect, _, role in cells if role == "unit"]
        for pos, rect in zip(sm.positions, unit_rows):
            if pos >= 0:
                x, y = float(X[sm.layer][pos]), float(Y[sm.layer][pos])
                edge = box.left() if box.left() > x else box.right()
                p.setPen(QPen(qc(C.SAMPLING, 170), 1.2, Qt.PenStyle.DashLine))
                p.drawLine(QPointF(x + (r + 3 if edge > x else -r - 3), y), QPointF(edge, rect.center().y()))
                p.setPen(QPen(qc(C.SAMPLING), 2))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawEllipse(QPointF(x, y), r + 3, r + 3)
        p.setPen(QPen(qc(C.SAMPLING), 1.2))
        p.setBrush(QColor(255, 255, 255, 235))
        p.drawRoundedRect(box, 5, 5)
        colour = {"title": INK, "head": FAINT, "unit": FAINT, "mu": INK, "sigma": INK,
                  "eps": qc(C.SAMPLING), "z": qc(C.SAMPLING), "note": FAINT}
        for rect, text, role in cells[1:]:
            p.setFont(self._bold if role == "title" else self._small)
            p.setPen(colour[role])
            align = Qt.AlignmentFlag.AlignLeft if role in ("title", "note", "unit") else Qt.AlignmentFlag.AlignRight
            p.drawText(rect, align | Qt.AlignmentFlag.AlignVCenter, text)
        p.setFont(self._font)

    def caption_lines(self):
        """The two caption lines as painted (elided to the width): the phase, or the divergence
        in its place, then where training stands. The status comes before the extras, so a
        narrow view cuts 'movies shown', never the user."""
        s, sc = self.snapshot, self.scene
        room = max(40, self.width() - 20)
        head = ("⚠ " + str(s.diverged)) if s.diverged else PHASE_CAPTIONS.get(s.phase, s.phase)
        info = status_line(s)
        if sc.lod:
            k = max((len(e.w) for e in sc.edges), default=0)
            info += f"  ·  big network: strongest {k:,} edges per layer pair of {sc.total_edges:,}"
        if any(sc.hidden_count):
            info += f"  ·  {len(sc.shown[0])} of {sc.sizes[0]:,} {self.entry}s shown"
        return (QFontMetrics(self._bold).elidedText(head, Qt.TextElideMode.ElideRight, room),
                QFontMetrics(self._small).elidedText(info, Qt.TextElideMode.ElideRight, room))

    def _paint_caption(self, p):
        head, info = self.caption_lines()
        p.setFont(self._bold)
        p.setPen(qc(C.NOT_FINITE) if self.snapshot.diverged else INK)
        p.drawText(QRectF(10, 6, self.width() - 20, 18), LEFT_MIDDLE, head)
        p.setFont(self._small)
        p.setPen(FAINT)
        p.drawText(QRectF(10, 24, self.width() - 20, 16), LEFT_MIDDLE, info)

    def _gradient_bar(self, p, rect, stops, lo_txt, hi_txt, title):
        g = QLinearGradient(rect.topLeft(), rect.topRight())
        for t, rgb in stops:
            g.setColorAt(t, qc(rgb))
        p.setPen(QPen(GREY, 0.6))
        p.setBrush(QBrush(g))
        p.drawRect(rect)
        p.setPen(FAINT)
        p.setFont(self._legend_font)
        p.drawText(QRectF(rect.left(), rect.top() - 15, 200, 14), LEFT_MIDDLE, title)
        p.drawText(QRectF(rect.left() - 30, rect.bottom() + 1, 60, 13), CENTRE, lo_txt)
        p.drawText(QRectF(rect.right() - 30, rect.bottom() + 1, 60, 13), CENTRE, hi_txt)

    def legend_items(self):
        """(width, height, paint(p, x, y), label) of each legend entry, in reading order."""
        s = self.snapshot
        fm = QFontMetrics(self._legend_font)
        items = []

        def weights(p, x, y):
            lo, zero, hi = self.weight_scale_labels()
            p.setPen(FAINT)
            p.drawText(QRectF(x, y, 200, 14), LEFT_MIDDLE, "weight w (width, colour ∝ |w|)")
            for j, lv in enumerate(range(C.N_LEVELS - 1, -1, -1)):
                p.setPen(QPen(qc(C.level_rgb(-1, lv)), C.level_width(lv)))
                p.drawLine(QPointF(x + 4 + j * 10, y + 19), QPointF(x + 4 + j * 10, y + 32))
            for j, lv in enumerate(range(C.N_LEVELS)):
                p.setPen(QPen(qc(C.level_rgb(1, lv)), C.level_width(lv)))
                p.drawLine(QPointF(x + 76 + j * 10, y + 19), QPointF(x + 76 + j * 10, y + 32))
            p.setPen(FAINT)
            p.drawText(QRectF(x - 12, y + 34, 40, 13), CENTRE, lo)
            p.drawText(QRectF(x + 50, y + 34, 20, 13), CENTRE, zero)
            p.drawText(QRectF(x + 110, y + 34, 40, 13), CENTRE, hi)
        items.append((176, 48, weights, "weight w"))

        def hidden(p, x, y):
            lim = self.hidden_limit()
            self._gradient_bar(p, QRectF(x, y + 19, 110, 12), [(0, C.NEGATIVE), (0.5, C.WHITE), (1, C.POSITIVE)],
                               f"−{num(lim)}", f"+{num(lim)}", "hidden activation h")
        items.append((146, 48, hidden, "hidden activation h"))
        lo, hi = self.movie_range()

        def rating(p, x, y):
            lut = [(t, C.sequential(np.array([lo + t * (hi - lo)]), lo, hi)[0]) for t in np.linspace(0, 1, 6)]
            self._gradient_bar(p, QRectF(x, y + 19, 110, 12), lut, num(lo), num(hi), "rating / prediction ŷ")
        items.append((146, 48, rating, "rating / prediction ŷ"))
        r = 6.0

        def not_rated(p, c):
            p.setPen(QPen(GREY, 1, Qt.PenStyle.DashLine))
            p.setBrush(Qt.GlobalColor.white)
            p.drawEllipse(c, r, r)

        def ring(p, c):
            p.setPen(QPen(qc(C.sequential(np.array([hi]), lo, hi)[0]), 3))
            p.setBrush(qc(C.sequential(np.array([lo + 0.4 * (hi - lo)]), lo, hi)[0]))
            p.drawEllipse(c, r, r)

        marks = [("not rated", not_rated), ("ring = target rating", ring)]
        extras = s.extras or {}
        if extras.get("corruption") or self.corrupted_inputs() is not None:
            marks.append(("hidden by noise (fed value, clean struck)", lambda p, c: self._noise_mark(p, c, r)))
        sp = extras.get("sparsity")
        if sp:
            label = "mean activation over users, | = ρ" if sp.get("target") is not None else "mean |activation| over users"

            def bar(p, c):
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(LIGHT)
                p.drawRect(QRectF(c.x() - 7, c.y() - 2, 16, 4))
                p.setBrush(qc(C.SPARSE_OK))
                p.drawRect(QRectF(c.x() - 7, c.y() - 2, 6, 4))
                if sp.get("target") is not None:
                    p.setPen(QPen(qc(C.NOT_FINITE), 1.2))
                    p.drawLine(QPointF(c.x() - 4, c.y() - 4), QPointF(c.x() - 4, c.y() + 4))
            marks.append((label, bar))
        if s.bias:
            def bias(p, c):
                p.setPen(QPen(GREY, 0.6))
                p.setBrush(qc(C.diverging(np.array([0.6]), 1.0)[0]))
                p.drawRect(QRectF(c.x() - 4, c.y() - 4, 8, 8))
            marks.append(("bias", bias))

        def delta(p, c):
            p.setPen(QPen(qc(C.GRADIENT, 200), 3))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawEllipse(c, r, r)

        def change(p, c):
            p.setPen(QPen(qc(C.CHANGE, 150), 3))
            p.drawLine(QPointF(c.x() - 7, c.y() + 4), QPointF(c.x() + 7, c.y() - 4))

        def not_finite(p, c):
            p.setPen(QPen(qc(C.NOT_FINITE), 1.6))
            p.drawLine(QPointF(c.x() - 5, c.y() - 5), QPointF(c.x() + 5, c.y() + 5))
            p.drawLine(QPointF(c.x() - 5, c.y() + 5), QPointF(c.x() + 5, c.y() - 5))

        marks += [("δ / |gradient| (backward)", delta), (f"largest {C.FLASH_SHARE:.0%} of changes (update)", change), ("not finite", not_finite)]
        for text, glyph in marks:
            def paint(p, x, y, text=text, glyph=glyph):
                glyph(p, QPointF(x + r, y + 8))
                p.setPen(FAINT)
                p.setFont(self._legend_font)
                p.drawText(QRectF(x + 2 * r + 6, y, 400, 16), LEFT_MIDDLE, text)
            items.append((2 * r + 6 + fm.horizontalAdvance(text) + 16, 18, paint, text))
        return items

    def weight_scale_labels(self):
        """The weight legend's ends and middle ('−0.5', '0', '+0.5'; '−5e+29' once training diverged)."""
        wl = C.nice_limit(self.scene.wmax) if self.scene.wmax > 0 else 1.0
        return f"−{num(wl)}", "0", f"+{num(wl)}"

    def _legend_rows(self, width):
        """The legend flowed into rows that fit `width`: [(row height, [(x, item)])]."""
        rows, x, cur, h = [], 14.0, [], 0.0
        for item in self.legend_items():
            wdt, hgt = item[:2]
            if cur and x + wdt > width - 8:
                rows.append((h, cur))
                x, cur, h = 14.0, [], 0.0
            cur.append((x, item))
            x += wdt
            h = max(h, hgt)
        if cur:
            rows.append((h, cur))
        return rows

    def _legend_height(self, width) -> float:
        k = self._text_scale
        return (sum(h for h, _ in self._legend_rows(width / k)) + 10) * k

    def _noise_mark(self, p, c, r):
        """An input hidden or changed by the denoising corruption: white, crossed in the noise colour."""
        p.setPen(QPen(qc(C.NOISE), 1.3, Qt.PenStyle.DashLine))
        p.setBrush(Qt.GlobalColor.white)
        p.drawEllipse(c, r, r)
        k = r * 0.6
        p.setPen(QPen(qc(C.NOISE), 1.6))
        p.drawLine(QPointF(c.x() - k, c.y() - k), QPointF(c.x() + k, c.y() + k))
        p.drawLine(QPointF(c.x() - k, c.y() + k), QPointF(c.x() + k, c.y() - k))

    def _paint_legend(self, p):
        """Colour scales and marker keys along the bottom, flowed into as many rows as the width needs."""
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        k = self._text_scale  # presentation mode: the whole legend, keys and text, k times larger
        p.save()
        p.scale(k, k)
        width, height = self.width() / k, self.height() / k
        rows = self._legend_rows(width)
        top = height - sum(h for h, _ in rows) - 8
        p.fillRect(QRectF(0, top - 4, width, height - top + 4), QColor(255, 255, 255, 235))
        p.setPen(QPen(QColor(225, 225, 225), 1))
        p.drawLine(QPointF(8, top - 4), QPointF(width - 8, top - 4))
        p.setFont(self._legend_font)
        y = top
        for h, row in rows:
            for x, (_, _, paint, _) in row:
                paint(p, x, y)
            y += h
        p.restore()

    # ------------------------------------------------------------------------------ hit tests
    def node_at(self, pos: QPointF):
        """(layer, global index) of the node under `pos`, or None."""
        if self.scene is None:
            return None
        X, Y, r, *_ = self.geometry_arrays()
        best, bd = None, (r + 4) ** 2
        for l in range(len(X)):
            if not len(X[l]):
                continue
            d = (X[l] - pos.x()) ** 2 + (Y[l] - pos.y()) ** 2
            i = int(np.argmin(d))
            if d[i] <= bd:
                best, bd = (l, int(self.scene.shown[l][i])), d[i]
        return best

    def edge_at(self, pos: QPointF, tol: float = 4.0):
        """(layer, row, col) of the drawn edge nearest `pos` within `tol` pixels, or None."""
        if self.scene is None:
            return None
        best, bd = None, tol ** 2
        px, py = pos.x(), pos.y()
        for pair in self.scene.edges:
            if not len(pair.w):
                continue
            s = self.edge_segments(pair)
            dx, dy = s[:, 2] - s[:, 0], s[:, 3] - s[:, 1]
            ll = dx * dx + dy * dy
            t = np.clip(((px - s[:, 0]) * dx + (py - s[:, 1]) * dy) / np.where(ll > 0, ll, 1), 0, 1)
            d = (s[:, 0] + t * dx - px) ** 2 + (s[:, 1] + t * dy - py) ** 2
            # prefer strong edges when several pass the cursor
            d = d - 0.5 * np.abs(np.nan_to_num(pair.w)) / (self.scene.wmax or 1)
            i = int(np.argmin(d))
            if d[i] <= bd:
                best, bd = (pair.layer, int(pair.rows[i]), int(pair.cols[i])), d[i]
        return best

    def tooltip_at(self, pos: QPointF) -> str | None:
        node = self.node_at(pos)
        if node is not None:
            return node_tooltip(self.snapshot, *node, titles=self.titles)
        edge = self.edge_at(pos)
        if edge is not None:
            return edge_tooltip(self.snapshot, *edge, titles=self.titles)
        return None

    # ------------------------------------------------------------------------------ mouse
    def wheelEvent(self, ev):
        steps = ev.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(1.15 ** steps, ev.position())
        ev.accept()

    def mousePressEvent(self, ev):
        if ev.button() == Qt.MouseButton.LeftButton:
            self._press = (ev.position(), QPointF(self._pan))
            self._dragged = False

    def mouseMoveEvent(self, ev):
        pos = ev.position()
        if self._press is not None and ev.buttons() & Qt.MouseButton.LeftButton:
            d = pos - self._press[0]
            if self._dragged or abs(d.x()) + abs(d.y()) > 4:
                self._dragged = True
                self._pan = self._press[1] + d
                self._geo = None
                self.update()
            return
        if self.scene is not None:
            txt = self.tooltip_at(pos)
            if txt:
                QToolTip.showText(ev.globalPosition().toPoint(), txt, self)
            else:
                QToolTip.hideText()

    def mouseReleaseEvent(self, ev):
        if ev.button() != Qt.MouseButton.LeftButton or self._press is None:
            return
        dragged = self._dragged
        self._press, self._dragged = None, False
        if dragged or self.scene is None:
            return
        node = self.node_at(ev.position())
        if node is not None:
            self.nodeClicked.emit(*node)
            return
        edge = self.edge_at(ev.position())
        if edge is not None:
            self.edgeClicked.emit(*edge)

    def mouseDoubleClickEvent(self, ev):
        if self.scene is not None and self.node_at(ev.position()) is None and self.edge_at(ev.position()) is None:
            self.reset_view()


def _fit_title(fm, title: str, arg_max: bool, room: int) -> str:
    """The arg-max marker shrinks, then goes, before the movie's own title is cut short."""
    if arg_max:
        for marked in (title + "   ◀ arg-max", title + " ◀"):
            if fm.horizontalAdvance(marked) <= room:
                return marked
    return fm.elidedText(title, Qt.TextElideMode.ElideRight, room)
