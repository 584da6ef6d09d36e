"""Issue 17's parts joined: search and the You profile on the movie map, What if from the
Reconstruction, full tab titles, and the Feature detectors' redraw paced by its cost."""
from aeviz.ui.panels import FeatureDetectorsPanel
from support import make, setup, snap


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
