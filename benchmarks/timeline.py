"""Timeline benchmark: memory of a long run's history, scrub latency in a real window, and the
training throughput the timeline costs.

* trains MovieLens-100k (/root/.cache/aeviz-ml/ml-100k/u.data; without it a generated 943 x 1682
  matrix of 100,000 ratings, labelled "synthetic") with the app's default model, as Play at full
  speed does (`keep_undo` off), for --epochs epochs with the timeline on; reports the memory its
  kept moments take (`Timeline.memory_bytes`) and how many epochs are kept;
* throughput: the first --compare epochs alternate, epoch by epoch, between that trainer and an
  identical one with the timeline off (same process, same load): loss = 1 - on / off;
* scrub latency: a real MainWindow (offscreen, or the X display in $DISPLAY with
  AEVIZ_BENCH_X=1) takes the run's kept epochs (the worker adopts them, as opening a model saved
  with history does) and the scrubber is dragged over --drag positions, in strokes of --stroke
  positions each ended by a release: a position's latency is from it being sent to the window
  having drawn that epoch (while the hand is on the slider: the network and the loss plot's
  cursor, a light preview); a release's is from it to every visible panel having drawn that epoch.
Prints a table, then one JSON object as the last line.

    python benchmarks/timeline.py                  # 500 epochs
    python benchmarks/timeline.py --epochs 40      # while developing
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

if os.environ.get("AEVIZ_BENCH_X") != "1":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ML100K = "/root/.cache/aeviz-ml/ml-100k/u.data"


def dataset():
    """(ratings, path, label): the real file, else a generated one of its size."""
    import numpy as np

    from aeviz.data import load_ratings
    from aeviz.data.ratings import build_ratings
    if os.path.exists(ML100K):
        return load_ratings(ML100K), ML100K, "MovieLens-100k"
    rng = np.random.default_rng(0)
    cells = rng.choice(943 * 1682, size=100_000, replace=False)
    u, i = np.divmod(cells, 1682)
    vals = rng.integers(1, 6, size=cells.size).astype(float)
    return build_ratings(u + 1, i + 1, vals), "", "synthetic 943 x 1682, 100,000 ratings"


def trainer(cfg, ds, on: bool):
    from aeviz.engine import build_trainer
    from aeviz.presets import split_for
    tr = build_trainer(cfg, **split_for(cfg, ds)[1])
    tr.keep_undo = False  # Play at full speed
    tr.timeline.enabled = on
    return tr


def percentile(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q / 100 * (len(v) - 1))))]


def scrub_latencies(cfg, ds, path, source, positions: int, stroke: int) -> tuple[list, list, list]:
    """(default layout: positions, releases; network + loss curves only: positions), each a list
    of (wall s, CPU s)."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from aeviz.ui.main_window import MainWindow
    from aeviz.ui.model_files import DISCARD
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    app = QApplication.instance() or QApplication([])
    win = MainWindow(ds, path, config=cfg, restore=False)
    win.confirm = lambda *_: True
    win.model_files.ask_unsaved = lambda: DISCARD  # closing never waits for a person
    win.resize(1366, 768)
    win.show()
    wait(app, lambda: win.last_snapshot is not None and win.bridge.is_idle(), 120)
    moments, records = source.timeline.epoch_moments(), source.timeline.records

    def adopt(trainer, config, dataset):
        trainer.timeline.adopt(trainer, moments, records)
    win.bridge.call("adopt", adopt)
    win.bridge.timeline("latest")
    wait(app, lambda: win.bridge.is_idle() and win.last_snapshot.epoch == records[-1].epoch, 120)
    head = len(records)
    kept = source.timeline.kept_epochs
    # a drag: back and forth over the run, one position per 1-3 epochs (as a hand moves)
    path_ = [head - int(round(abs(((k * 2.0 / positions) % 2) - 1) * head)) for k in range(positions)]
    bar = win.timeline_bar

    def drag(targets):
        out, released = [], []
        for s in range(0, len(targets), stroke):
            bar.slider.setSliderDown(True)
            for target in targets[s:s + stroke]:
                shown = min(kept, key=lambda e: (abs(e - target), e))
                if bar.slider.value() == target:
                    continue
                t0, c0 = time.perf_counter(), time.process_time()
                bar.slider.setValue(target)
                wait(app, lambda: win.bridge.is_idle() and win.last_snapshot.epoch == shown, 30)
                out.append((time.perf_counter() - t0, time.process_time() - c0))
            t0, c0 = time.perf_counter(), time.process_time()
            bar.slider.setSliderDown(False)  # the full moment: every panel
            wait(app, lambda: win.bridge.is_idle() and not win.last_snapshot.light, 30)
            released.append((time.perf_counter() - t0, time.process_time() - c0))
        return out, released
    full, released = drag(path_)
    for d in win.docks:  # the same drag with only the network and the loss curves drawn
        if d is not win.loss_dock:
            d.hide()
    lean, _ = drag(path_[: max(positions // 3, 2)])
    win.close()
    return full, released, lean


def wait(app, cond, timeout):
    end = time.perf_counter() + timeout
    while not cond():
        if time.perf_counter() > end:
            raise TimeoutError("the window did not get there")
        app.processEvents()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=500)
    ap.add_argument("--compare", type=int, default=20, help="epochs each, on and off, alternating")
    ap.add_argument("--drag", type=int, default=150, help="scrubber positions")
    ap.add_argument("--stroke", type=int, default=15, help="positions per stroke (then a release)")
    args = ap.parse_args(argv)
    from aeviz.engine import ModelConfig, kernels
    from aeviz.engine.threads import single_threaded_blas
    single_threaded_blas()
    kernels.warm_up()
    ds, path, label = dataset()
    cfg = ModelConfig()
    on, off = trainer(cfg, ds, True), trainer(cfg, ds, False)
    t_on = t_off = 0.0
    compare = min(args.compare, args.epochs)
    for i in range(compare):  # on, off, off, on, ...: neither always goes first
        for tr in ((on, off) if i % 2 == 0 else (off, on)):
            t0 = time.perf_counter()
            tr.step_epoch()
            if tr is on:
                t_on += time.perf_counter() - t0
            else:
                t_off += time.perf_counter() - t0
    loss = 1.0 - (compare / t_on) / (compare / t_off) if compare else float("nan")
    started = time.perf_counter()
    while on.epoch < args.epochs:
        on.step_epoch()
        if on.epoch % 50 == 0:
            print(f"  epoch {on.epoch}: {on.timeline.memory_bytes / 2**20:,.0f} MB kept, "
                  f"{time.perf_counter() - started:,.0f} s", flush=True)
    mem = on.timeline.memory_bytes / 2**20
    kept = len(on.timeline.kept_epochs)
    load = os.getloadavg()[0]
    lat, released, lean = scrub_latencies(cfg, ds, path, on, args.drag, max(args.stroke, 1))
    ms = [w * 1000 for w, _ in lat]
    cpu = [c * 1000 for _, c in lat]
    lean_ms = [w * 1000 for w, _ in lean]
    lean_cpu = [c * 1000 for _, c in lean]
    rel_ms = [w * 1000 for w, _ in released]
    rel_cpu = [c * 1000 for _, c in released]
    med, p99 = percentile(ms, 50), percentile(ms, 99)
    cmed, cp99 = percentile(cpu, 50), percentile(cpu, 99)
    print(f"data: {label}; model {'-'.join(map(str, on.network.sizes))} {cfg.optimizer}, "
          f"batch {cfg.batch_size}; {on.network.params.size:,} parameters")
    print(f"{'epochs trained':<34}{on.epoch}")
    print(f"{'epochs kept':<34}{kept}")
    print(f"{'timeline memory':<34}{mem:,.1f} MB (budget {on.timeline.budget_bytes / 2**20:,.0f} MB)")
    print(f"{'per epoch end kept':<34}{on.timeline.epoch_bytes / max(kept, 1) / 1024:,.0f} KB")
    print(f"{'epoch time on / off':<34}{t_on / compare:.3f} s / {t_off / compare:.3f} s "
          f"({compare} epochs each, alternating)")
    print(f"{'throughput loss':<34}{loss:+.2%}")
    print(f"{'scrub latency median / p99':<34}{med:.1f} / {p99:.1f} ms wall ({len(ms)} positions, "
          f"{os.environ.get('QT_QPA_PLATFORM', 'x11')}, load average {load:.1f} on {os.cpu_count()} cores)")
    print(f"{'  its CPU time median / p99':<34}{cmed:.1f} / {cp99:.1f} ms (both threads: the wall "
          f"time of a quiet machine, about)")
    print(f"{'  on release (every panel)':<34}{percentile(rel_ms, 50):.1f} / {percentile(rel_ms, 99):.1f} ms "
          f"wall, CPU {percentile(rel_cpu, 50):.1f} / {percentile(rel_cpu, 99):.1f} ms ({len(rel_ms)} releases)")
    print(f"{'  network + loss curves only':<34}{percentile(lean_ms, 50):.1f} / {percentile(lean_ms, 99):.1f} ms "
          f"wall, CPU {percentile(lean_cpu, 50):.1f} / {percentile(lean_cpu, 99):.1f} ms ({len(lean_ms)} positions)")
    print(f"{'epoch ends kept / within epochs':<34}{on.timeline.epoch_bytes / 2**20:,.1f} MB / "
          f"{(on.timeline.memory_bytes - on.timeline.epoch_bytes) / 2**20:,.1f} MB")
    print(json.dumps({"data": label, "epochs": on.epoch, "epochs_kept": kept, "memory_mb": round(mem, 1),
                      "scrub_median_ms": round(med, 2), "scrub_p99_ms": round(p99, 2),
                      "scrub_cpu_median_ms": round(cmed, 2), "scrub_cpu_p99_ms": round(cp99, 2),
                      "load_average": round(load, 1),
                      "scrub_lean_p99_ms": round(percentile(lean_ms, 99), 2),
                      "scrub_lean_cpu_p99_ms": round(percentile(lean_cpu, 99), 2),
                      "release_median_ms": round(percentile(rel_ms, 50), 2),
                      "release_p99_ms": round(percentile(rel_ms, 99), 2),
                      "release_cpu_p99_ms": round(percentile(rel_cpu, 99), 2),
                      "scrub_positions": len(ms), "throughput_loss": round(loss, 4),
                      "epoch_s_on": round(t_on / compare, 4), "epoch_s_off": round(t_off / compare, 4)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
