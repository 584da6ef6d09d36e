"""The network graph (issue #5): drawn values come from real engine snapshots."""
from dataclasses import replace

import numpy as np
from PySide6.QtCore import QPointF, Qt

from aeviz.engine import DenseRows, ModelConfig, build_trainer
from aeviz.ui.graph.scene import build_scene
from aeviz.ui.graph.text import num
from aeviz.ui.graph_view import NetworkView
from support import toy_trainer


def ratings(n_users, n_items, density=0.3, seed=0):
    rng = np.random.default_rng(seed)
    m = rng.integers(1, 6, (n_users, n_items)) * (rng.random((n_users, n_items)) < density)
    m[:, 0] = np.maximum(m[:, 0], 1)  # every user rated something
    return m.astype(np.float32)


def node_center(view, layer, index):
    X, Y, *_ = view.canvas.geometry_arrays()
    pos = view.scene().position(layer, index)
    return QPointF(X[layer][pos], Y[layer][pos])


def test_toy_forward_fills_nodes_with_engine_activations(view):
    tr = toy_trainer()
    before = tr.snapshot()
    view.show_snapshot(before)
    assert view.node_values(1)[1] is None  # grey before forward
    fill, _ = view.canvas.node_fill(1)
    assert (fill == 236).all()
    tr.forward()
    snap = tr.snapshot()
    view.show_snapshot(snap)
    idx, h = view.node_values(1)
    np.testing.assert_allclose(h, [1, 1])
    _, y = view.node_values(2)
    np.testing.assert_allclose(y, [0.776, 0.105, 0.105, 0.014], atol=2e-3)
    np.testing.assert_allclose(view.scene().pre[2], [2, 0, 0, -2])
    for l, a in enumerate(snap.activations):
        np.testing.assert_array_equal(view.node_values(l)[1], a)
    fill, finite = view.canvas.node_fill(1)
    assert finite.all() and not (fill == 236).all()
    view.grab()


def test_edge_colour_follows_sign_and_width_follows_magnitude(view):
    tr = toy_trainer()
    tr.set_weight(0, 0, 0, 3.0)
    tr.set_weight(0, 1, 1, -0.2)
    tr.set_weight(1, 2, 1, -3.0)
    view.show_snapshot(tr.snapshot())
    for pair, rgb, width in view.edge_styles():
        blue = rgb[:, 2] > rgb[:, 0]
        np.testing.assert_array_equal(blue, pair.w > 0)
        order = np.argsort(np.abs(pair.w))
        assert np.all(np.diff(width[order]) >= 0)  # wider when stronger
    (p0, _, w0), (p1, _, w1) = view.edge_styles()
    k = np.flatnonzero((p0.rows == 0) & (p0.cols == 0))[0]
    weak = np.flatnonzero((p0.rows == 1) & (p0.cols == 1))[0]
    assert w0[k] > 3 * w0[weak]
    buckets = view.edge_buckets()
    assert sum(len(b[0]) for b in buckets.values()) == 16
    assert all((s > 0) == (rgb[2] > rgb[0]) for (s, _), (_, rgb, _) in buckets.items())


def test_level_of_detail_draws_the_strongest_k_edges_per_pair(view):
    tr = build_trainer(ModelConfig(hidden=(60,), seed=1), DenseRows(ratings(6, 200)))
    snap = tr.snapshot()
    view.set_max_edges(100)
    view.show_snapshot(snap)
    sc = view.scene()
    assert sc.lod and sc.total_edges == 24000
    for pair in view.drawn_edges():
        assert len(pair.w) == 100
        shown_in, shown_out = sc.shown[pair.layer], sc.shown[pair.layer + 1]
        sub = np.abs(snap.weights[pair.layer][np.ix_(shown_out, shown_in)])
        drawn = np.zeros_like(sub, bool)
        drawn[pair.ri, pair.ci] = True
        assert np.abs(pair.w).min() >= sub[~drawn].max()
        np.testing.assert_array_equal(pair.w, snap.weights[pair.layer][pair.rows, pair.cols])
    view.set_max_nodes(None)  # every node: still k per pair, now the strongest of the full matrix
    for pair in view.drawn_edges():
        W = np.abs(snap.weights[pair.layer])
        assert len(pair.w) == 100
        assert np.abs(pair.w).min() >= np.sort(W.ravel())[-100]
    assert sum(len(b[0]) for b in view.edge_buckets().values()) == 200


