"""The model setup dock: every ModelConfig field a learner tweaks, validated as it is typed.

A wrong value is refused where it was typed (red border and the reason beneath the field, words
from `ModelConfig.problems()` / `parse_layers`), and Apply stays disabled until all is well.
"""
from __future__ import annotations

import math

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from aeviz.engine import ModelConfig, parse_layers
from aeviz.engine.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from aeviz.engine.losses import LOSSES
from aeviz.engine.optimizers import OPTIMIZERS

BATCH_MODES = (("each observation", "one"), ("batch of k", "k"), ("whole set", "all"))
# which field a ModelConfig.problems() message belongs to (first keyword found wins)
_KEYWORDS = (("layer sizes", "layers"), ("tied", "layers"), ("hidden activation", "hidden"),
             ("output activation", "output"), ("loss", "loss"), ("optimizer", "optimizer"),
             ("learning rate", "lr"), ("momentum", "momentum"), ("weight decay", "weight_decay"),
             ("batch", "batch"), ("test fraction", "test_fraction"))
_BAD = "QLineEdit { border: 2px solid #d33; border-radius: 3px; }"


def _number(text: str, what: str) -> float:
    try:
        v = float(text.strip().replace(",", "."))
    except ValueError:
        raise ValueError(f"{text.strip() or 'an empty field'} is not a number ({what})") from None
    if not math.isfinite(v):
        raise ValueError(f"{what} must be a finite number")
    return v


