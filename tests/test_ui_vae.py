"""A VAE in the app: the Math inspector writes the sampling, the KL term and the gradients
through the reparameterisation with the step's numbers; the Code panel draws mu with sigma and
the drawn z, and every user's sigma as an ellipse (small synthetic data)."""
import numpy as np

from aeviz.ui.panels import CodePanel, MathInspectorPanel, fmt
from test_ui_panels import make, setup, snap


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
    x, heights = w.bars.opts["x"], w.bars.opts["height"]
    np.testing.assert_allclose(heights, sv["mu"], rtol=1e-6)
    np.testing.assert_allclose(w.sigma_bars.opts["height"], 2 * sv["sigma"], rtol=1e-6)
    np.testing.assert_allclose(w.z_dots.getData()[1], sv["mu"] + sv["sigma"] * sv["eps"], rtol=1e-5)
    ex, ey = w.spread.getData()
    n_users = len(s.extras["codes"]["rows"])
    assert np.isfinite(ex).sum() == n_users * 24  # one closed 24-point ellipse per user
    assert "ellipses" in w.header.text()
