"""Insight panels: they draw the engine's numbers, follow the selection, survive new datasets."""
import dataclasses

import numpy as np
import pytest
from PySide6 import QtCore

from aeviz.engine import recommend
from aeviz.ui.panels import (PANELS, CodePanel, DistributionsPanel, FeatureDetectorsPanel, MathInspectorPanel,
                             RatingsMatrixPanel, ReconstructionPanel, RecommendationsPanel, fmt)
from support import all_text, make, setup, snap


def test_fmt_never_shows_nan():
    assert fmt(float("nan")) == fmt(None) == fmt(float("inf")) == "\u2014"
    assert fmt(0.123456) == "0.1235" and fmt(12345.6) == "1.235e+04" and fmt(0) == "0"


def test_panel_list_and_interface():
    assert [t for t, _ in PANELS] == ["Ratings matrix", "Reconstruction", "Code", "Feature detectors",
                                      "Recommendations", "Math inspector", "Weights over time",
                                      "Movie map"]
    for _, factory in PANELS:
        for name in ("show_snapshot", "set_dataset", "set_selected_node", "userSelected", "nodeSelected"):
            assert hasattr(factory, name)


def test_clicking_a_matrix_row_emits_user_selected(qtbot):
    tr, r, split = setup()
    w = make(qtbot, RatingsMatrixPanel, r, split)
    w.show_snapshot(snap(tr))
    plot = w.plot
    for row, col in ((13, 4), (0, 0), (59, 19)):
        scene = w.vb.mapViewToScene(QtCore.QPointF(col + 0.5, row + 0.5))
        pos = plot.mapFromScene(scene)
        with qtbot.waitSignal(w.userSelected, timeout=2000) as blocker:
            qtbot.mouseClick(plot.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=pos)
        assert blocker.args == [row]
        # hover text names the user, the movie and the rating
        assert w.cell_at(scene) == (row, col)
        text = w.describe_cell(row, col)
        items, values = r.row(row)
        assert f"user {r.user_ids[row]}" in text and r.titles[col] in text
        if col in items:
            assert f"rated {fmt(values[list(items).index(col)])}" in text
        else:
            assert "not rated" in text


def test_matrix_marks_the_current_row(qtbot):
    tr, r, split = setup()
    w = make(qtbot, RatingsMatrixPanel, r, split)
    tr.select_observation(21)
    tr.step_phase()
    w.show_snapshot(snap(tr))
    lo, hi = w.row_mark.getRegion()
    assert w.row_mark.isVisible() and lo <= 21.5 <= hi and hi - lo < 3
    img = w.image.image
    assert img.shape == (60, 20)
    x, m = r.dense_rows([21])
    np.testing.assert_array_equal(np.isnan(img[21]), ~m[0])
    np.testing.assert_allclose(img[21][m[0]], x[0][m[0]])


def test_reconstruction_shows_the_engines_output_and_distance(qtbot):
    tr, r, split = setup()
    w = make(qtbot, ReconstructionPanel, r, split)
    tr.select_observation(9)
    tr.step_phase()
    s = snap(tr)
    w.show_snapshot(s)
    rec = s.extras["reconstruction"]
    assert f"<b>{fmt(rec['distance'], 3)}</b>" in w.header.text()
    x, m = split.train.dense_rows([9])
    y = tr.network.predict(x)[0]
    xs, ys = w.out_rated.getData()
    np.testing.assert_allclose(np.sort(ys), np.sort(y[m[0]]), rtol=1e-5)
    assert len(w.bars.opts["height"]) == int(m[0].sum())
    np.testing.assert_allclose(np.sort(w.bars.opts["height"]), np.sort(x[0][m[0]]))
    tm = split.test.dense_rows([9])[1][0]
    assert len(w.truth.getData()[0]) == int(tm.sum())


