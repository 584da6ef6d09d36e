"""The variational autoencoder: gradients through the reparameterisation (eps held fixed), the KL
term, beta's warm-up, the multinomial loss, implicit feedback and stepping in the Trainer."""
import numpy as np
import pytest

from aeviz.data.implicit import implicit
from aeviz.data.ratings import build_ratings
from aeviz.engine import get_loss
from aeviz.engine.config import ModelConfig, build_trainer
from aeviz.engine.latent import decode
from aeviz.engine.vae import KLDivergence, VAENetwork, kl_per_observation


def _objective(net, kl, loss, x, t, mask, eps):
    trace = net.forward(x, noise=eps)
    return loss.value(trace.y, t, mask) + kl.value(net, trace)


def _analytic(net, kl, loss, x, t, mask, eps):
    trace = net.forward(x, noise=eps)
    extra = kl.hidden_gradients(net, trace)
    net.backward(trace, loss.gradient(trace.y, t, mask), extra_grad_hidden=extra)
    return net.grads.copy()


def _numeric(net, kl, loss, x, t, mask, eps, h=1e-6):
    g = np.zeros_like(net.params)
    for i in range(net.params.size):
        old = net.params[i]
        net.params[i] = old + h
        up = _objective(net, kl, loss, x, t, mask, eps)
        net.params[i] = old - h
        down = _objective(net, kl, loss, x, t, mask, eps)
        net.params[i] = old
        g[i] = (up - down) / (2 * h)
    return g


@pytest.mark.parametrize("sizes,loss_name,normalize,bias,batch", [
    ([6, 4, 2, 4, 6], "mse", False, True, 1),
    ([6, 4, 2, 4, 6], "mse", False, True, 3),
    ([6, 2, 6], "mse", False, False, 2),
    ([6, 5, 3, 5, 6], "multinomial", True, True, 3),
    ([6, 3, 6], "multinomial", True, True, 1),
])
def test_every_gradient_matches_finite_differences_with_eps_fixed(sizes, loss_name, normalize, bias, batch):
    rng = np.random.default_rng(len(sizes) * 10 + batch)
    net = VAENetwork(sizes, "tanh", normalize_input=normalize, bias=bias, dtype=np.float64, seed=3)
    net.logvar_weights[...] = rng.normal(0, 0.5, net.logvar_weights.shape)  # sigma far from 1
    t = (rng.random((batch, sizes[0])) < 0.5).astype(float) * (1 if normalize else 4)
    t[:, 0] = 1.0
    mask = np.ones_like(t, dtype=bool) if normalize else rng.random(t.shape) < 0.7
    eps = rng.standard_normal((batch, net.code_size))
    kl = KLDivergence(beta=0.7)
    loss = get_loss(loss_name)
    a = _analytic(net, kl, loss, t, t, mask, eps)
    n = _numeric(net, kl, loss, t, t, mask, eps)
    assert np.abs(net.extra_grads[0]).max() > 1e-4  # the log-variance head really gets a gradient
    np.testing.assert_allclose(a, n, rtol=1e-5, atol=1e-7)


def test_sampling_is_mu_plus_sigma_eps_and_the_kl_is_the_closed_form():
    net = VAENetwork([4, 2, 4], ["tanh", "identity"], dtype=np.float64, seed=0)
    net.logvar_bias[...] = [np.log(4.0), 0.0]  # sigma 2 and 1 when the weights give 0
    net.logvar_weights[...] = 0.0
    x = np.array([[1.0, 0.0, 2.0, 0.0]])
    trace = net.forward(x, noise=[[0.5, -1.0]])
    mu = net.encode(x)
    np.testing.assert_allclose(trace.side["sigma"], [[2.0, 1.0]])
    np.testing.assert_allclose(trace.outputs[0], mu + [[1.0, -1.0]])
    # KL(N(mu, 4) || N(0,1)) = (mu^2 + 4 - 1 - ln 4) / 2 for the first unit
    expected = 0.5 * (mu[0, 0] ** 2 + 3 - np.log(4.0)) + 0.5 * mu[0, 1] ** 2
    assert kl_per_observation(trace.side["mu"], trace.side["logvar"])[0] == pytest.approx(expected)
    # without eps (evaluation) the decoder reads the mean
    np.testing.assert_allclose(net.predict(x), decode(net, mu))


