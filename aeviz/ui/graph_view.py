"""The network graph with live weights (issue #5): the public widget.

Draws one immutable Snapshot at a time: nodes coloured by activation, edges by weight sign and
strength, the phase of the step (forward, loss, backward, update) made visible. It sends
commands (node selected, weight edited) as signals and never touches engine objects.
Big networks are reduced to the most relevant movies and the strongest edges; the full weight
matrix of any layer pair is one toggle away.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QHBoxLayout, QInputDialog, QLabel, QSpinBox, QSplitter, QToolButton,
                               QVBoxLayout, QWidget)

from .graph.canvas import GraphCanvas
from .graph.matrix import WeightMatrixPanel
from .graph.scene import ALL_EDGES_LIMIT, build_scene
from .graph.text import edge_tooltip, node_tooltip

DRAWN_EXTRAS = ("corruption", "sparsity", "sampling")  # the extras the graph draws

STREAM_SECONDS = 0.25  # snapshots closer than this are "full speed": no animation, no overlays
ANIMATION_MS = {"forward": 320, "backward": 320, "update": 700}
MATRIX_SHARE = 0.36  # of the view's width for the weight-matrix heatmap, when shown


@dataclass(frozen=True)
class Highlight:
    """What to mark in green (a colour no weight, activation or overlay uses): nodes [(layer, index or None = the whole layer)] and edges
    {weight layer: [(row, col)] or None = every drawn edge of that layer pair}."""
    nodes: tuple = ()
    edges: dict = field(default_factory=dict)


class NetworkView(QWidget):
    """Draws Snapshots of the autoencoder as a layered graph; emits commands, never trains."""

    nodeSelected = Signal(int, int)  # (layer, index); layer 0 = inputs, len(sizes)-1 = outputs
    weightEdited = Signal(int, int, int, float)  # (weight layer, row = out index, col = in index, value)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._snapshot = None
        self._scene = None
        self._titles = None
        self._max_edges = 500
        self._max_nodes = 40
        self._selected = None
        self._highlight = None
        self._animated = True
        self._last_arrival = None
        self._last_phase = None
        self.editor = None  # the open weight editor (a non-modal QInputDialog), if any

        self.canvas = GraphCanvas(self)
        self.canvas.nodeClicked.connect(self._on_node_clicked)
        self.canvas.edgeClicked.connect(self.edit_edge)
        self.canvas.resized.connect(self._on_resized)
        self._fit = None  # nodes per layer the canvas can label at its height (None = not known yet)
        self.matrix = WeightMatrixPanel(self)
        self.matrix.hide()

        bar = QHBoxLayout()
        bar.setContentsMargins(6, 2, 6, 2)
        bar.addWidget(QLabel("edges per layer pair:"))
        self.edges_spin = QSpinBox(self)
        self.edges_spin.setRange(10, 100_000)
        self.edges_spin.setSingleStep(100)
        self.edges_spin.setValue(self._max_edges)
        self.edges_spin.setToolTip(f"Networks with more than {ALL_EDGES_LIMIT:,} weights show only the "
                                   "strongest edges of each layer pair")
        self.edges_spin.valueChanged.connect(self.set_max_edges)
        bar.addWidget(self.edges_spin)
        bar.addSpacing(12)
        bar.addWidget(QLabel("nodes per layer:"))
        self.nodes_spin = QSpinBox(self)
        self.nodes_spin.setRange(4, 5000)
        self.nodes_spin.setValue(self._max_nodes)
        self.nodes_spin.setToolTip("Layers with more nodes show the most relevant ones: rated movies, "
                                   "largest errors, strongest predictions (fewer when the view is too "
                                   "short to label them all)")
        self.nodes_spin.valueChanged.connect(self.set_max_nodes)
        bar.addWidget(self.nodes_spin)
        bar.addStretch(1)
        self.matrix_button = QToolButton(self)
        self.matrix_button.setText("Weight matrix")
        self.matrix_button.setCheckable(True)
        self.matrix_button.setToolTip("Show every weight of a layer pair as a heatmap")
        self.matrix_button.toggled.connect(self._show_matrix)
        bar.addWidget(self.matrix_button)
        self.fit_button = QToolButton(self)
        self.fit_button.setText("Fit")
        self.fit_button.setToolTip("Reset zoom and pan (wheel zooms, drag pans, double-click resets)")
        self.fit_button.clicked.connect(self.canvas.reset_view)
        bar.addWidget(self.fit_button)

        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.canvas)
        split.addWidget(self.matrix)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        self._split = split
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addLayout(bar)
        lay.addWidget(split, 1)

    # ------------------------------------------------------------------------------ public API
    def show_snapshot(self, snapshot) -> None:
        """Draw this Snapshot; animates the step only when snapshots come slowly (single steps).
        The same network state again with only other panels' extras new (a latent walk, ~30 a
        second) is not drawn again."""
        if self._same_drawing(snapshot):
            self._snapshot = snapshot
            return
        now = time.monotonic()
        streaming = self._last_arrival is not None and now - self._last_arrival < STREAM_SECONDS
        self._last_arrival = now
        changed = snapshot.phase != self._last_phase
        self._last_phase = snapshot.phase
        if self._snapshot is not None and tuple(self._snapshot.sizes) != tuple(snapshot.sizes):
            self._selected = None
            self.canvas.selected = None
            self._highlight = self.canvas.highlight = None  # it named the old network's nodes
            self.canvas.reset_view()
        self._snapshot = snapshot
        self._rebuild()
        self.canvas.overlays = not (self._animated and streaming)
        if self._animated and not streaming and changed and snapshot.phase in ANIMATION_MS:
            self.canvas.animate(snapshot.phase, ANIMATION_MS[snapshot.phase])
        elif streaming or not self._animated:
            self.canvas.stop_animation()
        self.matrix.show_snapshot(snapshot)

    def _same_drawing(self, snapshot) -> bool:
        old = self._snapshot
        if old is None or snapshot.weights is not old.weights or snapshot.activations is not old.activations:
            return False
        new_x, old_x = snapshot.extras or {}, old.extras or {}
        return all(new_x.get(k) is old_x.get(k) for k in DRAWN_EXTRAS)

    def set_titles(self, titles, entry: str = "movie") -> None:
        """Names of the input/output nodes; `entry` says what they are ("movie", or "user" when
        each movie is an observation)."""
        self._titles = None if titles is None else [str(t) for t in titles]
        self.canvas.entry = entry
        if self._snapshot is not None:
            self.canvas.set_scene(self._scene, self._snapshot, self._titles)

    def set_max_edges(self, k: int) -> None:
        """Level of detail: the strongest k edges per layer pair when the network is big."""
        self._max_edges = max(1, int(k))
        if self.edges_spin.value() != self._max_edges:
            self.edges_spin.blockSignals(True)
            self.edges_spin.setValue(min(self._max_edges, self.edges_spin.maximum()))
            self.edges_spin.blockSignals(False)
        self._rebuild()

    def set_max_nodes(self, n) -> None:
        """At most n nodes drawn per layer (None = all); the rest collapse into '+N more'."""
        self._max_nodes = None if n is None else max(1, int(n))
        self._rebuild()

    def set_all_edges(self, on: bool = True) -> None:
        """Draw every node and every edge (slow on big networks; for inspection and benchmarks)."""
        self._all_edges = bool(on)
        self._rebuild()

    def set_animated(self, on: bool) -> None:
        """Off: never animate, always show the phase's overlays (deterministic, for tests)."""
        self._animated = bool(on)
        if not on:
            self.canvas.stop_animation()
            self.canvas.overlays = True
            self.canvas.update()

    def set_rating_range(self, lo: float, hi: float) -> None:
        """Colour scale of ratings and predictions (default: inferred from the data)."""
        self.canvas.rating_range = (float(lo), float(hi)) if hi > lo else None
        self.canvas.update()

    def pin_nodes(self, nodes: dict | None, redraw: bool = True) -> None:
        """Always draw these nodes ({layer: [index, ...]}), like the selected one: the ends of the
        edges a comparison marks (ui/compare_window.py)."""
        pinned = {int(l): sorted({int(i) for i in ix}) for l, ix in (nodes or {}).items()}
        if pinned != getattr(self, "_pinned", {}):
            self._pinned = pinned
            if redraw:
                self._rebuild()

    def selected_node(self):
        return self._selected

    def select_node(self, layer: int, index: int) -> None:
        self._selected = (int(layer), int(index))
        self.canvas.selected = self._selected
        self._rebuild()
        self.nodeSelected.emit(*self._selected)

    def set_highlight(self, highlight: Highlight | None) -> None:
        """Mark nodes and edges in green (a lesson's link); the named nodes are always drawn."""
        self._highlight = highlight
        self.canvas.highlight = highlight
        self._rebuild()
        self.canvas.update()

    def highlight(self) -> Highlight | None:
        return self._highlight

    def set_text_scale(self, scale: float) -> None:
        """Presentation mode: the canvas's labels, numbers and legend `scale` times larger."""
        self.canvas.set_text_scale(scale)
        self._fit = None
        self._rebuild()

    def edit_edge(self, layer: int, row: int, col: int):
        """Open a non-modal editor for W[layer][row, col]; accepting it emits weightEdited."""
        if self._snapshot is None:
            return None
        if self.editor is not None:
            self.editor.close()
        w = float(self._snapshot.weights[layer][row, col])
        dlg = QInputDialog(self)
        dlg.setWindowTitle("Edit weight")
        dlg.setLabelText(edge_tooltip(self._snapshot, layer, row, col, self._titles)
                         .replace("<i>click to type a new weight</i>", "New weight:"))
        dlg.setInputMode(QInputDialog.InputMode.DoubleInput)
        dlg.setDoubleDecimals(5)
        dlg.setDoubleRange(-1e6, 1e6)
        dlg.setDoubleValue(w if np.isfinite(w) else 0.0)
        dlg.setModal(False)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.accepted.connect(lambda: self.weightEdited.emit(layer, row, col, float(dlg.doubleValue())))
        dlg.finished.connect(self._editor_closed)
        self.editor = dlg
        dlg.show()
        return dlg

    # ------------------------------------------------------------------------------ inspection
    def drawn_edges(self):
        """The EdgePairs of the current scene (rows, cols, weights of every drawn edge)."""
        return [] if self._scene is None else self._scene.edges

    def edge_buckets(self):
        """{(sign, level): (segments N x 4, rgb, width)} exactly as painted."""
        return self.canvas.edge_buckets()

    def edge_styles(self):
        """Per drawn layer pair: (EdgePair, rgb N x 3, width N), exactly as painted."""
        return self.canvas.edge_styles()

    def node_values(self, layer: int):
        """(shown global indices, values drawn) of a layer; values None before forward."""
        return self._scene.shown[layer], self._scene.values[layer]

    def node_tooltip(self, layer: int, index: int) -> str:
        return node_tooltip(self._snapshot, layer, index, self._titles)

    def edge_tooltip(self, layer: int, row: int, col: int) -> str:
        return edge_tooltip(self._snapshot, layer, row, col, self._titles)

    def scene(self):
        return self._scene

    # ------------------------------------------------------------------------------ internals
    def nodes_per_layer(self):
        """Nodes drawn per big layer: the chosen maximum, or fewer if the view cannot label them."""
        if self._max_nodes is None or getattr(self, "_all_edges", False):
            return None
        return self._max_nodes if self._fit is None else max(4, min(self._max_nodes, self._fit))

    def _rebuild(self):
        if self._snapshot is None:
            return
        keep = {l: list(ix) for l, ix in getattr(self, "_pinned", {}).items()}
        if self._selected:
            keep.setdefault(self._selected[0], []).append(self._selected[1])
        for layer, index in getattr(self._highlight, "nodes", ()):
            if index is not None:
                keep.setdefault(layer, []).append(index)
        for layer, cells in getattr(self._highlight, "edges", {}).items():
            for row, col in cells or ():
                keep.setdefault(layer, []).append(col)
                keep.setdefault(layer + 1, []).append(row)
        all_on = getattr(self, "_all_edges", False)
        self._scene = build_scene(self._snapshot, None if all_on else self.nodes_per_layer(),
                                  None if all_on else self._max_edges, keep=keep)
        self.canvas.set_scene(self._scene, self._snapshot, self._titles)
        if self.canvas.isVisible() and not getattr(self, "_fitting", False):
            # the room for nodes changes with the size and with the legend (a denoising network's
            # first forward adds a row to it): checked on every new scene, refitted at most once
            self._fitting = True
            try:
                self._on_resized()
            finally:
                self._fitting = False

    def _on_resized(self):
        """A shorter view shows fewer movies, each with a readable label, rather than 40 unreadable."""
        if self._scene is None:
            return
        fit = self.canvas.node_capacity()
        if fit != self._fit:
            self._fit = fit
            self._rebuild()

    def _show_matrix(self, on: bool):
        """The heatmap takes about a third of the view: a fifth left its ticks and picker cramped."""
        self.matrix.setVisible(on)
        if on:
            total = sum(self._split.sizes()) or self.width()
            side = max(MATRIX_SHARE * total, self.matrix.minimumWidth())
            self._split.setSizes([int(total - side), int(side)])

    def _on_node_clicked(self, layer, index):
        self.select_node(layer, index)

    def _editor_closed(self, *_):
        self.editor = None
