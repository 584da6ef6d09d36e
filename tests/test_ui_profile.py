"""Issue 17 in the window: the search box (Ctrl+F), the "You" profile dock, and What if, driven by
keys sent to the focused widget; their numbers checked against the engine."""
import json

import numpy as np
from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QApplication

from aeviz.engine.profile import ProfileModel
from aeviz.engine.what_if import what_if
from support import activate, focus


def type_into_focus(qtbot, text, enter=True):
    w = QApplication.focusWidget()
    assert w is not None
    qtbot.keyClicks(w, text)
    if enter:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)


def test_ctrl_f_finds_a_user_and_a_movie(qtbot, win):
    activate(qtbot, win)
    qtbot.keyClick(win, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is win.search)
    type_into_focus(qtbot, "user 5")
    row = win.dataset.user_index(5)
    qtbot.waitUntil(lambda: win.last_snapshot.user_row == row and win.bridge.is_idle(), timeout=20000)
    win.search.clear()
    type_into_focus(qtbot, "7")
    assert win.network_view.selected_node() == (0, win.dataset.item_index(7))
    # the completer offers users by the start of "user ID", titles by any part of them
    assert win.search.names.matches("User 1") == ["user 1"] + [f"user {k}" for k in range(10, 20)]
    assert win.search.completer().model().stringList() == ["7"]  # what typing "7" offered


def wait_profile(qtbot, win):
    qtbot.waitUntil(lambda: not win.profile.busy() and win.bridge.is_idle(), timeout=20000)


def test_profile_reads_live_explains_and_filters(qtbot, win, tmp_path):
    p = win.profile
    for title, stars in (("3", "5"), ("8", "1"), ("11", "4")):
        focus(qtbot, p.search)
        type_into_focus(qtbot, title, enter=False)
        p.stars.setCurrentIndex(p.stars.findText(f"{stars} \u2605"))
        focus(qtbot, p.search)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
        wait_profile(qtbot, win)
    cols = [win.dataset.item_index(m) for m in (3, 8, 11)]
    assert p.ratings == dict(zip(cols, [5.0, 1.0, 4.0]))
    enc = ProfileModel(win.bridge.trainer.network, "user", clip=(1, 5)).encode(cols, [5, 1, 4])
    shown = p.recommended()
    assert len(shown) == 9  # 12 movies, 3 rated
    best = [int(np.argmax(np.where(np.isin(np.arange(12), cols), -np.inf, enc.predictions)))]
    assert shown[0][0] == f"1. {win.dataset.movie_titles[best[0]]}"
    assert float(shown[0][1]) == round(float(enc.predictions[best[0]]), 2)
    assert all(r.startswith("because you rated ") for r in p.reasons(0)) and len(p.reasons(0)) == 3
    assert "forward pass" in p.note.text() and "leave-one-out" in p.note.text()
    assert "because you rated" in p.recs.toPlainText()
    p.recs.anchorClicked.emit(QUrl(f"movie:{best[0]}"))  # a recommended title, clicked
    assert win.network_view.selected_node() == (0, best[0])
    code = next(x for x in win.panels if type(x).__name__ == "CodePanel")
    assert code.profile_mark() is not None and np.isfinite(code.profile_mark()).all()
    # filters: a popularity floor no movie reaches, then the rated ones included
    p.min_ratings.setValue(1000)
    wait_profile(qtbot, win)
    assert p.recommended() == [("(no movie passes the filters)", "")]
    p.min_ratings.setValue(0)
    p.include_rated.setChecked(True)
    wait_profile(qtbot, win)
    assert len(p.recommended()) == 10
    # remove one rating with the Delete key on the focused table
    focus(qtbot, p.table)
    p.table.selectRow(1)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Delete)
    wait_profile(qtbot, win)
    assert list(p.ratings) == [cols[0], cols[2]]
    # save and reopen
    assert p.save_file(str(tmp_path / "me.json")) is None
    saved = json.loads((tmp_path / "me.json").read_text())
    assert [e["id"] for e in saved["ratings"]] == [3, 11]
    p.clear()
    assert p.open_file(str(tmp_path / "me.json")) is None
    assert p.ratings == {cols[0]: 5.0, cols[2]: 4.0}
    (tmp_path / "bad.json").write_text("{")
    assert "bad.json" in p.open_file(str(tmp_path / "bad.json"))
    # the profile never entered the data
    assert win.dataset.n_users == 40 and win.bridge.trainer.train_set.n_users == 40


def test_add_profile_to_the_data_keeps_the_weights(qtbot, win):
    p = win.profile
    p.rate(0, 5.0)
    p.rate(1, 2.0)
    wait_profile(qtbot, win)
    before = win.bridge.trainer.network.params.copy()
    p.add_button.click()
    qtbot.waitUntil(lambda: win.dataset.n_users == 41 and win.bridge.is_idle(), timeout=20000)
    new = win.dataset.user_index(41)
    items, values = win.dataset.row(new)
    assert items.tolist() == [0, 1] and values.tolist() == [5.0, 2.0]
    np.testing.assert_array_equal(win.bridge.trainer.network.params, before)


