"""The main window, driven by clicking its real buttons; assertions on the engine's state."""
import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication

from aeviz.engine import ModelConfig
from aeviz.ui import settings
from aeviz.ui.main_window import MainWindow

from support import click, make_ratings


def test_opens_ready_with_title_and_status(win):
    assert "ratings.csv" in win.windowTitle() and "40 users" in win.windowTitle()
    assert win.status_labels["obs"].text() == "Observation 1 of 40"
    assert win.status_labels["epoch"].text() == "Epoch 1"
    assert win.status_labels["loss"].text() == "Loss —"  # no NaN, no None
    assert win.observation_label.text().startswith("User ")
    assert not win.controls.actions["update"].isEnabled()
    assert not win.controls.actions["backward"].isEnabled()
    assert win.controls.actions["forward"].isEnabled()


def test_forward_keeps_weights_and_fills_activations(win, qtbot):
    w0 = [w.copy() for w in win.bridge.trainer.network.weights]
    click(qtbot, win, "forward")
    s = win.last_snapshot
    assert s.phase == "forward" and len(s.activations) == 5
    for a, b in zip(w0, win.bridge.trainer.network.weights):
        np.testing.assert_array_equal(a, b)
    assert win.controls.phase_strip.current == "forward"
    assert not win.controls.actions["update"].isEnabled()
    assert win.controls.actions["backward"].isEnabled()


def test_backward_then_update_changes_weights_and_undo_restores(win, qtbot):
    w0 = win.bridge.trainer.network.weights[0].copy()
    click(qtbot, win, "forward")
    click(qtbot, win, "backward")
    assert win.last_snapshot.phase == "backward" and win.last_snapshot.grad_weights is not None
    np.testing.assert_array_equal(win.bridge.trainer.network.weights[0], w0)
    click(qtbot, win, "update")
    assert win.bridge.trainer.updates == 1
    assert not np.array_equal(win.bridge.trainer.network.weights[0], w0)
    assert win.status_labels["obs"].text() == "Observation 2 of 40"
    click(qtbot, win, "undo")
    np.testing.assert_array_equal(win.bridge.trainer.network.weights[0], w0)


def test_step_epoch_advances_and_adds_a_curve_point(win, qtbot):
    x, _ = win.loss_plot.train_curve.getData()
    assert x is None or len(x) == 0
    click(qtbot, win, "step_epoch")
    assert win.bridge.trainer.epoch == 1
    click(qtbot, win, "step_epoch")
    x, y = win.loss_plot.train_curve.getData()
    assert list(x) == [1.0, 2.0]
    assert y[1] == pytest.approx(win.bridge.trainer.history[1].train_rmse)
    assert win.status_labels["epoch"].text() == "Epoch 3"


def test_keyboard_shortcuts(win, qtbot):
    win.activateWindow()
    qtbot.keyClick(win, Qt.Key.Key_F)
    qtbot.waitUntil(lambda: win.bridge.is_idle() and win.last_snapshot.phase == "forward", timeout=5000)
    qtbot.keyClick(win, Qt.Key.Key_Period)
    qtbot.waitUntil(lambda: win.bridge.is_idle() and win.last_snapshot.steps == 1, timeout=5000)
    qtbot.keyClick(win, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: win.bridge.playing, timeout=5000)
    qtbot.keyClick(win, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not win.bridge.playing and win.bridge.is_idle(), timeout=5000)
    for name, key in (("play", "Space"), ("reset", "Ctrl+R"), ("forward", "F"), ("step_epoch", "Ctrl+E")):
        assert key in win.controls.actions[name].toolTip()


def test_play_then_pause_stops_the_counters(win, qtbot):
    click(qtbot, win, "play")  # not idle-waited on: playing never is idle
    qtbot.waitUntil(lambda: win.last_snapshot.steps > 200, timeout=10000)
    assert win.controls.play_action.text() == "Pause"
    assert not win.controls.actions["forward"].isEnabled()
    qtbot.mouseClick(win.toolbar.widgetForAction(win.controls.play_action), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not win.bridge.playing and win.bridge.is_idle(), timeout=5000)
    steps = win.bridge.trainer.steps
    qtbot.wait(200)
    assert win.bridge.trainer.steps == steps == win.last_snapshot.steps
    assert win.controls.play_action.text() == "Play"


