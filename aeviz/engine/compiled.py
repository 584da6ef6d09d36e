"""The engine's compiled loops (Numba). Imported only through `kernels.ready()`, never with the
engine: importing this module imports Numba (about 0.3 s) and compiles nothing yet.

Each loop compiles at its first call for the dtypes it is given (`cache=True` keeps the machine
code on disk for the next start). No fast-math: results must match NumPy's bit for bit; NumPy's
error model lets the loops vectorise.

The optimizer loops walk the parameters once, applying a rule of `rules.py` (compiled inline) to
each, write the proposed state into spare buffers and the change into `change`, check that every
change is a finite number below LIMIT (a larger step is divergence by any standard), and only
then add the change to the parameters; they return whether they did. The check is a boolean OR
inside the loop: it costs nothing, where a floating-point sum would forbid SIMD lanes. Each loop
is written once per number of state buffers (0, 1 or 2) and compiled once per rule (STEPS): a
loop cannot take the rule as an argument and still be cached on disk.
"""
from __future__ import annotations

import types

import numba

from . import rules

LIMIT = 1e19
_jit = numba.njit(cache=True, nogil=True, boundscheck=False, error_model="numpy")
_inline = numba.njit(inline="always", cache=True, error_model="numpy")


@_jit
def _commit(p, change, bad):
    """Add the change to the parameters only if every entry of it is sound; say whether."""
    if bad:
        return False
    for i in range(p.size):
        p[i] += change[i]
    return True


@_inline
def _scalars(h):
    """The coefficients array as the tuple of rules.COEFFICIENTS scalars a rule unpacks, read
    once before the loop (read inside it, they could alias the outputs and stop vectorising)."""
    return h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]


# The loops, written once each; `_rule` is bound per rule by _instance() below.
_rule = None
def _step0(p, grad, change, zero, h):
    """A rule that keeps no state (SGD without momentum)."""
    h = _scalars(h)
    bad = False
    for i in range(p.size):
        c, _, _ = _rule(p[i], grad[i], zero, zero, h)
        change[i] = c
        bad |= not abs(c) < LIMIT  # NaN compares false
    return _commit(p, change, bad)


def _step1(p, grad, change, s1, new_s1, zero, h):
    """A rule with one state buffer (SGD with momentum, RMSprop without)."""
    h = _scalars(h)
    bad = False
    for i in range(p.size):
        c, a, _ = _rule(p[i], grad[i], s1[i], zero, h)
        new_s1[i] = a
        change[i] = c
        bad |= not abs(c) < LIMIT
    return _commit(p, change, bad)


def _step2(p, grad, change, s1, new_s1, s2, new_s2, h):
    """A rule with two state buffers (RMSprop with momentum, Adam)."""
    h = _scalars(h)
    bad = False
    for i in range(p.size):
        c, a, b = _rule(p[i], grad[i], s1[i], s2[i], h)
        new_s1[i] = a
        new_s2[i] = b
        change[i] = c
        bad |= not abs(c) < LIMIT
    return _commit(p, change, bad)


def _instance(loop, rule):
    """`loop` with `rule` compiled into it, under a name of its own (the on-disk cache is keyed
    by name: one entry per rule and loop). A branch on the rule inside one shared loop would
    cost 60% more per step: it keeps the loop from vectorising (measured)."""
    name = f"{loop.__name__}_{rule.__name__}"
    fn = types.FunctionType(loop.__code__, {**globals(), "_rule": _inline(rule)}, name)
    fn.__qualname__ = name
    return _jit(fn)


# STEPS[rule position in rules.RULES][number of state buffers]: compiled at the first call
STEPS = tuple(tuple(_instance(loop, rule) for loop in (_step0, _step1, _step2)) for rule in rules.RULES)


@_jit
def outer(a, b, out):
    """out[i, j] = a[i] * b[j]."""
    for i in range(a.size):
        ai = a[i]
        for j in range(b.size):
            out[i, j] = ai * b[j]


@_jit
def masked_mse(y, t, mask, grad, per_obs):
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


KERNELS = tuple(loop for steps in STEPS for loop in steps) + (outer, masked_mse)
