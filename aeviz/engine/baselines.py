"""The classical baselines a recommender must beat, fitted on the training ratings of a split.

global mean < item mean < user + item biases (mu + b_u + b_i, ridge-regularised, fitted by
alternating least squares). A network that cannot beat the last one has learnt nothing a
two-parameters-per-row model does not know. Every figure is a held-out RMSE with predictions
clipped to the rating scale, like the network's own (aeviz.engine.evaluation).
Sparse throughout: memory follows the number of ratings (bincount on the CSR arrays).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

USER_REG = 15.0  # ridge strengths (Koren's classical choice of the order of 10-25 ratings)
ITEM_REG = 10.0
SWEEPS = 5  # the biases settle within a few sweeps (changes < 1e-4 on MovieLens-100k)


def _entries(r):
    """(row, column, value as float64) of every rating (sparse Ratings, or any dense row source)."""
    if hasattr(r, "indptr"):
        return r.row_of_entries(), np.asarray(r.indices, dtype=np.int64), np.asarray(r.values, dtype=np.float64)
    v, m = r.dense_rows(np.arange(r.n_users))  # small dense tables only (tests, the seed's)
    rows, cols = np.nonzero(m)
    return rows, cols, v[rows, cols].astype(np.float64)


def item_means(train):
    """(global mean, each item's mean training rating: the global mean for an unrated item)."""
    _, cols, vals = _entries(train)
    mu = float(vals.mean()) if vals.size else 0.0
    counts = np.bincount(cols, minlength=train.n_items)
    sums = np.bincount(cols, weights=vals, minlength=train.n_items)
    return mu, np.divide(sums, counts, out=np.full(train.n_items, mu), where=counts > 0)


@dataclass(frozen=True)
class Biases:
    """mu + b_u + b_i: global mean, per-row and per-column offsets."""

    mu: float
    user: np.ndarray
    item: np.ndarray

    def predict(self, rows, cols) -> np.ndarray:
        return self.mu + self.user[rows] + self.item[cols]


def fit_biases(train, user_reg: float = USER_REG, item_reg: float = ITEM_REG,
               sweeps: int = SWEEPS) -> Biases:
    """Ridge-regularised biases by alternating exact minimisation (ALS): item offsets given the
    user offsets, then user offsets given the item offsets; starts from b_u = 0."""
    rows, cols, vals = _entries(train)
    mu = float(vals.mean()) if vals.size else 0.0
    n_u = np.bincount(rows, minlength=train.n_users).astype(np.float64)
    n_i = np.bincount(cols, minlength=train.n_items).astype(np.float64)
    bu = np.zeros(train.n_users)
    bi = np.zeros(train.n_items)
    den_i, den_u = item_reg + n_i, user_reg + n_u  # 0 only for an unrated row or column: offset 0
    for _ in range(int(sweeps)):
        s_i = np.bincount(cols, weights=vals - mu - bu[rows], minlength=train.n_items)
        bi = np.divide(s_i, den_i, out=np.zeros_like(s_i), where=den_i > 0)
        s_u = np.bincount(rows, weights=vals - mu - bi[cols], minlength=train.n_users)
        bu = np.divide(s_u, den_u, out=np.zeros_like(s_u), where=den_u > 0)
    return Biases(mu, bu, bi)


def _rmse(pred, actual, clip):
    if actual.size == 0:
        return None
    if clip is not None:
        pred = np.clip(pred, clip[0], clip[1])
    return float(np.sqrt(np.mean((pred - actual) ** 2)))


def item_mean_baseline(train, test, clip=None) -> float:
    """Held-out RMSE of predicting each movie's mean training rating (the global mean if none)."""
    _, means = item_means(train)
    _, cols, vals = _entries(test)
    r = _rmse(means[cols], vals, clip)
    return float("nan") if r is None else r


def baseline_rmses(train, test, clip=None) -> dict:
    """{'global_mean', 'item_mean', 'user_item_bias'}: each one's held-out RMSE on `test`."""
    rows, cols, vals = _entries(test)
    mu, _ = item_means(train)
    b = fit_biases(train)
    return {"global_mean": _rmse(np.full(vals.size, mu), vals, clip),
            "item_mean": item_mean_baseline(train, test, clip),
            "user_item_bias": _rmse(b.predict(rows, cols), vals, clip)}
