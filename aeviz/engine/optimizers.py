"""Optimizers with PyTorch's names, defaults and update rules, on one flat parameter vector.

Each step writes the proposed new state into spare buffers and the change into `self.change`,
checks that the change is finite, and only then commits (a buffer swap, not a copy). A step that
would put NaN or infinity into the network is refused with the network and the optimizer
exactly as they were, which is what makes divergence recoverable.

Each rule is written twice on purpose: as NumPy calls here (the readable reference, and the
fallback) and as one fused loop in `kernels.py` (five times faster; the tests hold them equal).
"""
from __future__ import annotations

import math

import numpy as np

from . import kernels


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
        self._g = np.zeros(self.size, dtype=self.dtype)
        self._tmp = np.zeros(self.size, dtype=self.dtype)
        self._state: dict[str, np.ndarray] = {}
        self._spare: dict[str, np.ndarray] = {}

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

    def _effective_grad(self, params, grads) -> np.ndarray:
        wd = self.hyper.get("weight_decay", 0.0)
        if wd:
            np.multiply(params, wd, out=self._g)
            self._g += grads
            return self._g
        return grads

    def step(self, params: np.ndarray, grads: np.ndarray) -> np.ndarray:
        """Apply one update in place; return the change applied to every parameter."""
        if self._can_fuse(params, grads):
            new_keys, committed = self._fused(params, grads)  # adds the change if it is sound
        else:
            new_keys = self._propose(params, grads)  # writes self.change and spare buffers
            # NaN and inf propagate through a dot product (BLAS: a fraction of a sum's cost); it
            # also overflows when some change exceeds ~1e19, which is divergence by any standard.
            committed = bool(np.isfinite(np.dot(self.change, self.change)))
            if committed:
                params += self.change
        if not committed:
            raise NonFiniteStep(int(np.argmax(~(np.abs(self.change) < kernels.LIMIT))))
        for key in new_keys:
            self._state[key], self._spare[key] = self._spare[key], self._state[key]
        self.t += 1
        return self.change

    def _propose(self, params, grads) -> list[str]:
        raise NotImplementedError

    def _fused(self, params, grads) -> tuple[list[str], bool]:
        """The same step as one compiled loop: (state keys written, whether it was applied)."""
        raise NotImplementedError

    def _can_fuse(self, params, grads) -> bool:
        return (self.use_kernels and kernels.ready() and params.dtype == grads.dtype == self.dtype
                and params.ndim == grads.ndim == 1 and params.flags.c_contiguous
                and grads.flags.c_contiguous)

    def _scalar(self, value):
        return self.dtype.type(value)

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

    def _propose(self, params, grads):
        h = self.hyper
        g = self._effective_grad(params, grads)
        if h["momentum"]:
            buf, new = self._buffer("momentum_buffer")
            if self.t == 0:
                new[...] = g
            else:
                np.multiply(buf, h["momentum"], out=new)
                new += (1.0 - h["dampening"]) * g
            direction = g + h["momentum"] * new if h["nesterov"] else new
            np.multiply(direction, -h["lr"], out=self.change)
            return ["momentum_buffer"]
        np.multiply(g, -h["lr"], out=self.change)
        return []

    def _fused(self, params, grads):
        h, f = self.hyper, self._scalar
        wd, neg_lr = f(h["weight_decay"]), f(-h["lr"])
        if not h["momentum"]:
            return [], kernels.sgd(params, grads, self.change, wd, neg_lr)
        buf, new = self._buffer("momentum_buffer")
        committed = kernels.sgd_momentum(params, grads, self.change, buf, new, wd, neg_lr,
                                         f(h["momentum"]), f(1.0 - h["dampening"]), self.t == 0,
                                         bool(h["nesterov"]))
        return ["momentum_buffer"], committed

    def formula(self):
        if self.hyper["momentum"]:
            return "v = momentum*v + g;  w -= lr * v"
        return "w -= lr * g"


