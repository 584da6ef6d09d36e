"""Saved lessons replay the same numbers; teacher mode's hidden set survives a restart;
presentation mode scales text and plots."""
import json

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QListWidget

from aeviz.lesson import fingerprint, load_lesson, same_numbers


def wait_idle(qtbot, win):
    qtbot.waitUntil(lambda: not win.lessons.pane.runner.busy and win.bridge.is_idle(), timeout=30000)


def press(qtbot, win, key, modifier=Qt.KeyboardModifier.NoModifier):
    """A key typed on the keyboard: to whichever widget has the focus."""
    qtbot.keyClick(QApplication.focusWidget(), key, modifier)
    wait_idle(qtbot, win)


def test_a_saved_lesson_replays_the_same_numbers_at_every_step(win, qtbot, tmp_path):
    """The teacher loads the toy, steps it with the keyboard, saves; opening the file and
    pressing Next replays each step to the very same network."""
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=5000)
    toy = next(a for a in win.preset_actions if a.data() == "toy")
    toy.trigger()
    wait_idle(qtbot, win)
    seen = []
    for key in (Qt.Key.Key_F, Qt.Key.Key_B, Qt.Key.Key_U, Qt.Key.Key_Right, Qt.Key.Key_Right):
        press(qtbot, win, key)
        seen.append(win.last_snapshot)
    press(qtbot, win, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)  # Step epoch
    seen.append(win.last_snapshot)
    assert seen[-1].epoch == 1 and seen[2].updates == 1
    path = tmp_path / "toy.json"
    assert win.lessons.save_path(str(path), "Toy, stepped")
    saved = json.loads(path.read_text())
    assert saved["data"] == {"sample": "toy"} and saved["model"] == {"preset": "toy"}
    assert [s["action"] for s in saved["steps"]] == ["none", "forward", "backward", "update", "step_observation",
                                                     "step_observation", "step_epoch"]
    assert "Math inspector" in saved["panels"]["show"] and not saved["panels"]["hide"]  # open, if behind a tab

    lesson = load_lesson(path)
    win.lessons.open(lesson)
    pane = win.lessons.pane
    wait_idle(qtbot, win)
    pane.next()  # step 0, the set-up: nothing to run; shows step 1
    wait_idle(qtbot, win)
    for k, before in enumerate(seen, start=1):
        assert pane.index == k
        if k < len(seen):
            pane.next()  # runs step k, then shows step k + 1
        else:
            pane.run_step()  # the last step: its own button
        wait_idle(qtbot, win)
        now = win.last_snapshot
        for x, y in zip(now.weights, before.weights):
            np.testing.assert_array_equal(x, y)
        assert (now.loss, now.epoch, now.position, now.phase) == (before.loss, before.epoch, before.position,
                                                                  before.phase)
        assert same_numbers(lesson.steps[k].expect, fingerprint(now))
    assert "the same numbers as when this lesson was recorded" in pane.status.text()


def make_window(qtbot, ratings_path):
    from aeviz.data import load_ratings
    from aeviz.engine import ModelConfig
    from aeviz.ui.main_window import MainWindow
    w = MainWindow(load_ratings(ratings_path), str(ratings_path), config=ModelConfig(hidden=(6, 3, 6)))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.last_snapshot is not None and w.bridge.is_idle(), timeout=20000)
    return w


def test_teacher_mode_hidden_set_survives_a_restart(qtbot, ratings_path):
    first = make_window(qtbot, ratings_path)
    dlg = first.lessons.teacher_dialog()
    items = dlg.findChild(QListWidget, "teacher_list")
    hide = {"panel:Math inspector", "button:action_update", "toolbar:toolbar_now", "graph:edges"}
    for i in range(items.count()):
        it = items.item(i)
        if it.data(Qt.ItemDataRole.UserRole) in hide:
            it.setCheckState(Qt.CheckState.Unchecked)
    dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    update = first.controls.actions["update"]
    assert not update.isVisible() and first.network_view.edges_spin.isHidden()
    first.close()

    second = make_window(qtbot, ratings_path)  # the same (temporary) settings
    assert second.lessons.teacher.hidden == hide
    assert not second.controls.actions["update"].isVisible()
    assert second.toolbar.widgetForAction(second.controls.actions["update"]).isHidden()
    assert second.now_toolbar.isHidden() and second.network_view.edges_spin.isHidden()
    dock = next(d for d in second.docks if d.windowTitle() == "Math inspector")
    assert dock.isHidden()
    assert second.controls.actions["forward"].isVisible()  # the rest stays
    second.lessons.teacher.set_hidden(set())  # show everything again
    assert dock.isVisible() and second.controls.actions["update"].isVisible()
    second.close()


def test_presentation_mode_scales_text_and_plots(win, qtbot):
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=5000)
    before = win.font().pointSizeF()
    canvas_before = win.network_view.canvas.font_sizes()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_P,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert win.lessons.presentation.on
    assert win.font().pointSizeF() == pytest.approx(1.6 * before)
    assert win.loss_plot.font().pointSizeF() == pytest.approx(1.6 * before)  # the docks follow
    assert win.network_view.canvas.font_sizes()[0] == pytest.approx(1.6 * canvas_before[0])
    axes = [i for v in win.findChildren(pg.GraphicsView) for i in v.scene().items() if isinstance(i, pg.AxisItem)]
    assert axes and all(a.style["tickFont"].pointSizeF() == pytest.approx(1.6 * before) for a in axes)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_P,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert not win.lessons.presentation.on and win.font().pointSizeF() == pytest.approx(before)
