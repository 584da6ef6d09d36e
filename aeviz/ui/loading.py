"""Loading a ratings file in the background, with progress and Cancel.

A big MovieLens file takes seconds to parse; the window must keep painting and the user must be
able to change their mind. The loader runs in its own QThread; its results come back through
slots of `RatingsLoader`, which lives in the GUI thread.
"""
from __future__ import annotations

import os
import threading

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from aeviz.data import LoadCancelled, RatingsFileError, load_ratings


class _LoadJob(QObject):
    progress = Signal(float)
    loaded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, path, titles, cancel_event: threading.Event):
        super().__init__()
        self.path, self.titles, self.cancel_event = path, titles, cancel_event

    @Slot()
    def run(self):
        try:
            r = load_ratings(self.path, titles=self.titles, progress=self.progress.emit,
                             cancel=self.cancel_event.is_set)
        except LoadCancelled:
            self.cancelled.emit()
        except RatingsFileError as exc:
            self.failed.emit(str(exc))
        except OSError as exc:
            self.failed.emit(f"{self.path}: {exc.strerror or exc}")
        except Exception as exc:  # a loader bug must not become a traceback in the user's face
            self.failed.emit(f"{self.path}: could not be read ({exc})")
        else:
            self.loaded.emit(r)


class RatingsLoader(QObject):
    """Starts one load at a time. Signals: progress(float 0..1), loaded(path, Ratings),
    failed(path, message), cancelled(), busyChanged(bool)."""

    progress = Signal(float)
    loaded = Signal(str, object)
    failed = Signal(str, str)
    cancelled = Signal()
    busyChanged = Signal(bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._thread = None
        self._job = None
        self._path = ""
        self._cancel = threading.Event()

    @property
    def busy(self) -> bool:
        return self._thread is not None

    @property
    def path(self) -> str:
        """The file loading now (or loaded last)."""
        return self._path

    def load(self, path: str, titles: str | None = None) -> bool:
        if self.busy:
            return False
        self._path = str(path)
        self._cancel = threading.Event()
        self._thread = QThread()
        self._job = _LoadJob(self._path, titles, self._cancel)
        self._job.moveToThread(self._thread)
        self._thread.started.connect(self._job.run)
        self._job.progress.connect(self._on_progress)
        self._job.loaded.connect(self._on_loaded)
        self._job.failed.connect(self._on_failed)
        self._job.cancelled.connect(self._on_cancelled)
        self._thread.start()
        self.busyChanged.emit(True)
        return True

    def cancel(self):
        self._cancel.set()

    def shutdown(self):
        if self._thread is not None:
            self._cancel.set()
            self._thread.quit()
            self._thread.wait(10000)
            self._thread = None

    def _finish(self):
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
        self._thread = self._job = None
        self.busyChanged.emit(False)

    @Slot(float)
    def _on_progress(self, f):
        self.progress.emit(float(f))

    @Slot(object)
    def _on_loaded(self, ratings):
        self._finish()
        self.loaded.emit(self._path, ratings)

    @Slot(str)
    def _on_failed(self, msg):
        self._finish()
        self.failed.emit(self._path, msg)

    @Slot()
    def _on_cancelled(self):
        self._finish()
        self.cancelled.emit()


class _ProgressView(QWidget):
    """A label, a progress bar following `loader` and a Cancel button (the views below)."""

    def __init__(self, loader: RatingsLoader, bar_width: int, cancel_tip: str, parent=None):
        super().__init__(parent)
        self.loader = loader
        self.label = QLabel("Loading…")
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setMaximumWidth(bar_width)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip(cancel_tip)
        self.cancel_button.clicked.connect(loader.cancel)
        loader.progress.connect(self._on_progress)
        self.hide()

    @Slot(float)
    def _on_progress(self, f):
        self.bar.setValue(int(max(0.0, min(1.0, f)) * 1000))


class LoadProgress(_ProgressView):
    """Status-bar strip: 'Loading name…', a progress bar and Cancel."""

    def __init__(self, loader: RatingsLoader, parent=None):
        super().__init__(loader, 180, "Stop loading; the current data stays", parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.label)
        lay.addWidget(self.bar)
        lay.addWidget(self.cancel_button)
        loader.busyChanged.connect(self._on_busy)

    @Slot(bool)
    def _on_busy(self, busy):
        if busy:
            self.label.setText(f"Loading {os.path.basename(self.loader.path)}…")
            self.bar.setValue(0)
        self.setVisible(busy)


class LoadingPage(_ProgressView):
    """Stands where the network will be while the first file loads: the window opened on a file
    shows that file coming, never a bundled sample first."""

    def __init__(self, loader: RatingsLoader, parent=None):
        super().__init__(loader, 360, "Stop loading and open the bundled sample instead", parent)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setStyleSheet("font-size: 14pt; color: #444;")
        lay = QVBoxLayout(self)
        lay.addStretch(1)
        lay.addWidget(self.label)
        lay.addWidget(self.bar, 0, Qt.AlignmentFlag.AlignHCenter)
        lay.addWidget(self.cancel_button, 0, Qt.AlignmentFlag.AlignHCenter)
        lay.addStretch(2)

    def start(self, path: str):
        self.label.setText(f"Loading {os.path.basename(path)}…")
        self.bar.setValue(0)
        self.cancel_button.show()
        self.show()

    def building(self):
        """The file is read; the first network is being built."""
        self.label.setText(self.label.text().replace("Loading", "Building the network for"))
        self.bar.setValue(1000)
        self.cancel_button.hide()
