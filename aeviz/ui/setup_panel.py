"""The model setup dock: every ModelConfig field a learner tweaks, validated as it is typed.

A wrong value is refused where it was typed (red border and the reason beneath the field, words
from `ModelConfig.problems()` / `parse_layers`), and Apply stays disabled until all is well.
The autoencoder's type (plain, sparse, denoising, contractive) shows only its own parameters:
a field that does nothing for the chosen type would only invite wrong conclusions.
"""
from __future__ import annotations

import math
from html import escape

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from aeviz.engine import ModelConfig, parse_layers
from aeviz.engine.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from aeviz.engine.config import KINDS
from aeviz.engine.losses import LOSSES
from aeviz.engine.optimizers import OPTIMIZERS
from aeviz.engine.types import DESCRIPTIONS as KIND_DESCRIPTIONS
from aeviz.model_choice import describe

BATCH_MODES = (("each observation", "one"), ("batch of k", "k"), ("whole set", "all"))
# which field a ModelConfig.problems() message belongs to (first keyword found wins)
_KEYWORDS = (("layer sizes", "layers"), ("tied", "layers"), ("hidden activation", "hidden"),
             ("output activation", "output"), ("loss", "loss"), ("optimizer", "optimizer"),
             ("learning rate", "lr"), ("momentum", "momentum"), ("weight decay", "weight_decay"),
             ("weight penalty", "weight_penalty"), ("orientation", "orientation"),
             ("batch", "batch"), ("test fraction", "test_fraction"), ("type must", "kind"),
             ("sparsity target", "sparsity_target"), ("noise level", "noise_level"),
             ("beta (the KL", "beta"), ("annealing", "anneal_steps"), ("dropout", "dropout"))
# the type's own fields: shown only while that type (and, for sparsity, that penalty) is chosen
TYPE_FIELDS = {"sparse": ("sparsity_penalty", "sparsity_target", "sparsity_weight", "l1_weight"),
               "denoising": ("noise", "noise_level"), "contractive": ("contractive_weight",),
               "vae": ("beta", "anneal_steps", "dropout")}
