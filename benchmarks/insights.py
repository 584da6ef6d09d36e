"""How long the insight panels cost: compute_extras in the worker, and each panel's redraw.

Run: python benchmarks/insights.py   (headless; the last line is one JSON object)
Target: compute_extras < 20 ms per call on MovieLens-100k's shape (943 x 1682).
"""
from __future__ import annotations

import dataclasses
import json
import os
import statistics
import time

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from aeviz.data import holdout_split  # noqa: E402
from aeviz.data.ratings import build_ratings  # noqa: E402
from aeviz.engine import ModelConfig, build_trainer  # noqa: E402
from aeviz.engine.insights import compute_extras  # noqa: E402


def synthetic(n_users, n_items, density, seed=0):
    rng = np.random.default_rng(seed)
    genres = ("Action", "Comedy", "Drama", "Horror", "Romance", "Sci-Fi", "Thriller", "War")
    cells = rng.random((n_users, n_items)) < density
    u, i = np.nonzero(cells)
    vals = rng.integers(1, 6, u.size).astype(float)
    return build_ratings(u + 1, i + 1, vals, titles=[f"Movie {k}" for k in range(n_items)],
                         genres=tuple(genres[k % len(genres)] for k in range(n_items)))


def ms(fn, repeat):
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return statistics.median(out), max(out)


def bench_extras(n_users, n_items, density, hidden):
    r = synthetic(n_users, n_items, density)
    split = holdout_split(r, 0.2, 0)
    tr = build_trainer(ModelConfig(hidden=hidden, batch_size=32), split.train, split.test, clip=(1, 5))
    sel = {"layer": 2, "index": 0}
    t = time.perf_counter()
    compute_extras(tr, sel)
    first = (time.perf_counter() - t) * 1000
    times = []
    for _ in range(30):
        tr.step_batch()  # a new update each time: the distribution ring grows too
        t = time.perf_counter()
        compute_extras(tr, sel)
        times.append((time.perf_counter() - t) * 1000)
    play = []  # as while Play runs: several updates between calls, 0.25 s apart
    for _ in range(12):
        for _ in range(3):
            tr.step_batch()
        time.sleep(0.25)
        t = time.perf_counter()
        compute_extras(tr, sel)
        play.append((time.perf_counter() - t) * 1000)
    return tr, r, split, first, statistics.median(times), max(times), statistics.mean(play)


def bench_panels(tr, r, split):
    from PySide6 import QtWidgets
    from aeviz.ui.panels import PANELS
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    rows = []
    snaps = []
    for _ in range(6):
        tr.step_batch()
        tr.step_phase()
        snaps.append(dataclasses.replace(tr.snapshot(), extras=compute_extras(tr, {"layer": 2, "index": 0})))
    for title, factory in PANELS:
        w = factory()
        w.resize(900, 600)
        w.show()
        t = time.perf_counter()
        w.set_dataset(r, split)
        app.processEvents()
        setup = (time.perf_counter() - t) * 1000
        times = []
        for s in snaps:
            t = time.perf_counter()
            w.show_snapshot(s)
            w.repaint()
            app.processEvents()
            times.append((time.perf_counter() - t) * 1000)
        rows.append((title, setup, statistics.median(times[1:]), max(times[1:])))
        w.close()
    return rows


def main():
    results = {}
    print("compute_extras (worker thread), ms")
    print(f"{'data':>22} {'network':>14} {'first':>7} {'median':>7} {'max':>7} {'playing':>8}")
    cases = [("100k", 943, 1682, 0.063, (20, 10, 20)), ("100k wide", 943, 1682, 0.063, (500, 50, 500)),
             ("1M shape", 6040, 3706, 0.045, (20, 10, 20))]
    keep = None
    for name, nu, ni, dens, hidden in cases:
        tr, r, split, first, med, mx, play = bench_extras(nu, ni, dens, hidden)
        print(f"{f'{name} {nu}x{ni}':>22} {'-'.join(map(str, hidden)):>14} {first:7.1f} {med:7.1f} {mx:7.1f} "
              f"{play:8.1f}")
        results[f"extras_playing_mean_ms_{name.replace(' ', '_')}"] = round(play, 2)
        key = name.replace(" ", "_")
        results[f"extras_median_ms_{key}"] = round(med, 2)
        results[f"extras_max_ms_{key}"] = round(mx, 2)
        results[f"extras_first_ms_{key}"] = round(first, 2)
        if keep is None:
            keep = (tr, r, split)
    print("(median/max: after each manual update; playing: mean per call, 3 updates and 0.25 s apart)")
    print("\npanel redraw with new extras (GUI thread, offscreen, 943 x 1682, 20-10-20), ms")
    print(f"{'panel':>20} {'set_dataset':>12} {'median':>7} {'max':>7}")
    for title, setup, med, mx in bench_panels(*keep):
        print(f"{title:>20} {setup:12.1f} {med:7.1f} {mx:7.1f}")
        results[f"panel_ms_{title.lower().replace(' ', '_')}"] = round(med, 2)
    results["target_extras_under_20ms_100k"] = results["extras_median_ms_100k"] < 20
    print(json.dumps(results))


if __name__ == "__main__":
    main()
