"""Teacher mode: hide any panel or control so a class sees only what the lesson needs.

As in TensorFlow Playground's hidden controls, the teacher ticks off what to hide in one
checklist; the hidden set is kept in QSettings (`teacher/hidden`) and applied again at the
next start. Every panel (dock), toolbar, toolbar button, menu, the graph's own controls and
the status bar can be hidden; Ctrl+Shift+T opens the checklist even when its menu is hidden.
"""
from __future__ import annotations

import json

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QDockWidget, QLabel, QListWidget,
                               QListWidgetItem, QPushButton, QToolBar, QVBoxLayout)

from . import settings

HIDDEN_KEY = "teacher/hidden"


def read_hidden() -> set:
    try:
        raw = settings.store().value(HIDDEN_KEY, "[]")
        keys = json.loads(raw) if isinstance(raw, str) else []
        return {k for k in keys if isinstance(k, str)} if isinstance(keys, list) else set()
    except (ValueError, TypeError):
        return set()


def _plain(text: str) -> str:
    return text.replace("&", "").replace("\u2026", "").strip()


def hideable(window) -> list:
    """[(key, label, thing)] of everything the teacher may hide; `thing` has setVisible."""
    out = []
    for dock in window.findChildren(QDockWidget):
        out.append((f"panel:{dock.windowTitle()}", f"Panel \u00b7 {dock.windowTitle()}", dock))
    for tb in window.findChildren(QToolBar):
        out.append((f"toolbar:{tb.objectName()}", f"Toolbar \u00b7 {tb.windowTitle()}", tb))
        for i, action in enumerate(tb.actions()):
            if action.isSeparator():
                continue
            name = action.objectName() or f"{tb.objectName()}#{i}"
            widget = tb.widgetForAction(action)
            text = _plain(action.text()) or type(widget).__name__.replace("Control", " control")
            out.append((f"button:{name}", f"Button \u00b7 {text}", action))
    for action in window.menuBar().actions():
        out.append((f"menu:{_plain(action.text())}", f"Menu \u00b7 {_plain(action.text())}", action))
    view = window.network_view
    for key, text, widget in (("edges", "edges per layer pair", view.edges_spin),
                              ("nodes", "nodes per layer", view.nodes_spin),
                              ("matrix", "Weight matrix", view.matrix_button), ("fit", "Fit", view.fit_button)):
        out.append((f"graph:{key}", f"Graph control \u00b7 {text}", widget))
    out.append(("statusbar", "Status bar", window.statusBar()))
    return out


class TeacherMode(QObject):
    """Keeps the hidden set: `set_hidden(keys)` hides those (and shows the rest), remembered."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.hidden = read_hidden()

    def apply(self):
        """Hide the remembered set (after the window restored its layout)."""
        for key, _, thing in hideable(self.window):
            if key in self.hidden:
                thing.setVisible(False)

    def set_hidden(self, keys):
        keys = set(keys)
        for key, _, thing in hideable(self.window):
            if key in keys:
                thing.setVisible(False)
            elif key in self.hidden:  # hidden before, not now: back
                thing.setVisible(True)
        self.hidden = keys
        settings.write(HIDDEN_KEY, json.dumps(sorted(keys)))

    def dialog(self) -> QDialog:
        """The checklist (non-modal): ticked = shown; OK applies and remembers."""
        dlg = QDialog(self.window)
        dlg.setWindowTitle("Teacher mode: what the class sees")
        lay = QVBoxLayout(dlg)
        lay.addWidget(QLabel("Untick what to hide. The choice is remembered for the next start;\n"
                             "Ctrl+Shift+T opens this list again even when its menu is hidden."))
        items = QListWidget()
        items.setObjectName("teacher_list")
        for key, label, _ in hideable(self.window):
            it = QListWidgetItem(label)
            it.setData(Qt.ItemDataRole.UserRole, key)
            it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            it.setCheckState(Qt.CheckState.Unchecked if key in self.hidden else Qt.CheckState.Checked)
            items.addItem(it)
        lay.addWidget(items, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        show_all = QPushButton("Show everything")
        buttons.addButton(show_all, QDialogButtonBox.ButtonRole.ResetRole)

        def tick_all():
            for i in range(items.count()):
                items.item(i).setCheckState(Qt.CheckState.Checked)

        def accept():
            self.set_hidden(items.item(i).data(Qt.ItemDataRole.UserRole) for i in range(items.count())
                            if items.item(i).checkState() != Qt.CheckState.Checked)
            dlg.accept()
        show_all.clicked.connect(tick_all)
        buttons.accepted.connect(accept)
        buttons.rejected.connect(dlg.reject)
        lay.addWidget(buttons)
        dlg.resize(420, 520)
        dlg.setModal(False)
        dlg.show()
        return dlg
