"""Loading benchmark for the data layer (not a test).

Generates ml-latest-like ``userId,movieId,rating,timestamp`` files of 100k, 1M and
20M ratings (sorted by user then movie, half stars, ~140 ratings per user, n/100 movies
with ids scattered over 1..200,000), plus a 1M u.data-like file (tab, no header, lines
in random order), into a temporary folder (with NumPy, quickly), then measures
``aeviz.data.load_ratings`` (as shipped: parsing threads on idle cores only; and never: ``1 thread``) against
``pandas.read_csv`` on the same file (interleaved, best of 5 each), and the peak
memory of loading each file in a fresh subprocess (VmHWM, the process's resident
high-water mark, which includes the interpreter and NumPy: ~30 MB).

Prints a table, then as the LAST line one JSON object with the figures.
Run: ``python benchmarks/load.py`` (about a minute or two).
"""
from __future__ import annotations

import gc
import json
import pathlib
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _digits(values: np.ndarray, width: int):
    """ASCII digits of non-negative ints (< 2**32), right-aligned in (n, width) uint8,
    and the mask of the digits to keep (no leading zeros)."""
    v = values.astype(np.uint32)
    out = np.empty((len(v), width), np.uint8)
    ndig = np.ones(len(v), np.int8)
    for j in range(width - 1, -1, -1):
        q = v // 10
        out[:, j] = (v - q * 10).astype(np.uint8) + 48
        v = q
        ndig += (v > 0) & (j > 0)
    keep = np.arange(width) >= (width - ndig.astype(np.int64))[:, None]
    return out, keep


