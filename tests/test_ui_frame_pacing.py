"""FramePacing on its own: when the worker may publish, and when a frame counts as drawn."""
import time

import pytest

from aeviz.ui.frame_pacing import DRAW_BUDGET, MAX_INTERVAL, MIN_INTERVAL, FramePacing


@pytest.fixture
def pacing(qtbot):
    return FramePacing()


def test_the_worker_publishes_at_most_once_per_interval(pacing):
    pacing.set_interval(0.5)
    pacing.mark_published(100.0)
    assert not pacing.frame_due(100.4)
    assert pacing.frame_due(100.5)
    pacing.set_interval(0)  # never faster than 60 a second
    assert pacing.interval == pytest.approx(1 / 60)


def test_a_frame_is_open_until_its_receivers_and_their_paints_are_done(pacing, qtbot):
    assert pacing.idle
    with pacing.drawing():
        assert not pacing.idle  # the worker steps aside from here
    assert not pacing.idle  # the paints the receivers posted run first
    qtbot.waitUntil(lambda: pacing.idle, timeout=2000)
    pacing.wait_for_gui()  # returns at once: the GUI is free


def test_parts_run_one_by_one_and_a_newer_frame_replaces_the_queued_ones(pacing, qtbot):
    ran = []
    with pacing.drawing():
        pacing.draw_in_passes([lambda: ran.append("a1"), lambda: ran.append("a2")])
    with pacing.drawing():  # the next snapshot arrives before the first frame's parts ran
        pacing.draw_in_passes([lambda: ran.append("b1"), lambda: ran.append("b2")])
    assert not pacing.idle and ran == []
    qtbot.waitUntil(lambda: pacing.idle, timeout=2000)
    assert ran == ["b1", "b2"]


def test_the_interval_follows_the_drawing_cost_within_its_budget(pacing, qtbot):
    deadline = time.perf_counter() + 0.6  # a little over one measuring period
    while time.perf_counter() < deadline:
        with pacing.drawing():
            pacing.draw_in_passes([lambda: time.sleep(0.005)])
        qtbot.waitUntil(lambda: pacing.idle, timeout=2000)
    assert pacing.frame_cost >= 0.005
    assert pacing.interval == pytest.approx(min(MAX_INTERVAL, max(MIN_INTERVAL, pacing.frame_cost / DRAW_BUDGET)))


def test_stopping_drops_the_queued_parts_and_frees_the_worker(pacing, qtbot):
    ran = []
    with pacing.drawing():
        pacing.draw_in_passes([lambda: ran.append("a")])
    pacing.stop()  # the window closes before the part's pass
    qtbot.waitUntil(lambda: pacing.idle, timeout=2000)
    assert ran == []
