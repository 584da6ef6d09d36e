"""What a lesson's links point at in the window, and marking it there.

A link names a node, an edge, a ratings cell or a panel (aeviz/lesson.py writes the grammar);
`LinkTargets` is the one place that says whether that thing exists in the current view and
lights it up: the graph's green highlight, the ratings matrix's outlined cell, a raised dock.
"""
from __future__ import annotations

from PySide6.QtWidgets import QDockWidget

from aeviz.lesson import layer_index

from .graph_view import Highlight
from .panels.matrix import RatingsMatrixPanel


class LinkTargets:
    """Resolves and shows links in `window` (a MainWindow) as it is now."""

    def __init__(self, window):
        self.window = window

    # ------------------------------------------------------------------------------ the view
    def docks(self) -> dict:
        return {d.windowTitle(): d for d in self.window.findChildren(QDockWidget)}

    def panel_names(self) -> list:
        return sorted(self.docks())

    def _sizes(self):
        snap = self.window.last_snapshot
        return None if snap is None else tuple(snap.sizes)

    def _matrix(self):
        return next((p for p in self.window.panels if isinstance(p, RatingsMatrixPanel)), None)

    def _matrix_dock(self):
        matrix = self._matrix()
        return next((d for d in self.docks().values() if d.widget() is matrix), None)

    # ------------------------------------------------------------------------------ resolving
    def graph_highlight(self, kind: str, target: str) -> Highlight | str:
        """The Highlight a node or edge link means now, or why there is none."""
        sizes = self._sizes()
        if sizes is None:
            return "no network yet"
        parts = target.split(".")
        if kind == "node":
            layers = layer_index(parts[0], sizes)
            if not layers:
                return f"this network ({'-'.join(map(str, sizes))}) has no layer {parts[0]!r}"
            if len(parts) == 1:
                return Highlight(nodes=tuple((l, None) for l in layers))
            unit = int(parts[1])
            if unit >= sizes[layers[0]]:
                return f"layer {layers[0]} has {sizes[layers[0]]} units, not {unit + 1}"
            return Highlight(nodes=((layers[0], unit),))
        n_pairs = len(sizes) - 1
        word = parts[0]
        layer = 0 if word == "encoder" else n_pairs - 1 if word == "decoder" else int(word)
        if not 0 <= layer < n_pairs:
            return f"this network has weight layers 0 to {n_pairs - 1}, not {layer}"
        if len(parts) == 1:
            return Highlight(edges={layer: None})
        row, col = int(parts[1]), int(parts[2])
        if row >= sizes[layer + 1] or col >= sizes[layer]:
            return f"weight layer {layer} is {sizes[layer + 1]} x {sizes[layer]}; no ({row}, {col})"
        return Highlight(edges={layer: [(row, col)]})

    def problem(self, kind: str, target: str) -> str:
        """'' when the link names something that exists in the view now, else why not."""
        if kind in ("node", "edge"):
            h = self.graph_highlight(kind, target)
            return h if isinstance(h, str) else ""
        if kind == "cell":
            matrix, data = self._matrix(), self.window.dataset
            if matrix is None or self._matrix_dock() is None:
                return "there is no ratings matrix panel"
            if data is None:
                return "no data yet"
            parts = [int(p) for p in target.split(".")]
            if parts[0] >= data.n_users or (len(parts) > 1 and parts[1] >= data.n_items):
                return f"the matrix is {data.n_users} x {data.n_items}"
            return ""
        if kind == "panel":
            return "" if target in self.docks() else f"no panel {target!r}"
        return f"unknown link kind {kind!r}"

    # ------------------------------------------------------------------------------ showing
    def show(self, kind: str, target: str) -> bool:
        """Light up what the link names; False (and nothing marked) when it does not exist."""
        if self.problem(kind, target):
            return False
        if kind in ("node", "edge"):
            self.window.network_view.set_highlight(self.graph_highlight(kind, target))
        elif kind == "cell":
            self.raise_dock(self._matrix_dock())
            parts = [int(p) for p in target.split(".")]
            self._matrix().highlight_cell(parts[0], parts[1] if len(parts) > 1 else None)
        else:
            self.raise_dock(self.docks()[target])
        return True

    def clear(self):
        self.window.network_view.set_highlight(None)
        matrix = self._matrix()
        if matrix is not None:
            matrix.highlight_cell(None)

    @staticmethod
    def raise_dock(dock):
        if dock is not None:
            dock.show()
            dock.raise_()
