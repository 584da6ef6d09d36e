"""Dock tabs show their whole titles: with the Movie map and You tabs the right-hand column holds
six, and at 1366 px Qt's default (QMainWindow's tab bars elide) cut them to "Mo…", "Recon…".
Every dock tab bar instead keeps full titles and scrolls (arrow buttons) when they do not fit.

QMainWindow makes its tab bars itself, whenever docks are tabbed together (also by the user's
dragging), and sets ElideRight on each as it makes it: a filter on the window's new children sets
ours just after, once the bar is built."""
from __future__ import annotations

from PySide6 import QtCore, QtWidgets


def show_full_titles(window):
    """Full titles and scroll buttons on every tab bar of `window`'s docks."""
    for bar in window.findChildren(QtWidgets.QTabBar, options=QtCore.Qt.FindChildOption.FindDirectChildrenOnly):
        bar.setElideMode(QtCore.Qt.TextElideMode.ElideNone)
        bar.setUsesScrollButtons(True)


class _NewTabBars(QtCore.QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window

    def eventFilter(self, obj, event):
        if event.type() == QtCore.QEvent.Type.ChildAdded and isinstance(event.child(), QtWidgets.QTabBar):
            QtCore.QTimer.singleShot(0, self._again)  # after QMainWindow set its own elide mode
        return False

    @QtCore.Slot()
    def _again(self):
        show_full_titles(self.window)


def install(window):
    show_full_titles(window)
    window.installEventFilter(_NewTabBars(window))
