"""Losses on rating data: only rated entries count (the mask), each observation weighs the same.

A batch's loss is the mean over its observations of each observation's own loss, so summing
per-observation gradients divided by the batch size gives exactly the batch gradient: stepping
one user at a time and running a whole batch at once agree.
"""
from __future__ import annotations

import numpy as np

from . import kernels


def _plain_2d(y, t, mask) -> bool:
    """Arrays a compiled kernel takes as they are: 2-D, same shape, float y and t, bool mask."""
    return (y.ndim == 2 and y.dtype.kind == "f" and t.dtype == y.dtype and mask.dtype == bool
            and y.shape == t.shape == mask.shape)


def _rated_counts(mask: np.ndarray) -> np.ndarray:
    return mask.sum(axis=-1, dtype=np.float64)


class Loss:
    """value(y, t, mask) per observation; gradient(y, t, mask) is d(mean loss)/dy."""

    name = "loss"
    label = "loss"

    def per_observation(self, y, t, mask) -> np.ndarray:
        raise NotImplementedError

    def value(self, y, t, mask) -> float:
        y2, t2, m2 = np.atleast_2d(y), np.atleast_2d(t), np.atleast_2d(mask)
        return float(np.mean(self.per_observation(y2, t2, m2)))

    def gradient(self, y, t, mask) -> np.ndarray:
        raise NotImplementedError

    def value_and_gradient(self, y, t, mask) -> tuple[np.ndarray, np.ndarray]:
        """Per-observation values (B,) and d(mean)/dy, for 2-D y (B, n): one call per step."""
        return self.per_observation(y, t, mask), self.gradient(y, t, mask)

    def formula(self) -> str:
        return self.name


class MaskedMSE(Loss):
    """Mean squared error over the rated entries of each observation (the recommender's loss)."""

    name = "mse"
    label = "MSE (rated only)"

    def per_observation(self, y, t, mask):
        diff = np.where(mask, y - t, 0.0)
        n = _rated_counts(mask)
        return np.einsum("...i,...i->...", diff, diff, dtype=np.float64) / np.maximum(n, 1.0)

    def gradient(self, y, t, mask):
        y2 = np.atleast_2d(y)
        n = np.maximum(_rated_counts(np.atleast_2d(mask)), 1.0).astype(y2.dtype)
        scale = (2.0 / (n * y2.shape[0]))[:, None]
        g = np.where(np.atleast_2d(mask), (y2 - np.atleast_2d(t)) * scale, 0.0).astype(y2.dtype)
        return g.reshape(np.shape(y))

    def value_and_gradient(self, y, t, mask):
        if _plain_2d(y, t, mask) and kernels.ready():  # one compiled loop instead of ~8 calls
            grad = np.empty_like(y)
            per_obs = np.empty(y.shape[0])
            kernels.masked_mse(y, t, mask, grad, per_obs)
            return per_obs, grad
        diff = y - t
        diff *= mask
        n = np.maximum(mask.sum(axis=-1), 1)
        per_obs = np.einsum("ij,ij->i", diff, diff) / n
        diff *= (2.0 / (n * y.shape[0])).astype(y.dtype)[:, None]
        return per_obs.astype(np.float64), diff

    def formula(self):
        return "L = (1/|R|) * sum_{i in R} (y_i - x_i)^2, R = rated movies"


class ReconstructionError(Loss):
    """The seed's d(x, y) = ||x - y||, over rated entries."""

    name = "distance"
    label = "d(x, y) = ||x - y||"

    def per_observation(self, y, t, mask):
        diff = np.where(mask, y - t, 0.0)
        return np.sqrt(np.einsum("...i,...i->...", diff, diff, dtype=np.float64))

    def gradient(self, y, t, mask):
        y2 = np.atleast_2d(y)
        diff = np.where(np.atleast_2d(mask), y2 - np.atleast_2d(t), 0.0)
        norm = np.sqrt(np.einsum("ij,ij->i", diff, diff))
        safe = np.where(norm > 0, norm, 1.0)
        g = (diff / (safe[:, None] * y2.shape[0])).astype(y2.dtype)
        return g.reshape(np.shape(y))

    def formula(self):
        return "d(x, y) = ||x - y|| = sqrt(sum_{i in R} (x_i - y_i)^2)"


