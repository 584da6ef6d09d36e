"""Every preset loads in the real window through the Presets menu (onto the open file when its model
fits it), explains itself, fills the setup panel (type included) and trains a few steps with finite
numbers."""
import numpy as np
import pytest

from aeviz.engine.orientation import observations
from aeviz.model_choice import misfits
from aeviz.presets import PRESETS

import support


def click(qtbot, w, name):
    support.click(qtbot, w, name, timeout=20000)  # pre-training presets take a while


@pytest.mark.parametrize("preset", PRESETS, ids=[p.key for p in PRESETS])
def test_preset_loads_explains_fills_the_panel_and_trains(win, qtbot, preset):
    act = next(a for a in win.preset_actions if a.data() == preset.key)
    assert act.text() == preset.title and act.toolTip() == preset.explanation
    # the window holds the user's file: a preset's model goes onto it when it fits, else (the toy)
    # the preset brings its own data, after asking; inputs: one per movie, or one per user for an
    # item-based preset
    fits = not misfits(preset.config, win.dataset.scale)
    data = win.dataset if fits else preset.load_dataset()
    n_inputs = observations(data, preset.config.orientation).n_items
    sizes = tuple(preset.config.sizes(n_inputs))
    act.trigger()
    qtbot.waitUntil(lambda: win.bridge.is_idle() and tuple(win.last_snapshot.sizes) == sizes, timeout=20000)
    # the explanation is shown, and the setup panel holds the preset's model, its type included
    assert win.banner.isVisible() and preset.title in win.banner.label.text()
    assert preset.explanation[:40] in win.banner.label.text()
    panel = win.setup
    assert panel.kind.currentData() == preset.config.kind
    assert panel.config() == preset.config and panel.apply_button.isEnabled()
    for key in panel.active_type_fields():
        assert panel.field(key).isVisible()
    # train: one observation, then a whole epoch; every number finite
    click(qtbot, win, "step_observation")
    s = win.last_snapshot
    assert s.steps >= 1 and s.loss is not None and np.isfinite(s.loss)
    click(qtbot, win, "step_epoch")
    s = win.last_snapshot
    assert s.history and s.epoch >= 1
    h = s.history[-1]
    assert np.isfinite(h.train_rmse) and np.isfinite(h.mean_loss) and np.isfinite(h.penalty)
    assert h.test_rmse is None or np.isfinite(h.test_rmse)
    assert all(np.isfinite(w).all() for w in s.weights)
    if preset.config.kind in ("sparse", "contractive"):
        assert h.penalty > 0  # the penalty is really part of the objective
    if preset.config.kind == "denoising":
        assert win.last_snapshot.extras.get("corruption", "").startswith("masking")
    assert not win.banner.isVisible() or "diverg" not in win.banner.label.text().lower()
