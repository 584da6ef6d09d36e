"""A rule of rules.py run on whole arrays without temporaries: the NumPy path of the optimizers.

Called on arrays, a rule would allocate a fresh array for every operation; at the recommender's
69k parameters each is a few hundred kB, which glibc's malloc returns to the system and faults in
again at every step: the rule ran 2-3x slower than the same operations written into preallocated
buffers (measured, benchmarks/engine.py's NumPy path). So the rule is traced once: called with
stand-ins that record each operation, it becomes a list of NumPy ufunc calls writing into a few
buffers kept between steps (a buffer is reused as soon as its value is dead), the last operation
of each result writing straight into its destination. The operations and their order are the
rule's own, so the bits are the same as the rule's (and the compiled loop's).

A rule branches only on whether a coefficient is zero (rules.py says so), so one trace serves
every step whose coefficients are zero in the same places.
"""
from __future__ import annotations

import numpy as np


def _operator(ufunc, reflected=False):
    """`x op y` (or, reflected, `y op x`) on a stand-in: recorded as `ufunc`."""
    def op(self, other):
        return self.trace.record(ufunc, (other, self) if reflected else (self, other))
    return op


class _Value:
    """A stand-in for an array the rule computes with: each arithmetic operation is recorded."""

    def __init__(self, trace, ref):
        self.trace, self.ref = trace, ref

    __add__, __radd__ = _operator(np.add), _operator(np.add, True)
    __sub__, __rsub__ = _operator(np.subtract), _operator(np.subtract, True)
    __mul__, __rmul__ = _operator(np.multiply), _operator(np.multiply, True)
    __truediv__, __rtruediv__ = _operator(np.true_divide), _operator(np.true_divide, True)

    def __neg__(self):
        return self.trace.record(np.negative, (self,))

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__" or kwargs:
            return NotImplemented
        return self.trace.record(ufunc, inputs)

    def __bool__(self):
        raise TypeError("a rule may branch only on whether a coefficient is zero, not on a value")


class _Coefficient:
    """A stand-in for coefficient `index`: it may be tested against zero, and computed with."""

    def __init__(self, index, value):
        self.ref, self.value = ("h", index), value

    def __bool__(self):
        return bool(self.value)

    def __eq__(self, other):
        return self.value == other

    def __ne__(self, other):
        return self.value != other

    __hash__ = None

    def _other(self, other):
        if isinstance(other, _Value):
            return NotImplemented  # the value's own operator records it
        raise TypeError("a rule may not compute with two coefficients: the optimizer combines them")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _other
    __truediv__ = __rtruediv__ = _other


class _Trace:
    def __init__(self):
        self.ops = []  # (ufunc, operand refs, node)

    def record(self, ufunc, operands):
        refs = []
        for x in operands:
            if not isinstance(x, (_Value, _Coefficient)):
                raise TypeError(f"a rule computes only with its arguments, not with {x!r}")
            refs.append(x.ref)
        node = ("node", len(self.ops))
        self.ops.append((ufunc, tuple(refs), node))
        return _Value(self, node)


class Plan:
    """`rule` for arrays of `size` elements of `dtype`, with coefficients zero where `h` is,
    keeping `states` state results (the change is result 0, the states 1 and 2)."""

    def __init__(self, rule, h, states, size, dtype):
        trace = _Trace()
        args = [_Value(trace, ("in", k)) for k in range(4)]
        results = rule(*args, tuple(_Coefficient(i, v) for i, v in enumerate(h)))
        self._results = [r.ref for r in results][:1 + states]
        last_use = {}
        for k, (_, refs, _) in enumerate(trace.ops):
            for r in refs:
                last_use[r] = k
        # a result computed here is written straight into its destination; one that is an
        # argument, or the same value as an earlier result, is copied there at the end
        home, self._copies = {}, []
        for pos, ref in enumerate(self._results):
            if ref[0] == "node" and ref not in home:
                home[ref] = ("out", pos)
            else:
                self._copies.append((pos, ref))
        # a value that dies in the operation computing a result is computed in that result's
        # destination too (`m*b1 + ...` accumulates in the new m, as hand-written NumPy would):
        # fewer buffers touched per step is what made the hand-written path fast
        for ufunc, refs, node in reversed(trace.ops):
            if home.get(node, ("",))[0] == "out":
                for r in refs:
                    if r[0] == "node" and r not in home and last_use[r] == trace.ops.index(
                            (ufunc, refs, node)):
                        home[r] = home[node]
                        break
        free, count, steps = [], 0, []
        for k, (ufunc, refs, node) in enumerate(trace.ops):
            for r in set(refs):  # dead after this operation: its buffer may take the result
                if last_use[r] == k and home.get(r, ("",))[0] == "tmp":
                    free.append(home[r])
            if node not in home:
                if free:
                    home[node] = free.pop()
                else:
                    home[node], count = ("tmp", count), count + 1
            steps.append((ufunc, [home.get(r, r) for r in refs], home[node]))
        # every operand as an index into one list of the call's arrays and coefficients
        first = {"in": 0, "h": 4, "tmp": 4 + len(h), "out": 4 + len(h) + count}
        index = lambda ref: first[ref[0]] + ref[1]  # noqa: E731
        self._steps = [(ufunc, *[index(r) for r in refs], index(out)) for ufunc, refs, out in steps]
        self._copies = [(pos, index(home.get(ref, ref))) for pos, ref in self._copies]
        self._scratch = [np.empty(size, dtype) for _ in range(count)]

    def run(self, p, g, states, h, outs):
        """Write the rule's results for parameters `p`, gradients `g` and the 0-2 `states` into
        `outs` (the change, then the state buffers kept), with coefficients `h`."""
        v = [p, g, *states, *(0.0,) * (2 - len(states)), *h, *self._scratch, *outs]
        for step in self._steps:
            if len(step) == 4:
                step[0](v[step[1]], v[step[2]], out=v[step[3]])
            else:
                step[0](v[step[1]], out=v[step[2]])
        for pos, i in self._copies:
            np.copyto(outs[pos], v[i])
