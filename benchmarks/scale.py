"""Scale: a MovieLens-20M-sized ratings file (synthetic), one epoch of the recommender preset in
aeviz's engine, in the exported PyTorch script on one process, and under torchrun with 2.

The file is generated (138,000 users x 27,000 movies, 20,000,000 ratings: user activity and movie
popularity skewed as in MovieLens, ratings from a low-rank taste model plus noise, rounded to 1-5
stars), written to a temporary folder in u.data layout and deleted afterwards. It is synthetic: the
RMSEs printed say nothing about real accuracy, only the seconds and the memory mean something.

Each engine runs in its own process with one thread per process, as aeviz keeps BLAS to one
thread (its peak memory is its own: resident memory of the process
tree, sampled 5 times a second). On a shared machine a whole epoch (17,250 batches of 8 users) is
long, so by default each engine times the first --batches batches and the epoch is extrapolated
(batches per epoch x seconds per batch + one evaluation); --batches 0 runs whole epochs. Ratios are
against aeviz's engine in the same run. Prints a table, then one JSON object as the last line.

    python benchmarks/scale.py                    # 2,000 batches per engine, extrapolated
    python benchmarks/scale.py --batches 0        # whole epochs
    python benchmarks/scale.py --ratings 2000000  # a smaller file, same shape
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's aeviz, in the child processes too


# ------------------------------------------------------------------------------ the data
def generate(path, users: int, items: int, ratings: int, seed: int = 0) -> dict:
    """A long ratings file (user, item, rating, timestamp; tabs), `ratings` distinct pairs."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    activity = rng.lognormal(0.0, 1.0, users) + 0.15  # a few users rate a lot, most a little
    # a long tail of rarely rated movies: at MovieLens-20M's size the most rated gets ~67,000
    # ratings (ML-20M: 67,310) and the median movie ~30 (ML-20M: 18)
    popularity = 1.0 / (np.arange(1, items + 1) + 300) ** 2.0
    popularity = popularity[rng.permutation(items)]
    if ratings > 0.5 * users * items:
        raise ValueError("ask for at most half of all users x movies cells")
    keys = np.zeros(0, dtype=np.int64)
    while keys.size < ratings:  # distinct (user, movie) pairs: draw again what collided
        want = int((ratings - keys.size) * 1.2) + 1000
        u = rng.choice(users, size=want, p=activity / activity.sum())
        i = rng.choice(items, size=want, p=popularity / popularity.sum())
        keys = np.union1d(keys, u.astype(np.int64) * items + i)
        del u, i
    keys = np.sort(rng.choice(keys, size=ratings, replace=False))
    u, i = keys // items, keys % items
    del keys
    rank = 8  # tastes: a low-rank model, user and movie biases, noise
    pu = rng.normal(0, 0.35, (users, rank)).astype(np.float32)
    qi = rng.normal(0, 0.35, (items, rank)).astype(np.float32)
    bu, bi = rng.normal(0, 0.4, users), rng.normal(0, 0.5, items)
    stars = np.empty(ratings, dtype=np.int8)
    for a in range(0, ratings, 1 << 22):
        s = slice(a, a + (1 << 22))
        score = 3.55 + bu[u[s]] + bi[i[s]] + np.einsum("ij,ij->i", pu[u[s]], qi[i[s]]) + rng.normal(0, 0.8, u[s].size)
        stars[s] = np.clip(np.rint(score), 1, 5)
    frame = pd.DataFrame({"user": u + 1, "item": i + 1, "rating": stars,
                          "timestamp": 1_000_000_000 + rng.integers(0, 10**8, ratings)})
    frame.to_csv(path, sep="\t", header=False, index=False)
    return {"users": int(np.unique(u).size), "items": int(np.unique(i).size), "ratings": ratings,
            "bytes": os.path.getsize(path)}


