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

With --search, it also times the search box's completion (ui/search.py: Qt's contains-match
over a QStringListModel, offscreen) for each typed prefix, on MovieLens-20M's size (27,278
synthetic titles and 138,493 users) against MovieLens-100k's (1,682 titles and 943 users).

    python benchmarks/profile_speed.py [--ratings 20] [--repeat 200] [--search]

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
    ap.add_argument("--search", action="store_true", help="also time the search box's completion")
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
    if a.search:
        out["search"] = search_times()
    print(json.dumps(out))


def search_times():
    """Milliseconds per keystroke of the search box's completion (MovieNames.matches, then the
    popup's model refilled), ML-20M-sized names vs ML-100k-sized ones."""
    import os
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication, QLineEdit
    from aeviz.data.ratings import build_ratings
    from aeviz.ui.search import MovieNames, NameCompleter
    QApplication.instance() or QApplication([])  # the widgets' application (it stays the instance)
    rng = np.random.default_rng(1)
    words = ["Star", "Wars", "Love", "Night", "Day", "The", "Man", "Story", "Dead", "City", "Blue", "King"]
    prefixes = ["s", "st", "sta", "star", "star w", "xyz", "user 1", "user 12", "user 123"]

    def per_keystroke(n_titles, n_users):
        titles = [" ".join(rng.choice(words, 3)) + f" ({1900 + k % 120})" for k in range(n_titles)]
        items = np.arange(n_users) % n_titles
        items[:n_titles] = np.arange(min(n_titles, n_users))
        extra = np.arange(n_users, n_users + max(0, n_titles - n_users)) % n_titles  # every movie rated once
        users = np.concatenate([np.arange(n_users), np.zeros(extra.size, dtype=np.int64)]) + 1
        r = build_ratings(users, np.concatenate([items, extra]) + 1, np.ones(users.size), titles=titles)
        box = QLineEdit()
        c = NameCompleter(box, MovieNames(r, with_users=True))
        t = time.perf_counter()
        for p in prefixes:
            c.refill(p)
        return (time.perf_counter() - t) / len(prefixes)
    small, big = per_keystroke(1682, 943), per_keystroke(27278, 138493)
    print(f"search: {small * 1e3:.2f} ms per keystroke on ML-100k's names, {big * 1e3:.2f} ms on ML-20M's "
          f"({big / small:.1f} x)")
    return {"ml100k_ms": round(small * 1e3, 3), "ml20m_ms": round(big * 1e3, 3), "ratio": round(big / small, 1)}

if __name__ == "__main__":
    main()
