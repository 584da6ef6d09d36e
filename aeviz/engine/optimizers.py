"""Optimizers with PyTorch's names, defaults and update rules, on one flat parameter vector.

Each step writes the proposed new state into spare buffers and the change into `self.change`,
checks that the change is finite, and only then commits (a buffer swap, not a copy). A step that
would put NaN or infinity into the network is refused with the network and the optimizer
exactly as they were, which is what makes divergence recoverable.

Each rule is written once, for one parameter, in `rules.py`: the NumPy path here runs it on whole
arrays (traced once into NumPy calls on preallocated buffers, vectorised.py), the compiled path
(kernels.py, when Numba is there: five times faster) compiles it into one loop, and `preview()`
calls it for one parameter (the Math inspector). A class here only turns its hyperparameters
into the rule's coefficients and names the state buffers it keeps.
"""
from __future__ import annotations

import math

import numpy as np

from . import kernels, rules, vectorised


class NonFiniteStep(ArithmeticError):
    """The update would have written NaN or infinity; nothing was changed."""


class Optimizer:
    name = "optimizer"
    defaults: dict = {}
    use_kernels = True  # the fused loops of kernels.py when Numba is there; False: NumPy calls

    def __init__(self, size: int, dtype=np.float32, **hyper):
        unknown = set(hyper) - set(self.defaults)
        if unknown:
            raise ValueError(f"{self.name} has no setting {', '.join(sorted(unknown))}")
        self.hyper = {**self.defaults, **{k: v for k, v in hyper.items() if v is not None}}
        self._validate()
        self.dtype = np.dtype(dtype)
        self.size = int(size)
        self.t = 0
        self.change = np.zeros(self.size, dtype=self.dtype)
        self._state: dict[str, np.ndarray] = {}
        self._spare: dict[str, np.ndarray] = {}
        self._plans: dict[tuple, vectorised.Plan] = {}

    def _validate(self):
        lr = self.hyper.get("lr")
        if lr is not None and not (np.isfinite(lr) and lr > 0):
            raise ValueError(f"learning rate must be a positive number, got {lr}")
        for key in ("momentum", "weight_decay", "eps"):
            v = self.hyper.get(key)
            if v is not None and not (np.isfinite(v) and v >= 0):
                raise ValueError(f"{key} must be a non-negative number, got {v}")

    def _buffer(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        if key not in self._state:
            self._state[key] = np.zeros(self.size, dtype=self.dtype)
            self._spare[key] = np.zeros(self.size, dtype=self.dtype)
        return self._state[key], self._spare[key]

    def step(self, params: np.ndarray, grads: np.ndarray) -> np.ndarray:
        """Apply one update in place; return the change applied to every parameter."""
        keys = self.state_keys()
        states = [self._buffer(k)[0] for k in keys]
        spares = [self._spare[k] for k in keys]
        h = self.coefficients()
        if self._can_fuse(params, grads):  # adds the change if it is sound
            committed = kernels.optimizer_step(rules.RULES.index(self.rule), params, grads,
                                               self.change, states, spares, h, self._zero)
        else:  # the same rule as NumPy calls on whole arrays (vectorised.py)
            h = h.tolist()  # the same numbers as Python floats: NumPy takes them faster
            self._plan(h, len(keys)).run(params, grads, states, h, [self.change, *spares])
            # NaN and inf propagate through a dot product (BLAS: a fraction of a sum's cost); it
            # also overflows when some change exceeds ~1e19, which is divergence by any standard.
            committed = bool(np.isfinite(np.dot(self.change, self.change)))
            if committed:
                params += self.change
        if not committed:
            raise NonFiniteStep(int(np.argmax(~(np.abs(self.change) < kernels.LIMIT))))
        for key in keys:
            self._state[key], self._spare[key] = self._spare[key], self._state[key]
        self.t += 1
        return self.change

    def _plan(self, h, states: int) -> vectorised.Plan:
        """The rule traced for coefficients zero where `h` is (one trace per pattern)."""
        key = (tuple(map(bool, h)), states)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = vectorised.Plan(self.rule, h, states, self.size, self.dtype)
        return plan

    def _can_fuse(self, params, grads) -> bool:
        return (self.use_kernels and kernels.ready() and params.dtype == grads.dtype == self.dtype
                and params.ndim == grads.ndim == 1 and params.flags.c_contiguous
                and grads.flags.c_contiguous)

    # the rule and what it needs
    rule = None  # a function of rules.py, in rules.RULES

    def state_keys(self) -> tuple[str, ...]:
        """The state buffers the rule keeps with these settings (its s1, s2), in order."""
        return ()

    def coefficients(self) -> np.ndarray:
        """The rule's rules.COEFFICIENTS numbers for the next step, in this optimizer's dtype."""
        raise NotImplementedError

    def _coefficients(self, *values) -> np.ndarray:
        # one array call: a tuple of eight NumPy scalars cost more than the rest of a step's
        # Python (8 us of an 80 us compiled step, measured)
        return np.array(values + (0.0,) * (rules.COEFFICIENTS - len(values)), dtype=self.dtype)

    @property
    def _zero(self):
        return self.dtype.type(0.0)

    # read-only views for the Math inspector
    def state_at(self, index: int) -> dict[str, float]:
        """Parameter `index`'s state values (zero before the first step), by buffer name."""
        return {k: float(self._state[k][index]) if k in self._state else 0.0 for k in self.state_keys()}

    def preview(self, index: int, param: float, grad: float) -> dict:
        """What the next step would do to parameter `index` (value `param`) given gradient `grad`:
        {"change", "state": the state after it}, by the very rule the step runs."""
        f, keys = self.dtype.type, self.state_keys()
        states = [f(self._state[k][index]) if k in self._state else self._zero for k in keys]
        change, *new = self.rule(f(param), f(grad), *(states + [self._zero] * 2)[:2], self.coefficients())
        return {"change": float(change), "state": {k: float(v) for k, v in zip(keys, new)}}

    def explain(self, state: dict[str, float], t: int) -> dict[str, float]:
        """Derived quantities worth showing beside `state` as it is after step `t` (e.g. Adam's
        bias-corrected averages)."""
        return {}

    # state for saving and undo
    def state_dict(self) -> dict:
        return {"name": self.name, "hyper": dict(self.hyper), "t": self.t,
                "buffers": {k: v.copy() for k, v in self._state.items()}}

    def load_state_dict(self, state: dict):
        if state.get("name") != self.name:
            raise ValueError(f"optimizer state is for {state.get('name')}, not {self.name}")
        self.t = int(state["t"])
        for k, v in state["buffers"].items():
            cur, _ = self._buffer(k)
            if v.shape != cur.shape:
                raise ValueError(f"optimizer buffer {k} has shape {v.shape}, expected {cur.shape}")
            cur[...] = v

    def reset(self):
        self.t = 0
        for v in self._state.values():
            v.fill(0.0)
        self.change.fill(0.0)

    def describe(self) -> str:
        return f"{self.name}(" + ", ".join(f"{k}={v}" for k, v in self.hyper.items()) + ")"

    def formula(self) -> str:
        return ""


class SGD(Optimizer):
    """p -= lr * g, or with momentum: buf = momentum*buf + (1-dampening)*g (buf = g at the first step)."""

    name = "sgd"
    defaults = {"lr": 0.01, "momentum": 0.0, "dampening": 0.0, "weight_decay": 0.0, "nesterov": False}
    rule = staticmethod(rules.sgd)

    def state_keys(self):
        return ("momentum_buffer",) if self.hyper["momentum"] else ()

    def coefficients(self):
        h = self.hyper
        first = self.t == 0 or not h["momentum"]
        return self._coefficients(h["weight_decay"], -h["lr"], h["momentum"], 1.0 - h["dampening"],
                                  float(first), float(bool(h["nesterov"])))

    def formula(self):
        if self.hyper["momentum"]:
            return "v = momentum*v + g;  w -= lr * v"
        return "w -= lr * g"


class RMSprop(Optimizer):
    """square_avg = alpha*square_avg + (1-alpha)*g^2;  p -= lr * g / (sqrt(square_avg) + eps)."""

    name = "rmsprop"
    defaults = {"lr": 0.01, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0, "momentum": 0.0}
    rule = staticmethod(rules.rmsprop)

    def state_keys(self):
        return ("square_avg", "momentum_buffer") if self.hyper["momentum"] else ("square_avg",)

    def coefficients(self):
        h = self.hyper
        return self._coefficients(h["weight_decay"], -h["lr"], h["alpha"], 1.0 - h["alpha"], h["eps"],
                                  h["momentum"])

    def formula(self):
        return "s = alpha*s + (1-alpha)*g^2;  w -= lr * g / (sqrt(s) + eps)"


class Adam(Optimizer):
    """m, v moving averages of g and g^2, bias-corrected; p -= lr*m_hat/(sqrt(v_hat)+eps)."""

    name = "adam"
    defaults = {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0}
    rule = staticmethod(rules.adam)

    def _validate(self):
        super()._validate()
        b1, b2 = self.hyper["betas"]
        if not (0 <= b1 < 1 and 0 <= b2 < 1):
            raise ValueError(f"Adam betas must lie in [0, 1), got {self.hyper['betas']}")

    def state_keys(self):
        return ("exp_avg", "exp_avg_sq")

    def coefficients(self):
        h = self.hyper
        b1, b2 = h["betas"]
        t = self.t + 1
        bc1, bc2 = 1.0 - b1**t, 1.0 - b2**t
        return self._coefficients(h["weight_decay"], b1, 1.0 - b1, b2, 1.0 - b2, 1.0 / math.sqrt(bc2),
                                  h["eps"], -h["lr"] / bc1)

    def explain(self, state, t):
        """The bias-corrected averages m_hat, v_hat."""
        b1, b2 = self.hyper["betas"]
        t = max(t, 1)
        return {"m_hat": state.get("exp_avg", 0.0) / (1 - b1 ** t),
                "v_hat": state.get("exp_avg_sq", 0.0) / (1 - b2 ** t)}

    def formula(self):
        return "m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g^2;  w -= lr * m_hat / (sqrt(v_hat) + eps)"


OPTIMIZERS: dict[str, type[Optimizer]] = {cls.name: cls for cls in (SGD, RMSprop, Adam)}


def make_optimizer(name: str, size: int, dtype=np.float32, **hyper) -> Optimizer:
    try:
        cls = OPTIMIZERS[str(name).lower()]
    except KeyError:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}") from None
    hyper = {k: v for k, v in hyper.items() if k in cls.defaults}
    return cls(size, dtype=dtype, **hyper)
