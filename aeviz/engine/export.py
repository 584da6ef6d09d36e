"""Plain CSV files of what was learnt, for a spreadsheet or a notebook (no Qt, no pickle).

Each writer takes immutable inputs (a Snapshot's history or weights, or a network the caller
does not train meanwhile) and writes atomically, so a failed export never leaves half a file
in place of a good one.
"""
from __future__ import annotations

import csv
import io
import math
import pathlib

import numpy as np

from .atomic import atomic_write
from .orientation import observations, user_predictions

HISTORY_COLUMNS = ("epoch", "train_rmse", "test_rmse", "test_rmse_per_user", "mean_loss", "penalty",
                   "seconds")
PREDICTION_COLUMNS = ("user_id", "item_id", "title", "predicted", "rated", "rating")
def _num(v) -> str:
    """Empty for missing or non-finite values: a CSV cell must never read 'nan'."""
    if v is None:
        return ""
    v = float(v)
    return repr(v) if math.isfinite(v) else ""


def write_history_csv(path, history) -> pathlib.Path:
    """One row per completed epoch (EpochRecord-like objects)."""
    def write(fh):
        w = csv.writer(fh)
        w.writerow(HISTORY_COLUMNS)
        for h in history:
            w.writerow([int(h.epoch)] + [_num(getattr(h, c)) for c in HISTORY_COLUMNS[1:]])
    return atomic_write(path, write)


def weight_file_names(sizes) -> list[str]:
    """`layer1_20x10.csv`...: layer number, then its shape as (inputs x outputs)."""
    return [f"layer{l + 1}_{sizes[l]}x{sizes[l + 1]}.csv" for l in range(len(sizes) - 1)]


def write_weights_csv(folder, sizes, weights, biases=None, input_ids=None) -> list[pathlib.Path]:
    """One file per layer: a row per unit of the layer's output (`unit`, `bias`, then one column
    per input unit, named by `input_ids` for the first layer, e.g. movie ids)."""
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for l, name in enumerate(weight_file_names(sizes)):
        W = np.asarray(weights[l], dtype=np.float64)
        b = None if biases is None or biases[l] is None else np.asarray(biases[l], dtype=np.float64)
        cols = ([f"in_{x}" for x in input_ids] if l == 0 and input_ids is not None
                else [f"in_{j}" for j in range(W.shape[1])])

        def write(fh, W=W, b=b, cols=cols):
            w = csv.writer(fh)
            w.writerow(["unit", "bias"] + cols)
            for i in range(W.shape[0]):
                w.writerow([i, _num(b[i]) if b is not None else ""] + [repr(float(x)) for x in W[i]])
        written.append(atomic_write(folder / name, write))
    return written


def predict_all(network, ratings, clip=None, batch: int = 512, orientation: str = "user"):
    """Yield (rows, predicted (B, n_items) float64, values, mask) for every user, in order.
    ``ratings`` is users x items, whichever the model's orientation (engine/orientation.py)."""
    obs = observations(ratings, orientation)
    for start in range(0, ratings.n_users, batch):
        rows = np.arange(start, min(ratings.n_users, start + batch))
        x, m = ratings.dense_rows(rows)
        y = np.asarray(user_predictions(network, obs, orientation, rows, clip), dtype=np.float64)
        yield rows, y, x, m


def _quoted(text: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow([text])
    return buf.getvalue()


def write_predictions_csv(path, network, ratings, clip=None, digits: int = 4, cancel=None,
                          orientation: str = "user") -> int:
    """Every (user, movie) pair: the predicted rating (clipped to the scale), whether the user rated
    it and the rating. Built a user block at a time with NumPy formatting (943 x 1682 in seconds).
    Returns the number of rows written; `cancel()` returning True stops early (file not replaced)."""
    n = ratings.n_items
    user_ids = np.asarray(getattr(ratings, "user_ids", np.arange(ratings.n_users)))
    item_ids = np.asarray(getattr(ratings, "item_ids", np.arange(n)))
    titles = getattr(ratings, "titles", None)
    titles = list(titles) if titles is not None else [""] * n
    # the constant middle of each line, per movie: ",item_id,title,"
    middle = np.array([f",{item_ids[j]},{_quoted(str(titles[j] or ''))}," for j in range(n)], dtype=object)
    fmt = f"%.{digits}f"
    count = 0

    def write(fh):
        nonlocal count
        fh.write(",".join(PREDICTION_COLUMNS) + "\n")
        for rows, y, x, m in predict_all(network, ratings, clip, orientation=orientation):
            if cancel is not None and cancel():
                raise InterruptedError("export cancelled")
            pred = np.char.mod(fmt, y).astype(object)
            rated = np.where(m, ",1,", ",0,").astype(object)
            rating = np.where(m, np.char.mod("%g", x), "").astype(object)
            for i, r in enumerate(rows):
                line = str(user_ids[r]) + middle + pred[i] + rated[i] + rating[i]
                fh.write("\n".join(line.tolist()))
                fh.write("\n")
            count += rows.size * n
    atomic_write(path, write)
    return count
