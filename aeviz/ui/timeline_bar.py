"""The timeline under the loss curves: a scrubber over every epoch of this network, stepping back,
"Continue here", the branches left behind and the memory the past may use.

It draws the snapshot's `timeline` (engine/timeline.TimelineView) and sends commands; the worker's
Timeline does the going back. Dragging sends only positions: the bridge coalesces them, so the
network follows the newest one without a backlog. While the hand is on the slider the positions
are light (the network and the loss plot's cursor; on ML-100k the panels' insights and plots
take 60-400 ms a moment, more than a hand waits); on release, or SETTLE_MS without movement, the
full moment is asked for, so every panel shows it.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QSpinBox, QToolButton, QVBoxLayout, QWidget

from aeviz.engine.timeline import DEFAULT_BUDGET

from . import settings

MB = 1 << 20
SETTLE_MS = 150  # a drag that rests this long shows the full moment, as a release does


def _button(text: str) -> QToolButton:
    """A compact push button: the bar shares the loss dock's width, and the window must fit a
    1366 px screen beside the Runs and Code docks."""
    b = QToolButton()
    b.setText(text)
    b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    return b


class TimelineBar(QWidget):
    """`show_snapshot(snap)` places the slider and says where the run stands; the user's moves go
    to `bridge` (scrub, timeline actions, budget)."""

    def __init__(self, bridge, parent=None):
        super().__init__(parent)
        self.bridge = bridge
        self._placing = False  # the slider is being set from a snapshot, not by the user
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 0, 4, 2)
        lay.setSpacing(4)
        self.back_button = _button("◀ Back")
        self.back_button.setToolTip("One phase back in time: the update undone, then backward, then "
                                    "forward; stepping on gives the very same numbers  [Left]")
        self.back_button.clicked.connect(bridge.step_back)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("timeline_slider")
        self.slider.setRange(0, 0)
        self.slider.setMinimumWidth(80)
        self.slider.setPageStep(1)
        self.slider.setToolTip("The timeline: drag to any epoch of this network; the network, the "
                               "curves and every panel show that moment exactly")
        self.slider.valueChanged.connect(self._on_moved)
        self.slider.sliderReleased.connect(self._settle)
        self._settle_timer = QTimer(self)
        self._settle_timer.setSingleShot(True)
        self._settle_timer.timeout.connect(self._settle)
        self._previewed = False  # a light position was sent and no full one since
        self.where = QLabel("epoch —")
        self.where.setToolTip("The epoch shown (+: within the next one) of the furthest this run went")
        self.here_button = _button("Continue here")
        self.here_button.setToolTip("Train on from this moment; the old future stays on the loss "
                                    "curves, dimmed, until discarded (stepping or Play does the same)")
        self.here_button.clicked.connect(self._continue_here)
        self.latest_button = _button("Latest")
        self.latest_button.setToolTip("Back to the furthest point of this run")
        self.latest_button.clicked.connect(self._latest)
        self.discard_button = _button("Discard")
        self.discard_button.setToolTip("Remove the dimmed curves of the futures left behind")
        self.discard_button.clicked.connect(self._discard)
        self.budget = QSpinBox()
        self.budget.setRange(16, 1 << 16)
        self.budget.setSingleStep(50)
        self.budget.setSuffix(" MB")
        self.budget.setToolTip("Memory the timeline may use; past it, epochs are thinned evenly "
                               "(the first, the latest and the best are always kept)")
        self.budget.setValue(int(settings.read_number("timeline/budget_mb", DEFAULT_BUDGET // MB, 16, 1 << 16)))
        self.budget.editingFinished.connect(self._on_budget)
        self.memory = QLabel("")
        self.memory.setToolTip("Memory the timeline holds now, of its budget")
        for w in (self.back_button, self.slider, self.where, self.here_button, self.latest_button,
                  self.discard_button, self.memory, self.budget):
            lay.addWidget(w, 1 if w is self.slider else 0)
        self._view = None
        if self.budget.value() != DEFAULT_BUDGET // MB:
            bridge.set_timeline_budget(self.budget.value() * MB)
        self._enable()

    # ------------------------------------------------------------------------------ drawing
    @Slot(object)
    def show_snapshot(self, snap):
        view = getattr(snap, "timeline", None)
        self._view = view
        if view is None:
            self._enable()
            return
        self._placing = True
        try:
            self.slider.setRange(0, max(view.head_epoch, view.epoch))
            if not self.slider.isSliderDown():  # the user's hand wins while dragging
                self.slider.setValue(view.epoch)
        finally:
            self._placing = False
        mid = snap.position > 0 and snap.position < snap.n_observations
        self.where.setText(f"epoch {view.epoch}{'+' if mid else ''}/{view.head_epoch}")
        self.memory.setText(f"{view.memory_bytes / MB:,.0f} MB of")
        self._enable()  # the cursor and the dimmed curves: the loss plot draws them from the snapshot

    def _enable(self):
        v = self._view
        have = v is not None
        self.slider.setEnabled(have and len(v.kept_epochs) > 0)
        self.back_button.setEnabled(have and v.can_step_back)
        self.here_button.setEnabled(have and not v.at_head)
        self.latest_button.setEnabled(have and not v.at_head)
        self.discard_button.setEnabled(have and bool(v.branches))

    # ------------------------------------------------------------------------------ commands
    @Slot(int)
    def _on_moved(self, value):
        if self._placing:
            return
        if self.slider.isSliderDown():  # a drag: a light preview, the full moment once it rests
            self._previewed = True
            self.bridge.scrub(value, light=True)
            self._settle_timer.start(SETTLE_MS)
        else:  # a key, a click on the groove
            self._previewed = False
            self.bridge.scrub(value)

    @Slot()
    def _settle(self):
        """The drag rests or ended: the full moment where the slider is, if a preview is shown."""
        self._settle_timer.stop()
        if self._previewed:
            self._previewed = False
            self.bridge.scrub(self.slider.value())

    @Slot()
    def _continue_here(self):
        self.bridge.timeline("continue_here")

    @Slot()
    def _latest(self):
        self.bridge.timeline("latest")

    @Slot()
    def _discard(self):
        self.bridge.timeline("discard_branches")

    @Slot()
    def _on_budget(self):
        settings.write("timeline/budget_mb", self.budget.value())
        self.bridge.set_timeline_budget(self.budget.value() * MB)


def install(window) -> TimelineBar:
    """Put the timeline under the window's loss curves (same dock) and feed it every snapshot."""
    bar = TimelineBar(window.bridge)
    holder = QWidget()
    lay = QVBoxLayout(holder)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(0)
    lay.addWidget(window.loss_plot, 1)
    lay.addWidget(bar)
    window.loss_dock.setWidget(holder)
    window.bridge.snapshotReady.connect(bar.show_snapshot)
    return bar
