"""Training on implicit feedback, scored the way the field scores it (Mult-VAE, Liang et al. 2018).

The network learns from the liked/not-liked view of the training ratings (aeviz.data.implicit).
Per user, every movie not in the user's training (or validation) ratings is ranked; the relevant
ones are the user's held-out ratings of 4 or more:

* recall@20 = liked movies in the top 20 / min(20, liked movies held out);
* NDCG@100 over the top 100.

After each epoch the validation ratings score the network; the epoch with the best validation
NDCG@100 is the one kept (its weights), and the test ratings are only reported. A popularity
baseline (movies ranked by how many training users liked them) is scored on the same split.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .data.implicit import LIKED, implicit
from .engine.config import build_trainer
from .engine.evaluation import network_predictor
from .engine.ranking import top_n_metrics


@dataclass(frozen=True)
class TopNScores:
    recall_at_20: float | None
    ndcg_at_100: float | None
    users: int


def top_n_scores(predict, train, heldout, exclude=()) -> TopNScores:
    """recall@20 (capped) and NDCG@100 of `predict` against `heldout` ratings >= 4."""
    if heldout is None:
        return TopNScores(None, None, 0)
    r = top_n_metrics(predict, train, heldout, n=20, threshold=LIKED, exclude=exclude, capped_recall=True)
    g = top_n_metrics(predict, train, heldout, n=100, threshold=LIKED, exclude=exclude)
    return TopNScores(r.recall, g.ndcg, r.users)


def popularity_predictor(train):
    """rows -> every movie's count of training likes (the same list for every user)."""
    view = implicit(train)
    liked = np.bincount(view.indices, weights=view.values, minlength=view.n_items)

    def predict(rows):
        return np.broadcast_to(liked, (len(rows), train.n_items))
    return predict


@dataclass(frozen=True)
class ImplicitEpoch:
    epoch: int
    loss: float
    kl: float  # the KL term (times beta) for a VAE; any other penalty otherwise
    val: TopNScores
    seconds: float


@dataclass(frozen=True)
class ImplicitResult:
    history: tuple
    best_epoch: int | None
    test: TopNScores
    popularity: TopNScores
    trainer: object


def train_implicit(config, train, test=None, validation=None, epochs: int = 50, callback=None,
                   patience: int = 0, saved=None) -> ImplicitResult:
    """Train `config` on the implicit view of `train` (a Ratings of 1-5 stars) for up to `epochs`,
    keep the epoch with the best validation NDCG@100 (stop after `patience` epochs without one,
    0 = never), and score it on `test`. `saved` (a SavedModel): continue it (its weights,
    optimizer state and history) instead of a fresh network."""
    liked = implicit(train)
    if saved is not None:
        from .engine.serialize import restore_trainer
        trainer = restore_trainer(saved, liked)
    else:
        trainer = build_trainer(config, liked)
    predict = network_predictor(trainer.network, liked)
    history, best, best_params, since = [], None, None, 0
    for _ in range(int(epochs)):
        started = time.perf_counter()
        trainer.step_epoch()
        rec = trainer.history[-1]
        val = top_n_scores(predict, liked, validation)
        ep = ImplicitEpoch(rec.epoch, rec.mean_loss, rec.penalty, val, time.perf_counter() - started)
        history.append(ep)
        if val.ndcg_at_100 is not None and (best is None or val.ndcg_at_100 > best.val.ndcg_at_100):
            best, best_params, since = ep, trainer.network.params.copy(), 0
        else:
            since += 1
        if callback is not None:
            callback(ep)
        if patience and since >= patience:
            break
    if best_params is not None:
        trainer.network.params[...] = best_params
    exclude = (validation,) if validation is not None else ()
    return ImplicitResult(
        tuple(history), best.epoch if best is not None else None,
        top_n_scores(predict, liked, test, exclude),
        top_n_scores(popularity_predictor(train), liked, test, exclude), trainer)
