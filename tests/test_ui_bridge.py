"""The engine worker thread: commands in by queue, coalesced snapshots out, clean shutdown."""
import logging

import numpy as np
import pytest

from aeviz.engine import ModelConfig
from aeviz.ui.bridge import FULL_SPEED, EngineBridge, play_due

from support import make_ratings


@pytest.fixture
def ratings(tmp_path):
    return make_ratings(tmp_path / "r.csv")


@pytest.fixture
def bridge(qtbot, ratings):
    b = EngineBridge()
    b.rebuild(ModelConfig(hidden=(6, 3, 6)), ratings)
    qtbot.waitUntil(lambda: b.is_idle() and b.latest is not None, timeout=5000)
    yield b
    b.shutdown()
    assert not b.is_running()


def idle(qtbot, b):
    qtbot.waitUntil(b.is_idle, timeout=5000)


def test_manual_commands_emit_snapshots(bridge, qtbot):
    w0 = bridge.latest.weights[0].copy()
    with qtbot.waitSignal(bridge.snapshotReady, timeout=5000):
        bridge.forward()
    idle(qtbot, bridge)
    s = bridge.latest
    assert s.phase == "forward" and s.activations is not None
    np.testing.assert_array_equal(s.weights[0], w0)
    bridge.backward()
    idle(qtbot, bridge)
    assert bridge.latest.phase == "backward" and bridge.latest.next_phase == "update"
    bridge.update()
    idle(qtbot, bridge)
    assert bridge.latest.updates == 1 and not np.array_equal(bridge.latest.weights[0], w0)
    bridge.undo()
    idle(qtbot, bridge)
    np.testing.assert_array_equal(bridge.latest.weights[0], w0)


def test_phase_error_becomes_a_message_not_a_crash(bridge, qtbot):
    with qtbot.waitSignal(bridge.message, timeout=5000) as sig:
        bridge.update()
    assert "next phase is forward" in sig.args[0]
    bridge.step_observation()
    idle(qtbot, bridge)
    assert bridge.latest.steps == 1


def test_a_bug_in_a_command_is_logged_with_its_traceback_and_said(bridge, qtbot, caplog, monkeypatch):
    from aeviz.engine import Trainer

    def broken(self, row):
        raise KeyError("a programming error")
    monkeypatch.setattr(Trainer, "select_observation", broken)
    caplog.set_level(logging.INFO)
    with qtbot.waitSignal(bridge.message, timeout=5000) as sig:
        bridge.select_observation(3)
    assert "KeyError" in sig.args[0] and "log" in sig.args[0]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and errors[0].exc_info is not None  # the traceback, not only a status line
    bridge.step_observation()  # and the worker carries on
    idle(qtbot, bridge)
    assert bridge.latest.steps == 1


def test_play_full_speed_then_pause_stops_counters(bridge, qtbot):
    bridge.play(FULL_SPEED)
    qtbot.waitUntil(lambda: bridge.latest.epoch >= 3, timeout=10000)
    assert bridge.trainer.keep_undo is False  # no copy per update at full speed
    bridge.pause()
    idle(qtbot, bridge)
    assert not bridge.playing
    steps = bridge.trainer.steps
    qtbot.wait(150)
    assert bridge.trainer.steps == steps == bridge.latest.steps
    assert bridge.trainer.keep_undo is True


def test_play_schedule_follows_the_speed():
    assert play_due(10.0, 10.0, 20.0, 1) == pytest.approx(10.05)  # one observation: 1/20 s
    assert play_due(10.0, 10.0, 400.0, 4) == pytest.approx(10.01)  # a batch of 4 at 400/s
    assert play_due(10.0, 10.0, 2.0, 0) == pytest.approx(10.125)  # phase by phase: 1/(4 x 2) s
    assert play_due(12.0, 10.0, 20.0, 1) == pytest.approx(12.05)  # ahead: waits its turn
    assert play_due(5.0, 10.0, 20.0, 1) == pytest.approx(9.8)  # late: at most 0.25 s caught up


def test_slow_play_steps_one_observation_at_a_time(bridge, qtbot):
    seen = []
    bridge.snapshotReady.connect(lambda s: seen.append(s.steps))  # same (GUI) thread: safe
    bridge.play(20.0)
    qtbot.waitUntil(lambda: bridge.playing, timeout=5000)
    qtbot.waitUntil(lambda: bridge.latest.steps >= 5, timeout=5000)
    assert bridge.trainer.keep_undo is True  # slow play keeps an undo point per update
    bridge.pause()
    idle(qtbot, bridge)
    assert seen == sorted(seen) and bridge.trainer.steps == bridge.latest.steps


def test_snapshots_are_coalesced(bridge, qtbot):
    got = []
    bridge.snapshotReady.connect(got.append)
    for _ in range(30):
        bridge.step_observation()
    idle(qtbot, bridge)
    assert got[-1].steps == 30
    assert len(got) <= 30 and all(a.seq < b.seq for a, b in zip(got, got[1:]))


