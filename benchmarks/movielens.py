"""Accuracy on the real MovieLens-100k: every recommender preset and every autoencoder type.

MovieLens may not be redistributed, so it is never in this repository: the first run fetches the
recbole==1.2.1 wheel from PyPI (`pip download --no-deps`, which holds ML-100k as
recbole/dataset_example/ml-100k/), into a cache folder outside the repository
(~/.cache/aeviz/movielens, or $AEVIZ_MOVIELENS_CACHE), and writes the ratings as u.data and the
titles as MovieLens' 24-field u.item there. Later runs reuse them.

Each row is `python -m aeviz train u.data --preset NAME [--type KIND] --json` run in this process:
an 80/20 per-user split with seed 0, 5% of each user's training ratings as the validation set that
chooses the epoch (early stopping), and the test figures only reported; predictions clipped to 1-5.

    python benchmarks/movielens.py [--quick] [--only KEY[,KEY]] [--torch-epochs N]

`--only` runs a subset of the rows (substrings of their labels, e.g. `--only preset` for the presets
alone: the type rows train the user-based network for up to 500 epochs each). After the table, one
epoch of the I-AutoRec preset is timed against the same model in PyTorch (benchmarks/autorec_torch.py;
`--torch-epochs 0` skips it).

Prints a table, then (last line) one JSON object. Seconds are given twice: `CPU s` is this process's
CPU time (time.process_time; BLAS runs one thread, so on an idle core it is the wall time), `wall s`
the wall-clock time on a shared machine; the `x ref` column divides the wall seconds by a fixed NumPy
reference workload timed in the same run.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import zipfile

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # this checkout's aeviz

WHEEL = "recbole==1.2.1"
INSIDE = "recbole/dataset_example/ml-100k/"
GENRES = ("unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
          "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller",
          "War", "Western")
TYPES = ("plain", "sparse", "denoising", "contractive")
# the types' rows run on the tutorial's user-based network (presets.TUTORIAL, the recommender before it
# turned item-based), spelled as flags on top of the recommender preset
USER_BASED = ("--preset", "recommender", "--orientation", "user", "--loss", "mse", "--weight-penalty", "0",
              "--layers", "40,20,40", "--lr", "0.001", "--batch-size", "8", "--epochs", "500")


def cache_dir() -> pathlib.Path:
    return pathlib.Path(os.environ.get("AEVIZ_MOVIELENS_CACHE", "~/.cache/aeviz/movielens")).expanduser()


def movielens_100k() -> pathlib.Path:
    """The path of u.data (u.item beside it), fetched and converted on first use."""
    folder = cache_dir()
    data, item = folder / "u.data", folder / "u.item"
    if data.is_file() and item.is_file():
        return data
    folder.mkdir(parents=True, exist_ok=True)
    wheels = sorted(folder.glob("recbole-1.2.1-*.whl"))
    if not wheels:
        print(f"fetching {WHEEL} (MovieLens-100k is inside) into {folder} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", WHEEL, "-d",
                        str(folder)], check=True)
        wheels = sorted(folder.glob("recbole-1.2.1-*.whl"))
    with zipfile.ZipFile(wheels[0]) as z:
        inter = z.read(INSIDE + "ml-100k.inter").decode("utf-8")
        items = z.read(INSIDE + "ml-100k.item").decode("utf-8")
    _write(data, _ratings_lines(inter), "utf-8")
    _write(item, _item_lines(items), "latin-1")
    return data


def _write(path: pathlib.Path, lines, encoding):
    with tempfile.NamedTemporaryFile("w", encoding=encoding, dir=path.parent, delete=False, newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(f.name, path)


def _ratings_lines(text):
    """recbole's `user_id:token item_id:token rating:float timestamp:float` (typed header) -> u.data."""
    rows = [line.split("\t") for line in text.splitlines()[1:] if line.strip()]
    return ["\t".join(str(int(float(v))) for v in r[:4]) for r in rows]


def _item_lines(text):
    """recbole's `item_id title year genres` -> u.item: id|title (year)|date|video date|URL|19 genre flags."""
    header = text.splitlines()[0].split("\t")
    col = {name.split(":")[0]: k for k, name in enumerate(header)}
    out = []
    for line in text.splitlines()[1:]:
        if not line.strip():
            continue
        f = line.split("\t")
        year = f[col["release_year"]].strip() if "release_year" in col else ""
        title = f[col["movie_title"]].strip() + (f" ({year})" if year else "")
        genres = set(f[col["class"]].split()) if "class" in col else set()
        flags = ["1" if g in genres else "0" for g in GENRES]
        out.append("|".join([f[col["item_id"]], title, "", "", "", *flags]))
    return out


