"""A new user's first ten minutes (issue 13): keys from the start, no model leaking between data,
plots that recover, warnings that stay, presets that ask. Driven as a person does."""
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from aeviz.data import load_ratings
from aeviz.engine import ModelConfig
from aeviz.presets import PRESETS
from aeviz.ui import settings
from aeviz.ui.app import make_window
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


# ---------------------------------------------------------------- the model belongs to its data
def preset_action(w, key):
    return next(a for a in w.preset_actions if a.data() == key)


def launch(qtbot, path=None):
    """`python main.py [path]`: the window the app's start-up makes, once its first data is drawn."""
    w = make_window(str(path) if path else None)
    shown(qtbot, w)
    qtbot.waitUntil(lambda: w.dataset is not None and w.bridge.is_idle(), timeout=10000)
    return w


def test_the_toys_model_does_not_follow_into_the_next_launch_on_other_data(qtbot, ratings_path):
    first = launch(qtbot)
    preset_action(first, "toy").trigger()
    qtbot.waitUntil(lambda: first.bridge.is_idle() and first.last_snapshot.sizes == (4, 2, 4), timeout=10000)
    first.close()
    second = launch(qtbot, ratings_path)
    assert second.dataset.n_users == 40
    assert second.config == ModelConfig()
    assert second.last_snapshot.sizes == (12, 20, 10, 20, 12)
    assert second.last_snapshot.activation_names[-1] == "identity"
    assert second.banner.isVisible() and "default model" in second.banner.label.text()
    second.close()


def test_a_remembered_model_that_cannot_fit_ratings_is_refused_with_its_reason(qtbot, ratings_path):
    settings.write_config(PRESETS[0].config.with_(lr=0.2))  # as an older aeviz left it: the toy's model
    w = launch(qtbot, ratings_path)
    assert w.config == ModelConfig() and w.last_snapshot.sizes == (12, 20, 10, 20, 12)
    text = w.banner.label.text()
    assert "default model" in text and "does not fit 1-5 stars" in text
    assert "softmax" in text and "cross-entropy" in text and "all-zero" in text
    w.close()


def test_the_users_own_applied_model_follows_into_the_next_launch(qtbot, ratings_path):
    first = launch(qtbot)
    first.setup_dock.raise_()
    field = first.setup.layers
    qtbot.waitUntil(field.isVisible)
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    field.selectAll()
    qtbot.keyClicks(QApplication.focusWidget(), "30,5,30")
    qtbot.mouseClick(first.setup.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: first.bridge.is_idle() and first.last_snapshot.sizes[1:-1] == (30, 5, 30), timeout=5000)
    first.close()
    second = launch(qtbot, ratings_path)
    assert second.last_snapshot.sizes == (12, 30, 5, 30, 12)
    assert "your last applied settings (30-5-30" in second.banner.label.text()
    second.close()


def test_launching_with_a_file_shows_its_loading_state_not_the_sample(qtbot, ratings_path):
    w = make_window(str(ratings_path))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    assert w.windowTitle() == "aeviz — loading ratings.csv…"
    assert w.loading_page.isVisible() and "ratings.csv" in w.loading_page.label.text()
    assert not w.network_view.isVisible()
    assert not any(a.isEnabled() for a in w.controls.all_actions())  # nothing to step yet
    qtbot.waitUntil(lambda: w.last_snapshot is not None and w.bridge.is_idle(), timeout=10000)
    assert w.dataset.n_users == 40 and w.last_snapshot.sizes[0] == 12
    assert not w.loading_page.isVisible() and w.network_view.isVisible()
    w.close()


def test_launching_with_a_bad_file_says_so_and_opens_the_sample(qtbot, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("user,item,rating\n1,2,lots\n")
    w = make_window(str(bad))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.last_snapshot is not None and w.bridge.is_idle(), timeout=10000)
    assert w.error_box is not None and "bad.csv" in w.error_box.text()
    assert w.dataset.n_users == 300  # the bundled sample, so the window is never empty
    assert "Could not open bad.csv: showing the bundled sample" in w.banner.label.text()
    w.close()


def test_a_model_preset_applies_to_the_open_file_and_the_toy_asks_first(win, qtbot):
    asked = []
    win.confirm = lambda *q: asked.append(" ".join(q)) or False
    file_data = win.dataset
    rec = PRESETS[1].config
    width = file_data.n_items if rec.orientation == "user" else file_data.n_users
    preset_action(win, "recommender").trigger()
    qtbot.waitUntil(lambda: win.bridge.is_idle() and win.last_snapshot.sizes == tuple(rec.sizes(width)),
                    timeout=5000)
    assert win.dataset is file_data and win.config == PRESETS[1].config and not asked
    assert "Applied to" in win.banner.label.text() and "ratings.csv" in win.banner.label.text()
    preset_action(win, "toy").trigger()  # the toy needs its own 4 x 4 data: asked, and declined
    qtbot.wait(100)
    assert len(asked) == 1 and "needs its own data" in asked[0] and "40 users × 12 movies" in asked[0]
    assert win.bridge.is_idle() and win.dataset is file_data and win.last_snapshot.sizes[0] == width
    win.confirm = lambda *q: True
    preset_action(win, "toy").trigger()
    qtbot.waitUntil(lambda: win.bridge.is_idle() and win.last_snapshot.sizes == (4, 2, 4), timeout=5000)


