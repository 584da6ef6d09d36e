"""File > Export: pictures of the network and of every plot (PNG or SVG), and the numbers as CSV.

Pictures come from what is on screen (pyqtgraph's exporters for plots, QSvgGenerator for the
network canvas). Numbers that need the live network (every layer's weights, every user's
predicted ratings) are written by a function the worker runs between two steps (`bridge.call`),
so an export never reads arrays that an update is changing, and never blocks the window.
"""
from __future__ import annotations

import logging
import os
import pathlib

import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401  (registers pg.exporters)
from PySide6.QtCore import QCoreApplication, QObject, QPoint, QRectF, QSize, Slot
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QFileDialog, QGraphicsView

from aeviz.engine.export import write_predictions_csv, write_weights_csv
from aeviz.engine.orientation import observations
from aeviz.engine.serialize import dataset_identity, save_model

log = logging.getLogger(__name__)

IMAGE_FILTER = "PNG image (*.png);;SVG drawing (*.svg)"


def _with_suffix(path: str, selected_filter: str = "") -> str:
    if pathlib.Path(path).suffix.lower() in (".png", ".svg"):
        return path
    return path + (".svg" if "svg" in selected_filter.lower() else ".png")


def plot_views(widget) -> list:
    """The pyqtgraph views inside a panel, in layout order (a panel may hold several plots)."""
    if isinstance(widget, pg.GraphicsView):
        return [widget]
    return [v for v in widget.findChildren(pg.GraphicsView)]


def export_plot(view, path: str) -> str:
    """One pyqtgraph view (its whole scene) to PNG or SVG, by the file's suffix."""
    scene = view.scene()
    if path.lower().endswith(".svg"):
        try:
            pg.exporters.SVGExporter(scene).export(path)
        except Exception:  # pyqtgraph 0.14's SVG exporter trips over some Qt 6.11 paths
            log.info("pyqtgraph SVG export failed; painting the view into QSvgGenerator", exc_info=True)
            export_widget(view, path)
    else:
        ex = pg.exporters.ImageExporter(scene)
        w = max(int(view.width()), 2)
        ex.parameters()["width"] = w * 2  # twice the screen size: sharp in a document
        ex.export(path)
    if not os.path.isfile(path):
        raise OSError(f"nothing was written to {path}")
    return path


def export_widget(widget, path: str) -> str:
    """A plain widget (the network canvas) to PNG (a grab) or SVG (painted into QSvgGenerator)."""
    if path.lower().endswith(".svg"):
        gen = QSvgGenerator()
        gen.setFileName(path)
        size = widget.size()
        gen.setSize(QSize(size.width(), size.height()))
        gen.setViewBox(QRectF(0, 0, size.width(), size.height()))
        gen.setTitle("aeviz network")
        p = QPainter(gen)
        try:
            if isinstance(widget, QGraphicsView):  # its own render(): the visible part of the scene
                widget.render(p, QRectF(0, 0, size.width(), size.height()), widget.viewport().rect())
            else:
                widget.render(p, QPoint(0, 0))
        finally:
            p.end()
    elif not widget.grab().save(path, "PNG"):
        raise OSError(f"could not write {path}")
    return path


