"""A latent walk redraws at drag speed: only what changed is drawn again, and cheaply."""
import dataclasses

import numpy as np

from aeviz.ui.panels import CodePanel, ReconstructionPanel, RecommendationsPanel
from test_ui_panels import make, setup, snap


def test_recommendations_update_in_place_without_resizing(qtbot):
    tr, r, split = setup(n_items=30)
    w = make(qtbot, RecommendationsPanel, r, split)
    tr.select_observation(3)
    tr.step_phase()
    w.show_snapshot(snap(tr))
    first = w.top_items()
    while tr.next_phase != "forward":  # finish user 3's step
        tr.step_phase()
    tr.select_observation(40)
    tr.step_phase()
    s = snap(tr)
    w.show_snapshot(s)
    rec = s.extras["recommendations"]
    assert [t for t, _ in w.top_items()] == [r.titles[int(i)] for i in rec["items"]]
    assert [p for _, p in w.top_items()] == [f"{p:.2f}" for p in rec["predicted"]]
    assert w.top_items() != first
    # a walk's next point: other movies, same shape: texts change in place, widths stay
    widths = [w.top.columnWidth(c) for c in range(w.top.columnCount())]
    moved = dict(rec, items=np.asarray(rec["items"])[::-1])
    w.show_snapshot(dataclasses.replace(s, extras=dict(s.extras, recommendations=moved)))
    assert [t for t, _ in w.top_items()] == [r.titles[int(i)] for i in moved["items"]]
    assert [w.top.columnWidth(c) for c in range(w.top.columnCount())] == widths
    longest = max((g for g in r.genres if g), key=len)
    assert w.top.columnWidth(2) >= w.top.fontMetrics().horizontalAdvance(longest)


def test_reconstruction_scatter_holds_the_points_in_view(qtbot):
    tr, r, split = setup(n_items=120)
    w = make(qtbot, ReconstructionPanel, r, split)
    tr.select_observation(5)
    tr.step_phase()
    s = snap(tr)
    w.show_snapshot(s)
    rec = s.extras["reconstruction"]
    lo, hi = w.plot.getPlotItem().getViewBox().viewRange()[0]
    xs, ys = w.out_other.getData()
    all_x, all_y = w.points(w.out_other)
    other = ~rec["mask"] & ~rec["heldout_mask"]
    assert len(all_x) == int(other.sum())
    assert 0 < len(xs) < len(all_x) and xs.max() <= hi + 1
    w.plot.getPlotItem().setXRange(-1, 121, padding=0)  # the reader zooms out: every dot again
    xs, ys = w.out_other.getData()
    np.testing.assert_array_equal(np.sort(xs), np.sort(all_x))
    np.testing.assert_allclose(np.sort(ys), np.sort(rec["output"][other]))


def test_code_panel_skips_a_walks_records(qtbot):
    tr, r, split = setup()
    w = make(qtbot, CodePanel, r, split)
    s = snap(tr)
    w.show_snapshot(s)
    drawn = []
    w.draw = lambda snapshot, extras: drawn.append(extras)
    walked = dict(s.extras, reconstruction=dict(s.extras["reconstruction"]),
                  recommendations=dict(s.extras["recommendations"]))
    w.show_snapshot(dataclasses.replace(s, extras=walked))
    assert drawn == []
    w.show_snapshot(snap(tr))  # new codes: drawn
    assert len(drawn) == 1


def test_a_walk_resends_the_drawn_network_and_the_graph_skips_it(qtbot, tmp_path):
    from aeviz.engine import ModelConfig
    from aeviz.ui.bridge import EngineBridge
    from aeviz.ui.graph_view import NetworkView
    from test_ui_bridge import make_ratings
    b = EngineBridge()
    b.rebuild(ModelConfig(hidden=(6, 2, 6)), make_ratings(tmp_path / "r.csv"))
    try:
        qtbot.waitUntil(lambda: b.is_idle() and b.latest is not None and bool(b.latest.extras), timeout=5000)
        before = b.latest
        with qtbot.waitSignal(b.snapshotReady, timeout=5000):
            b.imagine({"kind": "point", "xy": (0.3, -0.2)})
        qtbot.waitUntil(lambda: b.is_idle() and b.latest is not before, timeout=5000)
        walked = b.latest
        assert walked.weights is before.weights  # the same network state, sent again
        assert walked.extras["reconstruction"] is not before.extras["reconstruction"]
        assert walked.extras["reconstruction"]["label"] != before.extras["reconstruction"].get("label")
    finally:
        b.shutdown()
    v = NetworkView()
    qtbot.addWidget(v)
    v.show_snapshot(before)
    drawn = v.scene()
    v.show_snapshot(walked)
    assert v.scene() is drawn  # not rebuilt
    sampled = dataclasses.replace(walked, extras=dict(walked.extras, sampling={}))
    v.show_snapshot(sampled)  # an extra the graph draws changed: rebuilt
    assert v.scene() is not drawn
