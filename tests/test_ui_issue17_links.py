"""Issue 17's parts joined: search and the You profile on the movie map, What if from the
Reconstruction, full tab titles, and the Feature detectors' redraw paced by its cost."""
from aeviz.ui.panels import FeatureDetectorsPanel
from support import activate, make, setup, snap


def test_a_costly_feature_redraw_waits_its_turn_and_then_shows_the_newest(qtbot):
    tr, r, split = setup(hidden=(6, 3, 6), n_users=40, n_items=15, epochs=1)
    w = make(qtbot, FeatureDetectorsPanel, r, split)
    first = snap(tr)
    w.show_snapshot(first)  # the first is drawn at once
    assert w.fd is first.extras["feature_detectors"] and not w.paced.waiting
    w.paced.cheap = 0.0  # every draw counts as costly: the next waits `share` times its cost
    w.paced.share = 0.3 / max(w.paced.last_seconds, 1e-6)  # about 0.3 s
    tr.train(1)
    second = snap(tr)
    tr.train(1)
    third = snap(tr)
    w.show_snapshot(second)
    w.show_snapshot(third)
    assert w.fd is first.extras["feature_detectors"] and w.paced.waiting
    qtbot.waitUntil(lambda: w.fd is third.extras["feature_detectors"], timeout=5000)
    assert not w.paced.waiting
    units = third.extras["feature_detectors"]["pos_items"].shape[0]
    assert w.html.count("h1[") == units and f"h1[{units}]" in w.view.toPlainText()


def _panel(win, cls):
    return next(p for p in win.panels if isinstance(p, cls))


def _raise(qtbot, win, panel):
    dock = next(d for d in win.docks if d.widget() is panel)
    dock.show()
    dock.raise_()
    qtbot.waitUntil(panel.isVisible)
    return dock


def test_a_movie_found_with_ctrl_f_is_ringed_on_the_movie_map(qtbot, win):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication
    from aeviz.ui.panels import MovieMapPanel
    mm = _panel(win, MovieMapPanel)
    activate(qtbot, win)
    qtbot.keyClick(win, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is win.search)
    qtbot.keyClicks(QApplication.focusWidget(), "7")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    col = win.dataset.item_index(7)
    assert win.network_view.selected_node() == (0, col) and mm.found_movie == col
    _raise(qtbot, win, mm)
    qtbot.waitUntil(lambda: mm.map is not None and len(mm.found.data) == 1)
    assert mm.found.data["x"][0] == mm.map.xy[col][0] and mm.hover_text().startswith(win.dataset.movie_titles[col])


def test_the_you_profiles_movies_are_marked_on_the_map_beside_the_users(qtbot, win):
    from aeviz.ui.panels import MovieMapPanel
    mm, p = _panel(win, MovieMapPanel), win.profile
    _raise(qtbot, win, mm)
    qtbot.waitUntil(lambda: mm.map is not None and mm.marks is not None)
    users = mm.marked()
    cols = [win.dataset.item_index(m) for m in (3, 8)]
    p.rate(cols[0], 5.0)
    p.rate(cols[1], 1.0)
    qtbot.waitUntil(lambda: not p.busy() and win.bridge.is_idle() and p.view is not None, timeout=20000)
    you = mm.marked(you=True)
    assert you == {"rated": cols, "recommended": p.view.items.tolist()} and len(you["recommended"]) == 10
    assert mm.marked() == users  # the selected user's marks stay, in their own colour
    key = mm.key.text()
    assert "rated by you (2)" in key and "recommended to you (10)" in key and "rated by user" in key
    mm.hover_movie(cols[0])
    assert "rated by you" in mm.hover_text()
    p.clear()
    assert mm.marked(you=True) == {"rated": [], "recommended": []} and "by you" not in mm.key.text()


def test_right_click_on_the_reconstruction_asks_what_if(qtbot, win):
    from PySide6 import QtCore, QtWidgets
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication
    from aeviz.ui.panels import ReconstructionPanel
    rp = _panel(win, ReconstructionPanel)
    _raise(qtbot, win, rp)
    qtbot.waitUntil(lambda: rp.rec is not None and rp.plot.isVisible())
    k = 1  # the second bar: a movie the user rated
    row, col = int(rp.rec["row"]), int(rp.rec["order"][k])
    assert rp.rec["mask"][col]
    scene = rp.plot.getPlotItem().getViewBox().mapViewToScene(QtCore.QPointF(k, float(rp.rec["input"][col]) / 2))
    qtbot.mouseClick(rp.plot.viewport(), Qt.MouseButton.RightButton, pos=rp.plot.mapFromScene(scene))
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QtWidgets.QMenu))
    menu = QApplication.activePopupWidget()
    next(a for a in menu.actions() if a.text() == "not rated").trigger()
    menu.close()
    wi = win.what_if
    qtbot.waitUntil(lambda: not wi.busy() and wi.result is not None and win.bridge.is_idle(), timeout=20000)
    assert (wi.result.user_row, wi.result.column, wi.result.new) == (row, col, None)
    assert wi.result.old == rp.rec["input"][col] and wi.movie.text() == wi.names.text_of(col)


def test_dock_tabs_show_whole_titles_and_scroll(qtbot, win):
    from PySide6 import QtCore, QtWidgets
    bars = [b for b in win.findChildren(QtWidgets.QTabBar) if b.isVisible() and b.count()]
    titles = {b.tabText(i) for b in bars for i in range(b.count())}
    assert {"Reconstruction", "Movie map", "Recommendations", "You"} <= titles
    for b in bars:
        assert b.elideMode() == QtCore.Qt.TextElideMode.ElideNone and b.usesScrollButtons()
        for i in range(b.count()):  # each tab as wide as its whole title
            assert b.tabRect(i).width() >= b.fontMetrics().horizontalAdvance(b.tabText(i))
