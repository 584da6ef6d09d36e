"""The trainer's phases, granularities, history, divergence and undo."""
import numpy as np
import pytest

from aeviz.engine import (DenseRows, DivergenceError, ModelConfig, PhaseError, build_trainer,
                          item_mean_baseline, recommend)


def low_rank_ratings(n_users=120, n_items=30, rank=3, density=0.4, seed=0, test=0.2):
    rng = np.random.default_rng(seed)
    u = rng.normal(size=(n_users, rank))
    v = rng.normal(size=(n_items, rank))
    r = np.clip(np.round(3 + 0.9 * u @ v.T + 0.3 * rng.normal(size=(n_users, n_items))), 1, 5)
    rated = rng.random(r.shape) < density
    held = rated & (rng.random(r.shape) < test)
    tr = rated & ~held
    return DenseRows(np.where(tr, r, 0), tr), DenseRows(np.where(held, r, 0), held)


def small_trainer(**kw):
    train, test = low_rank_ratings(n_users=12, n_items=6, seed=1)
    cfg = ModelConfig(hidden=(3,), shuffle=False, **kw)
    return build_trainer(cfg, train, test, clip=(1, 5))


def test_forward_fills_activations_and_leaves_weights():
    t = small_trainer()
    before = t.network.params.copy()
    t.forward()
    snap = t.snapshot()
    assert snap.phase == "forward" and snap.next_phase == "loss"
    np.testing.assert_array_equal(t.network.params, before)
    x, _ = t.train_set.dense_rows([snap.user_row])
    expected = t.network.forward(x)
    for got, want in zip(snap.activations[1:], expected.outputs):
        np.testing.assert_allclose(got, want[0])
    assert snap.deltas is None and snap.change_weights is None


def test_phases_in_order_and_update_changes_weights():
    t = small_trainer()
    with pytest.raises(PhaseError):
        t.update()
    before = t.network.params.copy()
    for phase in ("forward", "loss", "backward"):
        assert t.step_phase() == phase
    np.testing.assert_array_equal(t.network.params, before)
    assert t.next_phase == "update"
    t.update()
    change = t.network.params - before
    assert np.abs(change).max() > 0
    np.testing.assert_allclose(change, t.last_change, rtol=1e-5, atol=1e-7)
    snap = t.snapshot()
    assert snap.position == 1 and snap.steps == 1 and snap.updates == 1
    assert snap.change_weights is not None


def test_single_observations_accumulate_to_the_batch_update():
    """k observations stepped phase by phase equal one vectorised batch of k."""
    a = small_trainer(batch_size=4, optimizer="sgd", lr=0.1)
    b = small_trainer(batch_size=4, optimizer="sgd", lr=0.1)
    for _ in range(3):
        a.step_observation()
    assert a.updates == 0 and a.batch_fill == 3 and a.next_phase == "forward"
    a.step_observation()  # the fourth closes the batch
    assert a.updates == 1
    b.step_batch()
    np.testing.assert_allclose(a.network.params, b.network.params, rtol=1e-5, atol=1e-7)
    assert a.k == b.k == 4


def test_step_batch_after_stepped_observations_equals_one_batch():
    """A batch begun by hand (one observation, then the next one's forward and loss) and finished
    by Step batch: the rest goes through vectorised, and the update equals one whole batch's, masking
    noise and weight penalty included."""
    kw = dict(batch_size=5, optimizer="sgd", lr=0.1, loss="sse", weight_penalty=0.3, kind="denoising",
              noise_level=0.3)
    a, b = small_trainer(**kw), small_trainer(**kw)
    a.step_observation()
    a.step_phase(), a.step_phase()  # the second observation's forward and loss
    a.step_batch()
    assert a.updates == 1 and a.k == 5 and a.steps == 5 and a.next_phase == "forward"
    b.step_batch()
    np.testing.assert_allclose(a.network.params, b.network.params, rtol=1e-5, atol=1e-7)
    a.step_batch(), b.step_batch()  # and the next batch starts alike
    np.testing.assert_allclose(a.network.params, b.network.params, rtol=1e-5, atol=1e-7)


def test_epoch_history_and_full_batch():
    t = small_trainer(batch_size=0)
    assert t.batch_size == t.n_observations
    t.step_epoch()
    assert t.epoch == 1 and t.updates == 1 and len(t.history) == 1
    rec = t.history[0]
    assert np.isfinite(rec.train_rmse) and np.isfinite(rec.test_rmse)
    assert t.k == 0 and t.next_phase == "forward"


