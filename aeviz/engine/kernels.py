"""Fused optimizer updates: one pass over the parameters instead of a dozen NumPy calls.

With one user per update, the recommender's step is mostly the optimizer: 69k parameters, and
NumPy walks them once per operation (weight decay, square, average, sqrt, divide, scale...),
about 65 us. A compiled loop walks them once: about 12 us. Numba compiles these loops the first
time each dtype is used (`cache=True` keeps the machine code on disk for the next start).

The loops compute exactly what `optimizers.py` writes as NumPy calls, operation for operation in
the same order, so both paths give the same numbers (the tests compare them). Without Numba, or
with the environment variable AEVIZ_JIT=0, the NumPy calls run instead.

Every optimizer kernel writes the proposed state into spare buffers and the change into
`change`, checks that every change is a finite number below `LIMIT` (a larger step is divergence
by any standard), and only then adds the change to the parameters; it returns whether it did.
The check is a boolean OR inside the loop: it costs nothing, where a floating-point sum would
forbid the loop from running in SIMD lanes.
"""
from __future__ import annotations

import os

import numpy as np

try:
    if os.environ.get("AEVIZ_JIT", "1") == "0":
        raise ImportError("disabled by AEVIZ_JIT=0")
    import numba
except ImportError:  # pragma: no cover - exercised by the tests through `enabled = False`
    numba = None

enabled = numba is not None
LIMIT = 1e19


def _jit(fn):
    """No fast-math (results must match NumPy's), NumPy's error model (lets loops vectorise)."""
    if numba is None:
        return None
    return numba.njit(cache=True, nogil=True, boundscheck=False, error_model="numpy")(fn)


def _outer_numpy(a, b, out):
    np.multiply(a[:, None], b[None, :], out=out)


def _outer(a, b, out):
    """out[i, j] = a[i] * b[j]: one observation's weight gradient (NumPy's broadcast is 7x slower)."""
    for i in range(a.size):
        ai = a[i]
        for j in range(b.size):
            out[i, j] = ai * b[j]


def _masked_mse(y, t, mask, grad, per_obs):
    """Per row: mean of (y - t)^2 over rated entries, and its gradient 2(y - t)/(rated * rows)."""
    rows, n = y.shape
    for r in range(rows):
        count = 0
        for j in range(n):
            count += mask[r, j]
        count = max(count, 1)
        scale = y.dtype.type(2.0 / (count * rows))
        total = 0.0
        for j in range(n):
            d = y[r, j] - t[r, j] if mask[r, j] else y.dtype.type(0.0)
            total += d * d
            grad[r, j] = d * scale
        per_obs[r] = total / count


SMALL = 4096  # below this many values a compiled loop beats NumPy's per-call overhead


def _sigmoid(a, out):
    """(1 + tanh(a/2)) / 2, as activations.Sigmoid: no overflow for any a."""
    half = a.dtype.type(0.5)
    for i in range(a.size):
        out.flat[i] = np.tanh(a.flat[i] * half) * half + half


def _sigmoid_backward(z, grad_z, out):
    """dL/da = dL/dz * z (1 - z)."""
    one = z.dtype.type(1.0)
    for i in range(z.size):
        zi = z.flat[i]
        out.flat[i] = ((one - zi) * zi) * grad_z.flat[i]


def _commit(p, change):
    for i in range(p.size):
        p[i] += change[i]


def _sgd(p, grad, change, wd, neg_lr):
    """change = -lr * (grad + wd*p)."""
    bad = False
    for i in range(p.size):
        c = (p[i] * wd + grad[i]) * neg_lr
        change[i] = c
        bad |= not abs(c) < LIMIT  # NaN compares false
    if bad:
        return False
    _commit(p, change)
    return True


def _sgd_momentum(p, grad, change, buf, new_buf, wd, neg_lr, momentum, damp, first, nesterov):
    """buf = momentum*buf + (1-dampening)*g (g itself at the first step); change = -lr*buf."""
    bad = False
    for i in range(p.size):
        g = p[i] * wd + grad[i]
        b = g if first else buf[i] * momentum + g * damp
        new_buf[i] = b
        c = (g + b * momentum) * neg_lr if nesterov else b * neg_lr
        change[i] = c
        bad |= not abs(c) < LIMIT  # NaN compares false
    if bad:
        return False
    _commit(p, change)
    return True


