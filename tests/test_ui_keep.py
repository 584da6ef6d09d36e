"""Keeping the work: save/open a model in the app, refusals that leave the session untouched,
the quit question, divergence end to end, exports from the window, corrupt settings."""
import csv
import json
import logging
import re

import numpy as np
import pytest
from PySide6.QtCore import Qt

from aeviz.data import load_ratings
from aeviz.engine import ModelConfig
from aeviz.engine.evaluation import predict_rows
from aeviz.engine.export import weight_file_names
from aeviz.ui import settings
from aeviz.ui.main_window import MainWindow
from aeviz.ui.model_files import CANCEL, DISCARD, SAVE

from support import make_ratings




def _open_window(qtbot, path, config=None):
    w = MainWindow(load_ratings(path), str(path), config=config or ModelConfig(hidden=(6, 3, 6), batch_size=4))
    qtbot.addWidget(w)
    w.confirm = lambda *_: True
    w.show()
    qtbot.waitUntil(lambda: w.last_snapshot is not None and w.bridge.is_idle(), timeout=5000)
    return w


@pytest.fixture
def win(qtbot, ratings_path):
    w = _open_window(qtbot, ratings_path)
    yield w
    w.close()


def idle(qtbot, w):
    qtbot.waitUntil(w.bridge.is_idle, timeout=10000)


def train(qtbot, w, batches=5):
    for _ in range(batches):
        w.bridge.step_batch()
    idle(qtbot, w)


def predictions(w):
    t = w.bridge.trainer
    return predict_rows(t.network, w.dataset, np.arange(w.dataset.n_users), clip=t.clip)


def save(qtbot, w, path):
    assert w.model_files.save(str(path))
    result = w.model_files.wait("save", timeout=10)
    idle(qtbot, w)
    assert result and result[0], result
    return path


def open_model(qtbot, w, path):
    """Open a model (read in the background) and wait: True if the worker has it."""
    assert w.model_files.open(str(path))
    result = w.model_files.wait("open", timeout=10)
    idle(qtbot, w)
    return bool(result and result[0])


# ------------------------------------------------------------------------------ save / open
def test_save_then_open_gives_identical_predictions(win, qtbot, tmp_path):
    train(qtbot, win, 6)
    assert win.model_files.dirty()
    before = predictions(win)
    params = win.bridge.trainer.network.params.copy()
    history = list(win.bridge.trainer.history)
    path = save(qtbot, win, tmp_path / "m.aeviz.npz")
    assert path.is_file() and not win.model_files.dirty()
    assert win.model_files.path == str(path)

    win.bridge.reset()  # a fresh network: different predictions
    idle(qtbot, win)
    assert not np.allclose(predictions(win), before)

    assert open_model(qtbot, win, path)
    np.testing.assert_array_equal(win.bridge.trainer.network.params, params)
    np.testing.assert_array_equal(predictions(win), before)
    assert win.bridge.trainer.history == history
    assert not win.model_files.dirty() and win.model_files.path == str(path)
    assert "opened" in win.statusBar().currentMessage()
    train(qtbot, win, 1)  # and training goes on from there
    assert win.model_files.dirty() and win.last_snapshot.updates == 1


def test_save_while_playing_is_consistent(win, qtbot, tmp_path):
    win.bridge.play()
    qtbot.waitUntil(lambda: win.last_snapshot.steps > 200, timeout=10000)
    save(qtbot, win, tmp_path / "live")  # suffix added
    win.bridge.pause()
    idle(qtbot, win)
    from aeviz.engine.serialize import load_model
    saved = load_model(tmp_path / "live.aeviz.npz")
    assert np.isfinite(saved.network.params).all()
    assert saved.dataset["content_hash"] == win.dataset.content_hash()


def _session(w):
    return id(w.bridge.trainer), w.bridge.trainer.network.params.copy(), w.windowTitle()


def _assert_untouched(w, before):
    tid, params, title = before
    assert id(w.bridge.trainer) == tid
    np.testing.assert_array_equal(w.bridge.trainer.network.params, params)
    assert w.windowTitle() == title


