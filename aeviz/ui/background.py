"""Reading a file in the background, with progress and Cancel, without ever aborting the process.

Big ratings files and model files take seconds to read; the window must keep painting, the user
must be able to change their mind, and closing the window mid-read must be safe. A
`BackgroundTask` runs one function at a time in its own QThread; the results come back through
slots of the task, which lives in the GUI thread.

Rule (owned here): a QThread destroyed while running aborts the process, so a thread that
outlives `shutdown()`'s wait (a read that ignores Cancel) is kept referenced in `_ORPHANS`, and
waited for at exit, instead of being dropped.
"""
from __future__ import annotations

import atexit
import threading

from PySide6.QtCore import QObject, QThread, Signal, Slot

_ORPHANS: list = []


@atexit.register
def _wait_for_orphans(timeout_ms: int = 10000):
    for thread, _job in _ORPHANS:
        thread.wait(timeout_ms)


def stop_thread(thread: QThread, keep, timeout_ms: int) -> bool:
    """Ask `thread`'s event loop to quit and wait; True if it has ended. If not, the thread (and
    `keep`, the object running in it) go to _ORPHANS: never destroyed while running."""
    thread.quit()
    ok = bool(thread.wait(timeout_ms))
    if not ok:
        _ORPHANS.append((thread, keep))
    return ok


class _Job(QObject):
    progress = Signal(float)
    done = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, fn, path, describe, cancel_types, cancel_event: threading.Event):
        super().__init__()
        self.fn, self.path, self.describe = fn, path, describe
        self.cancel_types, self.cancel_event = cancel_types, cancel_event

    @Slot()
    def run(self):
        try:
            result = self.fn(self.progress.emit, self.cancel_event.is_set)
        except self.cancel_types:
            self.cancelled.emit()
        except Exception as exc:  # a reader bug must not become a traceback in the user's face
            self.failed.emit(self.describe(self.path, exc))
        else:
            self.done.emit(result)


class BackgroundTask(QObject):
    """Runs ``fn(progress, cancel)`` for one path at a time. Signals: progress(float 0..1),
    loaded(path, result), failed(path, message), cancelled(), busyChanged(bool).

    ``describe(path, exception) -> message`` turns a failure into one line for the user;
    exceptions of ``cancel_types`` mean the user cancelled (not an error)."""

    progress = Signal(float)
    loaded = Signal(str, object)
    failed = Signal(str, str)
    cancelled = Signal()
    busyChanged = Signal(bool)

    def __init__(self, describe, cancel_types: tuple, parent=None):
        super().__init__(parent)
        self._describe, self._cancel_types = describe, cancel_types
        self._thread = None
        self._job = None
        self._path = ""
        self._cancel = threading.Event()

    @property
    def path(self) -> str:
        """The file being (or last) read."""
        return self._path

    @property
    def busy(self) -> bool:
        return self._thread is not None

    def start(self, path: str, fn) -> bool:
        """Run ``fn(progress, cancel)`` in the background; False if a read is already running."""
        if self.busy:
            return False
        self._path = str(path)
        self._cancel = threading.Event()
        self._thread = QThread()
        self._job = _Job(fn, self._path, self._describe, self._cancel_types, self._cancel)
        self._job.moveToThread(self._thread)
        self._thread.started.connect(self._job.run)
        self._job.progress.connect(self._on_progress)
        self._job.done.connect(self._on_done)
        self._job.failed.connect(self._on_failed)
        self._job.cancelled.connect(self._on_cancelled)
        self._thread.start()
        self.busyChanged.emit(True)
        return True

    def cancel(self):
        self._cancel.set()

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """Cancel the read and wait for its thread (window close); True if it has ended. A thread
        that outlives the wait is kept alive in _ORPHANS, never destroyed while running."""
        if self._thread is None:
            return True
        self._cancel.set()
        ok = stop_thread(self._thread, self._job, timeout_ms)
        self._thread = self._job = None
        return ok

    def _finish(self):
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
        self._thread = self._job = None
        self.busyChanged.emit(False)

    def _answer(self, signal, *args):
        if self._thread is None:  # shut down: a late answer from an orphan
            return
        self._finish()
        signal.emit(*args)

    @Slot(float)
    def _on_progress(self, f):
        if self._thread is not None:
            self.progress.emit(float(f))

    @Slot(object)
    def _on_done(self, result):
        self._answer(self.loaded, self._path, result)

    @Slot(str)
    def _on_failed(self, msg):
        self._answer(self.failed, self._path, msg)

    @Slot()
    def _on_cancelled(self):
        self._answer(self.cancelled)