class RMSprop(Optimizer):
    """square_avg = alpha*square_avg + (1-alpha)*g^2;  p -= lr * g / (sqrt(square_avg) + eps)."""

    name = "rmsprop"
    defaults = {"lr": 0.01, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0, "momentum": 0.0}

    def _propose(self, params, grads):
        h = self.hyper
        g = self._effective_grad(params, grads)
        sq, new_sq = self._buffer("square_avg")
        np.multiply(g, g, out=self._tmp)
        self._tmp *= 1.0 - h["alpha"]
        np.multiply(sq, h["alpha"], out=new_sq)
        new_sq += self._tmp
        np.sqrt(new_sq, out=self._tmp)
        self._tmp += h["eps"]
        keys = ["square_avg"]
        if h["momentum"]:
            buf, new_buf = self._buffer("momentum_buffer")
            np.divide(g, self._tmp, out=self._tmp)
            np.multiply(buf, h["momentum"], out=new_buf)
            new_buf += self._tmp
            np.multiply(new_buf, -h["lr"], out=self.change)
            keys.append("momentum_buffer")
        else:
            np.divide(g, self._tmp, out=self.change)
            self.change *= -h["lr"]
        return keys

    def _fused(self, params, grads):
        h, f = self.hyper, self._scalar
        sq, new_sq = self._buffer("square_avg")
        keys = ["square_avg"]
        if h["momentum"]:
            buf, new_buf = self._buffer("momentum_buffer")
            keys.append("momentum_buffer")
        else:
            buf = new_buf = self._tmp  # neither read nor written without momentum
        committed = kernels.rmsprop(params, grads, self.change, sq, new_sq, buf, new_buf,
                                    f(h["weight_decay"]), f(-h["lr"]), f(h["alpha"]),
                                    f(1.0 - h["alpha"]), f(h["eps"]), f(h["momentum"]))
        return keys, committed

    def formula(self):
        return "s = alpha*s + (1-alpha)*g^2;  w -= lr * g / (sqrt(s) + eps)"


class Adam(Optimizer):
    """m, v moving averages of g and g^2, bias-corrected; p -= lr*m_hat/(sqrt(v_hat)+eps)."""

    name = "adam"
    defaults = {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0}

    def _validate(self):
        super()._validate()
        b1, b2 = self.hyper["betas"]
        if not (0 <= b1 < 1 and 0 <= b2 < 1):
            raise ValueError(f"Adam betas must lie in [0, 1), got {self.hyper['betas']}")

    def _propose(self, params, grads):
        h = self.hyper
        b1, b2 = h["betas"]
        g = self._effective_grad(params, grads)
        m, new_m = self._buffer("exp_avg")
        v, new_v = self._buffer("exp_avg_sq")
        np.multiply(m, b1, out=new_m)
        np.multiply(g, 1.0 - b1, out=self._tmp)
        new_m += self._tmp
        np.multiply(g, g, out=self._tmp)
        self._tmp *= 1.0 - b2
        np.multiply(v, b2, out=new_v)
        new_v += self._tmp
        t = self.t + 1
        bc1 = 1.0 - b1**t
        bc2 = 1.0 - b2**t
        np.sqrt(new_v, out=self._tmp)
        self._tmp *= 1.0 / math.sqrt(bc2)  # a Python float: the arithmetic stays in float32
        self._tmp += h["eps"]
        np.divide(new_m, self._tmp, out=self.change)
        self.change *= -h["lr"] / bc1
        return ["exp_avg", "exp_avg_sq"]

    def _fused(self, params, grads):
        h, f = self.hyper, self._scalar
        b1, b2 = h["betas"]
        m, new_m = self._buffer("exp_avg")
        v, new_v = self._buffer("exp_avg_sq")
        t = self.t + 1
        bc1, bc2 = 1.0 - b1**t, 1.0 - b2**t
        committed = kernels.adam(params, grads, self.change, m, new_m, v, new_v, f(h["weight_decay"]),
                             f(b1), f(1.0 - b1), f(b2), f(1.0 - b2), f(1.0 / math.sqrt(bc2)),
                             f(h["eps"]), f(-h["lr"] / bc1))
        return ["exp_avg", "exp_avg_sq"], committed

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
