"""Helpers several test modules share (plain functions; the shared fixtures are in conftest.py).

Test modules import from here, never from each other: a test module is a list of tests, and
importing one from another runs (and collects) it twice."""
import dataclasses

import numpy as np
from PySide6 import QtWidgets
from PySide6.QtCore import Qt

from aeviz.data import holdout_split, load_ratings
from aeviz.data.ratings import build_ratings
from aeviz.engine import ModelConfig, build_trainer
from aeviz.engine.insights import compute_extras

GENRES = ("Action", "Comedy", "Drama", "Horror", "Romance")


def make_ratings(path, users=40, items=12, per_user=6, seed=0):
    """Write a long-format ratings CSV (`per_user` random movies per user) and load it."""
    rng = np.random.default_rng(seed)
    lines = ["userId,movieId,rating"]
    for u in range(users):
        for m in rng.choice(items, per_user, replace=False):
            lines.append(f"{u + 1},{m + 1},{rng.integers(1, 6)}")
    path.write_text("\n".join(lines) + "\n")
    return load_ratings(path)


def genre_ratings(n_users=300, n_items=60, seed=0):
    """Like the bundled 'genres' sample: each user loves one of five latent genres, rates its
    movies 4-5 (and more of them), the others 1-3."""
    rng = np.random.default_rng(seed)
    item_g = np.arange(n_items) % len(GENRES)
    user_g = rng.integers(0, len(GENRES), n_users)
    fav = item_g[None, :] == user_g[:, None]
    rated = rng.random((n_users, n_items)) < np.where(fav, 0.55, 0.15)
    rated[np.arange(n_users), rng.integers(0, n_items, n_users)] = True
    vals = np.where(fav, rng.choice([4, 5], fav.shape, p=[0.4, 0.6]),
                    rng.choice([1, 2, 3], fav.shape, p=[0.3, 0.4, 0.3]))
    u, i = np.nonzero(rated)
    return build_ratings(u + 1, i + 1, vals[u, i].astype(float),
                         titles=[f"Movie {k + 1}" for k in range(n_items)],
                         genres=tuple(GENRES[k] for k in item_g))


def click(qtbot, w, name, timeout=20000):
    """Click a main-window toolbar action's button, then wait until the worker is idle (a
    generous timeout: a loaded machine is slow, and waitUntil returns as soon as it is idle)."""
    action = w.controls.actions[name]
    assert action.isEnabled(), f"{name} is disabled"
    qtbot.mouseClick(w.toolbar.widgetForAction(action), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(w.bridge.is_idle, timeout=timeout)


# ------------------------------------------------------------------ insight panels on their own
def setup(hidden=(8, 2, 8), n_users=60, n_items=20, epochs=2, seed=0, **kw):
    """(trainer trained `epochs` epochs, ratings, split) on genre_ratings."""
    r = genre_ratings(n_users, n_items, seed=seed)
    split = holdout_split(r, 0.2, 0)
    tr = build_trainer(ModelConfig(hidden=hidden, batch_size=1, lr=0.01, seed=1, **kw), split.train, split.test,
                       clip=(1, 5))
    tr.train(epochs)
    return tr, r, split


def snap(tr, sel=None):
    """The trainer's snapshot with the insight extras, as the worker sends it."""
    return dataclasses.replace(tr.snapshot(), extras=compute_extras(tr, sel or {"layer": 2, "index": 0}))


def make(qtbot, cls, r, split, size=(700, 450)):
    """A shown panel of class `cls` on dataset `r`."""
    w = cls()
    qtbot.addWidget(w)
    w.set_dataset(r, split)
    w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    return w


def all_text(w) -> str:
    """Every label, text browser and table cell under `w`, one per line."""
    parts = []
    for lab in w.findChildren(QtWidgets.QLabel):
        parts.append(lab.text())
    for tb in w.findChildren(QtWidgets.QTextBrowser):
        parts.append(tb.toPlainText())
    for t in w.findChildren(QtWidgets.QTableWidget):
        for i in range(t.rowCount()):
            for j in range(t.columnCount()):
                if t.item(i, j) is not None:
                    parts.append(t.item(i, j).text())
    return "\n".join(parts)


def toy_trainer():
    """The seed's 4-2-4 on its four one-hot users, with SGD and a masked MSE."""
    from aeviz.engine import DenseRows, Trainer, get_loss, make_optimizer
    from aeviz.engine.toy import INPUTS, toy_network
    net = toy_network()
    opt = make_optimizer("sgd", net.params.size, lr=0.1)
    return Trainer(net, opt, get_loss("mse"), DenseRows(INPUTS, mask=np.ones((4, 4), bool)))


def activate(qtbot, window):
    """Make `window` the active one, as a click on it would (offscreen, a window closed by an
    earlier test can leave none active)."""
    window.activateWindow()
    try:
        qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is window, timeout=1000)
    except Exception:
        QtWidgets.QApplication.setActiveWindow(window)
    qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is window)


def focus(qtbot, widget):
    """Give `widget` the keyboard focus in its active window."""
    activate(qtbot, widget.window())
    widget.setFocus()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.focusWidget() is widget)