class BinaryCrossEntropy(Loss):
    """For 0/1 like/dislike data: outputs are probabilities (pair with a sigmoid output)."""

    name = "bce"
    label = "binary cross-entropy"
    eps = 1e-7

    def per_observation(self, y, t, mask):
        p = np.clip(y, self.eps, 1.0 - self.eps)
        terms = -(t * np.log(p) + (1.0 - t) * np.log(1.0 - p))
        terms = np.where(mask, terms, 0.0)
        return terms.sum(axis=-1, dtype=np.float64) / np.maximum(_rated_counts(mask), 1.0)

    def gradient(self, y, t, mask):
        y2 = np.atleast_2d(y)
        t2 = np.atleast_2d(t)
        m2 = np.atleast_2d(mask)
        p = np.clip(y2, self.eps, 1.0 - self.eps)
        n = np.maximum(_rated_counts(m2), 1.0)[:, None] * y2.shape[0]
        g = np.where(m2, (p - t2) / (p * (1.0 - p)) / n, 0.0)
        # Outside the clip range the loss is flat in y.
        g = np.where((y2 > self.eps) & (y2 < 1.0 - self.eps), g, 0.0).astype(y2.dtype)
        return g.reshape(np.shape(y))

    def formula(self):
        return "L = -(1/|R|) sum_{i in R} [x_i log y_i + (1 - x_i) log(1 - y_i)]"


class CrossEntropy(Loss):
    """Categorical cross-entropy for a softmax output and a one-hot target (the seed's 4-2-4)."""

    name = "cross_entropy"
    label = "cross-entropy"
    eps = 1e-12

    def per_observation(self, y, t, mask):
        terms = np.where(mask, -t * np.log(np.maximum(y, self.eps)), 0.0)
        return terms.sum(axis=-1, dtype=np.float64)

    def gradient(self, y, t, mask):
        y2 = np.atleast_2d(y)
        g = np.where(np.atleast_2d(mask), -np.atleast_2d(t) / np.maximum(y2, self.eps), 0.0)
        g = (g / y2.shape[0]).astype(y2.dtype)
        return g.reshape(np.shape(y))

    def formula(self):
        return "L = -sum_i x_i log y_i"


class Multinomial(Loss):
    """Mult-VAE's multinomial log-likelihood for implicit feedback: the outputs are logits (an
    identity output layer), softmax spreads one unit of probability over all movies, and the
    loss is -sum_i x_i log softmax(y)_i. Computed from the logits, so it never takes log 0."""

    name = "multinomial"
    label = "multinomial log-likelihood (softmax)"

    @staticmethod
    def _log_softmax(y):
        y = np.asarray(y, dtype=np.float64)
        shifted = y - y.max(axis=-1, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))

    def per_observation(self, y, t, mask):
        return -np.where(mask, t * self._log_softmax(y), 0.0).sum(axis=-1)

    def gradient(self, y, t, mask):
        y2, t2 = np.atleast_2d(y), np.where(np.atleast_2d(mask), np.atleast_2d(t), 0.0)
        p = np.exp(self._log_softmax(y2))
        g = (p * t2.sum(axis=-1, keepdims=True) - t2) / y2.shape[0]
        return g.astype(y2.dtype).reshape(np.shape(y))

    def formula(self):
        return "L = -sum_i x_i log softmax(y)_i"


LOSSES: dict[str, type[Loss]] = {
    cls.name: cls for cls in (MaskedMSE, ReconstructionError, BinaryCrossEntropy, CrossEntropy,
                              Multinomial)
}


def get_loss(name: str | Loss) -> Loss:
    if isinstance(name, Loss):
        return name
    try:
        return LOSSES[str(name).lower()]()
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; choose one of {', '.join(LOSSES)}") from None


def squared_error_sums(y, t, mask) -> tuple[np.ndarray, np.ndarray]:
    """Per-observation sum of squared errors over rated entries, and the rated counts (for RMSE)."""
    diff = np.where(mask, y - t, 0.0)
    return np.einsum("ij,ij->i", diff, diff, dtype=np.float64), _rated_counts(mask)
