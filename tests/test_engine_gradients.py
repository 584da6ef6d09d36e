"""Back-propagation against central finite differences, in float64, for every combination."""
import itertools
import zlib

import numpy as np
import pytest

from aeviz.engine import Network, get_loss

HIDDEN = ["sigmoid", "tanh", "relu", "identity"]
# (output activation, loss) pairs that make sense together
OUTPUT_LOSS = [
    ("identity", "mse"), ("sigmoid", "mse"), ("tanh", "mse"), ("relu", "mse"), ("softmax", "mse"),
    ("identity", "sse"),
    ("identity", "distance"), ("sigmoid", "distance"),
    ("sigmoid", "bce"), ("softmax", "cross_entropy"), ("softmax", "bce"),
]


def _data(rng, batch, n, binary):
    if binary:
        t = (rng.random((batch, n)) < 0.5).astype(float)
    else:
        t = rng.integers(1, 6, size=(batch, n)).astype(float)
    mask = rng.random((batch, n)) < 0.6
    mask[:, 0] = True
    t[:, 0] = 1.0  # at least one non-zero input, or a bias-free net has nothing to learn from
    x = np.where(mask, t, 0.0)
    return x, t, mask


def numeric_gradient(net, loss, x, t, mask, eps=1e-6):
    g = np.zeros_like(net.params)
    for i in range(net.params.size):
        old = net.params[i]
        net.params[i] = old + eps
        up = loss.value(net.forward(x).y, t, mask)
        net.params[i] = old - eps
        down = loss.value(net.forward(x).y, t, mask)
        net.params[i] = old
        g[i] = (up - down) / (2 * eps)
    return g


def analytic_gradient(net, loss, x, t, mask):
    trace = net.forward(x)
    net.backward(trace, loss.gradient(trace.y, t, mask))
    return net.grads.copy()


@pytest.mark.parametrize("hidden,out_loss,bias,batch", [
    (h, ol, b, bs)
    for h, ol, b, bs in itertools.product(HIDDEN, OUTPUT_LOSS, [True, False], [1, 3])
])
def test_backward_matches_finite_differences(hidden, out_loss, bias, batch):
    out, loss_name = out_loss
    rng = np.random.default_rng(zlib.crc32(f"{hidden}{out}{loss_name}{bias}{batch}".encode()))
    net = Network([5, 3, 5], [hidden, out], bias=bias, dtype=np.float64, seed=1)
    if "relu" in (hidden, out):  # keep some units alive, or the check would be vacuous
        for w in net.weights:
            w[...] = np.abs(w) + 0.1
    loss = get_loss(loss_name)
    x, t, mask = _data(rng, batch, 5, binary=loss_name in ("bce", "cross_entropy"))
    if batch == 1:
        x, t, mask = x[0], t[0], mask[0]
    if out == "softmax" and loss_name == "cross_entropy":
        t = np.zeros_like(t)
        t[..., 1] = 1.0
        mask = np.ones_like(mask)
    num = numeric_gradient(net, loss, x, t, mask)
    ana = analytic_gradient(net, loss, x, t, mask)
    np.testing.assert_allclose(ana, num, rtol=1e-5, atol=1e-7)
    assert np.abs(ana).max() > 0  # the check is not vacuous


@pytest.mark.parametrize("tied", [False, True])
def test_deep_and_tied_networks(tied):
    rng = np.random.default_rng(7)
    net = Network([6, 4, 2, 4, 6], ["sigmoid", "tanh", "sigmoid", "identity"], tied=tied,
                  dtype=np.float64, seed=3)
    loss = get_loss("mse")
    x, t, mask = _data(rng, 4, 6, binary=False)
    np.testing.assert_allclose(analytic_gradient(net, loss, x, t, mask),
                               numeric_gradient(net, loss, x, t, mask), rtol=1e-5, atol=1e-8)
    if tied:
        assert net.n_parameters() == 6 * 4 + 4 * 2 + (4 + 2 + 4 + 6)
        np.testing.assert_array_equal(net.weights[3], net.weights[0].T)


def test_unrated_outputs_get_no_error_signal():
    net = Network([4, 2, 4], ["sigmoid", "identity"], dtype=np.float64)
    x = np.array([5.0, 0.0, 3.0, 0.0])
    mask = x != 0
    trace = net.forward(x)
    grads = net.backward(trace, get_loss("mse").gradient(trace.y, x, mask))
    assert np.all(grads.deltas[-1][0, ~mask] == 0)
    assert np.all(grads.deltas[-1][0, mask] != 0)
    # and the unrated outputs' incoming weights get no gradient
    assert np.all(grads.weights[-1][~mask] == 0)


def test_masked_mse_value_by_hand():
    y = np.array([[4.0, 2.0, 1.0]])
    t = np.array([[5.0, 0.0, 3.0]])
    mask = t != 0
    assert get_loss("mse").value(y, t, mask) == pytest.approx(((4 - 5) ** 2 + (1 - 3) ** 2) / 2)
    assert get_loss("distance").value(y, t, mask) == pytest.approx(np.sqrt(5.0))


def test_batch_loss_is_mean_of_observation_losses():
    rng = np.random.default_rng(0)
    x, t, mask = _data(rng, 5, 7, binary=False)
    y = rng.normal(size=(5, 7))
    loss = get_loss("mse")
    per = [loss.value(y[i], t[i], mask[i]) for i in range(5)]
    assert loss.value(y, t, mask) == pytest.approx(np.mean(per))
