"""Shared test configuration: every test runs headless, whatever the shell says."""
import gc
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from aeviz.engine import kernels  # noqa: E402

# Compile the engine's loops once for the session and freeze Numba's objects out of the collector's
# way: the collection after every test below would otherwise scan them each time.
kernels.warm_up()
kernels.warm_up("float64")
gc.freeze()


_tests_since_full_collection = [0]
FULL_COLLECTION_EVERY = 20  # tests; a full collection costs ~30 ms (every window's objects scanned)


@pytest.fixture(autouse=True)
def _collect_garbage_between_tests():
    """Collect cycles at a quiet moment, in the GUI thread, after the test's windows are closed
    and their worker threads stopped (this fixture is torn down after qtbot's cleanup), rather
    than whenever an allocation in some thread happens to cross the collector's threshold.

    With the collector off during the test, everything the test allocated is still in the young
    generations, so collecting those finds its cycles; a full collection (older objects too)
    runs every FULL_COLLECTION_EVERY tests. Measured: a full collection after every test was
    about 30 ms, 15% of the suite's CPU time."""
    gc.disable()
    yield
    try:
        from PySide6.QtCore import QCoreApplication, QEvent
    except ImportError:  # pragma: no cover
        QCoreApplication = None
    if QCoreApplication is not None and QCoreApplication.instance() is not None:
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QCoreApplication.processEvents()
    _tests_since_full_collection[0] += 1
    if _tests_since_full_collection[0] >= FULL_COLLECTION_EVERY:
        _tests_since_full_collection[0] = 0
        gc.collect()
    else:
        gc.collect(1)


@pytest.fixture(autouse=True)
def _never_ask_on_close(monkeypatch):
    """Closing a window with unsaved training asks Save/Discard/Cancel in a modal box, which would
    block a headless test forever: tests discard unless they patch `model_files.ask_unsaved`."""
    try:
        from aeviz.ui.model_files import DISCARD, ModelFiles
    except ImportError:  # pragma: no cover
        return
    monkeypatch.setattr(ModelFiles, "unsaved_dialog", lambda self: DISCARD)


@pytest.fixture(autouse=True)
def temp_settings(tmp_path):
    """No test reads or writes the user's real QSettings: each gets a fresh INI folder."""
    try:
        from PySide6.QtCore import QSettings
    except ImportError:  # pragma: no cover
        yield
        return
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    yield


@pytest.fixture
def ratings_path(tmp_path):
    """A small long-format ratings CSV (40 users x 12 movies) for window tests."""
    from support import make_ratings
    p = tmp_path / "ratings.csv"
    make_ratings(p)
    return p


@pytest.fixture
def win(qtbot, ratings_path):
    """The main window on `ratings_path` (a 6-3-6 network), shown and idle; closed afterwards."""
    from aeviz.data import load_ratings
    from aeviz.engine import ModelConfig
    from aeviz.ui.main_window import MainWindow
    w = MainWindow(load_ratings(ratings_path), str(ratings_path), config=ModelConfig(hidden=(6, 3, 6)))
    qtbot.addWidget(w)
    w.confirm = lambda *_: True
    w.show()
    qtbot.waitUntil(lambda: w.last_snapshot is not None and w.bridge.is_idle(), timeout=20000)
    yield w
    w.close()
    assert not w.bridge.is_running()


@pytest.fixture
def overfit_split():
    """(train, held out) DenseRows of a 40 x 12 ratings matrix, 30% held out: a 12-unit network
    overfits it within a few epochs, so the best held-out epoch comes early (early-stopping tests,
    which pass the held-out part as the validation set)."""
    import numpy as np

    from aeviz.engine import DenseRows
    rng = np.random.default_rng(1)
    m = np.where(rng.random((40, 12)) < 0.5, rng.integers(1, 6, (40, 12)), 0).astype(np.float32)
    train, test = m.copy(), np.zeros_like(m)
    held = (m > 0) & (rng.random(m.shape) < 0.3)
    train[held], test[held] = 0, m[held]
    return DenseRows(train), DenseRows(test)


@pytest.fixture
def view(qtbot):
    """A network view, shown, 1100 x 600, without animation."""
    from aeviz.ui.graph_view import NetworkView
    v = NetworkView()
    v.set_animated(False)
    v.resize(1100, 600)
    qtbot.addWidget(v)
    v.show()
    qtbot.waitExposed(v)
    return v