def test_big_layers_collapse_to_rated_movies_with_a_more_marker(view):
    m = ratings(3, 1682, density=0.01, seed=3)
    tr = build_trainer(ModelConfig(hidden=(20, 10, 20)), DenseRows(m))
    tr.run_to("loss")
    snap = tr.snapshot()
    view.show_snapshot(snap)
    sc = view.scene()
    fit = view.nodes_per_layer()  # at 600 px high: fewer than 40 movies, each readable
    assert fit == view.canvas.node_capacity() < 40
    assert [len(s) for s in sc.shown] == [fit, 20, 10, 20, fit]
    assert sc.hidden_count[0] == 1682 - fit
    view.resize(1100, 1000)  # tall enough: the chosen 40
    view.canvas.resize(view.canvas.width(), 960)
    sc = view.scene()
    assert [len(s) for s in sc.shown] == [40, 20, 10, 20, 40]
    assert sc.hidden_count[0] == 1642
    rated = np.flatnonzero(snap.mask)
    assert len(rated) < 40 and set(rated) <= set(sc.shown[0]) and set(rated) <= set(sc.shown[-1])
    assert sc.rated_out.sum() == len(rated)
    assert sum(len(e.w) for e in sc.edges) <= 4 * 500


def test_click_node_selects_and_emits(view, qtbot):
    tr = toy_trainer()
    tr.forward()
    view.show_snapshot(tr.snapshot())
    with qtbot.waitSignal(view.nodeSelected) as sig:
        qtbot.mouseClick(view.canvas, Qt.MouseButton.LeftButton, pos=node_center(view, 1, 1).toPoint())
    assert sig.args == [1, 1]
    assert view.selected_node() == (1, 1)


def test_click_edge_opens_editor_and_emits_the_new_weight(view, qtbot):
    tr = toy_trainer()
    view.show_snapshot(tr.snapshot())
    a, b = node_center(view, 1, 0), node_center(view, 2, 3)  # W2[3, 0] = -1
    segs = np.vstack([b[0] for b in view.edge_buckets().values()])

    def clearance(pt):  # distance to the second-nearest drawn segment
        p = np.array([pt.x(), pt.y()])
        d = segs[:, 2:] - segs[:, :2]
        t = np.clip(((p - segs[:, :2]) * d).sum(1) / (d * d).sum(1), 0, 1)
        return np.sort(np.hypot(*(segs[:, :2] + t[:, None] * d - p).T))[1]
    mid = max((a * (1 - t) + b * t for t in np.linspace(0.15, 0.85, 15)), key=clearance)
    assert clearance(mid) > 6
    assert view.canvas.edge_at(mid) == (1, 3, 0)
    qtbot.mouseClick(view.canvas, Qt.MouseButton.LeftButton, pos=mid.toPoint())
    ed = view.editor
    assert ed is not None and not ed.isModal() and ed.doubleValue() == -1.0
    with qtbot.waitSignal(view.weightEdited) as sig:
        ed.setDoubleValue(0.75)
        ed.accept()
    assert sig.args == [1, 3, 0, 0.75]


def test_hover_texts_hold_the_right_numbers(view):
    m = ratings(4, 6, density=0.5, seed=5)
    tr = build_trainer(ModelConfig(hidden=(3, 2, 3)), DenseRows(m))
    tr.run_to("backward")
    snap = tr.snapshot()
    view.set_titles([f"Film {i}" for i in range(6)])
    view.show_snapshot(snap)
    text = view.canvas.tooltip_at(node_center(view, 2, 1))
    assert f"pre-activation a: {num(snap.preacts[1][1])}" in text
    assert f"activation h: {num(snap.activations[2][1])}" in text
    assert f"delta δ: {num(snap.deltas[1][1])}" in text
    r = int(np.flatnonzero(snap.mask)[0])
    t = view.node_tooltip(4, r)
    assert f"Film {r}" in t and f"rating: {num(snap.x_target[r])}" in t
    assert f"prediction ŷ: {num(snap.activations[4][r])}" in t
    e = view.edge_tooltip(1, 1, 2)
    assert f"weight: {num(snap.weights[1][1, 2])}" in e and f"gradient: {num(snap.grad_weights[1][1, 2])}" in e
    unrated = int(np.flatnonzero(~snap.mask)[0])
    assert "not rated" in view.node_tooltip(0, unrated)


def test_nan_is_never_drawn_as_a_number(view):
    tr = toy_trainer()
    tr.forward()
    snap = tr.snapshot()
    acts = list(snap.activations)
    acts[1] = np.array([np.nan, 1.0])
    weights = list(snap.weights)
    w = np.array(weights[0])
    w[0, 1] = np.inf
    weights[0] = w
    bad = replace(snap, activations=tuple(acts), weights=tuple(weights))
    view.show_snapshot(bad)
    _, finite = view.canvas.node_fill(1)
    assert list(finite) == [False, True]
    assert "activation h: not finite" in view.node_tooltip(1, 0)
    assert "weight: not finite" in view.edge_tooltip(0, 0, 1)
    assert (0, -1) in view.edge_buckets() and len(view.edge_buckets()[(0, -1)][0]) == 1
    assert num(float("nan")) == "not finite"
    view.grab()  # paints without error


