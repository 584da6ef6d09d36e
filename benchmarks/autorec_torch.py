"""One epoch of the I-AutoRec preset (items as observations, 943-500-943, sigmoid/identity, SSE over
rated entries + L2 weight penalty, the preset's masking noise on the input, Adam, batches of 32
movies) in aeviz's engine against the same model in PyTorch: CPU, the same batches in the same order, float32, one thread each, alternating in
one process. Each epoch ends, in both, with the evaluation aeviz does (a forward pass of every
movie and the pooled train/test RMSE).

    python benchmarks/autorec_torch.py [u.data] [--epochs 3]

Real MovieLens-100k when the file is there (the default path is the brief's cache); else a
generated matrix of the same shape and density, labelled "synthetic" in the output.
Last line: one JSON object (aeviz_s_per_epoch, torch_s_per_epoch, torch_over_aeviz, ...).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from aeviz.engine import kernels  # noqa: E402
from aeviz.engine.threads import single_threaded_blas  # noqa: E402
from aeviz.presets import get_preset  # noqa: E402

DEFAULT = os.path.expanduser("~/.cache/aeviz-ml/ml-100k/u.data")


def ratings(path):
    from aeviz.data import load_ratings
    from aeviz.data.ratings import build_ratings
    if os.path.isfile(path):
        return load_ratings(path), "MovieLens-100k"
    rng = np.random.default_rng(0)
    u, i = np.nonzero(rng.random((943, 1682)) < 0.063)
    return build_ratings(u + 1, i + 1, rng.integers(1, 6, size=u.size)), "synthetic 943 x 1682"


def aeviz_epoch(preset, data):
    trainer, _ = preset.make_trainer(data)
    trainer.keep_undo = False  # as the CLI and full-speed play: no undo copies
    order = trainer.order.copy()
    t0 = time.perf_counter()
    trainer.step_epoch()
    return time.perf_counter() - t0, order, trainer


def torch_epoch(torch, cfg, train_x, train_m, test_x, test_m, order):
    nn = torch.nn
    torch.manual_seed(0)
    n = train_x.shape[1]
    enc, dec = nn.Linear(n, cfg.hidden[0]), nn.Linear(cfg.hidden[0], n)
    model = nn.Sequential(enc, nn.Sigmoid(), dec)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    lam = cfg.weight_penalty
    noise = cfg.noise_level if cfg.kind == "denoising" and cfg.noise == "mask" else 0.0
    x_all, m_all = torch.from_numpy(train_x), torch.from_numpy(train_m)
    tx, tm = torch.from_numpy(test_x), torch.from_numpy(test_m)
    bs = cfg.batch_size
    t0 = time.perf_counter()
    for start in range(0, order.size, bs):
        rows = torch.from_numpy(order[start:start + bs])
        x, m = x_all[rows], m_all[rows]
        x_in = x
        if noise:  # the preset's denoising: each rated entry hidden (set to 0) with probability `noise`
            x_in = torch.where((m > 0) & (torch.rand(x.shape) < noise), torch.zeros_like(x), x)
        y = model(x_in)
        loss = (((y - x) * m) ** 2).sum() / x.shape[0]
        loss = loss + 0.5 * lam * (enc.weight.pow(2).sum() + dec.weight.pow(2).sum())
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():  # the end-of-epoch evaluation: pooled train and test RMSE, clipped
        y = model(x_all).clamp(1, 5)
        train_rmse = float(torch.sqrt((((y - x_all) * m_all) ** 2).sum() / m_all.sum()))
        test_rmse = float(torch.sqrt((((y - tx) * tm) ** 2).sum() / tm.sum()))
    return time.perf_counter() - t0, train_rmse, test_rmse


def compare(path=DEFAULT, epochs: int = 3) -> dict:
    """Time `epochs` epochs of each engine, alternating; print the table; return the figures."""
    import torch
    single_threaded_blas()
    torch.set_num_threads(1)  # aeviz's BLAS runs one thread: the same for both
    data, label = ratings(path)
    preset = get_preset("item-autorec")
    cfg = preset.config
    kernels.warm_up()
    _, order, trainer = aeviz_epoch(preset, data)  # warm-up (and the dense matrices for torch)
    tr, te = trainer.train_set, trainer.test_set
    train_x, mask = tr.to_dense()
    test_x, test_mask = te.to_dense()
    train_m, test_m = mask.astype(np.float32), test_mask.astype(np.float32)
    torch_epoch(torch, cfg, train_x, train_m, test_x, test_m, order)
    ours, theirs = [], []
    for _ in range(epochs):
        s, order, trainer = aeviz_epoch(preset, data)
        ours.append(s)
        s, t_train, t_test = torch_epoch(torch, cfg, train_x, train_m, test_x, test_m, order)
        theirs.append(s)
    ae, to = statistics.median(ours), statistics.median(theirs)
    h = trainer.history[-1]
    print(f"I-AutoRec, one epoch on {label}: {tr.n_users} movies x {tr.n_items} users, "
          f"batch {cfg.batch_size}, float32, 1 thread each, median of {epochs} (wall seconds, alternating)")
    print(f"{'engine':<10}{'s/epoch':>10}{'train RMSE':>12}{'test RMSE':>11}")
    print(f"{'aeviz':<10}{ae:>10.3f}{h.train_rmse:>12.4f}{h.test_rmse:>11.4f}")
    print(f"{'pytorch':<10}{to:>10.3f}{t_train:>12.4f}{t_test:>11.4f}")
    print(f"torch / aeviz = {to / ae:.2f} (above 1: aeviz is faster)")
    return {"data": label, "aeviz_s_per_epoch": round(ae, 4), "torch_s_per_epoch": round(to, 4),
            "torch_over_aeviz": round(to / ae, 3), "torch_version": torch.__version__,
            "batch_size": cfg.batch_size, "epochs_timed": epochs,
            "aeviz_epochs": [round(x, 4) for x in ours], "torch_epochs": [round(x, 4) for x in theirs]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ratings", nargs="?", default=DEFAULT)
    ap.add_argument("--epochs", type=int, default=3, help="timed epochs per engine (median reported)")
    a = ap.parse_args()
    print(json.dumps(compare(a.ratings, a.epochs)))


if __name__ == "__main__":
    main()
