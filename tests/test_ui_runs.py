"""The Runs dock in the main window: runs start on every built network, their curves are laid
over the loss plot when ticked, the table compares them, and all of them export as one CSV."""
import csv

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication


def key(qtbot, w, k, mod=Qt.KeyboardModifier.NoModifier, until=lambda s: True):
    """Typed on the keyboard: to whichever widget has the focus."""
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=5000)
    qtbot.keyClick(QApplication.focusWidget(), k, mod)
    qtbot.waitUntil(lambda: w.bridge.is_idle() and until(w.last_snapshot), timeout=20000)


def test_two_runs_overlaid_compared_and_exported(qtbot, win, tmp_path):
    runs = win.runs
    assert [r.number for r in runs.registry.runs] == [1]
    key(qtbot, win, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier, until=lambda s: s.epoch == 1)
    key(qtbot, win, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier, until=lambda s: s.epoch == 0)
    for _ in range(2):
        key(qtbot, win, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: win.last_snapshot.epoch == 2 and runs.registry.current.epochs == 2, timeout=20000)
    first, second = runs.registry.runs
    assert (first.epochs, second.epochs) == (1, 2)
    assert first.data == second.data and first.data.n_users == 40 and first.seed == 0
    # the current run's curves are the window's: the same records
    assert second.history == win.last_snapshot.history
    runs.redraw()  # validation RMSE by default: this small file has no validation set
    assert runs.checked() == [1]  # the earlier run; the plot draws the current one itself
    assert [n for label, n in win.loss_plot.run_overlays()] == [0]
    assert "no validation RMSE" in runs.note.text()
    runs.set_metric("test_rmse")
    run1 = "run 1: plain, 6-3-6, adam lr 0.001"
    assert win.loss_plot.run_overlays() == [(run1, 1)]
    rows = runs.table_rows()
    assert [r[1] for r in rows] == ["1", "2"]
    assert rows[1][2] == "—" and rows[1][4] == f"{second.final('test_rmse'):.4g}"
    assert rows[0][0] == "run 1: plain, 6-3-6, adam lr 0.001, seed 0"
    # ticking run 2 and unticking run 1 in the table: as a person clicks the boxes
    runs.table.item(1, 0).setCheckState(Qt.CheckState.Checked)
    assert win.loss_plot.run_overlays() == [(run1, 1), ("run 2: plain, 6-3-6, adam lr 0.001", 2)]
    runs.table.item(0, 0).setCheckState(Qt.CheckState.Unchecked)
    assert runs.checked() == [2]
    assert [label[:5] for label, _ in win.loss_plot.run_overlays()] == ["run 2"]
    assert runs.export_csv(str(tmp_path / "runs.csv")) is None
    body = list(csv.reader(open(tmp_path / "runs.csv", newline="")))[1:]
    train = [(r[0], r[2], float(r[4])) for r in body if r[3] == "train_rmse"]
    assert train == [("1", "1", first.history[0].train_rmse),
                     ("2", "1", second.history[0].train_rmse), ("2", "2", second.history[1].train_rmse)]


def test_snapshots_without_a_new_epoch_redraw_nothing(qtbot, win):
    """Most snapshots come mid-epoch: the table and the overlays are redrawn for new records only."""
    runs = win.runs
    key(qtbot, win, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier, until=lambda s: s.epoch == 1)
    qtbot.waitUntil(lambda: not runs.redraw_pending, timeout=5000)
    runs.on_snapshot(win.last_snapshot)  # the same history again
    assert not runs.redraw_pending
    key(qtbot, win, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier, until=lambda s: s.epoch == 2)
    qtbot.waitUntil(lambda: runs.registry.current.epochs == 2, timeout=5000)
    assert runs.redraw_pending or runs.table_rows()[0][1] == "2"  # the new epoch is drawn
