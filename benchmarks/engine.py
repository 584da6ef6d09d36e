"""Seconds per epoch of the tutorial recommender (n-20-10-20-n, sigmoid, RMSprop lr 0.01,
weight_decay 0.5, users in order) on a generated 943 x 1682 matrix with MovieLens-100k's density,
aeviz against the same model in PyTorch (when installed), alternating in one process.

    python benchmarks/engine.py [--epochs 3]

Last line: one JSON object (aeviz_s_per_epoch, torch_s_per_epoch, speedup, batch32_speedup, ...).
"""
from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

from aeviz.engine import DenseRows, ModelConfig, build_trainer, kernels
from aeviz.engine.threads import single_threaded_blas

N_USERS, N_ITEMS, DENSITY = 943, 1682, 0.063


def movielens_like(seed=0):
    rng = np.random.default_rng(seed)
    u = rng.normal(size=(N_USERS, 5))
    v = rng.normal(size=(N_ITEMS, 5))
    r = np.clip(np.round(3.5 + 0.6 * u @ v.T + 0.5 * rng.normal(size=(N_USERS, N_ITEMS))), 1, 5)
    pop = rng.pareto(1.2, N_ITEMS) + 0.05  # a few blockbusters, a long tail, as in MovieLens

    p = pop / pop.mean() * DENSITY
    for _ in range(20):  # fix the clipped mean to the target density
        p = np.clip(p * DENSITY / p.mean(), 0, 0.9)
    rated = rng.random((N_USERS, N_ITEMS)) < p[None, :]
    rated[:, 0] |= ~rated.any(axis=1)
    return np.where(rated, r, 0).astype(np.float32), rated


def tutorial_trainer(values, mask, batch_size):
    cfg = ModelConfig(hidden=(20, 10, 20), hidden_activation="sigmoid", optimizer="rmsprop",
                      lr=0.01, weight_decay=0.5, batch_size=batch_size, shuffle=False)
    trainer = build_trainer(cfg, DenseRows(values, mask))
    trainer.keep_undo = False
    return trainer


def aeviz_epoch(values, mask, batch_size):
    trainer = tutorial_trainer(values, mask, batch_size)
    t0 = time.perf_counter()
    trainer.step_epoch()
    return time.perf_counter() - t0


def phase_costs(values, mask):
    """Microseconds per user spent in each phase of a one-user step, phase by phase through the
    trainer's public phases (the app's Forward / Loss / Backward / Update buttons; "forward"
    includes reading the user's row). A little slower in sum than the fast path an epoch uses."""
    trainer = tutorial_trainer(values, mask, 1)
    trainer.step_epoch()  # the state of a trained network (RMSprop's weights are then tiny)
    clock = time.perf_counter
    phases = {"forward": trainer.forward, "loss": trainer.compute_loss, "backward": trainer.backward,
              "update": trainer.update}
    parts = dict.fromkeys(phases, 0.0)
    n = trainer.n_observations - 1  # the last user's update ends the epoch (an evaluation): left out
    for _ in range(n):
        for name, run in phases.items():
            t0 = clock()
            run()
            parts[name] += clock() - t0
    return {key: round(v / n * 1e6, 1) for key, v in parts.items()}


def torch_epoch(torch, values, mask, batch_size):
    nn = torch.nn
    torch.manual_seed(0)
    torch.set_num_threads(1)  # as NumPy's elementwise work: one core each, a fair fight
    model = nn.Sequential(nn.Linear(N_ITEMS, 20), nn.Sigmoid(), nn.Linear(20, 10), nn.Sigmoid(),
                          nn.Linear(10, 20), nn.Sigmoid(), nn.Linear(20, N_ITEMS))
    opt = torch.optim.RMSprop(model.parameters(), lr=0.01, weight_decay=0.5)
    x_all = torch.from_numpy(values)
    m_all = torch.from_numpy(mask.astype(np.float32))
    t0 = time.perf_counter()
    for start in range(0, N_USERS, batch_size):
        x = x_all[start:start + batch_size]
        m = m_all[start:start + batch_size]
        y = model(x)
        per_user = (((y - x) ** 2) * m).sum(dim=1) / m.sum(dim=1).clamp(min=1)
        loss = per_user.mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    # the same end-of-epoch evaluation aeviz does (a full forward pass)
    with torch.no_grad():
        model(x_all)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=3, help="timed epochs per engine (median reported)")
    args = ap.parse_args()
    single_threaded_blas()
    values, mask = movielens_like()
    try:
        import torch
    except ImportError:
        torch = None
    rows = []
    result = {"users": N_USERS, "items": N_ITEMS, "density": round(float(mask.mean()), 4),
              "torch_version": getattr(torch, "__version__", None)}
    for label, bs in (("one user per update", 1), ("batches of 32", 32)):
        ours, theirs = [], []
        aeviz_epoch(values, mask, bs)  # warm-up
        if torch is not None:
            torch_epoch(torch, values, mask, bs)
        for _ in range(args.epochs):
            ours.append(aeviz_epoch(values, mask, bs))
            if torch is not None:
                theirs.append(torch_epoch(torch, values, mask, bs))
        a = statistics.median(ours)
        t = statistics.median(theirs) if theirs else None
        rows.append((label, a, t))
        key = "" if bs == 1 else "batch32_"
        result[f"{key}aeviz_s_per_epoch"] = round(a, 4)
        result[f"{key}torch_s_per_epoch"] = round(t, 4) if t else None
        result[f"{key}speedup"] = round(t / a, 2) if t else None
    # the NumPy fallback (no Numba, or AEVIZ_JIT=0), one user per update, in the same run
    was = kernels.enabled
    kernels.enabled = False
    aeviz_epoch(values, mask, 1)
    numpy_path = statistics.median(aeviz_epoch(values, mask, 1) for _ in range(args.epochs))
    kernels.enabled = was
    result["numpy_path_s_per_epoch"] = round(numpy_path, 4)
    t1 = result["torch_s_per_epoch"]
    result["numpy_path_speedup"] = round(t1 / numpy_path, 2) if t1 else None
    costs = phase_costs(values, mask)
    result["per_user_us"] = costs
    print(f"{'mode':<22}{'aeviz s/epoch':>15}{'torch s/epoch':>15}{'torch/aeviz':>13}")
    for label, a, t in rows:
        ts = f"{t:15.3f}" if t else f"{'n/a':>15}"
        sp = f"{t / a:12.2f}x" if t else f"{'n/a':>13}"
        print(f"{label:<22}{a:15.3f}{ts}{sp}")
    ts = f"{t1 / numpy_path:12.2f}x" if t1 else f"{'n/a':>13}"
    print(f"{'same, NumPy path only':<22}{numpy_path:15.3f}{'':>15}{ts}")
    print(f"({N_USERS} users x {N_ITEMS} movies, {mask.mean():.1%} rated; "
          f"us per user: {rows[0][1] / N_USERS * 1e6:.0f}; phase by phase: "
          + ", ".join(f"{k} {v:.0f}" for k, v in costs.items()) + ")")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