def test_training_beats_the_item_mean_baseline():
    train, test = low_rank_ratings(n_users=300, n_items=40, seed=3)
    t = build_trainer(ModelConfig(lr=0.01, batch_size=1), train, test, clip=(1, 5))
    t.train(25)
    baseline = item_mean_baseline(train, test)
    final = t.history[-1].test_rmse
    assert final < 0.85 * baseline, (final, baseline)
    assert t.history[-1].train_rmse < t.history[0].train_rmse


def test_held_out_ratings_never_reach_training():
    train, test = low_rank_ratings(seed=4)
    t = build_trainer(ModelConfig(hidden=(4,)), train, test, clip=(1, 5))
    t.forward()
    snap = t.snapshot()
    assert not np.any(snap.mask & snap.heldout_mask)
    assert np.all(snap.x_input[snap.heldout_mask] == 0)


def test_select_observation_makes_that_user_next():
    t = small_trainer()
    t.select_observation(7)
    t.forward()
    assert t.snapshot().user_row == 7
    t.run_to("backward")
    with pytest.raises(PhaseError):
        t.select_observation(3)


def test_divergence_is_caught_and_the_network_kept():
    train, test = low_rank_ratings(n_users=20, n_items=8, seed=5)
    cfg = ModelConfig(hidden=(4,), hidden_activation="relu", output_activation="identity",
                      optimizer="sgd", lr=9.0, shuffle=False)
    t = build_trainer(cfg, train, test)
    with pytest.raises(DivergenceError) as err:
        for _ in range(200):
            t.step_observation()
    assert "smaller learning rate" in str(err.value)
    assert err.value.layer
    assert np.isfinite(t.network.params).all()
    assert t.diverged and t.next_phase == "forward"


def test_undo_restores_the_state_before_the_update():
    t = small_trainer()
    t.step_observation()
    before = t.network.params.copy()
    k, steps = t.k, t.steps
    t.run_to("update")
    assert t.steps == steps + 1
    assert not np.array_equal(before, t.network.params)
    t.undo()
    np.testing.assert_array_equal(t.network.params, before)
    assert (t.k, t.steps) == (k, steps)
    assert t.can_undo  # the timeline keeps every update's start: undo goes back again
    t.undo()
    assert (t.updates, t.steps) == (0, 0) and not t.can_undo


def test_snapshot_is_immutable_and_independent():
    t = small_trainer()
    t.run_to("update")
    snap = t.snapshot()
    with pytest.raises(ValueError):
        snap.weights[0][0, 0] = 1.0
    w = snap.weights[0].copy()
    t.step_epoch()
    np.testing.assert_array_equal(snap.weights[0], w)


def test_edited_weight_reaches_the_next_step():
    t = small_trainer()
    t.set_weight(0, 1, 2, 3.5)
    t.forward()
    assert t.snapshot().weights[0][1, 2] == pytest.approx(3.5)
    with pytest.raises(ValueError):
        t.set_weight(0, 0, 0, float("nan"))


def test_same_seed_same_run():
    a, b = small_trainer(), small_trainer()
    a.train(2)
    b.train(2)
    np.testing.assert_array_equal(a.network.params, b.network.params)


def test_recommend_ranks_unrated_items():
    t = small_trainer()
    t.train(3)
    recs = recommend(t.network, t.train_set, 0, n=3, clip=(1, 5))
    _, mask = t.train_set.dense_rows([0])
    assert all(not mask[0, i] for i, _ in recs)
    values = [v for _, v in recs]
    assert values == sorted(values, reverse=True) and all(1 <= v <= 5 for v in values)


def test_layer_sizes_must_match_the_data():
    train, _ = low_rank_ratings(n_items=6)
    from aeviz.engine import Network, Trainer, get_loss, make_optimizer
    net = Network([5, 2, 5], "sigmoid")
    with pytest.raises(ValueError, match="6 movies"):
        Trainer(net, make_optimizer("sgd", net.params.size), get_loss("mse"), train)


def _split_trainer(split, shuffle=True, **cfg):
    config = ModelConfig(hidden=(12,), lr=0.05, shuffle=shuffle, **cfg)
    train, held = split
    return build_trainer(config, train, validation=held, clip=(1, 5))  # the held-out part chooses


