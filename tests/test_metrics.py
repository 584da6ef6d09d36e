"""Baselines, held-out errors and top-N metrics against values worked out by hand."""
import math

import numpy as np
import pytest

from aeviz.data.ratings import Ratings, STARS
from aeviz.engine import DenseRows, ModelConfig, baseline_rmses, fit_biases
from aeviz.engine.config import ModelTooLarge, build_trainer, check_fits, training_bytes
from aeviz.engine.evaluation import evaluate_predictor, row_blocks
from aeviz.engine.ranking import top_n_metrics

# train: user 0 rated movies 0, 1 (5, 3); user 1 rated movies 0, 2 (4, 2). test: (0, 2) = 1, (1, 1) = 4
TRAIN = DenseRows([[5, 3, 0], [4, 0, 2]])
TEST = DenseRows([[0, 0, 1], [0, 4, 0]])


def test_global_and_item_mean_baselines_by_hand():
    b = baseline_rmses(TRAIN, TEST)
    assert b["global_mean"] == pytest.approx(math.sqrt((2.5 ** 2 + 0.5 ** 2) / 2))  # mean 3.5
    assert b["item_mean"] == pytest.approx(1.0)  # movie 2's mean 2 (1 off), movie 1's 3 (1 off)


def test_one_als_sweep_of_the_biases_by_hand():
    b = fit_biases(TRAIN, user_reg=1.0, item_reg=1.0, sweeps=1)
    # items given b_u = 0: sum(r - 3.5) / (1 + n_i); then users given those item offsets
    np.testing.assert_allclose(b.item, [2 / 3, -0.25, -0.75])
    np.testing.assert_allclose(b.user, [(1.5 - 2 / 3 - 0.5 + 0.25) / 3, (0.5 - 2 / 3 - 1.5 + 0.75) / 3])
    assert b.mu == 3.5
    np.testing.assert_allclose(b.predict(np.array([0, 1]), np.array([2, 1])), [3.5 + b.user[0] - 0.75,
                                                                             3.5 + b.user[1] - 0.25])


def test_biases_converge_to_the_ridge_solution():
    rng = np.random.default_rng(0)
    m = np.where(rng.random((30, 12)) < 0.5, rng.integers(1, 6, (30, 12)), 0).astype(np.float32)
    b = fit_biases(DenseRows(m), user_reg=3.0, item_reg=2.0, sweeps=300)
    rows, cols = np.nonzero(m)
    resid = m[rows, cols] - b.predict(rows, cols)
    # the ridge objective's gradient vanishes: sum of residuals = reg * offset, per row and column
    np.testing.assert_allclose(np.bincount(rows, resid, 30), 3.0 * b.user, atol=1e-9)
    np.testing.assert_allclose(np.bincount(cols, resid, 12), 2.0 * b.item, atol=1e-9)


def test_held_out_errors_are_clipped_pooled_and_per_user():
    pred = np.array([[5.0, 3.0, 0.2], [4.0, 6.0, 2.0]])  # 0.2 and 6 clip to 1 and 5
    ev = evaluate_predictor(lambda rows: np.clip(pred[rows], 1, 5), TRAIN, TEST)
    assert ev.train_rmse == 0.0 and ev.n_test == 2
    assert ev.test_rmse == pytest.approx(math.sqrt(0.5)) and ev.test_mae == pytest.approx(0.5)
    assert ev.test_rmse_per_user == pytest.approx(0.5) and ev.test_mae_per_user == pytest.approx(0.5)


def test_top_n_metrics_on_a_hand_worked_example():
    train = DenseRows([[3, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 5], [0, 0, 0, 0, 0, 2]])
    val = DenseRows([[0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]])
    test = DenseRows([[0, 5, 2, 4, 0, 0], [4, 0, 0, 0, 0, 0], [0, 0, 0, 3, 0, 0]])
    scores = np.array([[9, 0.5, 0.9, 0.1, 0.8, 0.7],  # candidates 1,2,3,5 -> top 3: 2, 5, 1
                       [0.2, 0.3, 0.3, 0.1, 0, 0],  # a tie: movie 1 before 2 -> top 3: 1, 2, 0
                       [1, 1, 1, 1, 1, 1]])  # no test rating >= 4: not counted
    m = top_n_metrics(lambda rows: scores[rows], train, test, n=3, exclude=(val,))
    assert m.users == 2
    assert m.precision == pytest.approx((1 / 3 + 1 / 3) / 2)
    assert m.recall == pytest.approx((1 / 2 + 1) / 2)
    ndcg0 = (1 / math.log2(4)) / (1 + 1 / math.log2(3))  # hit at rank 3 of 2 relevant
    ndcg1 = 1 / math.log2(4)  # hit at rank 3 of 1 relevant
    assert m.ndcg == pytest.approx((ndcg0 + ndcg1) / 2)


def test_evaluation_blocks_stay_small_on_wide_data():
    blocks = list(row_blocks(10_000, 1_000_000))
    assert all(len(b) == 4 for b in blocks[:-1]) and sum(len(b) for b in blocks) == 10_000
    r = Ratings(np.array([0, 1, 1, 2]), np.array([999_999, 3], dtype=np.int32), np.array([4, 2], np.float32),
                np.arange(3), np.arange(1_000_000), (), STARS)
    seen = []

    def predict(rows):
        seen.append(len(rows))
        return np.full((len(rows), 1_000_000), 3.0, dtype=np.float32)
    ev = evaluate_predictor(predict, r, r)
    assert ev.test_rmse == pytest.approx(math.sqrt((1 + 1) / 2)) and max(seen) <= 4


def test_a_model_too_large_is_refused_before_allocating(monkeypatch):
    cfg = ModelConfig(hidden=(1000,))
    need = training_bytes(cfg, 100_000)
    assert need == (2 * 100_000 * 1000 + 1000 + 100_000) * 4 * 15  # Adam: 15 copies of the parameters
    with pytest.raises(ModelTooLarge, match=r"needs about 11\.2 GB .* only 1\.0 GB"):
        check_fits(cfg, 100_000, available=2 ** 30)
    check_fits(cfg, 100, available=2 ** 30)
    import aeviz.engine.config as config_module
    data = DenseRows(np.ones((2, 10)))
    build_trainer(ModelConfig(hidden=(3,)), data)  # small: built
    monkeypatch.setattr(config_module, "available_bytes", lambda: 1000)
    monkeypatch.setattr(config_module, "build_network", lambda *a: pytest.fail("allocated"))
    with pytest.raises(ModelTooLarge, match="needs about"):
        build_trainer(ModelConfig(hidden=(3,)), data)
