"""CSV exports hold exactly the engine's numbers, quote titles safely and never write 'nan'."""
import csv

import numpy as np
import pytest

from aeviz.data.ratings import build_ratings
from aeviz.engine import ModelConfig, build_trainer
from aeviz.engine.evaluation import predict_rows
from aeviz.engine.export import (PREDICTION_COLUMNS, weight_file_names, write_history_csv,
                                 write_predictions_csv, write_weights_csv)


def _ratings(users=15, items=7, seed=1):
    rng = np.random.default_rng(seed)
    u, i = np.nonzero(rng.random((users, items)) < 0.5)
    titles = [f'Movie {j}, "the sequel"' for j in range(items)]
    return build_ratings(u + 100, i + 10, rng.integers(1, 6, size=u.size), titles=titles, source="r.csv")


@pytest.fixture
def trained():
    r = _ratings()
    tr = build_trainer(ModelConfig(hidden=(4, 2, 4), batch_size=5, test_fraction=0.0), r, clip=(1.0, 5.0))
    tr.train(2)
    return tr, r


def _rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_history_csv_has_one_row_per_epoch_and_blank_for_missing(tmp_path, trained):
    tr, _ = trained
    rows = _rows(write_history_csv(tmp_path / "h.csv", tr.history))
    assert rows[0][:3] == ["epoch", "train_rmse", "test_rmse"]
    assert len(rows) == 3
    assert float(rows[2][1]) == tr.history[1].train_rmse
    assert rows[1][2] == ""  # no test set: empty, not "None" or "nan"


def test_weights_csv_one_file_per_layer_with_exact_values(tmp_path, trained):
    tr, r = trained
    net = tr.network
    paths = write_weights_csv(tmp_path / "w", net.sizes, net.weights, net.biases, input_ids=r.item_ids)
    assert [p.name for p in paths] == weight_file_names(net.sizes) == [
        "layer1_7x4.csv", "layer2_4x2.csv", "layer3_2x4.csv", "layer4_4x7.csv"]
    for l, p in enumerate(paths):
        rows = _rows(p)
        W = np.array([[float(v) for v in row[2:]] for row in rows[1:]])
        np.testing.assert_array_equal(W, net.weights[l].astype(np.float64))
        np.testing.assert_array_equal([float(row[1]) for row in rows[1:]], net.biases[l].astype(np.float64))
    assert _rows(paths[0])[0][2] == f"in_{r.item_ids[0]}"


def test_predictions_csv_covers_every_pair_and_equals_engine(tmp_path, trained):
    tr, r = trained
    n = write_predictions_csv(tmp_path / "p.csv", tr.network, r, clip=(1.0, 5.0), digits=6)
    rows = _rows(tmp_path / "p.csv")
    assert tuple(rows[0]) == PREDICTION_COLUMNS
    assert n == len(rows) - 1 == r.n_users * r.n_items
    P = np.array([float(row[3]) for row in rows[1:]]).reshape(r.n_users, r.n_items)
    expected = predict_rows(tr.network, r, np.arange(r.n_users), clip=(1.0, 5.0))
    np.testing.assert_allclose(P, expected, atol=1e-6)
    assert P.min() >= 1.0 and P.max() <= 5.0
    x, m = r.dense_rows(np.arange(r.n_users))
    rated = np.array([row[4] == "1" for row in rows[1:]]).reshape(m.shape)
    np.testing.assert_array_equal(rated, m)
    got = np.array([float(row[5]) if row[5] else 0.0 for row in rows[1:]]).reshape(m.shape)
    np.testing.assert_array_equal(got, np.where(m, x, 0))
    first = rows[1]
    assert first[0] == str(r.user_ids[0]) and first[1] == str(r.item_ids[0])
    assert first[2] == 'Movie 0, "the sequel"'  # commas and quotes survive


def test_cancelled_predictions_leave_the_old_file(tmp_path, trained):
    tr, r = trained
    p = tmp_path / "p.csv"
    p.write_text("old")
    with pytest.raises(InterruptedError):
        write_predictions_csv(p, tr.network, r, cancel=lambda: True)
    assert p.read_text() == "old"
    assert [f.name for f in tmp_path.iterdir()] == ["p.csv"]
