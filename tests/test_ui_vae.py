"""A VAE in the app: the Math inspector writes the sampling, the KL term and the gradients
through the reparameterisation with the step's numbers; the Code panel draws mu with sigma and
the drawn z, and every user's sigma as an ellipse (small synthetic data)."""
import numpy as np

from aeviz.ui.numbers import fmt
from aeviz.ui.panels import CodePanel, MathInspectorPanel
from support import make, setup, snap


def _vae(**kw):
    return setup(hidden=(8, 2, 8), kind="vae", hidden_activation="tanh", beta=0.5, **kw)


def test_math_inspector_writes_the_sampling_the_kl_and_the_reparameterised_gradients(qtbot):
    tr, r, split = _vae()
    w = make(qtbot, MathInspectorPanel, r, split)
    sel = {"layer": 2, "index": 1}
    w.set_selected_node(2, 1)
    tr.select_observation(3)
    tr.step_phase()  # forward: mu, sigma, eps, z drawn
    s = snap(tr, sel)
    w.show_snapshot(s)
    drawn = tr.last_sampling
    text = w.view.toPlainText()
    assert "Sampling (the reparameterisation trick), unit 2" in text
    z = drawn["mu"][1] + drawn["sigma"][1] * drawn["eps"][1]
    for v in (drawn["mu"][1], drawn["sigma"][1], drawn["eps"][1], z):
        assert fmt(float(v)) in text
    kl = 0.5 * (drawn["mu"][1] ** 2 + drawn["sigma"][1] ** 2 - 1 - drawn["logvar"][1])
    assert fmt(float(kl)) in text
    assert "appear after back-propagation" in text
    tr.run_to("backward")
    w.show_snapshot(snap(tr, sel))
    text = w.view.toPlainText()
    back = tr.last_sampling
    assert fmt(float(back["dL_dlogvar"][1])) in text and fmt(float(back["dL_dz"][1])) in text
    # dL/dmu = dL/dz + beta * mu / B (batch of 1), the code unit's delta
    d_mu = float(back["dL_dz"][1] + 0.5 * back["mu"][1])
    assert fmt(d_mu) in text
    assert abs(snap(tr, sel).extras["math"]["delta"] - d_mu) < 1e-5


def test_code_panel_draws_mu_sigma_z_and_every_users_ellipse(qtbot):
    tr, r, split = _vae()
    w = make(qtbot, CodePanel, r, split)
    tr.select_observation(5)
    tr.step_phase()
    s = snap(tr)
    w.show_snapshot(s)
    sv = s.extras["sampling"]
    heights = w.bars.opts["height"]
    np.testing.assert_allclose(heights, sv["mu"], rtol=1e-6)
    np.testing.assert_allclose(w.sigma_bars.opts["height"], 2 * sv["sigma"], rtol=1e-6)
    np.testing.assert_allclose(w.z_dots.getData()[1], sv["mu"] + sv["sigma"] * sv["eps"], rtol=1e-5)
    ex, ey = w.spread.getData()
    n_users = len(s.extras["codes"]["rows"])
    assert np.isfinite(ex).sum() == n_users * 24  # one closed 24-point ellipse per user
    assert "ellipses" in w.header.text()


def test_a_point_of_the_plane_decodes_an_imaginary_user():
    from aeviz.engine.insights import compute_extras
    from aeviz.engine.latent import decode
    tr, r, split = _vae()
    ex = compute_extras(tr, {"layer": 2, "index": 0, "imagine": {"kind": "point", "xy": (0.5, -1.0)}})
    rec = ex["reconstruction"]
    expected = decode(tr.network, [[0.5, -1.0]])[0]  # a 2-unit code: the plane is the code
    np.testing.assert_allclose(rec["output"], expected, rtol=1e-6)
    assert rec["label"].startswith("imaginary user at (0.5, -1)") and not rec["mask"].any()
    top = ex["recommendations"]["items"]
    assert list(top) == list(np.argsort(-np.clip(expected, 1, 5), kind="stable")[:10])
    # halfway between two users is the mean of their codes, decoded
    ex = compute_extras(tr, {"imagine": {"kind": "between", "a": 1, "b": 7, "t": 0.5}})
    za, zb = tr.network.encode(tr.train_set.dense_rows([1, 7])[0])
    np.testing.assert_allclose(ex["reconstruction"]["output"], decode(tr.network, (za + zb) / 2)[0], rtol=1e-5)
    # a draw from the prior is reproducible
    a = compute_extras(tr, {"imagine": {"kind": "prior", "seed": 3}})["reconstruction"]["output"]
    b = compute_extras(tr, {"imagine": {"kind": "prior", "seed": 3}})["reconstruction"]["output"]
    np.testing.assert_array_equal(a, b)