# ---------------------------------------------------------------- model setup says what trains
def test_unapplied_edits_are_flagged_until_apply(win, qtbot):
    win.setup_dock.raise_()
    field = win.setup.layers
    qtbot.waitUntil(field.isVisible)
    assert "not applied" not in win.setup.status.text().lower()
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    field.selectAll()
    qtbot.keyClicks(QApplication.focusWidget(), "30,5,30")
    status = win.setup.status
    assert status.isVisible() and "Not applied" in status.text() and "6-3-6" in status.text()
    assert win.setup_dock.windowTitle() == "Model setup — not applied"
    assert win.last_snapshot.sizes == (12, 6, 3, 6, 12)  # nothing changed yet
    field.selectAll()
    qtbot.keyClicks(QApplication.focusWidget(), "6,3,6")  # typed back: nothing left to apply
    assert "not applied" not in status.text().lower() and win.setup_dock.windowTitle() == "Model setup"
    field.selectAll()
    qtbot.keyClicks(QApplication.focusWidget(), "30,5,30")
    qtbot.mouseClick(win.setup.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.bridge.is_idle() and win.last_snapshot.sizes == (12, 30, 5, 30, 12), timeout=5000)
    assert "not applied" not in status.text().lower() and win.setup_dock.windowTitle() == "Model setup"


# ---------------------------------------------------------------- warnings stay until dismissed
def visible_text(w) -> str:
    return "\n".join(lab.text() for lab in w.findChildren(QLabel) if lab.isVisible())


def test_loading_warnings_stay_visible_until_dismissed(win, qtbot, tmp_path):
    from test_ui_bridge import make_ratings
    folder = tmp_path / "ml"
    folder.mkdir()
    path = folder / "u.data"
    make_ratings(path)
    with open(path, "a") as f:
        f.write(path.read_text().splitlines()[1] + "\n")  # a duplicated pair
    (folder / "u.item").write_bytes(b"\x00\x01 not a titles table")
    win.open_path(str(path))
    qtbot.waitUntil(lambda: win.dataset is not None and "ml" in win.windowTitle() and win.bridge.is_idle(),
                    timeout=10000)
    for name in ("step_observation", "step_epoch"):  # the status line moves on; the warnings stay
        win.controls.actions[name].trigger()
        qtbot.waitUntil(win.bridge.is_idle, timeout=15000)
    qtbot.wait(200)
    bar = win.warnings_bar
    text = visible_text(win)
    assert "titles not used" in text and "u.data" in text and "duplicated" in text
    assert len(bar.warnings) == 2 and all(w in text for w in bar.warnings)
    qtbot.mouseClick(bar.close_button, Qt.MouseButton.LeftButton)
    assert "titles not used" not in visible_text(win) and not bar.isVisible()


@pytest.mark.parametrize("text", ["1|Film one (1999)|\n2|Film two (2001)|\n",
                                  "id|title|\n1|Film one (1999)|\n2|Film two (2001)|\n",
                                  "1|Film one (1999)|01-Jan-1999||http://example.org/1\n"
                                  "2|Film two (2001)|01-Jan-2001||http://example.org/2\n"])
def test_short_pipe_titles_files_are_read(tmp_path, text):
    from aeviz.data import load_titles
    p = tmp_path / "u.item"
    p.write_text(text)
    titles, _ = load_titles(p)
    assert titles == {1: "Film one (1999)", 2: "Film two (2001)"}


def test_a_movies_csv_with_many_genres_is_not_taken_for_a_pipe_table(tmp_path):
    from aeviz.data import load_titles
    p = tmp_path / "movies.csv"
    p.write_text('1,Film one (1999),Adventure|Animation|Children|Comedy|Fantasy|Drama\n'
                 '2,"Film two, The (2001)",Comedy|Drama\n')
    assert load_titles(p) == ({1: "Film one (1999)", 2: "Film two, The (2001)"}, {1: "Adventure", 2: "Comedy"})


