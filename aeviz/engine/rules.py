"""Each optimizer's update rule, written once, for one parameter.

A rule maps (parameter p, gradient g, state s1, state s2, coefficients h) to (change, new s1,
new s2). It uses only arithmetic and `np.sqrt`, and branches only on whether a coefficient is
zero, never on a value, so the same function serves three callers:
- `optimizers.py` runs it on whole arrays (vectorised.py traces it once into NumPy calls on
  preallocated buffers: the path without Numba);
- `compiled.py` compiles it into one loop over the parameters (Numba: 4-5x faster per step);
- `Optimizer.preview` calls it on one parameter's scalars (the Math inspector's "next update").
Same operations in the same order and dtype, so all three give the same bits.

`h` always holds COEFFICIENTS numbers in the optimizer's dtype, unused slots zero: one array
(`Optimizer.coefficients()`, once per step; eight NumPy scalars in a tuple cost ~8 us of an ~80 us
compiled step), read by the compiled loops before they start, and the same numbers as Python
floats on the NumPy path. Weight decay is added only when it is set, as PyTorch does (on arrays
it is two passes). A rule's state it does not keep comes back unchanged or unused.
"""
from __future__ import annotations

import numpy as np

COEFFICIENTS = 8


def sgd(p, g, buf, _unused, h):
    """PyTorch's SGD: buf = momentum*buf + (1-dampening)*g (g itself at the first step, and
    always without momentum); change = -lr*buf, or -lr*(g + momentum*buf) with Nesterov."""
    wd, neg_lr, momentum, damp, first, nesterov, _, _ = h
    if wd != 0:
        g = p * wd + g
    b = g if first else buf * momentum + g * damp
    c = (g + b * momentum) * neg_lr if nesterov else b * neg_lr
    return c, b, _unused


def rmsprop(p, g, sq, buf, h):
    """PyTorch's RMSprop: s = alpha*s + (1-alpha)*g^2; change = -lr * g / (sqrt(s) + eps), or
    with momentum -lr * buf, buf = momentum*buf + g / (sqrt(s) + eps)."""
    wd, neg_lr, alpha, one_minus_alpha, eps, momentum, _, _ = h
    if wd != 0:
        g = p * wd + g
    s = sq * alpha + (g * g) * one_minus_alpha
    d = g / (np.sqrt(s) + eps)
    if momentum != 0:
        d = buf * momentum + d
    return d * neg_lr, s, d


def adam(p, g, m, v, h):
    """PyTorch's Adam: m, v moving averages of g and g^2;
    change = -lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps), bc = the bias corrections 1 - beta^t."""
    wd, b1, one_minus_b1, b2, one_minus_b2, inv_sqrt_bc2, eps, step = h
    if wd != 0:
        g = p * wd + g
    m = m * b1 + g * one_minus_b1
    v = v * b2 + (g * g) * one_minus_b2
    return (m / (np.sqrt(v) * inv_sqrt_bc2 + eps)) * step, m, v


# The compiled loop selects a rule by its position here (compiled.py branches on it).
RULES = (sgd, rmsprop, adam)
