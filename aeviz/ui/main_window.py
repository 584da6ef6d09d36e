"""The main window: network in the centre, dockable panels around it, step controls on top.

It wires widgets to the EngineBridge and back; it holds no engine objects and does no maths.
"""
from __future__ import annotations

import logging
import os
import pathlib
from functools import partial

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QActionGroup
from PySide6.QtWidgets import (QDockWidget, QFileDialog, QHBoxLayout, QLabel, QMainWindow,
                               QMessageBox, QPushButton, QScrollArea, QToolBar, QVBoxLayout,
                               QWidget)

from aeviz.data.samples import RESOURCES
from aeviz.engine import ModelConfig
from aeviz.engine.orientation import observations
from aeviz.model_choice import DEFAULT, misfits, model_for_data
from aeviz.presets import PRESETS

from . import gc_guard, movie_map_links, profile_panel, search, tab_titles, what_if
from . import help as help_dialogs
from . import lessons, runs_panel
from . import settings
from .bridge import EngineBridge
from .controls import StepControls
from .export import Exporter
from .graph_view import NetworkView
from .loading import LoadingPage, LoadProgress, RatingsLoader
from .loss_plot import LossPlot
from .model_files import ModelFiles
from .numbers import fmt
from .panels import PANELS
from .panels.codes import CodePanel
from .setup_panel import SetupPanel
from .step_keys import StepKeys
from .timeline_bar import install as install_timeline
from .warnings_bar import WarningsBar

PATIENCE_CHOICES = (0, 10, 25, 50, 100)  # epochs without a better validation RMSE before Play pauses

log = logging.getLogger(__name__)

# Where each insight panel starts (users can drag them anywhere; the layout persists).
RIGHT_PANELS = ("Code", "Reconstruction", "Recommendations", "Movie map")
FIRST_RIGHT = "Code"
FIRST_BOTTOM = "Math inspector"

def _on_screen(dock) -> bool:
    return dock.isVisible() and not dock.visibleRegion().isEmpty()


def _is_bundled(path: str) -> bool:
    """A sample shipped with aeviz (resources/), not a file of the user's."""
    try:
        return pathlib.Path(path).resolve().is_relative_to(RESOURCES)
    except (OSError, TypeError, ValueError):
        return False


