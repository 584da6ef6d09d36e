"""Lessons in the window: the Lesson dock, its menus, teacher mode and presentation mode (issue 19).

`install(window)` adds everything to a MainWindow and returns the `Lessons` object; the window
calls `restored()` once it has restored its layout, so the teacher's hidden set wins over it.
"""
from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QFileDialog, QInputDialog

from aeviz.lesson import LessonError, bundled_lesson, load_lesson, save_lesson

from .lesson_pane import LessonPane
from .lesson_recorder import LessonRecorder
from .presentation import Presentation
from .teacher import TeacherMode

log = logging.getLogger(__name__)
LESSON_FILTER = "aeviz lessons (*.json);;All files (*)"


def _menu(window, title: str):
    """The menu bar's menu called `title` (the '&' ignored), or a new one."""
    for action in window.menuBar().actions():
        if action.menu() is not None and action.text().replace("&", "") == title:
            return action.menu()
    return window.menuBar().addMenu(title)


class Lessons(QObject):
    """The Lesson dock (left of the network), File > Open/Save lesson, Help > Lesson, View >
    Teacher mode and Presentation mode."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.pane = LessonPane(window)
        self.pane.startRequested.connect(self.open_seed)
        self.dock = QDockWidget("Lesson", window)
        self.dock.setObjectName("dock_lesson")
        self.dock.setWidget(self.pane)
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.dock)
        self.dock.hide()
        self.teacher = TeacherMode(window)
        self.presentation = Presentation(window)
        self.recorder = LessonRecorder(window, self.pane.runner)
        self._build_menus()

    def _build_menus(self):
        w = self.window
        f = _menu(w, "File")
        quit_action = next((a for a in f.actions() if a.text().replace("&", "") == "Quit"), None)
        self.open_action = QAction("Open &lesson\u2026", w)
        self.open_action.setToolTip("Open a lesson file and step through it")
        self.open_action.triggered.connect(self.open_dialog)
        self.save_action = QAction("Save lesson\u2026", w)
        self.save_action.setToolTip("Save the data, model, panels and the steps taken since the set-up, "
                                    "as a lesson others can open")
        self.save_action.triggered.connect(self.save_dialog)
        f.insertActions(quit_action, [self.open_action, self.save_action])
        if quit_action is not None:
            f.insertSeparator(quit_action)
        v = _menu(w, "View")
        v.addSeparator()
        v.addAction(self.dock.toggleViewAction())
        self.teacher_action = QAction("Teacher mode: hide controls\u2026", w)
        self.teacher_action.setShortcut(QKeySequence("Ctrl+Shift+T"))
        self.teacher_action.triggered.connect(self.teacher_dialog)
        self.presentation_action = QAction("Presentation mode (big text)", w)
        self.presentation_action.setCheckable(True)
        self.presentation_action.setShortcut(QKeySequence("Ctrl+Shift+P"))
        self.presentation_action.toggled.connect(self.presentation.set_on)
        for a in (self.teacher_action, self.presentation_action):
            v.addAction(a)
            w.addAction(a)  # the shortcuts work even with the View menu hidden
        self.help_action = QAction("Lesson: the seed's eight steps", w)
        self.help_action.setShortcut(QKeySequence("Ctrl+L"))
        self.help_action.triggered.connect(self.open_seed)
        h = _menu(w, "Help")
        h.insertAction(h.actions()[0] if h.actions() else None, self.help_action)
        w.addAction(self.help_action)

    def restored(self):
        """After the window restored its layout: hide what the teacher hid."""
        self.teacher.apply()

    # ------------------------------------------------------------------------------ commands
    def panel_names(self):
        return self.pane.links.panel_names()

    @Slot()
    def open_seed(self):
        """Help > Lesson: the bundled lesson, where the learner left it."""
        self.show_pane()
        lesson = self.pane.lesson
        if lesson is None or lesson.key != str(self._seed_key()):
            self.open(bundled_lesson(panel_names=self.panel_names()), resume=True)

    def _seed_key(self):
        from aeviz.data.samples import RESOURCES
        return (RESOURCES / "lessons" / "seed.json").resolve()

    def show_pane(self):
        # the lesson's text gets the window's full height on the left, the curves go beside it
        self.window.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.dock.show()
        self.dock.raise_()
        self.window.resizeDocks([self.dock], [int(min(420, max(300, 0.25 * self.window.width())))],
                                Qt.Orientation.Horizontal)

    def open(self, lesson, resume: bool = False):
        self.show_pane()
        self.pane.open_lesson(lesson, resume=resume)

    def open_path(self, path: str) -> bool:
        """Open a lesson file; a bad one is said in a message naming the file, step and reason."""
        try:
            lesson = load_lesson(path, self.panel_names())
        except LessonError as exc:
            self.window.show_error("Could not open this lesson", str(exc))
            return False
        self.open(lesson, resume=False)
        return True

    def save_path(self, path: str, title: str = "Recorded lesson") -> bool:
        lesson = self.recorder.lesson(title)
        if lesson is None:
            self.window.show_error("Nothing to save", "Build a network first: there is no lesson to save yet.")
            return False
        try:
            save_lesson(lesson, path)
        except OSError as exc:
            self.window.show_error("Could not save the lesson", f"{path}: {exc.strerror or exc}")
            return False
        self.window.statusBar().showMessage(f"Lesson saved: {path} ({len(lesson.steps)} steps)", 5000)
        return True

    @Slot()
    def open_dialog(self):
        path, _ = QFileDialog.getOpenFileName(self.window, "Open lesson", "", LESSON_FILTER)
        if path:
            self.open_path(path)

    @Slot()
    def save_dialog(self):
        path, _ = QFileDialog.getSaveFileName(self.window, "Save lesson", "lesson.json", LESSON_FILTER)
        if not path:
            return
        title, ok = QInputDialog.getText(self.window, "Save lesson", "The lesson's title:",
                                         text="Recorded lesson")
        if ok:
            self.save_path(path, title.strip() or "Recorded lesson")

    @Slot()
    def teacher_dialog(self):
        self._dialog = self.teacher.dialog()
        return self._dialog


def install(window) -> Lessons:
    return Lessons(window)
