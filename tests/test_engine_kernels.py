"""The compiled loops of engine/kernels.py compute what the NumPy reference computes.

Optimizers, outer products and the loss's gradient agree bit for bit (same operations in the
same order); the loss's value to rounding (it sums in float64). Without Numba the whole engine runs its NumPy path, which the last tests run
on purpose.
"""
from __future__ import annotations

import numpy as np
import pytest

from aeviz.engine import DenseRows, ModelConfig, build_trainer, kernels
from aeviz.engine.losses import MaskedMSE
from aeviz.engine.optimizers import NonFiniteStep, make_optimizer

needs_numba = pytest.mark.skipif(not kernels.ready(), reason="compiled kernels are off (no Numba, or AEVIZ_JIT=0)")

CONFIGS = [
    ("sgd", dict(lr=0.1)),
    ("sgd", dict(lr=0.1, weight_decay=0.01, momentum=0.9)),
    ("sgd", dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)),
    ("rmsprop", dict(lr=0.01, weight_decay=0.5)),
    ("rmsprop", dict(lr=0.01, alpha=0.9, momentum=0.5)),
    ("adam", dict(lr=0.01, weight_decay=0.1)),
    ("adam", dict(lr=0.001, betas=(0.8, 0.99), eps=1e-6)),
]


def _run(name, hyper, dtype, fused, steps=6, n=1000):
    rng = np.random.default_rng(3)
    params = rng.normal(size=n).astype(dtype)
    opt = make_optimizer(name, n, dtype=dtype, **hyper)
    opt.use_kernels = fused
    changes = []
    for _ in range(steps):
        grads = (rng.normal(size=n) * (rng.random(n) < 0.2)).astype(dtype)
        changes.append(opt.step(params, grads).copy())
    return params, opt, changes


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,hyper", CONFIGS)
def test_fused_optimizer_equals_numpy_bit_for_bit(name, hyper, dtype):
    p_fast, o_fast, c_fast = _run(name, hyper, dtype, fused=True)
    p_ref, o_ref, c_ref = _run(name, hyper, dtype, fused=False)
    np.testing.assert_array_equal(p_fast, p_ref)
    for a, b in zip(c_fast, c_ref):
        np.testing.assert_array_equal(a, b)
    assert o_fast.t == o_ref.t == 6
    fast, ref = o_fast.state_dict()["buffers"], o_ref.state_dict()["buffers"]
    assert fast.keys() == ref.keys() == set(o_ref.state_keys())
    for key, buf in ref.items():
        np.testing.assert_array_equal(fast[key], buf)
    assert not np.array_equal(p_ref, _run(name, hyper, dtype, fused=False, steps=5)[0])


@needs_numba
def test_the_fused_path_really_runs(monkeypatch):
    kernels.warm_up()
    calls = []
    real = kernels.optimizer_step
    monkeypatch.setattr(kernels, "optimizer_step", lambda *a: calls.append(1) or real(*a))
    _run("rmsprop", dict(lr=0.01), np.float32, fused=True, steps=3)
    assert len(calls) == 3


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("bad", [np.nan, np.inf, 1e25])
def test_a_bad_step_changes_nothing_on_either_path(fused, bad):
    opt = make_optimizer("adam", 5, dtype=np.float32, lr=1.0)
    opt.use_kernels = fused
    params = np.array([0.1, 0.2, 0.3, 0.4, 0.5], np.float32)
    opt.step(params, np.full(5, 0.5, np.float32))
    before_p, before_state = params.copy(), opt.state_dict()
    grads = np.full(5, 0.5, np.float32)
    grads[3] = bad
    if bad == 1e25:  # finite gradient, absurd step: Adam normalises it, SGD does not
        opt = make_optimizer("sgd", 5, dtype=np.float32, lr=1.0)
        opt.use_kernels = fused
        before_state = opt.state_dict()
    with pytest.raises(NonFiniteStep) as err:
        opt.step(params, grads)
    assert err.value.args[0] == 3  # names the offending parameter
    np.testing.assert_array_equal(params, before_p)
    after = opt.state_dict()
    assert after["t"] == before_state["t"]
    for key, buf in before_state["buffers"].items():
        np.testing.assert_array_equal(after["buffers"][key], buf)


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_masked_mse_kernel_matches_the_formula(dtype):
    rng = np.random.default_rng(0)
    y = rng.normal(size=(3, 50)).astype(dtype)
    t = rng.integers(0, 6, size=(3, 50)).astype(dtype)
    mask = t > 0
    mask[2] = False  # a row with nothing rated counts as one rating, loss 0
    grad = np.empty_like(y)
    per_obs = np.empty(3)
    kernels.masked_mse(y, t, mask, grad, per_obs)
    diff = np.where(mask, y.astype(np.float64) - t, 0.0)
    n = np.maximum(mask.sum(axis=1), 1)
    np.testing.assert_allclose(per_obs, (diff ** 2).sum(axis=1) / n, rtol=1e-6)
    np.testing.assert_allclose(grad, 2 * diff / (n[:, None] * 3), rtol=1e-6, atol=1e-12)
    assert per_obs[2] == 0.0 and not grad[2].any()