def test_invalid_lr_refused_in_place_and_apply_rebuilds(win, qtbot):
    win.setup.lr.clear()
    qtbot.keyClicks(win.setup.lr, "0,,1")
    assert not win.setup.apply_button.isEnabled()
    assert "not a number" in win.setup.field_error("lr")
    win.setup.lr.clear()
    qtbot.keyClicks(win.setup.lr, "0.05")
    win.setup.layers.clear()
    qtbot.keyClicks(win.setup.layers, "4")
    click(qtbot, win, "step_observation")
    asked = []
    win.confirm = lambda q: asked.append(q) or True
    qtbot.mouseClick(win.setup.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.bridge.is_idle() and win.last_snapshot.sizes == (12, 4, 12), timeout=5000)
    assert asked and win.bridge.trainer.optimizer.hyper["lr"] == pytest.approx(0.05)
    assert win.bridge.trainer.steps == 0
    assert settings.read_config(ModelConfig()).hidden == (4,)


def test_apply_declined_keeps_training(win, qtbot):
    click(qtbot, win, "step_observation")
    win.confirm = lambda q: False
    win.setup.layers.setText("5")
    qtbot.mouseClick(win.setup.apply_button, Qt.MouseButton.LeftButton)
    qtbot.wait(50)
    assert win.bridge.is_idle() and win.bridge.trainer.steps == 1


def test_malformed_file_dropped_shows_error_and_keeps_data(win, qtbot, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("userId,movieId,rating\n1,2,abc\n1,3,4\n")
    old = win.dataset
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(bad))])
    ev = QDropEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                    Qt.KeyboardModifier.NoModifier)
    win.dropEvent(ev)
    qtbot.waitUntil(lambda: win.error_box is not None and win.error_box.isVisible(), timeout=5000)
    assert "bad.csv" in win.error_box.text() and "line" in win.error_box.text()
    assert win.dataset is old and "ratings.csv" in win.windowTitle()
    assert not win.loader.busy and not win.load_progress.isVisible()


def test_good_file_opened_replaces_data(win, qtbot, tmp_path):
    p = tmp_path / "other.csv"
    make_ratings(p, users=25, items=9, per_user=5, seed=3)
    win.open_path(str(p))
    qtbot.waitUntil(lambda: win.dataset is not None and win.dataset.n_users == 25, timeout=5000)
    assert "other.csv" in win.windowTitle()
    qtbot.waitUntil(lambda: win.bridge.is_idle() and win.last_snapshot.sizes[0] == 9, timeout=5000)
    assert settings.recent_files()[0] == str(p)


def test_divergence_shows_banner_not_nan(win, qtbot):
    cfg = ModelConfig(hidden=(6,), optimizer="sgd", lr=9.9, hidden_activation="relu")
    win.bridge.rebuild(cfg)
    qtbot.waitUntil(lambda: win.bridge.is_idle() and win.last_snapshot.sizes == (12, 6, 12), timeout=5000)
    click(qtbot, win, "play")
    qtbot.waitUntil(lambda: win.banner.isVisible(), timeout=10000)
    assert "smaller learning rate" in win.banner.label.text()
    qtbot.waitUntil(lambda: not win.bridge.playing and win.bridge.is_idle(), timeout=5000)
    assert "nan" not in win.status_labels["loss"].text().lower()


def test_panels_are_docks_in_the_view_menu(win):
    view = next(a.menu() for a in win.menuBar().actions() if a.text() == "&View")
    titles = [a.text() for a in view.actions()]
    assert "Model setup" in titles and "Loss curves" in titles
    win.loss_dock.toggleViewAction().trigger()
    assert not win.loss_dock.isVisible()


def test_layout_persists_and_corrupt_state_is_ignored(win, qtbot, ratings_path):
    from aeviz.data import load_ratings
    win.loss_dock.hide()
    win.controls.speed.set_speed(50)
    win.close()
    w2 = MainWindow(load_ratings(ratings_path), str(ratings_path))
    qtbot.addWidget(w2)
    w2.show()
    assert not w2.loss_dock.isVisible() and w2.controls.speed.speed == pytest.approx(50, rel=0.1)
    w2.close()
    settings.write("window/state", "garbage")
    settings.write("window/geometry", 12)
    settings.write("train/speed", "oops")
    w3 = MainWindow(load_ratings(ratings_path), str(ratings_path))
    qtbot.addWidget(w3)
    w3.show()
    qtbot.waitUntil(lambda: w3.last_snapshot is not None, timeout=5000)
    assert w3.controls.speed.speed == float("inf")
    w3.close()