def test_code_panel_bars_scatter_and_click(qtbot):
    tr, r, split = setup(hidden=(8, 2, 8))
    w = make(qtbot, CodePanel, r, split, size=(800, 500))
    tr.select_observation(4)
    tr.step_phase()
    s = snap(tr)
    w.show_snapshot(s)
    z = tr.current_step.trace.outputs[1][-1]
    np.testing.assert_allclose(w.bars.opts["height"], z, rtol=1e-6)
    # coloured by genre: one scatter item per genre, together every user
    total = sum(len(g.getData()[0]) for g in w.groups)
    assert total == 60
    # a key line names every genre present, in its colour; no legend inside the plot covers users
    for name in s.extras["user_property"]["genre_names"]:
        assert name in w.key.text()
    assert w.scatter_plot.getPlotItem().legend is None
    np.testing.assert_allclose(w.me.getData()[0], [z[0]], rtol=1e-5)
    # click a point: that user is selected
    codes = s.extras["codes"]
    target = 17
    vb = w.scatter_plot.getPlotItem().getViewBox()
    xy = codes["xy"][target]
    w.me.hide()  # the current-user ring sits on top of its point; click another user's point
    scene = vb.mapViewToScene(QtCore.QPointF(float(xy[0]), float(xy[1])))
    pos = w.scatter_plot.mapFromScene(scene)
    with qtbot.waitSignal(w.userSelected, timeout=2000) as blocker:
        qtbot.mouseClick(w.scatter_plot.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=pos)
    hit = blocker.args[0]
    assert np.allclose(codes["xy"][hit], xy, atol=0.05)  # that point (or one on top of it)
    # switch the colouring to mean rating
    w.colour_by.setCurrentIndex(1)
    assert len(w.mean_item.getData()[0]) == 60 and all(len(g.getData()[0]) == 0 for g in w.groups)


def test_recommendations_table_is_the_engines_top_n(qtbot):
    tr, r, split = setup()
    w = make(qtbot, RecommendationsPanel, r, split)
    tr.select_observation(30)
    tr.step_phase()
    w.show_snapshot(snap(tr))
    expected = recommend(tr.network, tr.train_set, 30, n=10, clip=(1, 5))
    shown = w.top_items()
    assert [t for t, _ in shown] == [r.titles[i] for i, _ in expected]
    assert [p for _, p in shown] == [f"{p:.2f}" for _, p in expected]  # "4.31", not "4.313"
    tm = split.test.dense_rows([30])[1][0]
    assert w.held.rowCount() == int(tm.sum())


def test_math_inspector_shows_the_terms_and_follows_the_phase(qtbot):
    tr, r, split = setup(hidden=(8, 3, 8))
    w = make(qtbot, MathInspectorPanel, r, split)
    sel = {"layer": 2, "index": 1}
    w.set_selected_node(2, 1)
    tr.select_observation(2)
    tr.step_phase()
    s = snap(tr, sel)
    w.show_snapshot(s)
    m = s.extras["math"]
    text = w.view.toPlainText()
    a = float(tr.current_step.trace.preacts[1][-1][1])
    assert fmt(a) in text and fmt(m["activation_value"]) in text
    for t in m["terms"]:
        assert fmt(t["wx"]) in text
    assert "after the forward pass" in text and "\u03b4 appears after the backward phase" in text
    tr.run_to("backward")
    w.show_snapshot(snap(tr, sel))
    text = w.view.toPlainText()
    assert fmt(float(tr.current_step.gradients.deltas[1][-1][1])) in text and "will apply" in text
    tr.step_phase()
    w.show_snapshot(snap(tr, sel))
    text = w.view.toPlainText()
    assert "applied" in text and "m = b1*m" in text


def test_feature_detectors_list_titles_and_genres(qtbot):
    tr, r, split = setup(hidden=(10,), n_users=300, n_items=60, epochs=15, hidden_activation="tanh")
    w = make(qtbot, FeatureDetectorsPanel, r, split)
    s = snap(tr, {"layer": 1, "index": 3})
    w.show_snapshot(s)
    fd = s.extras["feature_detectors"]
    text = w.view.toPlainText()
    for u in range(10):
        assert r.titles[int(fd["pos_items"][u][0])] in text
    assert w.dominant_genres() == [fd["genre_names"][int(g)] for g in fd["dominant_genre"]]
    assert "units lean clearly towards one genre" in text
    n_clear = int((np.abs(fd["dominance"]) >= 3).sum())
    assert text.startswith(f"{n_clear} of 10")
    with qtbot.waitSignal(w.nodeSelected) as blocker:
        w.view.anchorClicked.emit(QtCore.QUrl("unit:3"))
    assert blocker.args == [1, 3]


