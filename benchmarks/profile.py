"""How fast a profile is re-read after one rating changes, on a 1682-movie model (MovieLens-100k's size).

One "change" = set one of the profile's ratings to a new value, re-encode the profile with the
trained network (engine/profile.py), rank every movie with the popularity floor and a genre filter
(`rank`), and (second row of each model) explain the top 10 by exact leave-one-out
(engine/explain.py). The budget is 50 ms per change. Models, all with 1682 movies:

- user 40-20-40: the tutorial's user-based stacked autoencoder (1682-40-20-40-1682);
- user 500: a user-based 1682-500-1682;
- item 500 (fold-in): I-AutoRec's item-based 943-500-943, read by the ridge fold-in (its movie
  codes are computed once per network, reported separately as "prepare").

The weights are the untrained initial ones (the timing does not depend on their values; no
accuracy is measured here). The reference is one forward pass of one 1682-movie row through the
user 40-20-40 network, in the same process: `ratio` = a change's time / the reference's.

    python benchmarks/profile.py [--ratings 20] [--repeat 200]

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

from aeviz.engine import DenseRows, Network  # noqa: E402
from aeviz.engine.explain import explain  # noqa: E402
from aeviz.engine.profile import ProfileModel, rank  # noqa: E402
from aeviz.engine.threads import single_threaded_blas  # noqa: E402

N_MOVIES, N_USERS, BUDGET_MS = 1682, 943, 50.0


def per_call(fn, n):
    fn(0)
    t = time.perf_counter()
    for k in range(n):
        fn(k)
    return (time.perf_counter() - t) / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ratings", type=int, default=20, help="ratings in the profile")
    ap.add_argument("--repeat", type=int, default=200)
    a = ap.parse_args()
    single_threaded_blas()  # as the app's worker runs
    rng = np.random.default_rng(0)
    counts = rng.integers(0, 500, N_MOVIES)
    genres = tuple(("Action", "Comedy", "Drama", "Sci-Fi")[j % 4] for j in range(N_MOVIES))
    columns = rng.choice(N_MOVIES, a.ratings, replace=False)
    values = rng.integers(1, 6, a.ratings).astype(float)

    # a sparse-ish items x users matrix of MovieLens-100k's shape for the item model's codes
    items_users = np.where(rng.random((N_MOVIES, N_USERS)) < 0.063, rng.integers(1, 6, (N_MOVIES, N_USERS)), 0)
    tutorial = Network([N_MOVIES, 40, 20, 40, N_MOVIES], ["sigmoid"] * 3 + ["identity"])
    wide = Network([N_MOVIES, 500, N_MOVIES], ["sigmoid", "identity"])
    item = Network([N_USERS, 500, N_USERS], ["sigmoid", "identity"])
    x = np.zeros((1, N_MOVIES), dtype=np.float32)
    x[0, columns] = values
    ref = per_call(lambda k: tutorial.predict(x), a.repeat)

    rows, out = [], {"reference_forward_ms": round(ref * 1e3, 4), "budget_ms": BUDGET_MS,
                     "profile_ratings": a.ratings}
    for name, net, orient in (("user 40-20-40", tutorial, "user"), ("user 500", wide, "user"),
                              ("item 500 (fold-in)", item, "item")):
        t0 = time.perf_counter()
        model = ProfileModel(net, orient, N_MOVIES, (1, 5),
                             item_rows=DenseRows(items_users) if orient == "item" else None)
        prepare = time.perf_counter() - t0
        v = values.copy()

        def change(k, explained=False):
            v[k % v.size] = 1 + (k % 5)
            enc = model.encode(columns, v)
            top = rank(enc, 10, counts, 20, genres, "action")
            if explained:
                explain(model, enc, top)
        t_rank = per_call(change, a.repeat)
        t_explain = per_call(lambda k: change(k, True), max(20, a.repeat // 4))
        key = name.split(" (")[0].replace(" ", "_").replace("-", "_")
        for what, t in (("encode + rank", t_rank), ("encode + rank + explain top 10", t_explain)):
            rows.append((name, what, t * 1e3, t / ref, prepare * 1e3))
        out[key] = {"change_ms": round(t_rank * 1e3, 3), "change_explained_ms": round(t_explain * 1e3, 3),
                    "ratio_change": round(t_rank / ref, 2), "ratio_change_explained": round(t_explain / ref, 2),
                    "prepare_ms": round(prepare * 1e3, 1),
                    "within_budget": bool(max(t_rank, t_explain) * 1e3 < BUDGET_MS)}
    print(f"one rating changed in a {a.ratings}-rating profile, {N_MOVIES} movies "
          f"(reference: one forward pass of the 40-20-40 network, {ref * 1e3:.3f} ms)")
    print(f"{'model':<20} {'what':<32} {'ms':>8} {'x ref':>8} {'prepare ms':>11}")
    for name, what, ms, ratio, prep in rows:
        print(f"{name:<20} {what:<32} {ms:>8.3f} {ratio:>8.1f} {prep:>11.1f}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
