"""Every penalty's gradient equals finite differences of its value, alone and with the loss."""
import numpy as np
import pytest

from aeviz.engine import Network, get_loss
from aeviz.engine.penalties import Contractive, KLSparsity, L1Sparsity, L2Weights


def _net(acts="sigmoid", sizes=(7, 5, 3, 5, 7), bias=True, tied=False, seed=1):
    n_h = len(sizes) - 2
    a = [acts] * n_h + ["identity"]
    return Network(list(sizes), a, bias=bias, tied=tied, seed=seed, dtype=np.float64)


def _data(b, n=7, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 6, size=(b, n)).astype(np.float64)
    m = rng.random((b, n)) < 0.6
    m[:, 0] = True
    return np.where(m, x, 0.0), m


def _objective(net, penalties, x, m, with_loss):
    tr = net.forward(x)
    v = sum(p.value(net, tr) for p in penalties)
    if with_loss:
        v += get_loss("mse").value(tr.y, x, m)
    return v


def _analytic(net, penalties, x, m, with_loss):
    tr = net.forward(x)
    g = get_loss("mse").gradient(tr.y, x, m) if with_loss else np.zeros_like(tr.y)
    extra = {}
    for p in penalties:
        for l, d in p.hidden_gradients(net, tr).items():
            extra[l] = extra.get(l, 0) + d
    net.backward(tr, g, extra_grad_hidden=extra)
    for p in penalties:
        p.add_parameter_gradients(net, tr, 1.0)
    return net.grads.copy()


def _numeric(net, penalties, x, m, with_loss, eps=1e-6):
    out = np.zeros_like(net.params)
    for i in range(net.params.size):
        old = net.params[i]
        net.params[i] = old + eps
        up = _objective(net, penalties, x, m, with_loss)
        net.params[i] = old - eps
        down = _objective(net, penalties, x, m, with_loss)
        net.params[i] = old
        out[i] = (up - down) / (2 * eps)
    return out


PENALTIES = {
    "kl": lambda: [KLSparsity(rho=0.1, beta=0.7)],
    "kl_all_layers": lambda: [KLSparsity(rho=0.2, beta=0.5, layers=[1, 2, 3])],
    "l1": lambda: [L1Sparsity(weight=0.3, layers=[1, 2])],
    "contractive": lambda: [Contractive(weight=0.8)],
    "l2_weights": lambda: [L2Weights(0.7)],
    "combined": lambda: [KLSparsity(rho=0.1, beta=0.3), Contractive(weight=0.5), L1Sparsity(0.1)],
}


@pytest.mark.parametrize("key", sorted(PENALTIES))
@pytest.mark.parametrize("batch", [1, 4])
@pytest.mark.parametrize("with_loss", [False, True])
def test_gradient_matches_finite_differences(key, batch, with_loss):
    net = _net()
    pens = PENALTIES[key]()
    x, m = _data(batch)
    a = _analytic(net, pens, x, m, with_loss)
    n = _numeric(net, pens, x, m, with_loss)
    assert np.abs(a).max() > 1e-4  # the check is not vacuous
    np.testing.assert_allclose(a, n, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("act", ["tanh", "identity"])
def test_contractive_gradient_other_activations_and_tied(act):
    net = _net(acts=act, tied=True)
    pens = [Contractive(weight=0.4)]
    x, m = _data(3)
    np.testing.assert_allclose(_analytic(net, pens, x, m, True), _numeric(net, pens, x, m, True),
                               rtol=1e-5, atol=1e-7)


def test_l2_weight_penalty_leaves_biases_free_and_counts_tied_weights_twice():
    net = _net(sizes=(6, 4, 6), tied=True)
    x, m = _data(2, n=6)
    pen = [L2Weights(0.5)]
    np.testing.assert_allclose(_analytic(net, pen, x, m, True), _numeric(net, pen, x, m, True), rtol=1e-5, atol=1e-7)
    net.grads.fill(0.0)
    pen[0].add_parameter_gradients(net, None)
    assert all(not np.any(b) for b in net.grad_biases)
    assert pen[0].value(net, None) == pytest.approx(2 * 0.25 * np.sum(net.weights[0] ** 2))


def test_kl_with_running_average_is_exact_for_its_value():
    net = _net()
    x, m = _data(1)
    earlier = _data(3, seed=5)[0]

    def seeded():  # a penalty whose running mean has seen an earlier batch
        p = KLSparsity(rho=0.1, beta=0.5, running=0.8)
        p.add_parameter_gradients(net, net.forward(earlier))
        return p
    p = seeded()
    assert p.running_means and p.value(net, net.forward(x)) != KLSparsity(0.1, 0.5).value(net, net.forward(x))
    a = _analytic(net, [p], x, m, True)  # (this updates p's running mean: check against a fresh one)
    np.testing.assert_allclose(a, _numeric(net, [seeded()], x, m, True), rtol=1e-5, atol=1e-7)


def test_contractive_closed_form_equals_explicit_jacobian():
    net = _net(sizes=(6, 4, 6))
    x, _ = _data(2, n=6)
    tr = net.forward(x)
    val = Contractive(weight=1.0).value(net, tr)
    h = tr.outputs[0]
    jac = [np.diag(h[b] * (1 - h[b])) @ net.weights[0] for b in range(2)]
    expected = np.mean([np.sum(j * j) for j in jac])
    assert val == pytest.approx(expected, rel=1e-12)


def test_kl_value_is_zero_at_target_and_positive_elsewhere():
    net = _net(sizes=(4, 2, 4))
    p = KLSparsity(rho=0.3, beta=1.0, layers=[1])

    class T:  # a trace whose hidden activations are exactly rho
        outputs = [np.full((5, 2), 0.3), None]
    assert p.value(net, T) == pytest.approx(0.0, abs=1e-12)
    T.outputs = [np.full((5, 2), 0.6), None]
    kl = 0.3 * np.log(0.3 / 0.6) + 0.7 * np.log(0.7 / 0.4)
    assert p.value(net, T) == pytest.approx(2 * kl)


def test_penalty_refuses_bad_settings():
    with pytest.raises(ValueError, match="strictly between"):
        KLSparsity(rho=1.5)
    with pytest.raises(ValueError, match="not a hidden layer"):
        KLSparsity(layers=[4]).value(_net(), _net().forward(_data(1)[0]))
