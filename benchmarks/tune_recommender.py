"""Choose the recommender's hyper-parameters on MovieLens-100k by VALIDATION RMSE.

The split is the CLI's (80/20 per user, seed 0, then 5% of each user's training ratings as the
validation set). Every candidate trains with early stopping on the validation set, within a time
budget; the candidates are ranked by their best validation RMSE, and the test RMSE of the chosen
epoch is printed beside it, only reported (choosing by it would make it a validation figure).

    python benchmarks/tune_recommender.py [--grid batch|online|residual] [--budget SECONDS] [--only N,M]

* batch: the "Movie recommender" preset's candidates (the CLI's defaults).
* online: the app's starting model (one user per update), capped at 30 epochs: must beat the item mean.
* residual: an experiment outside the app (no preset uses it): the network learns each rating's
  difference from the user + item biases, with the biases added back for scoring.

Prints a table, then (last line) one JSON object. Needs benchmarks/movielens.py's cached data.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import sys
import time
from dataclasses import replace

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # this checkout's aeviz

from aeviz.data import load_ratings  # noqa: E402
from aeviz.engine import ModelConfig, baseline_rmses, build_trainer, evaluate, fit_biases  # noqa: E402
from aeviz.presets import split_for  # noqa: E402

BASE = ModelConfig(hidden=(20, 10, 20), hidden_activation="sigmoid", optimizer="adam", lr=0.001,
                   batch_size=8, seed=0, test_fraction=0.2, validation_fraction=0.05)
GRIDS = {
    "batch": [
        dict(),  # the well-known tutorial's network, as before
        dict(lr=0.003),
        dict(lr=0.003, batch_size=16),
        dict(hidden=(40,), lr=0.003, batch_size=16),
        dict(hidden=(20,), lr=0.003, batch_size=16),
        dict(hidden=(40, 20, 40), lr=0.003, batch_size=16),
        dict(lr=0.003, kind="denoising", noise="mask", noise_level=0.2),
        dict(lr=0.003, weight_decay=1e-4),
        dict(hidden=(500,), lr=0.001, batch_size=16),
        dict(hidden=(500,), lr=0.001, batch_size=16, kind="denoising", noise="mask", noise_level=0.3),
        dict(hidden=(500,), lr=0.001, batch_size=16, weight_decay=1e-3),
    ],
    "online": [
        dict(lr=0.01, batch_size=1),  # the app's start until now
        dict(lr=0.003, batch_size=1),
        dict(lr=0.001, batch_size=1),
        dict(lr=0.001, batch_size=1, hidden=(20,)),
        dict(lr=0.0005, batch_size=1),
    ],
    "residual": [
        dict(hidden=(50,), lr=0.001, batch_size=16, weight_decay=1e-3),
        dict(hidden=(20, 10, 20), lr=0.003, batch_size=8),
        dict(hidden=(100,), lr=0.001, batch_size=16, weight_decay=3e-3),
    ],
}
PATIENCE = 10


def residual_parts(parts):
    """The same split with every rating replaced by its difference from the user + item biases
    fitted on the training ratings (an experiment: RMSEs are the same, clipping is not applied)."""
    b = fit_biases(parts["train"])

    def resid(r):
        return None if r is None else replace(
            r, values=(r.values - b.predict(r.row_of_entries(), r.indices)).astype(np.float32))
    return {**parts, "train": resid(parts["train"]), "test": resid(parts["test"]),
            "validation": resid(parts["validation"]), "clip": None}


def run(cfg: ModelConfig, parts, budget: float, max_epochs: int):
    """Train with early stopping on the validation set until `budget` seconds or `max_epochs`."""
    tr = build_trainer(cfg, **parts)
    t0 = time.perf_counter()
    while tr.epoch < max_epochs and time.perf_counter() - t0 < budget:
        tr.step_epoch()
        if tr.should_stop_early(PATIENCE):
            break
    seconds, epochs_run = time.perf_counter() - t0, tr.epoch
    if tr.can_restore_best:
        tr.restore_best()
    ev = evaluate(tr.network, parts["train"], parts["test"], clip=parts["clip"], validation=parts["validation"])
    return {"val_rmse": ev.val_rmse, "test_rmse": ev.test_rmse, "best_epoch": tr.best_epoch,
            "epochs_run": epochs_run, "seconds": seconds}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grid", choices=tuple(GRIDS), default="batch")
    ap.add_argument("--budget", type=float, default=120.0, help="seconds per candidate")
    ap.add_argument("--only", help="comma-separated candidate numbers")
    a = ap.parse_args(argv)
    from movielens import movielens_100k
    ratings = load_ratings(movielens_100k())
    _, parts = split_for(BASE, ratings)
    base = baseline_rmses(parts["train"], parts["test"], parts["clip"])
    print("baselines (test RMSE): " + ", ".join(f"{k} {v:.4f}" for k, v in base.items()))
    if a.grid == "residual":
        parts = residual_parts(parts)
    max_epochs = 30 if a.grid == "online" else 10_000
    only = {int(k) for k in a.only.split(",")} if a.only else None
    results = []
    print(f"{'#':>2} {'candidate':<64} {'val':>7} {'test':>7} {'best':>5} {'seconds':>8}")
    for k, change in enumerate(GRIDS[a.grid]):
        if only is not None and k not in only:
            continue
        r = run(BASE.with_(**change), parts, a.budget, max_epochs)
        results.append({"candidate": k, "change": {c: list(v) if isinstance(v, tuple) else v
                                                   for c, v in change.items()}, **r})
        print(f"{k:>2} {json.dumps(results[-1]['change']):<64} {r['val_rmse']:>7.4f} {r['test_rmse']:>7.4f} "
              f"{r['best_epoch'] or 0:>5} {r['seconds']:>8.1f}", flush=True)
    chosen = min(results, key=lambda r: r["val_rmse"])
    print(f"chosen by validation RMSE: #{chosen['candidate']} {chosen['change']} -> test RMSE "
          f"{chosen['test_rmse']:.4f} (reported only)")
    print(json.dumps({"grid": a.grid, "budget": a.budget, "baselines": base, "results": results,
                      "chosen": chosen["candidate"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
