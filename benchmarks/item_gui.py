"""Is the app fluid with an item-based model? 943-wide input and output layers (MovieLens-100k's
users), 500 hidden units, stepping movie by movie (the `recommender` preset, item-based I-AutoRec).

* manual stepping, one phase at a time: Forward, Loss (Next phase), Backward (Next phase), then
  Step batch (the other 31 movies of the batch of 32 and the update), each from the click to its
  snapshot drawn by every visible panel: wall ms, CPU ms of the whole process (worker + GUI), and
  the GUI thread's own CPU ms (the redraw) -- median and worst of 5 rounds;
* full speed: observations/s while the window draws, against the same trainer headless
  (a ratio), and the lateness of a 10 ms QTimer meanwhile (p99), i.e. whether input stays responsive.
Everything is measured for the user-based tutorial network on the same data too, in the same run:
the machine is shared, so the item model is judged against that reference (item/user ratios), and
CPU milliseconds are given beside wall ones (on a busy machine wall time is several times the CPU).

    python benchmarks/item_gui.py [u.data]      (offscreen unless DISPLAY is set and
                                                  QT_QPA_PLATFORM=xcb; real MovieLens-100k when the
                                                  file is there, else a generated matrix labelled synthetic)
Prints a table, then one JSON object as the last line.
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gui import headless_rate, timer_lateness  # noqa: E402  (benchmarks/gui.py: the same measures)

SECONDS = float(os.environ.get("AEVIZ_BENCH_SECONDS", "4"))
DEFAULT = os.path.expanduser("~/.cache/aeviz-ml/ml-100k/u.data")


def dataset(path):
    import numpy as np
    from aeviz.data import load_ratings
    from aeviz.data.ratings import build_ratings
    if os.path.isfile(path):
        titles = os.path.join(os.path.dirname(path), "u.item")
        return load_ratings(path, titles=titles if os.path.isfile(titles) else None), "MovieLens-100k"
    rng = np.random.default_rng(0)
    u, i = np.nonzero(rng.random((943, 1682)) < 0.063)
    return build_ratings(u + 1, i + 1, rng.integers(1, 6, size=u.size)), "synthetic 943 x 1682"


def in_window(ds, config, settings_dir, seconds):
    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_dir)
    app = QApplication.instance() or QApplication([])
    from aeviz.ui.main_window import MainWindow
    w = MainWindow(ds, config=config, restore=False)
    w.model_files.ask_unsaved = lambda: "discard"
    w.resize(1366, 768)
    w.show()
    while w.last_snapshot is None or not w.bridge.is_idle():
        app.processEvents()

    def drawn_after(action_name):
        """(wall, process CPU, GUI-thread CPU) seconds from triggering the action to its snapshot
        drawn (the worker idle again, every panel drawn). The wait runs the event loop without
        spinning: a busy poll would take the GIL from the worker it is timing."""
        before = w.last_snapshot
        action = w.controls.actions[action_name]
        if not action.isEnabled():
            raise RuntimeError(f"{action_name} is disabled")
        t0, c0, g0 = time.perf_counter(), time.process_time(), time.thread_time()
        action.trigger()
        loop, poll = QEventLoop(), QTimer()

        def check():
            if w.last_snapshot is not before and w.bridge.is_idle():
                loop.quit()
            elif time.perf_counter() - t0 > 120:
                loop.quit()
        poll.timeout.connect(check)
        poll.start(2)
        loop.exec()
        poll.stop()
        if w.last_snapshot is before:
            raise RuntimeError(f"{action_name}: no snapshot drawn within 120 s")
        return time.perf_counter() - t0, time.process_time() - c0, time.thread_time() - g0

    # a batch is 32 movies: Forward, Loss and Backward step the first movie's phases one by one
    # (Next phase), Step batch the other 31 movies and the update
    rounds = ("forward", "loss", "backward", "step_batch")
    action_of = {"forward": "forward", "loss": "step_phase", "backward": "step_phase", "step_batch": "step_batch"}
    manual = {name: [] for name in rounds}
    drawn_after("step_batch")  # compiled loops and first-use costs out of the way
    for _ in range(5):
        for name in rounds:
            manual[name].append(drawn_after(action_of[name]))
    loop = QEventLoop()
    w.controls.play_action.trigger()
    QTimer.singleShot(500, loop.quit)
    loop.exec()
    s0, t0 = w.bridge.trainer.steps, time.perf_counter()
    lateness = timer_lateness(seconds)
    rate = (w.bridge.trainer.steps - s0) / (time.perf_counter() - t0)
    sizes = list(w.last_snapshot.sizes)
    w.close()
    p99 = lateness[min(len(lateness) - 1, int(0.99 * len(lateness)))] if lateness else float("nan")
    return manual, rate, p99, sizes


def measure(ds, config, tmp):
    before, _ = headless_rate(SECONDS / 2, ds, config, warm_up=5)
    manual, rate, p99, sizes = in_window(ds, config, tmp, SECONDS)
    after, _ = headless_rate(SECONDS / 2, ds, config, warm_up=5)
    head = (before + after) / 2
    out = {"sizes": sizes, "headless_obs_per_s": round(head), "window_obs_per_s": round(rate),
           "throughput_ratio": round(rate / head, 3), "latency_p99_ms": round(p99, 1)}
    for name, times in manual.items():
        for i, what in enumerate(("ms", "cpu_ms", "gui_cpu_ms")):
            out[f"{name}_{what}"] = round(statistics.median(t[i] for t in times) * 1000, 1)
        out[f"{name}_worst_ms"] = round(max(t[0] for t in times) * 1000, 1)
    return out


def main():
    from aeviz.engine.threads import single_threaded_blas
    from aeviz.presets import TUTORIAL, get_preset
    ds, label = dataset(sys.argv[1] if len(sys.argv) > 1 else DEFAULT)
    single_threaded_blas()  # as the app's worker
    with tempfile.TemporaryDirectory() as tmp:
        item = measure(ds, get_preset("recommender").config, tmp)
        # the reference in the same run: the user-based recommender on the same data (1682-wide)
        user = measure(ds, TUTORIAL, tmp)
    platform = os.environ.get("QT_QPA_PLATFORM")
    print(f"{label}, window 1366x768 on {platform}; item-based {'-'.join(map(str, item['sizes']))} against "
          f"the user-based reference {'-'.join(map(str, user['sizes']))}")
    print(f"{'measure':<44}{'item':>9}{'user':>9}{'item/user':>10}")
    rows = []
    for n in ("forward", "loss", "backward", "step_batch"):
        rows += [(f"{n}: click to drawn, median wall ms", f"{n}_ms"),
                 (f"{n}: CPU ms (worker + GUI)", f"{n}_cpu_ms"), (f"{n}: GUI thread CPU ms (redraw)", f"{n}_gui_cpu_ms")]
    rows += [("step_batch worst wall (ms)", "step_batch_worst_ms"),
             ("full speed headless (obs/s)", "headless_obs_per_s"), ("full speed in window (obs/s)", "window_obs_per_s"),
             ("throughput ratio window/headless", "throughput_ratio"), ("10 ms timer lateness p99 (ms)", "latency_p99_ms")]
    for text, key in rows:
        a, b = item[key], user[key]
        print(f"{text:<44}{a:>9.4g}{b:>9.4g}{(a / b if b else float('nan')):>10.2f}")
    print(json.dumps({"data": label, "item": item, "user": user,
                      "forward_cpu_item_over_user": round(item["forward_cpu_ms"] / max(user["forward_cpu_ms"], 1e-9), 3),
                      "latency_p99_item_over_user": round(item["latency_p99_ms"] / max(user["latency_p99_ms"], 1e-9), 3)}))


if __name__ == "__main__":
    main()