def test_beta_warms_up_linearly_to_its_cap():
    kl = KLDivergence(beta=0.4, anneal_steps=10)
    seen = []
    for u in (0, 5, 10, 50):
        kl.at_update(u)
        seen.append(kl.beta)
    assert seen == pytest.approx([0.0, 0.2, 0.4, 0.4])


def test_multinomial_loss_is_the_negative_log_softmax_of_the_liked_movies():
    y = np.array([[0.0, np.log(3.0), 0.0]])  # softmax = [1/5, 3/5, 1/5]
    t = np.array([[1.0, 1.0, 0.0]])
    loss = get_loss("multinomial")
    assert loss.value(y, t, np.ones_like(t, bool)) == pytest.approx(-np.log(0.2) - np.log(0.6))
    np.testing.assert_allclose(loss.gradient(y, t, np.ones_like(t, bool)), [[2 / 5 - 1, 6 / 5 - 1, 2 / 5]])


def test_implicit_keeps_every_cell_and_likes_only_ratings_of_four_or_more():
    r = build_ratings([1, 1, 1, 2], [10, 20, 30, 10], [5, 3, 4, 1])
    imp = implicit(r)
    x, m = imp.dense_rows([0, 1])
    np.testing.assert_array_equal(x, [[1, 0, 1], [0, 0, 0]])
    assert m.all()  # unrated and low-rated cells are observed zeros
    assert imp.nnz == 4  # the seen movies are still known (ranking skips them)


def _tiny_trainer(**kw):
    rng = np.random.default_rng(0)
    users, items = np.nonzero(rng.random((12, 8)) < 0.6)
    r = build_ratings(users, items, rng.integers(1, 6, users.size))
    cfg = ModelConfig(kind="vae", hidden=(5, 2, 5), hidden_activation="tanh", batch_size=4,
                      seed=4, validation_fraction=0.0, **kw)
    return build_trainer(cfg, implicit(r) if cfg.implicit else r)


def test_the_trainer_steps_a_vae_phase_by_phase_reproducibly_and_reports_the_kl():
    runs = []
    for _ in range(2):
        t = _tiny_trainer(beta=0.5, anneal_steps=4, dropout=0.2)
        for _ in range(9):
            t.step_phase()
        t.step_epoch()
        t.step_epoch()
        runs.append((t.network.params.copy(), [r.penalty for r in t.history]))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])  # seeded eps and dropout: same steps
    assert runs[0][1] == runs[1][1]
    assert all(p > 0 for p in runs[0][1])  # the KL term is reported apart from the loss


def test_implicit_multinomial_vae_learns():
    t = _tiny_trainer(implicit=True, loss="multinomial", lr=0.01, beta=0.1)
    t.train(30)
    losses = [r.mean_loss for r in t.history]
    assert losses[-1] < losses[0] - 0.05


def test_a_saved_vae_opens_with_its_log_variance_branch(tmp_path):
    from aeviz.engine.serialize import load_model, save_model
    t = _tiny_trainer(implicit=True, loss="multinomial")
    t.train(2)
    cfg = ModelConfig(kind="vae", hidden=(5, 2, 5), hidden_activation="tanh", loss="multinomial", implicit=True)
    saved = load_model(save_model(tmp_path / "vae.npz", t, cfg))
    x, _ = t.train_set.dense_rows([0, 1, 2])
    np.testing.assert_array_equal(saved.network.params, t.network.params)
    np.testing.assert_allclose(saved.network.encode_distribution(x)[1], t.network.encode_distribution(x)[1])
    np.testing.assert_allclose(saved.network.predict(x), t.network.predict(x))
