"""Compare: two networks side by side, stepped in lockstep by the same keys, on the same data,
order and seed, with one setting different (plain vs denoising, Adam vs SGD, ...).

Below the two graphs: both networks' RMSE per epoch, and the difference in loss of each
observation this epoch. The weights that have drifted apart most are marked on both graphs.
It draws LockstepFrames from its own worker (ui/compare_bridge.py) and never touches a network.
"""
from __future__ import annotations

import os

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, Qt, Slot
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (QComboBox, QLabel, QMainWindow, QSplitter, QToolBar,
                               QVBoxLayout, QWidget)

from aeviz.engine.lockstep import VARIANTS, default_variant, variant
from aeviz.engine.orientation import observations
from aeviz.engine.runs import describe_config

from .compare_bridge import CompareBridge
from .controls import StepControls
from .graph_view import NetworkView
from .loss_plot import decimate
from .numbers import fmt
from .step_keys import StepKeys

COLOURS = ("#1f77b4", "#d62728")  # network A, network B
MARK = QColor(255, 170, 0, 170)  # the most diverged weights
MARK_INK = QColor(120, 70, 0)
STEP_KEYS = ("play", "step_phase", "forward", "backward", "update", "step_observation", "step_batch",
             "step_epoch", "undo", "reset")  # not Go back to the best: each network has its own


class DivergenceMarks(QWidget):
    """Drawn over a graph canvas: the most diverged weights as wide amber strokes, ranked
    (1 = the largest |Wa - Wb|). Only edges whose two nodes are drawn can be marked."""

    def __init__(self, canvas):
        super().__init__(canvas)
        self.canvas = canvas
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.divergence = None
        self._font = QFont(self.font())
        self._font.setPointSizeF(7.5)
        self._font.setBold(True)
        canvas.installEventFilter(self)
        self.setGeometry(canvas.rect())

    def eventFilter(self, obj, event):
        if obj is self.canvas and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.canvas.rect())
        return False

    def set_divergence(self, divergence):
        self.divergence = divergence
        self.update()

    def marked(self) -> list[tuple]:
        """(rank, layer, row, col, (x0, y0, x1, y1)) of each marked edge drawn, in pixels."""
        d, sc = self.divergence, self.canvas.scene
        if d is None or sc is None or not len(d.layer):
            return []
        X, Y, *_ = self.canvas.geometry_arrays()
        out = []
        for rank, (l, r, c) in enumerate(zip(d.layer.tolist(), d.row.tolist(), d.col.tolist()), 1):
            pc, pr = sc.position(l, c), sc.position(l + 1, r)
            if pc is not None and pr is not None:
                out.append((rank, l, r, c, (float(X[l][pc]), float(Y[l][pc]),
                                            float(X[l + 1][pr]), float(Y[l + 1][pr]))))
        return out

    def paintEvent(self, ev):
        marks = self.marked()
        if not marks:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        n = len(marks)
        for rank, _l, _r, _c, (x0, y0, x1, y1) in reversed(marks):  # the largest on top
            pen = QPen(MARK, 3.0 + 5.0 * (n - rank + 1) / n)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            p.setPen(pen)
            p.drawLine(QPointF(x0, y0), QPointF(x1, y1))
        p.setFont(self._font)
        for rank, _l, _r, _c, (x0, y0, x1, y1) in marks[:5]:
            c = QPointF(x0 + (x1 - x0) * 0.42, y0 + (y1 - y0) * 0.42)
            p.setPen(QPen(MARK_INK, 1))
            p.setBrush(QColor(255, 236, 190))
            p.drawEllipse(c, 7, 7)
            p.drawText(int(c.x() - 7), int(c.y() - 7), 14, 14, Qt.AlignmentFlag.AlignCenter, str(rank))
        p.end()


class _Side(QWidget):
    """One network: a header (its colour, setting, current loss) above its graph."""

    def __init__(self, index: int, parent=None):
        super().__init__(parent)
        self.header = QLabel()
        self.header.setWordWrap(True)
        self.header.setStyleSheet(f"border-left: 6px solid {COLOURS[index]}; padding: 3px 8px; "
                                  f"background: #f6f6f6;")
        self.view = NetworkView()
        self.marks = DivergenceMarks(self.view.canvas)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.setSpacing(2)
        lay.addWidget(self.header)
        lay.addWidget(self.view, 1)