def write_ratings(path: pathlib.Path, n: int, seed: int = 0, block: int = 2_000_000, shuffled: bool = False):
    """An ml-latest-like file: users in order, sorted movie ids per user, half stars.
    ``shuffled``: lines in random order, tab-separated, whole stars, no header (like ml-100k u.data)."""
    rng = np.random.default_rng(seed)
    # MovieLens-like shape: ~140 ratings per user; ml-1m has 3.7k movies, ml-20m 27k:
    # here n/100 movies (1,000..60,000) with ids scattered (gaps) over 1..200,000,
    # popularity skewed (Zipf-like)
    n_users = max(2, n // 140)
    n_items = int(min(60_000, max(1_000, n // 100)))
    m = int(n * 1.15)
    users = rng.integers(1, n_users + 1, size=m)
    movie_ids = np.sort(rng.choice(np.arange(1, 200_000), size=n_items, replace=False))
    pop = 1.0 / np.arange(1, n_items + 1) ** 0.8
    items = movie_ids[np.searchsorted(np.cumsum(pop / pop.sum()), rng.random(m) * 0.999999)]
    # like ml-latest: sorted by user then movie, no repeated pair: draw a few extra
    # then drop the repeats and the surplus
    key = users.astype(np.int64) * 1_000_000 + items
    key.sort()
    key = key[np.concatenate([[True], key[1:] != key[:-1]])]
    if len(key) > n:
        key = key[np.sort(rng.choice(len(key), size=n, replace=False))]
    users, items = key // 1_000_000, key % 1_000_000
    del key
    n = len(users)
    ratings2 = rng.integers(1, 11, size=n)
    if shuffled:
        perm = rng.permutation(n)
        users, items = users[perm], items[perm]
        ratings2 = rng.integers(1, 6, size=n) * 2  # half stars * 2
    stamps = rng.integers(800_000_000, 1_700_000_000, size=n)
    sep = 9 if shuffled else 44
    with open(path, "wb") as f:
        if not shuffled:
            f.write(b"userId,movieId,rating,timestamp\n")
        for s in range(0, n, block):
            e = min(n, s + block)
            parts = []
            ud, uk = _digits(users[s:e], 7)
            idg, ik = _digits(items[s:e], 6)
            whole = ratings2[s:e] // 2
            half = ratings2[s:e] % 2
            rd = np.stack([whole + 48, np.full(e - s, 46), np.where(half, 53, 48)], axis=1).astype(np.uint8)
            rk = np.ones_like(rd, dtype=bool)
            if shuffled:  # whole stars: "4"
                rk[:, 1:] = False
            td, tk = _digits(stamps[s:e], 10)
            comma = np.full((e - s, 1), sep, np.uint8)
            nl = np.full((e - s, 1), 10, np.uint8)
            one = np.ones((e - s, 1), bool)
            mat = np.concatenate([ud, comma, idg, comma, rd, comma, td, nl], axis=1)
            keep = np.concatenate([uk, one, ik, one, rk, one, tk, one], axis=1)
            parts.append(mat[keep].tobytes())
            f.write(b"".join(parts))


def time_ours(path, workers: int | None = None) -> tuple[float, int]:
    """Seconds to load ``path``; ``workers=1``: no parsing threads (a busy machine's case)."""
    from aeviz.data import load_ratings, loader
    saved = loader.MAX_WORKERS
    if workers is not None:
        loader.MAX_WORKERS = workers
    try:
        gc.collect()
        t = time.perf_counter()
        r = load_ratings(path)
        return time.perf_counter() - t, r.nnz
    finally:
        loader.MAX_WORKERS = saved


def time_pandas(path, **kw) -> float:
    import pandas as pd
    gc.collect()
    t = time.perf_counter()
    pd.read_csv(path, **kw)
    return time.perf_counter() - t


def peak_in_subprocess(path) -> tuple[float, float, int]:
    """(peak MB, seconds, ratings) of loading ``path`` in a fresh Python process.

    Peak = VmHWM from /proc/self/status (the high-water mark of this process image).
    ru_maxrss is not used on Linux: it survives exec, so a child forked from this big
    benchmark process would report the parent's size."""
    code = (
        "import sys, time, resource\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "def peak_mb():\n"
        "    try:\n"
        "        for line in open('/proc/self/status'):\n"
        "            if line.startswith('VmHWM:'):\n"
        "                return int(line.split()[1]) / 1024\n"
        "    except OSError:\n"
        "        pass\n"
        "    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "from aeviz.data import load_ratings\n"
        "base = peak_mb()\n"
        "t = time.perf_counter()\n"
        f"r = load_ratings({str(path)!r})\n"
        "dt = time.perf_counter() - t\n"
        "print(peak_mb(), base, dt, r.nnz)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    peak, base, dt, nnz = out.stdout.split()
    return float(peak), float(dt), int(nnz)


def main(sizes=(100_000, 1_000_000, 20_000_000), repeats=5):
    results = {}
    rows = []
    cases = [(n, False) for n in sizes]
    cases.insert(2, (1_000_000, True))  # also: 1M lines in random order, u.data style
    with tempfile.TemporaryDirectory(prefix="aeviz-bench-") as tmp:
        for n, shuffled in cases:
            path = pathlib.Path(tmp) / (f"u_{n}.data" if shuffled else f"ratings_{n}.csv")
            write_ratings(path, n, shuffled=shuffled)
            mb = path.stat().st_size / 1e6
            if n <= 2_000_000:
                ours_t, single_t, pandas_t = [], [], []
                for _ in range(repeats):  # interleaved: all see the same machine load
                    ours_t.append(time_ours(path)[0])
                    pandas_t.append(time_pandas(path, header=None if shuffled else "infer",
                                                sep="\t" if shuffled else ","))
                    single_t.append(time_ours(path, workers=1)[0])
                ours, pandas_s, single = min(ours_t), min(pandas_t), min(single_t)
                peak, _, nnz = peak_in_subprocess(path)
            else:
                peak, ours, nnz = peak_in_subprocess(path)
                pandas_s = single = float("nan")  # pandas on 20M would dominate the run time
            path.unlink()
            ratio = ours / pandas_s if pandas_s == pandas_s else float("nan")
            label = f"{n:,}" + (" shuffled" if shuffled else "")
            single_ratio = single / pandas_s if pandas_s == pandas_s else float("nan")
            rows.append((label, mb, ours, n / ours, peak, pandas_s, ratio, single, single_ratio))
            key = {100_000: "100k", 1_000_000: "1m", 20_000_000: "20m"}.get(n, str(n))
            key += "_shuffled" if shuffled else ""
            results[f"seconds_{key}"] = round(ours, 4)
            results[f"ratings_per_s_{key}"] = round(n / ours)
            results[f"peak_mb_{key}"] = round(peak, 1)
            results[f"file_mb_{key}"] = round(mb, 1)
            if pandas_s == pandas_s:
                results[f"pandas_seconds_{key}"] = round(pandas_s, 4)
                results[f"pandas_ratio_{key}"] = round(ratio, 3)
                results[f"seconds_{key}_single_thread"] = round(single, 4)
                results[f"pandas_ratio_{key}_single_thread"] = round(single_ratio, 3)
    def opt(x, fmt, w):
        return format(x, fmt).rjust(w) if x == x else "-".rjust(w)

    print(f"{'ratings':>20} {'file MB':>8} {'seconds':>8} {'ratings/s':>11} {'peak MB':>8} "
          f"{'pandas s':>9} {'ratio':>6} {'1 thread s':>10} {'ratio':>6}")
    for n, mb, s, rps, peak, ps, ratio, single, single_ratio in rows:
        print(f"{n:>20} {mb:8.1f} {s:8.3f} {rps:11,.0f} {peak:8.0f} {opt(ps, '.3f', 9)} {opt(ratio, '.2f', 6)} "
              f"{opt(single, '.3f', 10)} {opt(single_ratio, '.2f', 6)}")
    print(f"(best of {repeats}, interleaved with pandas, up to 1M; '1 thread': the loader without parsing "
          "threads, as on a busy machine; 20M loaded once in a fresh process; "
          "peak = VmHWM of a fresh process loading the file)")
    results["targets_met"] = bool(results.get("seconds_1m", 9) < 1.5 and results.get("pandas_ratio_1m", 9) <= 1
                                  and results.get("peak_mb_20m", 1e9) < 2048)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
