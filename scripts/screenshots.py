"""Take the README's screenshots of the real window: `xvfb-run -a -s "-screen 0 1600x1000x24" python scripts/screenshots.py`.

Each shot starts from default settings (a throw-away settings folder), trains for a while at full
speed, then steps one observation by hand so the phase overlays show, and grabs the window.
"""
from __future__ import annotations

import argparse
import pathlib
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


def pump(app, seconds):
    end = time.time() + seconds
    while time.time() < end:
        app.processEvents()
        time.sleep(0.01)


def wait_idle(app, win, timeout=30):
    end = time.time() + timeout
    while time.time() < end and not win.bridge.is_idle():
        app.processEvents()
        time.sleep(0.01)
    pump(app, 0.6)


def shot(app, out, preset=None, train_s=4.0, phase="backward", select=None, raise_docks=()):
    win = make_window()
    win.confirm = lambda *_: True  # no "discard training?" question in a scripted run
    win.model_files.ask_unsaved = lambda *_: DISCARD  # nor "save before closing?"
    win.show()
    pump(app, 1.0)
    if preset is not None:
        for action in win.findChildren(type(win.menuBar().actions()[0])):
            if action.text().replace("&", "") == preset:
                action.trigger()
                break
        wait_idle(app, win)
    if train_s:
        win.bridge.play()
        pump(app, train_s)
        win.bridge.pause()
        wait_idle(app, win)
    if select is not None:
        win.bridge.set_selection(*select)
        if hasattr(win.network_view, "select_node"):
            win.network_view.select_node(*select)
    win.bridge.forward()
    if phase in ("loss", "backward", "update"):
        win.bridge.send("step_phase")
    if phase in ("backward", "update"):
        win.bridge.send("step_phase")
    if phase == "update":
        win.bridge.send("step_phase")
    wait_idle(app, win)
    for title in raise_docks:
        for d in win.docks:
            if d.windowTitle() == title:
                d.raise_()
    pump(app, 1.0)
    win.grab().save(str(out))
    print("wrote", out)
    win.close()
    pump(app, 0.5)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default=str(ROOT / "docs"))
    ap.add_argument("--only-toy", action="store_true")
    args = ap.parse_args()
    out = pathlib.Path(args.out)
    tmp = tempfile.mkdtemp(prefix="aeviz-shots-")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tmp)
    app = QApplication.instance() or QApplication(sys.argv)
    app.setOrganizationName(settings.ORG)
    app.setApplicationName(settings.APP)
    if not args.only_toy:
        shot(app, out / "screenshot.png", train_s=5.0, phase="backward", select=(2, 3))
    shot(app, out / "screenshot_toy.png", preset="The seed's example (4-2-4)", train_s=0,
         phase="forward", raise_docks=("Reconstruction",))


if __name__ == "__main__":
    main()
