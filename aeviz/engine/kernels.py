"""Compiled loops for the few places where NumPy's per-call cost is most of a step.

With one user per update, the recommender's step is mostly the optimizer: 69k parameters, and
NumPy walks them once per operation (weight decay, square, average, sqrt, divide, scale...),
about 65 us. A compiled loop walks them once: about 15 us. The same holds, on a smaller scale,
for one observation's outer products (7x) and its masked loss (one call instead of eight).
Numba compiles the loops at their first call (`cache=True` keeps the machine code on disk for the
next start); the app's worker does that while the window sits idle.

The loops compute exactly what `optimizers.py`, `network.py` and `losses.py` write as NumPy
calls, operation for operation in the same order, so both paths give the same numbers (the tests
compare them bit for bit). Without Numba, or with the environment variable AEVIZ_JIT=0, the
NumPy calls run instead: they remain the readable reference.

Every optimizer kernel writes the proposed state into spare buffers and the change into
`change`, checks that every change is a finite number below `LIMIT` (a larger step is divergence
by any standard), and only then adds the change to the parameters; it returns whether it did.
The check is a boolean OR inside the loop: it costs nothing, where a floating-point sum would
forbid the loop from running in SIMD lanes.
"""
from __future__ import annotations

import gc
import importlib.util
import os
import threading
import warnings

import numpy as np

# The switch: off without Numba or with AEVIZ_JIT=0 (tests and benchmarks flip it too).
enabled = os.environ.get("AEVIZ_JIT", "1") != "0" and importlib.util.find_spec("numba") is not None
LIMIT = 1e19
_KERNELS = ("_commit", "_outer_jit", "masked_mse", "sgd", "sgd_momentum", "rmsprop", "adam")
_compiled: bool | None = None  # None: Numba not imported yet; then whether it could be
_lock = threading.Lock()


def ready() -> bool:
    """Whether the compiled loops can be used. The first call imports Numba (not the engine's
    import: the window opens without paying for it); a Numba that fails to import means NumPy."""
    if not enabled:
        return False
    if _compiled is None:
        _load()
    return bool(_compiled)


def _load():
    global _compiled
    with _lock:
        if _compiled is not None:
            return
        try:
            import numba
        except Exception as exc:  # installed but broken, e.g. built for another NumPy
            warnings.warn(f"aeviz: Numba could not be imported ({exc}); training uses NumPy only",
                          RuntimeWarning, stacklevel=3)
            _compiled = False
            return
        # No fast-math (results must match NumPy's); NumPy's error model lets loops vectorise.
        jit = numba.njit(cache=True, nogil=True, boundscheck=False, error_model="numpy")
        for name in _KERNELS:  # each compiles at its first call, for the dtypes it is given
            globals()[name] = jit(_SOURCES[name])
        _compiled = True


def outer(a, b, out):
    """out[i, j] = a[i] * b[j]: one observation's weight gradient (NumPy's broadcast is 7x slower)."""
    if ready():
        _outer_jit(a, b, out)
    else:
        np.multiply(a[:, None], b[None, :], out=out)


def _outer_jit(a, b, out):
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


def _commit(p, change, bad):
    """Add the change to the parameters only if every entry of it is sound; say whether."""
    if bad:
        return False
    for i in range(p.size):
        p[i] += change[i]
    return True


def _sgd(p, grad, change, wd, neg_lr):
    """change = -lr * (grad + wd*p)."""
    bad = False
    for i in range(p.size):
        c = (p[i] * wd + grad[i]) * neg_lr
        change[i] = c
        bad |= not abs(c) < LIMIT  # NaN compares false
    return _commit(p, change, bad)


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
    return _commit(p, change, bad)


def _rmsprop(p, grad, change, sq, new_sq, buf, new_buf, wd, neg_lr, alpha, one_minus_alpha, eps,
             momentum):
    """s = alpha*s + (1-alpha)*g^2;  change = -lr * g / (sqrt(s) + eps); with momentum, of
    buf = momentum*buf + g / (sqrt(s) + eps) instead."""
    bad = False
    for i in range(p.size):
        g = p[i] * wd + grad[i]
        s = sq[i] * alpha + (g * g) * one_minus_alpha
        new_sq[i] = s
        d = g / (np.sqrt(s) + eps)
        if momentum != 0:
            d = buf[i] * momentum + d
            new_buf[i] = d
        c = d * neg_lr
        change[i] = c
        bad |= not abs(c) < LIMIT  # NaN compares false
    return _commit(p, change, bad)


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
    return _commit(p, change, bad)


# The Python loops; _load() binds each compiled loop to its name (the optimizers' loops call the
# compiled `_commit`).
_SOURCES = {"_commit": _commit, "_outer_jit": _outer_jit, "masked_mse": _masked_mse, "sgd": _sgd,
            "sgd_momentum": _sgd_momentum, "rmsprop": _rmsprop, "adam": _adam}
masked_mse = sgd = sgd_momentum = rmsprop = adam = None  # until ready()


def warm_up(dtype=np.float32):
    """Compile (or load from the cache) every loop for `dtype` now, while nobody is waiting.

    Numba leaves some 100,000 long-lived objects behind; freezing them out of the garbage
    collector's sight keeps every later collection as cheap as before (50 ms -> 6 ms a pass)."""
    if not ready():
        return
    f = np.dtype(dtype).type
    v = np.ones(4, dtype)
    w = [np.ones(4, dtype) for _ in range(5)]
    sgd(v.copy(), v, w[0], f(0), f(-0.1))
    sgd_momentum(v.copy(), v, w[0], w[1], w[2], f(0), f(-0.1), f(0.9), f(1), False, False)
    rmsprop(v.copy(), v, w[0], w[1], w[2], w[3], w[4], f(0), f(-0.1), f(0.99), f(0.01), f(1e-8),
            f(0.9))
    adam(v.copy(), v, w[0], w[1], w[2], w[3], w[4], f(0), f(0.9), f(0.1), f(0.999), f(0.001),
         f(1), f(1e-8), f(-0.1))
    m = v[None, :]
    outer(v, v, np.empty((4, 4), dtype))
    masked_mse(m, m, m > 0, np.empty_like(m), np.empty(1))
    gc.freeze()  # no collection here: this may run in a worker thread, and Qt objects must not die there
