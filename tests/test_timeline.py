"""The run's timeline (engine/timeline.py): exact epochs, stepping back, branches, the budget."""
import numpy as np
import pytest

from aeviz.engine import DenseRows, ModelConfig, PhaseError, build_trainer


def ratings(n_users=16, n_items=7, seed=3):
    rng = np.random.default_rng(seed)
    r = rng.integers(1, 6, size=(n_users, n_items)).astype(float)
    rated = rng.random(r.shape) < 0.6
    held = rated & (rng.random(r.shape) < 0.2)
    tr, va = rated & ~held, held
    return DenseRows(np.where(tr, r, 0), tr), DenseRows(np.where(va, r, 0), va)


# denoising: every step draws from the random generator, so its state must come back too
CONFIG = ModelConfig(hidden=(4,), shuffle=True, seed=2, optimizer="adam", lr=0.01, kind="denoising",
                     noise_level=0.3)


def trainer(**kw):
    train, val = ratings()
    return build_trainer(CONFIG.with_(**kw), train, val, clip=(1, 5), validation=val)


def state(t):
    """Everything that must come back identically."""
    opt = t.optimizer.state_dict()
    return (t.network.params.copy(), {k: v.copy() for k, v in opt["buffers"].items()}, opt["t"],
            t.epoch, t.k, t.steps, t.updates, t.batch_fill, t.next_phase, t.order.copy(),
            t.rng.bit_generator.state, len(t.history))


def assert_same(a, b):
    np.testing.assert_array_equal(a[0], b[0])
    assert a[1].keys() == b[1].keys()
    for k in a[1]:
        np.testing.assert_array_equal(a[1][k], b[1][k])
    assert a[2:9] == b[2:9]
    np.testing.assert_array_equal(a[9], b[9])
    assert a[10] == b[10] and a[11] == b[11]


def test_every_kept_epoch_comes_back_exactly():
    t = trainer()
    t.keep_undo = False  # as Play at full speed
    ends = {}
    for _ in range(5):
        t.step_epoch()
        ends[t.epoch] = state(t)
    assert t.timeline.kept_epochs == (0, 1, 2, 3, 4, 5)
    for e in (2, 5, 1, 4, 3):
        assert t.timeline.go_to_epoch(t, e) == e
        assert_same(state(t), ends[e])
        assert len(t.history) == e
    view = t.snapshot().timeline
    assert view.head_epoch == 5 and view.epoch == 3 and not view.at_head


def test_step_back_shows_the_phases_in_reverse_and_forward_again_is_identical():
    t = trainer()
    for _ in range(4):
        t.step_observation()
    before = t.network.params.copy()
    t.step_observation()
    after = state(t)
    assert t.timeline.step_back(t) == "Update undone"
    assert t.next_phase == "update" and t.snapshot().grad_weights is not None
    np.testing.assert_array_equal(t.network.params, before)
    assert t.timeline.step_back(t) == "Backward undone"
    assert t.next_phase == "backward" and t.snapshot().activations is not None
    assert t.timeline.step_back(t) == "Forward undone"
    assert t.next_phase == "forward" and t.updates == 4
    for _ in range(4):  # forward, loss, backward, update, phase by phase
        t.step_phase()
    assert_same(state(t), after)


def test_step_back_at_full_speed_replays_exactly():
    t = trainer()
    t.keep_undo = False  # one moment every 64 updates: the rest is replayed
    t.step_epoch()
    for _ in range(3):
        t.step_batch()
    after = state(t)
    t.timeline.step_back(t)
    t.update()
    assert_same(state(t), after)
    t.timeline.go_to_update(t, 1)  # across the epoch end: replay from the first moment
    assert t.updates == 1 and t.epoch == 0
    t.timeline.go_to_epoch(t, 1)
    t.timeline.step_back(t)  # showing a past phase is not training on: no branch
    view = t.snapshot().timeline
    assert not view.at_head and view.head_epoch == 1 and not view.branches
    t.timeline.latest(t)
    assert_same(state(t), after)


def test_a_batch_stepped_phase_by_phase_is_kept_not_replayed():
    t = trainer(batch_size=3)
    t.keep_undo = False
    t.step_batch()
    while t.updates < 2:  # the second batch phase by phase: rounds unlike the vectorised path
        t.step_phase()
    after = state(t)
    t.step_batch()
    t.timeline.go_to_update(t, 2)
    assert_same(state(t), after)


