"""Activation functions as small objects: value, and derivative expressed through the output.

Expressing f'(a) through z = f(a) (sigmoid: z(1-z), tanh: 1-z^2) is what lets backward reuse the
forward pass's stored values instead of recomputing anything.
"""
from __future__ import annotations

import numpy as np


class Activation:
    """f applied elementwise; `backward` maps dL/dz to dL/da."""

    name = "activation"
    elementwise = True

    def forward(self, a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        raise NotImplementedError

    def derivative(self, a: np.ndarray, z: np.ndarray) -> np.ndarray:
        """dz/da elementwise, from the pre-activation a and the output z."""
        raise NotImplementedError

    def backward(self, a: np.ndarray, z: np.ndarray, grad_z: np.ndarray) -> np.ndarray:
        return grad_z * self.derivative(a, z)

    def formula(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Sigmoid(Activation):
    name = "sigmoid"

    def forward(self, a, out=None):
        # sigmoid(a) = (1 + tanh(a/2)) / 2: four in-place ufunc calls, no overflow for any a.
        out = np.multiply(a, 0.5, out=out)
        np.tanh(out, out=out)
        out *= 0.5
        out += 0.5
        return out

    def derivative(self, a, z):
        return z * (1.0 - z)

    def backward(self, a, z, grad_z):
        d = 1.0 - z
        d *= z
        d *= grad_z
        return d

    def formula(self):
        return "sigmoid(a) = 1 / (1 + e^-a)"


class Tanh(Activation):
    name = "tanh"

    def forward(self, a, out=None):
        return np.tanh(a, out=out)

    def derivative(self, a, z):
        return 1.0 - z * z

    def formula(self):
        return "tanh(a)"


class ReLU(Activation):
    name = "relu"

    def forward(self, a, out=None):
        return np.maximum(a, 0.0, out=out)

    def derivative(self, a, z):
        return (a > 0).astype(a.dtype)

    def formula(self):
        return "relu(a) = max(0, a)"


class Identity(Activation):
    name = "identity"

    def forward(self, a, out=None):
        # The pre-activation is a fresh array nobody else writes to: share it, don't copy it.
        if out is None or out is a:
            return a
        out[...] = a
        return out

    def derivative(self, a, z):
        return np.ones_like(a)

    def backward(self, a, z, grad_z):
        return grad_z

    def formula(self):
        return "identity(a) = a"


class Softmax(Activation):
    """Softmax over the last axis: not elementwise, so backward is a Jacobian-vector product."""

    name = "softmax"
    elementwise = False

    def forward(self, a, out=None):
        shifted = a - a.max(axis=-1, keepdims=True)
        e = np.exp(shifted)
        res = e / e.sum(axis=-1, keepdims=True)
        if out is None:
            return res
        out[...] = res
        return out

    def derivative(self, a, z):
        # Diagonal of the Jacobian only; the full product is in backward.
        return z * (1.0 - z)

    def backward(self, a, z, grad_z):
        return z * (grad_z - np.sum(grad_z * z, axis=-1, keepdims=True))

    def formula(self):
        return "softmax(a)_i = e^a_i / sum_j e^a_j"


ACTIVATIONS: dict[str, type[Activation]] = {
    cls.name: cls for cls in (Sigmoid, Tanh, ReLU, Identity, Softmax)
}
HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "identity")
OUTPUT_ACTIVATIONS = ("identity", "sigmoid", "relu", "tanh", "softmax")


def get_activation(name: str | Activation) -> Activation:
    if isinstance(name, Activation):
        return name
    try:
        return ACTIVATIONS[str(name).lower()]()
    except KeyError:
        raise ValueError(
            f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}"
        ) from None