def test_divergence_pauses_and_reports(qtbot, ratings):
    b = EngineBridge()
    try:
        b.rebuild(ModelConfig(hidden=(6,), optimizer="sgd", lr=9.9, hidden_activation="relu",
                              init="pytorch"), ratings)
        qtbot.waitUntil(lambda: b.is_idle() and b.latest is not None, timeout=5000)
        with qtbot.waitSignal(b.diverged, timeout=10000) as sig:
            b.play(FULL_SPEED)
        assert "smaller learning rate" in sig.args[0]
        idle(qtbot, b)
        assert not b.playing
        assert all(np.isfinite(w).all() for w in b.latest.weights)
    finally:
        b.shutdown()


def test_rebuild_failure_keeps_the_old_trainer(bridge, qtbot, ratings):
    old = bridge.trainer
    with qtbot.waitSignal(bridge.rebuildFailed, timeout=5000) as sig:
        bridge.rebuild(ModelConfig(test_fraction=5.0), ratings)
    assert "Could not build" in sig.args[0]
    assert bridge.trainer is old


def test_shutdown_while_playing_is_clean(qtbot, ratings):
    b = EngineBridge()
    b.rebuild(ModelConfig(), ratings)
    b.play(FULL_SPEED)
    qtbot.waitUntil(lambda: b.latest is not None and b.latest.steps > 100, timeout=10000)
    assert b.shutdown()
    assert not b.is_running()
    steps = b.trainer.steps
    qtbot.wait(50)
    assert b.trainer.steps == steps  # nothing steps on after the worker ended


def test_slow_play_steps_phase_by_phase(bridge, qtbot):
    phases = set()
    bridge.snapshotReady.connect(lambda s: phases.add(s.phase))  # same (GUI) thread: safe
    bridge.play(4.0)
    qtbot.waitUntil(lambda: {"forward", "loss", "backward", "update"} <= phases, timeout=5000)
    bridge.pause()
    idle(qtbot, bridge)
    assert bridge.trainer.keep_undo is True


def test_shutdown_interrupts_a_long_step_epoch(qtbot, tmp_path):
    big = make_ratings(tmp_path / "big.csv", users=3000, items=40, per_user=8)
    b = EngineBridge()
    b.rebuild(ModelConfig(hidden=(30, 20, 30)), big)
    qtbot.waitUntil(lambda: b.latest is not None and b.is_idle(), timeout=10000)
    for _ in range(20):
        b.step_epoch()  # seconds of work queued
    qtbot.waitUntil(lambda: b.trainer.steps > 0, timeout=5000)
    assert b.shutdown()
    assert not b.is_running()
    assert b.trainer.epoch < 20  # the queued epochs were abandoned, not run to the end first


def test_step_epoch_is_drawn_as_it_goes_and_pause_cancels_it(qtbot, tmp_path):
    big = make_ratings(tmp_path / "big.csv", users=2500, items=1000, per_user=10)  # an epoch: ~1 s
    b = EngineBridge()
    try:
        b.rebuild(ModelConfig(hidden=(40, 20, 40), optimizer="adam"), big)
        qtbot.waitUntil(lambda: b.latest is not None and b.is_idle(), timeout=10000)
        n = b.trainer.n_observations
        seen = []
        b.snapshotReady.connect(lambda s: seen.append((s.epoch, s.position)))  # GUI thread: safe
        b.step_epoch()
        qtbot.waitUntil(lambda: any(0 < p < n for _, p in seen), timeout=10000)
        assert b.playing  # the Play button reads Pause meanwhile: that is the cancel
        b.pause()
        idle(qtbot, b)
        t = b.trainer
        assert t.epoch == 0 and 0 < t.k < n and not b.playing  # stopped where it was
        b.step_epoch()
        b.step_epoch()  # asked again while running: one epoch more
        qtbot.waitUntil(b.is_idle, timeout=30000)
        assert t.epoch == 2 and t.k == 0 and not b.playing
        assert b.latest.epoch == 2 and b.latest.position == 0  # the last frame is the finished epoch
        assert b.speed == float("inf")  # the slider's speed is back
    finally:
        assert b.shutdown()


def test_undo_after_full_speed_goes_back_exactly_one_update(qtbot, tmp_path):
    b = EngineBridge()
    try:
        b.rebuild(ModelConfig(hidden=(4,)), make_ratings(tmp_path / "r.csv"))
        idle(qtbot, b)
        b.step_observation()
        idle(qtbot, b)
        assert b.latest.can_undo
        b.step_epoch()  # full speed keeps few moments: undo replays from the latest one (timeline)
        qtbot.waitUntil(b.is_idle, timeout=10000)
        assert b.trainer.epoch == 1 and b.latest.can_undo
        updates = b.trainer.updates
        b.undo()
        idle(qtbot, b)
        assert b.trainer.updates == updates - 1 and b.latest.epoch == 0
        b.step_observation()
        idle(qtbot, b)
        assert b.trainer.updates == updates and b.trainer.epoch == 1 and b.latest.can_undo
    finally:
        assert b.shutdown()
