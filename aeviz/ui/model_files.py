"""File > Save model / Save model as… / Open model…, and the "unsaved training" question on quit.

The worker owns the live arrays, so saving is a function sent to it (`bridge.call`): it writes
between two steps, never racing an update. Opening reads and checks the file in the background
(a `BackgroundTask`: progress and Cancel in the status bar, the window keeps painting even for a
hostile file), then checks it against the open ratings here (a refused file leaves the session
untouched) and hands the loaded model to the worker (`bridge.restore`).
"""
from __future__ import annotations

import logging
import os
import pathlib
import time

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QTimer, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox

from aeviz.engine.serialize import (ModelFileError, ModelLoadCancelled, check_dataset, dataset_identity, load_model,
                                    save_model)

from .background import BackgroundTask
from .loading import LoadProgress

log = logging.getLogger(__name__)

SUFFIX = ".aeviz.npz"
FILTER = "aeviz model (*.aeviz.npz *.npz);;All files (*)"
SAVE, DISCARD, CANCEL = "save", "discard", "cancel"


def _describe(path: str, exc: Exception) -> str:
    if isinstance(exc, ModelFileError):
        return str(exc)
    log.info("model file %s refused: %r", path, exc)
    return f"{pathlib.Path(path).name}: cannot be read ({exc})"


def _save_in_worker(path, data_path, history=False):
    """The function the worker runs: returns the update count it saved (the 'clean' mark).
    `history`: the timeline's kept epochs go into the file too ("Save with history")."""
    def run(trainer, config, dataset):
        if trainer is None or dataset is None:
            raise ValueError("there is no model to save yet: open ratings first")
        save_model(path, trainer, config, dataset_identity(dataset, data_path), protect=(data_path,),
                   timeline=trainer.timeline if history else None)
        return trainer.updates
    return run


