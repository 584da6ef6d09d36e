"""The scrubber under the loss curves, stepping back, Continue from here (ui/timeline_bar.py)."""
import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from support import click


def focused_key(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(QApplication.focusWidget(), key, modifier)


def test_scrub_step_back_and_continue_from_here(win, qtbot):
    bar = win.timeline_bar
    idle = win.bridge.is_idle
    weights = {}
    for _ in range(3):
        click(qtbot, win, "step_epoch")
        weights[win.bridge.trainer.epoch] = win.bridge.trainer.network.params.copy()
    assert bar.slider.maximum() == 3 and bar.slider.value() == 3
    assert win.loss_plot.timeline_marks() == (None, 0)

    bar.slider.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is bar.slider)
    focused_key(qtbot, Qt.Key.Key_PageDown)  # one epoch back, by keyboard
    qtbot.waitUntil(lambda: idle() and win.last_snapshot.epoch == 2, timeout=20000)
    np.testing.assert_array_equal(win.bridge.trainer.network.params, weights[2])
    np.testing.assert_array_equal(win.last_snapshot.weights[0], win.bridge.trainer.network.weights[0])
    cursor, dimmed = win.loss_plot.timeline_marks()
    assert cursor == 2.0 and dimmed >= 1  # this run's future, dimmed
    assert bar.here_button.isEnabled() and bar.latest_button.isEnabled()

    bar.slider.setSliderDown(True)  # a drag: many positions, only the newest is drawn
    for v in (1, 0, 1, 2, 1):
        bar.slider.setValue(v)
    bar.slider.setSliderDown(False)
    qtbot.waitUntil(lambda: idle() and win.last_snapshot.epoch == 1, timeout=20000)
    np.testing.assert_array_equal(win.bridge.trainer.network.params, weights[1])
    assert bar.where.text() == "epoch 1/3"

    focused_key(qtbot, Qt.Key.Key_Left)  # Step back, whichever widget has the focus
    qtbot.waitUntil(lambda: idle() and win.last_snapshot.next_phase == "update", timeout=20000)
    assert win.last_snapshot.epoch == 0 and win.last_snapshot.grad_weights is not None
    assert not win.last_snapshot.timeline.at_head  # looking at the past is not a branch
    click(qtbot, win, "update")  # forward again: the very same end of epoch 1
    np.testing.assert_array_equal(win.bridge.trainer.network.params, weights[1])

    qtbot.mouseClick(bar.here_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: idle() and win.last_snapshot.timeline.at_head, timeout=20000)
    assert len(win.last_snapshot.timeline.branches) == 1 and bar.discard_button.isEnabled()
    assert win.loss_plot.timeline_marks()[0] is None
    click(qtbot, win, "step_epoch")
    click(qtbot, win, "step_epoch")
    np.testing.assert_array_equal(win.bridge.trainer.network.params, weights[3])  # same seed, same run
    assert win.loss_plot.timeline_marks()[1] >= 1  # the old future stays, dimmed
    qtbot.mouseClick(bar.discard_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: idle() and not win.last_snapshot.timeline.branches, timeout=20000)
    assert win.loss_plot.timeline_marks() == (None, 0)


def test_save_with_history_reopens_with_the_timeline(win, qtbot, tmp_path):
    click(qtbot, win, "step_epoch")
    click(qtbot, win, "step_epoch")
    first = win.bridge.trainer.timeline.epoch_moments()[1].params.copy()
    path = str(tmp_path / "h.aeviz.npz")
    win.model_files.choose_save_path = lambda: path
    win.model_files.history_action.trigger()  # File > Save model with history…
    assert win.model_files.wait("save", timeout=20)[0]
    click(qtbot, win, "reset")
    assert win.last_snapshot.timeline.head_epoch == 0
    assert win.model_files.open(path)
    assert win.model_files.wait("open", timeout=20)[0]
    qtbot.waitUntil(lambda: win.bridge.is_idle() and win.last_snapshot.epoch == 2, timeout=20000)
    assert win.last_snapshot.timeline.kept_epochs == (0, 1, 2)
    assert win.timeline_bar.slider.maximum() == 2
    win.timeline_bar.slider.setValue(1)
    qtbot.waitUntil(lambda: win.bridge.is_idle() and win.last_snapshot.epoch == 1, timeout=20000)
    np.testing.assert_array_equal(win.bridge.trainer.network.params, first)


def test_a_drag_previews_light_and_the_release_shows_every_panel(win, qtbot, monkeypatch):
    """While the hand is on the scrubber the insights are not computed (the network and the
    cursor move, the panels keep what they drew); the release brings the full moment everywhere."""
    from aeviz.ui import bridge as bridge_module
    from aeviz.ui import timeline_bar
    from aeviz.ui.panels.base import Panel
    bar, idle = win.timeline_bar, win.bridge.is_idle
    for _ in range(3):
        click(qtbot, win, "step_epoch")
    # the panels on screen drawn from the insights (the ratings matrix marks the snapshot's own
    # row: always drawn); the Code panel (4 plots) is among them in the default layout
    panels = [w for w, d in win.docked if isinstance(w, Panel) and not w.always_draw
              and not d.visibleRegion().isEmpty()]
    assert "CodePanel" in [type(p).__name__ for p in panels]
    qtbot.waitUntil(lambda: all(p.drawn_epoch == 3 for p in panels), timeout=20000)
    computed = []  # the epochs the worker computed insights at

    def counted(trainer, *args, **kw):
        computed.append(trainer.epoch)
        return compute_extras(trainer, *args, **kw)
    compute_extras = bridge_module.compute_extras
    monkeypatch.setattr(bridge_module, "compute_extras", counted)
    monkeypatch.setattr(timeline_bar, "SETTLE_MS", 60_000)  # no rest during this drag

    bar.slider.setSliderDown(True)
    for v in (2, 0, 1):
        bar.slider.setValue(v)
        qtbot.waitUntil(lambda: idle() and win.last_snapshot.epoch == v, timeout=20000)
        assert win.last_snapshot.light and win.loss_plot.timeline_marks()[0] == float(v)
        assert len(win.loss_plot.train_curve.xData) == 3  # the cursor moved, the curves were not redrawn
    assert computed == [] and [p.drawn_epoch for p in panels] == [3] * len(panels)
    bar.slider.setSliderDown(False)  # the release: the full moment, every panel at epoch 1
    qtbot.waitUntil(lambda: idle() and not win.last_snapshot.light
                    and all(p.drawn_epoch == 1 for p in panels), timeout=20000)
    assert computed == [1] and win.last_snapshot.epoch == 1
    assert len(win.last_snapshot.history) == 1  # the solid curves end at the cursor again
    qtbot.waitUntil(lambda: list(win.loss_plot.train_curve.xData) == [1.0], timeout=20000)

    monkeypatch.setattr(timeline_bar, "SETTLE_MS", 20)  # a drag that rests shows it in full too
    bar.slider.setSliderDown(True)
    bar.slider.setValue(2)
    qtbot.waitUntil(lambda: idle() and win.last_snapshot.epoch == 2 and not win.last_snapshot.light
                    and all(p.drawn_epoch == 2 for p in panels), timeout=20000)
    bar.slider.setSliderDown(False)  # already shown in full: the release asks nothing more
    qtbot.wait(50)
    assert computed == [1, 2] and bar.slider.isEnabled()
