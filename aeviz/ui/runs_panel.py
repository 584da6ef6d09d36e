"""The Runs list: every run of this session, tick any of them to lay its curve over the loss plot,
and compare their final and best validation and test RMSEs at a glance.

A run starts whenever the worker builds a network (the bridge's `rebuilt`: new data, Apply, Reset,
a preset, a model opened from a file); its curves are the epoch history of the snapshots that
follow (aeviz.engine.runs.RunRegistry decides which history is whose). `install(window)` adds the
dock, the Runs menu (Export all runs as CSV, Compare) and returns the panel.
"""
from __future__ import annotations

import os

import numpy as np

from PySide6.QtCore import QEvent, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QHeaderView,
                               QLabel, QMenu, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from aeviz.engine.runs import METRIC_TITLES, RunRegistry, data_identity, write_runs_csv

from .compare_window import open_compare
from .extra_docks import BOTTOM, add_dock
from .numbers import fmt
from .run_overlay import OverlayCurve

# one colour per run, none of them the loss plot's own train / validation / test colours
RUN_COLOURS = ("#d62728", "#2ca02c", "#17becf", "#e377c2", "#8c564b", "#bcbd22", "#7f7f7f",
               "#393b79", "#ad494a", "#637939")
OVERLAY_METRICS = ("validation_rmse", "test_rmse", "train_rmse", "mean_loss")
COLUMNS = ("run", "epochs", "val.\nfinal", "val. best\n(epoch)", "test\nfinal", "test @\nbest val.")
REDRAW_MS = 500  # the table and the overlay follow training at most twice a second


def run_colour(number: int) -> str:
    return RUN_COLOURS[(number - 1) % len(RUN_COLOURS)]


def _swatch(colour: str) -> QIcon:
    pm = QPixmap(12, 12)
    pm.fill(QColor(colour))
    return QIcon(pm)


