"""Tune the I-AutoRec preset on real MovieLens-100k by VALIDATION RMSE; the test RMSE is only reported.

    nice -n 5 python benchmarks/tune_autorec.py [u.data] [--grid '{"weight_penalty": [0.07, 0.1]}']
        [--max-epochs 400] [--patience 10] [--curves FILE.json]

Every candidate (the preset's settings with one combination of the grid's changes) is trained as
`python -m aeviz train u.data --preset item-autorec` trains it: the same per-user 80/20 split (seed 0)
and, carved from the training ratings only, the same 5% validation set (presets.split_for, the CLI's
split), early stopping after `--patience` epochs without a better validation RMSE, and the network of
the best validation epoch kept. The candidate to ship is the one with the lowest validation RMSE; the
test RMSE of that epoch is printed beside it but chooses nothing.

`--curves` saves every epoch's validation and test RMSE of every candidate, so that other epoch
budgets and patiences can be read off one long run (still choosing by the validation column).

BLAS is held to one thread (aeviz.engine.threads), as the app does. Seconds are given twice: CPU
seconds of this process (time.process_time, what the run costs on an idle core) and wall seconds
(inflated by whatever else the shared machine runs). Prints a table; the last line is one JSON object.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from aeviz.data import load_ratings  # noqa: E402
from aeviz.engine.config import build_trainer  # noqa: E402
from aeviz.engine.threads import single_threaded_blas  # noqa: E402
from aeviz.presets import get_preset, split_for  # noqa: E402

DEFAULT = os.path.expanduser("~/.cache/aeviz-ml/ml-100k/u.data")
DEFAULT_GRID = {"weight_penalty": [0.1]}
PATIENCE = 10  # the CLI's default (--patience)


def candidates(grid: dict):
    keys = sorted(grid)
    for values in itertools.product(*(grid[k] for k in keys)):
        yield dict(zip(keys, values))


def run(config, ratings, max_epochs: int, patience: int) -> dict:
    """Train `config` as the CLI does; the best validation epoch's figures, seconds and the curves."""
    cpu, wall = time.process_time(), time.perf_counter()
    _, parts = split_for(config, ratings)
    trainer = build_trainer(config, **parts)
    curve = []  # every epoch trained, also those early stopping went back over
    trainer.train(max_epochs, patience=patience, callback=lambda h: curve.append((h.val_rmse, h.test_rmse)))
    best = trainer.best_epoch
    rec = trainer.history[best - 1]  # the record of the epoch early stopping went back to
    return {"val_rmse": rec.val_rmse, "test_rmse": rec.test_rmse, "best_epoch": best,
            "epochs_run": len(curve), "cpu_seconds": time.process_time() - cpu,
            "wall_seconds": time.perf_counter() - wall, "curve": curve}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ratings", nargs="?", default=DEFAULT)
    ap.add_argument("--grid", type=json.loads, default=DEFAULT_GRID,
                    help="JSON: ModelConfig field -> list of values to try on the preset's settings")
    ap.add_argument("--preset", default="item-autorec")
    ap.add_argument("--max-epochs", type=int, default=None, help="default: the preset's epochs")
    ap.add_argument("--patience", type=int, default=PATIENCE, help="epochs without a better validation RMSE")
    ap.add_argument("--curves", help="save every candidate's per-epoch (val, test) RMSEs to this JSON file")
    a = ap.parse_args(argv)
    single_threaded_blas()
    ratings = load_ratings(a.ratings)
    preset = get_preset(a.preset)
    max_epochs = a.max_epochs or preset.epochs
    rows = []
    print(f"{'candidate':<58} {'val RMSE':>9} {'test RMSE':>9} {'best ep':>7} {'ran':>4} {'CPU s':>7} {'wall s':>7}")
    for change in candidates(a.grid):
        r = run(preset.config.with_(**change), ratings, max_epochs, a.patience)
        rows.append({"change": change, **r})
        print(f"{json.dumps(change):<58} {r['val_rmse']:>9.4f} {r['test_rmse']:>9.4f} {r['best_epoch']:>7} "
              f"{r['epochs_run']:>4} {r['cpu_seconds']:>7.1f} {r['wall_seconds']:>7.1f}", flush=True)
    best = min(rows, key=lambda r: r["val_rmse"])
    print(f"chosen by validation: {json.dumps(best['change'])} at epoch {best['best_epoch']} "
          f"(val RMSE {best['val_rmse']:.4f}; its test RMSE, reported only: {best['test_rmse']:.4f})")
    if a.curves:
        with open(a.curves, "w") as f:
            json.dump([{"change": r["change"], "curve": r["curve"]} for r in rows], f)
    print(json.dumps({"data": a.ratings, "preset": a.preset, "max_epochs": max_epochs, "patience": a.patience,
                      "rows": [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()
                                if k != "curve"} for r in rows],
                      "chosen": best["change"]}))


if __name__ == "__main__":
    main()
