"""A seeded monkey drives the real window through thousands of random actions.

Every action is something a user can do (buttons, Play/Pause, speed, typing good and bad values into
the setup panel and Apply, opening good and broken files, presets, resizing, docks, clicking nodes
and users, editing weights, undo, reset, saving and opening models). After each one: no exception
escaped (a Qt slot's included), no panel logged a failure, counters only ran backwards on a reset,
undo or rebuild, and every value the window drew is finite.

The default suite runs one short seeded run (SHORT actions); the long run is behind the `slow`
marker (`python -m pytest -m slow tests/test_ui_monkey.py`, AEVIZ_MONKEY_ACTIONS of them, 2,000 by
default), and benchmarks/monkey.py runs it for several seeds. Replay a failure with
AEVIZ_MONKEY_SEED=<seed printed>; run longer with AEVIZ_MONKEY_ACTIONS=20000.
"""
import logging
import math
import os
import random
import time

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, Qt

from aeviz.data import load_ratings
from aeviz.engine import ModelConfig
from aeviz.ui.main_window import MainWindow

from support import make_ratings

DEFAULT_SEED = 8_2026
SEED = int(os.environ.get("AEVIZ_MONKEY_SEED", DEFAULT_SEED))
ACTIONS = int(os.environ.get("AEVIZ_MONKEY_ACTIONS", 2000))  # the long (slow-marked) run
SHORT = 200  # the default suite's run: a few seconds, every kind of action several times

LAYERS = ["6,3,6", "4", "8,2,8", "3,3", "", "0", "-2", "abc", "5,,5", "2.5", "1e9", " 7 , 3 "]
NUMBERS = ["0.01", "0.1", "1", "100", "1e6", "0", "-1", "nan", "inf", "1e400", "abc", "", "0.5", " 2 "]
FRACTIONS = ["0", "0.2", "0.5", "1", "1.5", "-0.1", "x", "nan"]


def _files(tmp_path):
    """Good and malformed files for the Open actions."""
    good = tmp_path / "good.csv"
    make_ratings(good, users=30, items=10, seed=5)
    other = tmp_path / "other.csv"
    make_ratings(other, users=15, items=8, seed=6)
    bad = {
        "empty.csv": b"",
        "header_only.csv": b"userId,movieId,rating\n",
        "garbage.bin": bytes(range(256)) * 20,
        "text.csv": b"hello world\nthis is not ratings\n",
        "range.csv": b"userId,movieId,rating\n1,1,99\n2,1,-4\n",
        "short.csv": b"userId,movieId,rating\n1,1\n2\n",
        "nan.csv": b"userId,movieId,rating\n1,1,nan\n2,2,inf\n",
        "model.aeviz.npz": b"PK\x03\x04" + b"\x00" * 100,
    }
    paths = [str(good), str(other), str(tmp_path), str(tmp_path / "missing.csv")]
    for name, data in bad.items():
        p = tmp_path / name
        p.write_bytes(data)
        paths.append(str(p))
    return [str(good), str(other)], paths