# ------------------------------------------------------------------------------ aeviz's engine
def aeviz_part(ratings_path, model_path, batches: int) -> dict:
    """Run in a child process: load, split (as every aeviz caller does: `split_for`, so an item
    model sees the transposed matrix), build the recommender preset, save its starting model
    (for the script), time `batches` batches (0 = the epoch) and one evaluation."""
    from aeviz.data import load_ratings
    from aeviz.engine import build_trainer
    from aeviz.engine.evaluation import evaluate
    from aeviz.engine.serialize import dataset_identity, save_model
    from aeviz.presets import RECOMMENDER as cfg
    from aeviz.presets import split_for

    t0 = time.perf_counter()
    full = load_ratings(ratings_path)
    _, parts = split_for(cfg, full)
    clip = parts["clip"]
    trainer = build_trainer(cfg, **parts)
    trainer.keep_undo = False  # full-speed play keeps no undo copy either
    load_seconds = time.perf_counter() - t0
    save_model(model_path, trainer, cfg, dataset_identity(full, ratings_path))
    per_epoch = -(-trainer.n_observations // trainer.batch_size)
    todo = per_epoch if not batches else min(batches, per_epoch)
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(todo - (1 if todo == per_epoch else 0)):  # the last batch ends the epoch
        trainer.step_batch()
    train_seconds, train_cpu = time.perf_counter() - t0, time.process_time() - c0
    t0 = time.perf_counter()
    ev = evaluate(trainer.network, parts["train"], parts["test"], clip=clip, orientation=cfg.orientation)
    eval_seconds = time.perf_counter() - t0
    done = todo - (1 if todo == per_epoch else 0)
    return {"load_seconds": load_seconds, "batches": done, "batches_per_epoch": per_epoch,
            "train_seconds": train_seconds, "train_cpu_seconds": train_cpu, "eval_seconds": eval_seconds,
            "test_rmse": ev.test_rmse, "observations": trainer.n_observations,
            "inputs": trainer.network.sizes[0], "parameters": int(trainer.network.params.size),
            "orientation": cfg.orientation, "batch_size": trainer.batch_size}


# ------------------------------------------------------------------------------ measuring
class PeakMemory:
    """Resident memory of a process and its children, sampled 5 times a second (MB)."""

    def __init__(self, pid):
        import psutil
        self.root = psutil.Process(pid)
        self.total = self.single = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        import psutil
        while not self._stop.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
                rss = [p.memory_info().rss / 2**20 for p in procs]
                self.total = max(self.total, sum(rss))
                self.single = max(self.single, max(rss))
            except psutil.Error:
                pass
            self._stop.wait(0.2)

    def stop(self):
        self._stop.set()
        self._thread.join()


def tree_cpu_seconds() -> float:
    """CPU seconds of every finished child process and their waited-for descendants."""
    import resource
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_measured(argv, env=None) -> tuple[dict, float, float]:
    """(the child's last-line JSON with the CPU seconds of its whole process tree added as
    "tree_cpu_seconds", peak MB of the whole tree, peak MB of one process)."""
    cpu = tree_cpu_seconds()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})}, cwd=ROOT)
    peak = PeakMemory(proc.pid)
    out, err = proc.communicate()
    peak.stop()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, argv[:4]))}... failed:\n{err[-3000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    result["tree_cpu_seconds"] = tree_cpu_seconds() - cpu
    return result, peak.total, peak.single


def free_port() -> int:
    """A port no one listens on now, for this torchrun's own rendezvous."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def epoch_seconds(r: dict) -> float:
    """A whole epoch: every batch at the measured pace, plus one evaluation."""
    return r["train_seconds"] / r["batches"] * r["batches_per_epoch"] + r["eval_seconds"]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--users", type=int, default=138_000)
    p.add_argument("--items", type=int, default=27_000)
    p.add_argument("--ratings", type=int, default=20_000_000)
    p.add_argument("--batches", type=int, default=2000, help="batches timed per engine (0 = whole epoch)")
    p.add_argument("--part", nargs=3, metavar=("aeviz", "RATINGS", "MODEL"), help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.part:
        print(json.dumps(aeviz_part(a.part[1], a.part[2], a.batches)))
        return 0
    importlib.import_module("torch")  # the script's engine: fail early when it is missing

    folder = pathlib.Path(tempfile.mkdtemp(prefix="aeviz-scale-"))
    try:
        data = folder / "ratings.tsv"
        t0 = time.perf_counter()
        shape = generate(data, a.users, a.items, a.ratings)
        print(f"synthetic ratings: {shape['users']:,} users x {shape['items']:,} movies, "
              f"{shape['ratings']:,} ratings, {shape['bytes'] / 2**20:.0f} MB, "
              f"generated in {time.perf_counter() - t0:.0f} s", flush=True)
        model = folder / "recommender.npz"
        script = folder / "train_torch.py"
        results = {}
        print("aeviz's engine...", flush=True)
        results["aeviz"] = run_measured([sys.executable, __file__, "--batches", str(a.batches),
                                         "--part", "aeviz", str(data), str(model)])
        subprocess.run([sys.executable, "-m", "aeviz", "export-torch", str(model), "-o", str(script)],
                       check=True, cwd=ROOT, capture_output=True)
        common = [str(script), str(data), "--epochs", "1", "--json", "--max-batches", str(a.batches)]
        print("the exported script, 1 process...", flush=True)
        results["torch, 1 process"] = run_measured([sys.executable, *common], {"OMP_NUM_THREADS": "1"})
        print("the exported script, torchrun with 2 processes...", flush=True)
        results["torch, torchrun 2 processes"] = run_measured(
            [sys.executable, "-m", "torch.distributed.run", "--nnodes=1", "--nproc_per_node=2",
             "--rdzv-backend=c10d", f"--rdzv-endpoint=127.0.0.1:{free_port()}", *common],
            {"OMP_NUM_THREADS": "1", "GLOO_SOCKET_IFNAME": "lo"})
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    ref = epoch_seconds(results["aeviz"][0])
    rows = []
    print(f"\n{'engine':<30} {'load s':>7} {'batches':>8} {'ms/batch':>9} {'CPU ms':>7} {'eval s':>7} "
          f"{'epoch s':>8} {'ratio':>6} {'CPU s':>7} {'peak MB':>8} {'per proc':>8}")
    for name, (r, total, single) in results.items():
        ms = 1000 * r["train_seconds"] / r["batches"]
        cpu_ms = 1000 * r["train_cpu_seconds"] / r["batches"]  # process 0's own CPU time
        epoch = epoch_seconds(r)
        print(f"{name:<30} {r['load_seconds']:>7.1f} {r['batches']:>8} {ms:>9.2f} {cpu_ms:>7.1f} "
              f"{r['eval_seconds']:>7.1f} {epoch:>8.0f} {epoch / ref:>6.2f} {r['tree_cpu_seconds']:>7.0f} "
              f"{total:>8.0f} {single:>8.0f}")
        rows.append({"engine": name, "load_seconds": round(r["load_seconds"], 2), "batches": r["batches"],
                     "batches_per_epoch": r["batches_per_epoch"], "ms_per_batch": round(ms, 3),
                     "cpu_ms_per_batch": round(cpu_ms, 3), "run_cpu_seconds": round(r["tree_cpu_seconds"], 1),
                     "eval_seconds": round(r["eval_seconds"], 2), "epoch_seconds": round(epoch, 1),
                     "ratio_to_aeviz": round(epoch / ref, 3), "peak_mb": round(total),
                     "peak_mb_per_process": round(single)})
    whole = all(r["batches"] >= r["batches_per_epoch"] - 1 for r, _, _ in results.values())
    a0 = results["aeviz"][0]
    print(f"\n(synthetic data; recommender preset: {a0['orientation']}-based, {a0['inputs']:,} inputs, "
          f"{a0['parameters']:,} parameters, batches of {a0['batch_size']}; "
          f"{'whole epochs' if whole else 'epoch seconds extrapolated from the batches timed'}; {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}; 'CPU s': the whole run's CPU, every process)")
    print(json.dumps({"benchmark": "scale", "synthetic": True, **shape, "preset": "recommender",
                      "orientation": a0["orientation"], "parameters": a0["parameters"],
                      "extrapolated": not whole, "cores": os.cpu_count(), "load_average": os.getloadavg()[0],
                      "engines": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
