"""Frames per second of the network graph: show_snapshot + a full repaint, offscreen.

The MovieLens shape 1682-20-10-20-1682 (~67k weights) is drawn as the app draws it (40 movies per
side, strongest 500 edges per layer pair), then with every node and every edge; plus the seed's
4-2-4. Snapshots come from a real trainer in mid-training, all phases mixed.
Run: python benchmarks/graph.py   (last line: one JSON object)
"""
from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from aeviz.engine import DenseRows, ModelConfig, Trainer, build_trainer, get_loss, make_optimizer  # noqa: E402
from aeviz.engine.toy import INPUTS, toy_network  # noqa: E402
from aeviz.ui.graph_view import NetworkView  # noqa: E402


def movielens_snapshots(n=12):
    rng = np.random.default_rng(0)
    m = rng.integers(1, 6, (60, 1682)) * (rng.random((60, 1682)) < 0.06)
    m[:, 0] = np.maximum(m[:, 0], 1)
    tr = build_trainer(ModelConfig(hidden=(20, 10, 20), seed=0), DenseRows(m.astype(np.float32)))
    for _ in range(20):
        tr.step_observation()
    snaps = []
    while len(snaps) < n:
        tr.step_phase()
        snaps.append(tr.snapshot(full_history=False))
    return snaps


def toy_snapshots():
    net = toy_network()
    tr = Trainer(net, make_optimizer("sgd", net.params.size, lr=0.1), get_loss("mse"),
                 DenseRows(INPUTS, mask=np.ones((4, 4), bool)))
    snaps = []
    for _ in range(12):
        tr.step_phase()
        snaps.append(tr.snapshot(full_history=False))
    return snaps


def fps(view, snaps, seconds=2.0):
    """Frames per second of show_snapshot + synchronous repaint, cycling through snaps."""
    app = QApplication.instance()
    for s in snaps[:6]:  # warm-up: fonts, glyph caches, buffers
        view.show_snapshot(s)
        view.canvas.repaint()
    frames, t0, c0 = 0, time.perf_counter(), time.process_time()
    split = {"update": 0.0, "paint": 0.0}
    while time.perf_counter() - t0 < seconds:
        a = time.perf_counter()
        view.show_snapshot(snaps[frames % len(snaps)])
        b = time.perf_counter()
        view.canvas.repaint()  # synchronous paint of what show_snapshot scheduled
        app.processEvents()
        split["update"] += b - a
        split["paint"] += time.perf_counter() - b
        frames += 1
    dt = time.perf_counter() - t0
    cpu_ms = 1000 * (time.process_time() - c0) / frames  # CPU per frame: robust to other load
    return frames / dt, 1000 * split["update"] / frames, 1000 * split["paint"] / frames, cpu_ms


def main():
    app = QApplication.instance() or QApplication(sys.argv)
    view = NetworkView()
    view.resize(1400, 900)
    view.show()
    app.processEvents()
    big = movielens_snapshots()
    rows = []
    f, u, p, c = fps(view, big)
    edges = sum(len(e.w) for e in view.drawn_edges())
    rows.append(("1682-20-10-20-1682, as drawn", edges, f, u, p, c))
    view.set_all_edges(True)
    f_all, u, p, c = fps(view, big)
    rows.append(("1682-20-10-20-1682, every edge", sum(len(e.w) for e in view.drawn_edges()), f_all, u, p, c))
    view.set_all_edges(False)
    view.set_max_edges(2000)
    f2, u, p, c = fps(view, big)
    rows.append(("1682-...-1682, 40 movies, 2000/pair", sum(len(e.w) for e in view.drawn_edges()), f2, u, p, c))
    toy = NetworkView()
    toy.resize(1400, 900)
    toy.show()
    f_toy, u, p, c = fps(toy, toy_snapshots())
    rows.append(("seed's 4-2-4", 16, f_toy, u, p, c))
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores (fps is wall-clock; CPU ms is ours)")
    print(f"{'network':40s} {'edges':>7s} {'fps':>7s} {'update ms':>10s} {'paint ms':>9s} {'CPU ms':>7s}")
    for name, e, f_, u_, p_, c_ in rows:
        print(f"{name:40s} {e:7d} {f_:7.1f} {u_:10.2f} {p_:9.2f} {c_:7.2f}")
    print(json.dumps({"fps_movielens": round(rows[0][2], 1), "fps_all_edges": round(f_all, 1),
                      "fps_movielens_2000_per_pair": round(f2, 1), "fps_toy": round(f_toy, 1),
                      "cpu_ms_movielens": round(rows[0][5], 2), "edges_movielens": rows[0][1], "edges_all": rows[1][1]}))


if __name__ == "__main__":
    main()
