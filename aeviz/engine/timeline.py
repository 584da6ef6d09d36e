"""The run's past: exact moments to go back to, by epoch or by update, and the branches left behind.

One rule, one owner: a `Moment` (trainer.py) is everything that makes the trainer between two
updates (weights, optimizer state, counters, this epoch's losses, the random generator and the
epoch's order), and restoring it then training on gives, bit for bit, what training gave the first
time. The `Timeline` decides which moments to keep and how to get back to any update from them:

* every epoch end, whole (exact float32/64 copies, no lossy format): scrubbing to an epoch is a
  memory copy. Byte-shuffled XOR deltas + zlib were measured on MovieLens-100k's default model:
  78 % of the raw size for 40-90 ms an epoch (Adam's moment estimates change everywhere), so
  whole copies it is. Over the memory `budget_bytes`, epochs are thinned evenly (the first and the
  latest only when nothing else is left; never the best); the scrubber snaps to the nearest kept one.
* within the run, the start of every update while stepping by hand or playing slowly (`keep_undo`),
  every STEP_EVERY-th update at full speed, within STEP_SHARE of the budget. Any other update is
  reached by *replay*: from the latest kept moment before it, the same batches again
  (`step_batch`, the vectorised path, bit-identical for batches of one). A batch of several
  stepped phase by phase, or a weight edited, is a barrier replay never crosses (its own moment
  is kept instead), because those numbers differ from the vectorised path's by rounding.

Going back leaves the trainer *behind the head*; training from there starts a branch: the kept
moments of the old future are dropped and its epoch records stay in `branches` (drawn dimmed)
until `discard_branches`. Not restored: a KL penalty's running average (`running` > 0).
"""
from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass

from typing import NamedTuple

import numpy as np

DEFAULT_BUDGET = 500 << 20  # bytes: a 500-epoch ML-100k run of the default model fits (~420 MB)
STEP_SHARE = 0.125  # of the budget, for moments within epochs (the last few thousand updates)
STEP_EVERY = 64  # at full speed, one moment every this many updates (replay covers the rest)


class Moment(NamedTuple):
    """Everything that makes the trainer between two updates (`Trainer.moment()` takes one,
    `Trainer.go_to(m)` restores it): training on from it repeats the first run bit for bit."""
    params: np.ndarray
    optimizer: dict  # Optimizer.state_dict()
    epoch: int
    k: int  # position in the epoch's order
    steps: int
    updates: int
    history: tuple  # EpochRecords so far
    rng_state: dict
    order: np.ndarray  # this epoch's order
    epoch_losses: np.ndarray  # float64, this epoch so far
    epoch_penalties: np.ndarray
    grads: np.ndarray | None = None  # only when gradients accumulate across updates

    @property
    def nbytes(self) -> int:
        arrays = [self.params, self.order, self.epoch_losses, self.epoch_penalties, self.grads,
                  *self.optimizer["buffers"].values()]
        return sum(a.nbytes for a in arrays if a is not None) + 64 * len(self.history) + 512


def _refuse(message: str):
    from .trainer import PhaseError  # the trainer imports this module
    raise PhaseError(message)


@dataclass(frozen=True)
class TimelineView:
    """What a viewer draws of the timeline, immutable (a snapshot carries it)."""
    kept_epochs: tuple  # epochs whose end can be shown exactly
    head_epoch: int  # the furthest epoch this branch reached
    epoch: int  # the trainer's completed epochs now
    at_head: bool  # False after going back: training from here starts a branch
    memory_bytes: int
    budget_bytes: int
    records: tuple  # this branch's EpochRecords up to its head
    branches: tuple  # old futures, each a tuple of EpochRecords (the first one: the branch point)
    can_step_back: bool