class Monkey:
    def __init__(self, win, qtbot, rng, tmp_path):
        self.w, self.qtbot, self.rng, self.tmp = win, qtbot, rng, tmp_path
        self.good_files, self.all_files = _files(tmp_path)
        self.models = []
        self.generation = 0  # rebuilds seen: counters may restart
        win.bridge.rebuilt.connect(self._bump)
        win.bridge.workDone.connect(self._bump_open)
        self.log: list[str] = []
        self.last = None
        self.cost: dict[str, float] = {}  # seconds per kind of action (printed: where the time goes)

    # the window signals these from the GUI thread; plain methods are fine here
    def _bump(self, *_):
        self.generation += 1

    def _bump_open(self, tag, _):
        if tag == "open":
            self.generation += 1

    # ------------------------------------------------------------------ the actions
    def act(self):
        name, fn = self.rng.choices(self.ACTIONS, weights=[w for _, _, w in self.TABLE])[0]
        detail = fn(self) or ""
        self.log.append(f"{name} {detail}".strip())
        return name

    def click(self, key):
        a = self.w.controls.actions[key]
        if a.isEnabled():
            button = self.w.toolbar.widgetForAction(a)
            if button is not None and button.isVisible():
                self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
            else:
                a.trigger()
        return key

    def step(self):
        return self.click(self.rng.choice(["step_phase", "forward", "backward", "update",
                                           "step_observation", "step_batch", "step_observation"]))

    def epoch(self):
        return self.click("step_epoch")

    def play_pause(self):
        self.w.controls.play_action.trigger()
        return "playing" if self.w.controls.play_action.isChecked() else "paused"

    def speed(self):
        s = self.rng.choice([1, 3, 30, 400, 2000, math.inf])
        self.w.controls.speed.set_speed(s)
        return str(s)

    def undo(self):
        return self.click("undo")

    def reset(self):
        return self.click("reset")

    def restore_best(self):
        return self.click("restore_best")

    def configure(self):
        s = self.w.setup
        r = self.rng
        s.layers.setText(r.choice(LAYERS))
        s.lr.setText(r.choice(NUMBERS))
        s.momentum.setText(r.choice(NUMBERS))
        s.weight_decay.setText(r.choice(["0", "0.001", "-1", "x"]))
        s.test_fraction.setText(r.choice(FRACTIONS))
        for combo in (s.optimizer, s.hidden, s.output, s.loss, s.kind, s.batch_mode, s.noise,
                      s.sparsity_penalty):
            if r.random() < 0.4 and combo.count():
                combo.setCurrentIndex(r.randrange(combo.count()))
        s.batch_k.setValue(r.randint(s.batch_k.minimum(), min(s.batch_k.maximum(), 64)))
        s.pretrain_epochs.setValue(r.choice([0, 0, 0, 1]))
        if s.apply_button.isEnabled():
            self.qtbot.mouseClick(s.apply_button, Qt.MouseButton.LeftButton)
            return f"apply {s.layers.text()!r} lr={s.lr.text()!r}"
        return f"refused {s.layers.text()!r} lr={s.lr.text()!r}"

    def open_file(self):
        p = self.rng.choice(self.all_files)
        self.w.open_path(p)
        return os.path.basename(p)

    def preset(self):
        if self.w.preset_actions:
            a = self.rng.choice(self.w.preset_actions)
            a.trigger()
            return a.data()

    def resize(self):
        self.w.resize(self.rng.randint(300, 1100), self.rng.randint(250, 760))

    def dock(self):
        d = self.rng.choice(self.w.docks)
        d.toggleViewAction().trigger()
        return d.windowTitle()

    def select_node(self):
        s = self.w.last_snapshot
        if s is None:
            return
        layer = self.rng.randrange(len(s.sizes))
        index = self.rng.randrange(s.sizes[layer])
        self.w.network_view.nodeSelected.emit(layer, index)
        return f"{layer}:{index}"

    def select_user(self):
        if self.w.dataset is None:
            return
        row = self.rng.randrange(self.w.dataset.n_users)
        self.w.panels[0].userSelected.emit(row)  # as a click on the ratings matrix does
        return str(row)

    def edit_weight(self):
        s = self.w.last_snapshot
        if s is None:
            return
        l = self.rng.randrange(len(s.weights))
        out, inp = s.weights[l].shape
        v = self.rng.choice([0.0, 0.5, -3.0, 1e3, 1e30, -1e30])
        self.w.network_view.weightEdited.emit(l, self.rng.randrange(out), self.rng.randrange(inp), v)
        return f"W{l + 1}={v:g}"

    def save_model(self):
        p = str(self.tmp / f"m{len(self.models) % 3}.aeviz.npz")
        if self.w.model_files.save(p):
            self.models.append(p)
        return os.path.basename(p)

    def open_model(self):
        choices = self.models[-3:] + [str(self.tmp / "model.aeviz.npz"), str(self.tmp / "garbage.bin")]
        p = self.rng.choice(choices)
        self.w.model_files.open(p)
        return os.path.basename(p)

    def keys(self):
        self.qtbot.keyClick(self.w, self.rng.choice([Qt.Key.Key_Space, Qt.Key.Key_N, Qt.Key.Key_Escape]))

    TABLE = [("step", step, 30), ("epoch", epoch, 2), ("play_pause", play_pause, 8), ("speed", speed, 4),
             ("undo", undo, 5), ("reset", reset, 2), ("restore_best", restore_best, 2), ("configure", configure, 6), ("open_file", open_file, 2),
             ("preset", preset, 1), ("resize", resize, 3), ("dock", dock, 4), ("select_node", select_node, 6),
             ("select_user", select_user, 5), ("edit_weight", edit_weight, 3), ("save_model", save_model, 1),
             ("open_model", open_model, 1), ("keys", keys, 3)]
    ACTIONS = [(n, f) for n, f, _ in TABLE]

    # ------------------------------------------------------------------ settle and check
    def settle(self):
        """Until every command was handled and every load finished, then deliver their signals."""
        w = self.w
        end = time.monotonic() + 15
        while time.monotonic() < end:
            QCoreApplication.processEvents()
            if w.bridge.caught_up() and not w.loader.busy:
                break
            time.sleep(0.001)
        else:
            raise AssertionError("the worker or the loader never caught up")
        QCoreApplication.processEvents()

    def check(self, name):
        w = self.w
        s = w.last_snapshot
        if s is None:
            return
        where = f"after action #{len(self.log)} ({self.log[-1]})"
        now = (self.generation, s.steps, s.updates, s.epoch)
        if self.last is not None and now[0] == self.last[0] and name not in ("undo", "reset", "restore_best"):
            assert all(a >= b for a, b in zip(now[1:], self.last[1:])), \
                f"counters (steps, updates, epoch) ran backwards {self.last[1:]} -> {now[1:]} {where}"
        self.last = now
        arrays = list(s.weights) + [b for b in s.biases if b is not None]
        for group in (s.activations, s.preacts, s.deltas, s.grad_weights, s.change_weights):
            arrays += [a for a in (group or ()) if a is not None]
        for a in arrays:
            assert np.isfinite(a).all(), f"non-finite values in the snapshot {where}"
        for v in (s.loss, s.penalty):
            assert v is None or math.isfinite(v), f"loss {v} {where}"
        view = w.network_view
        if hasattr(view, "node_values") and view.scene() is not None:
            for layer in range(len(view.scene().sizes)):
                _, values = view.node_values(layer)
                assert values is None or np.isfinite(values).all(), f"node values not finite {where}"
        for lab in w.status_labels.values():
            assert "nan" not in lab.text().lower() and "inf" not in lab.text().lower().replace("info", ""), \
                f"status {lab.text()!r} {where}"


