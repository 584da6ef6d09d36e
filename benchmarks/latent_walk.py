"""How fast a drag in the Code panel turns into an imaginary user, on real MovieLens-100k.

Each drag event makes the worker compute the panels' data for the point (aeviz.engine.insights.
walk_extras, what the bridge runs for a walk: lift the point, decode, rank all 1682 movies,
build the Reconstruction and Recommendations records). Measured in both orientations: user-based,
the Variational preset's network (a 64-unit code, so the plane is a PCA projection) and a 2-unit
VAE (each point an imaginary user, 1682 movies ranked); item-based, the recommender preset
(I-AutoRec, a 500-unit code seen through its PCA plane) and a 2-unit item VAE (each point an
imaginary movie, 943 users ranked). Each is trained a little first; the reference is the same
process's whole-extras call for the real current observation (what every frame costs anyway).
30 updates per second is the target. Both wall and CPU time per event are printed: on a shared
machine the wall time counts other processes' turns, the CPU time is this process's own cost.

With --gui (Qt offscreen) each event also draws the Reconstruction and Recommendations panels
and paints them, and hands the snapshot to the Code panel and the network view too (which must
skip it: a walk leaves what they draw alone): the whole path from a drag to what is on screen,
minus the queue hop.

    python benchmarks/latent_walk.py [--data PATH/u.data] [--events 200] [--gui]

Prints a table, then as its last line one JSON object.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import pathlib
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from aeviz.data import load_ratings  # noqa: E402
from aeviz.engine.config import build_trainer  # noqa: E402
from aeviz.engine.insights import compute_extras, walk_extras  # noqa: E402
from aeviz.engine.latent import decode  # noqa: E402
from aeviz.engine.threads import single_threaded_blas  # noqa: E402
from aeviz.presets import RECOMMENDER, VARIATIONAL, split_for  # noqa: E402

DEFAULT_DATA = pathlib.Path.home() / ".cache/aeviz-ml/ml-100k/u.data"


def per_call(fn, n):
    """(wall, CPU) seconds per call. On a shared machine the wall figure counts the time other
    processes took; this process's CPU time (Qt's offscreen painting included) is what a drag
    costs on a core of its own."""
    fn(0)  # warm (caches, compiled kernels)
    t, c = time.perf_counter(), time.process_time()
    for k in range(n):
        fn(k)
    return (time.perf_counter() - t) / n, (time.process_time() - c) / n


def _panels():
    """The two panels a walk updates, the Code panel it starts from and the network view,
    shown offscreen."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication
    from aeviz.ui.graph_view import NetworkView
    from aeviz.ui.panels import CodePanel, ReconstructionPanel, RecommendationsPanel
    app = QApplication.instance() or QApplication([])
    shown = [ReconstructionPanel(), RecommendationsPanel(), CodePanel(), NetworkView()]
    for p in shown:
        p.resize(600, 500)
        p.show()
    app.processEvents()
    return app, shown


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--events", type=int, default=200)
    ap.add_argument("--gui", action="store_true", help="also draw and paint the two panels")
    a = ap.parse_args()
    single_threaded_blas()  # as the app's worker does (two BLAS threads make a tiny decode 40x dearer)
    panels = _panels() if a.gui else None
    full = load_ratings(a.data)
    rows, out = [], {}
    for name, cfg, epochs in (
            ("user: VAE preset (64 units, PCA)", VARIATIONAL, 3),
            ("user: 2-unit VAE code", VARIATIONAL.with_(hidden=(256, 2, 256)), 3),
            ("item: recommender (500 units, PCA)", RECOMMENDER, 1),
            ("item: 2-unit VAE code", VARIATIONAL.with_(hidden=(256, 2, 256), orientation="item"), 3)):
        tr = build_trainer(cfg, **split_for(cfg, full)[1])
        for _ in range(epochs):
            tr.step_epoch()
        rng = np.random.default_rng(0)
        points = rng.normal(0, 1, size=(a.events + 1, 2))
        plain, plain_cpu = per_call(lambda k: compute_extras(tr, {"layer": 2, "index": 0}), max(a.events // 4, 10))
        walk, walk_cpu = per_call(lambda k: walk_extras(tr, {"kind": "point", "xy": tuple(points[k])}), a.events)
        z = np.zeros((1, tr.network.sizes[tr.network.bottleneck_layer()]))
        dec, _ = per_call(lambda k: decode(tr.network, z), a.events)
        if panels is not None:
            app, shown = panels
            split, _ = split_for(cfg, full)
            for p in shown[:3]:
                p.set_dataset(full, split)
            base = dataclasses.replace(tr.snapshot(), extras=compute_extras(tr, {"layer": 2, "index": 0}))

            def draw(k):
                ex = dict(base.extras)
                ex.update(walk_extras(tr, {"kind": "point", "xy": tuple(points[k])}))
                snap = dataclasses.replace(base, extras=ex)
                for p in shown:
                    p.show_snapshot(snap)
                for p in shown[:3]:
                    p.repaint()
                app.processEvents()  # paints the network view only if the snapshot dirtied it
            walk, walk_cpu = per_call(draw, a.events)
        rows.append((name, walk, walk_cpu, plain, dec))
        out[name] = {"orientation": cfg.orientation, "entries_ranked": tr.network.sizes[-1],
                     "walk_ms": walk * 1e3, "frame_ms": plain * 1e3, "decode_ms": dec * 1e3,
                     "walk_updates_per_s": 1.0 / walk, "walk_cpu_ms": walk_cpu * 1e3,
                     "walk_updates_per_cpu_s": 1.0 / max(walk_cpu, 1e-9), "ratio_walk_to_frame": walk / plain,
                     "ratio_walk_to_frame_cpu": walk_cpu / max(plain_cpu, 1e-9),
                     "panels_drawn": panels is not None}
    print("worker and views (Reconstruction, Recommendations, Code, network: drawn, painted)" if a.gui else "worker only (add --gui for the panels)")
    print(f"{'orientation: network':<34} {'walk event ms':>13} {'updates/s':>9} {'CPU ms':>7} {'per CPU-s':>9} "
          f"{'frame ms':>9} {'ratio':>6} {'decode ms':>9}")
    for name, walk, walk_cpu, plain, dec in rows:
        print(f"{name:<34} {walk * 1e3:>13.2f} {1 / walk:>9.1f} {walk_cpu * 1e3:>7.2f} {1 / max(walk_cpu, 1e-9):>9.1f} "
              f"{plain * 1e3:>9.2f} {walk / plain:>6.2f} {dec * 1e3:>9.3f}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall figures count "
          "other processes' time; 'per CPU-s' is this process's own cost)")
    print(json.dumps({"movies": full.n_items, "users": full.n_users, "events": a.events, "results": out,
                      "target_updates_per_s": 30,
                      "slowest_updates_per_s": min(v["walk_updates_per_s"] for v in out.values()),
                      "slowest_updates_per_cpu_s": min(v["walk_updates_per_cpu_s"] for v in out.values()),
                      "load_average": os.getloadavg()[0],
                      "meets_target": all(v["walk_updates_per_s"] >= 30 for v in out.values()),
                      "meets_target_per_cpu_s": all(v["walk_updates_per_cpu_s"] >= 30 for v in out.values())}))


if __name__ == "__main__":
    main()
