"""Tune the I-AutoRec preset on real MovieLens-100k by VALIDATION RMSE; report the test RMSE once.

    python benchmarks/tune_autorec.py [u.data] [--grid '{"weight_decay": [0.1, 0.3]}'] [--final-only]

1. The per-user 80/20 split (holdout_split(ratings, 0.2, seed=0)) gives train and test, as the CLI
   and the app make it. The test ratings are not looked at until step 3.
2. From the training ratings, 5% of each user's ratings are carved off as a validation set (seed 1).
   Every candidate (the preset's settings with the grid's changes) trains on the rest; its best
   validation RMSE and that epoch are recorded (patience 10 epochs, --patience).
3. The preset as shipped (`item-autorec` in aeviz/presets.py: settings and epoch count chosen from
   step 2) trains on the whole 80% for its epochs, exactly as `train --preset item-autorec` would,
   and its test RMSE, epochs and seconds are printed. That run is the reported figure.

BLAS is held to one thread (aeviz.engine.threads), as the app does: on a shared 2-core machine
OpenBLAS's thread pool turned 0.6 ms products into 12 ms ones (measured). Prints a table; the last
line is one JSON object.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from aeviz.data import holdout_split, load_ratings  # noqa: E402
from aeviz.engine.config import build_trainer  # noqa: E402
from aeviz.engine.orientation import orient  # noqa: E402
from aeviz.engine.threads import single_threaded_blas  # noqa: E402
from aeviz.presets import get_preset  # noqa: E402

DEFAULT = os.path.expanduser("~/.cache/aeviz-ml/ml-100k/u.data")
DEFAULT_GRID = {"weight_decay": [0.1, 0.3], "lr": [1e-3]}
VALIDATION_FRACTION = 0.05
PATIENCE = 10


def candidates(grid: dict):
    keys = sorted(grid)
    for values in itertools.product(*(grid[k] for k in keys)):
        yield dict(zip(keys, values))


def validate(config, train, val, max_epochs, patience=PATIENCE):
    """(best validation RMSE, its epoch, epochs run, seconds) of `config` trained on `train`."""
    clip = (1.0, 5.0)
    t = build_trainer(config, *orient(train, val, config.orientation), clip=clip)
    started = time.perf_counter()
    best, best_epoch = float("inf"), 0
    for e in range(1, max_epochs + 1):
        t.step_epoch()
        rmse = t.history[-1].test_rmse  # the trainer's "test" set here is the validation set
        if rmse < best:
            best, best_epoch = rmse, e
        if e - best_epoch >= patience:
            break
    return best, best_epoch, e, time.perf_counter() - started


def final(preset, ratings):
    """The shipped preset, trained as the CLI trains it: test RMSE, epochs, seconds."""
    started = time.perf_counter()
    trainer, split = preset.make_trainer(ratings)
    for _ in range(preset.epochs):
        trainer.step_epoch()
    last = trainer.history[-1]
    return {"test_rmse": last.test_rmse, "test_rmse_per_user": last.test_rmse_per_user,
            "train_rmse": last.train_rmse, "epochs": len(trainer.history),
            "seconds": time.perf_counter() - started,
            "epoch_seconds": [round(h.seconds, 3) for h in trainer.history]}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ratings", nargs="?", default=DEFAULT)
    ap.add_argument("--grid", type=json.loads, default=DEFAULT_GRID,
                    help="JSON: ModelConfig field -> list of values to try on the preset's settings")
    ap.add_argument("--max-epochs", type=int, default=200)
    ap.add_argument("--patience", type=int, default=PATIENCE, help="epochs without a better validation RMSE")
    ap.add_argument("--final-only", action="store_true", help="skip the validation grid")
    ap.add_argument("--skip-final", action="store_true", help="only the validation grid")
    a = ap.parse_args(argv)
    single_threaded_blas()
    ratings = load_ratings(a.ratings)
    preset = get_preset("item-autorec")
    split = holdout_split(ratings, preset.config.test_fraction, preset.config.seed)
    inner = holdout_split(split.train, VALIDATION_FRACTION, seed=1)  # validation from training only
    rows = []
    if not a.final_only:
        print(f"{'candidate':<60} {'val RMSE':>9} {'best ep':>7} {'ran':>4} {'seconds':>8}")
        for change in candidates(a.grid):
            cfg = preset.config.with_(**change)
            val, ep, ran, secs = validate(cfg, inner.train, inner.test, a.max_epochs, a.patience)
            rows.append({"change": change, "val_rmse": round(val, 4), "best_epoch": ep, "epochs_run": ran,
                         "seconds": round(secs, 1)})
            print(f"{json.dumps(change):<60} {val:>9.4f} {ep:>7} {ran:>4} {secs:>8.1f}", flush=True)
        best = min(rows, key=lambda r: r["val_rmse"])
        print(f"best by validation: {json.dumps(best['change'])} at epoch {best['best_epoch']} "
              f"(val RMSE {best['val_rmse']:.4f})")
    if a.skip_final:
        print(json.dumps({"data": a.ratings, "validation": rows}))
        return
    f = final(preset, ratings)
    print(f"preset item-autorec as shipped ({preset.epochs} epochs on the 80% training ratings): "
          f"test RMSE {f['test_rmse']:.4f} (per user {f['test_rmse_per_user']:.4f}), "
          f"{f['seconds']:.1f} s, median epoch {sorted(f['epoch_seconds'])[len(f['epoch_seconds']) // 2]:.2f} s")
    print(json.dumps({"data": a.ratings, "validation": rows, "preset": {
        k: (round(v, 4) if isinstance(v, float) else v) for k, v in f.items() if k != "epoch_seconds"},
        "median_epoch_seconds": sorted(f["epoch_seconds"])[len(f["epoch_seconds"]) // 2]}))


if __name__ == "__main__":
    main()
