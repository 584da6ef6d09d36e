"""Take the README's screenshots of the real window, under a real X server:

    Xvfb :14 -screen 0 1920x1080x24 &
    DISPLAY=:14 python scripts/screenshots.py --sizes 1366x768,1920x1080

Each shot starts from default settings (a throw-away settings folder) at the given window size.
The states: the seed's toy after Forward; MovieLens-100k mid-training (when --movielens points at
a u.data; skipped otherwise, never replaced by other data); divergence (SGD, learning rate 100).
PNGs are written with `convert -strip` and a 256-colour palette when ImageMagick is there, so
each stays small. The legacy `screenshot.png` / `screenshot_toy.png` are kept too.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aeviz.ui import settings  # noqa: E402
from aeviz.ui.app import make_window  # noqa: E402
from aeviz.ui.model_files import DISCARD  # noqa: E402

MOVIELENS = pathlib.Path.home() / ".cache" / "aeviz-ml" / "ml-100k" / "u.data"


def pump(app, seconds):
    end = time.time() + seconds
    while time.time() < end:
        app.processEvents()
        time.sleep(0.01)


def wait_idle(app, win, timeout=60):
    end = time.time() + timeout
    while time.time() < end and not win.bridge.is_idle():
        app.processEvents()
        time.sleep(0.01)
    pump(app, 0.6)


def wait_for(app, cond, timeout=120):
    end = time.time() + timeout
    while time.time() < end and not cond():
        app.processEvents()
        time.sleep(0.02)
    pump(app, 0.3)
    return cond()


def small_png(path: pathlib.Path):
    """Strip metadata and quantise to 256 colours (what pngquant would do), if ImageMagick is there."""
    if shutil.which("convert"):
        subprocess.run(["convert", str(path), "-strip", "-colors", "256", "-define",
                        "png:compression-level=9", f"PNG8:{path}"], check=False)


def fresh_settings():
    """Each shot starts from default settings: a window must not inherit the last shot's model."""
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp(prefix="aeviz-shots-"))


def open_window(app, size):
    fresh_settings()
    win = make_window()
    win.confirm = lambda *_: True  # no "discard training?" question in a scripted run
    win.model_files.ask_unsaved = lambda *_: DISCARD  # nor "save before closing?"
    win.resize(*size)
    win.show()
    pump(app, 1.0)
    return win


def trigger_preset(win, preset):
    for action in win.preset_actions:
        if action.text().replace("&", "") == preset:
            action.trigger()
            return
    raise SystemExit(f"no preset named {preset!r}")


PHASES = ("forward", "loss", "backward", "update")


def step(app, win, phase):
    """One observation up to `phase` (forward, loss, backward or update)."""
    win.bridge.forward()
    for _ in range(PHASES.index(phase)):
        win.bridge.send("step_phase")
    wait_idle(app, win)


def save(app, win, out, raise_docks=()):
    for title in raise_docks:
        for d in win.docks:
            if d.windowTitle() == title:
                d.raise_()
    pump(app, 1.2)
    win.grab().save(str(out))
    small_png(out)
    print("wrote", out, f"{out.stat().st_size // 1024} KB", flush=True)
    win.close()
    pump(app, 0.5)


def shot_toy(app, out, size):
    win = open_window(app, size)
    trigger_preset(win, "The seed's example (4-2-4)")
    wait_idle(app, win)
    step(app, win, "forward")
    save(app, win, out, raise_docks=("Reconstruction",))


def shot_sample(app, out, size, train_s=5.0):
    win = open_window(app, size)
    win.bridge.play()
    pump(app, train_s)
    win.bridge.pause()
    wait_idle(app, win)
    win.bridge.set_selection(2, 3)
    win.network_view.select_node(2, 3)
    step(app, win, "backward")
    save(app, win, out)


def shot_movielens(app, out, size, path, epochs=25):
    win = open_window(app, size)
    win.open_path(str(path))
    if not wait_for(app, lambda: win.dataset is not None and win.dataset.n_items > 1000 and win.bridge.is_idle()):
        raise SystemExit(f"{path} did not load")
    print(f"loaded {win.dataset.n_users} x {win.dataset.n_items}; training {epochs} epochs", flush=True)
    # the same engine in the worker thread, without a frame per observation (a loaded machine
    # draws a 1682-movie network a few times a second), then a real step drawn as usual
    done = []
    win.bridge.workDone.connect(lambda tag, _: done.append(tag))
    win.bridge.call("screenshots", lambda trainer, config, dataset: trainer.train(epochs))
    wait_for(app, lambda: "screenshots" in done, timeout=1800)
    win.bridge.select_observation(0)
    wait_idle(app, win)
    step(app, win, "backward")
    save(app, win, out, raise_docks=("Recommendations",))


def shot_divergence(app, out, size):
    win = open_window(app, size)
    cfg = win.config.with_(optimizer="sgd", lr=100.0, momentum=0.0)
    win.setup.set_config(cfg)
    win.setup.apply_button.click()
    wait_idle(app, win)
    win.bridge.play()
    wait_for(app, lambda: win.last_snapshot is not None and bool(win.last_snapshot.diverged), timeout=60)
    wait_idle(app, win)
    save(app, win, out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(ROOT / "docs"))
    ap.add_argument("--sizes", default="1366x768,1920x1080", help="window sizes, comma separated")
    ap.add_argument("--movielens", default=str(MOVIELENS), help="MovieLens-100k u.data (its u.item beside it)")
    ap.add_argument("--only", default="", help="comma separated subset of: toy,movielens,divergence,readme")
    ap.add_argument("--epochs", type=int, default=25, help="MovieLens epochs before the shot")
    args = ap.parse_args()
    out = pathlib.Path(args.out)
    only = set(filter(None, args.only.split(",")))
    want = lambda name: not only or name in only  # noqa: E731
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    app = QApplication.instance() or QApplication(sys.argv)
    app.setOrganizationName(settings.ORG)
    app.setApplicationName(settings.APP)
    for spec in filter(None, args.sizes.split(",")):
        w, h = (int(v) for v in spec.lower().split("x"))
        tag = f"{w}x{h}"
        if os.environ.get("QT_SCALE_FACTOR", "1") not in ("1", ""):
            tag += f"@{os.environ['QT_SCALE_FACTOR']}x"
            w, h = int(w / float(os.environ["QT_SCALE_FACTOR"])), int(h / float(os.environ["QT_SCALE_FACTOR"]))
        if want("toy"):
            shot_toy(app, out / f"toy_forward_{tag}.png", (w, h))
        if want("movielens"):
            if pathlib.Path(args.movielens).is_file():
                shot_movielens(app, out / f"movielens_training_{tag}.png", (w, h), args.movielens, args.epochs)
            else:
                print(f"skipped the MovieLens shot: {args.movielens} not found")
        if want("divergence"):
            shot_divergence(app, out / f"divergence_{tag}.png", (w, h))
    if want("readme"):
        shot_sample(app, out / "screenshot.png", (1600, 1000))
        shot_toy(app, out / "screenshot_toy.png", (1600, 1000))


if __name__ == "__main__":
    main()