class CompareWindow(QMainWindow):
    """`CompareWindow(dataset, config, variant_key=None, path=None)`: network A is `config`,
    network B is `config` with the chosen VARIANTS setting (a combo box changes it)."""

    def __init__(self, dataset, config, variant_key: str | None = None, name: str = "", parent=None):
        super().__init__(parent)
        self.setObjectName("aeviz_compare")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self.dataset, self.config, self.name = dataset, config, name
        self._frame = None
        self._closed = False
        self.bridge = CompareBridge(self)
        self.controls = StepControls(self.bridge, self)
        self._build()
        self.step_keys = StepKeys(self, [self.controls.actions[k] for k in STEP_KEYS])
        b = self.bridge
        b.frameReady.connect(self._on_frame)
        b.message.connect(self._on_message)
        b.buildFailed.connect(self._on_message)
        b.playingChanged.connect(self._on_playing)
        self.set_variant(variant_key or default_variant(config))

    # ------------------------------------------------------------------------------ building
    def _build(self):
        tb = QToolBar("Step both")
        tb.setObjectName("compare_steps")
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for k in STEP_KEYS:
            a = self.controls.actions[k]
            if k == "step_phase":
                self.addAction(a)  # keyboard (N) only, as in the main window
                continue
            tb.addAction(a)
            if k in ("update", "step_epoch"):
                tb.addSeparator()
        tb.addSeparator()
        tb.addWidget(self.controls.speed)
        self.addToolBar(tb)
        self.addToolBarBreak()
        tb2 = QToolBar("Settings")
        tb2.setObjectName("compare_settings")
        tb2.addWidget(QLabel("  B differs from A by: "))
        self.variant_box = QComboBox()
        for key, (title, _) in VARIANTS.items():
            self.variant_box.addItem(title, key)
        self.variant_box.setToolTip("The second network's setting; everything else (data, split, "
                                    "order, seed, starting weights) is the first network's")
        self.variant_box.activated.connect(self._on_variant_chosen)
        tb2.addWidget(self.variant_box)
        tb2.addSeparator()
        tb2.addWidget(self.controls.phase_strip)
        self.where = QLabel()
        self.where.setStyleSheet("padding: 0 10px; font-weight: bold;")
        tb2.addWidget(self.where)
        self.addToolBar(tb2)

        self.sides = (_Side(0), _Side(1))
        graphs = QSplitter(Qt.Orientation.Horizontal)
        for s in self.sides:
            graphs.addWidget(s)
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground("w")
        self.epochs = self.glw.addPlot(row=0, col=0)
        self.epochs.showGrid(x=True, y=True, alpha=0.2)
        self.epochs.setLabel("bottom", "epoch")
        self.diff = self.glw.addPlot(row=0, col=1)
        self.diff.showGrid(x=True, y=True, alpha=0.2)
        self.diff.setLabel("bottom", "observation of this epoch")
        self.diff.addItem(pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen("#555", width=1)))
        self.diff_curve = self.diff.plot([], [], pen=pg.mkPen("#444", width=1.2), fillLevel=0,
                                         brush=pg.mkBrush(120, 120, 120, 70))
        self.epoch_curves = {}
        for i, c in enumerate(COLOURS):
            self.epoch_curves[(i, "val")] = self.epochs.plot([], [], pen=pg.mkPen(c, width=3.0 - i),
                                                             symbol="os"[i], symbolSize=7 - 2 * i,
                                                             symbolBrush=c, symbolPen=None)
            self.epoch_curves[(i, "train")] = self.epochs.plot([], [], pen=pg.mkPen(c, width=1.5,
                                                                                    style=Qt.PenStyle.DashLine))
        self.glw.ci.layout.setColumnStretchFactor(0, 2)
        self.glw.ci.layout.setColumnStretchFactor(1, 3)
        self.apart = QLabel()
        self.apart.setStyleSheet("padding: 2px 8px; color: #333;")
        self.apart.setToolTip("How far apart each weight matrix has drifted; the amber strokes on both "
                              "graphs mark the weights that differ most (1 = the largest difference)")
        below = QWidget()
        lay = QVBoxLayout(below)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.apart)
        lay.addWidget(self.glw, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(graphs)
        split.addWidget(below)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        self.setCentralWidget(split)
        self._split = split
        self.statusBar().showMessage("One key steps both networks: N, F, B, U, Right, Shift+Right, Ctrl+E, Space")

    # ------------------------------------------------------------------------------ settings
    def set_variant(self, key: str):
        """Network B = A's configuration with VARIANTS[key]; both start again."""
        self.variant_key = key
        self.variant_box.setCurrentIndex(list(VARIANTS).index(key))
        b_config = variant(self.config, key)
        self.labels = (f"A: {describe_config(self.config)}", f"B: {describe_config(b_config)}")
        titles = getattr(observations(self.dataset, self.config.orientation), "titles", None)
        scale = getattr(self.dataset, "scale", None)
        for side in self.sides:
            side.view.set_titles(list(titles) if titles is not None else None,
                                 "user" if self.config.orientation == "item" else "movie")
            if scale is not None:
                side.view.set_rating_range(scale.minimum, scale.maximum)
        self.setWindowTitle(f"aeviz — Compare on {self.name or 'the data'}: {VARIANTS[key][0]} vs "
                            f"{describe_config(self.config)}")
        self.bridge.build(self.config, b_config, self.dataset, self.labels)

    @Slot(int)
    def _on_variant_chosen(self, index):
        key = self.variant_box.itemData(index)
        if key != self.variant_key:
            self.set_variant(key)

    # ------------------------------------------------------------------------------ frames
    @property
    def last_frame(self):
        """The newest LockstepFrame drawn (None before the first)."""
        return self._frame

    @Slot(object)
    def _on_frame(self, f):
        self._frame = f
        self.controls.update_state(f.a)
        pins = {}
        if f.divergence is not None:  # the marked edges' ends are always drawn
            for l, r, c in zip(f.divergence.layer.tolist(), f.divergence.row.tolist(), f.divergence.col.tolist()):
                pins.setdefault(l, []).append(c)
                pins.setdefault(l + 1, []).append(r)
        for i, (side, snap) in enumerate(zip(self.sides, (f.a, f.b))):
            side.view.pin_nodes(pins, redraw=False)
            side.view.show_snapshot(snap)
            side.marks.set_divergence(f.divergence)
            side.header.setText(self._header(i, f, snap))
        s = f.a
        self.where.setText(f"Epoch {s.epoch + 1} · observation {min(s.position + 1, s.n_observations)} "
                           f"of {s.n_observations}")
        if f.divergence is not None:
            apart = "  ".join(f"W{l + 1} {100 * r:.2g}%" for l, r in enumerate(f.divergence.relative))
            self.apart.setText(f"weights apart, ‖W<sub>A</sub>−W<sub>B</sub>‖ / ‖W<sub>A</sub>‖: {apart}"
                               f"  <span style='background:#ffd27a'>&nbsp;1&nbsp;</span> = the weight "
                               f"that differs most")
        else:
            self.apart.setText("the two networks have different shapes: no weight to compare")
        self._draw_epochs(f)
        self._draw_difference(f)
        if f.stopped:
            self.statusBar().showMessage(f.stopped)

    def _header(self, i, f, snap) -> str:
        loss = f"loss {fmt(snap.loss)}" if snap.loss is not None else "loss —"
        last = snap.history[-1] if snap.history else None
        rmse = ""
        if last is not None:
            v = last.val_rmse if last.val_rmse is not None else last.test_rmse
            which = "validation" if last.val_rmse is not None else "test"
            rmse = f" · {which} RMSE {fmt(v)}"
        return f"<b style='color:{COLOURS[i]}'>{f.labels[i]}</b><br>{loss}{rmse}"

    def _draw_epochs(self, f):
        use_val = any(h.val_rmse is not None for h in f.a.history)
        names = []
        for i, snap in enumerate((f.a, f.b)):
            h = snap.history
            x = np.array([r.epoch for r in h], float)
            y = np.array([np.nan if (r.val_rmse if use_val else r.test_rmse) is None
                          else (r.val_rmse if use_val else r.test_rmse) for r in h], float)
            self.epoch_curves[(i, "val")].setData(x, y, connect="finite")
            self.epoch_curves[(i, "train")].setData(x, np.array([r.train_rmse for r in h], float), connect="finite")
            names.append(f"<span style='color:{COLOURS[i]}'>&#9632; {'AB'[i]}</span>")
        which = "validation" if use_val else "test"
        self.epochs.setTitle(f"RMSE per epoch ({which} solid, train dashed): {' '.join(names)}",
                             color="#333", size="9pt")

    def _draw_difference(self, f):
        d = np.asarray(f.loss_difference, float)
        x, y = decimate(np.where(np.isfinite(d), d, np.nan))
        self.diff_curve.setData(x, y, connect="finite")
        if d.size:
            m = float(np.nanmean(d)) if np.isfinite(d).any() else float("nan")
            lower = "B lower" if m > 0 else "A lower" if m < 0 else "equal"
            self.diff.setTitle(f"loss(A) − loss(B), each observation of epoch {f.a.epoch + 1}: "
                               f"mean {fmt(m, 3)} ({lower})", color="#333", size="9pt")
        else:
            self.diff.setTitle(f"loss(A) − loss(B), each observation of epoch {f.a.epoch + 1} "
                               f"(none yet)", color="#333", size="9pt")

    def difference_drawn(self):
        """(x, y) of the loss-difference curve as drawn."""
        return self.diff_curve.getData()

    # ------------------------------------------------------------------------------ events
    @Slot(str)
    def _on_message(self, msg):
        self.statusBar().showMessage(msg, 10000)

    @Slot(bool)
    def _on_playing(self, on):
        self.controls.set_playing(on)

    def closeEvent(self, event):
        if not self._closed:
            self._closed = True
            self.bridge.shutdown()
            self.step_keys.release()
        super().closeEvent(event)


def open_compare(window, variant_key: str | None = None):
    """A Compare window on the main window's data and model (None, with a message, without data)."""
    if window.dataset is None:
        window.show_error("Nothing to compare", "Open ratings first: both networks train on them.")
        return None
    name = os.path.basename(window.path or getattr(window.dataset, "source", "") or "")
    w = CompareWindow(window.dataset, window.config, variant_key, name)
    avail = window.screen().availableGeometry()
    w.resize(min(1600, avail.width()), min(1000, avail.height()))
    w.show()
    return w
