"""The Lesson pane on the live window: the seed's lesson, its links, predict first, progress."""
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from aeviz.lesson import bundled_lesson, read_value
from aeviz.presets import get_preset


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
    assert not win.lessons.dock.isVisible()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)  # Help > Lesson
    wait_pane(qtbot, win)
    assert win.lessons.dock.isVisible()
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


def test_links_light_up_what_they_name_and_progress_resumes(lesson_win, qtbot):
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
    # progress is remembered: leave the lesson at step 2, open it again
    pane.next_button.click()  # step 1 has no action: straight on
    wait_pane(qtbot, win)
    pane.next()
    wait_pane(qtbot, win)
    assert pane.index == 2
    pane.lesson = None  # as if closed: open again
    win.lessons.open_seed()
    wait_pane(qtbot, win)
    assert pane.index == 2 and pane.step.title.startswith("STEP 2")


def check_links(pane, win, matrix):
    """Each link of the pane's step names something in the view now, and lighting it marks it."""
    n = 0
    for label, kind, target in pane.step.links():
        assert pane.links.problem(kind, target) == "", (pane.step.title, label, target)
        assert pane.show_link(kind, target)
        if kind in ("node", "edge"):
            nodes, edges = win.network_view.canvas.highlighted_positions()
            assert nodes or edges, (pane.step.title, target)
        elif kind == "cell":
            assert matrix.highlighted_cell() is not None
        n += 1
    return n


def test_every_link_of_the_bundled_lesson_resolves_in_its_view(lesson_win, qtbot):
    """At every step of the seed lesson, each link names something that exists in the view the
    step shows. What a link can name (layers, units, weights, cells, panels) depends only on the
    network and the data, so the walk runs the steps that build one (set-up, load, preset) and
    skips the training (the slow test below runs that too)."""
    win, pane = lesson_win, lesson_win.lessons.pane
    win.lessons.open_seed()
    wait_pane(qtbot, win)
    matrix = next(p for p in win.panels if type(p).__name__ == "RatingsMatrixPanel")
    checked = 0
    for k, step in enumerate(pane.lesson.steps):
        pane.index = k
        name, _, key = step.action.partition(":")
        if name == "preset" and get_preset(key).config.pretrain_epochs:
            # the same network and data without the seconds of pre-training: the same view
            preset = get_preset(key)
            pane.runner.build({"sample": preset.dataset},
                              {"config": preset.config.with_(pretrain_epochs=0).to_dict()})
            wait_pane(qtbot, win)
        elif name in ("load", "preset"):
            pane.runner.run(step, pane.lesson)
            wait_pane(qtbot, win)
        checked += check_links(pane, win, matrix)
        for d in win.docks:  # the panels the links raised: a shown insight panel costs each build time
            if d.widget() is not matrix:
                d.hide()
    assert checked > 40


@pytest.mark.slow
def test_the_whole_lesson_runs_step_by_step(lesson_win, qtbot):
    """Next through every step, training included: links resolve after each step has run, every
    question gets a true value, and the text's claims about the sample hold."""
    win, pane = lesson_win, lesson_win.lessons.pane
    win.lessons.open_seed()
    wait_pane(qtbot, win)
    matrix = next(p for p in win.panels if type(p).__name__ == "RatingsMatrixPanel")
    while True:
        check_links(pane, win, matrix)
        step = pane.step
        last = pane.index == len(pane.lesson.steps) - 1
        if not last:
            pane.next()
            wait_pane(qtbot, win)
        if step.question is not None:
            assert read_value(step.question.value, win.last_snapshot) is not None, step.title
        if step.title.startswith("STEP 8"):
            assert 0.95 < win.last_snapshot.history[0].test_rmse < 1.1  # "starts near 1.0 stars"
        if step.title.startswith("Uses 1"):
            assert win.last_snapshot.history[-1].test_rmse < 0.9  # "below 0.9 within about ten epochs"
        if step.title.endswith("copying trap"):
            h = win.last_snapshot.history
            assert h[-1].train_rmse < h[0].train_rmse and h[-1].test_rmse > 1.0 > min(r.test_rmse for r in h)
        if last:
            break


def test_a_bad_lesson_file_is_refused_with_file_step_and_reason(lesson_win, tmp_path):
    import json
    from aeviz.lesson import LessonError, load_lesson
    raw = bundled_lesson().to_dict()
    raw["steps"][2]["action"] = "fly"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(raw))
    with pytest.raises(LessonError) as e:
        load_lesson(bad)
    assert str(e.value).startswith(f"{bad}, step 3: unknown action 'fly'")
    raw["steps"][2]["action"] = "none"
    raw["steps"][1]["text"] = "[x](panel:No such panel)"
    bad.write_text(json.dumps(raw))
    assert not lesson_win.lessons.open_path(str(bad))
    assert "step 2" in lesson_win.error_box.text() and "No such panel" in lesson_win.error_box.text()
    bad.write_text("{")
    with pytest.raises(LessonError, match="is not JSON: line 1"):
        load_lesson(bad)
