"""The NumPy path runs a rule without temporaries: fresh arrays at every step were what made it
2-3x slower (glibc hands the memory back and faults it in again)."""
from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from aeviz.engine import rules
from aeviz.engine.optimizers import make_optimizer
from aeviz.engine.vectorised import Plan


@pytest.mark.parametrize("name,hyper", [("sgd", dict(momentum=0.9, weight_decay=0.1, nesterov=True)),
                                        ("rmsprop", dict(momentum=0.5)), ("adam", dict(weight_decay=0.1))])
def test_a_numpy_step_allocates_no_array(name, hyper):
    n = 20000
    opt = make_optimizer(name, n, **hyper)
    opt.use_kernels = False
    params, grads = np.ones(n, np.float32), np.full(n, 0.5, np.float32)
    for _ in range(3):
        opt.step(params, grads)
    tracemalloc.start()
    try:
        opt.step(params, grads)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < n  # one float32 array would be 4n bytes
    assert opt.t == 4


def test_a_plan_computes_what_the_rule_computes_on_arrays():
    rng = np.random.default_rng(0)
    p, g, m, v = (rng.normal(size=50).astype(np.float32) for _ in range(4))
    v = np.abs(v)
    h = np.array([0.1, 0.9, 0.1, 0.999, 0.001, 1.2, 1e-8, -0.01], np.float32)
    outs = [np.empty(50, np.float32) for _ in range(3)]
    Plan(rules.adam, h, 2, 50, np.float32).run(p, g, [m, v], h, outs)
    for got, want in zip(outs, rules.adam(p, g, m, v, h)):
        np.testing.assert_array_equal(got, want)
    assert np.abs(outs[0]).min() > 0


def test_a_rule_that_branches_on_a_value_is_refused():
    def bad(p, g, s1, s2, h):
        return (g if g else p), s1, s2
    with pytest.raises(TypeError, match="only on whether a coefficient is zero"):
        Plan(bad, np.zeros(8, np.float32), 0, 4, np.float32)