def test_export_png_and_csv(win, qtbot, tmp_path):
    click(qtbot, win, "step_epoch")
    win.export_png(str(tmp_path / "loss.png"))
    win.export_csv(str(tmp_path / "h.csv"))
    assert (tmp_path / "loss.png").stat().st_size > 1000
    rows = (tmp_path / "h.csv").read_text().splitlines()
    assert rows[0].startswith("epoch,train_rmse,test_rmse") and rows[1].startswith("1,")


def test_close_during_play_exits_cleanly(qtbot, ratings_path):
    from aeviz.data import load_ratings
    w = MainWindow(load_ratings(ratings_path), str(ratings_path))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.last_snapshot is not None, timeout=5000)
    w.controls.play_action.trigger()
    qtbot.waitUntil(lambda: w.last_snapshot.steps > 100, timeout=10000)
    w.close()
    qtbot.waitUntil(lambda: not w.bridge.is_running(), timeout=5000)
    assert not w.loader.busy
    QApplication.processEvents()


def test_toy_preset_from_the_menu_gives_the_seed_numbers(win, qtbot):
    click(qtbot, win, "step_observation")
    act = next(a for a in win.preset_actions if a.data() == "toy")
    act.trigger()
    qtbot.waitUntil(lambda: win.bridge.is_idle() and win.last_snapshot.sizes == (4, 2, 4), timeout=5000)
    assert win.banner.isVisible() and "4-2-4" in win.banner.label.text()
    assert win.setup.layers.text() == "2" and win.setup.output.currentText() == "softmax"
    click(qtbot, win, "forward")
    np.testing.assert_allclose(win.last_snapshot.preacts[-1], [2, 0, 0, -2], atol=1e-6)
    click(qtbot, win, "reset")  # reset repeats the preset: same start weights
    click(qtbot, win, "forward")
    np.testing.assert_allclose(win.last_snapshot.preacts[-1], [2, 0, 0, -2], atol=1e-6)


def test_cancelled_load_keeps_data_and_hides_progress(win, qtbot, tmp_path, monkeypatch):
    import time as _time
    from aeviz.data import LoadCancelled
    import aeviz.ui.loading as loading

    def slow_load(path, titles=None, progress=None, cancel=None):
        progress(0.3)
        end = _time.monotonic() + 5
        while _time.monotonic() < end:
            if cancel():
                raise LoadCancelled()
            _time.sleep(0.005)
        raise AssertionError("Cancel never reached the loader")
    monkeypatch.setattr(loading, "load_ratings", slow_load)
    old = win.dataset
    win.open_path(str(tmp_path / "big.csv"))
    qtbot.waitUntil(lambda: win.load_progress.isVisible() and win.load_progress.bar.value() == 300, timeout=5000)
    assert "big.csv" in win.load_progress.label.text()
    with qtbot.waitSignal(win.loader.cancelled, timeout=5000):
        qtbot.mouseClick(win.load_progress.cancel_button, Qt.MouseButton.LeftButton)
    assert win.dataset is old and not win.load_progress.isVisible() and not win.loader.busy
    assert "cancelled" in win.statusBar().currentMessage()


def test_help_dialogs_are_non_modal(win):
    from PySide6.QtWidgets import QTextBrowser
    dialog = win.show_help()
    assert dialog.isVisible() and not dialog.isModal()
    assert "Backward" in dialog.findChild(QTextBrowser).toPlainText()
    dialog.close()
    about = win.show_about()
    assert "aeviz" in about.text() and not about.isModal()
    about.close()


def test_next_phase_from_the_train_menu_walks_the_four_phases(win, qtbot):
    train = next(a.menu() for a in win.menuBar().actions() if a.text() == "&Train")
    step = next(a for a in train.actions() if a.text() == "Next phase")
    seen = []
    for _ in range(4):
        step.trigger()
        qtbot.waitUntil(win.bridge.is_idle, timeout=5000)
        seen.append(win.last_snapshot.phase)
    assert seen == ["forward", "loss", "backward", "update"]
    assert win.bridge.trainer.updates == 1