def test_truncated_file_refused_and_session_untouched(win, qtbot, tmp_path):
    train(qtbot, win, 3)
    path = save(qtbot, win, tmp_path / "m.aeviz.npz")
    data = path.read_bytes()
    bad = tmp_path / "cut.aeviz.npz"
    bad.write_bytes(data[: len(data) // 2])
    train(qtbot, win, 2)
    before = _session(win)
    assert not open_model(qtbot, win, bad)
    text = win.error_box.text()
    assert "cut.aeviz.npz" in text and "truncated or corrupted" in text and "unchanged" in text
    assert not win.error_box.isModal()
    _assert_untouched(win, before)
    assert win.model_files.path == str(path)


def test_future_version_refused_with_its_message(win, qtbot, tmp_path):
    path = save(qtbot, win, tmp_path / "m.aeviz.npz")
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    header = json.loads(arrays["header"].tobytes())
    header["version"] = 99
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    future = tmp_path / "future.aeviz.npz"
    np.savez(future, **arrays)
    garbage = tmp_path / "garbage.aeviz.npz"
    garbage.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 3)
    before = _session(win)
    assert not open_model(qtbot, win, future)
    assert "newer aeviz" in win.error_box.text() and "version 99" in win.error_box.text()
    assert not open_model(qtbot, win, garbage)
    assert "garbage.aeviz.npz" in win.error_box.text()
    assert not open_model(qtbot, win, tmp_path / "missing.aeviz.npz")
    assert "no such file" in win.error_box.text()
    _assert_untouched(win, before)


def test_model_of_other_ratings_refused_or_opens_its_own(qtbot, tmp_path):
    other_path = tmp_path / "other.csv"
    make_ratings(other_path, users=25, items=9, seed=3)
    w1 = _open_window(qtbot, other_path)
    train(qtbot, w1, 3)
    model = save(qtbot, w1, tmp_path / "other.aeviz.npz")
    expected = predictions(w1)
    w1.close()

    mine = tmp_path / "ratings.csv"
    make_ratings(mine)
    w = _open_window(qtbot, mine)
    before = _session(w)
    asked = []
    w.model_files.ask_open_dataset = lambda path, reason: asked.append((path, reason)) or False
    assert not open_model(qtbot, w, model)
    assert asked and asked[0][0] == str(other_path) and "9 movies" in asked[0][1]
    assert "does not fit" in w.error_box.windowTitle() or "does not fit" in w.error_box.text()
    _assert_untouched(w, before)

    w.model_files.ask_open_dataset = lambda path, reason: True  # now accept: its ratings load first
    assert w.model_files.open(str(model))
    qtbot.waitUntil(lambda: w.dataset is not None and w.dataset.n_items == 9 and w.model_files.result("open") is not None,
                    timeout=10000)
    idle(qtbot, w)
    assert w.model_files.result("open")[0]
    np.testing.assert_allclose(predictions(w), expected)
    assert "other.csv" in w.windowTitle()
    w.close()


def test_model_whose_ratings_file_is_gone_names_it(win, qtbot, tmp_path):
    other = tmp_path / "gone.csv"
    make_ratings(other, users=20, items=8, seed=4)
    w1 = _open_window(qtbot, other)
    model = save(qtbot, w1, tmp_path / "gone.aeviz.npz")
    w1.close()
    other.unlink()
    before = _session(win)
    assert not open_model(qtbot, win, model)
    assert "gone.csv" in win.error_box.text() and "not found" in win.error_box.text()
    _assert_untouched(win, before)


# ------------------------------------------------------------------------------ quitting
def test_quit_with_unsaved_training_asks(win, qtbot, tmp_path):
    train(qtbot, win, 2)
    asked = []
    win.model_files.ask_unsaved = lambda: asked.append(1) or CANCEL
    win.close()
    assert asked and win.isVisible() and win.bridge.is_running()

    win.model_files.ask_unsaved = lambda: SAVE
    win.model_files.choose_save_path = lambda: str(tmp_path / "quit.aeviz.npz")
    win.close()
    assert (tmp_path / "quit.aeviz.npz").is_file()
    assert not win.isVisible() and not win.bridge.is_running()


def test_quit_after_save_does_not_ask(qtbot, ratings_path, tmp_path):
    w = _open_window(qtbot, ratings_path)
    train(qtbot, w, 2)
    save(qtbot, w, tmp_path / "m.aeviz.npz")
    w.model_files.ask_unsaved = lambda: pytest.fail("asked although nothing is unsaved")
    w.close()
    assert not w.bridge.is_running()


def test_quit_discard_closes(qtbot, ratings_path):
    w = _open_window(qtbot, ratings_path)
    train(qtbot, w, 2)
    w.model_files.ask_unsaved = lambda: DISCARD
    w.close()
    assert not w.bridge.is_running()


# ------------------------------------------------------------------------------ divergence
def _drawn_values_finite(w):
    s = w.last_snapshot
    arrays = list(s.weights) + [b for b in s.biases if b is not None]
    for group in (s.activations, s.preacts, s.deltas, s.grad_weights):
        arrays += [a for a in (group or ()) if a is not None]
    assert all(np.isfinite(a).all() for a in arrays)
    assert s.loss is None or np.isfinite(s.loss)
    view = w.network_view
    for layer in range(len(s.sizes)):
        _, values = view.node_values(layer)
        assert values is None or np.isfinite(values).all()
    for key in ("loss", "epoch", "obs"):
        assert "nan" not in w.status_labels[key].text().lower()


def test_divergence_pauses_names_layer_and_recovers(win, qtbot):
    setup = win.setup
    setup.optimizer.setCurrentText("sgd")
    setup.lr.clear()
    qtbot.keyClicks(setup.lr, "100")
    assert setup.config() is not None and setup.config().lr == 100
    qtbot.mouseClick(setup.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.config.lr == 100 and win.bridge.is_idle(), timeout=5000)
    good = win.bridge.trainer.network.params.copy()
    for _ in range(200):  # step by step: divergence must stop at the first bad step
        if win.banner.isVisible():
            break
        before = win.bridge.trainer.network.params.copy()
        good_updates = win.bridge.trainer.updates
        button = win.toolbar.widgetForAction(win.controls.actions["step_batch"])
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        idle(qtbot, win)
    assert win.banner.isVisible(), "lr 100 never diverged"
    msg = win.banner.label.text()
    assert "diverged" in msg and "smaller learning rate than 100" in msg
    assert re.search(r"in (layer \d|W\d|b\d|the gradient of)", msg), msg  # names where it broke
    t = win.bridge.trainer
    np.testing.assert_array_equal(t.network.params, before)  # the state before the bad step
    assert t.updates == good_updates and np.isfinite(t.network.params).all()
    assert not win.bridge.playing
    _drawn_values_finite(win)

    # playing into it pauses at once, the views stay finite
    win.bridge.play()
    qtbot.waitUntil(lambda: not win.bridge.playing and win.bridge.is_idle(), timeout=5000)
    _drawn_values_finite(win)

    if t.can_undo:
        qtbot.mouseClick(win.toolbar.widgetForAction(win.controls.actions["undo"]), Qt.MouseButton.LeftButton)
        idle(qtbot, win)
        assert win.bridge.trainer.diverged is None
        assert np.isfinite(win.bridge.trainer.network.params).all()
    win.bridge.reset()
    idle(qtbot, win)
    assert win.last_snapshot.steps == 0 and win.bridge.trainer.diverged is None
    np.testing.assert_array_equal(win.bridge.trainer.network.params, good)  # same seed, same start
    _drawn_values_finite(win)


# ------------------------------------------------------------------------------ exports
def test_export_pictures(win, qtbot, tmp_path):
    train(qtbot, win, 3)
    ex = win.exporter
    for suffix in ("png", "svg"):
        out = ex.export_network(str(tmp_path / f"net.{suffix}"))
        assert out and (tmp_path / f"net.{suffix}").stat().st_size > 1000
        out = ex.export_dock(win.loss_dock, str(tmp_path / f"loss.{suffix}"))
        assert out and all((tmp_path / p).stat().st_size > 500 for p in out)
    assert (tmp_path / "net.svg").read_text().lstrip().startswith("<?xml")
    assert "<svg" in (tmp_path / "loss.svg").read_text()[:2000] or "<svg" in open(out[0]).read()[:2000]
    # every panel with a plot exports (raised first, so a hidden tab has a real size)
    from aeviz.ui.export import plot_views
    panels = [(p, d) for p, d in zip(win.panels, win.docks[2:]) if plot_views(d.widget())]
    assert panels
    for i, (_, dock) in enumerate(panels):
        written = ex.export_dock(dock, str(tmp_path / f"panel{i}.png"))
        assert written, dock.windowTitle()


def test_export_weights_and_predictions_equal_engine(win, qtbot, tmp_path):
    train(qtbot, win, 3)
    ex = win.exporter
    ex.export_weights(str(tmp_path / "w"))
    ex.export_predictions(str(tmp_path / "p.csv"))
    idle(qtbot, win)
    qtbot.waitUntil(lambda: (tmp_path / "p.csv").is_file() and bool(ex.last_written), timeout=5000)
    net = win.bridge.trainer.network
    for l, name in enumerate(weight_file_names(net.sizes)):
        rows = list(csv.reader(open(tmp_path / "w" / name)))
        W = np.array([[float(v) for v in r[2:]] for r in rows[1:]])
        np.testing.assert_array_equal(W, net.weights[l].astype(np.float64))
    rows = list(csv.reader(open(tmp_path / "p.csv")))
    P = np.array([float(r[3]) for r in rows[1:]]).reshape(win.dataset.n_users, win.dataset.n_items)
    np.testing.assert_allclose(P, predictions(win), atol=5e-5)
    qtbot.waitUntil(lambda: "p.csv" in win.statusBar().currentMessage(), timeout=5000)
    win.export_csv(str(tmp_path / "h.csv"))
    assert len(list(csv.reader(open(tmp_path / "h.csv")))) == 1 + len(win.bridge.trainer.history)


def test_export_to_unwritable_place_is_a_message(win, qtbot, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert win.exporter.export_network(str(blocker / "net.png")) == []
    assert "Export failed" in win.error_box.windowTitle()
    win.exporter.export_predictions(str(blocker / "p.csv"))
    idle(qtbot, win)
    qtbot.waitUntil(lambda: "p.csv" in win.error_box.text() or "Not a directory" in win.error_box.text(),
                    timeout=5000)


# ------------------------------------------------------------------------------ settings
def test_corrupt_stored_settings_start_with_defaults(qtbot, ratings_path, caplog):
    s = settings.store()
    s.setValue("model/config", '{"hidden": "lots", "lr": "fast"}')
    s.setValue("window/geometry", "not bytes")
    s.setValue("window/state", 12)
    s.setValue("train/speed", "warp")
    s.setValue("plot/smoothing", [1, 2])
    s.setValue("plot/log", "perhaps")
    s.setValue("recent", {"a": 1})
    s.sync()
    with caplog.at_level(logging.WARNING):
        w = MainWindow(load_ratings(ratings_path), str(ratings_path))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.last_snapshot is not None and w.bridge.is_idle(), timeout=5000)
    assert w.config == ModelConfig()
    assert w.loss_plot.smoothing == 0.0 and not w.loss_plot.log_box.isChecked()
    assert "model/config" in caplog.text  # a warning says what was ignored
    w.close()


def test_model_of_changed_ratings_asks_before_opening(qtbot, tmp_path):
    first = tmp_path / "first.csv"
    make_ratings(first, seed=1)
    w1 = _open_window(qtbot, first)
    train(qtbot, w1, 2)
    model = save(qtbot, w1, tmp_path / "first.aeviz.npz")
    w1.close()
    second = tmp_path / "second.csv"
    make_ratings(second, seed=2)  # the same movies, other ratings
    w = _open_window(qtbot, second)
    assert list(w.dataset.item_ids) == list(load_ratings(first).item_ids)
    before = _session(w)
    asked = []
    w.model_files.ask_open_dataset = lambda *_: False
    w.model_files.ask_open_anyway = lambda text: asked.append(text) or False
    assert not open_model(qtbot, w, model)
    assert asked and "differ" in asked[0] and "first.csv" in asked[0]
    _assert_untouched(w, before)
    w.model_files.ask_open_anyway = lambda text: True
    assert open_model(qtbot, w, model)
    assert w.model_files.result("open")[0] and "second.csv" in w.windowTitle()
    np.testing.assert_array_equal(w.bridge.trainer.network.params, load_model_params(model))
    w.close()


def load_model_params(path):
    from aeviz.engine.serialize import load_model
    return load_model(path).network.params