class RunsPanel(QWidget):
    """Holds the session's RunRegistry; draws it as a table and as overlays on `loss_plot`.
    Signals: compareRequested() (the Compare button)."""

    compareRequested = Signal()

    def __init__(self, loss_plot, path_of=lambda: None, parent=None):
        super().__init__(parent)
        self.registry = RunRegistry()
        self.loss_plot = loss_plot
        self._path_of = path_of  # the open data's file (the window's), for the data identity
        self._identities: list = []  # (dataset, DataIdentity): a file's hash is computed once
        self._checked: dict[int, bool] = {}
        self._touched: set[int] = set()  # runs the user ticked or unticked: theirs stays
        self.compare_window = None  # the open Compare window, if any
        self._dirty = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.redraw)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        bar = QHBoxLayout()
        overlay = QLabel("Overlay:")
        overlay.setToolTip("Which curve of each ticked run is drawn over the loss plot")
        bar.addWidget(overlay)
        self.metric_box = QComboBox()  # not `metric`: that would shadow QWidget.metric, a C++ virtual
        for m in OVERLAY_METRICS:
            self.metric_box.addItem(METRIC_TITLES[m], m)
        self.metric_box.setToolTip("Which curve of each ticked run is drawn over the loss plot")
        # short enough for a narrow dock (the window must fit a 1366 px screen); the list shows all
        self.metric_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.metric_box.setMinimumContentsLength(10)
        self.metric_box.currentIndexChanged.connect(self.redraw)
        bar.addWidget(self.metric_box)
        bar.addStretch(1)
        self.compare_button = QPushButton("Compare…")
        self.compare_button.setToolTip("Two networks stepped in lockstep on the same data, order and seed")
        self.compare_button.clicked.connect(self.compareRequested)
        bar.addWidget(self.compare_button)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setToolTip("Every run's curves as one CSV (run, label, epoch, metric, value)")
        self.export_button.clicked.connect(self.export_dialog)
        bar.addWidget(self.export_button)
        lay.addLayout(bar)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        head = self.table.horizontalHeader()
        for c in range(len(COLUMNS)):
            head.setSectionResizeMode(c, QHeaderView.ResizeMode.Stretch if c == 0
                                      else QHeaderView.ResizeMode.ResizeToContents)
        self.table.setWordWrap(True)  # a run's settings wrap onto a second line in a narrow dock
        head.setMinimumSectionSize(44)
        self.table.itemChanged.connect(self._on_item_changed)
        lay.addWidget(self.table, 1)
        self.note = QLabel("Tick runs to draw them over the loss curves (earlier runs are ticked once "
                           "a new one starts). A run starts whenever a network is built: new data, "
                           "Apply, Reset, a preset, an opened model.")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #666;")
        lay.addWidget(self.note)

    # ------------------------------------------------------------------------------ runs in
    @Slot(object, object)
    def on_rebuilt(self, dataset, config):
        """A network was built: a new run."""
        ident = next((i for d, i in self._identities if d is dataset), None)
        if ident is None:
            ident = data_identity(dataset, self._path_of())
            self._identities = self._identities[-3:] + [(dataset, ident)]
        previous = self.registry.current
        if previous is not None and previous.number not in self._touched and previous.history:
            self._checked[previous.number] = True  # no longer drawn by the plot itself
        run = self.registry.start(config, ident)
        self._checked[run.number] = False  # the loss plot draws the current run already
        self.redraw()

    @Slot(object)
    def on_snapshot(self, snap):
        history = tuple(snap.history or ())
        run = self.registry.current
        changed = run is None or run.history != history  # most snapshots are mid-epoch: no new record
        if self.registry.record(history) and changed and not self._timer.isActive():
            self._timer.start(REDRAW_MS)

    @property
    def redraw_pending(self) -> bool:
        """A redraw of the table and the overlays is due (the curves changed since the last)."""
        return self._timer.isActive()

    # ------------------------------------------------------------------------------ choosing
    def set_checked(self, number: int, on: bool):
        """Show (or hide) run `number`'s curve on the loss plot (the user's choice: it stays)."""
        self._touched.add(int(number))
        self._checked[int(number)] = bool(on)
        self.redraw()

    def checked(self) -> list[int]:
        return [r.number for r in self.registry.runs if self._checked.get(r.number)]

    def set_metric(self, metric: str):
        self.metric_box.setCurrentIndex(OVERLAY_METRICS.index(metric))

    def _on_item_changed(self, item):
        if item.column() == 0:
            number = item.data(Qt.ItemDataRole.UserRole)
            on = item.checkState() == Qt.CheckState.Checked
            if number is not None and self._checked.get(number) != on:
                self.set_checked(number, on)

    # ------------------------------------------------------------------------------ drawing
    @Slot()
    def redraw(self):
        self._fill_table()
        metric = self.metric_box.currentData()
        curves = []
        for run in self.registry.runs:
            if self._checked.get(run.number) and run.history:
                x, y = run.curve(metric)
                c = run.config
                short = f"run {run.number}: {c.kind}, {'-'.join(map(str, c.hidden))}, {c.optimizer} lr {c.lr:g}"
                curves.append(OverlayCurve(run.number, short, run_colour(run.number), x, y))
        self.loss_plot.set_run_overlays(curves)
        if curves and not any(np.isfinite(c.y).any() for c in curves):
            self.note.setText(f"These runs have no {self.metric_box.currentText()} (no such set in the "
                              f"split): choose another curve to overlay.")
        elif curves:
            self.note.setText(f"Drawn over the loss curves: the {self.metric_box.currentText()} of "
                              f"{', '.join(c.label.split(':')[0] for c in curves)}.")

    def _fill_table(self):
        runs = self.registry.runs
        t = self.table
        t.blockSignals(True)
        t.setRowCount(len(runs))
        for i, run in enumerate(runs):
            label = run.label.split(": ", 1)[1] if run.label.startswith(f"run {run.number}: ") else run.label
            name = QTableWidgetItem(_swatch(run_colour(run.number)), f"run {run.number}: {label}")
            name.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsSelectable)
            name.setCheckState(Qt.CheckState.Checked if self._checked.get(run.number) else Qt.CheckState.Unchecked)
            name.setData(Qt.ItemDataRole.UserRole, run.number)
            name.setToolTip(f"{run.label}\nseed {run.seed} · data {run.data.describe()}"
                            + ("\n(the current run)" if run is self.registry.current else ""))
            best = run.best("validation_rmse")
            cells = [name, str(run.epochs), fmt(run.final("validation_rmse")),
                     "—" if best is None else f"{fmt(best[1])} ({best[0]})",
                     fmt(run.final("test_rmse")), fmt(run.test_at_best_validation())]
            for c, cell in enumerate(cells):
                item = cell if isinstance(cell, QTableWidgetItem) else QTableWidgetItem(cell)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if run is self.registry.current:
                    f = item.font()
                    f.setBold(True)
                    item.setFont(f)
                if c:
                    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                    item.setToolTip(name.toolTip())
                t.setItem(i, c, item)
        t.resizeRowsToContents()
        t.blockSignals(False)

    def table_rows(self) -> list[list[str]]:
        """The table's text, row by row (for readers and tests)."""
        t = self.table
        return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]

    # ------------------------------------------------------------------------------ compare
    def open_compare(self, window, variant_key: str | None = None):
        """A Compare window on `window`'s data and model (the one open is replaced)."""
        if self.compare_window is not None:
            self.compare_window.close()
        self.compare_window = open_compare(window, variant_key)
        return self.compare_window

    def eventFilter(self, obj, event):
        """The main window closing closes the Compare window (and stops its worker) first."""
        if event.type() == QEvent.Type.Close and self.compare_window is not None:
            self.compare_window.close()
            self.compare_window = None
        return False

    # ------------------------------------------------------------------------------ export
    @Slot()
    def export_dialog(self):
        path, _ = QFileDialog.getSaveFileName(self, "Export all runs", "runs.csv", "CSV (*.csv)")
        if path:
            self.export_csv(path)

    def export_csv(self, path: str) -> str | None:
        """Every run as one long-format CSV; None on success, else the reason (also shown)."""
        try:
            write_runs_csv(path, self.registry)
        except OSError as exc:
            reason = f"Could not write {os.path.basename(path)}: {exc.strerror or exc}"
            self.note.setText(reason)
            return reason
        self.note.setText(f"Saved {len(self.registry.runs)} runs to {path}")
        return None