class Timeline:
    """Keeps moments of one trainer's run and takes the trainer back to them (see the module)."""

    def __init__(self, budget_bytes: int = DEFAULT_BUDGET):
        self.enabled = True  # off only to measure what it costs (benchmarks/timeline.py)
        self.budget_bytes = int(budget_bytes)
        self.branches: list[tuple] = []
        self.clear()

    def clear(self):
        """Forget the whole past (a network re-initialised)."""
        self._moments: dict[int, Moment] = {}  # by update count
        self._epoch_at: dict[int, int] = {}  # epoch -> update count of its end
        self._barriers: set[int] = set()  # update u cannot be replayed from before it
        self._force = False
        self._replaying = False
        self._behind = False
        self._records: tuple = ()
        self._epoch_bytes = self._step_bytes = 0
        self.branches = []
        self._version = 0
        self._view = None

    # ------------------------------------------------------------------------------ reading
    @property
    def memory_bytes(self) -> int:
        return self._epoch_bytes + self._step_bytes

    @property
    def epoch_bytes(self) -> int:
        """Of `memory_bytes`, what the kept epoch ends take (the rest: moments within epochs)."""
        return self._epoch_bytes

    @property
    def kept_epochs(self) -> tuple:
        return tuple(sorted(self._epoch_at))

    def has_epoch(self, epoch) -> bool:
        return epoch is not None and epoch in self._epoch_at

    @property
    def head(self) -> int:
        """The update count of the furthest moment kept on this branch."""
        return max(self._moments) if self._moments else 0

    def set_budget(self, budget_bytes: int):
        self.budget_bytes = max(0, int(budget_bytes))
        self._trim()
        self._version += 1

    def view(self, trainer) -> TimelineView:
        key = (self._version, trainer.updates, trainer.epoch, trainer.batch_fill, trainer.next_phase,
               self._behind)
        if self._view is None or self._view[0] != key:
            records = self._records if len(self._records) >= len(trainer.history) else tuple(trainer.history)
            view = TimelineView(
                kept_epochs=self.kept_epochs, head_epoch=len(records), epoch=trainer.epoch,
                at_head=not self._behind, memory_bytes=self.memory_bytes, budget_bytes=self.budget_bytes,
                records=records, branches=tuple(self.branches), can_step_back=self._can_step_back(trainer))
            self._view = (key, view)
        return self._view[1]

    # ------------------------------------------------------------------- the trainer's hooks
    def before_batch(self, trainer):
        """At the start of every batch (the trainer calls it): keep this moment if due."""
        if self._replaying or not self.enabled:
            return
        if self._behind:
            self._branch(trainer)
        u = trainer.updates
        if trainer.k == 0 and trainer.epoch not in self._epoch_at:
            self._keep(trainer, epoch=True)
        elif self._force or (u not in self._moments and (trainer.keep_undo or u % STEP_EVERY == 0)):
            self._keep(trainer)
        self._force = False

    def phased_update(self, trainer):
        """A batch of several stepped phase by phase is about to be applied: replay (vectorised)
        would round differently, so it is a barrier, and the moment after it is kept."""
        if not self._replaying:
            self._barriers.add(trainer.updates + 1)
            self._force = True

    def edited(self, trainer):
        """A weight or the order was changed by hand: keep the moment after it."""
        if self._replaying:
            return
        if trainer.batch_fill or trainer.next_phase != "forward":
            self._barriers.add(trainer.updates + 1)
        self._force = True

    def epoch_ended(self, trainer):
        """The end of an epoch (trainer.k is 0 again): keep it whole."""
        if self._replaying or not self.enabled:
            return
        if self._behind:
            self._branch(trainer)
        self._keep(trainer, epoch=True)

    def keep_epoch(self, trainer):
        """Keep the trainer's epoch end now (a model opened at its best epoch: Ctrl+B comes back)."""
        if trainer.k == 0 and trainer.batch_fill == 0 and trainer.next_phase == "forward":
            self._keep(trainer, epoch=True)

    # ------------------------------------------------------------------------------ going back
    def go_to_epoch(self, trainer, epoch: int) -> int:
        """The end of `epoch` (the nearest kept one); returns the epoch shown."""
        if not self._epoch_at:
            _refuse("no epoch has been kept yet: train first")
        kept = self.kept_epochs
        epoch = min(kept, key=lambda e: (abs(e - int(epoch)), e))
        self._leave_head(trainer)
        self._restore(trainer, self._moments[self._epoch_at[epoch]])
        return epoch

    def go_to_update(self, trainer, target: int):
        """The start of update `target + 1` (after `target` updates), exactly: the latest kept
        moment before it, then the same batches again."""
        base = self._base_for(target)
        if base is None:
            _refuse(f"update {target} is older than the kept past (raise the timeline's memory)")
        self._leave_head(trainer)
        self._restore(trainer, self._moments[base])
        if base < target:
            with self._muted():
                while trainer.updates < target:
                    trainer.step_batch()
            # the replayed epochs' records are the first run's (same numbers; their wall times)
            trainer.history = list(self._records[:trainer.epoch])
        self._behind = trainer.updates < self.head

    def latest(self, trainer):
        """Back to the furthest point of this branch."""
        self.go_to_update(trainer, self.head)

    def undo(self, trainer):
        """Back to the start of the last update's batch."""
        self.go_to_update(trainer, trainer.updates - 1)

    def can_undo(self, trainer) -> bool:
        return trainer.updates > 0 and self._base_for(trainer.updates - 1) is not None

    def step_back(self, trainer) -> str:
        """One phase back, as a person stepping reads it: after an update, 'Update undone' (the
        batch's gradients, weights before the change); then 'Backward undone' (the observation
        forwarded; a batch of several goes straight back to its start); then 'Forward undone'
        (the end of the update before). Returns what was undone."""
        boundary = self._at_boundary(trainer)
        if boundary and trainer.updates == 0:
            _refuse("this is the start of the run: there is nothing to step back to")
        if boundary:
            self.go_to_update(trainer, trainer.updates - 1)
            with self._muted():  # showing the past's phases is no training: no branch
                trainer.prepare_update()
            return "Update undone"
        start = trainer.updates  # mid-batch: its start is update count `updates`
        single = trainer.batch_size == 1
        if trainer.next_phase == "update" and single:
            self.go_to_update(trainer, start)
            with self._muted():
                trainer.forward()
                trainer.compute_loss()
            return "Backward undone"
        self.go_to_update(trainer, start)
        return "Forward undone" if single else "Batch undone"

    def continue_here(self, trainer):
        """Make where the trainer stands the head: the old future becomes a branch."""
        if self._behind:
            self._branch(trainer)

    def discard_branches(self, trainer=None):
        self.branches = []
        self._version += 1

    # ------------------------------------------------------------------------------ internals
    @contextlib.contextmanager
    def _muted(self):
        """The trainer steps for the timeline itself (replay, a past phase shown): its hooks
        keep nothing and start no branch."""
        self._replaying = True
        try:
            yield
        finally:
            self._replaying = False

    @staticmethod
    def _at_boundary(trainer) -> bool:
        return trainer.batch_fill == 0 and trainer.next_phase == "forward"

    def _can_step_back(self, trainer) -> bool:
        if self._at_boundary(trainer):
            return trainer.updates > 0 and self._base_for(trainer.updates - 1) is not None
        return self._base_for(trainer.updates) is not None

    def _base_for(self, target: int):
        if target < 0:
            return None
        best = None
        for i in self._moments:
            if i <= target and (best is None or i > best):
                best = i
        if best is None or any(best < b <= target for b in self._barriers):
            return None
        return best

    def _keep(self, trainer, epoch: bool = False):
        m = trainer.moment()
        was_epoch = self._epoch_at.get(m.epoch) == m.updates
        if epoch and m.epoch in self._epoch_at and not was_epoch:  # one end per epoch
            self._forget(self._epoch_at[m.epoch])
        if m.updates in self._moments:
            self._forget(m.updates)
        self._moments[m.updates] = m
        if epoch or was_epoch:
            self._epoch_at[m.epoch] = m.updates
            self._epoch_bytes += m.nbytes
        else:
            self._step_bytes += m.nbytes
        if len(trainer.history) >= len(self._records):
            self._records = tuple(trainer.history)
        self._trim(keep_best=trainer.best_epoch)
        self._version += 1

    def _forget(self, u: int):
        m = self._moments.pop(u)
        if self._epoch_at.get(m.epoch) == u:
            del self._epoch_at[m.epoch]
            self._epoch_bytes -= m.nbytes
        else:
            self._step_bytes -= m.nbytes

    def _trim(self, keep_best=None):
        head = self.head
        step_budget = STEP_SHARE * self.budget_bytes
        epoch_ends = set(self._epoch_at.values())
        while self._step_bytes > step_budget:
            steps = sorted(u for u in self._moments if u not in epoch_ends and u != head)
            if not steps:
                break
            sparse = [u for u in steps if u % STEP_EVERY]
            self._forget((sparse or steps)[0])
        while self._epoch_bytes > self.budget_bytes - step_budget and len(self._epoch_at) > 1:
            kept = self.kept_epochs
            # the one whose neighbours are closest goes; the first and the latest only when a
            # model is so big that nothing else is left (never the best, never where it stands)
            gaps = [(kept[i + 1] - kept[i - 1] if 0 < i < len(kept) - 1 else math.inf, kept[i])
                    for i in range(len(kept)) if kept[i] != keep_best and self._epoch_at[kept[i]] != head]
            if not gaps:
                break
            self._forget(self._epoch_at[min(gaps)[1]])

    def _leave_head(self, trainer):
        """Before going back from the head: keep where it stands, so 'latest' can come back."""
        if not self._behind and self._at_boundary(trainer) and self.enabled:
            self._keep(trainer, epoch=trainer.k == 0 and trainer.epoch not in self._epoch_at)
            if len(trainer.history) >= len(self._records):
                self._records = tuple(trainer.history)

    def _restore(self, trainer, moment):
        trainer.go_to(moment)
        self._behind = moment.updates < self.head
        self._version += 1

    def _branch(self, trainer):
        """Training goes on from behind the head: drop the old future's moments, keep its curve."""
        here = trainer.updates
        for u in [u for u in self._moments if u > here]:
            self._forget(u)
        self._barriers = {b for b in self._barriers if b <= here}
        n = len(trainer.history)
        if len(self._records) > n:
            self.branches.append(self._records[max(n - 1, 0):])
        self._records = tuple(trainer.history)
        self._behind = False
        self._version += 1

    # ------------------------------------------------------------------------------ saving
    def epoch_moments(self) -> list:
        """The kept epoch ends, in order (what 'Save with history' writes)."""
        return [self._moments[self._epoch_at[e]] for e in self.kept_epochs]

    @property
    def records(self) -> tuple:
        return self._records

    def adopt(self, trainer, moments, records):
        """Take saved epoch ends (and the branch's records) as this timeline's past; a trainer
        standing at one of them (saved at an epoch end) continues exactly from it."""
        for m in moments:
            self._moments[m.updates] = m
            self._epoch_at[m.epoch] = m.updates
            self._epoch_bytes += m.nbytes
        if len(records) > len(self._records):
            self._records = tuple(records)
        here = self._moments.get(trainer.updates)
        if here is not None and here.epoch == trainer.epoch and np.array_equal(here.params, trainer.network.params):
            trainer.go_to(here)  # its order and random draws too
        self._behind = bool(self._moments) and trainer.updates < self.head
        self._trim()
        self._version += 1
