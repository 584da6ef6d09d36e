"""The shipped samples: shape, titles, genres, and structure a low-rank model can learn."""
import importlib.util
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from aeviz.data import SAMPLE_NAMES, holdout_split, load_sample, sample_path

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _make_sample_module():
    spec = importlib.util.spec_from_file_location("make_sample", ROOT / "scripts" / "make_sample.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_names_and_paths():
    assert SAMPLE_NAMES == ("tiny", "genres")
    assert sample_path("tiny").name == "tiny.csv" and sample_path("tiny").is_file()
    assert sample_path("genres").is_file() and (sample_path("genres").parent / "movies.csv").is_file()
    with pytest.raises(KeyError, match="no sample named 'huge'"):
        sample_path("huge")


def test_tiny_is_a_small_wide_table():
    r = load_sample("tiny")
    assert r.shape == (8, 6)
    assert r.titles == ("Steel Horizon", "Redline Protocol", "Iron Harbor", "Love, Again", "Maybe Tomorrow",
                        "Second Spring")
    assert r.user_ids.tolist() == list(range(1, 9))
    assert r.scale.describe() == "1-5 stars"
    assert 30 <= r.nnz <= 44 and r.warnings == ()
    assert np.all(r.rated_counts_per_user() >= 3)
    v, m = r.to_dense()
    # action fans (users 1-4) rate the action movies (0-2) higher than the romances (3-5), and vice versa
    act = np.nanmean(np.where(m, v, np.nan)[:, :3], axis=1)
    rom = np.nanmean(np.where(m, v, np.nan)[:, 3:], axis=1)
    assert np.all(act[:4] > rom[:4]) and np.all(act[4:] < rom[4:])


def test_genres_sample_shape_titles_and_genres():
    r = load_sample("genres")
    assert r.shape == (300, 60)
    assert 0.30 <= r.density <= 0.40
    assert r.scale.describe() == "1-5 stars"
    assert r.warnings == ()
    assert r.genres is not None and sorted(set(r.genres)) == ["Action", "Comedy", "Drama", "Romance", "Sci-Fi"]
    assert [r.genres.count(g) for g in ("Action", "Comedy", "Drama", "Sci-Fi", "Romance")] == [12] * 5
    assert all(t and not t.isdigit() for t in r.titles)
    assert r.titles[r.item_index(r.item_ids[0])] == "Steel Horizon (1990)"
    assert np.all(r.rated_counts_per_user() >= 8)


def _als_rmse(split, rank=5, epochs=15, reg=2.0):
    tr_v, tr_m = split.train.to_dense()
    te_v, te_m = split.test.to_dense()
    item_mean = split.train.item_means(fill=split.train.global_mean())
    base = np.sqrt(np.mean((te_v - item_mean)[te_m] ** 2))
    R = np.where(tr_m, tr_v - item_mean, 0.0)
    rng = np.random.default_rng(0)
    U = rng.normal(0, 0.1, (R.shape[0], rank))
    V = rng.normal(0, 0.1, (R.shape[1], rank))
    eye = reg * np.eye(rank)
    for _ in range(epochs):
        for u in range(R.shape[0]):
            Vm = V[tr_m[u]]
            U[u] = np.linalg.solve(Vm.T @ Vm + eye, Vm.T @ R[u, tr_m[u]])
        for i in range(R.shape[1]):
            Um = U[tr_m[:, i]]
            V[i] = np.linalg.solve(Um.T @ Um + eye, Um.T @ R[tr_m[:, i], i])
    pred = np.clip(item_mean + U @ V.T, 1, 5)
    return base, np.sqrt(np.mean((te_v - pred)[te_m] ** 2))


def test_genres_sample_has_learnable_low_rank_structure():
    split = holdout_split(load_sample("genres"), 0.2, seed=0)
    base, low = _als_rmse(split)
    assert 0.85 < base < 1.1
    assert low < 0.75 * base  # a rank-5 model clearly beats the item means (0.96 -> ~0.64)


def test_samples_are_reproducible_from_the_script(tmp_path):
    mod = _make_sample_module()
    mod.write_tiny(tmp_path / "tiny.csv")
    mod.write_genres(tmp_path / "genres")
    assert (tmp_path / "tiny.csv").read_bytes() == sample_path("tiny").read_bytes()
    for name in ("ratings.csv", "movies.csv"):
        assert (tmp_path / "genres" / name).read_bytes() == (sample_path("genres").parent / name).read_bytes()


def test_progress_and_cancel_on_a_sample():
    seen = []
    r = load_sample("genres", progress=seen.append)
    assert r.nnz > 0 and seen[0] == 0.0 and seen[-1] == 1.0


def test_data_layer_imports_no_pandas_or_qt():
    code = ("import sys, aeviz.data\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('pandas', 'PySide6', 'pyqtgraph')]\n"
            "print(','.join(bad))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == ""
