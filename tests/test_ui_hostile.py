"""Careless hands in the window (issue 14): closing during a load, Cancel, pipes, hostile models."""
import subprocess
import sys
import textwrap
import threading

import numpy as np
from PySide6.QtCore import Qt

import aeviz.data.loader as data_loader
import aeviz.data.wide as data_wide


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
    real = data_wide.fast_wide_chunk

    def slow_chunk(*args):
        parsing.set()
        threading.Event().wait(0.05)  # a slow machine: each chunk takes a while
        return real(*args)
    monkeypatch.setattr(data_wide, "fast_wide_chunk", slow_chunk)
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
    real = data_wide.fast_wide_chunk

    def waiting_chunk(*args):
        calls.append(1)
        pressed.wait(5)  # the parse is "slow" until the user has pressed Cancel
        return real(*args)
    monkeypatch.setattr(data_wide, "fast_wide_chunk", waiting_chunk)
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


# ------------------------------------------------------------------ model files (point 4)
def test_a_model_is_read_off_the_gui_thread_and_a_bomb_is_refused(win, qtbot, tmp_path, monkeypatch):
    import io
    import json
    import zipfile
    import aeviz.ui.model_files as model_files
    from aeviz.engine.serialize import load_model
    assert win.model_files.save(str(tmp_path / "good.aeviz.npz"))
    assert win.model_files.wait("save", timeout=10)[0]
    with np.load(tmp_path / "good.aeviz.npz") as npz:
        header = json.loads(npz["header"].tobytes())
    header["optimizer"] = None
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f4", "fortran_order": False, "shape": (750_000_000,)})
    bomb = tmp_path / "bomb.aeviz.npz"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        raw = json.dumps(header).encode()
        hbuf = io.BytesIO()
        np.lib.format.write_array_header_1_0(hbuf, {"descr": "|u1", "fortran_order": False, "shape": (len(raw),)})
        zf.writestr("header.npy", hbuf.getvalue() + raw)
        zf.writestr("params.npy", buf.getvalue() + b"\0" * 4096)
    threads = []

    def spy(*a, **k):
        threads.append(threading.current_thread() is threading.main_thread())
        return load_model(*a, **k)
    monkeypatch.setattr(model_files, "load_model", spy)
    errors = []
    win.show_error = lambda title, text: errors.append(text)
    params = win.bridge.trainer.network.params.copy()
    assert win.model_files.open(str(bomb))
    result = win.model_files.wait("open", timeout=10)
    assert threads == [False]
    assert result[0] is False and "750,000,000 values" in errors[0] and "session is unchanged" in errors[0]
    np.testing.assert_array_equal(win.bridge.trainer.network.params, params)


def test_cancel_stops_opening_a_model(win, qtbot, monkeypatch):
    import aeviz.ui.model_files as model_files
    from aeviz.engine.serialize import ModelLoadCancelled
    pressed = threading.Event()

    def slow(path, progress=None, cancel=None):
        progress(0.25)
        pressed.wait(5)
        if cancel():
            raise ModelLoadCancelled()
        raise AssertionError("Cancel never reached the reader")
    monkeypatch.setattr(model_files, "load_model", slow)
    assert win.model_files.open("big.aeviz.npz")
    strip = win.model_files.read_progress
    qtbot.waitUntil(lambda: strip.isVisible() and strip.bar.value() == 250, timeout=5000)
    assert "big.aeviz.npz" in strip.label.text()
    qtbot.mouseClick(strip.cancel_button, Qt.MouseButton.LeftButton)
    pressed.set()
    assert win.model_files.wait("open", timeout=10) == (False, "cancelled")
    assert "cancelled" in win.statusBar().currentMessage() and not strip.isVisible()


# ------------------------------------------------------------------ saving (point 9)
def test_a_failed_save_names_the_target_not_the_temporary_file(win, tmp_path, monkeypatch):
    def full_disk(fh, **arrays):
        raise OSError(28, "No space left on device", fh.name)
    monkeypatch.setattr(np, "savez_compressed", full_disk)
    errors = []
    win.show_error = lambda title, text: errors.append(text)
    target = tmp_path / "m.aeviz.npz"
    assert win.model_files.save(str(target))
    ok, message = win.model_files.wait("save", timeout=10)
    assert not ok and errors == [f"{target}: No space left on device"]
    assert ".tmp" not in errors[0] and list(tmp_path.glob(".m.aeviz.npz.*")) == []


def test_saving_onto_the_open_ratings_file_is_refused(win, ratings_path):
    before = ratings_path.read_bytes()
    errors = []
    win.show_error = lambda title, text: errors.append(text)
    link = ratings_path.with_name("ratings-link.npz")
    link.symlink_to(ratings_path)  # the GUI adds .aeviz.npz to other names: reach the file through a link
    assert win.model_files.save(str(link))
    ok, _ = win.model_files.wait("save", timeout=10)
    assert not ok and "ratings file that is open" in errors[0]
    assert ratings_path.read_bytes() == before
