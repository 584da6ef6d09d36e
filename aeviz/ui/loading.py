"""Loading a ratings file in the background, with progress and Cancel.

A big MovieLens file takes seconds to parse; the window must keep painting and the user must be
able to change their mind. `RatingsLoader` is a `BackgroundTask` (background.py: its own QThread,
results through slots in the GUI thread, never an abort on close) that runs `load_ratings`.
"""
from __future__ import annotations

import os

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from aeviz.data import LoadCancelled, RatingsFileError, load_ratings

from .background import BackgroundTask


def _describe(path: str, exc: Exception) -> str:
    if isinstance(exc, RatingsFileError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"{path}: {exc.strerror or exc}"
    return f"{path}: could not be read ({exc})"


class RatingsLoader(BackgroundTask):
    """Starts one load at a time. Signals: progress(float 0..1), loaded(path, Ratings),
    failed(path, message), cancelled(), busyChanged(bool)."""

    def __init__(self, parent=None):
        super().__init__(_describe, (LoadCancelled,), parent)

    def load(self, path: str, titles: str | None = None) -> bool:
        def run(progress, cancel):
            return load_ratings(path, titles=titles, progress=progress, cancel=cancel)
        return self.start(str(path), run)


class LoadProgress(QWidget):
    """Status-bar strip: 'Loading name…', a progress bar and Cancel (for any BackgroundTask)."""

    def __init__(self, loader: BackgroundTask, parent=None):
        super().__init__(parent)
        self.loader = loader
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel("Loading…")
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setMaximumWidth(180)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop loading; the current data stays")
        self.cancel_button.clicked.connect(loader.cancel)
        lay.addWidget(self.label)
        lay.addWidget(self.bar)
        lay.addWidget(self.cancel_button)
        loader.progress.connect(self._on_progress)
        loader.busyChanged.connect(self._on_busy)
        self.hide()

    @Slot(float)
    def _on_progress(self, f):
        self.bar.setValue(int(max(0.0, min(1.0, f)) * 1000))

    @Slot(bool)
    def _on_busy(self, busy):
        if busy:
            self.label.setText(f"Loading {os.path.basename(self.loader.path)}…")
            self.bar.setValue(0)
        self.setVisible(busy)
