"""Docks added by a feature's `install(window)` (the You and What if docks): placed, tabbed beside
a panel, listed in the View menu, while the window's default tabs stay on top."""
from __future__ import annotations

from PySide6 import QtCore, QtWidgets


def menu_named(window, text: str):
    """The menu bar's menu titled `text` (e.g. "&File"), or None."""
    return next((a.menu() for a in window.menuBar().actions() if a.menu() is not None and a.text() == text), None)


def add_dock(window, title: str, widget, area, beside, on_top: str) -> QtWidgets.QDockWidget:
    """A dock for `widget`, tabbed with the dock `beside` (or None); the dock titled `on_top` stays
    the raised tab (tabifying raises the new one); toggled from the View menu."""
    dock = QtWidgets.QDockWidget(title, window)
    dock.setObjectName("dock_" + "".join(c for c in title.lower() if c.isalnum()))
    dock.setWidget(widget)
    window.addDockWidget(area, dock)
    if beside is not None:
        window.tabifyDockWidget(beside, dock)
    window.docks.append(dock)
    first = next((d for d in window.docks if d.windowTitle() == on_top), None)
    if first is not None:
        first.raise_()
    view = menu_named(window, "&View")
    if view is not None:
        first_sep = next((a for a in view.actions() if a.isSeparator()), None)
        view.insertAction(first_sep, dock.toggleViewAction())
    return dock


RIGHT, BOTTOM = QtCore.Qt.DockWidgetArea.RightDockWidgetArea, QtCore.Qt.DockWidgetArea.BottomDockWidgetArea
