"""Held-out RMSE of plain vs sparse vs denoising vs contractive autoencoders, vs the item-mean baseline.

Datasets: the bundled genres sample (300 x 60) and a generated MovieLens-100k-sized matrix
(943 x 1682, ~6.3% dense, low rank + noise, 1-5 stars, popular movies rated more often).
Same architecture, optimizer, epochs and seed for every type; only the type differs.

    python benchmarks/types_rmse.py [--quick]

Prints a table, then (last line) one JSON object.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

from aeviz.data import holdout_split
from aeviz.data.ratings import build_ratings
from aeviz.engine import build_trainer, item_mean_baseline
from aeviz.presets import TUTORIAL as RECOMMENDER  # the user-based network these rows were measured on

TYPES = {  # the presets' type settings
    "plain": {},
    "sparse (KL)": dict(kind="sparse", sparsity_target=0.05, sparsity_weight=0.1),
    "sparse (L1)": dict(kind="sparse", sparsity_penalty="l1", l1_weight=1e-3),
    "denoising": dict(kind="denoising", noise="mask", noise_level=0.3),
    "contractive (0.01)": dict(kind="contractive", contractive_weight=0.01),
    "contractive (1)": dict(kind="contractive", contractive_weight=1.0),
}
# (label, base config, epochs): the same base, epochs and seed for every type of one block
GENRES_BLOCKS = [("n-20-10-20-n", RECOMMENDER, 30),
                 ("n-120-n overcomplete", RECOMMENDER.with_(hidden=(120,), lr=0.005), 20)]
# With 1682 inputs and one user per update, lr 0.01 is too noisy (test RMSE ~1.0, above the
# baseline); lr 0.001 learns (measured: 0.88 after 40 epochs).
LARGE_BLOCKS = [("n-20-10-20-n lr 0.001", RECOMMENDER.with_(lr=0.001), 35)]


def movielens_like(users=943, items=1682, density=0.063, rank=5, seed=0):
    """Low-rank tastes + noise, rounded to 1-5; who rates what follows user activity x movie popularity."""
    rng = np.random.default_rng(seed)
    activity = rng.lognormal(0.0, 0.8, users)
    popularity = rng.lognormal(0.0, 1.2, items)
    p = np.outer(activity, popularity)
    p *= density * users * items / p.sum()
    rated = rng.random((users, items)) < np.minimum(p, 0.95)
    for u in np.flatnonzero(rated.sum(1) < 20):  # MovieLens: every user rated at least 20
        rated[u, rng.choice(items, 20, replace=False, p=popularity / popularity.sum())] = True
    tastes = rng.normal(size=(users, rank)) @ rng.normal(size=(rank, items)) / np.sqrt(rank)
    scores = 3.5 + 0.6 * rng.normal(size=items)[None, :] + 0.9 * tastes + 0.5 * rng.normal(size=(users, items))
    r = np.clip(np.round(scores), 1, 5)
    u, i = np.nonzero(rated)
    return build_ratings(u + 1, i + 1, r[u, i], source="generated 943x1682")


def genres():
    from aeviz.data import load_sample, sample_path
    if not sample_path("genres").is_file():
        return None
    return load_sample("genres")


def run(name, ratings, blocks, seed=0):
    split = holdout_split(ratings, 0.2, seed)
    base = item_mean_baseline(split.train, split.test)
    clip = (ratings.scale.minimum, ratings.scale.maximum)
    rows = []
    for arch, config, epochs in blocks:
        rows += _block(f"{name} {arch}", split, config, epochs, base, clip, seed)
    return rows


def _block(name, split, config, epochs, base, clip, seed):
    rows = []
    for label, extra in TYPES.items():
        cfg = config.with_(seed=seed, **extra)
        t0 = time.perf_counter()
        tr = build_trainer(cfg, split.train, split.test, clip=clip)
        tr.keep_undo = False
        tr.train(epochs)
        best = min(tr.history, key=lambda r: r.test_rmse)
        rows.append({"dataset": name, "type": label, "epochs": epochs, "test_rmse": tr.history[-1].test_rmse,
                     "best_test_rmse": best.test_rmse, "best_epoch": best.epoch,
                     "train_rmse": tr.history[-1].train_rmse, "baseline": base,
                     "seconds": time.perf_counter() - t0})
        r = rows[-1]
        print(f"{name:<42} {label:<18} {r['test_rmse']:>9.4f} {r['best_test_rmse']:>9.4f} ({r['best_epoch']:>2}) "
              f"{r['train_rmse']:>9.4f} {base:>9.4f} {r['test_rmse'] - base:>+8.4f} {r['seconds']:>7.1f}",
              flush=True)
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a few epochs only (smoke test)")
    a = ap.parse_args(argv)
    gb, lb = GENRES_BLOCKS, LARGE_BLOCKS
    if a.quick:
        gb = [(n, c, 2) for n, c, _ in gb]
        lb = [(n, c, 1) for n, c, _ in lb]
    print(f"{'dataset / network':<42} {'type':<18} {'test RMSE':>9} {'best (ep)':>14} {'train':>9} {'item-mean':>9} "
          f"{'vs base':>8} {'seconds':>7}")
    rows = []
    g = genres()
    if g is None:
        print("genres sample not bundled: skipped", file=sys.stderr)
    else:
        rows += run("genres 300x60", g, gb)
    rows += run("generated 943x1682", movielens_like(), lb)
    print(json.dumps({"benchmark": "types_rmse", "optimizer": "adam, batch 1, sigmoid hidden",
                      "results": [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()}
                                  for r in rows]}))


if __name__ == "__main__":
    main()
