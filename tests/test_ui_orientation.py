"""The item-based orientation in the app: the setup switch, the panels, the graph and stepping."""
import dataclasses

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from aeviz.data import holdout_split
from aeviz.engine import ModelConfig, build_trainer, recommend
from aeviz.engine.insights import compute_extras
from aeviz.engine.orientation import orient
from aeviz.ui.panels import (CodePanel, FeatureDetectorsPanel, RatingsMatrixPanel, ReconstructionPanel,
                             RecommendationsPanel)
from aeviz.ui.setup_panel import SetupPanel
from support import all_text, genre_ratings, make


@pytest.fixture
def item_model():
    r = genre_ratings(40, 12)
    split = holdout_split(r, 0.2, 0)
    train, test = orient(split.train, split.test, "item")
    tr = build_trainer(ModelConfig(hidden=(6, 3, 6), orientation="item", batch_size=2, seed=1), train, test,
                       clip=(1, 5))
    tr.train(2)
    return tr, r, split


def _snap(tr, sel):
    return dataclasses.replace(tr.snapshot(), extras=compute_extras(tr, sel))


def test_setup_switch_chooses_the_orientation_by_keyboard(qtbot):
    panel = SetupPanel(ModelConfig())
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    panel.orientation.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.orientation)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)
    assert panel.orientation.currentData() == "item"
    with qtbot.waitSignal(panel.applyRequested) as got:
        qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    assert got.args[0].orientation == "item"
    panel.set_config(ModelConfig(orientation="user", weight_penalty=0.25))
    assert panel.orientation.currentData() == "user" and panel.weight_penalty.text() == "0.25"
    panel.weight_penalty.setText("-1")
    assert "weight penalty" in panel.field_error("weight_penalty")


def test_panels_say_which_orientation_they_show(qtbot, item_model):
    tr, r, split = item_model
    user = 7
    snap = _snap(tr, {"layer": 0, "index": user})  # a user node selected: that user's recommendations
    movie = snap.extras["row"]
    assert snap.extras["orientation"] == "item" and snap.user_row == movie

    rec = make(qtbot, ReconstructionPanel, r, split)
    rec.show_snapshot(snap)
    assert r.titles[movie] in rec.header.text() and "item-based" in rec.header.text()
    assert "users who rated it" in rec.header.text()
    assert rec.plot.getPlotItem().getAxis("bottom").labelText.startswith("users (rated")
    from aeviz.ui.graph.text import status_line
    assert f"movie row {movie + 1}" in status_line(snap)

    codes = make(qtbot, CodePanel, r, split)
    codes.show_snapshot(snap)
    assert f"each of {r.n_items} movies" in codes.header.text()
    assert "the movie's genre" in codes.key.text()
    genre = snap.extras["user_property"]["genre"]  # each movie coloured by its own genre
    assert [snap.extras["user_property"]["genre_names"][g] for g in genre] == list(r.genres)

    fd = make(qtbot, FeatureDetectorsPanel, r, split)
    fd.show_snapshot(snap)
    text = all_text(fd)
    assert "inputs are users" in text and "user " in text and r.titles[0] not in text

    recs = make(qtbot, RecommendationsPanel, r, split)
    recs.show_snapshot(snap)
    assert f"user {r.user_ids[user]}'s column" in recs.header.text()
    expect = recommend(tr.network, tr.train_set, user, 10, clip=(1, 5), orientation="item")
    assert [t for t, _ in recs.top_items()] == [r.titles[i] for i, _ in expect]

    matrix = make(qtbot, RatingsMatrixPanel, r, split)
    matrix.show_snapshot(snap)
    assert matrix.col_mark.isVisible() and not matrix.row_mark.isVisible()
    lo, hi = matrix.col_mark.getRegion()
    assert lo < movie + 0.5 < hi
    assert "each column (a movie) is an observation" in matrix.info.text()


def test_window_steps_movie_by_movie_with_users_as_nodes(win, qtbot):
    d = win.dataset
    assert win.last_snapshot.sizes[0] == d.n_items  # a user model first
    win.setup.orientation.setFocus()  # Model setup's switch, as a learner would use it
    qtbot.waitUntil(lambda: QApplication.focusWidget() is win.setup.orientation)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)
    qtbot.mouseClick(win.setup.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.bridge.is_idle() and win.last_snapshot.sizes[0] == d.n_users, timeout=5000)
    assert win.config.orientation == "item"
    s = win.last_snapshot
    assert s.sizes[0] == s.sizes[-1] == d.n_users == 40  # one input and one output per user
    assert s.n_observations == d.n_items == 12
    assert win.network_view.canvas.titles[:2] == ["user 1", "user 2"]
    assert win.status_labels["obs"].text() == "Observation 1 of 12"
    assert win.observation_label.text().startswith("Movie ")
    win.network_view.canvas.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    action = win.controls.actions["step_observation"]
    qtbot.mouseClick(win.toolbar.widgetForAction(action), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(win.bridge.is_idle, timeout=5000)
    assert win.status_labels["obs"].text() == "Observation 2 of 12"
    x = win.last_snapshot.x_input
    assert x is not None and np.asarray(x).shape[-1] == 40
