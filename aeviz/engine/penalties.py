"""Regularising penalties added to the reconstruction loss (sparse, contractive, ...).

A penalty sees the forward trace of a batch and contributes three things: its value (reported
apart from the reconstruction error in the history), an extra dL/dh for hidden layers (joins the
backward pass, as sparsity does), and direct parameter gradients added after backward (as the
contractive penalty's do). Each is gradient-checked against finite differences.
"""
from __future__ import annotations

import numpy as np


class Penalty:
    name = "penalty"

    def value(self, network, trace) -> float:
        raise NotImplementedError

    def hidden_gradients(self, network, trace) -> dict[int, np.ndarray]:
        """{hidden layer l (1-based): dP/dh_l with shape (B, size)}; mean-over-batch convention."""
        return {}

    def add_parameter_gradients(self, network, trace, scale: float = 1.0) -> None:
        """Add dP/dparams (times scale) to network.grads, for penalties that depend on weights."""

    def describe(self) -> str:
        return self.name
