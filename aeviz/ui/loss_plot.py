"""Loss curves: RMSE per epoch (train, test, penalty) and this epoch's per-observation loss, side by side.

A sparse or contractive model's penalty lives on its own right-hand axis and is named after the
penalty: its scale has nothing to do with an RMSE, and on a shared axis it would flatten one of them.

The curves are how a learner sees training *work*: both RMSEs falling, then test flattening or
rising while train keeps falling (overfitting). Optional smoothing is TensorBoard's debiased
exponential moving average, so the first points are not dragged towards zero.
"""
from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSizePolicy, QSlider, QVBoxLayout, QWidget

from aeviz.engine.export import write_history_csv

from .numbers import fmt
from .run_overlay import RunOverlay

THROTTLED_HZ = 2
MAX_SYMBOLS = 40  # epoch markers only while they can be told apart (and are cheap)
MAX_POINTS = 2000  # within-epoch losses drawn (longer epochs are decimated for display)
TRAIN_PEN = pg.mkPen("#1f77b4", width=2)
TEST_PEN = pg.mkPen("#ff7f0e", width=2)
VAL_PEN = pg.mkPen("#9467bd", width=2)
BASELINE_PEN = pg.mkPen("#8c8c8c", width=1, style=Qt.PenStyle.DotLine)
BASELINE_NAMES = {"global_mean": "global mean", "item_mean": "item mean", "user_item_bias": "user + item biases"}
BASELINE_LABELS = {"global_mean": "global mean", "item_mean": "item mean", "user_item_bias": "user+item"}  # short: side by side
PENALTY_PEN = pg.mkPen("#2ca02c", width=2, style=Qt.PenStyle.DashLine)
OBS_PEN = pg.mkPen("#7f7f7f", width=1)
CURSOR_PEN = pg.mkPen("#d62728", width=1.5, style=Qt.PenStyle.DashLine)
DIMMED_PENS = (pg.mkPen((31, 119, 180, 70), width=2), pg.mkPen((148, 103, 189, 70), width=2))  # train, validation
COLUMN_SHARE = (3 / 5, 2 / 5)  # of the width: RMSE per epoch | this epoch's losses


def debiased_ema(values, weight: float) -> np.ndarray:
    """TensorBoard's smoothing: EMA divided by (1 - weight^n) so early points are not biased low."""
    v = np.asarray(values, dtype=float)
    if weight <= 0 or v.size == 0:
        return v
    out = np.empty_like(v)
    last, n = 0.0, 0
    for i, x in enumerate(v):
        if not math.isfinite(x):
            out[i] = out[i - 1] if i else np.nan
            continue
        n += 1
        last = last * weight + (1 - weight) * x
        out[i] = last / (1 - weight ** n)
    return out