def test_restore_best_returns_to_the_best_epoch_exactly_and_training_goes_on_identically(overfit_split):
    t = _split_trainer(overfit_split)
    assert t.best_epoch is None and t.snapshot().best_epoch is None
    params = []
    for _ in range(12):
        t.step_epoch()
        params.append(t.network.params.copy())
    tests = [h.val_rmse for h in t.history]
    best = int(np.argmin(tests)) + 1
    assert best < 11, "the fixture must overfit for this test to mean anything"
    assert t.best_epoch == best and t.best_val_rmse == pytest.approx(min(tests))
    assert t.epochs_since_best == 12 - best and t.snapshot().best_epoch == best
    t.step_observation()  # mid-epoch is fine too
    t.restore_best()
    assert t.epoch == best and len(t.history) == best and t.k == 0
    np.testing.assert_array_equal(t.network.params, params[best - 1])
    t.step_epoch()  # same shuffled order, same optimizer state: the original next epoch again
    np.testing.assert_array_equal(t.network.params, params[best])
    assert [h.val_rmse for h in t.history] == tests[:best + 1]


def test_best_epoch_needs_a_validation_set_and_is_forgotten_by_reset(overfit_split):
    rng = np.random.default_rng(0)
    t = build_trainer(ModelConfig(hidden=(3,)), DenseRows(rng.integers(1, 6, (10, 8)).astype(np.float32)))
    t.step_epoch()
    assert t.best_epoch is None
    with pytest.raises(PhaseError, match="validation set"):
        t.restore_best()
    t = _split_trainer(overfit_split)
    t.step_epoch()
    assert t.best_epoch == 1
    t.reset_counters()
    assert t.best_epoch is None


def test_train_with_patience_stops_early_at_the_best_network(overfit_split):
    t = _split_trainer(overfit_split)
    t.train(200, patience=5)
    tests = [h.val_rmse for h in t.history]
    assert t.epoch == len(t.history) == t.best_epoch < 200
    assert tests[-1] == min(tests)
    reference = _split_trainer(overfit_split)
    reference.train(t.best_epoch + 5)  # patience 5: it stopped five epochs after the best
    assert reference.best_epoch == t.best_epoch
    assert reference.epochs_since_best == 5


def test_a_huge_batch_goes_through_in_chunks_with_the_same_result(monkeypatch):
    import aeviz.engine.trainer as trainer_module
    rng = np.random.default_rng(5)
    m = np.where(rng.random((50, 16)) < 0.4, rng.integers(1, 6, (50, 16)), 0).astype(np.float32)
    cfg = ModelConfig(hidden=(6,), batch_size=0, optimizer="sgd", lr=0.5)

    def two_epochs():
        t = build_trainer(cfg, DenseRows(m))
        t.train(2)
        return t

    whole = two_epochs()
    monkeypatch.setattr(trainer_module, "CHUNK_VALUES", 16 * 7)  # chunks of 7 users
    chunked = two_epochs()
    np.testing.assert_allclose(chunked.network.params, whole.network.params, rtol=1e-5, atol=1e-7)
    assert chunked.steps == whole.steps == 100 and chunked.updates == 2
    assert [h.mean_loss for h in chunked.history] == pytest.approx([h.mean_loss for h in whole.history])


def test_divergence_in_a_later_chunk_counts_nothing(monkeypatch):
    import aeviz.engine.trainer as trainer_module
    monkeypatch.setattr(trainer_module, "CHUNK_VALUES", 8 * 3)
    m = np.ones((10, 8), np.float32) * 3
    m[8] = np.float32(3e38)  # a later chunk's loss overflows
    t = build_trainer(ModelConfig(hidden=(3,), batch_size=0, shuffle=False), DenseRows(m))
    with pytest.raises(DivergenceError):
        t.step_batch()
    assert t.steps == 0 and t.snapshot().epoch_losses.size == 0 and t.k == 0 and t.updates == 0


def test_lr_decay_shrinks_each_epochs_step_by_its_factor():
    """ExponentialDecay: epoch e trains at lr * gamma**e; with one update per epoch (full batch) and
    SGD, the second epoch's change is gamma times a constant-rate twin's, from the same weights."""
    decayed = small_trainer(batch_size=0, optimizer="sgd", lr=0.1, lr_decay=0.5)
    constant = small_trainer(batch_size=0, optimizer="sgd", lr=0.1)
    decayed.step_epoch(), constant.step_epoch()
    np.testing.assert_allclose(decayed.last_change, constant.last_change, rtol=1e-6)
    decayed.step_epoch(), constant.step_epoch()
    np.testing.assert_allclose(decayed.last_change, 0.5 * constant.last_change, rtol=1e-5, atol=1e-9)
    assert decayed.optimizer.hyper["lr"] == pytest.approx(0.05)
    assert "decay" in " ".join(ModelConfig(lr_decay=0.0).problems())
    assert "decay" in " ".join(ModelConfig(lr_decay=1.5).problems())
