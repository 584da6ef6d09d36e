"""Step controls: the seed's STEPs as one click each, Play/Pause with a speed, and the phase strip.

Buttons that make no sense in the current phase are disabled (Update before Backward), so the
toolbar itself teaches the order forward -> loss -> backward -> update.
"""
from __future__ import annotations

import math

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QSlider, QWidget

FULL = float("inf")
MAX_FINITE = 2000.0  # the slider's last notch before "full speed"
SLIDER_STEPS = 100

# name, text, shortcuts, what it does (tooltip), bridge method
STEP_ACTIONS = (
    ("step_phase", "Next phase", ["N"], "Run only the next phase: forward, loss, backward or update"),
    ("forward", "Forward", ["F"], "Encode and decode the current observation (STEPs 2-4)"),
    ("backward", "Backward", ["B"], "Measure the error and back-propagate it (STEPs 5-6)"),
    ("update", "Update", ["U"], "Apply the weight change (STEP 7)"),
    ("step_observation", "Step observation", ["Right", "."], "One whole observation: forward, loss, backward (and update)"),
    ("step_batch", "Step batch", ["Shift+Right"], "Finish the current batch, then update (STEP 7)"),
    ("step_epoch", "Step epoch", ["Ctrl+E"], "Run to the end of the epoch (STEP 8); Pause stops it"),
    ("undo", "Undo update", ["Ctrl+Z"], "Restore the weights from before the last update"),
    ("step_back", "Step back", ["Left"],
     "One phase back in time: the update undone, then backward, then forward (exact; the timeline)"),
    ("restore_best", "Go back to the best epoch", ["Ctrl+B"],
     "Restore the network of the epoch with the lowest validation RMSE (early stopping, after the fact)"),
    ("reset", "Reset", ["Ctrl+R"], "Re-initialise the network with the seed"),
)
PHASE_NAMES = (("forward", "Forward"), ("loss", "Loss"), ("backward", "Backward"), ("update", "Update"))


def slider_to_speed(v: int) -> float:
    """Log scale: 0 -> 1 obs/s ... SLIDER_STEPS-1 -> MAX_FINITE, last notch = full speed."""
    if v >= SLIDER_STEPS:
        return FULL
    return round(10 ** (math.log10(MAX_FINITE) * v / (SLIDER_STEPS - 1)), 1)


def speed_to_slider(s: float) -> int:
    if not math.isfinite(s) or s > MAX_FINITE:
        return SLIDER_STEPS
    return int(round(math.log10(max(1.0, s)) / math.log10(MAX_FINITE) * (SLIDER_STEPS - 1)))


def speed_text(s: float) -> str:
    if not math.isfinite(s):
        return "full speed"
    return f"{s:.0f} obs/s" if s >= 10 else f"{s:.1f} obs/s"


class PhaseStrip(QWidget):
    """'Forward > Loss > Backward > Update': the phase just done is filled, the next one outlined."""

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 0, 6, 0)
        lay.setSpacing(2)
        self.labels = {}
        for i, (key, text) in enumerate(PHASE_NAMES):
            if i:
                arrow = QLabel("›")
                arrow.setStyleSheet("color: #888; font-weight: bold;")
                lay.addWidget(arrow)
            lab = QLabel(text)
            lab.setAlignment(Qt.AlignmentFlag.AlignCenter)
            lab.setMinimumWidth(64)
            self.labels[key] = lab
            lay.addWidget(lab)
        self.set_phase("idle", "forward")
        self.setToolTip("The four phases of one training step; filled = just done, outlined = next")

    def set_phase(self, done: str, next_phase: str):
        self.current, self.next = done, next_phase
        for key, lab in self.labels.items():
            if key == done:
                style = "background:#2b7bd6; color:white; border-radius:4px; padding:2px 6px; font-weight:bold;"
            elif key == next_phase:
                style = "border:1px solid #2b7bd6; color:#2b7bd6; border-radius:4px; padding:1px 5px;"
            else:
                style = "color:#888; padding:2px 6px;"
            lab.setStyleSheet(style)


class SpeedControl(QWidget):
    """A log-scale slider from 1 observation/s to full speed, with its value as a label."""

    speedChanged = Signal(float)

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 0, 4, 0)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.setFixedWidth(140)
        self.slider.setToolTip("Play speed: 1 observation per second up to full speed (log scale)")
        self.label = QLabel()
        self.label.setMinimumWidth(74)
        lay.addWidget(QLabel("Speed"))
        lay.addWidget(self.slider)
        lay.addWidget(self.label)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.slider.valueChanged.connect(self._changed)
        self.slider.setValue(SLIDER_STEPS)
        self._changed(self.slider.value())

    @property
    def speed(self) -> float:
        return slider_to_speed(self.slider.value())

    def set_speed(self, s: float):
        self.slider.setValue(speed_to_slider(s))

    @Slot(int)
    def _changed(self, v):
        self.label.setText(speed_text(self.speed))
        self.speedChanged.emit(self.speed)


