"""Hostile-file benchmark (issue 14; not a test): every case refused or loaded fast and bounded.

Generates big hostile files (all synthetic) into a temporary folder, runs each case as
`python -m aeviz ...` in a fresh subprocess and reports its wall-clock seconds, exit status,
first line of stderr and peak memory (the child's resident high-water mark, from
``getrusage(RUSAGE_CHILDREN)`` of a one-child runner, so each figure is one process's own). The
files are deleted at the end.

Cases: single 50/100/200 MB lines (no newline), a 300 MB file of NUL bytes, ``train /dev/zero``,
a named pipe, a 100 MB garbage wide file, a zip-bomb model (3 GB of zeros in a ~3 MB .npz) and a
model with a bomb member beside valid arrays, and 400k ratings over 100k items (its memory is
evaluation's and training's: another engineer's fix, reported as is; its loading alone is a case
of its own). Target: each < 5 s and < 1 GB.

Wall-clock figures are noisy on a shared machine: each is also given as a ratio to a reference
run in the same process (`python -m aeviz --help`: interpreter start and imports).
Prints a table, then as the LAST line one JSON object. Run: ``python benchmarks/hostile.py [name ...]``
(names: run only the cases containing them).
"""
from __future__ import annotations

import io
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import zipfile

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
TARGET_SECONDS, TARGET_MB = 5.0, 1024
MB = 1 << 20

# Runs one command as its only child and reports that child's seconds and peak RSS (a fresh
# runner per case: RUSAGE_CHILDREN's maxrss is the largest of all children waited for).
RUNNER = r"""
import json, resource, subprocess, sys, time
argv, timeout = json.loads(sys.argv[1]), float(sys.argv[2])
t = time.perf_counter()
try:
    p = subprocess.run(argv, capture_output=True, timeout=timeout)
    code, err = p.returncode, p.stderr.decode("utf-8", "replace")
except subprocess.TimeoutExpired as exc:
    code, err = "timeout", (exc.stderr or b"").decode("utf-8", "replace")
seconds = time.perf_counter() - t
rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
lines = [l for l in err.splitlines() if l.strip()]
print(json.dumps({"seconds": seconds, "code": code, "peak_mb": rss_mb, "stderr": lines[-1] if lines else ""}))
"""


