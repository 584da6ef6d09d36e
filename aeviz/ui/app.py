"""Start-up: QApplication, the first dataset (a file given, else the bundled sample) and the window.

The window is shown before anything slow happens; a file given on the command line is loaded in
the background while the window shows its loading state (a bad file falls back to the bundled
sample), so a huge file never delays the first picture and the sample never flashes up first.
"""
from __future__ import annotations

import logging
import sys

from PySide6.QtWidgets import QApplication

from aeviz.data import load_sample

from . import settings
from .display_check import display_problem, release as release_probe


def first_dataset():
    """The bundled 'genres' sample, else 'tiny', else None (the window then asks for a file)."""
    for name in ("genres", "tiny"):
        try:
            return load_sample(name)
        except Exception:
            continue
    return None


def make_window(path: str | None = None, dataset=None):
    """The window on `path` (loading in the background, the loading state shown meanwhile), else on
    `dataset`, else on the bundled sample."""
    from .main_window import MainWindow
    if path:
        win = MainWindow(dataset)
        win.open_path(path)
        return win
    return MainWindow(dataset if dataset is not None else first_dataset())


USAGE = """usage: python main.py [RATINGS]

Open aeviz on RATINGS (a ratings file: CSV/TSV, MovieLens u.data, ratings.dat, ratings.csv, or a
wide users x movies table), or on the bundled sample when no file is given.
Command-line training and recommendations: python -m aeviz --help"""


def main(argv=None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if any(a in ("-h", "--help") for a in argv[1:]):
        print(USAGE)
        return 0
    logging.basicConfig(level=logging.WARNING)
    if QApplication.instance() is None:
        problem = display_problem()  # Qt would abort (exit 134) with a hint that may mislead
        if problem:
            print(problem, file=sys.stderr)
            return 1
    app = QApplication.instance() or QApplication(argv)
    release_probe()
    app.setOrganizationName(settings.ORG)
    app.setApplicationName(settings.APP)
    args = [a for a in argv[1:] if not a.startswith("-")]
    win = make_window(args[0] if args else None)
    win.show()
    return app.exec()
