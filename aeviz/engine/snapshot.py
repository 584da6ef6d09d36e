"""An immutable picture of the trainer at one instant, safe to hand to another thread.

Every array is a private, read-only copy: the worker goes on training while the UI draws the
snapshot, and neither can disturb the other.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def frozen(a):
    """Read-only copy of an array (None stays None)."""
    if a is None:
        return None
    c = np.array(a, copy=True)
    c.flags.writeable = False
    return c


def frozen_list(items):
    if items is None:
        return None
    return tuple(frozen(a) for a in items)


@dataclass(frozen=True, slots=True)  # slots: one per epoch, kept for the whole run (~100 B, not ~400)
class EpochRecord:
    epoch: int
    train_rmse: float
    test_rmse: float | None
    test_rmse_per_user: float | None
    mean_loss: float
    penalty: float
    seconds: float
    val_rmse: float | None = None  # the validation set's: what the best epoch is chosen by


@dataclass(frozen=True)
class Snapshot:
    seq: int
    sizes: tuple
    activation_names: tuple
    bias: bool
    weights: tuple  # per layer (out, in)
    biases: tuple  # per layer, or Nones
    # the current observation
    user_row: int | None
    x_input: np.ndarray | None  # what the network was fed (corrupted when denoising)
    x_target: np.ndarray | None  # clean ratings (0 where not rated)
    mask: np.ndarray | None  # rated entries used in the loss
    heldout_mask: np.ndarray | None  # this user's held-out (test) entries
    heldout_values: np.ndarray | None
    preacts: tuple | None  # a_1..a_L
    activations: tuple | None  # h_0..h_L
    output_error: np.ndarray | None  # y - x on rated entries, 0 elsewhere
    loss: float | None
    penalty: float | None
    deltas: tuple | None
    grad_weights: tuple | None
    grad_biases: tuple | None
    change_weights: tuple | None  # last update's change
    change_biases: tuple | None
    # where training stands
    phase: str  # last completed phase: "idle", "forward", "loss", "backward", "update"
    next_phase: str
    epoch: int  # completed epochs
    position: int  # observations done in the current epoch
    n_observations: int
    batch_size: int
    batch_fill: int  # observations accumulated towards the next update
    steps: int  # observations processed since reset
    updates: int
    history: tuple = ()  # EpochRecord per completed epoch
    epoch_losses: np.ndarray | None = None  # loss of each observation so far this epoch
    epoch_penalties: np.ndarray | None = None
    diverged: str | None = None
    can_undo: bool = False
    best_epoch: int | None = None  # the epoch with the lowest validation RMSE so far
    can_restore_best: bool = False  # its network was kept (Ctrl+B can go back to it)
    tied_with: tuple = ()  # per weight layer: the layer sharing its matrix (tied weights), or None
    baselines: object = None  # read-only {global_mean, item_mean, user_item_bias} test RMSEs, or None
    extras: dict = field(default_factory=dict)
    timeline: object = None  # engine/timeline.TimelineView: the kept past, branches, memory
    light: bool = False  # a drag preview: the network here, extras and curves from the last full one

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1
