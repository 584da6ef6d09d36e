"""The autoencoder types in the app: setup fields per type, corrupted inputs and sparsity in the graph,
the penalty beside the reconstruction error in the loss plot."""
import dataclasses

import numpy as np
import pytest
from PySide6.QtCore import Qt

from aeviz.engine import DenseRows, ModelConfig, build_trainer
from aeviz.engine.config import KINDS
from aeviz.ui.setup_panel import SetupPanel



@pytest.fixture
def panel(qtbot):
    p = SetupPanel(ModelConfig())
    qtbot.addWidget(p)
    p.resize(340, 900)
    p.show()
    return p


def _choose(combo, key):
    combo.setCurrentIndex(combo.findData(key))


def _retype(qtbot, field, text):
    field.clear()
    qtbot.keyClicks(field, text)


# ------------------------------------------------------------------------------ setup panel
def test_type_combo_lists_every_kind_with_tooltips(panel):
    assert [panel.kind.itemData(i) for i in range(panel.kind.count())] == list(KINDS)
    assert panel.kind.currentData() == "plain"
    for w in (panel.kind, panel.sparsity_target, panel.sparsity_weight, panel.l1_weight, panel.noise,
              panel.noise_level, panel.contractive_weight, panel.pretrain_epochs, panel.sparsity_penalty):
        assert len(w.toolTip()) > 20 and ". " not in w.toolTip().rstrip(".")  # one sentence
    tip = panel.kind.itemData(panel.kind.findData("denoising"), Qt.ItemDataRole.ToolTipRole)
    assert "corrupted" in tip


def test_only_the_chosen_types_fields_are_shown(panel):
    type_fields = (panel.sparsity_penalty, panel.sparsity_target, panel.sparsity_weight, panel.l1_weight,
                   panel.noise, panel.noise_level, panel.contractive_weight)
    assert not any(w.isVisible() for w in type_fields)
    _choose(panel.kind, "sparse")
    assert [w.isVisible() for w in type_fields] == [True, True, True, False, False, False, False]
    assert "hidden units near zero" in panel.kind_help.text()
    _choose(panel.sparsity_penalty, "l1")
    assert [w.isVisible() for w in type_fields] == [True, False, False, True, False, False, False]
    _choose(panel.kind, "denoising")
    assert [w.isVisible() for w in type_fields] == [False, False, False, False, True, True, False]
    _choose(panel.kind, "contractive")
    assert [w.isVisible() for w in type_fields] == [False] * 6 + [True]
    assert panel.pretrain_epochs.isVisible()  # stacking works with every type


def test_type_fields_are_validated_in_place(panel, qtbot):
    _choose(panel.kind, "sparse")
    _retype(qtbot, panel.sparsity_target, "1.5")
    assert panel.field_error("sparsity_target") == "sparsity target must lie strictly between 0 and 1"
    assert not panel.apply_button.isEnabled()
    err = panel.findChild(type(panel.status), "error_sparsity_target")
    assert err.isVisible() and "between 0 and 1" in err.text()
    _retype(qtbot, panel.sparsity_target, "abc")
    assert "not a number" in panel.field_error("sparsity_target")
    _retype(qtbot, panel.sparsity_target, "0.1")
    _retype(qtbot, panel.sparsity_weight, "-2")
    assert panel.field_error("sparsity_weight") == "sparsity weight must be zero or positive"
    _retype(qtbot, panel.sparsity_weight, "0.3")
    assert panel.apply_button.isEnabled()
    cfg = panel.config()
    assert (cfg.kind, cfg.sparsity_target, cfg.sparsity_weight, cfg.sparsity_penalty) == ("sparse", 0.1, 0.3, "kl")
    # KL needs sigmoid units: said beside the penalty, not as a failed rebuild later
    panel.hidden.setCurrentText("relu")
    assert "sigmoid" in panel.field_error("sparsity_penalty") and not panel.apply_button.isEnabled()
    _choose(panel.sparsity_penalty, "l1")
    assert panel.field_error("sparsity_penalty") == "" and panel.apply_button.isEnabled()
    _retype(qtbot, panel.l1_weight, "0.002")
    assert panel.config().l1_weight == 0.002 and panel.config().sparsity_penalty == "l1"


