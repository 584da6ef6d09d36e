"""Careless hands in the window (issue 14): closing during a load, Cancel, pipes, hostile models."""
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt

import aeviz.data.loader as data_loader
from aeviz.engine.config import ModelConfig
from aeviz.ui.main_window import MainWindow


@pytest.fixture
def win(qtbot, ratings_path):
    from aeviz.data import load_ratings
    w = MainWindow(load_ratings(ratings_path), str(ratings_path), config=ModelConfig(hidden=(6, 3, 6)))
    qtbot.addWidget(w)
    w.confirm = lambda *_: True
    w.show()
    qtbot.waitUntil(lambda: w._last_snapshot is not None and w.bridge.is_idle(), timeout=5000)
    yield w
    w.close()


def test_dropping_a_loader_whose_thread_still_runs_does_not_abort(tmp_path):
    """The loader's thread outlives shutdown()'s wait (a load that ignores Cancel): the process
    must end normally, not with 'QThread: Destroyed while thread is still running' (SIGABRT)."""
    script = textwrap.dedent("""
        import gc, os, time
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from PySide6.QtWidgets import QApplication
        import aeviz.ui.loading as loading
        app = QApplication([])
        def stubborn(path, titles=None, progress=None, cancel=None):
            time.sleep(1.0)
            raise loading.LoadCancelled()
        loading.load_ratings = stubborn
        loader = loading.RatingsLoader()
        assert loader.load("slow.csv")
        time.sleep(0.1)
        print("ended" if loader.shutdown(timeout_ms=50) else "orphaned", flush=True)
        del loader
        gc.collect()
        app.processEvents()
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                         cwd=str(tmp_path), env={**__import__("os").environ,
                                                 "PYTHONPATH": str(__import__("pathlib").Path.cwd())})
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "orphaned"
    assert "Destroyed while thread" not in run.stderr


def test_closing_the_window_during_a_load_cancels_it(win, qtbot, tmp_path, monkeypatch):
    wide = tmp_path / "wide.csv"
    wide.write_text("user,a,b,c,d,e\n" + "".join(f"{u},1,2,0,4,5\n" for u in range(1, 3000)))
    parsing = threading.Event()
    real = data_loader._fast_wide_chunk

    def slow_chunk(*args):
        parsing.set()
        threading.Event().wait(0.05)  # a slow machine: each chunk takes a while
        return real(*args)
    monkeypatch.setattr(data_loader, "_fast_wide_chunk", slow_chunk)
    monkeypatch.setattr(data_loader.load_ratings, "__kwdefaults__", {"chunk_bytes": 1024})
    win.open_path(str(wide))
    qtbot.waitUntil(parsing.is_set, timeout=5000)
    loader = win.loader
    win.close()  # cancels and waits: the next chunk ends the load
    assert not loader.busy


def test_cancel_stops_a_wide_load_and_says_cancelled(win, qtbot, tmp_path, monkeypatch):
    wide = tmp_path / "wide.csv"
    wide.write_text("user,a,b,c,d,e\n" + "".join(f"{u},1,2,0,4,5\n" for u in range(1, 3000)))
    pressed = threading.Event()
    calls = []
    real = data_loader._fast_wide_chunk

    def waiting_chunk(*args):
        calls.append(1)
        pressed.wait(5)  # the parse is "slow" until the user has pressed Cancel
        return real(*args)
    monkeypatch.setattr(data_loader, "_fast_wide_chunk", waiting_chunk)
    monkeypatch.setattr(data_loader.load_ratings, "__kwdefaults__", {"chunk_bytes": 1024})
    failures = []
    win.loader.failed.connect(lambda p, m: failures.append(m))
    win.open_path(str(wide))
    qtbot.waitUntil(lambda: bool(calls), timeout=5000)
    with qtbot.waitSignal(win.loader.cancelled, timeout=5000):
        qtbot.mouseClick(win.load_progress.cancel_button, Qt.MouseButton.LeftButton)
        pressed.set()
    assert not failures and "cancelled" in win.statusBar().currentMessage()
    assert len(calls) <= 2  # stopped at the next chunk, not after the ~50 of the file
    assert not win.loader.busy


def test_a_fifo_is_refused_at_once_and_later_opens_work(win, qtbot, tmp_path, ratings_path):
    import os
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    errors = []
    win.show_error = lambda title, text: errors.append(text)
    with qtbot.waitSignal(win.loader.failed, timeout=5000):
        win.open_path(str(fifo))
    assert "named pipe" in errors[0] and "pipe.csv" in errors[0]
    with qtbot.waitSignal(win.loader.loaded, timeout=5000) as sig:
        win.open_path(str(ratings_path))
    assert sig.args[0] == str(ratings_path)


def test_a_huge_field_gives_a_short_error(win, qtbot, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("1,10,4\n1,11,3\n2,10," + "7" * 200_000 + "\n")
    errors = []
    win.show_error = lambda title, text: errors.append(text)
    with qtbot.waitSignal(win.loader.failed, timeout=5000):
        win.open_path(str(bad))
    assert len(errors[0]) < 300 and "line 3" in errors[0]
    np.testing.assert_equal(win.loader.busy, False)