class Exporter(QObject):
    """Builds the Export submenu and runs the exports. Dialogs are replaceable attributes
    (`choose_path(title, name, filter)`, `choose_folder(title)`) so tests never block."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.choose_path = self._choose_path
        self.choose_folder = self._choose_folder
        self.last_written: list[str] = []
        self._targets: dict[str, str] = {}  # tag -> the path a queued export writes
        window.bridge.workDone.connect(self._on_done)
        window.bridge.workFailed.connect(self._on_failed)

    # ------------------------------------------------------------------------------ menu
    def build_menu(self, menu):
        w = self.window
        menu.addAction("Network view (PNG or SVG)…", self._ask_network).setToolTip(
            "The network graph as an image (PNG) or a drawing that scales (SVG)")
        menu.addAction("Loss curves (PNG or SVG)…", self._ask_loss)
        for panel, dock in w.docked[1:]:
            a = menu.addAction(f"{dock.windowTitle()} (PNG or SVG)…", self._ask_panel)
            a.setData(dock.objectName())
        menu.addSeparator()
        menu.addAction("Loss history as CSV…", w.export_csv)
        menu.addAction("Weights of every layer as CSV…", self._ask_weights).setToolTip(
            "One CSV file per layer, in a folder you choose")
        menu.addAction("Predicted ratings of all users as CSV…", self._ask_predictions).setToolTip(
            "Every user × movie: predicted rating, whether it was rated, the rating")
        menu.addSeparator()
        menu.addAction("PyTorch training script…", self._ask_torch).setToolTip(
            "The model as one Python file that trains it with PyTorch, on one process or under "
            "torchrun; its weights go in a model file beside it")
        menu.setToolTipsVisible(True)

    def _ask_network(self):
        path = self.choose_path("Export the network view", "network.png", IMAGE_FILTER)
        if path:
            self.export_network(path)

    def _ask_loss(self):
        path = self.choose_path("Export the loss curves", "loss.png", IMAGE_FILTER)
        if path:
            self.export_dock(self.window.loss_dock, path)

    def _ask_panel(self):
        name = self.sender().data()
        dock = next((d for _, d in self.window.docked if d.objectName() == name), None)
        if dock is None:
            return
        stem = "".join(c if c.isalnum() else "_" for c in dock.windowTitle().lower())
        path = self.choose_path(f"Export {dock.windowTitle()}", f"{stem}.png", IMAGE_FILTER)
        if path:
            self.export_dock(dock, path)

    def _ask_weights(self):
        folder = self.choose_folder("Folder for the weight files")
        if folder:
            self.export_weights(folder)

    def _ask_predictions(self):
        path = self.choose_path("Export predicted ratings", "predictions.csv", "CSV (*.csv)")
        if path:
            self.export_predictions(path)

    def _ask_torch(self):
        path = self.choose_path("Export a PyTorch training script", "train_torch.py", "Python (*.py)")
        if path:
            self.export_torch(path)

    # ------------------------------------------------------------------------------ pictures
    def _report(self, paths):
        self.last_written = [str(p) for p in paths]
        if paths:
            extra = f" (+{len(paths) - 1} more)" if len(paths) > 1 else ""
            self.window.statusBar().showMessage(f"Exported {paths[0]}{extra}", 6000)

    def export_network(self, path: str) -> list[str]:
        view = self.window.network_view
        target = getattr(view, "canvas", view)
        try:
            out = [export_widget(target, path)]
        except Exception as exc:
            self.window.show_error("Export failed", f"Could not write {path}: {exc}")
            return []
        self._report(out)
        return out

    def export_dock(self, dock, path: str) -> list[str]:
        """Every plot in the dock: `name.png`, or `name-1.png`, `name-2.png`... when it has several."""
        w = self.window
        dock.show()
        dock.raise_()
        QCoreApplication.processEvents()  # lay it out, so a tab never shown has a real size
        widget = dock.widget()
        panel = next((p for p, d in w.docked if d is dock), widget)
        if w.last_snapshot is not None:
            w.show_latest(panel)
            QCoreApplication.processEvents()
        views = [v for v in plot_views(widget) if v.isVisible()] or plot_views(widget)
        if not views:
            w.show_error("Nothing to export", f"{dock.windowTitle()} has no plot to export.")
            return []
        p = pathlib.Path(path)
        names = [str(p)] if len(views) == 1 else [str(p.with_name(f"{p.stem}-{i + 1}{p.suffix}"))
                                                  for i in range(len(views))]
        out = []
        try:
            for v, name in zip(views, names):
                out.append(export_plot(v, name))
        except Exception as exc:
            log.info("plot export failed", exc_info=True)
            w.show_error("Export failed", f"Could not write {path}: {exc}")
            return out
        self._report(out)
        return out

    # ------------------------------------------------------------------------------ numbers
    def export_weights(self, folder: str):
        """Queued in the worker; the files appear once it answers (status bar says so)."""
        def run(trainer, config, dataset):
            if trainer is None:
                raise ValueError("there is no network yet")
            net = trainer.network
            ids = getattr(observations(dataset, config.orientation), "item_ids", None)  # users: item model
            return write_weights_csv(folder, net.sizes, net.weights, net.biases if net.bias else None, ids)
        self._targets["export_weights"] = str(folder)
        self.window.bridge.call("export_weights", run)

    def export_predictions(self, path: str):
        def run(trainer, config, dataset):
            if trainer is None or dataset is None:
                raise ValueError("there is no network yet")
            write_predictions_csv(path, trainer.network, dataset, clip=trainer.clip, orientation=config.orientation)
            return [path]
        self.window.statusBar().showMessage("Computing every user's predicted ratings…", 10000)
        self._targets["export_predictions"] = str(path)
        self.window.bridge.call("export_predictions", run)

    def export_torch(self, path: str):
        """The script at `path`, and the current model beside it (`NAME.aeviz.npz`), which the
        script reads its weights and optimizer state from; written in the worker."""
        script = pathlib.Path(path)
        model = script.with_name(script.stem + ".aeviz.npz")
        data_path = self.window.path

        def run(trainer, config, dataset):
            from aeviz.engine.torch_export import write_script
            if trainer is None or dataset is None:
                raise ValueError("there is no model to export yet: open ratings first")
            save_model(model, trainer, config, dataset_identity(dataset, data_path), protect=(data_path,))
            return [str(write_script(model, script)), str(model)]
        self._targets["export_torch"] = str(script)
        self.window.bridge.call("export_torch", run)

    @Slot(str, object)
    def _on_done(self, tag, result):
        if tag in ("export_weights", "export_predictions", "export_torch"):
            self._report(list(result))

    @Slot(str, str)
    def _on_failed(self, tag, message):
        if tag in ("export_weights", "export_predictions", "export_torch"):
            self.window.show_error("Export failed", f"Could not write {self._targets.get(tag, '')}: {message}")

    # ------------------------------------------------------------------------------ dialogs
    def _choose_path(self, title, name, filters) -> str:
        start = os.path.join(os.path.dirname(self.window.path or "") or os.getcwd(), name)
        path, chosen = QFileDialog.getSaveFileName(self.window, title, start, filters)
        if path and filters == IMAGE_FILTER:
            path = _with_suffix(path, chosen)
        return path

    def _choose_folder(self, title) -> str:
        return QFileDialog.getExistingDirectory(self.window, title, os.path.dirname(self.window.path or ""))
