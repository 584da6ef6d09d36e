"""Every training run since the app was opened: what it was, on which data, and its curves.

TensorBoard keeps runs so they can be laid over each other; here a run is one network built for
one configuration on one dataset (a rebuild, a reset, a preset, a model opened from a file), and
its curves are the epoch history of that network as it stands now (Undo and Go back to the best
epoch shorten it, as they shorten the loss plot). Plain data, no Qt: the Runs panel draws it,
`write_runs_csv` exports it.
"""
from __future__ import annotations

import csv
import math
import os
import time
from dataclasses import dataclass, field

import numpy as np

from .atomic import atomic_write

# metric name -> EpochRecord attribute: the curves a run has, per epoch
METRICS = {"train_rmse": "train_rmse", "validation_rmse": "val_rmse", "test_rmse": "test_rmse",
           "mean_loss": "mean_loss", "penalty": "penalty"}
METRIC_TITLES = {"train_rmse": "train RMSE", "validation_rmse": "validation RMSE",
                 "test_rmse": "test RMSE", "mean_loss": "mean loss", "penalty": "penalty"}
CSV_COLUMNS = ("run", "label", "epoch", "metric", "value")


@dataclass(frozen=True)
class DataIdentity:
    """Which data a run trained on: the file's name and the ratings' own fingerprint (a sha256
    over the matrix and its ids: the same file renamed is the same data, an edited one is not)."""
    name: str
    content_hash: str
    n_users: int
    n_items: int
    nnz: int

    def describe(self) -> str:
        short = f" · {self.content_hash[:8]}" if self.content_hash else ""
        return f"{self.name or 'data'} ({self.n_users}×{self.n_items}, {self.nnz:,} ratings){short}"


def data_identity(ratings, path: str | None = None) -> DataIdentity:
    """The identity of `ratings` (any object with n_users, n_items; nnz and content_hash() if it
    has them), named after `path` or the ratings' own `source`."""
    src = path or getattr(ratings, "source", "") or ""
    digest = ratings.content_hash() if hasattr(ratings, "content_hash") else ""
    return DataIdentity(os.path.basename(os.fspath(src)) if src else "", str(digest),
                        int(ratings.n_users), int(ratings.n_items), int(getattr(ratings, "nnz", 0)))


def describe_config(config) -> str:
    """A run's settings in a few words: type, layers, optimizer, learning rate, orientation."""
    kind = config.kind
    if kind == "denoising":
        kind = f"denoising ({config.noise} {config.noise_level:g})"
    parts = [kind, "-".join(str(h) for h in config.hidden), f"{config.optimizer} lr {config.lr:g}"]
    if config.batch_size != 1:
        parts.append(f"batch {config.batch_size or 'all'}")
    if config.orientation != "user":
        parts.append(f"{config.orientation}-based")
    return ", ".join(parts)


@dataclass
class Run:
    """One run: its number (1, 2, ... in the order started), label, configuration (its seed is
    `config.seed`), data identity and epoch history (EpochRecords, immutable)."""
    number: int
    label: str
    config: object
    data: DataIdentity
    started: float = field(default_factory=time.time)
    history: tuple = ()

    @property
    def seed(self) -> int:
        return int(self.config.seed)

    @property
    def epochs(self) -> int:
        return len(self.history)

    def curve(self, metric: str) -> tuple[np.ndarray, np.ndarray]:
        """(epochs, values) of `metric`; a missing value (no validation set, say) is NaN."""
        attr = METRICS[metric]
        x = np.array([h.epoch for h in self.history], dtype=float)
        y = np.array([_value(getattr(h, attr, None)) for h in self.history], dtype=float)
        return x, y

    def final(self, metric: str) -> float | None:
        """The last epoch's value (None before the first epoch ends or without that set)."""
        _, y = self.curve(metric)
        return float(y[-1]) if y.size and math.isfinite(y[-1]) else None

    def best(self, metric: str) -> tuple[int, float] | None:
        """(epoch, lowest value) of `metric`, or None."""
        x, y = self.curve(metric)
        if not np.isfinite(y).any():
            return None
        i = int(np.nanargmin(y))
        return int(x[i]), float(y[i])

    def test_at_best_validation(self) -> float | None:
        """The test RMSE of the epoch the validation set chose: the honest 'best' test figure
        (choosing the epoch by its test RMSE would make that figure no longer held out)."""
        best = self.best("validation_rmse")
        if best is None:
            return None
        for h in self.history:
            if h.epoch == best[0]:
                return _value(h.test_rmse) if math.isfinite(_value(h.test_rmse)) else None
        return None


def _value(v) -> float:
    return float("nan") if v is None else float(v)


class RunRegistry:
    """The runs of this session, in order; the last one started is the current one.

    The one rule for whose curves a history is: a run keeps the first EpochRecord it was given
    (records are immutable objects a trainer keeps while it lives), and a history that starts with
    another run's first record belongs to that other run, never to the current one. A snapshot of
    the network just replaced, arriving after the new run started, is therefore never mistaken
    for the new run's, and a stale empty history never wipes a run's curves."""

    def __init__(self):
        self._runs: list[Run] = []

    @property
    def runs(self) -> tuple[Run, ...]:
        return tuple(self._runs)

    @property
    def current(self) -> Run | None:
        return self._runs[-1] if self._runs else None

    def start(self, config, data: DataIdentity, label: str | None = None) -> Run:
        """A new run (a network was built); it becomes the current one."""
        n = len(self._runs) + 1
        run = Run(n, label or f"run {n}: {describe_config(config)}, seed {config.seed}", config, data)
        self._runs.append(run)
        return run

    def record(self, history) -> bool:
        """The current run's history is now `history` (a snapshot's); False if it was refused
        (the class rule: it starts with another run's record, or would wipe the run's curves)."""
        run = self.current
        history = tuple(history or ())
        if run is None:
            return False
        if not history:
            if run.history:
                return False
            return True
        first = history[0]
        if any(r is not run and r.history and r.history[0] is first for r in self._runs):
            return False
        if run.history and run.history[0] is not first:
            return False
        run.history = history
        return True

    def rows(self):
        """The long-format rows (run, label, epoch, metric, value) of every run; missing or
        non-finite values are left out, never written as 'nan'."""
        for run in self._runs:
            for h in run.history:
                for metric, attr in METRICS.items():
                    v = getattr(h, attr, None)
                    if v is None or not math.isfinite(float(v)):
                        continue
                    yield run.number, run.label, int(h.epoch), metric, float(v)


def write_runs_csv(path, registry: RunRegistry):
    """All runs as one CSV, long format (CSV_COLUMNS), written atomically."""
    def write(fh):
        w = csv.writer(fh)
        w.writerow(CSV_COLUMNS)
        for number, label, epoch, metric, value in registry.rows():
            w.writerow([number, label, epoch, metric, repr(value)])
    return atomic_write(path, write)
