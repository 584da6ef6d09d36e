"""Held-out evaluation and recommendations: the input is the user's training row, the error counts
the held-out ratings only. Both the pooled RMSE (the standard metric) and the per-user average
(what the well-known tutorial prints) are reported."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Evaluation:
    train_rmse: float
    test_rmse: float | None
    test_rmse_per_user: float | None
    n_train: int
    n_test: int


def _batches(n, size):
    for start in range(0, n, size):
        yield np.arange(start, min(n, start + size))


def predict_rows(network, train, rows, clip=None) -> np.ndarray:
    x, _ = train.dense_rows(rows)
    y = network.predict(x)
    if clip is not None:
        y = np.clip(y, clip[0], clip[1])
    return y


def evaluate(network, train, test=None, clip=None, batch: int = 1024) -> Evaluation:
    """Pooled RMSE on training ratings, and on held-out ratings from each user's training row."""
    tr_sq = tr_n = te_sq = te_n = 0.0
    per_user = []
    for rows in _batches(train.n_users, batch):
        x, m = train.dense_rows(rows)
        y = network.predict(x)
        if clip is not None:
            y = np.clip(y, clip[0], clip[1])
        d = np.where(m, y - x, 0.0)
        tr_sq += float(np.einsum("ij,ij->", d, d, dtype=np.float64))
        tr_n += float(m.sum())
        if test is not None:
            tx, tm = test.dense_rows(rows)
            d = np.where(tm, y - tx, 0.0)
            sq = np.einsum("ij,ij->i", d, d, dtype=np.float64)
            cnt = tm.sum(axis=1)
            te_sq += float(sq.sum())
            te_n += float(cnt.sum())
            has = cnt > 0
            per_user.append(np.sqrt(sq[has] / cnt[has]))
    train_rmse = float(np.sqrt(tr_sq / tr_n)) if tr_n else float("nan")
    if test is None or te_n == 0:
        return Evaluation(train_rmse, None, None, int(tr_n), 0)
    pu = np.concatenate(per_user)
    return Evaluation(train_rmse, float(np.sqrt(te_sq / te_n)), float(pu.mean()), int(tr_n), int(te_n))


def item_mean_baseline(train, test, batch: int = 1024) -> float:
    """Pooled held-out RMSE of predicting each movie's mean training rating (global mean if none)."""
    n_items = train.n_items
    s = np.zeros(n_items)
    c = np.zeros(n_items)
    for rows in _batches(train.n_users, batch):
        x, m = train.dense_rows(rows)
        s += np.where(m, x, 0).sum(axis=0)
        c += m.sum(axis=0)
    glob = s.sum() / max(c.sum(), 1)
    means = np.where(c > 0, s / np.maximum(c, 1), glob)
    sq = n = 0.0
    for rows in _batches(test.n_users, batch):
        tx, tm = test.dense_rows(rows)
        d = np.where(tm, means[None, :] - tx, 0.0)
        sq += float((d * d).sum())
        n += float(tm.sum())
    return float(np.sqrt(sq / n)) if n else float("nan")


def top_n(candidates, predicted, raw, n: int) -> np.ndarray:
    """The n best candidates, best first: by predicted (clipped) rating, ties broken by the raw
    output. Many films clip to the top of the scale; a raw 6.3 is a stronger pick than a 5.01,
    though both show as 5 stars. Not-finite scores rank last."""
    c = np.asarray(candidates)
    if c.size == 0:
        return np.zeros(0, dtype=np.int64)
    key = lambda a: -np.nan_to_num(np.asarray(a, dtype=np.float64)[c], nan=-np.inf, posinf=np.inf)  # noqa: E731
    return c[np.lexsort((c, key(raw), key(predicted)))][:n]


def recommend(network, train, row: int, n: int = 10, clip=None, exclude_rated: bool = True):
    """Top-n items by predicted rating for one user: [(item index, predicted)], best first."""
    x, m = train.dense_rows([row])
    raw = network.predict(x)[0].astype(np.float64)
    y = np.clip(raw, clip[0], clip[1]) if clip is not None else raw
    candidates = np.flatnonzero(~m[0]) if exclude_rated else np.arange(y.size)
    return [(int(i), float(y[i])) for i in top_n(candidates, y, raw, n)]