def test_noise_level_depends_on_the_noise(panel, qtbot):
    _choose(panel.kind, "denoising")
    _retype(qtbot, panel.noise_level, "1.5")
    assert panel.field_error("noise_level") == "masking noise level is a fraction in [0, 1)"
    _choose(panel.noise, "gaussian")  # a standard deviation may exceed 1
    assert panel.field_error("noise_level") == "" and panel.apply_button.isEnabled()
    assert (panel.config().noise, panel.config().noise_level) == ("gaussian", 1.5)
    _retype(qtbot, panel.noise_level, "-1")
    assert "zero or positive" in panel.field_error("noise_level")


def test_hidden_fields_never_block_apply(panel, qtbot):
    _choose(panel.kind, "contractive")
    _retype(qtbot, panel.contractive_weight, "x")
    assert not panel.apply_button.isEnabled()
    _choose(panel.kind, "plain")  # the bad contractive weight no longer matters
    assert panel.apply_button.isEnabled() and panel.config().kind == "plain"
    with qtbot.waitSignal(panel.applyRequested) as sig:
        qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    assert sig.args[0].kind == "plain" and sig.args[0].contractive_weight == ModelConfig().contractive_weight


def test_set_config_shows_the_type_and_round_trips(panel):
    cfg = ModelConfig(hidden=(30,), kind="denoising", noise="gaussian", noise_level=0.4, pretrain_epochs=3)
    panel.set_config(cfg)
    assert panel.kind.currentData() == "denoising" and panel.noise.currentData() == "gaussian"
    assert panel.noise_level.text() == "0.4" and panel.noise_level.isVisible()
    assert panel.config() == cfg
    cfg2 = ModelConfig(kind="contractive", contractive_weight=0.5)
    panel.set_config(cfg2)
    assert panel.contractive_weight.text() == "0.5" and panel.config() == cfg2


# ------------------------------------------------------------------------------ loss plot
def _sparse_trainer(batch=4):
    rng = np.random.default_rng(0)
    m = (rng.integers(1, 6, (24, 12)) * (rng.random((24, 12)) < 0.5)).astype(np.float32)
    m[:, 0] = np.maximum(m[:, 0], 1)
    cfg = ModelConfig(hidden=(6,), kind="sparse", sparsity_target=0.1, sparsity_weight=0.5,
                      batch_size=batch, seed=1)
    return build_trainer(cfg, DenseRows(m), clip=(1, 5))


def test_loss_plot_draws_the_penalty_on_its_own_named_axis(qtbot):
    from aeviz.engine.insights import compute_extras
    from aeviz.ui.loss_plot import LossPlot
    tr = _sparse_trainer()
    for _ in range(3):
        tr.step_epoch()
    tr.step_batch()
    snap = dataclasses.replace(tr.snapshot(), extras=compute_extras(tr))
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.show()
    plot.show_snapshot(snap)
    assert plot.penalty_label() == "penalty (KL sparsity)"
    x, y = plot.penalty_curve.getData()
    assert list(x) == [1, 2, 3]
    np.testing.assert_allclose(y, [h.penalty for h in tr.history])
    assert plot.penalty_curve.getViewBox() is plot.penalty_view  # not on the RMSE axis
    assert plot.epochs.getAxis("right").isVisible()
    assert "KL sparsity" in plot.epochs.getAxis("right").labelText
    assert "penalty (KL sparsity)" in plot.epochs.titleLabel.text
    ox, oy = plot.obs_penalty_curve.getData()
    np.testing.assert_allclose(oy, snap.epoch_penalties)
    assert "penalty (KL sparsity) " in plot.describe(plot.epochs, 2.0)


def test_loss_plot_hides_the_penalty_axis_for_plain_models(qtbot):
    from aeviz.ui.loss_plot import LossPlot
    rng = np.random.default_rng(0)
    m = rng.integers(1, 6, (10, 8)).astype(np.float32)
    tr = build_trainer(ModelConfig(hidden=(3,)), DenseRows(m), clip=(1, 5))
    tr.step_epoch()
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.show()
    plot.show_snapshot(tr.snapshot())
    assert plot.penalty_curve.getData()[0] is None or len(plot.penalty_curve.getData()[0]) == 0
    assert not plot.epochs.getAxis("right").isVisible()
    assert "penalty" not in plot.epochs.titleLabel.text


# ------------------------------------------------------------------------------ graph
def _legend_texts(view):
    return [label for *_, label in view.canvas.legend_items()]