@needs_numba
def test_loss_agrees_with_its_numpy_path(monkeypatch):
    rng = np.random.default_rng(1)
    y = rng.normal(size=(1, 300)).astype(np.float32)
    t = rng.integers(0, 6, size=(1, 300)).astype(np.float32)
    fast = MaskedMSE().value_and_gradient(y, t, t > 0)
    monkeypatch.setattr(kernels, "enabled", False)
    slow = MaskedMSE().value_and_gradient(y, t, t > 0)
    np.testing.assert_allclose(fast[0], slow[0], rtol=1e-6)
    np.testing.assert_array_equal(fast[1], slow[1])


@needs_numba
def test_outer_product_kernel():
    a = np.array([1.0, -2.0, 0.5], np.float32)
    b = np.array([3.0, 0.0, 4.0, -1.0], np.float32)
    out = np.full((3, 4), np.nan, np.float32)
    kernels.outer(a, b, out)
    np.testing.assert_array_equal(out, np.outer(a, b))


def test_training_without_numba_gives_the_same_network(monkeypatch):
    """The NumPy fallback is a complete engine: a few epochs on both paths end in the same place."""
    rng = np.random.default_rng(2)
    values = np.where(rng.random((30, 40)) < 0.3, rng.integers(1, 6, (30, 40)), 0).astype(np.float32)
    cfg = ModelConfig(hidden=(8, 4, 8), hidden_activation="sigmoid", optimizer="rmsprop", lr=0.01,
                      weight_decay=0.1, batch_size=1, shuffle=True)

    def train():
        trainer = build_trainer(cfg, DenseRows(values))
        trainer.train(3)
        return trainer

    fast = train()
    monkeypatch.setattr(kernels, "enabled", False)
    slow = train()
    np.testing.assert_allclose(fast.network.params, slow.network.params, rtol=1e-4, atol=1e-6)
    assert [round(h.train_rmse, 4) for h in fast.history] == [round(h.train_rmse, 4) for h in slow.history]


def test_warm_up_compiles_every_kernel():
    kernels.warm_up(np.float32)
    kernels.warm_up(np.float64)
    if kernels.ready():
        c = kernels.compiled()
        used = [c.STEPS[0][0], c.STEPS[0][1], c.STEPS[1][1], c.STEPS[1][2], c.STEPS[2][2], c.outer,
                c.masked_mse]  # SGD without/with momentum, RMSprop without/with, Adam; the rest
        for loop in used:  # each compiled for both dtypes
            assert len(loop.signatures) >= 2, loop


def test_a_broken_numba_means_numpy_with_a_warning(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "numba", None)  # `import numba` now fails
    monkeypatch.setattr(kernels, "_compiled", None)
    monkeypatch.setattr(kernels, "enabled", True)
    with pytest.warns(RuntimeWarning, match="Numba could not be imported"):
        assert kernels.ready() is False
    params, opt, _ = _run("adam", dict(lr=0.01), np.float32, fused=True, steps=2)
    ref, _, _ = _run("adam", dict(lr=0.01), np.float32, fused=False, steps=2)
    np.testing.assert_array_equal(params, ref)
    out = np.empty((2, 3), np.float32)
    kernels.outer(np.ones(2, np.float32), np.arange(3, dtype=np.float32), out)
    np.testing.assert_array_equal(out, [[0, 1, 2], [0, 1, 2]])


def test_numba_is_not_imported_with_the_engine():
    """The window opens without paying for Numba's import; the first kernel call pays it."""
    import subprocess
    import sys
    code = "import sys, aeviz.engine, aeviz.ui.bridge; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
