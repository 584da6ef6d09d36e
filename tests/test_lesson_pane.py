"""The Lesson pane on the live window: the seed's lesson, its links, predict first, progress."""
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from aeviz.lesson import bundled_lesson, read_value


@pytest.fixture
def lesson_win(win, qtbot):
    win.resize(1366, 768)
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=5000)
    return win


def wait_pane(qtbot, win):
    qtbot.waitUntil(lambda: not win.lessons.pane.runner.busy and win.bridge.is_idle(), timeout=30000)


def step_index(lesson, prefix):
    return next(i for i, s in enumerate(lesson.steps) if s.title.startswith(prefix))


def test_toy_numbers_appear_in_text_and_on_the_graph(lesson_win, qtbot):
    """STEP 3 and 4 on the toy: the text's numbers are the network's, after exactly that step."""
    win, pane = lesson_win, lesson_win.lessons.pane
    win.lessons.open_seed()
    wait_pane(qtbot, win)
    lesson = pane.lesson
    k = step_index(lesson, "STEP 3")
    pane.go_to(k)
    wait_pane(qtbot, win)
    assert win.last_snapshot.activations is None  # STEP 3 not run yet: nothing encoded
    qtbot.mouseClick(pane.guess, Qt.MouseButton.LeftButton)
    assert QApplication.focusWidget() is pane.guess
    qtbot.keyClicks(QApplication.focusWidget(), "1")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)  # Return in the guess runs the step
    wait_pane(qtbot, win)
    s = win.last_snapshot
    np.testing.assert_allclose(s.activations[1], [1, 1])
    np.testing.assert_allclose(s.preacts[-1], [2, 0, 0, -2])
    np.testing.assert_allclose(np.round(s.activations[-1], 3), [0.776, 0.105, 0.105, 0.014])
    assert "Your guess: <b>1</b>" in pane.answer_text() and "1.000" in pane.answer_text()
    assert "spot on" in pane.answer_text()
    text = lesson.steps[k].text + lesson.steps[k + 1].text
    for quoted in ("z = [1 1]", "[2 0 0 -2]", "[0.776 0.105 0.105 0.014]", "[1 0 0 0]"):
        assert quoted in text.replace("**", "")
    # the graph draws those values
    shown, values = win.network_view.node_values(1)
    np.testing.assert_allclose(values, [1, 1])


def test_links_light_up_what_they_name(lesson_win, qtbot):
    win, pane = lesson_win, lesson_win.lessons.pane
    win.lessons.open_seed()
    wait_pane(qtbot, win)
    assert pane.show_link("node", "hidden")
    nodes, edges = win.network_view.canvas.highlighted_positions()
    assert nodes == [(1, 0), (1, 1)] and not edges
    assert pane.show_link("edge", "0.1.0")
    nodes, edges = win.network_view.canvas.highlighted_positions()
    assert list(edges) == [0] and edges[0].sum() == 1
    assert pane.show_link("cell", "0.0")
    matrix = next(p for p in win.panels if type(p).__name__ == "RatingsMatrixPanel")
    assert matrix.highlighted_cell() == (0, 0)
    assert not pane.show_link("node", "7.0")
    assert "no layer" in pane.status.text()


def test_progress_is_remembered_and_resumed(lesson_win, qtbot):
    win, pane = lesson_win, lesson_win.lessons.pane
    win.lessons.open_seed()
    wait_pane(qtbot, win)
    pane.next_button.click()  # step 1 has no action: straight on
    wait_pane(qtbot, win)
    pane.next()
    wait_pane(qtbot, win)
    assert pane.index == 2
    pane.lesson = None  # as if closed: open again
    win.lessons.open_seed()
    wait_pane(qtbot, win)
    assert pane.index == 2 and pane.step.title.startswith("STEP 2")
