"""The switch between the engine's compiled loops (compiled.py, Numba) and its NumPy calls.

With one user per update, the recommender's step is mostly the optimizer: 69k parameters, and
NumPy walks them once per operation (weight decay, square, average, sqrt, divide, scale...),
about 65 us. A compiled loop walks them once: about 15 us. The same holds, on a smaller scale,
for one observation's outer products (7x) and its masked loss (one call instead of eight).

The loops compute exactly what the NumPy code computes (the optimizers' rules are the same
functions, rules.py; the outer product and the loss are written operation for operation in the
same order), so both paths give the same numbers (tests/test_engine_kernels.py compares them bit
for bit). Without Numba, or with the environment variable AEVIZ_JIT=0, the NumPy calls run.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import threading
import warnings

import numpy as np

# The switch: off without Numba or with AEVIZ_JIT=0 (tests and benchmarks flip it too).
enabled = os.environ.get("AEVIZ_JIT", "1") != "0" and importlib.util.find_spec("numba") is not None
LIMIT = 1e19  # a change this large (or NaN) is refused: compiled.LIMIT is the same number
_compiled = None  # None: not imported yet; then the compiled module, or False if Numba is broken
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
            importlib.import_module("numba")  # first: a module cached from an earlier import proves nothing
            module = importlib.import_module(".compiled", __package__)
        except Exception as exc:  # installed but broken, e.g. built for another NumPy
            warnings.warn(f"aeviz: Numba could not be imported ({exc}); training uses NumPy only",
                          RuntimeWarning, stacklevel=3)
            _compiled = False
            return
        _compiled = module


def compiled():
    """The compiled module (after `ready()` said True)."""
    return _compiled


def optimizer_step(kind, params, grads, change, states, spares, h, zero) -> bool:
    """One compiled optimizer step with rule `rules.RULES[kind]` and its 0-2 state buffers
    (`states` read, `spares` written); True if the change was sound and applied."""
    loop = _compiled.STEPS[kind][len(states)]
    if not states:
        return loop(params, grads, change, zero, h)
    if len(states) == 1:
        return loop(params, grads, change, states[0], spares[0], zero, h)
    return loop(params, grads, change, states[0], spares[0], states[1], spares[1], h)


def outer(a, b, out):
    """out[i, j] = a[i] * b[j]: one observation's weight gradient (NumPy's broadcast is 7x slower)."""
    if ready():
        _compiled.outer(a, b, out)
    else:
        np.multiply(a[:, None], b[None, :], out=out)


def masked_mse(y, t, mask, grad, per_obs):
    """The masked MSE's compiled loop (losses.MaskedMSE calls it after `ready()`)."""
    _compiled.masked_mse(y, t, mask, grad, per_obs)


def warm_up(dtype=np.float32):
    """Compile (or load from the cache) every loop for `dtype` now, while nobody is waiting: the
    loops each optimizer uses (with and without momentum), the outer product and the loss.

    Numba leaves some 100,000 long-lived objects behind: the caller may want to `gc.freeze()`
    them out of the collector's sight afterwards (the app's worker does)."""
    if not ready():
        return
    from .optimizers import OPTIMIZERS  # here: optimizers.py imports this module
    v = np.ones(4, dtype)
    for cls in OPTIMIZERS.values():
        for hyper in ({}, {"momentum": 0.9}):
            if set(hyper) <= set(cls.defaults):
                cls(4, dtype=dtype, **hyper).step(v.copy(), v)
    m = v[None, :]
    outer(v, v, np.empty((4, 4), dtype))
    masked_mse(m, m, m > 0, np.empty_like(m), np.empty(1))