PENALTY_FIELDS = {"kl": ("sparsity_target", "sparsity_weight"), "l1": ("l1_weight",)}
SPARSITY_PENALTIES = (("KL divergence to ρ", "kl"), ("L1 on activations", "l1"))
NOISES = (("masking (hide ratings)", "mask"), ("gaussian (add noise)", "gaussian"))
ORIENTATION_CHOICES = (("each user (user-based)", "user"), ("each movie (item-based, I-AutoRec)", "item"))
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
    """Signals: applyRequested(ModelConfig) when Apply is clicked with a valid configuration;
    appliedChanged(bool) when the fields start or stop differing from the model that trains.

    Edits take effect only on Apply; until then the panel says "not applied" and what still trains,
    so the fields never pass for the running model."""

    applyRequested = Signal(object)
    appliedChanged = Signal(bool)

    def __init__(self, config: ModelConfig | None = None, parent=None):
        super().__init__(parent)
        self._base = config or ModelConfig()
        self._applied = None  # the fields' reading of the applied model (set by set_config)
        self._is_applied = True
        self.errors: dict[str, str] = {}
        outer = QVBoxLayout(self)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        outer.addLayout(form)
        self._error_labels: dict[str, QLabel] = {}
        self._inputs: dict[str, QWidget] = {}

        def row(key, label, widget, tip, at=None):
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
            if at is None:
                form.addRow(label, box)
            else:  # the type block goes first: it is the first choice about a model
                form.insertRow(at, label, box)
            self._error_labels[key] = err
            self._inputs[key] = widget
            return widget

        self.layers = row("layers", "Hidden layer sizes", QLineEdit(),
                          "Sizes of the hidden layers, comma separated, e.g. 20,10,20\n"
                          "(one number per hidden layer: '2' is one layer of two units;\n"
                          "the input and output layers have one unit per movie, or per user when\n"
                          "each movie is an observation)")
        self.layers.setPlaceholderText("e.g. 20,10,20")
        self.tied = row("tied", "Tied weights", QCheckBox("decoder = encoder transposed"),
                        "The decoder reuses the encoder's matrices, transposed (W2 = W1ᵀ): half the\n"
                        "parameters, and each shared weight's gradient is the sum of both uses.\n"
                        "Needs mirrored hidden sizes, e.g. 20,10,20")
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
        self.momentum = row("momentum", "Momentum", QLineEdit(), "Fraction of the last change kept ("
                            + ", ".join(n for n, o in OPTIMIZERS.items() if "momentum" in o.defaults) + "), in [0, 1)")
        self.weight_decay = row("weight_decay", "Weight decay", QLineEdit(), "L2 pull of every weight towards 0 (0 = off)")
        self.weight_penalty = row("weight_penalty", "Weight penalty λ", QLineEdit(),
                                  "(λ/2)·||W||² added to the loss: an L2 penalty on the weight matrices "
                                  "only, the biases stay free (I-AutoRec's regulariser; 0 = off)")
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
        self.kind = row("kind", "Autoencoder type", QComboBox(),
                        "What is added to plain reconstruction: a sparsity penalty, corrupted inputs "
                        "or a contractive penalty", at=0)
        for k in KINDS:
            self.kind.addItem(k, k)
            self.kind.setItemData(self.kind.count() - 1, f"{k}: {KIND_DESCRIPTIONS.get(k, '')}",
                                  Qt.ItemDataRole.ToolTipRole)
        self.kind_help = QLabel()
        self.kind_help.setObjectName("kind_help")
        self.kind_help.setWordWrap(True)
        self.kind_help.setStyleSheet("color: #666; font-size: 11px;")
        self.kind.parentWidget().layout().insertWidget(1, self.kind_help)
        self.sparsity_penalty = row("sparsity_penalty", "Sparsity penalty", QComboBox(),
                                    "KL pulls each hidden unit's mean activation towards ρ; "
                                    "L1 pushes every activation towards 0", at=1)
        for text, key in SPARSITY_PENALTIES:
            self.sparsity_penalty.addItem(text, key)
        self.sparsity_target = row("sparsity_target", "Sparsity target ρ", QLineEdit(),
                                   "The mean activation each hidden unit should have over all users, "
                                   "strictly between 0 and 1, for example 0.05", at=2)
        self.sparsity_weight = row("sparsity_weight", "Sparsity weight β", QLineEdit(),
                                   "How strongly the KL penalty counts against the reconstruction error "
                                   "(0 = off)", at=3)
        self.l1_weight = row("l1_weight", "L1 weight", QLineEdit(),
                             "How strongly the sum of |activations| counts against the reconstruction "
                             "error (0 = off)", at=4)
        self.noise = row("noise", "Noise", QComboBox(),
                         "Masking hides a share of each user's ratings; gaussian adds random noise to them", at=5)
        for text, key in NOISES:
            self.noise.addItem(text, key)
        self.noise_level = row("noise_level", "Noise level", QLineEdit(),
                               "Masking: the fraction of ratings hidden, in [0, 1); "
                               "gaussian: the noise's standard deviation in rating units", at=6)
        self.contractive_weight = row("contractive_weight", "Contractive weight λ", QLineEdit(),
                                      "How strongly the encoder's sensitivity to its input "
                                      "(Jacobian norm) counts against the reconstruction error", at=7)
        self.beta = row("beta", "KL weight β (cap)", QLineEdit(),
                        "Variational: how strongly KL(q(z|x) || N(0, I)) counts against the "
                        "reconstruction, once warmed up", at=8)
        self.anneal_steps = row("anneal_steps", "β warm-up", QSpinBox(),
                                "Variational: updates over which β grows linearly from 0 to its cap "
                                "(0 = from the start)", at=9)
        self.anneal_steps.setRange(0, 10**7)
        self.anneal_steps.setSuffix(" updates")
        self.dropout = row("dropout", "Input dropout", QLineEdit(),
                           "Variational: fraction of each input row dropped while training, in [0, 1)", at=10)
        self.implicit = row("implicit", "Feedback", QCheckBox("implicit (rated 4+ = 1, else 0)"),
                            "Implicit feedback: a rating of 4 or more is a like (1); every other cell, "
                            "rated low or not rated, is 0 and counts in the loss")
        self.pretrain_epochs = row("pretrain_epochs", "Pre-training", QSpinBox(),
                                   "Epochs of greedy layer-wise pre-training per layer before training "
                                   "(stacked autoencoder; 0 = off)",
                                   at=form.getWidgetPosition(self.layers.parentWidget())[0] + 1)
        self.pretrain_epochs.setRange(0, 1000)
        self.orientation = row("orientation", "Observation", QComboBox(),
                               "What one observation is. Each user: their ratings of every movie go in "
                               "(one input per movie).\nEach movie: its ratings by every user go in (one "
                               "input per user), as in I-AutoRec.\nThe held-out ratings are the same either "
                               "way: the split is always made per user.", at=0)
        for text, key in ORIENTATION_CHOICES:
            self.orientation.addItem(text, key)
        self.pretrain_epochs.setSuffix(" epochs / layer")
        self._form = form
        for combo in (self.kind, self.sparsity_penalty, self.noise, self.orientation):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
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
        for w in (self.layers, self.lr, self.momentum, self.weight_decay, self.weight_penalty, self.test_fraction,
                  self.sparsity_target, self.sparsity_weight, self.l1_weight, self.noise_level,
                  self.contractive_weight, self.beta, self.dropout):
            w.textChanged.connect(self._revalidate)
        for w in (self.hidden, self.output, self.loss, self.optimizer, self.batch_mode, self.kind,
                  self.sparsity_penalty, self.noise, self.orientation):
            w.currentIndexChanged.connect(self._revalidate)
        for w in (self.bias, self.tied, self.shuffle, self.implicit):
            w.toggled.connect(self._revalidate)
        for w in (self.batch_k, self.seed, self.pretrain_epochs, self.anneal_steps):
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
        self.tied.setChecked(bool(c.tied))
        self.loss.setCurrentText(c.loss)
        self.optimizer.setCurrentText(c.optimizer)
        self.lr.setText(f"{c.lr:g}")
        self.momentum.setText(f"{c.momentum:g}")
        self.weight_decay.setText(f"{c.weight_decay:g}")
        self.weight_penalty.setText(f"{c.weight_penalty:g}")
        self._select(self.orientation, c.orientation)
        mode = "one" if c.batch_size == 1 else ("all" if c.batch_size == 0 else "k")
        self.batch_mode.setCurrentIndex([k for _, k in BATCH_MODES].index(mode))
        if mode == "k":
            self.batch_k.setValue(c.batch_size)
        self.shuffle.setChecked(bool(c.shuffle))
        self.seed.setValue(int(c.seed))
        self.test_fraction.setText(f"{c.test_fraction:g}")
        self._select(self.kind, c.kind)
        self._select(self.sparsity_penalty, c.sparsity_penalty)
        self.sparsity_target.setText(f"{c.sparsity_target:g}")
        self.sparsity_weight.setText(f"{c.sparsity_weight:g}")
        self.l1_weight.setText(f"{c.l1_weight:g}")
        self._select(self.noise, c.noise)
        self.noise_level.setText(f"{c.noise_level:g}")
        self.contractive_weight.setText(f"{c.contractive_weight:g}")
        self.pretrain_epochs.setValue(int(c.pretrain_epochs))
        self.beta.setText(f"{c.beta:g}")
        self.anneal_steps.setValue(int(c.anneal_steps))
        self.dropout.setText(f"{c.dropout:g}")
        self.implicit.setChecked(bool(c.implicit))
        self._applied = self._read()[0]  # as the fields show it (formatting rounds floats)
        self._revalidate()

    @staticmethod
    def _select(combo: QComboBox, key):
        i = combo.findData(key)
        if i >= 0:
            combo.setCurrentIndex(i)

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
                                  ("weight_penalty", self.weight_penalty, "weight penalty"),
                                  ("test_fraction", self.test_fraction, "test fraction")):
            try:
                values[key] = _number(widget.text(), what)
            except ValueError as exc:
                errors[key] = str(exc)
        mode = self.batch_mode.currentData()
        values["batch_size"] = {"one": 1, "all": 0}.get(mode, self.batch_k.value())
        self.batch_k.setEnabled(mode == "k")
        self.momentum.setEnabled("momentum" in OPTIMIZERS[self.optimizer.currentText()].defaults)  # Adam: its betas
        values.update(hidden_activation=self.hidden.currentText(), output_activation=self.output.currentText(),
                      bias=self.bias.isChecked(), tied=self.tied.isChecked(), loss=self.loss.currentText(),
                      optimizer=self.optimizer.currentText(), shuffle=self.shuffle.isChecked(),
                      seed=self.seed.value(), implicit=self.implicit.isChecked(),
                      orientation=self.orientation.currentData())
        self._read_type(values, errors)
        cfg = None
        try:
            cfg = self._base.with_(**values)
            for msg in cfg.problems():
                key = next((k for word, k in _KEYWORDS if word in msg), "layers")
                errors.setdefault(key, msg)
        except (TypeError, ValueError) as exc:
            errors.setdefault("layers", str(exc))
        return cfg, errors

    def active_type_fields(self) -> set[str]:
        """The type parameters that matter for the chosen type (the others are hidden)."""
        kind = self.kind.currentData()
        fields = set(TYPE_FIELDS.get(kind, ()))
        if kind == "sparse":
            other = "l1" if self.sparsity_penalty.currentData() == "kl" else "kl"
            fields -= set(PENALTY_FIELDS[other])
        return fields

    def _read_type(self, values: dict, errors: dict):
        """The type and its own parameters; the other types' fields keep their last values."""
        kind = self.kind.currentData()
        values["kind"] = kind
        values["pretrain_epochs"] = self.pretrain_epochs.value()
        active = self.active_type_fields()
        for key in TYPE_FIELDS.get(kind, ()):
            self._form.setRowVisible(self._inputs[key].parentWidget(), key in active)
        for kind_ in TYPE_FIELDS:
            if kind_ != kind:
                for key in TYPE_FIELDS[kind_]:
                    self._form.setRowVisible(self._inputs[key].parentWidget(), False)
        self.kind_help.setText(KIND_DESCRIPTIONS.get(kind, "").capitalize())
        if "sparsity_penalty" in active:
            values["sparsity_penalty"] = self.sparsity_penalty.currentData()
            if values["sparsity_penalty"] == "kl" and self.hidden.currentText() != "sigmoid":
                errors["sparsity_penalty"] = ("KL sparsity needs sigmoid hidden units (activations between "
                                              "0 and 1): choose the sigmoid hidden activation or L1")
        if "noise" in active:
            values["noise"] = self.noise.currentData()
        if "anneal_steps" in active:
            values["anneal_steps"] = self.anneal_steps.value()
        checks = {  # key: (widget, words, test, message when the test fails)
            "sparsity_target": (self.sparsity_target, "sparsity target", lambda v: 0 < v < 1,
                                "sparsity target must lie strictly between 0 and 1"),
            "sparsity_weight": (self.sparsity_weight, "sparsity weight", lambda v: v >= 0,
                                "sparsity weight must be zero or positive"),
            "l1_weight": (self.l1_weight, "L1 weight", lambda v: v >= 0, "L1 weight must be zero or positive"),
            "noise_level": (self.noise_level, "noise level",
                            (lambda v: 0 <= v < 1) if self.noise.currentData() == "mask" else (lambda v: v >= 0),
                            "masking noise level is a fraction in [0, 1)" if self.noise.currentData() == "mask"
                            else "gaussian noise level is a standard deviation: zero or positive"),
            "contractive_weight": (self.contractive_weight, "contractive weight", lambda v: v >= 0,
                                   "contractive weight must be zero or positive"),
            "beta": (self.beta, "KL weight", lambda v: v >= 0, "beta (the KL weight) must be zero or positive"),
            "dropout": (self.dropout, "input dropout", lambda v: 0 <= v < 1,
                        "input dropout is a fraction in [0, 1)"),
        }
        for key, (widget, what, ok, msg) in checks.items():
            if key not in active:
                continue
            try:
                v = _number(widget.text(), what)
            except ValueError as exc:
                errors[key] = str(exc)
                continue
            if not ok(v):
                errors[key] = msg
            else:
                values[key] = v

    # ----------------------------------------------------------------------------- checking
    @property
    def applied(self) -> bool:
        """True while the fields show the model that trains (no edit waiting for Apply)."""
        return self._is_applied

    @Slot()
    def _revalidate(self, *_):
        cfg, self.errors = self._read()
        for key, label in self._error_labels.items():
            msg = self.errors.get(key)
            label.setText(msg or "")
            label.setVisible(bool(msg))
            w = self._inputs[key]
            if isinstance(w, QLineEdit):
                w.setStyleSheet(_BAD if msg else "")
        self.apply_button.setEnabled(not self.errors)
        n = len(self.errors)
        applied = not self.errors and cfg == self._applied
        words = [] if applied else [f"<b>Not applied</b>: the network still trains on "
                                    f"{escape(describe(self._base))}. Apply rebuilds it."]
        if n:
            words.append(f"{n} field{'s' if n > 1 else ''} to fix before Apply")
        self.status.setText("<br>".join(words))
        self.status.setStyleSheet("color: #666;" if applied else
                                  "color: #8a4b00; background: #fff4d6; padding: 4px; border-radius: 3px;")
        self.apply_button.setStyleSheet("" if applied else "font-weight: bold;")
        if applied != self._is_applied:
            self._is_applied = applied
            self.appliedChanged.emit(applied)

    def field_error(self, key: str) -> str:
        """The message shown beside field `key` ('' when it is fine)."""
        return self.errors.get(key, "")

    def field(self, key: str) -> QWidget:
        """The input widget of field `key` (a config field's name: "layers", "rho", ...)."""
        return self._inputs[key]

    @Slot()
    def _apply(self):
        cfg = self.config()
        if cfg is not None:
            self.applyRequested.emit(cfg)
