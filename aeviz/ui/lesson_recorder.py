"""Records what the teacher sets up and steps through, so File > Save lesson can write it.

The rule: a recording starts at a fresh set-up (the first network, or a lesson's set-up) and
keeps every step after it: the step buttons and keys, Reset, a preset or another model loaded,
and the lesson pane's own steps (with their text and questions). Each step remembers the last
snapshot it led to, whose `fingerprint` the saved file carries, so a replay can show that it
reaches the same numbers. Play is not replayable (where it stops depends on the clock): it is
recorded as a note saying so.
"""
from __future__ import annotations

from functools import partial

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QDockWidget

from aeviz.lesson import Lesson, Step, describe_data, describe_model, fingerprint
from aeviz.presets import get_preset

from .controls import STEP_ACTIONS
from .numbers import fmt

RECORDED = ("step_phase", "forward", "backward", "update", "step_observation", "step_batch", "step_epoch",
            "reset")
TIPS = {name: tip for name, _, _, tip, *_ in STEP_ACTIONS}
TEXTS = {name: text for name, text, *_ in STEP_ACTIONS}


class LessonRecorder(QObject):
    """`lesson(title)` -> the Lesson recorded so far (None before the first network)."""

    def __init__(self, window, runner):
        super().__init__(window)
        self.window = window
        self.start = None  # (data spec, model spec) of the set-up
        self.steps: list[Step] = []
        self.snapshots: list = []  # the last snapshot after each step
        self._rebuild_expected = 0  # rebuilds already recorded as a step (reset, a lesson's load)
        window.bridge.rebuilt.connect(self._on_rebuilt)
        window.bridge.snapshotReady.connect(self._on_snapshot)
        for name in RECORDED:
            window.controls.actions[name].triggered.connect(partial(self._on_action, name))
        window.controls.play_action.triggered.connect(self._on_play)
        runner.ran.connect(self._on_lesson_step)

    # ------------------------------------------------------------------------------ recording
    def restart(self):
        self.start, self.steps, self.snapshots = None, [], []

    def _add(self, step: Step):
        if self.start is not None:
            self.steps.append(step)
            self.snapshots.append(self.window.last_snapshot)

    def _on_action(self, name, _checked=False):
        self._add(Step(f"{TEXTS[name]}", TIPS[name] + ".", action=name))
        if name == "reset":
            self._rebuild_expected += 1

    @Slot()
    def _on_play(self):
        if not self.window.controls.playing:
            self._add(Step("Play", "Played at the chosen speed. Play is not replayed (where it stops depends "
                           "on the clock): use Step epoch for a lesson that replays exactly."))

    @Slot(object)
    def _on_lesson_step(self, step):
        name = step.action.partition(":")[0]
        if name == "setup":
            self.restart()
            self._rebuild_expected = 0
            return
        if name in ("load", "preset", "reset"):
            self._rebuild_expected += 1
        self._add(Step(step.title, step.text, step.action, step.repeat, step.question, step.panels,
                       step.data, step.model))

    @Slot(object, object)
    def _on_rebuilt(self, dataset, config):
        if self._rebuild_expected:
            self._rebuild_expected -= 1
            return
        data = describe_data(dataset, self.window.path)
        model = describe_model(config, data)
        if self.start is None or not self.steps:
            self.start, self.steps, self.snapshots = (data, model), [], []
        elif "preset" in model:
            p = get_preset(model["preset"])
            self._add(Step(p.title, p.explanation, action=f"preset:{p.key}"))
        else:
            self._add(Step("Another network", "A new model or data was loaded.", action="load",
                           data=data, model=model))

    @Slot(object)
    def _on_snapshot(self, snap):
        if self.snapshots:
            self.snapshots[-1] = snap

    # ------------------------------------------------------------------------------ the lesson
    def lesson(self, title: str = "Recorded lesson") -> Lesson | None:
        if self.start is None:
            return None
        data, model = self.start
        what = data.get("sample") or data.get("path")
        first = Step("The set-up", f"The data ({what}) and the model this lesson starts from.")
        steps = [first]
        for step, snap in zip(self.steps, self.snapshots):
            if snap is None:
                steps.append(step)
                continue
            note = (f"after it: epoch {snap.epoch + 1}, observation {min(snap.position + 1, snap.n_observations)} "
                    f"of {snap.n_observations}, phase {snap.phase}, loss {fmt(snap.loss)}")
            steps.append(Step(step.title, step.text, step.action, step.repeat, step.question, step.panels,
                              step.data, step.model, note=note, expect=fingerprint(snap)))
        docks = [d for d in self.window.findChildren(QDockWidget) if d.windowTitle() != "Lesson"]
        def is_open(d):  # closed by the user, not merely a tab behind another
            return d.toggleViewAction().isChecked()
        return Lesson(title, data, model, tuple(steps),
                      panels_show=tuple(d.windowTitle() for d in docks if is_open(d)),
                      panels_hide=tuple(d.windowTitle() for d in docks if not is_open(d)))