def reference_seconds() -> float:
    """A fixed NumPy workload (float32 products the size of one big-network epoch), best of three."""
    rng = np.random.default_rng(0)
    a = rng.random((943, 1682), dtype=np.float32)
    w = rng.random((1682, 500), dtype=np.float32)
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(10):
            (a @ w) @ w.T
        best = min(best, time.perf_counter() - t0)
    return best


def train_json(path, *flags) -> dict:
    """One `train --json` run of the CLI in this process; its JSON summary, plus its CPU seconds."""
    from aeviz.cli import main
    out, err = io.StringIO(), io.StringIO()
    cpu = time.process_time()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["train", str(path), "--seed", "0", "--test-fraction", "0.2", "--json", "--quiet", *flags])
    cpu = time.process_time() - cpu
    if code != 0:
        raise RuntimeError(f"train {' '.join(flags)} failed with status {code}: {err.getvalue().strip()}")
    return {**json.loads(out.getvalue().strip().splitlines()[-1]), "cpu_seconds": round(cpu, 1)}


def rows_to_run(quick: bool, only=None):
    """(label, flags) per row: every preset but the seed's 4-movie toy (iterated, so presets added
    later appear), then every autoencoder type on the user-based tutorial network (USER_BASED)."""
    from aeviz.presets import PRESETS
    cap = ["--epochs", "3"] if quick else []
    rows = [(f"preset {p.key}", ["--preset", p.key, *cap]) for p in PRESETS if p.dataset != "toy"]
    rows += [(f"type {k}", [*USER_BASED, "--type", k, *cap]) for k in TYPES]
    rows.append(("type stacked", [*USER_BASED, "--type", "plain", "--pretrain-epochs", "5", *cap]))
    if only:
        rows = [r for r in rows if any(o in r[0] for o in only)]
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3 epochs per row (checks the script, not the figures)")
    ap.add_argument("--only", help="comma-separated substrings of the row labels to run")
    ap.add_argument("--torch-epochs", type=int, default=3, help="I-AutoRec epochs timed against PyTorch (0: skip)")
    a = ap.parse_args(argv)
    from aeviz.engine.threads import single_threaded_blas
    single_threaded_blas()  # as the app's worker; CPU seconds then mean one core's
    path = movielens_100k()
    ref = reference_seconds()
    rows = []
    head = (f"{'model':<26} {'RMSE':>6} {'MAE':>6} {'val':>6} {'P@10':>6} {'R@10':>6} {'NDCG':>6} "
            f"{'run(best)':>9} {'CPU s':>7} {'wall s':>7} {'x ref':>6}")
    print(f"MovieLens-100k ({path}), 80/20 per-user split, seed 0; test RMSE/MAE clipped to 1-5; "
          f"epoch chosen by the validation set (5% of training); reference workload {ref:.3f} s")
    base = None
    for label, flags in rows_to_run(a.quick, a.only.split(",") if a.only else None):
        s = train_json(path, *flags)
        if base is None:
            base = s.get("baselines") or {}
            for k, v in base.items():
                print(f"baseline {k:<17} {v:>6.4f}")
            print(head)
        ep = f"{s.get('epochs_run', s['epochs'])} ({s.get('best_epoch')})"

        def num(key):  # an implicit-feedback model (the VAE) has no rating errors: n/a
            v = s.get(key)
            return "   n/a" if v is None else f"{v:>6.4f}"
        print(f"{label:<26} {num('test_rmse')} {num('test_mae')} {num('val_rmse')} "
              f"{num('precision_at_10')} {num('recall_at_10')} {num('ndcg_at_10')} {ep:>9} "
              f"{s['cpu_seconds']:>7.1f} {s['seconds']:>7.1f} {s['seconds'] / ref:>6.0f}", flush=True)
        rows.append({"model": label, "flags": flags, **{k: s.get(k) for k in (
            "test_rmse", "test_mae", "val_rmse", "precision_at_10", "recall_at_10", "ndcg_at_10", "epochs",
            "best_epoch", "seconds", "cpu_seconds")}, "epochs_run": s.get("epochs_run"), "seconds_over_reference": round(s["seconds"] / ref, 2)})
    torch = None
    if a.torch_epochs > 0:
        sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
        from autorec_torch import compare
        torch = compare(str(path), a.torch_epochs)
    print(json.dumps({"dataset": "MovieLens-100k", "split": "80/20 per user, seed 0, validation 5% of train",
                      "baselines": base, "reference_seconds": round(ref, 4), "rows": rows, "quick": a.quick,
                      "autorec_epoch_vs_torch": torch}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
