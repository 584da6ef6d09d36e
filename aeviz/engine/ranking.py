"""Top-N accuracy: does the list the Recommendations panel shows hold the movies a user liked?

For each user, every movie not rated in the ratings the model was given (training, and validation
if any) is ranked by predicted score; the user's held-out test ratings of `threshold` or more are the
relevant movies. Over the users with at least one relevant movie:

* precision@N: relevant movies in the top N, divided by N;
* recall@N: relevant movies in the top N, divided by the number of relevant movies (with
  `capped_recall`, by min(N, relevant), as the Mult-VAE papers do, so 1 is reachable);
* NDCG@N: sum of 1/log2(rank + 1) over the relevant movies in the top N (rank from 1), divided by
  the best possible sum (all relevant movies first).

Ties in the score are broken by movie column, lowest first, so the figures are reproducible. Rows
are scored in blocks (aeviz.engine.evaluation.row_blocks): memory follows one block, not the matrix.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .evaluation import block_entries, row_blocks


@dataclass(frozen=True)
class TopN:
    n: int
    precision: float | None
    recall: float | None
    ndcg: float | None
    users: int  # users with at least one relevant held-out movie


def top_columns(scores: np.ndarray, n: int) -> np.ndarray:
    """Each row's n best columns, best first, ties to the lowest column: what a stable argsort of
    the whole row gives, but only the candidates at or above the n-th best value get sorted."""
    if n >= scores.shape[1]:
        return np.argsort(-scores, axis=1, kind="stable")[:, :n]
    kth = np.partition(scores, scores.shape[1] - n, axis=1)[:, scores.shape[1] - n]
    out = np.empty((scores.shape[0], n), dtype=np.int64)
    for i, (row, cut) in enumerate(zip(scores, kth)):
        cand = np.flatnonzero(row >= cut)
        out[i] = cand[np.argsort(-row[cand], kind="stable")[:n]]
    return out


def top_n_metrics(predict, train, test, n: int = 10, threshold: float = 4.0, exclude=(),
                  capped_recall: bool = False) -> TopN:
    """`predict(rows) -> (len(rows), n_items)` scores; `exclude`: further ratings matrices whose
    movies are known to the model (the validation set), removed from the candidates like training."""
    n = int(n)
    discount = 1.0 / np.log2(np.arange(n) + 2.0)
    ideal = np.cumsum(discount)  # ideal[k - 1]: the best DCG with k relevant movies
    prec, rec, ndcg = [], [], []
    for rows in row_blocks(train.n_users, train.n_items):
        local, cols, vals = block_entries(test, rows)
        good = vals >= threshold
        if not good.any():
            continue
        relevant = np.zeros((len(rows), train.n_items), dtype=bool)
        relevant[local[good], cols[good]] = True
        n_rel = relevant.sum(axis=1)
        users = np.flatnonzero(n_rel > 0)
        scores = np.array(predict(rows), dtype=np.float64)[users]
        for known in (train, *exclude):
            kl, kc, _ = block_entries(known, rows)
            keep = np.isin(kl, users)
            scores[np.searchsorted(users, kl[keep]), kc[keep]] = -np.inf
        top = top_columns(scores, n)
        hits = np.take_along_axis(relevant[users], top, axis=1)
        k = hits.sum(axis=1)
        prec.append(k / n)
        rec.append(k / (np.minimum(n_rel[users], n) if capped_recall else n_rel[users]))
        ndcg.append((hits * discount[:top.shape[1]]).sum(axis=1) / ideal[np.minimum(n_rel[users], n) - 1])
    if not prec:
        return TopN(n, None, None, None, 0)
    p, r, g = (np.concatenate(a) for a in (prec, rec, ndcg))
    return TopN(n, float(p.mean()), float(r.mean()), float(g.mean()), int(p.size))
