"""The learning rate as a function of the epoch: exponential decay (PyTorch's ExponentialLR).

Why: at a fixed step, Adam keeps wandering around the minimum it found, and on MovieLens-100k an
item model's validation RMSE then jumps by +-0.003 from one epoch to the next; a step that shrinks
every epoch lets training settle into the minimum instead (the chosen item-autorec preset: validation
0.8848 against 0.8870 without the decay, benchmarks/tune_autorec.py).
"""
from __future__ import annotations

import math


class ExponentialDecay:
    """lr(epoch) = lr * gamma ** epoch, epoch counted from 0 (the first epoch trains at lr).

    The rule depends on the epoch alone, so going back to an earlier epoch (undo, the best epoch, a
    saved model) goes back to that epoch's step as well."""

    def __init__(self, lr: float, gamma: float = 1.0):
        if not (math.isfinite(lr) and lr > 0):
            raise ValueError("the learning rate must be a positive number")
        if not (math.isfinite(gamma) and 0 < gamma <= 1):
            raise ValueError("the learning-rate decay is a factor per epoch in (0, 1]; 1 = none")
        self.lr = float(lr)
        self.gamma = float(gamma)

    def at(self, epoch: int) -> float:
        return self.lr * self.gamma ** int(epoch)
