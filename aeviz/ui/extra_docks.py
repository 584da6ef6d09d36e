"""Docks added by a feature's `install(window)` (You, What if, Runs): tabbed beside a panel and
listed in the View menu (the window raises its default tabs once every feature is installed)."""
from __future__ import annotations

from PySide6 import QtCore, QtWidgets


def menu_named(window, text: str):
    """The menu bar's menu titled `text` (e.g. "&File"), or None."""
    return next((a.menu() for a in window.menuBar().actions() if a.menu() is not None and a.text() == text), None)


def add_dock(window, title: str, widget, area, beside) -> QtWidgets.QDockWidget:
    """A dock for `widget`, tabbed with the dock `beside` (or None); toggled from the View menu."""
    dock = window.add_dock(title, widget, area)
    if beside is not None:
        window.tabifyDockWidget(beside, dock)
    view = menu_named(window, "&View")
    if view is not None:
        first_sep = next((a for a in view.actions() if a.isSeparator()), None)
        view.insertAction(first_sep, dock.toggleViewAction())
    return dock


RIGHT, BOTTOM = QtCore.Qt.DockWidgetArea.RightDockWidgetArea, QtCore.Qt.DockWidgetArea.BottomDockWidgetArea