def test_phase_overlays_follow_the_engine(view):
    m = ratings(4, 6, density=0.5, seed=2)
    tr = build_trainer(ModelConfig(hidden=(3,)), DenseRows(m))
    tr.run_to("update")
    snap = tr.snapshot()
    view.show_snapshot(snap)
    sc = view.scene()
    for pair in sc.edges:
        np.testing.assert_array_equal(pair.change, snap.change_weights[pair.layer][pair.rows, pair.cols])
        np.testing.assert_array_equal(pair.grad, snap.grad_weights[pair.layer][pair.rows, pair.cols])
    np.testing.assert_array_equal(sc.deltas[2], snap.deltas[1])
    np.testing.assert_array_equal(sc.error, snap.output_error)
    assert sc.cmax > 0 and sc.gmax > 0
    view.grab()


def test_animation_only_when_stepping_slowly(qtbot):
    v = NetworkView()
    qtbot.addWidget(v)
    tr = toy_trainer()
    tr.forward()
    v.show_snapshot(tr.snapshot())  # first snapshot, single step: animate
    assert v.canvas.animating
    tr.compute_loss()
    v.show_snapshot(tr.snapshot())  # right after: full speed, just the state
    assert not v.canvas.animating and not v.canvas.overlays


def test_scene_without_forward_and_collapsed_keeps_selected(view):
    m = ratings(2, 300, seed=4)
    tr = build_trainer(ModelConfig(hidden=(8,)), DenseRows(m))
    snap = tr.snapshot()
    sc = build_scene(snap, max_nodes=10, max_edges=50, keep={0: [299]})
    assert 299 in sc.shown[0] and len(sc.shown[0]) == 10
    assert sc.values[0] is None


def test_weight_matrix_heatmap_shows_the_full_layer(view, qtbot):
    tr = build_trainer(ModelConfig(hidden=(60,), seed=2), DenseRows(ratings(4, 200)))
    view.show_snapshot(tr.snapshot())
    assert not view.matrix.isVisible()
    qtbot.mouseClick(view.matrix_button, Qt.MouseButton.LeftButton)
    assert view.matrix.isVisible()
    view.matrix.combo.setCurrentIndex(1)
    np.testing.assert_array_equal(view.matrix.image.image, tr.snapshot().weights[1])
    assert view.matrix.image.image.shape == (200, 60)


def test_zoom_scales_the_layout_about_the_cursor(view):
    tr = toy_trainer()
    view.show_snapshot(tr.snapshot())
    a0, b0 = node_center(view, 0, 0), node_center(view, 0, 3)
    view.canvas.zoom_by(2.0, a0)
    a1, b1 = node_center(view, 0, 0), node_center(view, 0, 3)
    assert abs(a1.x() - a0.x()) < 1e-6 and abs(a1.y() - a0.y()) < 1e-6  # the point under the cursor stays
    assert abs((b1.y() - a1.y()) - 2 * (b0.y() - a0.y())) < 1e-6
    view.fit_button.click()
    assert node_center(view, 0, 3) == b0


def test_update_flashes_once_when_stepping(qtbot):
    v = NetworkView()
    qtbot.addWidget(v)
    tr = toy_trainer()
    tr.run_to("update")
    v.show_snapshot(tr.snapshot())
    assert v.canvas.animating and v.canvas.animation_kind == "update"
    qtbot.waitUntil(lambda: not v.canvas.animating, timeout=3000)
    assert v.scene().cmax > 0


def test_arg_max_marker_gives_way_before_the_title_is_cut(qtbot):
    from PySide6.QtGui import QFont, QFontMetrics

    from aeviz.ui.graph.canvas import _fit_title
    fm = QFontMetrics(QFont())
    title = "Movie A"
    full, short = title + "   ◀ arg-max", title + " ◀"
    assert _fit_title(fm, title, True, fm.horizontalAdvance(full) + 2) == full
    assert _fit_title(fm, title, True, fm.horizontalAdvance(short) + 2) == short
    assert _fit_title(fm, title, True, fm.horizontalAdvance(title) + 2) == title
    assert _fit_title(fm, title, False, fm.horizontalAdvance(full) + 2) == title
    cut = _fit_title(fm, "A Very Long Movie Title Indeed", False, fm.horizontalAdvance("A Very"))
    assert cut.endswith("…") and len(cut) < 20
