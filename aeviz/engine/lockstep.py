"""Two networks stepped in lockstep: the same data, order and seed, one setting different.

"Does denoising really help?" is only answered fairly when everything else is equal: the same
split, the same starting weights (the same seed), the same observations in the same order. A
`Lockstep` runs every stepping command on both trainers and keeps them there; `frame()` is what a
viewer draws: both snapshots, the difference in loss of each observation, and the weights that
have drifted apart most.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .snapshot import Snapshot, frozen
from .trainer import DivergenceError, PhaseError

COMMANDS = ("step_phase", "forward", "backward", "update", "step_observation", "step_batch",
            "step_epoch", "undo")
TOP_EDGES = 12  # weights marked as having diverged most

# the second network's setting: key -> (title, change of the first network's configuration).
# None of them changes the split (seed, fractions, orientation) or the batch size, so both
# networks see the same observations in the same batches.
VARIANTS = {
    "denoising": ("Denoising: masking noise 0.25", lambda c: c.with_(kind="denoising", noise="mask",
                                                                     noise_level=0.25)),
    "plain": ("Plain: no noise, no penalty", lambda c: c.with_(kind="plain")),
    "sgd": ("SGD with momentum 0.9, lr 0.01", lambda c: c.with_(optimizer="sgd", momentum=0.9, lr=0.01)),
    "adam": ("Adam, lr 0.001", lambda c: c.with_(optimizer="adam", lr=0.001, momentum=0.0)),
    "lr_x10": ("Learning rate × 10", lambda c: c.with_(lr=c.lr * 10)),
    "relu": ("ReLU hidden units", lambda c: c.with_(hidden_activation="relu")),
    "sparse": ("Sparse: KL penalty towards 5% activity", lambda c: c.with_(kind="sparse")),
}


def variant(config, key: str):
    """`config` with variant `key` applied (VARIANTS)."""
    return VARIANTS[key][1](config)


def default_variant(config) -> str:
    """The natural question for `config`: denoising for a plain network, else plain."""
    return "denoising" if config.kind != "denoising" else "plain"


@dataclass(frozen=True)
class Divergence:
    """The weights that differ most between the two networks: per marked edge its weight layer,
    row (target unit), column (source unit) and both values; and per weight layer how far apart
    the two matrices are, ||Wa - Wb|| / ||Wa|| (0 = identical)."""
    layer: np.ndarray
    row: np.ndarray
    col: np.ndarray
    weight_a: np.ndarray
    weight_b: np.ndarray
    relative: tuple

    @property
    def difference(self) -> np.ndarray:
        return self.weight_a - self.weight_b


def divergence(weights_a, weights_b, k: int = TOP_EDGES) -> Divergence:
    """The `k` weights with the largest |Wa - Wb| over all layers (only those that differ)."""
    diffs = [np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)) for a, b in zip(weights_a, weights_b)]
    flat = np.concatenate([d.ravel() for d in diffs]) if diffs else np.zeros(0)
    flat = np.where(np.isfinite(flat), flat, 0.0)
    k = int(min(k, np.count_nonzero(flat)))
    pick = np.argpartition(-flat, k - 1)[:k] if k else np.zeros(0, dtype=np.int64)
    pick = pick[np.argsort(-flat[pick], kind="stable")]
    starts = np.cumsum([0] + [d.size for d in diffs])
    layer = np.searchsorted(starts, pick, side="right") - 1
    rows, cols, wa, wb = [], [], [], []
    for p, l in zip(pick, layer):
        r, c = np.divmod(int(p - starts[l]), diffs[l].shape[1])
        rows.append(r)
        cols.append(c)
        wa.append(float(weights_a[l][r, c]))
        wb.append(float(weights_b[l][r, c]))
    rel = []
    for a, d in zip(weights_a, diffs):
        na = float(np.linalg.norm(a))
        rel.append(float(np.linalg.norm(d)) / na if na > 0 else float(np.linalg.norm(d)))
    return Divergence(frozen(np.asarray(layer, np.int64)), frozen(np.asarray(rows, np.int64)),
                      frozen(np.asarray(cols, np.int64)), frozen(np.asarray(wa)), frozen(np.asarray(wb)),
                      tuple(rel))


@dataclass(frozen=True)
class LockstepFrame:
    """One picture of the pair, immutable: what the Compare window draws."""
    a: Snapshot
    b: Snapshot
    labels: tuple  # (label of a, label of b)
    loss_difference: np.ndarray  # loss(a) - loss(b) per observation of this epoch
    divergence: Divergence | None  # None when the networks' shapes differ
    stopped: str | None  # why the pair can no longer step together (a network diverged)


class Lockstep:
    """Runs each stepping command on trainer `a`, then on `b`, and keeps them in step.

    The rule, written once: after every command both stand at the same epoch, position in the
    epoch, phase and next phase, with the same counters, on the same order of observations. `b`
    takes `a`'s order at the start of each epoch: the order is drawn from each trainer's own
    random stream, which a denoising network also draws its noise from, so left alone the two
    orders would part after the first epoch. If `b` fails a step `a` has done (it diverged), the
    pair is out of step: it stops, and says why, until it is rebuilt."""

    def __init__(self, a, b, labels=("A", "B")):
        if a.n_observations != b.n_observations or not np.array_equal(a.trainable_rows, b.trainable_rows):
            raise ValueError("the two settings do not train on the same observations (a different split)")
        if a.batch_size != b.batch_size:
            raise ValueError(f"the two settings update after different batches ({a.batch_size} and "
                             f"{b.batch_size} observations): lockstep needs the same batch size")
        self.a, self.b = a, b
        self.labels = tuple(labels)
        self.stopped: str | None = None
        for t in (a, b):
            t.keep_undo = True
        self._sync_order()

    # ---------------------------------------------------------------------------- stepping
    def run(self, command: str):
        """Run `command` (COMMANDS) on both; raises PhaseError (refused, nothing changed) or
        DivergenceError (the message names the network)."""
        if command not in COMMANDS:
            raise ValueError(f"unknown command {command!r}")
        if self.stopped:
            raise PhaseError(self.stopped)
        if command == "undo" and not (self.a.can_undo and self.b.can_undo):
            raise PhaseError("there is no step to undo")
        try:
            self._one(self.a, command)
        except DivergenceError as exc:  # a is as before the step, b not stepped: still in step
            raise DivergenceError(f"{self.labels[0]}: {exc}", exc.layer) from exc
        try:
            self._one(self.b, command)
        except DivergenceError as exc:
            self.stopped = (f"{self.labels[1]} diverged where {self.labels[0]} did not, so the two "
                            f"are no longer in step; Reset starts both again. ({exc})")
            raise DivergenceError(self.stopped, exc.layer) from exc
        self._sync_order()
        if not self.in_step():
            self.stopped = "the two networks fell out of step (a bug): Reset starts both again"
            raise PhaseError(self.stopped)

    @staticmethod
    def _one(t, command):
        if command == "backward":  # the Backward key also measures the loss first, as in the app
            if t.next_phase == "loss":
                t.compute_loss()
            t.backward()
        else:
            getattr(t, command)()

    def _sync_order(self):
        a, b = self.a, self.b
        if a.k == 0 and b.k == 0 and a.next_phase == "forward" and a.batch_fill == 0 \
                and not np.array_equal(a.order, b.order):
            b.order = a.order.copy()

    def position(self, t) -> tuple:
        """Where `t` stands: what must be equal for the two to be in step."""
        return (t.epoch, t.k, t.phase, t.next_phase, t.batch_fill, t.steps, t.updates, t.current_row)

    def in_step(self) -> bool:
        return self.position(self.a) == self.position(self.b) and np.array_equal(self.a.order, self.b.order)

    # ---------------------------------------------------------------------------- drawing
    def frame(self, top_k: int = TOP_EDGES) -> LockstepFrame:
        sa, sb = self.a.snapshot(), self.b.snapshot()
        la = np.asarray(sa.epoch_losses if sa.epoch_losses is not None else (), float)
        lb = np.asarray(sb.epoch_losses if sb.epoch_losses is not None else (), float)
        n = min(la.size, lb.size)
        same_shape = tuple(sa.sizes) == tuple(sb.sizes)
        div = divergence(self.a.network.weights, self.b.network.weights, top_k) if same_shape else None
        return LockstepFrame(sa, sb, self.labels, frozen(la[:n] - lb[:n]), div, self.stopped)