def test_distributions_draw_the_ring(qtbot):
    tr, r, split = setup(epochs=0)
    w = make(qtbot, DistributionsPanel, r, split)
    for _ in range(4):
        tr.step_observation()
        s = snap(tr)
    w.show_snapshot(s)
    d = s.extras["distributions"]
    assert len(w.rows) == 4
    x, y = w.rows[0][0].median.getData()
    np.testing.assert_allclose(y, d["weights"][0, :, 4])
    np.testing.assert_allclose(x, d["updates"])
    # the outer band spans min..max of the last sample
    rect = w.rows[0][1].band(0).boundingRect()
    assert rect.top() == pytest.approx(d["gradients"][0, :, 0].min(), rel=1e-4, abs=1e-9)
    assert rect.bottom() == pytest.approx(d["gradients"][0, :, 8].max(), rel=1e-4, abs=1e-9)
    # a second snapshot right away is drawn a little later, not lost
    tr.step_observation()
    s2 = snap(tr)
    w.show_snapshot(s2)
    qtbot.waitUntil(lambda: len(w.rows[0][0].median.getData()[0]) == len(s2.extras["distributions"]["updates"]),
                    timeout=2000)


def test_panels_survive_a_new_dataset_and_a_rebuilt_network(qtbot):
    tr, r, split = setup(hidden=(8, 3, 8))
    tr2, r2, split2 = setup(hidden=(5, 2, 5), n_users=40, n_items=35, seed=3)
    panels = [make(qtbot, f, r, split) for _, f in PANELS]
    for p in panels:
        p.set_selected_node(2, 2)
        p.show_snapshot(snap(tr, {"layer": 2, "index": 2}))
    for p in panels:
        p.set_dataset(r2, split2)
        p.set_selected_node(2, 1)
        p.show_snapshot(snap(tr2, {"layer": 2, "index": 1}))
        p.show_snapshot(tr2.snapshot())  # a snapshot without extras is harmless
    matrix, rec = panels[0], panels[1]
    assert matrix.image.image.shape == (40, 35)
    assert sum(len(rec.points(it)[0]) for it in (rec.out_other, rec.out_rated, rec.out_held)) == 35
    assert len(panels[6].rows) == 4


def test_no_nan_reaches_the_screen(qtbot):
    tr, r, split = setup(hidden=(8, 3, 8))
    tr.run_to("backward")
    s = snap(tr, {"layer": 4, "index": 0})
    ex = s.extras
    nan = float("nan")
    bad = dict(ex)
    bad["reconstruction"] = {**ex["reconstruction"], "distance": nan, "rmse_heldout": None,
                             "output": np.full_like(ex["reconstruction"]["output"], nan)}
    bad["math"] = {**ex["math"], "preact": nan, "delta": nan, "activation_value": float("inf")}
    bad["recommendations"] = {**ex["recommendations"], "predicted": np.full(10, nan), "heldout_rmse": nan}
    bad["codes"] = {**ex["codes"], "current_code": np.full(3, nan)}
    s_bad = dataclasses.replace(s, extras=bad)
    for _, f in PANELS:
        p = make(qtbot, f, r, split)
        p.show_snapshot(s)
        p.show_snapshot(s_bad)
        text = all_text(p).lower()
        assert "nan" not in text.replace("nance", "").replace("finance", ""), f.__name__
        assert "inf " not in text


def test_unchanged_extras_are_not_drawn_twice(qtbot):
    tr, r, split = setup()
    w = make(qtbot, MathInspectorPanel, r, split)
    calls = []
    orig = w.draw
    w.draw = lambda s, e: (calls.append(1), orig(s, e))
    s = snap(tr)
    w.show_snapshot(s)
    # the bridge reuses the worker's extras between refreshes, in a fresh dict per snapshot
    w.show_snapshot(dataclasses.replace(tr.snapshot(), extras=dict(s.extras)))
    assert len(calls) == 1
    w.show_snapshot(snap(tr))
    assert len(calls) == 2


def test_a_hidden_panel_draws_when_shown_again(qtbot):
    tr, r, split = setup()
    w = make(qtbot, ReconstructionPanel, r, split)
    w.hide()
    tr.select_observation(9)
    tr.step_phase()
    s = snap(tr)
    w.show_snapshot(s)
    assert w.header.text() == ""  # nothing painted while hidden
    w.show()
    qtbot.waitExposed(w)
    assert fmt(s.extras["reconstruction"]["distance"], 3) in w.header.text()