def test_what_if_shows_before_after_and_leaves_the_data(qtbot, win):
    wi = win.what_if
    data_hash = win.dataset.content_hash()
    train_hash = win.bridge.trainer.train_set.content_hash()
    row = win.dataset.user_index(2)
    col = int(win.bridge.trainer.train_set.row(row)[0][0])
    focus(qtbot, wi.user)
    type_into_focus(qtbot, "2", enter=False)
    focus(qtbot, wi.movie)
    type_into_focus(qtbot, wi.names.text_of(col), enter=False)
    wi.value.setCurrentIndex(wi.value.findText("not rated"))
    focus(qtbot, wi.movie)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not wi.busy() and win.bridge.is_idle(), timeout=20000)
    t = win.bridge.trainer
    expect = what_if(t.network, t.train_set, "user", row, col, None, t.clip)
    np.testing.assert_allclose(wi.result.after, expect.after)
    np.testing.assert_allclose(wi.result.before, expect.before)
    assert wi.result.old is not None and wi.result.new is None
    assert wi.table.rowCount() == len(expect.movers(10))
    assert win.dataset.content_hash() == data_hash and t.train_set.content_hash() == train_hash
    qtbot.mouseClick(wi.reset_button, Qt.MouseButton.LeftButton)
    assert wi.result is None and wi.table.rowCount() == 0


def test_an_item_model_says_its_profile_is_an_approximation(qtbot, ratings_path):
    from aeviz.data import load_ratings
    from aeviz.engine import ModelConfig
    from aeviz.ui.main_window import MainWindow
    w = MainWindow(load_ratings(ratings_path), str(ratings_path),
                   config=ModelConfig(hidden=(5,), orientation="item", output_activation="identity"))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.last_snapshot is not None and w.bridge.is_idle(), timeout=20000)
    w.profile.rate(0, 5.0)
    w.profile.rate(3, 1.0)
    qtbot.waitUntil(lambda: not w.profile.busy() and w.bridge.is_idle(), timeout=20000)
    assert "fold-in approximation" in w.profile.note.text() and "user-based model" in w.profile.note.text()
    assert len(w.profile.recommended()) == 10 and not w.profile.add_button.isEnabled()
    code = next(x for x in w.panels if type(x).__name__ == "CodePanel")
    assert code.profile_mark() is None  # an item model's codes are movies: no point for you
    w.close()


def test_movie_names_match_parts_starts_first_and_name_repeated_titles():
    from aeviz.data.ratings import build_ratings
    from aeviz.ui.search import MovieNames
    r = build_ratings([1, 2, 3, 4], [10, 20, 30, 40], [5.0, 4.0, 3.0, 2.0],
                      titles=["The Star (1990)", "Star Wars (1977)", "Hamlet (1996)", "Hamlet (1996)"])
    names = MovieNames(r, with_users=True)
    assert names.matches("star") == ["Star Wars (1977)", "The Star (1990)"]
    assert names.matches("hamlet") == ["Hamlet (1996) [id 30]", "Hamlet (1996) [id 40]"]
    assert names.column("Hamlet (1996) [id 40]") == r.item_index(40)
    assert names.matches("user") == ["user 1", "user 2", "user 3", "user 4"] and names.user_row("USER 3") == 2
    assert names.matches("nothing") == [] and names.matches("  ") == []


def test_right_click_on_the_ratings_matrix_asks_what_if(qtbot, win):
    from PySide6 import QtCore, QtWidgets
    from aeviz.ui.panels import RatingsMatrixPanel
    matrix = next(p for p in win.panels if isinstance(p, RatingsMatrixPanel))
    dock = next(d for d in win.docks if d.widget() is matrix)
    dock.show()
    dock.raise_()
    qtbot.waitUntil(lambda: matrix.plot.isVisible())
    row, col = 3, 5
    scene = matrix.vb.mapViewToScene(QtCore.QPointF(col + 0.5, row + 0.5))
    qtbot.mouseClick(matrix.plot.viewport(), Qt.MouseButton.RightButton, pos=matrix.plot.mapFromScene(scene))
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QtWidgets.QMenu))
    menu = QApplication.activePopupWidget()
    choice = next(a for a in menu.actions() if a.text() == "not rated")
    choice.trigger()
    menu.close()
    wi = win.what_if
    qtbot.waitUntil(lambda: not wi.busy() and wi.result is not None and win.bridge.is_idle(), timeout=20000)
    assert (wi.result.user_row, wi.result.column, wi.result.new) == (row, col, None)
    assert wi.user.text() == str(win.dataset.user_ids[row]) and wi.value.currentText() == "not rated"
