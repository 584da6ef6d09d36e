"""Choose the Variational preset's settings on real MovieLens-100k, implicit feedback.

Each candidate is trained by the app's own engine (aeviz.engine.implicit_training: ratings >= 4
are likes, each user's ratings split 80/20 at random, a validation set carved from the training
ratings keeps the best epoch). The candidate with the best *validation* NDCG@100 is chosen; the
test figures are only reported. EASE (a linear item-item model, closed form) and popularity are
scored on the same split, in the same process, as references.

    python benchmarks/tune_vae.py [--data PATH/u.data] [--epochs 40] [--only NAME,...]

Prints a table, then as its last line one JSON object.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from aeviz.data import load_ratings  # noqa: E402
from aeviz.data.implicit import implicit  # noqa: E402
from aeviz.engine.implicit_training import top_n_scores, train_implicit  # noqa: E402
from aeviz.presets import VARIATIONAL, split_for  # noqa: E402

DEFAULT_DATA = pathlib.Path.home() / ".cache/aeviz-ml/ml-100k/u.data"

CANDIDATES = {
    "preset": {},
    "lr3e-3_b50": dict(lr=0.003, batch_size=50),
    "beta0.1_lr3e-3_b50": dict(lr=0.003, batch_size=50, beta=0.1),
    "anneal200": dict(anneal_steps=200),
    "600-200_paper": dict(hidden=(600, 200, 600)),
    "dae_no_kl": dict(beta=0.0),
    "gaussian": dict(loss="mse", dropout=0.0),
}


def ease_predictor(train, lam=200.0):
    """EASE (Steck 2019): B = I - P diag(1/diag P), P = (X'X + lam I)^-1, zero diagonal."""
    x, _ = train.dense_rows(np.arange(train.n_users))
    x = x.astype(np.float64)
    g = x.T @ x
    g[np.diag_indices_from(g)] += lam
    p = np.linalg.inv(g)
    b = -p / np.diag(p)
    b[np.diag_indices_from(b)] = 0.0
    scores = x @ b
    return lambda rows: scores[rows]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--patience", type=int, default=8)
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    full = load_ratings(a.data)
    names = [n for n in CANDIDATES if not a.only or n in a.only.split(",")]
    split, parts = split_for(VARIATIONAL, full)
    train, test, val = parts["train"], parts["test"], parts["validation"]
    liked = implicit(train)

    t0 = time.perf_counter()
    ease = top_n_scores(ease_predictor(liked), liked, test, (val,))
    ease_val = top_n_scores(ease_predictor(liked), liked, val)
    ease_s = time.perf_counter() - t0

    rows = []
    print(f"{'candidate':<22} {'epoch':>5} {'val R@20':>8} {'val N@100':>9} {'test R@20':>9} "
          f"{'test N@100':>10} {'cpu s':>7} {'wall s':>7}", flush=True)
    for name in names:
        cfg = VARIATIONAL.with_(**CANDIDATES[name])
        c0, w0 = time.process_time(), time.perf_counter()
        res = train_implicit(cfg, train, test, val, epochs=a.epochs, patience=a.patience)
        best = res.history[res.best_epoch - 1]
        row = dict(name=name, best_epoch=res.best_epoch, epochs=len(res.history),
                   val_recall_at_20=best.val.recall_at_20, val_ndcg_at_100=best.val.ndcg_at_100,
                   recall_at_20=res.test.recall_at_20, ndcg_at_100=res.test.ndcg_at_100,
                   cpu_seconds=time.process_time() - c0, seconds=time.perf_counter() - w0)
        rows.append(row)
        print(f"{name:<22} {row['best_epoch']:>5} {row['val_recall_at_20']:>8.4f} {row['val_ndcg_at_100']:>9.4f} "
              f"{row['recall_at_20']:>9.4f} {row['ndcg_at_100']:>10.4f} {row['cpu_seconds']:>7.1f} "
              f"{row['seconds']:>7.1f}", flush=True)
        pop = res.popularity
    chosen = max(rows, key=lambda r: r["val_ndcg_at_100"])
    print(f"{'EASE (lambda 200)':<22} {'':>5} {ease_val.recall_at_20:>8.4f} {ease_val.ndcg_at_100:>9.4f} "
          f"{ease.recall_at_20:>9.4f} {ease.ndcg_at_100:>10.4f} {'':>7} {ease_s:>7.1f}")
    print(f"{'popularity':<22} {'':>5} {'':>8} {'':>9} {pop.recall_at_20:>9.4f} {pop.ndcg_at_100:>10.4f}")
    print(f"chosen by validation NDCG@100: {chosen['name']}")
    print(json.dumps({"chosen": chosen["name"], "candidates": rows,
                      "ease": {"recall_at_20": ease.recall_at_20, "ndcg_at_100": ease.ndcg_at_100,
                               "seconds": ease_s},
                      "popularity": {"recall_at_20": pop.recall_at_20, "ndcg_at_100": pop.ndcg_at_100},
                      "chosen_recall_ratio_to_ease": chosen["recall_at_20"] / ease.recall_at_20}))


if __name__ == "__main__":
    main()
