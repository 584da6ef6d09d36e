"""The Lesson pane: a lesson's steps beside the live network (issue 19).

It shows one step's text at a time; its links light up what they name (lesson_links), its button
runs exactly that step (lesson_runner), a "predict first" question takes the learner's guess and,
once the step has run, shows the network's true value beside it. Back and Next move through the
lesson; where the learner stands is remembered in QSettings, so a lesson can be left and resumed.
"""
from __future__ import annotations

import html
import json
import logging

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QLineEdit, QProgressBar, QPushButton,
                               QTextBrowser, QVBoxLayout, QWidget)

from aeviz.lesson import LINK, fingerprint, read_value, same_numbers

from . import settings
from .lesson_links import LinkTargets
from .lesson_runner import LessonRunner
from .numbers import fmt

log = logging.getLogger(__name__)
PROGRESS_KEY = "lesson/progress"  # JSON {lesson key: [step, ran]}
LAST_KEY = "lesson/last"  # the key (a path) of the lesson open last


def read_progress() -> dict:
    try:
        raw = settings.store().value(PROGRESS_KEY, "{}")
        d = json.loads(raw) if isinstance(raw, str) else {}
        return d if isinstance(d, dict) else {}
    except (ValueError, TypeError):
        return {}


class LessonPane(QWidget):
    """`open_lesson(lesson, resume=True)`, `go_to(k)`, `run_step()`, `next()`, `back()`."""

    stepShown = Signal(int)
    startRequested = Signal()  # the empty pane's "Start the lesson" button

    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.main = window  # not "window": QWidget.window() must stay a method
        self.lesson = None
        self.index = 0
        self.ran = False  # the current step's action has run
        self.links = LinkTargets(window)
        self.runner = LessonRunner(window)
        self.runner.landed.connect(self._landed)
        self.runner.failed.connect(self._failed)
        self._after_landing = None  # what to do once the replay or the step has landed

        self.heading = QLabel()
        self.heading.setStyleSheet("color:#555;")
        self.heading.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(6)
        self.title = QLabel()  # rich text, larger than the pane's font (and scaling with it)
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.text = QTextBrowser()
        self.text.setOpenLinks(False)
        self.text.setFrameShape(QFrame.Shape.NoFrame)
        self.text.anchorClicked.connect(self._on_link)

        self.question = QFrame()
        self.question.setAutoFillBackground(True)  # a palette, not a style sheet: its text scales
        pal = self.question.palette()
        pal.setColor(QPalette.ColorRole.Window, QColor("#fff6e0"))
        self.question.setPalette(pal)
        q = QVBoxLayout(self.question)
        q.setContentsMargins(8, 6, 8, 6)
        self.ask = QLabel()
        self.ask.setWordWrap(True)
        self.guess = QLineEdit()
        self.guess.setPlaceholderText("Predict first: type a number")
        self.guess.returnPressed.connect(self._on_guess_entered)
        self.check_button = QPushButton("Check")
        self.check_button.clicked.connect(self.reveal)
        row = QHBoxLayout()
        row.addWidget(self.guess, 1)
        row.addWidget(self.check_button)
        self.answer = QLabel()
        self.answer.setWordWrap(True)
        self.answer.setTextFormat(Qt.TextFormat.RichText)
        q.addWidget(QLabel("<b>Predict first</b>"))
        q.addWidget(self.ask)
        q.addLayout(row)
        q.addWidget(self.answer)

        self.run_button = QPushButton()
        self.run_button.setObjectName("lesson_run")
        self.run_button.setStyleSheet("#lesson_run { background:#2b7bd6; color:white; font-weight:bold; "
                                      "padding:6px 10px; border-radius:4px; } "
                                      "#lesson_run:disabled { background:#9bbbe0; }")
        self.run_button.clicked.connect(self.run_step)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.back_button = QPushButton("\u25c0 Back")
        self.back_button.clicked.connect(self.back)
        self.next_button = QPushButton("Next \u25b6")
        self.next_button.clicked.connect(self.next)
        self.start_button = QPushButton("Start the lesson: how an autoencoder learns")
        self.start_button.clicked.connect(self.startRequested)
        nav = QHBoxLayout()
        nav.addWidget(self.back_button)
        nav.addStretch(1)
        nav.addWidget(self.next_button)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 6)
        for widget in (self.heading, self.progress, self.title, self.text, self.question, self.run_button,
                       self.start_button, self.status):
            lay.addWidget(widget, 1 if widget is self.text else 0)
        lay.addLayout(nav)
        self._show_nothing()

    # ------------------------------------------------------------------------------ lessons
    @property
    def step(self):
        return None if self.lesson is None else self.lesson.steps[self.index]

    def open_lesson(self, lesson, resume: bool = True):
        """Show `lesson`: where the learner left it (resume), else its first step."""
        self.lesson = lesson
        settings.write(LAST_KEY, lesson.key)
        k, ran = 0, False
        if resume:
            saved = read_progress().get(lesson.key)
            if isinstance(saved, list) and len(saved) == 2 and isinstance(saved[0], int):
                k, ran = min(max(saved[0], 0), len(lesson.steps) - 1), bool(saved[1])
        for name in lesson.panels_show:
            self.links.raise_dock(self.links.docks().get(name))
        for name in lesson.panels_hide:
            dock = self.links.docks().get(name)
            if dock is not None:
                dock.hide()
        self.go_to(k, run=ran)

    def go_to(self, k: int, run: bool = False):
        """Step k, on the network the lesson has built by then: the set-up, then steps 0..k-1
        (and step k itself when `run`)."""
        if self.lesson is None or self.runner.busy:
            return
        k = min(max(int(k), 0), len(self.lesson.steps) - 1)
        self.index, self.ran = k, False
        self._show_step()
        self._set_busy(True, "Building the network for this step\u2026")
        if not self.runner.set_up(self.lesson):
            return
        for step in self.lesson.steps[:k + (1 if run else 0)]:
            if not self.runner.run(step, self.lesson):
                return
        self._after_landing = "ran" if run else "shown"

    @Slot()
    def run_step(self):
        """Run exactly the current step's action."""
        if self.step is None or self.runner.busy or self.ran:
            return
        self._set_busy(True, "Running\u2026")
        if self.runner.run(self.step, self.lesson):
            self._after_landing = "ran"

    @Slot()
    def next(self):
        """Run this step if it has not run, then show the next one."""
        if self.lesson is None or self.runner.busy or self.index >= len(self.lesson.steps) - 1:
            return
        if not self.ran:
            self._set_busy(True, "Running\u2026")
            if self.runner.run(self.step, self.lesson):
                self._after_landing = "next"
            return
        self.index, self.ran = self.index + 1, False
        self._show_step()
        self._remember()

    @Slot()
    def back(self):
        if self.lesson is not None and self.index > 0:
            self.go_to(self.index - 1)

    # ------------------------------------------------------------------------------ landing
    @Slot()
    def _landed(self):
        then, self._after_landing = self._after_landing, None
        self._set_busy(False, "")
        if then in ("ran", "next"):
            self.ran = True
            self._after_run()
        if then == "next":
            self.next()
            return
        self._show_controls()
        self._remember()

    @Slot(str)
    def _failed(self, message):
        self._after_landing = None
        self._set_busy(False, "")
        self.status.setText(f"<span style='color:#c0392b'>{message}</span>")
        self.main.show_error("Lesson", message)

    def _after_run(self):
        step = self.step
        if step.question is not None and step.action != "none":
            self.reveal()
        snap = self.main.last_snapshot
        if step.expect and snap is not None:
            same = same_numbers(step.expect, fingerprint(snap))
            self.status.setText("\u2713 the same numbers as when this lesson was recorded" if same else
                                "<span style='color:#c0392b'>\u2717 the numbers differ from the recording "
                                f"(recorded loss {fmt(step.expect.get('loss'))}, now "
                                f"{fmt(snap.loss)})</span>")
        elif step.action != "none":
            self.status.setText(f"\u2713 {step.button_text}: done")

    @Slot()
    def reveal(self):
        """Show the network's true value beside the learner's guess."""
        step, snap = self.step, self.main.last_snapshot
        if step is None or step.question is None or snap is None:
            return
        truth = read_value(step.question.value, snap)
        if truth is None:
            self.answer.setText("<i>The network has not computed this value yet: run the step first.</i>")
            return
        text = self.guess.text().strip().replace(",", ".")
        try:
            guess = float(text)
        except ValueError:
            guess = None
        shown = f"The network: <b>{truth:.3f}</b>"
        if guess is None:
            self.answer.setText(shown + ("" if not text else f" (your answer {text!r} is not a number)"))
        else:
            off = abs(guess - truth)
            verdict = "spot on" if off <= max(0.005, 0.01 * abs(truth)) else f"off by {off:.3g}"
            self.answer.setText(f"Your guess: <b>{guess:g}</b> \u00b7 {shown} \u00b7 {verdict}")

    def answer_text(self) -> str:
        return self.answer.text()

    @Slot()
    def _on_guess_entered(self):
        if self.step is not None and self.step.action == "none":
            self.reveal()
        else:
            self.run_step()

    # ------------------------------------------------------------------------------ drawing
    def _show_nothing(self):
        self.heading.setText("No lesson open: Help > Lesson starts the seed's lesson")
        self.title.setText("")
        self.text.setMarkdown("")
        self.question.hide()
        self.run_button.hide()
        self.start_button.show()
        self.back_button.setEnabled(False)
        self.next_button.setEnabled(False)

    def _show_step(self):
        step, n = self.step, len(self.lesson.steps)
        self.start_button.hide()
        self.links.clear()
        self.heading.setText(f"{self.lesson.title} \u00b7 step {self.index + 1} of {n}")
        self.progress.setRange(0, n)
        self.progress.setValue(self.index + 1)
        self.title.setText(f"<big><b>{html.escape(step.title)}</b></big>")
        # each link becomes "lesson:i" (targets may hold spaces, which markdown links cannot)
        count = iter(range(10**6))
        body = LINK.sub(lambda m: f"[{m.group(1)}](lesson:{next(count)})", step.text)
        self.text.setMarkdown(body + (f"\n\n*Recorded: {step.note}*" if step.note else ""))
        self.question.setVisible(step.question is not None)
        if step.question is not None:
            self.ask.setText(step.question.ask)
            self.guess.clear()
            self.answer.setText("")
        self.status.setText("")
        for name in step.panels:
            self.links.raise_dock(self.links.docks().get(name))
        self._show_controls()
        self.stepShown.emit(self.index)

    def _show_controls(self):
        step = self.step
        if step is None:
            return
        busy = self.runner.busy
        self.run_button.setVisible(step.action != "none")
        self.run_button.setText(("\u2713 " if self.ran else "\u25b6 ") + step.button_text)
        self.run_button.setEnabled(not busy and not self.ran)
        self.check_button.setVisible(step.action == "none")
        self.back_button.setEnabled(not busy and self.index > 0)
        self.next_button.setEnabled(not busy and self.index < len(self.lesson.steps) - 1)

    def _set_busy(self, busy: bool, message: str):
        if message or not busy:
            self.status.setText(message)
        self._show_controls()
        if busy:
            for b in (self.run_button, self.back_button, self.next_button):
                b.setEnabled(False)

    @Slot(object)
    def _on_link(self, url):
        """A link in the text: light up what it names (or say it is not there now)."""
        try:
            _, kind, target = self.step.links()[int(url.path())]
        except (ValueError, IndexError, TypeError, AttributeError):
            return
        self.show_link(kind, target)

    def show_link(self, kind: str, target: str) -> bool:
        """Light up a link's target; says so in the status line when it is not in this view."""
        if self.links.show(kind, target):
            return True
        self.status.setText(f"Not in this view: {self.links.problem(kind, target)}")
        return False

    def _remember(self):
        if self.lesson is None:
            return
        progress = read_progress()
        progress[self.lesson.key] = [self.index, self.ran]
        settings.write(PROGRESS_KEY, json.dumps(progress))
