"""Screenshots of the Movie map on real MovieLens-100k, under a real X server:

    Xvfb :15 -screen 0 1920x1080x24 &
    DISPLAY=:15 python scripts/movie_map_shots.py --sizes 1366x768,1920x1080

A user-based model (the app's default for new data) trained a few epochs, and the item-based
`recommender` preset applied to the same file and trained a few epochs. The map's dock is raised,
a user selected, a movie found with the panel's search and another hovered; the window is grabbed
at each size. Writes docs/movie_map_{user,item}_{W}x{H}.png (the window) and
docs/movie_map_{user,item}_panel.png (the panel alone, floating at 1000 x 820). Needs u.data with
its u.item beside it; skipped otherwise.
"""
from __future__ import annotations

import argparse
import pathlib
import sys

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from screenshots import MOVIELENS, ROOT, open_window, pump, small_png, trigger_preset, wait_for, wait_idle  # noqa: E402

from aeviz.ui import settings  # noqa: E402


def panel_of(win):
    return next(p for p in win.panels if type(p).__name__ == "MovieMapPanel")


def train(app, win, epochs):
    done = []
    win.bridge.workDone.connect(lambda tag, _: done.append(tag))
    win.bridge.call("movie-map-shots", lambda trainer, config, dataset: trainer.train(epochs))
    wait_for(app, lambda: "movie-map-shots" in done, timeout=1800)


def shoot(app, out_dir, sizes, path, kind, epochs, user, find, hover):
    """Train once, then grab the window at each size (and the panel alone, floating, at the first)."""
    win = open_window(app, sizes[0])
    win.open_path(str(path))
    if not wait_for(app, lambda: win.dataset is not None and win.dataset.n_items > 1000 and win.bridge.is_idle()):
        raise SystemExit(f"{path} did not load")
    if kind == "item":
        trigger_preset(win, "Movie recommender (item-based, I-AutoRec)")
        wait_for(app, lambda: win.config.orientation == "item" and win.bridge.is_idle())
        if win.dataset.n_items < 1000:
            raise SystemExit("the preset did not apply to MovieLens")
    print(f"{kind}: {win.dataset.n_users} x {win.dataset.n_items}, {win.config.hidden}; training {epochs} epochs",
          flush=True)
    train(app, win, epochs)
    dock = next(d for d in win.docks if d.windowTitle() == "Movie map")
    dock.raise_()
    if kind == "item":
        win.bridge.set_selection(0, user)  # an item model's user: an input node
    else:
        win.bridge.select_observation(user)
        win.bridge.forward()  # the user's pass: the panels show them
    wait_idle(app, win)
    panel = panel_of(win)
    if not wait_for(app, lambda: panel.map is not None and panel.marks is not None and panel.marks["user"] == user,
                    timeout=30):
        print("the marks show another user:", panel.marks and panel.marks["user"], flush=True)
    panel.search.setText(find)
    panel.search_for(find)
    if hover:
        panel.hover_movie(panel.find_movie(hover))
    for w, h in sizes:
        win.resize(w, h)
        win.fit_docks()
        pump(app, 1.5)
        out = out_dir / f"movie_map_{kind}_{w}x{h}.png"
        win.grab().save(str(out))
        small_png(out)
        print("wrote", out, flush=True)
    dock.setFloating(True)
    dock.resize(1000, 820)
    pump(app, 1.5)
    out = out_dir / f"movie_map_{kind}_panel.png"
    panel.grab().save(str(out))
    small_png(out)
    print("wrote", out, flush=True)
    win.close()
    pump(app, 0.5)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(ROOT / "docs"))
    ap.add_argument("--sizes", default="1920x1080,1366x768")
    ap.add_argument("--movielens", default=str(MOVIELENS))
    ap.add_argument("--kinds", default="user,item")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--item-epochs", type=int, default=10)
    args = ap.parse_args()
    if not pathlib.Path(args.movielens).is_file():
        print(f"skipped: {args.movielens} not found")
        return
    out = pathlib.Path(args.out)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    app = QApplication.instance() or QApplication(sys.argv)
    app.setOrganizationName(settings.ORG)
    app.setApplicationName(settings.APP)
    sizes = [tuple(int(v) for v in spec.lower().split("x")) for spec in filter(None, args.sizes.split(","))]
    for kind in filter(None, args.kinds.split(",")):
        epochs = args.item_epochs if kind == "item" else args.epochs
        # the user model puts the popular movies together: its found movie's own neighbours are shown
        hover = "Toy Story (1995)" if kind == "item" else None
        shoot(app, out, sizes, args.movielens, kind, epochs, user=0, find="Star Wars", hover=hover)


if __name__ == "__main__":
    main()