def test_continuing_from_a_past_epoch_branches_and_equals_the_first_run():
    t = trainer()
    t.keep_undo = False
    for _ in range(5):
        t.step_epoch()
    first = state(t)
    first_records = tuple(t.history)
    t.timeline.go_to_epoch(t, 3)
    t.step_epoch()  # training from the past: the old future becomes a branch
    view = t.snapshot().timeline
    assert view.at_head and view.head_epoch == 4 and len(view.branches) == 1
    assert [r.epoch for r in view.branches[0]] == [3, 4, 5]
    assert view.branches[0][-1] is first_records[-1]
    assert 5 not in t.timeline.kept_epochs
    t.step_epoch()
    assert_same(state(t), first)  # same seed and order: the resumed run is the first run
    assert [r.val_rmse for r in t.history] == [r.val_rmse for r in first_records]
    t.timeline.discard_branches()
    assert t.snapshot().timeline.branches == ()


def test_undo_and_the_best_epoch_are_the_timeline():
    t = trainer()
    for _ in range(3):
        t.step_epoch()
    best = t.best_epoch
    assert t.can_restore_best
    t.restore_best()
    assert t.epoch == best and len(t.history) == best
    with pytest.raises(PhaseError):
        t.timeline.go_to_update(t, -1)


def test_the_memory_budget_thins_epochs_evenly_and_keeps_the_ends():
    t = trainer()
    t.keep_undo = False
    t.step_epoch()
    per_epoch = t.timeline.memory_bytes // 2
    t.timeline.set_budget(int(per_epoch * 6 / 0.875))  # room for about 5 epoch ends
    for _ in range(12):
        t.step_epoch()
    kept = t.timeline.kept_epochs
    assert kept[0] == 0 and kept[-1] == 13 and t.best_epoch in kept
    assert 3 <= len(kept) <= 6
    assert t.timeline.memory_bytes <= t.timeline.budget_bytes
    assert t.timeline.go_to_epoch(t, 7) in kept  # a thinned epoch: the nearest kept one


def test_saved_with_history_reopens_with_its_timeline(tmp_path):
    from aeviz.engine.serialize import load_model, restore_trainer, save_model
    t = trainer()
    t.keep_undo = False
    for _ in range(4):
        t.step_epoch()
    ends = {}
    for e in t.timeline.kept_epochs:
        t.timeline.go_to_epoch(t, e)
        ends[e] = state(t)
    t.timeline.latest(t)
    path = save_model(tmp_path / "m.aeviz.npz", t, CONFIG, timeline=t.timeline)
    plain = save_model(tmp_path / "plain.aeviz.npz", t, CONFIG)
    assert load_model(plain).timeline == ()
    saved = load_model(path)
    assert len(saved.timeline) == 5
    train, val = ratings()
    opened = restore_trainer(saved, train, val, clip=(1, 5), validation=val)
    assert_same(state(opened), ends[4])  # saved at an epoch end: its order and draws too
    for e in (0, 2, 3):
        opened.timeline.go_to_epoch(opened, e)
        assert_same(state(opened), ends[e])
    assert opened.snapshot().timeline.head_epoch == 4
    opened.timeline.latest(opened)
    opened.step_epoch()
    t.step_epoch()
    assert_same(state(opened), state(t))  # the reopened run goes on as the first one


def test_a_damaged_saved_timeline_is_refused_with_the_reason(tmp_path):
    import io
    import json
    import zipfile

    from aeviz.engine.serialize import ModelFileError, load_model, save_model
    t = trainer()
    t.step_epoch()
    path = save_model(tmp_path / "m.aeviz.npz", t, CONFIG, timeline=t.timeline)
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    header = json.loads(np.load(io.BytesIO(members["header.npy"])).tobytes())
    header["timeline"]["moments"][0]["rng"] = {"bit_generator": "PCG64", "state": "garbage"}
    body = json.dumps(header).encode()
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.frombuffer(body, dtype=np.uint8))
    members["header.npy"] = buf.getvalue()
    bad = tmp_path / "bad.aeviz.npz"
    with zipfile.ZipFile(bad, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    with pytest.raises(ModelFileError, match="random generator state 0 is invalid"):
        load_model(bad)


def test_a_budget_smaller_than_the_model_keeps_only_the_best_and_where_it_stands():
    t = trainer()
    t.keep_undo = False
    t.timeline.set_budget(1)  # far less than one epoch end
    for _ in range(4):
        t.step_epoch()
    assert set(t.timeline.kept_epochs) <= {t.best_epoch, t.epoch} and t.epoch in t.timeline.kept_epochs
    assert t.can_restore_best


def test_a_batch_begun_phase_by_phase_then_finished_at_once_undoes_to_its_start():
    """Step batch after one observation stepped by hand: the rest goes through vectorised; undo
    comes back to the batch's start, and redoing it reaches the very same weights."""
    t = trainer(batch_size=4, kind="plain")
    t.step_batch()
    start = state(t)
    t.forward()
    t.step_batch()
    after = state(t)
    assert t.updates == 2 and t.k == 8
    t.undo()
    assert_same(state(t), start)
    t.forward()
    t.step_batch()
    assert_same(state(t), after)