def _view(qtbot, w=800, h=600):
    from aeviz.ui.graph_view import NetworkView
    v = NetworkView()
    v.set_animated(False)
    v.resize(w, h)
    qtbot.addWidget(v)
    v.show()
    qtbot.waitExposed(v)
    return v


def _near(img, x, y, rgb, radius=2, tol=30):
    for dx in range(-radius, radius + 1):
        for dy in range(-radius, radius + 1):
            c = img.pixelColor(int(x) + dx, int(y) + dy)
            if abs(c.red() - rgb[0]) + abs(c.green() - rgb[1]) + abs(c.blue() - rgb[2]) <= tol:
                return True
    return False


def test_denoising_inputs_are_crossed_with_the_clean_rating_beside(qtbot):
    from aeviz.engine.insights import compute_extras
    from aeviz.ui.graph import colors as C
    rng = np.random.default_rng(2)
    m = rng.integers(1, 6, (20, 10)).astype(np.float32)  # every movie rated: hiding is visible
    tr = build_trainer(ModelConfig(hidden=(4,), kind="denoising", noise="mask", noise_level=0.5, seed=3),
                       DenseRows(m), clip=(1, 5))
    tr.run_to("loss")
    snap = dataclasses.replace(tr.snapshot(), extras=compute_extras(tr))
    hidden = np.flatnonzero((snap.x_input == 0) & (snap.x_target != 0))
    assert hidden.size  # half the ratings were hidden by the noise
    v = _view(qtbot)
    v.show_snapshot(snap)
    np.testing.assert_array_equal(np.flatnonzero(v.canvas.corrupted_inputs()), hidden)
    assert "hidden by noise (fed value, clean struck)" in _legend_texts(v)
    assert "fed as: 0 (corrupted)" in v.node_tooltip(0, int(hidden[0]))
    img = v.canvas.grab().toImage()
    X, Y, r, *_ = v.canvas.geometry_arrays()
    for idx in range(10):
        pos = v.scene().position(0, idx)
        crossed = _near(img, X[0][pos] + r * 0.3, Y[0][pos] + r * 0.3, C.NOISE)
        assert crossed == (idx in hidden), idx


def test_plain_models_show_no_noise_marks(qtbot):
    rng = np.random.default_rng(2)
    m = rng.integers(1, 6, (20, 10)).astype(np.float32)
    tr = build_trainer(ModelConfig(hidden=(4,)), DenseRows(m), clip=(1, 5))
    tr.run_to("loss")
    v = _view(qtbot)
    v.show_snapshot(tr.snapshot())
    assert v.canvas.corrupted_inputs() is None
    assert not any("noise" in t for t in _legend_texts(v))


def test_sparsity_extras_are_the_units_mean_activations_and_are_drawn(qtbot):
    from aeviz.engine.insights import compute_extras
    from aeviz.ui.graph import colors as C
    tr = _sparse_trainer()
    tr.step_epoch()
    tr.run_to("loss")
    ex = compute_extras(tr)
    sp = ex["sparsity"]
    assert sp["penalty"] == "kl" and sp["target"] == 0.1 and list(sp["layers"]) == [1]
    x, _ = tr.train_set.dense_rows(np.arange(tr.train_set.n_users))
    np.testing.assert_allclose(sp["layers"][1], tr.network.encode(x, 1).mean(axis=0), rtol=1e-5)
    assert ex["penalties"] == ["KL sparsity (rho=0.1, beta=0.5)"]
    v = _view(qtbot)
    v.show_snapshot(dataclasses.replace(tr.snapshot(), extras=ex))
    assert "mean activation over users, | = ρ" in _legend_texts(v)
    img = v.canvas.grab().toImage()
    X, Y, r, spacing, xs = v.canvas.geometry_arrays()
    gap = xs[1] - xs[0]
    bw = float(np.clip(gap * 0.28, 12, 34))
    means = sp["layers"][1]
    for i in range(6):
        x0, y = X[1][i] + r + 3, Y[1][i]
        colour = C.SPARSE_OVER if means[i] > 0.1 else C.SPARSE_OK
        assert _near(img, x0 + 1, y, colour, radius=1), i  # the bar starts beside the node
        assert _near(img, x0 + bw * 0.1, y, C.NOT_FINITE, radius=2, tol=60)  # the rho tick


