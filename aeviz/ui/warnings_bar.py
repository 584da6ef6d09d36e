"""Loading warnings that stay on screen until the user dismisses them.

A warning ("titles not used: ...", "12 duplicated user/item pairs") posted to the status bar was
overwritten a moment later by the next status line, so nobody read it. This strip above the
network keeps them: the first three in full, any more behind "Show all", until × is clicked or
another file is opened.
"""
from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

SHOWN = 3  # warnings listed at once; more go behind "Show all"


class WarningsBar(QWidget):
    """`set_warnings(file name, messages)` shows them (hidden when there are none)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._warnings: tuple[str, ...] = ()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 3, 4, 3)
        outer.setSpacing(2)
        top = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.more = QPushButton("Show all")
        self.more.setFlat(True)
        self.more.setToolTip("List every warning")
        self.more.clicked.connect(self._toggle)
        close = QPushButton("×")
        close.setFlat(True)
        close.setFixedWidth(24)
        close.setToolTip("Dismiss these warnings")
        close.clicked.connect(self.dismiss)
        self.close_button = close
        top.addWidget(self.summary, 1)
        top.addWidget(self.more)
        top.addWidget(close)
        outer.addLayout(top)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.hide()
        outer.addWidget(self.details)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # a subclass needs it for QSS
        self.setStyleSheet("WarningsBar { background: #fff4d6; border-radius: 4px; }")
        self.hide()

    @property
    def warnings(self) -> tuple[str, ...]:
        """The warnings shown now (empty once dismissed)."""
        return self._warnings

    def set_warnings(self, name: str, messages) -> None:
        self._warnings = tuple(str(m) for m in messages or ())
        n = len(self._warnings)
        if not n:
            self.dismiss()
            return
        if n == 1:
            self.summary.setText(f"⚠ While loading {escape(name)}: {escape(self._warnings[0])}")
        else:
            shown = self._warnings[:SHOWN]
            self.summary.setText(f"⚠ {n} warnings while loading {escape(name)}:<br>"
                                 + "<br>".join(f"• {escape(w)}" for w in shown))
        self.details.setText("<br>".join(f"• {escape(w)}" for w in self._warnings[SHOWN:]))
        self.more.setVisible(n > SHOWN)
        self.more.setText(f"Show all {n}")
        self.details.hide()
        self.show()

    @Slot()
    def dismiss(self):
        self._warnings = ()
        self.hide()

    @Slot()
    def _toggle(self):
        show = not self.details.isVisible()
        self.details.setVisible(show)
        self.more.setText("Hide" if show else f"Show all {len(self._warnings)}")
