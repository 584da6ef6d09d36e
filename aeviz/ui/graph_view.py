"""The network graph with live weights (issue #5): public widget, first minimal version.

The interface is fixed early so the main window can import it; the drawing grows behind it.
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class NetworkView(QWidget):
    """Draws Snapshots of the autoencoder; emits commands, never touches the engine."""

    nodeSelected = Signal(int, int)
    weightEdited = Signal(int, int, int, float)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._snapshot = None
        self._titles = None
        self._max_edges = 2000
        self._selected = None
        self._label = QLabel("no network yet", self)
        lay = QVBoxLayout(self)
        lay.addWidget(self._label)

    def show_snapshot(self, snapshot) -> None:
        self._snapshot = snapshot
        self._label.setText(f"network {'-'.join(map(str, snapshot.sizes))}, phase {snapshot.phase}")

    def set_titles(self, titles) -> None:
        self._titles = list(titles) if titles is not None else None

    def set_max_edges(self, k: int) -> None:
        self._max_edges = max(1, int(k))

    def selected_node(self):
        return self._selected