class ModelFiles(QObject):
    """Owns the three actions and remembers the current model file and whether training is unsaved.

    Dialogs go through replaceable attributes so tests never block: `choose_save_path()`,
    `choose_open_path()` -> str or "", `ask_unsaved()` -> SAVE/DISCARD/CANCEL,
    `ask_open_dataset(path)` and `ask_open_anyway(text)` -> bool. The first three default to the
    modal dialogs `save_path_dialog`, `open_path_dialog` and `unsaved_dialog`.
    """

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.bridge = window.bridge
        self.path: str | None = None  # the model file of this session, once saved or opened
        self.clean_updates = 0  # the update count when last saved, opened or rebuilt
        self.busy = False
        self._results: dict[str, tuple] = {}
        self._after_load = None  # (saved model, model path, ratings path) waiting for its dataset
        self._queued = None
        self._saving_to = self._opening = ""
        self.choose_save_path = self.save_path_dialog
        self.choose_open_path = self.open_path_dialog
        self.ask_unsaved = self.unsaved_dialog
        self.ask_open_dataset = self._ask_open_dataset
        self.ask_open_anyway = self._ask_open_anyway

        self.save_action = QAction("&Save model", self)
        self.save_action.setShortcut(QKeySequence("Ctrl+S"))
        self.save_action.setToolTip("Save weights, settings, optimizer state and history  [Ctrl+S]")
        self.save_action.triggered.connect(self.save)
        self.save_as_action = QAction("Save model &as…", self)
        self.save_as_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.save_as_action.triggered.connect(self.save_as)
        self.open_action = QAction("Open &model…", self)
        self.open_action.setShortcut(QKeySequence("Ctrl+Shift+O"))
        self.open_action.setToolTip("Continue from a saved model  [Ctrl+Shift+O]")
        self.open_action.triggered.connect(self.open)
        self.history_action = QAction("Save model with &history…", self)
        self.history_action.setToolTip("Save the model and its timeline (every kept epoch): opened "
                                       "again, the scrubber goes back through the whole run")
        self.history_action.triggered.connect(self.save_with_history)
        self.actions = [self.open_action, self.save_action, self.save_as_action, self.history_action]

        self.reader = BackgroundTask(_describe, (ModelLoadCancelled,), self)
        self.reader.loaded.connect(self._on_model_read)
        self.reader.failed.connect(self._on_model_failed)
        self.reader.cancelled.connect(self._on_model_cancelled)
        self.read_progress = LoadProgress(self.reader)
        window.statusBar().addWidget(self.read_progress)

        self.bridge.workDone.connect(self._on_done)
        self.bridge.workFailed.connect(self._on_failed)
        self.bridge.rebuilt.connect(self._on_rebuilt)
        window.loader.loaded.connect(self._on_ratings_loaded)

    def add_to_menu(self, menu):
        for a in self.actions:
            menu.addAction(a)

    # ------------------------------------------------------------------------------ state
    def dirty(self) -> bool:
        """Updates since the last save/open: what quitting would lose."""
        s = self.window.last_snapshot
        return s is not None and s.updates != self.clean_updates

    @Slot(object, object)
    def _on_rebuilt(self, dataset, config):
        self.clean_updates = 0
        self.path = None

    # ------------------------------------------------------------------------------ saving
    @Slot()
    def save(self, path: str | None = None, history: bool = False) -> bool:
        """Queue a save to `path` (else the current file, else ask); False if nothing was queued."""
        if self.window.dataset is None:
            self.window.show_error("Nothing to save", "Open a ratings file first; then train and save the model.")
            return False
        if not isinstance(path, (str, os.PathLike)):
            path = None
        path = path or self.path or self.choose_save_path()
        if not path:
            return False
        path = str(path)
        if not path.endswith(".npz"):
            path += SUFFIX
        self._results.pop("save", None)
        self.busy = True
        self.bridge.call("save", _save_in_worker(path, self.window.path, history))
        self._saving_to = path
        return True

    @Slot()
    def save_as(self, path: str | None = None) -> bool:
        if not isinstance(path, (str, os.PathLike)) or not path:
            path = self.choose_save_path()
        return self.save(path) if path else False

    @Slot()
    def save_with_history(self, path: str | None = None) -> bool:
        if not isinstance(path, (str, os.PathLike)) or not path:
            path = self.choose_save_path()
        return self.save(path, history=True) if path else False

    def wait(self, tag: str, timeout: float = 30.0):
        """Process events until the worker answered `tag`: (ok, result or message), or None."""
        end = time.monotonic() + timeout
        while tag not in self._results and time.monotonic() < end:
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        return self._results.get(tag)

    def result(self, tag: str):
        """The worker's last answer to `tag` ("save" or "open"): (ok, result or message), or None
        while it is on its way (a new save or open forgets the previous answer)."""
        return self._results.get(tag)

    @Slot(str, object)
    def _on_done(self, tag, result):
        if tag == "save":
            self.busy = False
            self.path, self.clean_updates = self._saving_to, int(result)
            self.window.statusBar().showMessage(f"Model saved to {self.path}", 6000)
        elif tag == "open":
            self.path, self.clean_updates = self._opening, 0
            self.window.statusBar().showMessage(f"Model opened from {self.path}", 6000)
        else:
            return
        self._results[tag] = (True, result)

    @Slot(str, str)
    def _on_failed(self, tag, message):
        if tag == "save":
            self.busy = False
            self.window.show_error("Could not save the model", f"{self._saving_to}: {message}")
        elif tag == "open":
            self.window.show_error("Could not open the model",
                                   f"{pathlib.Path(self._opening).name}: {message}\nThe current session is unchanged.")
        else:
            return
        self._results[tag] = (False, message)

    # ------------------------------------------------------------------------------ opening
    @Slot()
    def open(self, path: str | None = None) -> bool:
        """Start reading `path` in the background; False if nothing was started. The answer comes
        as `wait("open")`: (True, ...) once the worker has the model, (False, message) if refused."""
        w = self.window
        path = path if isinstance(path, (str, os.PathLike)) and path else self.choose_open_path()
        if not path:
            return False
        path = str(path)
        self._results.pop("open", None)

        def read(progress, cancel):
            return load_model(path, progress=progress, cancel=cancel)
        if not self.reader.start(path, read):
            w.statusBar().showMessage("A model is already opening; cancel it first", 4000)
            return False
        return True

    def shutdown(self):
        """The window closes: stop a model read (never leaves a running thread to be destroyed)."""
        self.reader.shutdown()

    def _refuse(self, title: str, text: str):
        self.window.show_error(title, text)
        self._results["open"] = (False, text)

    @Slot(str, str)
    def _on_model_failed(self, path, message):
        self._refuse("Could not open the model", f"{message}\nThe current session is unchanged.")

    @Slot()
    def _on_model_cancelled(self):
        self.window.statusBar().showMessage("Opening the model cancelled; the session is unchanged", 4000)
        self._results["open"] = (False, "cancelled")

    @Slot(str, object)
    def _on_model_read(self, path, saved):
        """The file is whole and valid: check it against the open ratings, then restore it."""
        w = self.window
        data_path = str(saved.dataset.get("path") or "")
        problem, notes = None, []
        if w.dataset is None:
            problem = "no ratings are open"
        else:
            try:
                notes = check_dataset(saved, w.dataset)
            except ValueError as exc:
                problem = str(exc)
        other = (data_path and os.path.isfile(data_path)
                 and os.path.abspath(data_path) != os.path.abspath(w.path or ""))
        if problem or notes:
            reason = problem or "; ".join(notes)
            if other and self.ask_open_dataset(data_path, reason):
                self._after_load = (saved, path, os.path.abspath(data_path))
                w.open_path(data_path)
                return
            if problem:
                self._refuse("This model does not fit the open ratings",
                             f"{pathlib.Path(path).name}: {problem}."
                             + (f"\nIts ratings file {data_path} was not found." if data_path and not other else "")
                             + "\nThe current session is unchanged.")
                return
            if not self.ask_open_anyway(f"{reason.capitalize()}. Open the model anyway?"):
                self._results["open"] = (False, "declined")
                return
        if w.has_progress() and self.dirty() and not w.confirm("Open this model instead?"):
            self._results["open"] = (False, "declined")
            return
        self._restore(saved, path, None)

    def _restore(self, saved, path, dataset):
        self._opening = path
        self._results.pop("open", None)
        self.bridge.restore("open", saved, dataset)

    @Slot(str, object)
    def _on_ratings_loaded(self, path, ratings):
        """The dataset a model asked for has arrived: continue from the model on it."""
        pending, self._after_load = self._after_load, None
        if pending is None:
            return
        saved, model_path, data_path = pending
        if os.path.abspath(path) != data_path:
            return
        try:
            check_dataset(saved, ratings)
        except ValueError as exc:
            self._refuse("This model does not fit its own ratings file", f"{pathlib.Path(model_path).name}: {exc}")
            return
        # after the window's own slot has queued the plain rebuild on these ratings
        self._queued = (saved, model_path, ratings)
        QTimer.singleShot(0, self._restore_queued)

    @Slot()
    def _restore_queued(self):
        queued, self._queued = self._queued, None
        if queued is not None:
            self._restore(*queued)

    # ------------------------------------------------------------------------------ quitting
    def confirm_close(self) -> bool:
        """True if the window may close: nothing unsaved, or saved, or the user discards it."""
        if not self.dirty():
            return True
        choice = self.ask_unsaved()
        if choice == CANCEL:
            return False
        if choice == DISCARD:
            return True
        if not self.save():
            return False
        result = self.wait("save")
        return bool(result and result[0])

    # ------------------------------------------------------------------------------ dialogs
    def _start_dir(self) -> str:
        return os.path.dirname(self.path or self.window.path or "") or os.getcwd()

    def save_path_dialog(self) -> str:
        name = os.path.join(self._start_dir(), pathlib.Path(self.path or "model").name.split(".")[0] + SUFFIX)
        path, _ = QFileDialog.getSaveFileName(self.window, "Save model", name, FILTER)
        return path

    def open_path_dialog(self) -> str:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open model", self._start_dir(), FILTER)
        return path

    def unsaved_dialog(self) -> str:
        box = QMessageBox(QMessageBox.Icon.Question, "Unsaved training",
                          "The training since the model was last saved will be lost.\nSave the model first?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self.window)
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        r = box.exec()
        return {QMessageBox.StandardButton.Save: SAVE,
                QMessageBox.StandardButton.Discard: DISCARD}.get(QMessageBox.StandardButton(r), CANCEL)

    def _ask_open_dataset(self, data_path: str, reason: str) -> bool:
        r = QMessageBox.question(self.window, "Open the model's ratings?",
                                 f"{reason}.\nThe model was trained on {data_path}. Open that file and the model?")
        return r == QMessageBox.StandardButton.Yes

    def _ask_open_anyway(self, text: str) -> bool:
        r = QMessageBox.question(self.window, "Different ratings", text)
        return r == QMessageBox.StandardButton.Yes
