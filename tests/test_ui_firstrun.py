"""A new user's first ten minutes (issue 13): keys from the start, no model leaking between data,
plots that recover, warnings that stay, presets that ask. Driven as a person does."""
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from aeviz.data import load_ratings
from aeviz.engine import ModelConfig
from aeviz.ui.main_window import MainWindow


def shown(qtbot, w):
    """Show `w` as the app does and wait until it has drawn its first snapshot and has the focus."""
    qtbot.addWidget(w)
    w.confirm = lambda *_: True
    w.show()
    w.activateWindow()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: w.last_snapshot is not None and w.bridge.is_idle(), timeout=10000)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=5000)
    return w


def press(qtbot, w, key, until):
    """A key typed on the keyboard: it goes to whatever widget has the focus."""
    qtbot.keyClick(QApplication.focusWidget(), key)
    qtbot.waitUntil(lambda: w.bridge.is_idle() and until(w.last_snapshot), timeout=5000)


@pytest.fixture
def win(qtbot, ratings_path):
    w = shown(qtbot, MainWindow(load_ratings(ratings_path), str(ratings_path),
                                config=ModelConfig(hidden=(6, 3, 6))))
    yield w
    w.close()


def test_stepping_keys_work_from_the_start_whatever_has_the_focus(win, qtbot):
    press(qtbot, win, Qt.Key.Key_F, lambda s: s.phase == "forward")  # the focus the window starts with
    spin = win.network_view.edges_spin
    qtbot.mouseClick(spin, Qt.MouseButton.LeftButton)
    assert QApplication.focusWidget() is spin
    press(qtbot, win, Qt.Key.Key_B, lambda s: s.phase == "backward")
    assert spin.value() == 500  # the spin box did not take the key either
    # clicking a toolbar button leaves the focus where it was: the keys keep working
    qtbot.mouseClick(win.toolbar.widgetForAction(win.controls.actions["update"]), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.bridge.is_idle() and win.last_snapshot.phase == "update", timeout=5000)
    assert QApplication.focusWidget() is spin
    press(qtbot, win, Qt.Key.Key_N, lambda s: s.phase == "forward")
    press(qtbot, win, Qt.Key.Key_B, lambda s: s.phase == "backward")
    press(qtbot, win, Qt.Key.Key_U, lambda s: s.phase == "update")
    steps = win.last_snapshot.steps
    press(qtbot, win, Qt.Key.Key_Right, lambda s: s.steps > steps)
    win.setup_dock.raise_()
    combo = win.setup.optimizer
    qtbot.waitUntil(combo.isVisible)
    combo.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is combo)
    optimizer = combo.currentText()
    steps = win.last_snapshot.steps
    press(qtbot, win, Qt.Key.Key_Period, lambda s: s.steps > steps)
    assert combo.currentText() == optimizer
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: win.bridge.playing, timeout=5000)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not win.bridge.playing and win.bridge.is_idle(), timeout=5000)


def test_stepping_keys_type_in_a_text_field(win, qtbot):
    win.setup_dock.raise_()
    field = win.setup.layers
    qtbot.waitUntil(field.isVisible)
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field)
    field.selectAll()
    qtbot.keyClicks(QApplication.focusWidget(), "8,4 f")
    qtbot.wait(100)
    assert field.text() == "8,4 f"
    assert win.bridge.is_idle() and win.last_snapshot.phase == "idle"
