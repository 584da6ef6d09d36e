"""The Compare window: one key steps both networks, which stay in step through every phase;
identical settings train identically; the weights that differ most are marked on both graphs."""
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from aeviz.data import load_ratings
from aeviz.engine import ModelConfig
from aeviz.ui.compare_window import CompareWindow

CTRL, SHIFT, NONE = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier, Qt.KeyboardModifier.NoModifier


@pytest.fixture
def compare(qtbot, ratings_path):
    opened = []

    def make(variant):
        w = CompareWindow(load_ratings(ratings_path), ModelConfig(hidden=(6, 3, 6)), variant, "ratings.csv")
        qtbot.addWidget(w)
        w.resize(1200, 800)
        w.show()
        w.activateWindow()
        qtbot.waitExposed(w)
        for side in w.sides:
            side.view.set_animated(False)
        qtbot.waitUntil(lambda: w.last_frame is not None and w.bridge.is_idle(), timeout=20000)
        qtbot.waitUntil(lambda: QApplication.focusWidget() is not None
                        and QApplication.focusWidget().window() is w, timeout=5000)
        opened.append(w)
        return w
    yield make
    for w in opened:
        w.close()
        assert w.bridge.shutdown()


def press(qtbot, w, key, mod=NONE):
    """A key on the keyboard goes to the focused widget; then both networks' frame is drawn."""
    qtbot.keyClick(QApplication.focusWidget(), key, mod)
    qtbot.waitUntil(w.bridge.is_idle, timeout=20000)
    f = w.last_frame
    where = lambda s: (s.epoch, s.position, s.phase, s.next_phase, s.steps, s.updates, s.user_row)
    assert where(f.a) == where(f.b)
    return f


def test_one_key_steps_both_in_step_through_every_phase(qtbot, compare):
    w = compare("denoising")
    assert w.last_frame.labels == ("A: plain, 6-3-6, adam lr 0.001", "B: denoising (mask 0.25), 6-3-6, adam lr 0.001")
    phases = [press(qtbot, w, Qt.Key.Key_N).a.phase for _ in range(4)]
    assert phases == ["forward", "loss", "backward", "update"]
    assert press(qtbot, w, Qt.Key.Key_F).a.phase == "forward"
    assert press(qtbot, w, Qt.Key.Key_B).a.phase == "backward"
    f = press(qtbot, w, Qt.Key.Key_U)
    assert (f.a.phase, f.a.position, f.a.updates) == ("update", 2, 2)
    f = press(qtbot, w, Qt.Key.Key_Z, CTRL)  # undo on both
    assert (f.a.position, f.a.updates, f.a.phase) == (1, 1, "idle")
    assert press(qtbot, w, Qt.Key.Key_Right).a.position == 2
    assert press(qtbot, w, Qt.Key.Key_Right, SHIFT).a.position == 3
    f = press(qtbot, w, Qt.Key.Key_E, CTRL)
    assert (f.a.epoch, f.a.position) == (1, 0) and len(f.b.history) == 1
    f = press(qtbot, w, Qt.Key.Key_Right)
    d = f.loss_difference
    assert d.size == 1 and d[0] == pytest.approx(f.a.loss - f.b.loss)
    x, y = w.difference_drawn()
    assert y.tolist() == pytest.approx(d.tolist())
    # the weights that differ most are marked on both graphs, the largest first
    marks = w.sides[0].marks.marked()
    top = f.divergence
    assert marks and marks[0][:4] == (1, int(top.layer[0]), int(top.row[0]), int(top.col[0]))
    assert [m[:4] for m in w.sides[1].marks.marked()] == [m[:4] for m in marks]


def test_same_settings_train_identically(qtbot, compare):
    w = compare("plain")  # A is plain already: B = A
    for key, mod in ((Qt.Key.Key_Right, NONE), (Qt.Key.Key_E, CTRL), (Qt.Key.Key_Right, NONE),
                     (Qt.Key.Key_Right, NONE)):
        f = press(qtbot, w, key, mod)
    assert f.loss_difference.size == 2 and not f.loss_difference.any()
    figures = lambda h: [(r.train_rmse, r.val_rmse, r.test_rmse, r.mean_loss) for r in h]
    assert len(f.a.history) == 1 and figures(f.a.history) == figures(f.b.history)
    assert all(np.array_equal(wa, wb) for wa, wb in zip(f.a.weights, f.b.weights))
    assert f.divergence.layer.size == 0 and w.sides[0].marks.marked() == []


def test_changing_the_setting_starts_both_again(qtbot, compare):
    w = compare("denoising")
    with qtbot.waitSignal(w.bridge.message, timeout=10000) as said:
        w.bridge.undo()  # nothing to undo yet: the worker's refusal reaches the window
    assert said.args == ["there is no step to undo"]
    press(qtbot, w, Qt.Key.Key_Right)
    w.variant_box.setCurrentIndex(w.variant_box.findData("sgd"))
    w.variant_box.activated.emit(w.variant_box.currentIndex())
    qtbot.waitUntil(lambda: w.bridge.is_idle() and w.last_frame.labels[1].startswith("B: plain, 6-3-6, sgd"),
                    timeout=20000)
    assert w.last_frame.a.steps == 0 and w.last_frame.b.steps == 0


def test_runs_menu_opens_compare_and_the_window_closes_it(qtbot, win):
    win.runs.compare_action.trigger()
    cmp = win.runs.compare_window
    qtbot.addWidget(cmp)
    qtbot.waitUntil(lambda: cmp.last_frame is not None and cmp.bridge.is_idle(), timeout=20000)
    assert cmp.dataset is win.dataset and cmp.config == win.config
    assert cmp.last_frame.b.sizes == cmp.last_frame.a.sizes
    win.close()
    assert not cmp.isVisible() and cmp.bridge.shutdown()