def install(window) -> RunsPanel:
    """The Runs dock (beside the loss curves, tabbed with the bottom panels) and the Runs menu."""
    panel = RunsPanel(window.loss_plot, lambda: window.path)
    window.bridge.rebuilt.connect(panel.on_rebuilt)
    window.bridge.snapshotReady.connect(panel.on_snapshot)
    beside = [d for d in window.docks if d is not window.loss_dock
              and window.dockWidgetArea(d) == Qt.DockWidgetArea.BottomDockWidgetArea]
    dock = add_dock(window, "Runs", panel, BOTTOM, beside[-1] if beside else None)
    bar = window.menuBar()
    help_action = next((a for a in bar.actions() if a.text() == "&Help"), None)
    menu = QMenu("&Runs", bar)
    bar.insertMenu(help_action, menu)  # before Help (None: at the end)
    menu.addAction(dock.toggleViewAction())
    menu.addAction("Export all runs as CSV…", panel.export_dialog)
    panel.compare_action = menu.addAction("Compare two settings in lockstep…")
    panel.compare_action.setShortcut("Ctrl+Shift+C")
    panel.compare_action.triggered.connect(lambda: panel.open_compare(window))
    panel.compareRequested.connect(lambda: panel.open_compare(window))
    window.installEventFilter(panel)
    panel.dock = dock
    return panel