def test_monkey(qtbot, tmp_path, caplog, capsys):
    run_monkey(qtbot, tmp_path, caplog, capsys, SHORT)


@pytest.mark.slow
def test_monkey_long(qtbot, tmp_path, caplog, capsys):
    run_monkey(qtbot, tmp_path, caplog, capsys, ACTIONS)


def run_monkey(qtbot, tmp_path, caplog, capsys, actions):
    """`actions` random actions from SEED on a fresh window, checking the window after each."""
    with capsys.disabled():
        print(f"\nmonkey: seed {SEED}, {actions} actions (replay: AEVIZ_MONKEY_SEED={SEED})")
    rng = random.Random(SEED)
    path = tmp_path / "start.csv"
    make_ratings(path, users=24, items=10, seed=SEED % 1000)
    win = MainWindow(load_ratings(path), str(path), config=ModelConfig(hidden=(6, 3, 6), batch_size=4))
    qtbot.addWidget(win)
    win.confirm = lambda *_: True
    win.model_files.ask_open_dataset = lambda *_: rng.random() < 0.5
    win.model_files.ask_open_anyway = lambda *_: rng.random() < 0.5
    win.show()
    win.resize(900, 640)  # painting is most of each action's cost: keep the window modest
    qtbot.waitUntil(lambda: win.last_snapshot is not None and win.bridge.is_idle(), timeout=5000)
    monkey = Monkey(win, qtbot, rng, tmp_path)
    caplog.set_level(logging.ERROR)
    started = time.perf_counter()
    try:
        with qtbot.captureExceptions() as exceptions:
            for i in range(actions):
                t0 = time.perf_counter()
                name = monkey.act()
                monkey.settle()
                monkey.cost[name] = monkey.cost.get(name, 0.0) + time.perf_counter() - t0
                assert not exceptions, f"exception after action #{i + 1} ({monkey.log[-1]}): {exceptions[0][1]!r}"
                errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
                assert not errors, f"logged failure after action #{i + 1} ({monkey.log[-1]}): {errors[0].getMessage()}"
                monkey.check(name)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\nseed {SEED}; last actions: {monkey.log[-12:]}") from None
    finally:
        win.bridge.pause()
        win.close()
    assert not win.bridge.is_running()
    seconds = time.perf_counter() - started
    with capsys.disabled():
        print(f"monkey: {actions} actions in {seconds:.1f} s, {win.last_snapshot.steps} steps last run, "
              f"{monkey.generation} rebuilds")
        print("monkey: seconds per action kind:", {k: round(v, 1) for k, v in sorted(monkey.cost.items(), key=lambda kv: -kv[1])})