def test_loss_plot_smoothing_log_scale_and_hover(win, qtbot):
    from aeviz.ui.loss_plot import debiased_ema, decimate
    np.testing.assert_allclose(debiased_ema([2.0, 2.0, 2.0], 0.9), [2.0, 2.0, 2.0])  # no bias to 0
    assert debiased_ema([1.0, 3.0], 0.5)[1] == pytest.approx((0.25 + 1.5) / 0.75)
    x, y = decimate(np.arange(10000, dtype=float), 1000)
    assert len(y) == 1000 and y.mean() == pytest.approx(4999.5)
    for _ in range(3):
        click(qtbot, win, "step_epoch")
    lp = win.loss_plot
    raw = lp.train_curve.getData()[1].copy()
    lp.set_smoothing(0.6)
    smooth = lp.train_curve.getData()[1]
    assert smooth[0] == pytest.approx(raw[0]) and not np.allclose(smooth, raw)
    lp.log_box.setChecked(True)
    assert lp.epochs.getViewBox().state["logMode"][1]
    text = lp.describe(lp.epochs, 2.2)
    h = win.bridge.trainer.history[1]
    assert text.startswith("epoch 2,") and f"{h.train_rmse:.4g}" in text
    assert "nan" not in lp.describe(lp.within, 1e9).lower()


def test_stored_config_that_does_not_build_falls_back_to_defaults(qtbot, ratings_path):
    from aeviz.data import load_ratings
    settings.write_config(ModelConfig(hidden=(6,), kind="denoising", noise="gaussian", noise_level=-3.0))
    w = MainWindow(load_ratings(ratings_path), str(ratings_path))
    qtbot.addWidget(w)
    w.show()
    try:
        qtbot.waitUntil(lambda: w.last_snapshot is not None and w.bridge.is_idle(), timeout=5000)
        assert w.error_box is None
        assert w.last_snapshot.sizes[1:-1] == ModelConfig().hidden
        assert w.banner.isVisible() and "default model" in w.banner.label.text()
    finally:
        w.close()


def test_open_titles_attaches_titles(win, qtbot, ratings_path, tmp_path):
    movies = tmp_path / "titles.csv"
    movies.write_text("movieId,title,genres\n" + "".join(f"{i},Film number {i} (1999),Drama\n" for i in range(1, 13)))
    win.open_path(str(ratings_path), titles=str(movies))
    qtbot.waitUntil(lambda: win.dataset.titles[0].startswith("Film number"), timeout=5000)
    assert "ratings.csv" in win.windowTitle()


def test_early_stopping_pauses_play_and_ctrl_b_goes_back_to_the_best_epoch(win, qtbot):
    # five training ratings a user: 5% rounds to none, so hold one of each user's five back instead
    win.bridge.rebuild(ModelConfig(hidden=(6, 3, 6), validation_fraction=0.2), win.dataset)
    qtbot.waitUntil(lambda: win.bridge.is_idle() and win.bridge.trainer.validation_set is not None, timeout=5000)
    win.patience_actions[10].trigger()  # Train > Early stopping > Pause after 10 epochs ...
    assert settings.read_number("train/patience", 0, 0, 1000) == 10
    restore = win.controls.actions["restore_best"]
    assert not restore.isEnabled()  # no finished epoch, no best
    win.controls.actions["play"].trigger()
    qtbot.waitUntil(lambda: win.bridge.playing, timeout=5000)
    qtbot.waitUntil(lambda: not win.bridge.playing, timeout=60000)  # paused by itself
    qtbot.waitUntil(win.bridge.is_idle, timeout=5000)
    t = win.bridge.trainer
    assert t.epochs_since_best == 10 and t.epoch == t.best_epoch + 10
    # the worker's stoppedEarly signal reaches the window through the event queue
    qtbot.waitUntil(lambda: win.banner.isVisible() and "has not improved for 10 epochs" in win.banner.label.text(),
                    timeout=5000)
    assert f"epoch {t.best_epoch}" in win.banner.label.text()
    qtbot.waitUntil(restore.isEnabled, timeout=5000)
    assert restore.text() == f"Go back to the best epoch ({t.best_epoch})"
    best, best_rmse = t.best_epoch, t.best_val_rmse
    qtbot.keyClick(win, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)  # Ctrl+B
    qtbot.waitUntil(lambda: t.epoch == best, timeout=5000)
    qtbot.waitUntil(win.bridge.is_idle, timeout=5000)
    assert t.epoch == best and len(t.history) == best and t.history[-1].val_rmse == best_rmse
    qtbot.waitUntil(lambda: win.last_snapshot.epoch == best, timeout=5000)
    assert not restore.isEnabled()  # already there
    win.patience_actions[0].trigger()
    assert settings.read_number("train/patience", 1, 0, 1000) == 0
    qtbot.waitUntil(lambda: win.bridge.patience == 0, timeout=5000)