def measure(args, timeout=120.0) -> dict:
    """``args``: the command line after ``python -m aeviz``, or ``("-c", code)`` for Python code."""
    args = list(map(str, args))
    argv = [sys.executable, *args] if args[0] == "-c" else [sys.executable, "-m", "aeviz", *args]
    out = subprocess.run([sys.executable, "-c", RUNNER, json.dumps(argv), str(timeout)], capture_output=True,
                         text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return json.loads(out.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------ generators (synthetic files)
def single_line(path, megabytes):
    block = b"5," * (MB // 2)
    with open(path, "wb") as f:
        for _ in range(megabytes):
            f.write(block)


def nul_file(path, megabytes):
    with open(path, "wb") as f:
        f.truncate(megabytes * MB)  # reads back as NUL bytes


def garbage_wide(path, megabytes, seed=0):
    rng = np.random.default_rng(seed)
    words = np.array(["foo", "bar", "lorem", "ipsum", "x1", "zz", "q", "dolor"])
    lines = [",".join(rng.choice(words, 12)) for _ in range(20_000)]
    block = ("\n".join(lines) + "\n").encode()
    with open(path, "wb") as f:
        while f.tell() < megabytes * MB:
            f.write(block)


def many_items(path, n_ratings=400_000, n_items=100_000, n_users=4_000, seed=0):
    rng = np.random.default_rng(seed)
    per = n_ratings // n_users
    users = np.repeat(np.arange(1, n_users + 1), per)
    items = np.concatenate([rng.choice(n_items, per, replace=False) + 1 for _ in range(n_users)])
    stars = rng.integers(1, 6, size=len(users))
    with open(path, "w") as f:
        f.write("userId,movieId,rating\n")
        for k in range(0, len(users), 100_000):
            f.write("".join(f"{u},{i},{r}\n" for u, i, r in zip(users[k:k + 100_000].tolist(),
                                                                items[k:k + 100_000].tolist(),
                                                                stars[k:k + 100_000].tolist())))


def small_ratings(path, n_users=30, n_items=10, seed=0):
    rng = np.random.default_rng(seed)
    rows = [f"{u},{m},{rng.integers(1, 6)}" for u in range(1, n_users + 1)
            for m in rng.choice(np.arange(1, n_items + 1), 5, replace=False)]
    path.write_text("userId,movieId,rating\n" + "\n".join(rows) + "\n")


def _npy_header(shape, descr) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_2_0(buf, {"descr": descr, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def zip_bomb(model, out, gigabytes=3, beside=False):
    """``beside=False``: params.npy declares 3 GB of float32 zeros (the header's network needs far
    fewer). ``beside=True``: the model's own arrays, plus a 3 GB member of zeros nothing asks for."""
    with zipfile.ZipFile(model) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    zeros = bytes(16 * MB)
    name = "junk.npy" if beside else "params.npy"
    count = gigabytes * 1024 // 16
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in members.items():
            if n != name:
                zf.writestr(n, data)
        with zf.open(name, "w", force_zip64=True) as f:
            f.write(_npy_header((count * 16 * MB // 4,), "<f4"))
            for _ in range(count):
                f.write(zeros)


# ------------------------------------------------------------------ the run
def main():
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="aeviz-hostile-"))
    results = {}
    try:
        reference = min(measure(["--help"])["seconds"] for _ in range(2))
        small = tmp / "small.csv"
        small_ratings(small)
        model = tmp / "model.npz"
        subprocess.run([sys.executable, "-m", "aeviz", "train", small, "--epochs", "1", "--layers", "4",
                        "--quiet", "--save", model], check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        cases = [("single 15 MB line (under the line cap)", lambda p: single_line(p, 15), "line15.csv",
                  lambda p: ["train", p, "--epochs", "1"])]
        for mb in (50, 100, 200):
            cases.append((f"single {mb} MB line", lambda p, mb=mb: single_line(p, mb), "line.csv",
                          lambda p: ["train", p, "--epochs", "1"]))
        cases += [
            ("300 MB of NUL bytes", lambda p: nul_file(p, 300), "nul.csv", lambda p: ["train", p, "--epochs", "1"]),
            ("train /dev/zero", None, None, lambda p: ["train", "/dev/zero", "--epochs", "1"]),
            ("named pipe", lambda p: os.mkfifo(p), "pipe.csv", lambda p: ["train", p, "--epochs", "1"]),
            ("100 MB garbage wide file", lambda p: garbage_wide(p, 100), "junk.csv",
             lambda p: ["train", p, "--epochs", "1"]),
            ("zip-bomb model (3 GB declared)", lambda p: zip_bomb(model, p), "bomb.npz",
             lambda p: ["recommend", p, small, "--user", "1"]),
            ("3 GB bomb beside a valid model", lambda p: zip_bomb(model, p, beside=True), "beside.npz",
             lambda p: ["recommend", p, small, "--user", "1"]),
            ("400k ratings over 100k items: load", many_items, "many.csv",
             lambda p: ["-c", f"from aeviz.data import load_ratings; load_ratings({str(p)!r})"]),
            ("400k ratings over 100k items: train", many_items, "many.csv",
             lambda p: ["train", p, "--epochs", "1", "--layers", "8", "--batch-size", "64", "--quiet"]),
        ]
        print(f"reference (python -m aeviz --help): {reference:.2f} s")
        print(f"{'case':34} {'file MB':>8} {'seconds':>8} {'x ref':>6} {'peak MB':>8} {'exit':>5}  outcome")
        only = sys.argv[1:]  # optional: run only the cases whose names contain one of these
        for name, make, fname, args in cases:
            if only and not any(o in name for o in only):
                continue
            path = tmp / fname if fname else None
            if make is not None:
                make(path)
            size = path.stat().st_size / MB if path is not None and path.is_file() else 0.0
            r = measure(args(path), timeout=120 if "train" in name else 60)
            r["file_mb"] = round(size, 1)
            r["ratio"] = r["seconds"] / reference
            r["within_target"] = r["seconds"] < TARGET_SECONDS and r["peak_mb"] < TARGET_MB
            results[name] = r
            outcome = r["stderr"][:90] or ("stopped at the timeout" if r["code"] == "timeout" else "loaded")
            print(f"{name:34} {size:8.1f} {r['seconds']:8.2f} {r['ratio']:6.1f} {r['peak_mb']:8.0f} "
                  f"{r['code']!s:>5}  {outcome}")
            if path is not None and path.exists():
                path.unlink()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    summary = {
        "reference_seconds": round(reference, 3),
        "cases": {k: {"seconds": round(v["seconds"], 2), "ratio_to_reference": round(v["ratio"], 2),
                      "peak_mb": round(v["peak_mb"]), "exit": v["code"], "file_mb": v["file_mb"],
                      "within_target": v["within_target"], "message": v["stderr"][:160]}
                  for k, v in results.items()},
        "all_within_target": all(v["within_target"] for v in results.values()),
        "target": {"seconds": TARGET_SECONDS, "peak_mb": TARGET_MB},
        "data": "synthetic",
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