def test_l1_sparsity_has_no_target(qtbot):
    from aeviz.engine.insights import compute_extras
    rng = np.random.default_rng(0)
    m = rng.integers(1, 6, (12, 8)).astype(np.float32)
    tr = build_trainer(ModelConfig(hidden=(5,), kind="sparse", sparsity_penalty="l1", l1_weight=0.01),
                       DenseRows(m), clip=(1, 5))
    tr.run_to("loss")
    sp = compute_extras(tr)["sparsity"]
    assert sp["penalty"] == "l1" and sp["target"] is None and sp["layers"][1].shape == (5,)


# ------------------------------------------------------------------------------ any size
@pytest.mark.parametrize("size", [(560, 560), (800, 600), (1400, 900)])
def test_graph_titles_fit_and_movies_are_labelled_at_any_size(qtbot, size):
    rng = np.random.default_rng(0)
    m = (rng.integers(1, 6, (30, 1682)) * (rng.random((30, 1682)) < 0.06)).astype(np.float32)
    m[:, 0] = np.maximum(m[:, 0], 1)
    tr = build_trainer(ModelConfig(hidden=(20, 10, 20)), DenseRows(m), clip=(1, 5))
    tr.run_to("loss")
    v = _view(qtbot, *size)
    v.set_titles([f"Some movie title {i} (1995)" for i in range(1682)])
    v.show_snapshot(tr.snapshot())
    lay = v.canvas.current_layout()
    X, Y, r, spacing, xs = v.canvas.geometry_arrays()
    fm, fb = v.canvas.metrics()
    gap = xs[1] - xs[0]
    for l in range(1, len(xs) - 1):  # hidden titles never run into their neighbours
        assert max(fb.horizontalAdvance(t) for t in lay.heads[l]) <= gap - 8
    if size[0] >= 1400:
        assert lay.heads[1] == ["hidden 1 · 20 · sigmoid"]
    else:
        assert lay.heads[1][0] in ("h1 · 20", "hidden 1")
    # movies readable: a label row per node, and titles kept (short ones when narrow)
    assert spacing >= fm.height() * 0.95
    assert lay.title_left >= 36 and lay.title_right >= 36
    assert gap >= 56  # the network keeps its width
    assert xs[-1] + lay.right <= size[0] + 1


def test_loss_plot_stars_the_best_validation_epoch_and_draws_the_baselines(qtbot, overfit_split):
    from aeviz.ui.loss_plot import LossPlot
    train, held = overfit_split
    tr = build_trainer(ModelConfig(hidden=(12,), lr=0.05), train, test=held, validation=held, clip=(1, 5))
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.show()
    plot.show_snapshot(tr.snapshot())
    assert plot.best_marker.getData()[0] is None or len(plot.best_marker.getData()[0]) == 0
    assert "best validation" not in plot.epochs.titleLabel.text
    levels = plot.baseline_levels()
    assert set(levels) == {"global mean", "item mean", "user + item biases"}
    assert levels["item mean"] == pytest.approx(tr.baselines["item_mean"])
    for _ in range(12):
        tr.step_epoch()
    plot.show_snapshot(tr.snapshot())
    vals = [h.val_rmse for h in tr.history]
    best = int(np.argmin(vals))
    assert tr.best_epoch == best + 1
    x, y = plot.best_marker.getData()
    assert list(x) == [best + 1] and y[0] == pytest.approx(vals[best])
    assert f"best validation {vals[best]:.4g} @ {best + 1}" in plot.epochs.titleLabel.text
    assert "(the best so far)" in plot.describe(plot.epochs, best + 1)
    assert len(plot.val_curve.getData()[0]) == 12


def test_the_noise_level_follows_the_noise_in_the_type_block(panel):
    """Its tooltip once read 'in [0, 1, at=6)' and the field landed at the form's end."""
    from PySide6.QtWidgets import QFormLayout
    form = next(f for f in panel.findChildren(QFormLayout) if f.indexOf(panel.noise.parentWidget()) >= 0)
    rows = [form.itemAt(i, form.ItemRole.FieldRole).widget() for i in range(form.rowCount())]
    box = {w: i for i, w in enumerate(rows) if w is not None}
    assert box[panel.noise_level.parentWidget()] == box[panel.noise.parentWidget()] + 1
    assert "at=" not in panel.noise_level.toolTip() and "[0, 1)" in panel.noise_level.toolTip()