class StepControls(QObject):
    """Owns the Train actions and sends them to an EngineBridge; `update_state` enables them."""

    def __init__(self, bridge, parent=None):
        super().__init__(parent)
        self.bridge = bridge
        self.actions: dict[str, QAction] = {}
        self.unsupported: set[str] = set()  # actions the bridge cannot do: hidden, never enabled
        for name, text, keys, tip in STEP_ACTIONS:
            a = QAction(text, parent)
            a.setObjectName(f"action_{name}")
            a.setShortcuts([QKeySequence(k) for k in keys])
            a.setToolTip(f"{tip}  [{' or '.join(keys)}]")
            a.setStatusTip(tip)
            command = getattr(bridge, name, None)  # the Compare bridge has no timeline to step back
            if command is None:
                a.setVisible(False)
                self.unsupported.add(name)
            else:
                a.triggered.connect(command)
            self.actions[name] = a
        self.play_action = QAction("Play", parent)
        self.play_action.setObjectName("action_play")
        self.play_action.setShortcut(QKeySequence("Space"))
        self.play_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.play_action.setToolTip("Train continuously at the chosen speed; click again to pause  [Space]")
        self.play_action.triggered.connect(self.toggle_play)
        self.actions["play"] = self.play_action
        self.speed = SpeedControl()
        self.speed.speedChanged.connect(self._speed_changed)
        self.phase_strip = PhaseStrip()
        self.playing = False
        self._snapshot = None
        self._refresh()  # nothing to step before the first network (a file may still be loading)

    def all_actions(self):
        order = ["play", "step_phase", "forward", "backward", "update", "step_observation", "step_batch",
                 "step_epoch", "undo", "step_back", "restore_best", "reset"]
        return [self.actions[k] for k in order]

    def populate_toolbar(self, tb):
        for a in self.all_actions():
            if a in (self.actions["step_phase"], self.actions["restore_best"], self.actions["step_back"]):
                continue  # menu and keyboard only (the toolbar stays one row)
            tb.addAction(a)
            if a is self.actions["update"] or a is self.actions["step_epoch"]:
                tb.addSeparator()
        tb.addSeparator()
        tb.addWidget(self.speed)

    def populate_menu(self, menu):
        for a in self.all_actions():
            menu.addAction(a)
            if a is self.actions["play"] or a is self.actions["step_epoch"]:
                menu.addSeparator()

    @Slot()
    def toggle_play(self):
        if self.playing:
            self.bridge.pause()
        else:
            self.bridge.play(self.speed.speed)

    @Slot(float)
    def _speed_changed(self, s):
        if self.playing:
            self.bridge.play(s)

    @Slot(bool)
    def set_playing(self, on: bool):
        self.playing = on
        self.play_action.setText("Pause" if on else "Play")
        self._refresh()

    def update_state(self, snap):
        self._snapshot = snap
        self.phase_strip.set_phase(snap.phase, snap.next_phase)
        self._refresh()

    def _refresh(self):
        s = self._snapshot
        have = s is not None
        manual = have and not self.playing
        nxt = s.next_phase if have else ""
        self.actions["forward"].setEnabled(manual and nxt == "forward")
        self.actions["backward"].setEnabled(manual and nxt in ("loss", "backward"))
        self.actions["update"].setEnabled(manual and nxt == "update")
        for k in ("step_phase", "step_observation", "step_batch", "step_epoch"):
            self.actions[k].setEnabled(manual)
        self.actions["undo"].setEnabled(manual and bool(s.can_undo))
        self.actions["step_back"].setEnabled(manual and "step_back" not in self.unsupported
                                             and s.timeline is not None and s.timeline.can_step_back)
        best = s.best_epoch if have else None
        at_best = have and best == s.epoch and s.position == 0 and s.phase in ("idle", "update")
        self.actions["restore_best"].setEnabled(manual and s.can_restore_best and not at_best)
        self.actions["restore_best"].setText(
            "Go back to the best epoch" + (f" ({best})" if best is not None else ""))
        self.actions["reset"].setEnabled(have)
        self.play_action.setEnabled(have)
