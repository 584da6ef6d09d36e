"""The latent walk of an item model: movies in the Code panel's plane; a point, a slide between two
movies or a draw from the VAE's prior decodes an "imaginary movie", and the panels show the users
it would please most (small synthetic data)."""
import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QDockWidget

from aeviz.data import holdout_split
from aeviz.engine import ModelConfig, build_trainer
from aeviz.engine.insights import compute_extras, walk_extras
from aeviz.engine.latent import decode
from aeviz.engine.orientation import orient
from aeviz.ui.panels import CodePanel, RecommendationsPanel
from support import genre_ratings

VAE_ITEMS = dict(hidden=(6, 2, 6), kind="vae", hidden_activation="tanh", orientation="item", seed=1)


def _item_vae():
    r = genre_ratings(40, 12)
    split = holdout_split(r, 0.2, 0)
    train, test = orient(split.train, split.test, "item")
    tr = build_trainer(ModelConfig(batch_size=4, **VAE_ITEMS), train, test, clip=(1, 5))
    tr.train(2)
    return tr, r


def test_a_point_decodes_an_imaginary_movie_and_its_top_users():
    tr, r = _item_vae()
    ex = walk_extras(tr, {"kind": "point", "xy": (0.4, -0.7)})
    rec, recs = ex["reconstruction"], ex["recommendations"]
    expected = decode(tr.network, [[0.4, -0.7]])[0]  # a 2-unit code: the plane is the code
    assert expected.size == r.n_users == rec["output"].size  # one prediction per user
    np.testing.assert_allclose(rec["output"], expected, rtol=1e-6)
    assert rec["label"] == "imaginary movie at (0.4, -0.7)" and not rec["mask"].any()
    assert recs["entries"] == "users"
    best = np.lexsort((-expected, -np.clip(expected, 1, 5)))[:10]  # ties on the clipped: the raw
    assert list(recs["items"]) == list(best)
    # between two movies, named by title; the same records when extras are computed whole
    ex = compute_extras(tr, {"imagine": {"kind": "between", "a": 2, "b": 9, "t": 0.25}})
    za, zb = tr.network.encode(tr.train_set.dense_rows([2, 9])[0])
    np.testing.assert_allclose(ex["reconstruction"]["output"], decode(tr.network, 0.75 * za + 0.25 * zb)[0],
                               rtol=1e-5)
    assert ex["reconstruction"]["label"] == "imaginary movie 25% of the way from Movie 3 to Movie 10"
    assert ex["recommendations"]["entries"] == "users"
    drawn = walk_extras(tr, {"kind": "prior", "seed": 2})["reconstruction"]
    z = np.random.default_rng(2).standard_normal(2)
    np.testing.assert_allclose(drawn["output"], decode(tr.network, z)[0], rtol=1e-6)
    assert drawn["label"] == "imaginary movie drawn from the prior N(0, I) (draw 2)"


def test_walking_an_item_model_in_the_window_lists_users(qtbot, tmp_path):
    from aeviz.data import load_ratings
    from aeviz.ui.main_window import MainWindow
    from support import make_ratings
    path = tmp_path / "ratings.csv"
    make_ratings(path)
    w = MainWindow(load_ratings(path), str(path), config=ModelConfig(**VAE_ITEMS))
    qtbot.addWidget(w)
    w.confirm = lambda *_: True
    w.show()
    qtbot.waitUntil(lambda: w.last_snapshot is not None and w.bridge.is_idle(), timeout=20000)
    code = next(p for p in w.panels if isinstance(p, CodePanel))
    recs = next(p for p in w.panels if isinstance(p, RecommendationsPanel))
    docks = {d.windowTitle(): d for d in w.findChildren(QDockWidget)}
    docks["Code"].raise_()
    qtbot.waitUntil(lambda: code.isVisible() and code.codes is not None, timeout=10000)
    assert "movie" in code.header.text() and code.to_user.prefix() == "movie row "
    assert code.to_user.maximum() == w.dataset.n_items
    qtbot.mouseClick(code.walk, Qt.MouseButton.LeftButton)
    vp = code.scatter_plot.viewport()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=QPoint(vp.width() // 3, vp.height() // 2))
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=QPoint(vp.width() // 3, vp.height() // 2))
    docks["Recommendations"].raise_()
    qtbot.waitUntil(lambda: "Top 10 users for imaginary movie at (" in recs.header.text(), timeout=10000)
    users = {f"user {u}" for u in w.dataset.user_ids}
    top = recs.top_items()
    assert len(top) == 10 and all(name in users for name, _ in top)
    assert recs.top.horizontalHeaderItem(1).text() == "user" and recs.top.isColumnHidden(2)
    predicted = [float(p) for _, p in top]
    assert predicted == sorted(predicted, reverse=True)
    # slide towards another movie with the keyboard
    docks["Code"].raise_()
    qtbot.waitUntil(code.isVisible, timeout=5000)
    code.to_user.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is code.to_user)
    code.to_user.selectAll()
    qtbot.keyClicks(QApplication.focusWidget(), "5")
    assert code.to_user.value() == 5 and code.to_name.text() == code.observation_label(4)
    code.between.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is code.between)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_End)
    docks["Recommendations"].raise_()
    qtbot.waitUntil(lambda: "100% of the way from" in recs.header.text(), timeout=10000)
    assert "Top 10 users for imaginary movie" in recs.header.text()
    # a draw from the prior
    docks["Code"].raise_()
    qtbot.waitUntil(lambda: code.prior.isVisible(), timeout=5000)
    qtbot.mouseClick(code.prior, Qt.MouseButton.LeftButton)
    docks["Recommendations"].raise_()
    qtbot.waitUntil(lambda: "drawn from the prior" in recs.header.text(), timeout=10000)
    w.close()
