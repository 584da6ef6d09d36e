"""Held-out evaluation and recommendations: the input is the user's training row, the error counts
the held-out ratings only. Both the pooled figures (the standard metric) and the per-user average
(what the well-known tutorial prints) are reported.

Predictions are clipped to the rating scale before scoring (a 5.3 for a 1-5 scale counts as 5), as
any recommender would show them. Memory follows the number of ratings: rows are predicted in blocks
of about BLOCK_VALUES cells, and only the predictions at rated cells are kept.

Everything here reads a *predictor*, a function `rows -> (len(rows), n_items)` predictions on the
training matrix's rows, so a model that predicts the same matrix another way (another orientation,
a baseline) is scored by the same code.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BLOCK_VALUES = 1 << 22  # rows x items cells predicted at once: 16 MB per float32 block


@dataclass(frozen=True)
class Evaluation:
    train_rmse: float
    test_rmse: float | None
    test_rmse_per_user: float | None
    n_train: int
    n_test: int
    val_rmse: float | None = None
    test_mae: float | None = None
    test_mae_per_user: float | None = None
    n_val: int = 0


def row_blocks(n_rows: int, n_cols: int, budget: int = BLOCK_VALUES):
    """Ranges of row indices whose n_cols-wide dense block holds about `budget` cells."""
    step = max(1, int(budget) // max(int(n_cols), 1))
    for start in range(0, n_rows, step):
        yield np.arange(start, min(n_rows, start + step))


def network_predictor(network, train, clip=None):
    """rows -> the network's clipped reconstructions of those users' training rows."""
    def predict(rows):
        x, _ = train.dense_rows(rows)
        y = network.predict(x)
        return np.clip(y, clip[0], clip[1]) if clip is not None else y
    return predict


def predict_rows(network, train, rows, clip=None) -> np.ndarray:
    return network_predictor(network, train, clip)(rows)


def block_entries(part, rows):
    """(row within the block, column, value) of `part`'s ratings in the contiguous `rows`."""
    if hasattr(part, "indptr"):  # sparse Ratings: a slice of the CSR arrays, no densifying
        a, b = int(part.indptr[rows[0]]), int(part.indptr[rows[-1] + 1])
        counts = np.diff(part.indptr[rows[0]:rows[-1] + 2])
        local = np.repeat(np.arange(len(rows)), counts)
        return local, part.indices[a:b], part.values[a:b]
    v, m = part.dense_rows(rows)
    local, cols = np.nonzero(m)
    return local, cols, v[local, cols]


def predictions_at(predict, parts, n_rows: int, n_cols: int):
    """For each part (a ratings matrix shaped like the training one, or None): (predictions,
    ratings, row of each rating), as flat float64 arrays in row order."""
    out = [([], [], []) if p is not None else None for p in parts]
    for rows in row_blocks(n_rows, n_cols):
        y = None
        for p, acc in zip(parts, out):
            if p is None:
                continue
            local, cols, vals = block_entries(p, rows)
            if local.size == 0:
                continue
            if y is None:
                y = predict(rows)
            acc[0].append(y[local, cols].astype(np.float64))
            acc[1].append(np.asarray(vals, dtype=np.float64))
            acc[2].append(local + rows[0])
    result = []
    for acc in out:
        if acc is None:
            result.append(None)
        elif not acc[0]:
            result.append((np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.int64)))
        else:
            result.append(tuple(np.concatenate(a) for a in acc))
    return result


def error_summary(pred, actual, rows, n_rows):
    """(pooled RMSE, per-user RMSE, pooled MAE, per-user MAE); None without ratings. A per-user
    figure is the mean over users with at least one rating in this part."""
    if pred is None or pred.size == 0:
        return None, None, None, None
    d = pred - actual
    cnt = np.bincount(rows, minlength=n_rows)
    sq = np.bincount(rows, weights=d * d, minlength=n_rows)
    ab = np.bincount(rows, weights=np.abs(d), minlength=n_rows)
    has = cnt > 0
    return (float(np.sqrt(sq.sum() / d.size)), float(np.sqrt(sq[has] / cnt[has]).mean()),
            float(ab.sum() / d.size), float((ab[has] / cnt[has]).mean()))


def evaluate_predictor(predict, train, test=None, validation=None) -> Evaluation:
    """Scores of `predict` on the training, validation and test ratings."""
    n = train.n_users
    tr, va, te = predictions_at(predict, [train, validation, test], n, train.n_items)
    train_rmse = error_summary(*tr, n)[0]
    val_rmse = error_summary(*va, n)[0] if va is not None else None
    n_test = int(te[0].size) if te is not None else 0
    n_val = int(va[0].size) if va is not None else 0
    if not n_test:
        return Evaluation(train_rmse if train_rmse is not None else float("nan"), None, None,
                          int(tr[0].size), 0, val_rmse, None, None, n_val)
    rmse, rmse_u, mae, mae_u = error_summary(*te, n)
    return Evaluation(train_rmse if train_rmse is not None else float("nan"), rmse, rmse_u,
                      int(tr[0].size), n_test, val_rmse, mae, mae_u, n_val)


def evaluate(network, train, test=None, clip=None, validation=None) -> Evaluation:
    """Pooled RMSE on training ratings, and on held-out ratings from each user's training row."""
    return evaluate_predictor(network_predictor(network, train, clip), train, test, validation)


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