class SetupPanel(QWidget):
    """Signals: applyRequested(ModelConfig) when Apply is clicked with a valid configuration."""

    applyRequested = Signal(object)

    def __init__(self, config: ModelConfig | None = None, parent=None):
        super().__init__(parent)
        self._base = config or ModelConfig()
        self.errors: dict[str, str] = {}
        outer = QVBoxLayout(self)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        outer.addLayout(form)
        self._error_labels: dict[str, QLabel] = {}
        self._inputs: dict[str, QWidget] = {}

        def row(key, label, widget, tip):
            widget.setToolTip(tip)
            box = QWidget()
            v = QVBoxLayout(box)
            v.setContentsMargins(0, 0, 0, 0)
            v.setSpacing(1)
            v.addWidget(widget)
            err = QLabel()
            err.setObjectName(f"error_{key}")
            err.setStyleSheet("color: #d33; font-size: 11px;")
            err.setWordWrap(True)
            err.hide()
            v.addWidget(err)
            form.addRow(label, box)
            self._error_labels[key] = err
            self._inputs[key] = widget
            return widget

        self.layers = row("layers", "Hidden layers", QLineEdit(),
                          "Sizes of the hidden layers, comma separated, e.g. 20,10,20\n"
                          "(the input and output layers always have one unit per movie)")
        self.hidden = row("hidden", "Hidden activation", QComboBox(), "Squashing function of hidden units")
        self.hidden.addItems(list(HIDDEN_ACTIVATIONS))
        self.output = row("output", "Output activation", QComboBox(), "Function applied to the reconstructed ratings")
        self.output.addItems(list(ACTIVATIONS))
        self.bias = row("bias", "Biases", QCheckBox("use biases"), "Give every unit a trainable bias")
        self.loss = row("loss", "Loss", QComboBox(), "Reconstruction error, measured on rated movies only")
        self.loss.addItems(list(LOSSES))
        self.optimizer = row("optimizer", "Optimizer", QComboBox(), "How gradients become weight changes")
        self.optimizer.addItems(list(OPTIMIZERS))
        self.lr = row("lr", "Learning rate", QLineEdit(), "Step size of every update, e.g. 0.01")
        self.momentum = row("momentum", "Momentum", QLineEdit(), "Fraction of the last change kept (SGD, RMSprop), in [0, 1)")
        self.weight_decay = row("weight_decay", "Weight decay", QLineEdit(), "L2 pull of every weight towards 0 (0 = off)")
        bw = QWidget()
        bl = QHBoxLayout(bw)
        bl.setContentsMargins(0, 0, 0, 0)
        self.batch_mode = QComboBox()
        for text, key in BATCH_MODES:
            self.batch_mode.addItem(text, key)
        self.batch_k = QSpinBox()
        self.batch_k.setRange(2, 100000)
        self.batch_k.setValue(16)
        self.batch_k.setMaximumWidth(70)
        self.batch_mode.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.batch_mode.setMinimumContentsLength(8)
        bl.addWidget(self.batch_mode, 1)
        bl.addWidget(self.batch_k)
        row("batch", "Update after", bw, "Update the weights after each observation (STEP 7), after a batch of k,\n"
                                         "or once per epoch (the whole training set)")
        self.shuffle = row("shuffle", "Shuffle", QCheckBox("each epoch"), "Visit users in a random order each epoch")
        self.seed = row("seed", "Seed", QSpinBox(), "Random seed of the initial weights, the order and the split")
        self.seed.setRange(0, 2**31 - 1)
        self.test_fraction = row("test_fraction", "Test fraction", QLineEdit(),
                                 "Share of each user's ratings held out to measure generalisation, in [0, 1)")
        for combo in (self.hidden, self.output, self.loss, self.optimizer):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
        self.apply_button = QPushButton("Apply (rebuild network)")
        self.apply_button.setToolTip("Build a fresh network with these settings")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color: #666;")
        outer.addWidget(self.apply_button)
        outer.addWidget(self.status)
        outer.addStretch(1)

        self.set_config(self._base)
        for w in (self.layers, self.lr, self.momentum, self.weight_decay, self.test_fraction):
            w.textChanged.connect(self._revalidate)
        for w in (self.hidden, self.output, self.loss, self.optimizer, self.batch_mode):
            w.currentIndexChanged.connect(self._revalidate)
        for w in (self.bias, self.shuffle):
            w.toggled.connect(self._revalidate)
        for w in (self.batch_k, self.seed):
            w.valueChanged.connect(self._revalidate)
        self.apply_button.clicked.connect(self._apply)
        self._revalidate()

    # -------------------------------------------------------------------------- config I/O
    def set_config(self, c: ModelConfig):
        self._base = c
        self.layers.setText(",".join(str(h) for h in c.hidden))
        self.hidden.setCurrentText(c.hidden_activation)
        self.output.setCurrentText(c.output_activation)
        self.bias.setChecked(bool(c.bias))
        self.loss.setCurrentText(c.loss)
        self.optimizer.setCurrentText(c.optimizer)
        self.lr.setText(f"{c.lr:g}")
        self.momentum.setText(f"{c.momentum:g}")
        self.weight_decay.setText(f"{c.weight_decay:g}")
        mode = "one" if c.batch_size == 1 else ("all" if c.batch_size == 0 else "k")
        self.batch_mode.setCurrentIndex([k for _, k in BATCH_MODES].index(mode))
        if mode == "k":
            self.batch_k.setValue(c.batch_size)
        self.shuffle.setChecked(bool(c.shuffle))
        self.seed.setValue(int(c.seed))
        self.test_fraction.setText(f"{c.test_fraction:g}")
        self._revalidate()

    def config(self) -> ModelConfig | None:
        """The configuration as typed, or None while any field is invalid."""
        cfg, errors = self._read()
        return None if errors else cfg

    def _read(self):
        errors: dict[str, str] = {}
        values = {}
        try:
            values["hidden"] = parse_layers(self.layers.text())
        except ValueError as exc:
            errors["layers"] = str(exc)
        for key, widget, what in (("lr", self.lr, "learning rate"), ("momentum", self.momentum, "momentum"),
                                  ("weight_decay", self.weight_decay, "weight decay"),
                                  ("test_fraction", self.test_fraction, "test fraction")):
            try:
                values[key] = _number(widget.text(), what)
            except ValueError as exc:
                errors[key] = str(exc)
        mode = self.batch_mode.currentData()
        values["batch_size"] = {"one": 1, "all": 0}.get(mode, self.batch_k.value())
        self.batch_k.setEnabled(mode == "k")
        self.momentum.setEnabled(self.optimizer.currentText() in ("sgd", "rmsprop"))  # Adam has its own
        values.update(hidden_activation=self.hidden.currentText(), output_activation=self.output.currentText(),
                      bias=self.bias.isChecked(), loss=self.loss.currentText(),
                      optimizer=self.optimizer.currentText(), shuffle=self.shuffle.isChecked(),
                      seed=self.seed.value())
        cfg = None
        try:
            cfg = self._base.with_(**values)
            for msg in cfg.problems():
                key = next((k for word, k in _KEYWORDS if word in msg), "layers")
                errors.setdefault(key, msg)
        except (TypeError, ValueError) as exc:
            errors.setdefault("layers", str(exc))
        return cfg, errors

    # ----------------------------------------------------------------------------- checking
    @Slot()
    def _revalidate(self, *_):
        _, self.errors = self._read()
        for key, label in self._error_labels.items():
            msg = self.errors.get(key)
            label.setText(msg or "")
            label.setVisible(bool(msg))
            w = self._inputs[key]
            if isinstance(w, QLineEdit):
                w.setStyleSheet(_BAD if msg else "")
        self.apply_button.setEnabled(not self.errors)
        n = len(self.errors)
        self.status.setText("" if not n else f"{n} field{'s' if n > 1 else ''} to fix before Apply")

    def field_error(self, key: str) -> str:
        """The message shown beside field `key` ('' when it is fine)."""
        return self.errors.get(key, "")

    @Slot()
    def _apply(self):
        cfg = self.config()
        if cfg is not None:
            self.applyRequested.emit(cfg)
