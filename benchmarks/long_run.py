"""Long run: the whole window (offscreen) trains at full speed for 100,000 observations.

Memory must stay flat: everything that grows with training (per-epoch history, per-observation
losses, the insights ring, the loss plot's curves) has to be bounded or reset. Resident memory is
sampled 4 times a second; "warm" is the level once the first tenth of the run is done (caches,
first paint, pyqtgraph's buffers), so `growth_mb` = end - warm is what the run itself leaked.
Prints a table, then one JSON object as the last line.

    python benchmarks/long_run.py            # 100,000 steps
    AEVIZ_LONG_STEPS=20000 python benchmarks/long_run.py
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

STEPS = int(os.environ.get("AEVIZ_LONG_STEPS", "100000"))
TIMEOUT = float(os.environ.get("AEVIZ_LONG_TIMEOUT", "900"))


def rss_mb(proc) -> float:
    return proc.memory_info().rss / 2**20


def main() -> int:
    import psutil
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from aeviz.data import load_sample
    from aeviz.engine import ModelConfig
    from aeviz.ui.main_window import MainWindow

    proc = psutil.Process()
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    app = QApplication.instance() or QApplication(sys.argv)
    ds = load_sample("genres")
    cfg = ModelConfig()
    win = MainWindow(ds, None, config=cfg, restore=False)
    win.model_files.ask_unsaved = lambda: "discard"
    win.show()
    while win.last_snapshot is None:
        app.processEvents()
        time.sleep(0.001)
    for _ in range(20):
        app.processEvents()
    rss_start = rss_mb(proc)
    samples = [(0.0, 0, rss_start)]
    win.bridge.play()
    t0 = last_sample = time.perf_counter()
    warm = None
    steps = 0
    while True:
        app.processEvents()
        now = time.perf_counter()
        s = win.last_snapshot
        steps = s.steps if s is not None else 0
        if now - last_sample >= 0.25:
            last_sample = now
            samples.append((now - t0, steps, rss_mb(proc)))
            if warm is None and steps >= STEPS // 10:
                warm = samples[-1][2]
        if steps >= STEPS or now - t0 > TIMEOUT:
            break
        time.sleep(0.002)
    seconds = time.perf_counter() - t0
    win.bridge.pause()
    while not win.bridge.is_idle():
        app.processEvents()
    trainer_steps = win.bridge.trainer.steps
    epochs = win.bridge.trainer.epoch
    rss_end = rss_mb(proc)
    samples.append((seconds, trainer_steps, rss_end))
    peak = max(r for _, _, r in samples)
    warm = warm if warm is not None else rss_start
    win.close()

    rows = [("observations", f"{trainer_steps:,}"), ("epochs", f"{epochs:,}"),
            ("seconds", f"{seconds:.1f}"), ("observations/s", f"{trainer_steps / seconds:,.0f}"),
            ("RSS start (MB)", f"{rss_start:.1f}"), ("RSS after 10% (MB)", f"{warm:.1f}"),
            ("RSS peak (MB)", f"{peak:.1f}"), ("RSS end (MB)", f"{rss_end:.1f}"),
            ("growth after warm-up (MB)", f"{rss_end - warm:+.1f}")]
    print(f"long run: {ds.n_users} users x {ds.n_items} movies, network {'-'.join(map(str, win.last_snapshot.sizes))}, "
          f"full speed, window drawing offscreen")
    for k, v in rows:
        print(f"  {k:<28}{v:>12}")
    print("  RSS over time (s, steps, MB):", ", ".join(f"({t:.0f}, {n}, {r:.0f})" for t, n, r in
                                                     samples[:: max(1, len(samples) // 8)]))
    print(json.dumps({"steps": trainer_steps, "seconds": round(seconds, 2), "epochs": epochs,
                      "steps_per_s": round(trainer_steps / seconds, 1), "rss_start_mb": round(rss_start, 1),
                      "rss_warm_mb": round(warm, 1), "rss_peak_mb": round(peak, 1),
                      "rss_end_mb": round(rss_end, 1), "growth_mb": round(rss_end - warm, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