def _rmsprop(p, grad, change, sq, new_sq, wd, neg_lr, alpha, one_minus_alpha, eps):
    """s = alpha*s + (1-alpha)*g^2;  change = -lr * g / (sqrt(s) + eps)."""
    bad = False
    for i in range(p.size):
        g = p[i] * wd + grad[i]
        s = sq[i] * alpha + (g * g) * one_minus_alpha
        new_sq[i] = s
        c = (g / (np.sqrt(s) + eps)) * neg_lr
        change[i] = c
        bad |= not abs(c) < LIMIT  # NaN compares false
    if bad:
        return False
    _commit(p, change)
    return True


def _rmsprop_momentum(p, grad, change, sq, new_sq, buf, new_buf, wd, neg_lr, alpha,
                      one_minus_alpha, eps, momentum):
    """As RMSprop, then buf = momentum*buf + g / (sqrt(s) + eps);  change = -lr * buf."""
    bad = False
    for i in range(p.size):
        g = p[i] * wd + grad[i]
        s = sq[i] * alpha + (g * g) * one_minus_alpha
        new_sq[i] = s
        b = buf[i] * momentum + g / (np.sqrt(s) + eps)
        new_buf[i] = b
        c = b * neg_lr
        change[i] = c
        bad |= not abs(c) < LIMIT
    if bad:
        return False
    _commit(p, change)
    return True


def _adam(p, grad, change, m, new_m, v, new_v, wd, b1, one_minus_b1, b2, one_minus_b2,
          inv_sqrt_bc2, eps, step):
    """m, v moving averages of g and g^2; change = -lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)."""
    bad = False
    for i in range(p.size):
        g = p[i] * wd + grad[i]
        mi = m[i] * b1 + g * one_minus_b1
        vi = v[i] * b2 + (g * g) * one_minus_b2
        new_m[i] = mi
        new_v[i] = vi
        c = (mi / (np.sqrt(vi) * inv_sqrt_bc2 + eps)) * step
        change[i] = c
        bad |= not abs(c) < LIMIT  # NaN compares false
    if bad:
        return False
    _commit(p, change)
    return True


_commit = _jit(_commit) or _commit
outer = _jit(_outer) or _outer_numpy
masked_mse = _jit(_masked_mse)
sigmoid = _jit(_sigmoid)
sigmoid_backward = _jit(_sigmoid_backward)
sgd = _jit(_sgd)
sgd_momentum = _jit(_sgd_momentum)
rmsprop = _jit(_rmsprop)
rmsprop_momentum = _jit(_rmsprop_momentum)
adam = _jit(_adam)


def warm_up(dtype=np.float32):
    """Compile (or load from the cache) every loop for `dtype` now, while nobody is waiting."""
    if numba is None:
        return
    f = np.dtype(dtype).type
    v = np.ones(4, dtype)
    w = [np.ones(4, dtype) for _ in range(5)]
    sgd(v.copy(), v, w[0], f(0), f(-0.1))
    sgd_momentum(v.copy(), v, w[0], w[1], w[2], f(0), f(-0.1), f(0.9), f(1), False, False)
    rmsprop(v.copy(), v, w[0], w[1], w[2], f(0), f(-0.1), f(0.99), f(0.01), f(1e-8))
    rmsprop_momentum(v.copy(), v, w[0], w[1], w[2], w[3], w[4], f(0), f(-0.1), f(0.99), f(0.01),
                     f(1e-8), f(0.9))
    adam(v.copy(), v, w[0], w[1], w[2], w[3], w[4], f(0), f(0.9), f(0.1), f(0.999), f(0.001),
         f(1), f(1e-8), f(-0.1))
    m = v[None, :]
    outer(v, v, np.empty((4, 4), dtype))
    masked_mse(m, m, m > 0, np.empty_like(m), np.empty(1))
    sigmoid(m, np.empty_like(m))
    sigmoid_backward(m, m, np.empty_like(m))