def decimate(values, max_points: int = MAX_POINTS):
    """(x, y) with at most ~max_points points: the mean of each block keeps the curve's level."""
    v = np.asarray(values, dtype=float)
    n = v.size
    if n <= max_points:
        return np.arange(1, n + 1, dtype=float), v
    block = int(math.ceil(n / max_points))
    m = (n // block) * block
    y = v[:m].reshape(-1, block).mean(axis=1)
    x = np.arange(m // block) * block + (block + 1) / 2
    return x, y


def _finite(a):
    a = np.asarray(a, dtype=float)
    return np.where(np.isfinite(a), a, np.nan)


class LossPlot(QWidget):
    """`show_snapshot(snapshot)` redraws from `snapshot.history` and `snapshot.epoch_losses`.
    Signals: exportPngRequested(), exportCsvRequested() (the window asks for a file name)."""

    exportPngRequested = Signal()
    exportCsvRequested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        pg.setConfigOptions(antialias=True)
        self._history = ()
        self._epoch_losses = np.zeros(0)
        self._epoch_penalties = np.zeros(0)
        self._key = None
        self._best = None  # (epoch, best validation RMSE, epochs since) or None
        self._was_degenerate = {}  # per plot: its last range was set by hand (no or one point)
        self._throttled = False
        self._pending = None
        self._drawn_at = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._flush)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground("w")
        lay.addWidget(self.glw, 1)
        self.epochs = self.glw.addPlot(row=0, col=0)
        self._set_epoch_title(False)
        self.epochs.setLabel("bottom", "epoch")
        self.epochs.getAxis("bottom").setHeight(32)
        self.epochs.showGrid(x=True, y=True, alpha=0.2)
        self.train_curve = self.epochs.plot([], [], pen=TRAIN_PEN, symbol="o",
                                            symbolSize=4, symbolBrush="#1f77b4", symbolPen=None)
        self.test_curve = self.epochs.plot([], [], pen=TEST_PEN, symbol="o",
                                           symbolSize=4, symbolBrush="#ff7f0e", symbolPen=None)
        self.val_curve = self.epochs.plot([], [], pen=VAL_PEN, symbol="o",
                                          symbolSize=4, symbolBrush="#9467bd", symbolPen=None)
        # the best validation RMSE so far: where early stopping keeps the network
        self.best_marker = self.epochs.plot([], [], pen=None, symbol="star", symbolSize=15,
                                            symbolBrush="#9467bd", symbolPen=pg.mkPen("#3b1f5c"))
        # the classical baselines' test RMSEs: the levels a network has to get below
        self.baseline_lines = {}
        for i, (key, name) in enumerate(BASELINE_NAMES.items()):
            # labels side by side along the lines, not stacked: the levels are often close
            # (global mean 0.98, item mean 0.95) and stacked labels were written over each other
            # (left, middle, right: each label anchored at its own end of the plot)
            x = (0.0, 0.5, 1.0)[i]
            line = pg.InfiniteLine(angle=0, pen=BASELINE_PEN, label=name, movable=False,
                                   labelOpts={"position": 0.01 + 0.98 * x, "color": "#666",
                                              "anchors": [(x, 1), (x, 1)]})
            line.setVisible(False)
            self.epochs.addItem(line, ignoreBounds=True)
            self.baseline_lines[key] = line
        self._baselines = None
        self._penalty_name = "penalty"
        self._penalty_shown = False
        self.penalty_view, self.penalty_curve = self._twin(self.epochs)
        self.within = self.glw.addPlot(row=0, col=1)  # side by side: a dock is wider than tall
        self.within.showGrid(x=True, y=True, alpha=0.2)
        self.obs_curve = self.within.plot([], [], pen=OBS_PEN)
        self.obs_penalty_view, self.obs_penalty_curve = self._twin(self.within)
        self._set_within_title(False)
        self.within.setLabel("bottom", "observation")
        self.within.getAxis("bottom").setHeight(32)
        self.glw.ci.layout.setColumnStretchFactor(0, round(COLUMN_SHARE[0] * 5))
        self.glw.ci.layout.setColumnStretchFactor(1, round(COLUMN_SHARE[1] * 5))

        bar = QHBoxLayout()
        self.readout = QLabel("hover a curve to read it")
        self.readout.setStyleSheet("color: #444;")
        self.log_box = QCheckBox("log scale")
        self.log_box.setToolTip("Logarithmic loss axis: shows slow late progress")
        self.smooth = QSlider(Qt.Orientation.Horizontal)
        self.smooth.setRange(0, 99)
        self.smooth.setMaximumWidth(110)
        self.smooth.setMinimumWidth(80)  # a narrow dock squeezes the hover read-out, not the slider
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.readout.setMinimumWidth(60)
        self.smooth.setToolTip("Smoothing (TensorBoard's debiased moving average); 0 = raw")
        self.smooth_label = QLabel("smoothing 0.00")
        bar.addWidget(self.readout, 1)
        bar.addWidget(self.smooth_label)
        bar.addWidget(self.smooth)
        bar.addWidget(self.log_box)
        lay.addLayout(bar)
        self.log_box.toggled.connect(self.set_log)
        self.smooth.valueChanged.connect(self._on_smooth)

        for plot in (self.epochs, self.within):
            menu = plot.vb.menu
            a = QAction("Export plot as PNG…", menu)
            a.triggered.connect(self.exportPngRequested)
            menu.addAction(a)
            b = QAction("Export history as CSV…", menu)
            b.triggered.connect(self.exportCsvRequested)
            menu.addAction(b)
        self._proxy = pg.SignalProxy(self.glw.scene().sigMouseMoved, rateLimit=30, slot=self._on_mouse)
        self.time_cursor = pg.InfiniteLine(angle=90, pen=CURSOR_PEN, movable=False)
        self.time_cursor.setVisible(False)
        self.epochs.addItem(self.time_cursor, ignoreBounds=True)
        self._dimmed: list = []  # PlotDataItems of dimmed curves (reused)
        self._dimmed_runs: tuple = ()

    def _show_timeline_of(self, snap):
        """The snapshot's timeline (engine/timeline.TimelineView): behind the head, a cursor where
        the network stands and this run's whole curve dimmed (the future beyond the cursor; the
        solid curves stop at it); the branches left behind, dimmed. Drawn in the same pass as the
        curves, and the dimmed ones only when they change: a drag moves the cursor alone."""
        view = getattr(snap, "timeline", None)
        if view is None:
            return
        runs = tuple(view.branches) + (() if view.at_head else (view.records,))
        self.show_timeline(None if view.at_head else view.epoch, runs)

    def show_timeline(self, cursor_epoch, dimmed=()):
        """The timeline's marks: a vertical cursor at `cursor_epoch` (None: none) and `dimmed`
        runs of EpochRecords (an old future, a discarded branch) drawn faded, train and validation."""
        self.time_cursor.setVisible(cursor_epoch is not None)
        if cursor_epoch is not None:
            self.time_cursor.setValue(float(cursor_epoch))
        dimmed = tuple(dimmed)
        if len(dimmed) == len(self._dimmed_runs) and all(a is b for a, b in zip(dimmed, self._dimmed_runs)):
            return  # the same runs: nothing to draw again
        self._dimmed_runs = dimmed
        curves = []
        for records in dimmed:
            x = np.array([r.epoch for r in records], dtype=float)
            curves.append((x, _finite([r.train_rmse for r in records]), DIMMED_PENS[0]))
            val = _finite([np.nan if r.val_rmse is None else r.val_rmse for r in records])
            if np.isfinite(val).any():
                curves.append((x, val, DIMMED_PENS[1]))
        while len(self._dimmed) < len(curves):
            item = pg.PlotDataItem([], [])
            self.epochs.addItem(item)
            self._dimmed.append(item)
        for i, item in enumerate(self._dimmed):
            if i < len(curves):
                x, y, pen = curves[i]
                item.setPen(pen)
                item.setData(x, self._positive(y), connect="finite")
            else:
                item.setData([], [])

    def timeline_marks(self) -> tuple:
        """(cursor epoch or None, number of dimmed curves drawn): for readers and tests."""
        cursor = float(self.time_cursor.value()) if self.time_cursor.isVisible() else None
        return cursor, sum(1 for item in self._dimmed if item.xData is not None and len(item.xData))

    # ------------------------------------------------------------------------------ drawing
    def _twin(self, plot):
        """A second ViewBox sharing `plot`'s x axis, with its own y axis on the right (hidden until used)."""
        vb = pg.ViewBox()
        plot.scene().addItem(vb)
        plot.getAxis("right").linkToView(vb)
        vb.setXLink(plot)
        curve = pg.PlotDataItem([], [], pen=PENALTY_PEN)
        vb.addItem(curve)

        def sync():
            vb.setGeometry(plot.vb.sceneBoundingRect())
            vb.linkedViewChanged(plot.vb, vb.XAxis)
        plot.vb.sigResized.connect(sync)
        sync()
        return vb, curve

    def _show_penalty_axes(self, on: bool):
        for plot in (self.epochs, self.within):
            plot.showAxis("right", on)
            if on:
                ax = plot.getAxis("right")
                ax.setLabel(self._penalty_name, color="#2ca02c")
                ax.setTextPen("#2ca02c")
                ax.setPen("#2ca02c")
                ax.enableAutoSIPrefix(False)

    def _set_epoch_title(self, penalty: bool):
        """The title is the legend (a legend box would sit on the curves in a short dock)."""
        words = ["<span style='color:#1f77b4'>&#9632; train</span>",
                 "<span style='color:#9467bd'>&#9632; validation</span>",
                 "<span style='color:#ff7f0e'>&#9632; test</span>"]
        if penalty:
            words.append(f"<span style='color:#2ca02c'>&#9476; {self._penalty_name} (right axis)</span>")
        if self._best is not None:
            epoch, value, since = self._best
            ago = f", {since} epochs ago" if since >= 5 else ""
            words.append(f"<span style='color:#3b1f5c'>&#9733; best validation {fmt(value)} @ {epoch}{ago}</span>")
        self.epochs.setTitle(f"RMSE per epoch: {' '.join(words)}", color="#333", size="10pt")
        self._fit_titles()

    def _set_within_title(self, penalty: bool):
        t = "loss of each observation, this epoch"
        if penalty:
            t = ("this epoch: <span style='color:#7f7f7f'>&#9632; loss</span> "
                 "<span style='color:#2ca02c'>&#9476; penalty</span>")
        self.within.setTitle(t, color="#333", size="10pt")
        self._fit_titles()

    def _fit_titles(self):
        """Wrap a title that is wider than its plot's share of the width: a pyqtgraph title is as
        wide as its text, and a long one ('best validation 0.9493 @ 121, 53 epochs ago') would push
        the other plot out of the dock."""
        if not hasattr(self, "within"):
            return
        width = max(self.width() - 4, 120)
        for plot, share in ((self.epochs, COLUMN_SHARE[0]), (self.within, COLUMN_SHARE[1])):
            label = plot.titleLabel
            axes = sum(plot.getAxis(a).width() for a in ("left", "right") if plot.getAxis(a).isVisible())
            room = max(width * share - axes - 12, 60.0)
            label.item.setTextWidth(-1)
            if label.item.boundingRect().width() > room:
                label.item.setTextWidth(room)
            height = max(label.item.boundingRect().height() + 4, 30.0)
            label.setMaximumHeight(height)
            plot.layout.setRowFixedHeight(0, height)
            label.updateMin()
            label.resizeEvent(None)

    def title_rects(self):
        """(epochs title, within title) scene rectangles, as painted (for layout checks)."""
        return tuple(p.titleLabel.mapRectToScene(p.titleLabel.itemRect()) for p in (self.epochs, self.within))

    def resizeEvent(self, ev):
        super().resizeEvent(ev)
        self._fit_titles()

    def penalty_label(self) -> str:
        """What the penalty curve is called on its axis ('penalty (KL sparsity)', ...)."""
        return self._penalty_name

    @property
    def smoothing(self) -> float:
        return self.smooth.value() / 100.0

    def set_smoothing(self, w: float):
        self.smooth.setValue(int(round(max(0.0, min(0.99, w)) * 100)))

    @Slot(bool)
    def set_log(self, on: bool):
        if self.log_box.isChecked() != on:
            self.log_box.setChecked(on)
        self.epochs.setLogMode(y=on)
        self.within.setLogMode(y=on)
        for c in (self.penalty_curve, self.obs_penalty_curve):  # not in the plots' own ViewBoxes
            c.setLogMode(False, on)

    @Slot(int)
    def _on_smooth(self, _):
        self.smooth_label.setText(f"smoothing {self.smoothing:.2f}")
        self._redraw()

    def set_throttled(self, on: bool):
        """While playing, redraw at most THROTTLED_HZ times a second: pyqtgraph's axes repaint on
        every range change, and at full speed the curves change faster than anyone reads them."""
        self._throttled = bool(on)
        if not on and self._pending is not None:
            self._flush()

    def new_run(self):
        """A fresh network: draw its first snapshot whatever its counters, on fresh ranges."""
        self._key = None
        for plot in (self.epochs, self.within):
            plot.vb.enableAutoRange()

    def show_snapshot(self, snap):
        now = time.perf_counter()
        if self._throttled and now - self._drawn_at < 1.0 / THROTTLED_HZ:
            self._pending = snap
            if not self._timer.isActive():
                self._timer.start(int(1000 / THROTTLED_HZ))
            return
        self._pending = None
        self._drawn_at = now
        self._draw(snap)

    @Slot()
    def _flush(self):
        snap, self._pending = self._pending, None
        if snap is not None:
            self._drawn_at = time.perf_counter()
            self._draw(snap)

    def _draw(self, snap):
        hist = snap.history or ()
        losses = snap.epoch_losses if snap.epoch_losses is not None else np.zeros(0)
        pens = getattr(snap, "epoch_penalties", None)
        names = (getattr(snap, "extras", None) or {}).get("penalties")
        if names:
            name = "penalty (" + " + ".join(n.split(" (")[0] for n in names) + ")"
            if name != self._penalty_name:
                self._penalty_name = name
                self._penalty_shown = None  # titles and axes say the new name
        self._show_timeline_of(snap)
        if getattr(snap, "light", False):
            return  # a timeline drag's preview: the cursor moves; the curves wait for its full moment
        key = (snap.steps, snap.updates, snap.epoch, len(hist), losses.size)
        if key == self._key and self._penalty_shown is not None:
            return  # nothing new to draw (a forward or a weight edit)
        self._key = key
        self._history, self._epoch_losses = hist, losses
        self._epoch_penalties = pens if pens is not None else np.zeros(0)
        self._show_baselines(getattr(snap, "baselines", None))
        self._redraw()

    def _show_baselines(self, baselines):
        """One labelled horizontal line per baseline (test RMSE), hidden without a test set."""
        values = dict(baselines) if baselines else {}
        if values == self._baselines:
            return
        self._baselines = values
        for key, line in self.baseline_lines.items():
            v = values.get(key)
            ok = v is not None and math.isfinite(v)
            line.setVisible(ok)
            if ok:
                line.setValue(v)
                line.label.setFormat(f"{BASELINE_LABELS[key]} {fmt(v, 3)}")

    def baseline_levels(self) -> dict:
        """{name: test RMSE} of the baseline lines shown (for readers and tests)."""
        return {BASELINE_NAMES[k]: float(l.value()) for k, l in self.baseline_lines.items() if l.isVisible()}

    def _positive(self, y):
        """Log axes cannot show 0 or negatives: those points are left out, never drawn as numbers."""
        return np.where(y > 0, y, np.nan) if self.log_box.isChecked() else y

    def _redraw(self):
        w = self.smoothing
        hist = self._history
        x = np.array([h.epoch for h in hist], dtype=float)
        train = _finite([h.train_rmse for h in hist])
        test = _finite([np.nan if h.test_rmse is None else h.test_rmse for h in hist])
        val = _finite([np.nan if getattr(h, "val_rmse", None) is None else h.val_rmse for h in hist])
        pen = _finite([h.penalty for h in hist])
        sym = "o" if x.size <= MAX_SYMBOLS else None
        for c in (self.train_curve, self.val_curve, self.test_curve):
            if c.opts["symbol"] != sym:
                c.setSymbol(sym)
        self.train_curve.setData(x, self._positive(debiased_ema(train, w)), connect="finite")
        for curve, y in ((self.test_curve, test), (self.val_curve, val)):
            if np.isfinite(y).any():
                curve.setData(x, self._positive(debiased_ema(y, w)), connect="finite")
            else:
                curve.setData([], [])
        best = None
        if np.isfinite(val).any():  # the validation set chooses; the test set is only reported
            i = int(np.nanargmin(val))  # raw, not smoothed: the epoch whose network was best
            self.best_marker.setData([x[i]], [val[i]])
            best = (int(x[i]), float(val[i]), int(x[-1] - x[i]))
        else:
            self.best_marker.setData([], [])
        if best != self._best:
            self._best = best
            self._set_epoch_title(bool(self._penalty_shown))
        obs_pen = _finite(self._epoch_penalties)
        used = bool(np.nan_to_num(pen).any()) or bool(np.nan_to_num(obs_pen).any())
        if used and x.size:
            self.penalty_curve.setData(x, self._positive(debiased_ema(pen, w)), connect="finite")
        else:
            self.penalty_curve.setData([], [])
        if used and obs_pen.size:
            px, py = decimate(obs_pen)
            self.obs_penalty_curve.setData(px, self._positive(debiased_ema(py, w)), connect="finite")
        else:
            self.obs_penalty_curve.setData([], [])
        if used != self._penalty_shown:
            self._set_epoch_title(used)
            self._set_within_title(used)
            self._show_penalty_axes(used)
            self._penalty_shown = used
        for vb in (self.penalty_view, self.obs_penalty_view):
            vb.enableAutoRange(axis=pg.ViewBox.YAxis)
        ox, oy = decimate(_finite(self._epoch_losses))
        oy = self._positive(debiased_ema(oy, w))
        sym = "o" if ox.size == 1 else None  # one observation: a dot, not an invisible line
        if self.obs_curve.opts["symbol"] != sym:
            self.obs_curve.setSymbol(sym)
            self.obs_curve.setSymbolBrush("#7f7f7f")
            self.obs_curve.setSymbolPen(None)
        self.obs_curve.setData(ox, oy, connect="finite")
        self._fit_range(self.epochs, np.concatenate([x, x]), np.concatenate([self._positive(debiased_ema(train, w)),
                                                        self._positive(debiased_ema(test, w))]))
        self._fit_range(self.within, ox, oy)

    def _fit_range(self, plot, x, y):
        """Ranges from the data shown now. No point or a single one gets a sensible window (not
        pyqtgraph's -200..200 around one epoch); a view that holds none of the data (stale, from
        a diverged or replaced run) goes back to auto-range. A user's zoom on live data stays."""
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        ok = np.isfinite(x) & np.isfinite(y)
        if self.log_box.isChecked():
            ok &= y > 0
        xs, ys = x[ok], y[ok]
        if self.log_box.isChecked():
            ys = np.log10(ys)
        vb = plot.vb
        if not xs.size:
            self._was_degenerate[id(plot)] = True
            vb.setRange(xRange=(0, 10 if plot is self.epochs else 100), yRange=(0, 1), padding=0)
            return
        if np.ptp(xs) == 0 or np.ptp(ys) == 0:
            self._was_degenerate[id(plot)] = True
            dx = 1.0 if np.ptp(xs) == 0 else 0.05 * float(np.ptp(xs))
            dy = 0.1 * float(np.ptp(ys)) or max(abs(float(ys[0])) * 0.1, 1e-3)
            vb.setRange(xRange=(float(xs.min()) - dx, float(xs.max()) + dx),
                        yRange=(float(ys.min()) - dy, float(ys.max()) + dy), padding=0)
            return
        (vx0, vx1), (vy0, vy1) = vb.viewRange()
        auto = vb.autoRangeEnabled()
        inside = (xs >= vx0) & (xs <= vx1) & (ys >= vy0) & (ys <= vy1)
        if not (auto[0] and auto[1]) and (not inside.any() or self._was_degenerate.get(id(plot))):
            vb.enableAutoRange()
        self._was_degenerate[id(plot)] = False

    # ------------------------------------------------------------------------------ hover
    def _on_mouse(self, event):
        pos = event[0]
        for plot in (self.epochs, self.within):
            if plot.sceneBoundingRect().contains(pos):
                p = plot.vb.mapSceneToView(pos)
                self.readout.setText(self.describe(plot, p.x()))
                return

    def describe(self, plot, xv: float) -> str:
        """The readout's text for the point at x = `xv` of `plot` (what hovering there shows)."""
        if plot is self.epochs:
            if not self._history:
                return "no epoch finished yet"
            i = int(np.clip(round(xv) - 1, 0, len(self._history) - 1))
            h = self._history[i]
            parts = [f"epoch {h.epoch}", f"train RMSE {fmt(h.train_rmse)}",
                     f"validation RMSE {fmt(getattr(h, 'val_rmse', None))}", f"test RMSE {fmt(h.test_rmse)}"]
            if self._best is not None and self._best[0] == h.epoch:
                parts[2] += " (the best so far)"
            if h.penalty:
                parts.append(f"{self._penalty_name} {fmt(h.penalty)}")
            return ",  ".join(parts)
        n = self._epoch_losses.size
        if not n:
            return "no observation this epoch yet"
        i = int(np.clip(round(xv) - 1, 0, n - 1))
        text = f"observation {i + 1} of this epoch: loss {fmt(self._epoch_losses[i])}"
        pens = self._epoch_penalties
        if self._penalty_shown and i < len(pens):
            text += f",  {self._penalty_name} {fmt(pens[i])}"
        return text

    # ------------------------------------------------------------------------------ other runs
    def set_run_overlays(self, curves):
        """Other runs' curves over the epoch curves (ui/run_overlay.py OverlayCurve each)."""
        if getattr(self, "_runs_overlay", None) is None:
            self._runs_overlay = RunOverlay(self.epochs)
        self._runs_overlay.show(curves)

    def run_overlays(self) -> list:
        """(label, points drawn) of each run overlaid now."""
        overlay = getattr(self, "_runs_overlay", None)
        return [] if overlay is None else overlay.shown()

    # ------------------------------------------------------------------------------ export
    def export_png(self, path: str) -> bool:
        return self.glw.grab().save(str(path), "PNG")

    def export_csv(self, path: str):
        """The epochs drawn, by the engine's history writer (atomic; never a 'nan' cell)."""
        write_history_csv(path, self._history)



