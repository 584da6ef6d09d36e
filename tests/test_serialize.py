"""Model files round-trip exactly and refuse damaged, foreign, future or mismatched inputs clearly."""
import json

import numpy as np
import pytest

from aeviz.data.ratings import build_ratings
from aeviz.engine import ModelConfig, build_trainer
from aeviz.engine.serialize import (ModelFileError, check_dataset, dataset_identity, load_model,
                                    restore_trainer, save_model)


def _ratings(items=8, users=20, seed=0):
    rng = np.random.default_rng(seed)
    u, i = np.nonzero(rng.random((users, items)) < 0.6)
    return build_ratings(u + 1, i + 10, rng.integers(1, 6, size=u.size), source="r.csv")


@pytest.fixture
def trained(tmp_path):
    r = _ratings()
    cfg = ModelConfig(hidden=(5, 3, 5), kind="sparse", batch_size=4)
    tr = build_trainer(cfg, r)
    tr.train(3)
    path = save_model(tmp_path / "m.aeviz.npz", tr, cfg, dataset_identity(r, "r.csv"))
    return tr, cfg, r, path


def test_round_trip_is_exact(trained):
    tr, cfg, r, path = trained
    s = load_model(path)
    assert s.config == cfg
    np.testing.assert_array_equal(s.network.params, tr.network.params)
    assert s.network.sizes == tr.network.sizes and s.network.describe() == tr.network.describe()
    assert s.history == tr.history and len(s.history) == 3
    assert s.optimizer_state["t"] == tr.optimizer.t
    for k, v in tr.optimizer.state_dict()["buffers"].items():
        np.testing.assert_array_equal(s.optimizer_state["buffers"][k], v)
    assert s.dataset["content_hash"] == r.content_hash() and s.dataset["n_items"] == 8
    np.testing.assert_array_equal(s.dataset["item_ids"], r.item_ids)
    assert check_dataset(s, r) == []
    # continuing from the file gives exactly what continuing in memory gives
    again = restore_trainer(s, r)
    assert again.epoch == 3
    x, _ = r.dense_rows([0, 1])
    np.testing.assert_array_equal(again.network.predict(x), tr.network.predict(x))


def test_no_temporary_file_left_and_overwrite_is_atomic(trained, tmp_path):
    tr, cfg, r, path = trained
    save_model(path, tr, cfg, dataset_identity(r))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.aeviz.npz"]


def test_truncated_file_is_refused(trained):
    _, _, _, path = trained
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match=r"m\.aeviz\.npz.*truncated or corrupted"):
        load_model(path)


def test_flipped_bytes_are_refused(trained):
    _, _, _, path = trained
    data = bytearray(path.read_bytes())
    for k in range(200, 260):
        data[k] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="m.aeviz.npz"):
        load_model(path)


def _rewrite_header(path, change):
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    header = json.loads(arrays["header"].tobytes())
    change(header)
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    np.savez(path, **arrays)


def test_future_version_is_refused(trained):
    _, _, _, path = trained
    _rewrite_header(path, lambda h: h.update(version=99))
    with pytest.raises(ModelFileError, match="newer aeviz.*version 99"):
        load_model(path)


def test_foreign_files_are_refused(tmp_path):
    other = tmp_path / "other.npz"
    np.savez(other, weights=np.zeros(3))
    with pytest.raises(ModelFileError, match="other.npz.*not an aeviz model"):
        load_model(other)
    text = tmp_path / "notes.npz"
    text.write_text("hello")
    with pytest.raises(ModelFileError, match="not an .npz"):
        load_model(text)
    with pytest.raises(ModelFileError, match="no such file"):
        load_model(tmp_path / "missing.npz")


def test_inconsistent_parameters_are_refused(trained):
    _, _, _, path = trained
    _rewrite_header(path, lambda h: h["network"].update(sizes=[8, 4, 2, 4, 8]))
    with pytest.raises(ModelFileError, match=r"params holds 131 values .*implies \(98,\)"):
        load_model(path)


def test_mismatched_dataset_is_refused_with_a_clear_message(trained):
    _, _, r, path = trained
    s = load_model(path)
    with pytest.raises(ValueError, match="trained on 8 movies.*have 9"):
        check_dataset(s, _ratings(items=9))
    shifted = build_ratings(r.row_of_entries(), r.indices + 100, r.values)  # same shape, other movies
    with pytest.raises(ValueError, match="different movies"):
        check_dataset(s, shifted)
    other = _ratings(seed=5)  # same movies, other ratings: a note, refused only when strict
    assert check_dataset(s, other) and "differ" in check_dataset(s, other)[0]
    with pytest.raises(ValueError, match="differ"):
        check_dataset(s, other, strict=True)


def test_an_opened_model_knows_its_best_epoch_but_only_restores_what_it_kept(tmp_path, overfit_split):
    from aeviz.engine import PhaseError
    cfg = ModelConfig(hidden=(12,), lr=0.05)
    tr = build_trainer(cfg, overfit_split[0], validation=overfit_split[1], clip=(1, 5))
    tr.train(12)
    best = tr.best_epoch
    assert best < 12 and tr.can_restore_best
    path = save_model(tmp_path / "late.npz", tr, cfg, {})
    opened = restore_trainer(load_model(path), overfit_split[0], validation=overfit_split[1], clip=(1, 5))
    assert opened.best_epoch == best and opened.epochs_since_best == 12 - best
    assert not opened.can_restore_best and not opened.snapshot().can_restore_best
    with pytest.raises(PhaseError, match="before this model was opened"):
        opened.restore_best()
    tr.restore_best()
    path = save_model(tmp_path / "best.npz", tr, cfg, {})
    opened = restore_trainer(load_model(path), overfit_split[0], validation=overfit_split[1], clip=(1, 5))
    assert opened.best_epoch == opened.epoch == best and opened.can_restore_best