class Banner(QWidget):
    """A dismissible, non-blocking message strip above the network (divergence, tips)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 4, 4, 4)
        self.label = QLabel()
        self.label.setWordWrap(True)
        close = QPushButton("×")
        close.setFlat(True)
        close.setFixedWidth(24)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        lay.addWidget(self.label, 1)
        lay.addWidget(close)
        self.setAutoFillBackground(True)
        self.hide()

    def show_message(self, text: str, kind: str = "error"):
        colour = {"error": "#fde2e1", "info": "#e4effb"}.get(kind, "#fff4d6")
        self.setStyleSheet(f"background:{colour}; border-radius:4px;")
        self.label.setText(text)
        self.show()


class MainWindow(QMainWindow):
    """`MainWindow(dataset, path)`; the engine starts at once in its worker thread."""

    def __init__(self, dataset=None, path: str | None = None, config: ModelConfig | None = None,
                 restore: bool = True):
        super().__init__()
        gc_guard.install()
        self.setObjectName("aeviz_main")
        self.dataset = None
        self.path = None
        self._paths: list[tuple[object, str]] = []  # (dataset, path) of rebuilds on their way
        self._closing = False
        self.error_box = None
        self.confirm = self._ask_discard  # tests replace this with lambda *_: True
        self._last_snapshot = None
        self._pending_data = None
        self._note = ""  # shown in the banner once the next rebuild lands (a preset's explanation)

        self.bridge = EngineBridge(self)
        self.loader = RatingsLoader(self)
        self.controls = StepControls(self.bridge, self)
        # an explicit config is the caller's; otherwise the data decides (model_choice's rule)
        self.config = config or settings.read_config(DEFAULT)
        self._choose_model = config is None
        self.model_files = ModelFiles(self)

        self._build_central()
        self._build_docks()
        self.timeline_bar = install_timeline(self)  # the scrubber under the loss curves
        self._build_toolbar()
        self._build_status()
        self._build_menus()
        self.step_keys = StepKeys(self, self.controls.all_actions())
        self.search = search.install(self)  # Ctrl+F over titles and users (issue 17)
        self.profile = profile_panel.install(self)  # the "You" dock and File > Open/Save profile
        self.what_if = what_if.install(self)  # right-click a rating: before/after predictions
        movie_map_links.install(self)  # found and You movies marked on the Movie map
        tab_titles.install(self)  # dock tabs keep whole titles, scroll when they do not fit
        self.setAcceptDrops(True)
        self._default_layout()

        b = self.bridge
        b.snapshotReady.connect(self._on_snapshot)
        b.diverged.connect(self._on_diverged)
        b.message.connect(self._on_message)
        b.stoppedEarly.connect(self._on_stopped_early)
        b.rebuilt.connect(self._on_rebuilt)
        b.rebuildFailed.connect(self._on_rebuild_failed)
        b.playingChanged.connect(self._on_playing)
        self.loader.loaded.connect(self._on_loaded)
        self.loader.failed.connect(self._on_load_failed)
        self.loader.cancelled.connect(self._on_load_cancelled)
        self.setup.applyRequested.connect(self._on_apply)
        self.setup.appliedChanged.connect(self._on_setup_applied)
        self.loss_plot.exportPngRequested.connect(self.export_png)
        self.loss_plot.exportCsvRequested.connect(self.export_csv)
        self.runs = runs_panel.install(self)  # the Runs dock and menu: every run of this session

        self.lessons = lessons.install(self)  # the Lesson dock, teacher and presentation modes (issue 19)
        self._raise_first_tabs()
        if restore:
            self._restore_settings()
        self.lessons.restored()
        self._update_title()
        if dataset is not None:
            self.set_dataset(dataset, path)

    # ------------------------------------------------------------------------------ building
    def _build_central(self):
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        self.banner = Banner()
        lay.addWidget(self.banner)
        self.warnings_bar = WarningsBar()
        lay.addWidget(self.warnings_bar)
        self.loading_page = LoadingPage(self.loader)
        lay.addWidget(self.loading_page, 1)
        self.network_view = NetworkView()
        lay.addWidget(self.network_view, 1)
        self.setCentralWidget(central)
        self.network_view.nodeSelected.connect(self._on_node_selected)
        self.network_view.weightEdited.connect(self._on_weight_edited)

    def add_dock(self, title, widget, area, scroll=False) -> QDockWidget:
        """A dock named after `title` (its saved-layout key), in `area`, listed in `docks`."""
        dock = QDockWidget(title, self)
        dock.setObjectName("dock_" + "".join(c for c in title.lower() if c.isalnum()))
        if scroll:
            sa = QScrollArea()
            sa.setWidgetResizable(True)
            sa.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            sa.setWidget(widget)
            widget = sa
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.docks.append(dock)
        return dock

    def _build_docks(self):
        self.docks: list[QDockWidget] = []
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks
                            | QMainWindow.DockOption.AllowNestedDocks)
        self.setup = SetupPanel(self.config)
        self.setup_dock = self.add_dock("Model setup", self.setup, Qt.DockWidgetArea.RightDockWidgetArea, scroll=True)
        self.loss_plot = LossPlot()
        self.loss_dock = self.add_dock("Loss curves", self.loss_plot, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.loss_dock.visibilityChanged.connect(partial(self._on_dock_shown, self.loss_plot))
        self.panels = []
        docks = []
        for title, factory in PANELS:
            panel = factory()
            self.panels.append(panel)
            area = (Qt.DockWidgetArea.RightDockWidgetArea if title in RIGHT_PANELS
                    else Qt.DockWidgetArea.BottomDockWidgetArea)
            dock = self.add_dock(title, panel, area)
            dock.visibilityChanged.connect(partial(self._on_dock_shown, panel))
            docks.append(dock)
            panel.userSelected.connect(self._on_user_selected)
            panel.nodeSelected.connect(self._on_node_selected)
            if isinstance(panel, CodePanel):  # the latent walk: decode a point of the code plane
                panel.imagineRequested.connect(self.bridge.imagine)
        self._dock_widgets = [(self.loss_plot, self.loss_dock)] + list(zip(self.panels, docks))
        # Right column: the setup and the per-user panels, one tab each. Bottom: the loss curves,
        # and beside them the panels that want width (the math, the matrix, the distributions).
        right = [self.setup_dock] + [d for d in docks if d.windowTitle() in RIGHT_PANELS]
        bottom = [d for d in docks if d.windowTitle() not in RIGHT_PANELS]
        for d in right[1:]:
            self.tabifyDockWidget(right[0], d)
        if bottom:
            self.splitDockWidget(self.loss_dock, bottom[0], Qt.Orientation.Horizontal)
            for d in bottom[1:]:
                self.tabifyDockWidget(bottom[0], d)

    def _raise_first_tabs(self):
        """The tab a new user sees first in each dock column (docks added later, e.g. Runs or What
        if, would otherwise be the raised one); a saved layout, restored after, wins."""
        for d in self.docks:
            if d.windowTitle() in (FIRST_RIGHT, FIRST_BOTTOM):
                d.raise_()

    def _default_layout(self):
        """The network in the middle; setup and per-user panels full height on the right; curves below."""
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self._fitted_docks = None  # dock sizes last set by fit_docks; None once the user moved them
        avail = self.screen().availableGeometry()  # never larger than the screen (1366 x 768 laptops)
        self.resize(min(1600, avail.width()), min(1000, avail.height()))
        self.fit_docks()

    def fit_docks(self):
        """Dock sizes as shares of the window (capped at what 1600 x 1000 gets), so at 1366 x 768
        the network keeps a fair part of the window instead of what fixed sizes leave over."""
        w, h = self.width(), self.height()
        right = int(min(440, max(300, 0.25 * w)))
        below = int(min(290, max(190, 0.27 * h)))
        self.resizeDocks([self.setup_dock], [right], Qt.Orientation.Horizontal)
        self.resizeDocks([self.loss_dock], [below], Qt.Orientation.Vertical)
        bottom = [d for d in self.docks[2:] if d.windowTitle() not in RIGHT_PANELS]
        if bottom:
            half = max(w - right, 400) // 2
            self.resizeDocks([self.loss_dock, bottom[0]], [half, half], Qt.Orientation.Horizontal)
        self._fitted_docks = self._dock_sizes()

    def _dock_sizes(self):
        return (self.setup_dock.width(), self.loss_dock.height())

    def resizeEvent(self, event):
        """Keep the docks' shares while the window gets its size (start-up, a maximise), until
        the user sets a dock's size by hand: from then on, theirs stays."""
        super().resizeEvent(event)
        fitted = getattr(self, "_fitted_docks", None)
        if fitted is not None:
            if not self.isVisible() or all(abs(a - b) <= 3 for a, b in zip(fitted, self._dock_sizes())):
                QTimer.singleShot(0, self.fit_docks)
            else:
                self._fitted_docks = None

    def _build_toolbar(self):
        tb = QToolBar("Training")
        tb.setObjectName("toolbar_training")
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.controls.populate_toolbar(tb)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, tb)
        self.toolbar = tb
        now = QToolBar("Current observation")
        now.setObjectName("toolbar_now")
        self.observation_label = QLabel()
        self.observation_label.setToolTip("The observation (user) going through the network now")
        self.observation_label.setStyleSheet("padding: 0 10px; font-weight: bold;")
        now.addWidget(self.observation_label)
        now.addSeparator()
        now.addWidget(self.controls.phase_strip)
        self.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, now)
        self.now_toolbar = now

    def _build_status(self):
        sb = self.statusBar()
        self.load_progress = LoadProgress(self.loader)
        sb.addWidget(self.load_progress)
        self.status_labels = {}
        for key, tip in (("epoch", "Completed epochs"), ("obs", "Position in the current epoch"),
                         ("phase", "The phase just completed"), ("loss", "Loss of the last observation"),
                         ("speed", "Training speed, observations per second")):
            lab = QLabel()
            lab.setToolTip(tip)
            lab.setMinimumWidth(60)
            sb.addPermanentWidget(lab)
            self.status_labels[key] = lab

    def _build_early_stopping_menu(self, menu):
        """While playing, pause once the test RMSE has not improved for N epochs (remembered)."""
        menu.setToolTipsVisible(True)
        group = QActionGroup(menu)
        current = int(settings.read_number("train/patience", 0, 0, 10_000))
        if current not in PATIENCE_CHOICES:
            current = 0
        self.patience_actions = {}
        for n in PATIENCE_CHOICES:
            a = menu.addAction("Off" if n == 0 else f"Pause after {n} epochs without a better validation RMSE")
            a.setCheckable(True)
            a.setChecked(n == current)
            a.setToolTip("Early stopping: Play pauses, and Train > Go back to the best epoch restores "
                         "the network with the lowest validation RMSE (needs held-out ratings: a "
                         "validation fraction above 0)")
            a.triggered.connect(partial(self.set_patience, n))
            group.addAction(a)
            self.patience_actions[n] = a
        self.bridge.set_patience(current)

    def set_patience(self, epochs: int, _checked=None):
        self.patience_actions[epochs].setChecked(True)
        settings.write("train/patience", int(epochs))
        self.bridge.set_patience(epochs)

    def _build_menus(self):
        mb = self.menuBar()
        f = mb.addMenu("&File")
        a = f.addAction("&Open ratings…", self.open_dialog)
        a.setShortcut("Ctrl+O")
        a.setToolTip("Open a ratings file (MovieLens, CSV, wide table)  [Ctrl+O]")
        f.addAction("Open &titles…", self.open_titles_dialog).setToolTip("Attach movie titles to the current ratings")
        self.recent_menu = f.addMenu("Recent files")
        self._fill_recent(settings.recent_files())
        f.addSeparator()
        self.model_files.add_to_menu(f)
        f.addSeparator()
        self.exporter = Exporter(self)
        self.exporter.build_menu(f.addMenu("&Export"))
        f.addSeparator()
        q = f.addAction("&Quit", self.close)
        q.setShortcut("Ctrl+Q")
        t = mb.addMenu("&Train")
        self.controls.populate_menu(t)
        self._build_early_stopping_menu(t.addMenu("Early stopping"))
        v = mb.addMenu("&View")
        for d in self.docks:
            v.addAction(d.toggleViewAction())
        v.addSeparator()
        v.addAction(self.toolbar.toggleViewAction())
        v.addAction(self.now_toolbar.toggleViewAction())
        p = mb.addMenu("&Presets")
        self.preset_actions = []
        for preset in PRESETS:
            act = p.addAction(preset.title)
            act.setToolTip(preset.explanation)
            act.setStatusTip(preset.explanation)
            act.setData(preset.key)
            act.triggered.connect(self._on_preset)
            self.preset_actions.append(act)
        if not PRESETS:
            p.addAction("(no presets available)").setEnabled(False)
        p.setToolTipsVisible(True)
        h = mb.addMenu("&Help")
        h.addAction("How to read this screen", self.show_help).setShortcut("F1")
        h.addAction("About aeviz", self.show_about)
        for menu in (f, t, v, h):
            menu.setToolTipsVisible(True)

    # ------------------------------------------------------------------------------ datasets
    def _path_for(self, dataset, path: str):
        """Remember which file `dataset` came from until the worker has rebuilt on it (by the
        object itself, not its id(), which a collected dataset hands on; a few at most)."""
        self._paths = [(d, p) for d, p in self._paths[-7:] if d is not dataset] + [(dataset, path)]

    def set_dataset(self, dataset, path=None):
        """Build the current config on `dataset` (the worker replies with `rebuilt`)."""
        self._path_for(dataset, path or getattr(dataset, "source", "") or "")
        self._pending_data = dataset
        if self._choose_model:
            self._model_for(dataset)
        self.bridge.rebuild(self.config, dataset)

    def _model_for(self, dataset):
        """New data gets the user's last applied model when it fits, else the default; the banner
        says which and why (aeviz.model_choice)."""
        self.config, self._note = model_for_data(settings.read_config(DEFAULT), getattr(dataset, "scale", None))

    def _users_data(self) -> bool:
        """The open data came from a file of the user's (not a bundled sample, not a preset's)."""
        return self.dataset is not None and bool(self.path) and not _is_bundled(self.path)

    def open_path(self, path: str, titles: str | None = None):
        if not self.loader.load(path, titles):
            self.statusBar().showMessage("A file is already loading; cancel it first", 4000)
        elif self.dataset is None:  # the first data: the loading state stands where the network will be
            self.network_view.hide()
            self.loading_page.start(path)
            self._update_title()

    @Slot()
    def open_dialog(self):
        path, _ = QFileDialog.getOpenFileName(self, "Open ratings", os.path.dirname(self.path or ""),
                                              "Ratings (*.csv *.dat *.data *.tsv *.txt *.base);;All files (*)")
        if path:
            self.open_path(path)

    @Slot()
    def open_titles_dialog(self):
        if not self.path:
            self.show_error("No ratings file", "Open a ratings file first, then its titles.")
            return
        path, _ = QFileDialog.getOpenFileName(self, "Open titles", os.path.dirname(self.path),
                                              "Titles (u.item movies.dat movies.csv *.csv *.dat *.item);;All files (*)")
        if path:
            self.open_path(self.path, titles=path)

    def _fill_recent(self, items):
        self.recent_menu.clear()
        for p in items:
            a = self.recent_menu.addAction(p)
            a.setData(p)
            a.triggered.connect(self._on_recent)
        self.recent_menu.setEnabled(bool(items))

    @Slot()
    def _on_recent(self):
        self.open_path(self.sender().data())

    @Slot(str, object)
    def _on_loaded(self, path, ratings):
        same_file = self.dataset is not None and self.path == path
        self._path_for(ratings, path)
        self._pending_data = ratings
        if self.loading_page.isVisible():
            self.loading_page.building()
        if not same_file:  # new data: the model is chosen for it; titles re-read keep the model
            self._model_for(ratings)
        self.bridge.rebuild(self.config, ratings)
        self.warnings_bar.set_warnings(os.path.basename(path), getattr(ratings, "warnings", ()))

    @Slot(str, str)
    def _on_load_failed(self, path, message):
        self.show_error("Could not open this file", message)
        self._open_sample_instead(f"Could not open {os.path.basename(path)}")

    @Slot()
    def _on_load_cancelled(self):
        self.statusBar().showMessage("Loading cancelled; the current data stays", 4000)
        self._open_sample_instead("Loading cancelled")

    def _open_sample_instead(self, why: str):
        """The first file did not come: the bundled sample, so the window is never empty."""
        if self.dataset is not None or not self.loading_page.isVisible():
            return
        from .app import first_dataset
        ds = first_dataset()
        self.loading_page.hide()
        self.network_view.show()
        if ds is not None:
            self.set_dataset(ds)
            self._note = f"{why}: showing the bundled sample. {self._note}"
        self._update_title()

    def dragEnterEvent(self, event):
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event):
        self.handle_drop(event.mimeData())
        event.acceptProposedAction()

    def handle_drop(self, mime) -> bool:
        files = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
        if not files:
            return False
        self.open_path(files[0])
        return True

    # ------------------------------------------------------------------------------ model
    @Slot(object)
    def _on_apply(self, config):
        if self.has_progress() and not self.confirm("Apply the new settings?"):
            return
        self.config = config
        settings.write_config(config)  # remembered: the user chose it (model_choice)
        self.bridge.rebuild(config)

    @Slot(bool)
    def _on_setup_applied(self, applied):
        self.setup_dock.setWindowTitle("Model setup" if applied else "Model setup — not applied")

    def has_progress(self) -> bool:
        """This network has been trained (a step or an update since it was built)."""
        s = self._last_snapshot
        return s is not None and (s.steps > 0 or s.updates > 0)

    def _ask_discard(self, question: str,
                     detail: str = "This builds a fresh network and discards the training so far.") -> bool:
        r = QMessageBox.question(self, "Discard training?" if "discards" in detail else "Replace data?",
                                 f"{question}\n{detail}")
        return r == QMessageBox.StandardButton.Yes

    @Slot()
    def _on_preset(self):
        """A preset's model goes onto the user's open data when it fits it; a preset that needs its
        own data (the 4 x 4 toy) asks before replacing the user's."""
        key = self.sender().data()
        preset = next((p for p in PRESETS if p.key == key), None)
        if preset is None:
            return
        on_users = self._users_data() and not misfits(preset.config, self.dataset.scale)
        if self._users_data() and not on_users:
            d = self.dataset
            if not self.confirm(f"The preset '{preset.title}' needs its own data. Replace {self._dataset_name()} "
                                f"({d.n_users} users × {d.n_items} movies) with it?",
                                "Your file stays as it is: File > Recent files opens it again."):
                return
        elif self.has_progress() and not self.confirm(f"Load the preset '{preset.title}'?"):
            return
        try:
            ds = self.dataset if on_users else preset.load_dataset()
        except Exception as exc:
            self.show_error("Preset unavailable", f"{preset.title}: {exc}")
            return
        self.config = preset.config
        self._note = f"<b>{preset.title}</b>: {preset.explanation}"
        if on_users:
            self._note += (f" <i>(Applied to {self._dataset_name()}; the figures quoted were measured on "
                           f"the bundled sample.)</i>")
        else:
            self._path_for(ds, "")
        self.bridge.rebuild(preset.config, ds, preset)

    @Slot(object, object)
    def _on_rebuilt(self, dataset, config):
        new_data = dataset is not self.dataset
        self.dataset, self.config = dataset, config
        if new_data:
            self.path = next((p for d, p in self._paths if d is dataset), "") or None
            self._paths = [(d, p) for d, p in self._paths if d is not dataset]
            self.statusBar().showMessage(f"{dataset.n_users} users × {dataset.n_items} movies, "
                                         f"{getattr(dataset, 'scale', None) and dataset.scale.describe()}", 5000)
            if self._users_data() and os.path.isfile(self.path):
                self._fill_recent(settings.add_recent(self.path))
            scale = getattr(dataset, "scale", None)
            if scale is not None:
                self._safe(self.network_view, "set_rating_range", scale.minimum, scale.maximum)
            for p in self.panels:
                self._safe(p, "set_dataset", dataset)
        # the graph's input and output nodes: movies, or users for an item-based model
        titles = getattr(observations(dataset, config.orientation), "titles", None)
        self.network_view.set_titles(list(titles) if titles is not None else None,
                                     "user" if config.orientation == "item" else "movie")
        self.setup.set_config(config)
        for w, _ in self._dock_widgets:  # a fresh network: every plot re-ranges from its own data
            self._safe(w, "new_run")
        if self.loading_page.isVisible():
            self.loading_page.hide()
            self.network_view.show()
        if self._note:
            self.banner.show_message(self._note, "info")
        else:
            self.banner.hide()
        self._note = ""
        self._update_title()

    @Slot(str)
    def _on_rebuild_failed(self, msg):
        if self.dataset is None and self.config != ModelConfig() and self._pending_data is not None:
            # a stored configuration that no longer builds must not leave the first window empty
            self.config = ModelConfig()
            self._note = f"The stored model could not be rebuilt ({msg}); using the default model instead."
            self.bridge.rebuild(self.config, self._pending_data)
            return
        self.show_error("Could not build the network", msg)

    # ------------------------------------------------------------------------------ snapshots
    @property
    def last_snapshot(self):
        """The newest Snapshot drawn (None before the first): read-only, like every snapshot."""
        return self._last_snapshot

    @Slot(object)
    def _on_snapshot(self, snap):
        """The network, controls and status now; each visible dock in its own event-loop pass
        (the bridge's FramePacing owns how a frame is drawn)."""
        self._last_snapshot = snap
        self._safe(self.network_view, "show_snapshot", snap)
        self.controls.update_state(snap)
        self._update_status(snap)
        self.bridge.pacing.draw_in_passes(partial(self._safe, w, "show_snapshot", snap)
                                          for w, d in self._dock_widgets if _on_screen(d))

    def _on_dock_shown(self, widget, visible):
        if visible:
            self.show_latest(widget)

    def show_latest(self, widget):
        """Draw the newest snapshot in `widget` (a docked panel) now, if there is one."""
        if self._last_snapshot is not None:
            self._safe(widget, "show_snapshot", self._last_snapshot)

    @property
    def docked(self) -> list:
        """(widget, dock) of the loss curves, then of each insight panel (a copy)."""
        return list(self._dock_widgets)

    def _safe(self, widget, method, *args):
        """A panel's bug must not take the window down: log it, keep going."""
        try:
            getattr(widget, method)(*args)
        except Exception:
            log.exception("%s.%s failed", type(widget).__name__, method)

    def _update_status(self, s):
        L = self.status_labels
        L["epoch"].setText(f"Epoch {s.epoch + 1}")
        L["obs"].setText(f"Observation {min(s.position + 1, s.n_observations)} of {s.n_observations}")
        L["phase"].setText(f"Phase: {s.phase if s.phase != 'idle' else '—'}  (next: {s.next_phase})")
        L["loss"].setText(f"Loss {fmt(s.loss)}")
        rate = self.bridge.rate if self.bridge.playing else 0.0
        L["speed"].setText(f"{rate:,.0f} obs/s" if rate > 0 else "paused" if not self.bridge.playing else "…")
        self.observation_label.setText(f"{self._observation_name(s.user_row)} · {self._dataset_name()}")

    def _observation_name(self, row):
        if self.config.orientation == "item":  # each movie is an observation
            try:
                return f"Movie {self.dataset.titles[row]}"
            except Exception:
                return "Movie —" if row is None else f"Movie #{row}"
        return f"User {self._user_id(row)}"

    def _user_id(self, row):
        try:
            return str(self.dataset.user_ids[row])
        except Exception:
            return "—" if row is None else f"#{row}"

    def _dataset_name(self) -> str:
        if self.dataset is None:
            return "no data"
        src = self.path or getattr(self.dataset, "source", "") or "data"
        p = os.path.normpath(src)
        parent = os.path.basename(os.path.dirname(p))
        name = os.path.basename(p)
        return f"{parent}/{name}" if parent and parent not in ("resources", "") else name

    def _update_title(self):
        if self.dataset is None:
            loading = self.loader.busy and os.path.basename(self.loader.path)
            self.setWindowTitle(f"aeviz — loading {loading}…" if loading else "aeviz — no data")
            return
        d = self.dataset
        self.setWindowTitle(f"aeviz — {self._dataset_name()} ({d.n_users} users × {d.n_items} movies, "
                            f"{d.nnz:,} ratings)")

    # ------------------------------------------------------------------------------ events
    @Slot(str)
    def _on_diverged(self, msg):
        self.statusBar().showMessage(msg, 15000)
        self.banner.show_message(msg, "error")

    @Slot(str)
    def _on_stopped_early(self, msg):
        self.statusBar().showMessage(msg, 15000)
        self.banner.show_message(msg, "info")

    @Slot(str)
    def _on_message(self, msg):
        self.statusBar().showMessage(msg, 6000)

    @Slot(bool)
    def _on_playing(self, on):
        self.controls.set_playing(on)
        self.loss_plot.set_throttled(on)
        if self._last_snapshot is not None:
            self._update_status(self._last_snapshot)

    @Slot(int)
    def _on_user_selected(self, row):
        self.bridge.select_observation(row)

    @Slot(int, int)
    def _on_node_selected(self, layer, index):
        self.bridge.set_selection(layer, index)
        for p in self.panels:
            self._safe(p, "set_selected_node", layer, index)

    @Slot(int)
    def select_movie(self, column: int):
        """Select a movie everywhere: its input node (user model) or it as the observation (item)."""
        if self.config.orientation == "item":
            self.bridge.select_observation(column)
        else:
            self.network_view.select_node(0, column)

    @Slot(int)
    def select_user(self, row: int):
        """Select a user everywhere: as the observation (user model) or its input node (item)."""
        if self.config.orientation == "item":
            self.network_view.select_node(0, row)
        else:
            self.bridge.select_observation(row)

    @Slot(int, int, int, float)
    def _on_weight_edited(self, layer, row, col, value):
        self.bridge.set_weight(layer, row, col, value)

    def show_error(self, title: str, message: str) -> QMessageBox:
        """Non-modal, so neither the training nor a test waits on it."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self)
        box.setModal(False)
        box.show()
        self.error_box = box
        return box

    def show_help(self):
        """Open (non-modal) "How to read this screen"; returns the dialog."""
        self._help = help_dialogs.show_how_to_read(self)
        return self._help

    def show_about(self):
        """Open (non-modal) "About aeviz"; returns the box."""
        self._about = help_dialogs.show_about(self)
        return self._about

    # ------------------------------------------------------------------------------ export
    @Slot()
    def export_png(self, path: str | None = None):
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, "Export loss plot", "loss.png", "PNG image (*.png)")
        if path and not self.loss_plot.export_png(path):
            self.show_error("Export failed", f"Could not write {path}")

    @Slot()
    def export_csv(self, path: str | None = None):
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, "Export history", "history.csv", "CSV (*.csv)")
        if path:
            try:
                self.loss_plot.export_csv(path)
            except OSError as exc:
                self.show_error("Export failed", f"Could not write {path}: {exc.strerror or exc}")

    # ------------------------------------------------------------------------------ settings
    def _restore_settings(self):
        geo = settings.read_bytes("window/geometry")
        if geo is not None:
            try:
                self.restoreGeometry(geo)
            except Exception:
                pass
        state = settings.read_bytes("window/state")
        if state is not None:
            try:
                if not self.restoreState(state):
                    log.info("stored window layout ignored")
                else:
                    self._fitted_docks = None  # the user's own layout: keep it
            except Exception:
                pass
        self.controls.speed.set_speed(settings.read_number("train/speed", float("inf"), 1.0, float("inf")))
        self.loss_plot.set_smoothing(settings.read_number("plot/smoothing", 0.0, 0.0, 0.99))
        self.loss_plot.set_log(settings.read_bool("plot/log", False))

    def _save_settings(self):
        settings.write("window/geometry", self.saveGeometry())
        settings.write("window/state", self.saveState())
        settings.write("train/speed", self.controls.speed.speed)
        settings.write("plot/smoothing", self.loss_plot.smoothing)
        settings.write("plot/log", self.loss_plot.log_box.isChecked())

    def closeEvent(self, event):
        if not self._closing and not self.model_files.confirm_close():
            event.ignore()  # the user chose Cancel (or the save failed): keep the window
            return
        if not self._closing:
            self._closing = True
            try:
                self._save_settings()
            except Exception:
                log.exception("settings not saved")
            self.loader.shutdown()
            self.model_files.shutdown()
            self.bridge.shutdown()
            self.step_keys.release()
        super().closeEvent(event)
