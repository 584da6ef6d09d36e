"""Runs a lesson's steps on the window's engine, in order, and says when they have landed.

The rule, written once: the network shown at step k is the lesson's set-up followed by the
actions of steps 0..k-1. Every action goes through the bridge's one command queue, so a replay
gives the same numbers each time (the engine is deterministic from the config's seed).
"""
from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from aeviz.lesson import make_dataset, make_model
from aeviz.presets import get_preset

log = logging.getLogger(__name__)
BRIDGE_ACTIONS = {"forward": "forward", "loss": "step_phase", "backward": "backward", "update": "update",
                  "step_phase": "step_phase", "step_observation": "step_observation",
                  "step_batch": "step_batch", "step_epoch": "step_epoch", "reset": "reset"}


class LessonRunner(QObject):
    """`set_up(lesson)`, `run(step, lesson)`; `landed` once everything sent has been drawn."""

    landed = Signal()
    ran = Signal(object)  # the Step whose action was sent (what a recorder keeps)
    failed = Signal(str)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.busy = False
        self._timer = QTimer(self)
        self._timer.setInterval(30)
        self._timer.timeout.connect(self._poll)

    def set_up(self, lesson) -> bool:
        """The lesson's own data and model, freshly built."""
        return self.build(lesson.data, lesson.model, lesson.base_dir)

    def build(self, data, model, base_dir=".") -> bool:
        """Build `model` on `data` (either None: the current one); False (and `failed`) if the
        data cannot be read."""
        w = self.window
        try:
            dataset = make_dataset(data, base_dir) if data else None
        except Exception as exc:  # the data layer's message names the file, line and reason
            log.info("lesson data not loaded: %s", exc)
            self.failed.emit(f"The lesson's data could not be read: {exc}")
            return False
        config, preset = make_model(model) if model else (w.config, None)
        w.bridge.rebuild(config, dataset, preset)
        self._wait()
        return True

    def run(self, step, lesson) -> bool:
        """Send exactly `step`'s action (repeated as it says)."""
        name, _, arg = step.action.partition(":")
        bridge = self.window.bridge
        if name == "setup":
            ok = self.set_up(lesson)
        elif name == "load":
            ok = self.build(step.data, step.model, lesson.base_dir)
        elif name == "preset":
            preset = get_preset(arg)
            bridge.rebuild(preset.config, preset.load_dataset(), preset)
            ok = True
        elif name == "select":
            bridge.select_observation(int(arg))
            ok = True
        elif name in BRIDGE_ACTIONS:
            for _ in range(step.repeat):
                getattr(bridge, BRIDGE_ACTIONS[name])()
            ok = True
        else:  # "none"
            ok = True
        if ok:
            self._wait()
            self.ran.emit(step)
        return ok

    def _wait(self):
        self.busy = True
        self._timer.start()

    @Slot()
    def _poll(self):
        if self.window.bridge.is_idle():
            self._timer.stop()
            self.busy = False
            self.landed.emit()
