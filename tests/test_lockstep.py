"""Two networks in lockstep (engine/lockstep.py): in step through every phase and every key,
identical with identical settings, apart where the setting differs."""
import numpy as np
import pytest

from aeviz.engine import ModelConfig, build_trainer
from aeviz.engine.lockstep import COMMANDS, Lockstep, divergence, variant
from aeviz.engine.trainer import PhaseError
from aeviz.presets import split_for
from support import genre_ratings

BASE = ModelConfig(hidden=(6, 3, 6), seed=4)


def pair(config_b, config_a=BASE, n_users=30, n_items=10):
    data = genre_ratings(n_users, n_items)
    a = build_trainer(config_a, **split_for(config_a, data)[1])
    b = build_trainer(config_b, **split_for(config_b, data)[1])
    return Lockstep(a, b, ("plain", "other"))


def test_same_settings_give_identical_losses_and_weights():
    ls = pair(BASE)
    for cmd in ("step_phase", "step_phase", "backward", "update", "step_observation", "step_epoch",
                "step_batch", "step_epoch", "step_observation", "step_observation"):
        ls.run(cmd)
    f = ls.frame()
    assert f.a.epoch == 2 and f.a.epoch_losses.size > 0
    assert np.array_equal(f.a.epoch_losses, f.b.epoch_losses)
    assert not f.loss_difference.any()
    assert [h.train_rmse for h in f.a.history] == [h.train_rmse for h in f.b.history]
    assert f.divergence.layer.size == 0 and f.divergence.relative == (0.0, 0.0, 0.0, 0.0)


@pytest.mark.parametrize("key", ["denoising", "sgd"])
def test_in_step_through_every_phase_and_key(key):
    ls = pair(variant(BASE, key))
    a, b = ls.a, ls.b
    assert np.array_equal(a.network.params, b.network.params)  # the same seed: the same start
    seen = set()
    script = ["step_phase"] * 8 + ["forward", "backward", "update", "undo"] + \
             ["step_observation"] * 3 + ["step_batch", "step_epoch", "step_phase", "step_phase", "step_epoch"]
    for cmd in script:
        ls.run(cmd)
        assert ls.in_step(), cmd
        assert ls.position(a) == ls.position(b)
        assert a.current_row == b.current_row and np.array_equal(a.order, b.order)
        seen.add(a.phase)
    assert seen == {"forward", "loss", "backward", "update", "idle"}  # idle: after undo
    assert a.epoch == 2 and set(COMMANDS) == set(script)
    ls.run("step_observation")
    f = ls.frame()
    assert f.loss_difference.size == f.a.epoch_losses.size and f.loss_difference.any()
    d = f.divergence
    assert d.layer.size == 12 and np.all(np.diff(np.abs(d.difference)) <= 0)  # largest first
    # the marked edges are the largest differences of the live weights, read back exactly
    l, r, c = int(d.layer[0]), int(d.row[0]), int(d.col[0])
    gap = max(float(np.abs(wa - wb).max()) for wa, wb in zip(a.network.weights, b.network.weights))
    assert abs(a.network.weights[l][r, c] - b.network.weights[l][r, c]) == pytest.approx(gap)


def test_denoising_order_follows_the_first_network():
    """Masking noise draws from the trainer's random stream: without the rule the second epoch's
    orders would differ."""
    ls = pair(variant(BASE, "denoising").with_(shuffle=True))
    ls.run("step_epoch")
    assert np.array_equal(ls.a.order, ls.b.order)
    assert ls.b.rng.bit_generator.state != ls.a.rng.bit_generator.state  # they did draw differently


def test_refusals_leave_both_as_they_were():
    ls = pair(variant(BASE, "denoising"))
    with pytest.raises(PhaseError):
        ls.run("update")  # before backward: a refuses, b never asked
    assert ls.in_step() and ls.a.phase == "idle"
    with pytest.raises(PhaseError):
        ls.run("undo")
    with pytest.raises(ValueError):
        pair(BASE.with_(batch_size=4))


def test_divergence_picks_the_largest_differences():
    wa = [np.zeros((2, 3)), np.zeros((3, 2))]
    wb = [np.array([[0, 0.5, 0], [0, 0, 0]]), np.array([[0, 0], [-2.0, 0], [0, 0.1]])]
    d = divergence(wa, wb, k=5)
    assert d.layer.tolist() == [1, 0, 1] and d.row.tolist() == [1, 0, 2] and d.col.tolist() == [0, 1, 1]
    assert d.difference.tolist() == [2.0, -0.5, -0.1]
    assert d.relative == (0.5, pytest.approx(np.sqrt(4.01)))