def test_walking_in_the_window_shows_the_imaginary_users_recommendations(qtbot, ratings_path):
    from PySide6.QtCore import QPoint, Qt
    from aeviz.data import load_ratings
    from aeviz.engine import ModelConfig
    from aeviz.ui.main_window import MainWindow
    w = MainWindow(load_ratings(ratings_path), str(ratings_path),
                   config=ModelConfig(hidden=(6, 2, 6), kind="vae", hidden_activation="tanh"))
    qtbot.addWidget(w)
    w.confirm = lambda *_: True
    w.show()
    qtbot.waitUntil(lambda: w.last_snapshot is not None and w.bridge.is_idle(), timeout=10000)
    code = next(p for p in w.panels if isinstance(p, CodePanel))
    recs = next(p for p in w.panels if type(p).__name__ == "RecommendationsPanel")
    from PySide6.QtWidgets import QDockWidget
    next(d for d in w.findChildren(QDockWidget) if d.windowTitle() == "Code").raise_()
    qtbot.waitUntil(lambda: code.isVisible() and code.codes is not None, timeout=10000)
    qtbot.mouseClick(code.walk, Qt.MouseButton.LeftButton)
    assert code.walk.isChecked()
    vp = code.scatter_plot.viewport()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=QPoint(vp.width() // 3, vp.height() // 3))
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=QPoint(vp.width() // 3, vp.height() // 3))
    assert code.walk_marker.getData()[0].size == 1  # the point walked to is marked
    next(d for d in w.findChildren(QDockWidget) if d.windowTitle() == "Recommendations").raise_()
    qtbot.waitUntil(lambda: "Top 10 for imaginary user at (" in recs.header.text(), timeout=10000)
    w.close()


def test_setup_panel_shows_the_vae_fields_and_the_implicit_switch(qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication
    from aeviz.engine import ModelConfig
    from aeviz.ui.setup_panel import SetupPanel
    p = SetupPanel(ModelConfig(kind="vae", hidden=(8, 2, 8), beta=0.3, anneal_steps=50, dropout=0.5))
    qtbot.addWidget(p)
    p.show()
    assert p.active_type_fields() == {"beta", "anneal_steps", "dropout"}
    assert p.beta.isVisible() and p.dropout.isVisible() and p.anneal_steps.value() == 50
    p.dropout.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is p.dropout)
    p.dropout.selectAll()
    qtbot.keyClicks(QApplication.focusWidget(), "1.5")
    assert p.field_error("dropout") == "input dropout is a fraction in [0, 1)"
    assert not p.apply_button.isEnabled()
    p.dropout.selectAll()
    qtbot.keyClicks(QApplication.focusWidget(), "0.25")
    p.implicit.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is p.implicit)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    cfg = p.config()
    assert cfg.dropout == 0.25 and cfg.beta == 0.3 and cfg.implicit


def test_forward_shows_the_sampling_at_the_code_layer_of_the_graph(qtbot):
    from aeviz.ui.graph.text import num
    from aeviz.ui.graph_view import NetworkView
    tr, r, split = setup(hidden=(8, 5, 8), kind="vae", hidden_activation="tanh", beta=0.5)
    v = NetworkView()
    qtbot.addWidget(v)
    v.resize(1000, 600)
    v.show()
    qtbot.waitExposed(v)
    tr.select_observation(7)
    tr.step_phase()  # forward: eps drawn
    s = snap(tr)
    v.show_snapshot(s)
    v.canvas.stop_animation()
    sv = s.extras["sampling"]
    sm = v.scene().sampling
    assert sm is not None and sm.layer == 2 == sv["layer"] and sm.n_units == 5
    order = np.argsort(-np.abs(sv["sigma"] * sv["eps"]))[:len(sm.units)]
    assert sorted(sm.units.tolist()) == sorted(order.tolist())  # the rows eps moved furthest
    for k in ("mu", "sigma", "eps", "z"):
        np.testing.assert_allclose(getattr(sm, k), sv[k][sm.units], rtol=1e-6)
    np.testing.assert_allclose(sm.z, sm.mu + sm.sigma * sm.eps, rtol=1e-6)
    assert sm.kl == sv["kl"] and (sm.positions >= 0).all()  # every listed unit is a drawn node
    cells = v.canvas.sampling_cells()
    texts = {role: [t for _, t, rl in cells if rl == role] for role in ("unit", "mu", "sigma", "eps", "z")}
    assert texts["unit"] == [f"z{u + 1}" for u in sm.units]
    for k in ("mu", "sigma", "eps", "z"):
        assert texts[k] == [num(x) for x in getattr(sm, k)]
    box = cells[0][0]
    assert v.canvas.rect().contains(box.toRect())
    xs = v.canvas.geometry_arrays()[4]  # each layer's x: the box sits after the code layer's
    assert xs[2] < box.left() and box.right() < xs[-1]  # nodes and before the outputs' values
    tr.step_phase()  # loss: the moment has passed
    v.show_snapshot(snap(tr))
    assert v.scene().sampling is None and v.canvas.sampling_cells() == []
