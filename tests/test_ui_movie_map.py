"""The Movie map panel on a real widget: what it draws is the engine's map, hover, search, marks."""
import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from aeviz.data import holdout_split
from aeviz.engine import ModelConfig, build_trainer
from aeviz.engine.orientation import orient
from aeviz.ui.panels import MovieMapPanel
from aeviz.ui.panels.movie_map import GENRE_COLOURS
from support import genre_ratings, make, setup, snap


@pytest.fixture
def shown(qtbot):
    tr, r, split = setup(hidden=(6, 3, 6), n_users=40, n_items=15, epochs=1)
    w = make(qtbot, MovieMapPanel, r, split, size=(760, 560))
    w.floor.setValue(0)  # 40 users: every movie has few ratings
    s = snap(tr, {"row": 3})
    w.show_snapshot(s)
    return w, s.extras, r


def test_axes_carry_the_engines_explained_shares(shown):
    w, ex, _ = shown
    m = ex["movie_map"]
    e1, e2 = m.explained
    assert 0 < e2 <= e1 < 1
    assert w.axis_titles() == (f"PC1 ({e1:.0%} of variance)", f"PC2 ({e2:.0%} of variance)")
    drawn = np.concatenate([g.data["data"] for g in w.groups]).astype(int)
    assert sorted(drawn.tolist()) == list(range(15))  # every movie once
    g0 = w.groups[0]
    assert np.c_[g0.data["x"], g0.data["y"]] == pytest.approx(m.xy[g0.data["data"].astype(int)])


def test_genres_are_coloured_and_named(shown):
    w, ex, _ = shown
    assert w.genre_colours() == {g: GENRE_COLOURS[k] for k, g in
                                 enumerate(("Action", "Comedy", "Drama", "Horror", "Romance"))}
    for k, g in enumerate(w.groups[:5]):  # movie k is of genre k % 5 (support.genre_ratings)
        assert all(int(i) % 5 == k for i in g.data["data"])
        assert g.opts["brush"].color().getRgb()[:3] == GENRE_COLOURS[k]
    assert "Horror" in w.key.text() and "\u2605" in w.key.text()


def test_the_users_rated_and_recommended_movies_are_marked(shown):
    w, ex, r = shown
    marks = w.marked()
    assert marks["rated"] == ex["movie_marks"]["rated"].tolist() and marks["rated"]
    assert marks["recommended"] == list(ex["recommendations"]["items"])
    assert "rated by user 4" in w.key.text() and "recommended to user 4" in w.key.text()
    assert w.rated.opts["symbol"] != w.recommended.opts["symbol"]


def test_hovering_a_movie_names_it_and_its_nearest_neighbours(shown, qtbot):
    w, ex, _ = shown
    m = ex["movie_map"]
    target = 9
    pos = w.screen_pos(target)
    qtbot.mouseMove(w.plot.viewport(), pos)
    qtbot.waitUntil(lambda: "Movie" in w.hover_text(), timeout=3000)
    hovered = int(w.hovered.data["data"][0])  # the movie under the mouse (another may lie on top)
    assert np.hypot(*(m.xy[hovered] - m.xy[target])) < 1e-6 or hovered == target
    rows, sims = m.neighbours(hovered)
    text = w.hover_text()
    assert text.startswith(f"Movie {hovered + 1}")
    for k, (r, s) in enumerate(zip(rows, sims)):
        assert f"{k + 1}. Movie {r + 1} {s:.2f}" in text
    assert len(w.near.data) == 5 and len(w.links.xData) == 10  # a line to each neighbour


def test_search_field_highlights_a_movie(shown, qtbot):
    w, ex, _ = shown
    w.search.setFocus()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.focusWidget() is w.search)
    qtbot.keyClicks(QtWidgets.QApplication.focusWidget(), "movie 12")
    qtbot.keyClick(QtWidgets.QApplication.focusWidget(), QtCore.Qt.Key.Key_Return)
    assert w.found_movie == 11
    assert w.found.data["x"][0] == pytest.approx(ex["movie_map"].xy[11][0])
    assert w.hover_text().startswith("Movie 12")
    w.highlight_movie(None)
    assert w.found_movie is None and len(w.found.data) == 0
    w.search.clear()
    qtbot.keyClicks(QtWidgets.QApplication.focusWidget(), "no such film")
    qtbot.keyClick(QtWidgets.QApplication.focusWidget(), QtCore.Qt.Key.Key_Return)
    assert w.found_movie is None and "No movie title contains \u201cno such film\u201d" in w.info.text()


def test_an_item_model_maps_codes_and_marks_the_recommendations_user(qtbot):
    r = genre_ratings(40, 15)
    split = holdout_split(r, 0.2, 0)
    tr = build_trainer(ModelConfig(hidden=(4,), orientation="item", seed=1), *orient(split.train, split.test, "item"),
                       clip=(1, 5))
    tr.train(1)
    w = make(qtbot, MovieMapPanel, r, split, size=(700, 500))
    s = snap(tr, {"user": 5})
    w.show_snapshot(s)
    assert s.extras["movie_map"].source == "encoder"
    assert "its code (4 encoder units)" in w.header.text()
    _, mask = split.train.dense_rows([5])
    assert w.marked()["rated"] == np.flatnonzero(mask[0]).tolist()
    assert "rated by user 6" in w.key.text()


def test_movies_under_the_ratings_floor_are_faint_and_nobodys_neighbour(shown):
    w, ex, _ = shown
    m = ex["movie_map"]
    floor = int(np.median(m.counts)) + 1
    w.floor.setValue(floor)
    rare = sorted(int(i) for i in w.rare.data["data"])
    assert rare == [i for i in range(15) if m.counts[i] < floor] and rare
    drawn = sorted(int(i) for g in w.groups for i in g.data["data"])
    assert drawn == [i for i in range(15) if m.counts[i] >= floor]
    w.hover_movie(drawn[0])
    text = w.hover_text()
    assert f"{int(m.counts[drawn[0]])} ratings" in text and f"\u2265 {floor} ratings" in text
    rows, _ = m.neighbours(drawn[0], min_ratings=floor)
    assert all(f"{k + 1}. Movie {r + 1} " in text for k, r in enumerate(rows))
    assert not set(rows.tolist()) & set(rare)
    assert f"with fewer than {floor} ratings" in w.key.text()


def test_a_new_map_soon_after_the_last_waits_its_turn(shown, qtbot):
    w, ex, _ = shown
    tr, r, split = setup(hidden=(6, 3, 6), n_users=40, n_items=15, epochs=1, seed=0)
    second, third = snap(tr, {"row": 3}), None
    tr.train(1)
    third = snap(tr, {"row": 3})
    w.placing.share = 0
    w.show_snapshot(second)  # drawn at once
    assert w.map is second.extras["movie_map"] and not w.placing.waiting
    w.placing.share = 0.5 / max(w.placing.last_seconds, 1e-6)  # the next map waits about half a second
    w.show_snapshot(third)
    assert w.map is second.extras["movie_map"] and w.placing.waiting
    qtbot.waitUntil(lambda: w.map is third.extras["movie_map"], timeout=5000)
    assert not w.placing.waiting
    g0 = w.groups[0]
    assert np.c_[g0.data["x"], g0.data["y"]] == pytest.approx(w.map.xy[g0.data["data"].astype(int)])
