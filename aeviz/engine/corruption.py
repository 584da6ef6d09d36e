"""Input corruption for the denoising autoencoder: the network sees a damaged row, the loss the clean one.

The Trainer feeds `corrupt(x, mask, rng)` forward and keeps the clean `x` (with its full mask) as the
target, so with masking noise the hidden ratings still count in the loss: the network is trained to
predict ratings it was not shown, which is exactly the recommender's task.
"""
from __future__ import annotations

import numpy as np


class Corruption:
    name = "corruption"

    def corrupt(self, x: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def describe(self) -> str:
        return self.name


class MaskingNoise(Corruption):
    """Hide each rated entry with probability `level` (set it to 0, "not rated")."""

    name = "masking noise"

    def __init__(self, level: float = 0.2):
        if not 0 <= level < 1:
            raise ValueError("the masking noise level is the fraction of ratings hidden, in [0, 1)")
        self.level = float(level)

    def corrupt(self, x, mask, rng):
        hide = mask & (rng.random(x.shape) < self.level)
        return np.where(hide, 0, x).astype(x.dtype, copy=False)

    def describe(self):
        return f"masking noise (hides {self.level:.0%} of the ratings)"


class GaussianNoise(Corruption):
    """Add N(0, level^2) to each rated entry (in rating units); unrated zeros stay zero."""

    name = "gaussian noise"

    def __init__(self, level: float = 0.2):
        if not (np.isfinite(level) and level >= 0):
            raise ValueError("the gaussian noise level is a standard deviation: zero or positive")
        self.level = float(level)

    def corrupt(self, x, mask, rng):
        noise = rng.normal(0.0, self.level, size=x.shape)
        return np.where(mask, x + noise, x).astype(x.dtype, copy=False)

    def describe(self):
        return f"gaussian noise (sd {self.level:g} on rated entries)"


NOISES = {"mask": MaskingNoise, "gaussian": GaussianNoise}


def make_corruption(kind: str, level: float) -> Corruption:
    try:
        return NOISES[kind](level)
    except KeyError:
        raise ValueError(f"unknown noise {kind!r}; choose one of {', '.join(NOISES)}") from None
