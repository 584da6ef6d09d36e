"""Optimizer steps against values computed by hand from PyTorch's documented update rules."""
import numpy as np
import pytest

from aeviz.engine import NonFiniteStep, make_optimizer

P0 = np.array([1.0, -2.0, 0.5])
G1 = np.array([0.1, -0.4, 0.0])
G2 = np.array([-0.3, 0.2, 1.0])


def run(name, grads, **hyper):
    p = P0.copy()
    opt = make_optimizer(name, p.size, dtype=np.float64, **hyper)
    changes = []
    for g in grads:
        before = p.copy()
        change = opt.step(p, g.copy()).copy()
        np.testing.assert_allclose(p - before, change)
        changes.append(change)
    return p, changes


def test_sgd_plain():
    p, _ = run("sgd", [G1, G2], lr=0.1)
    np.testing.assert_allclose(p, P0 - 0.1 * G1 - 0.1 * G2)


def test_sgd_momentum_and_weight_decay():
    p, _ = run("sgd", [G1, G2], lr=0.1, momentum=0.9, weight_decay=0.01)
    g1 = G1 + 0.01 * P0
    b1 = g1
    p1 = P0 - 0.1 * b1
    g2 = G2 + 0.01 * p1
    b2 = 0.9 * b1 + g2
    np.testing.assert_allclose(p, p1 - 0.1 * b2)


def test_rmsprop():
    p, _ = run("rmsprop", [G1, G2], lr=0.01, weight_decay=0.5)
    s = np.zeros(3)
    q = P0.copy()
    for g in (G1, G2):
        g = g + 0.5 * q
        s = 0.99 * s + 0.01 * g * g
        q = q - 0.01 * g / (np.sqrt(s) + 1e-8)
    np.testing.assert_allclose(p, q)


def test_adam():
    p, _ = run("adam", [G1, G2], lr=0.01, weight_decay=0.1)
    m = np.zeros(3)
    v = np.zeros(3)
    q = P0.copy()
    for t, g in enumerate((G1, G2), start=1):
        g = g + 0.1 * q
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        mh = m / (1 - 0.9**t)
        vh = v / (1 - 0.999**t)
        q = q - 0.01 * mh / (np.sqrt(vh) + 1e-8)
    np.testing.assert_allclose(p, q)


def test_first_adam_step_is_lr_times_sign():
    p, (c,) = run("adam", [G1], lr=0.01)
    np.testing.assert_allclose(c[:2], -0.01 * np.sign(G1[:2]), rtol=1e-6)


def test_matches_torch_when_available():
    torch = pytest.importorskip("torch")
    for name, cls, hyper in [("sgd", torch.optim.SGD, dict(lr=0.1, momentum=0.9, weight_decay=0.01)),
                             ("rmsprop", torch.optim.RMSprop, dict(lr=0.01, weight_decay=0.5)),
                             ("adam", torch.optim.Adam, dict(lr=0.01, weight_decay=0.1))]:
        ours, _ = run(name, [G1, G2, G1], **hyper)
        w = torch.tensor(P0.copy(), requires_grad=True)
        opt = cls([w], **hyper)
        for g in (G1, G2, G1):
            w.grad = torch.tensor(g.copy())
            opt.step()
        np.testing.assert_allclose(ours, w.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_non_finite_step_changes_nothing():
    p = P0.copy()
    opt = make_optimizer("adam", 3, dtype=np.float64, lr=0.01)
    opt.step(p, G1.copy())
    state = opt.state_dict()
    before = p.copy()
    with pytest.raises(NonFiniteStep):
        opt.step(p, np.array([np.nan, 0.0, 0.0]))
    np.testing.assert_array_equal(p, before)
    assert opt.t == state["t"]
    for k, v in state["buffers"].items():
        np.testing.assert_array_equal(opt.state_dict()["buffers"][k], v)


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf")])
def test_bad_learning_rate_is_refused(bad):
    with pytest.raises(ValueError, match="learning rate"):
        make_optimizer("sgd", 3, lr=bad)