def test_many_warnings_are_listed_behind_show_all(qtbot):
    from aeviz.ui.warnings_bar import WarningsBar
    bar = WarningsBar()
    qtbot.addWidget(bar)
    bar.show()
    bar.set_warnings("u.data", [f"warning number {k}" for k in range(1, 6)])
    assert "5 warnings" in bar.summary.text() and "warning number 3" in bar.summary.text()
    assert not bar.details.isVisible() and bar.more.isVisible()
    qtbot.mouseClick(bar.more, Qt.MouseButton.LeftButton)
    assert bar.details.isVisible() and "warning number 5" in bar.details.text()
    bar.set_warnings("other.csv", [])  # a file without warnings: nothing left to say
    assert not bar.isVisible() and bar.warnings == ()


# ---------------------------------------------------------------- plots recover after a degenerate run
def wheel(view, at=None, clicks=3):
    """A person turning the mouse wheel over `view` (a pyqtgraph GraphicsView) at scene point `at`."""
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    pos = QPointF(view.mapFromScene(at)) if at is not None else QPointF(view.width() / 2, view.height() / 2)
    ev = QWheelEvent(pos, QPointF(view.mapToGlobal(pos.toPoint())), QPoint(0, 0), QPoint(0, 120 * clicks),
                     Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), ev)


def inside(viewbox, x, y) -> bool:
    import numpy as np
    (x0, x1), (y0, y1) = viewbox.viewRange()
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return bool(np.all((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)))


def test_plots_recover_after_a_degenerate_run(qtbot):
    import numpy as np

    from aeviz.data import load_sample
    from aeviz.ui.panels import CodePanel
    # the toy's model on 60 movies: identity units and all-zero weights, every code exactly 0
    w = shown(qtbot, MainWindow(load_sample("genres"), config=PRESETS[0].config))
    code = next(p for p in w.panels if isinstance(p, CodePanel))
    next(d for d in w.docks if d.windowTitle() == "Code").raise_()
    for _ in range(4):
        press(qtbot, w, Qt.Key.Key_Right, lambda s: True)
    qtbot.waitUntil(lambda: code.codes is not None and code.scatter_plot.isVisible(), timeout=5000)
    assert not np.any(code.codes["xy"])
    scatter = code.scatter_plot.getPlotItem().getViewBox()
    (x0, x1), (y0, y1) = scatter.viewRange()
    assert x1 - x0 >= 0.5 and y1 - y0 >= 0.5  # a readable range, not -5e-304..0
    # looking for the missing points, a person wheels both plots
    wheel(code.scatter_plot)
    within = w.loss_plot.within
    wheel(w.loss_plot.glw, within.vb.sceneBoundingRect().center())
    qtbot.wait(50)
    # the next run: a real model; every point and every loss is on screen again
    preset_action(w, "recommender").trigger()
    rec = PRESETS[1].config
    qtbot.waitUntil(lambda: w.bridge.is_idle() and w.last_snapshot.sizes[1] == rec.hidden[0], timeout=10000)
    for _ in range(4):
        press(qtbot, w, Qt.Key.Key_Right, lambda s: True)
    qtbot.waitUntil(lambda: code.codes is not None and np.ptp(code.codes["xy"]) > 0, timeout=5000)
    qtbot.wait(100)
    xy = np.asarray(code.codes["xy"])
    assert inside(scatter, xy[:, 0], xy[:, 1])
    losses = w.last_snapshot.epoch_losses
    assert inside(within.vb, np.arange(1, losses.size + 1), losses)
    w.close()


def test_an_empty_loss_plot_does_not_keep_the_last_runs_numbers(win, qtbot):
    for _ in range(8):
        press(qtbot, win, Qt.Key.Key_Right, lambda s: True)
    within = win.loss_plot.within.vb
    qtbot.waitUntil(lambda: within.viewRange()[1][1] > 1.5, timeout=5000)  # losses of a few stars²
    win.confirm = lambda *_: True
    win.controls.actions["reset"].trigger()
    qtbot.waitUntil(lambda: win.bridge.is_idle() and win.last_snapshot.steps == 0, timeout=5000)
    qtbot.wait(100)
    (x0, _), (y0, y1) = within.viewRange()
    assert x0 == 0 and (y0, y1) == (0, 1)  # a neutral frame, not the last run's losses


def test_a_new_user_sees_the_math_inspector_and_the_code_tabs_first(win):
    """Docks added late (Runs, What if, You) are tabbed in, but do not take the front tab."""
    from PySide6.QtWidgets import QTabBar
    from aeviz.ui.main_window import FIRST_BOTTOM, FIRST_RIGHT
    fronts = {b.tabText(b.currentIndex()) for b in win.findChildren(QTabBar) if b.count() > 1}
    tabbed = {b.tabText(i) for b in win.findChildren(QTabBar) for i in range(b.count())}
    shown = {d.windowTitle() for d in win.docks if d.windowTitle() not in tabbed or d.windowTitle() in fronts}
    assert {FIRST_BOTTOM, FIRST_RIGHT, "Loss curves"} <= shown
    assert not {"Runs", "What if", "You"} & shown, shown
