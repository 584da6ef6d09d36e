"""The seed's STEPs 2-8 as a state machine: forward -> loss -> backward -> update, one call each.

A teacher steps one phase at a time and sees every intermediate value; Play runs whole batches
through the same mathematics, vectorised. Both paths compute the same numbers: the batch loss is
the mean of per-observation losses, so k single observations accumulated and divided by k equal
one batch of k.
"""
from __future__ import annotations

import functools
import math
import time
from types import MappingProxyType
from typing import NamedTuple

import numpy as np

from .baselines import baseline_rmses
from .evaluation import evaluate
from .optimizers import NonFiniteStep
from .snapshot import EpochRecord, Snapshot, frozen, frozen_list
from .timeline import Moment, Timeline

PHASES = ("forward", "loss", "backward", "update")
CHUNK_VALUES = 1 << 22  # users x movies cells densified at once: 16 MB per float32 array


def _quiet(method):
    """Overflow is detected and reported as divergence, so NumPy's own warnings are noise."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with np.errstate(all="ignore"):
            return method(self, *args, **kwargs)
    return wrapper


class PhaseError(RuntimeError):
    """A phase was asked for out of order (e.g. update before backward)."""


class DivergenceError(ArithmeticError):
    """A step produced NaN or infinity; the network was left as it was before that step."""

    def __init__(self, message: str, layer: str | None = None):
        super().__init__(message)
        self.layer = layer


class CurrentStep(NamedTuple):
    """The observation(s) in flight, as the trainer computed them: the trainer's own arrays, not
    copies (read them in the thread that steps, between two steps; copy what you keep)."""
    rows: np.ndarray  # user rows of the batch in flight; the last one is the one drawn
    trace: object  # the network's ForwardTrace of them
    observation_loss: np.ndarray | None  # loss per row, once a loss phase ran
    grad_y: np.ndarray | None  # dL/dy per row, once a loss phase ran
    gradients: object | None  # the backward pass (its `deltas`), during backward and update


class Trainer:
    """Trains `network` on the rows of `train`, one phase, observation, batch or epoch at a time.

    `validation` (ratings carved from the training ratings, never trained on) chooses: the best
    epoch, going back to it and early stopping all follow the validation RMSE. `test` is only
    reported, so its figure stays a held-out one; without a validation set there is no best epoch."""

    def __init__(self, network, optimizer, loss, train, test=None, batch_size: int = 1,
                 shuffle: bool = False, seed: int = 0, penalties=(), corruption=None,
                 clip=None, accumulate_gradients: bool = False, validation=None,
                 orientation: str = "user", lr_schedule=None):
        if train.n_items != network.sizes[0] or network.sizes[-1] != network.sizes[0]:
            what = "users" if orientation == "item" else "movies"
            raise ValueError(
                f"the network's {network.sizes[0]} inputs and {network.sizes[-1]} outputs must both "
                f"match the data's {train.n_items} {what}")
        self.orientation = orientation  # what a row of train_set is (engine/orientation.py)
        # the learning rate by epoch (schedule.py), set on the optimizer before each update; None:
        # the optimizer's own, untouched
        self.lr_schedule = lr_schedule
        self.network = network
        self.optimizer = optimizer
        self.loss = loss
        self.train_set = train
        self.test_set = test
        self.validation_set = validation
        self.penalties = list(penalties)
        self.corruption = corruption
        self.clip = clip
        self.shuffle = bool(shuffle)
        self.seed = seed
        # The tutorial's script never zeroes its gradients: an explicit, explained option.
        self.accumulate_gradients = bool(accumulate_gradients)
        self.set_batch_size(batch_size)
        counts = self._rated_counts()
        self.trainable_rows = np.flatnonzero(counts > 0)
        self.skipped_rows = int((counts == 0).sum())
        if self.trainable_rows.size == 0:
            raise ValueError("no user has a training rating")
        self.keep_undo = True  # keep every update's moment (stepping by hand), not every 64th
        self.timeline = Timeline()  # the run's past: undo, Ctrl+B and the scrubber (timeline.py)
        self.reset_counters()

    # ----------------------------------------------------------------------------------- set-up
    def _rated_counts(self):
        if hasattr(self.train_set, "rated_counts_per_user"):
            return np.asarray(self.train_set.rated_counts_per_user())
        return np.array([self.train_set.dense_rows([r])[1].sum() for r in range(self.train_set.n_users)])

    def set_batch_size(self, batch_size):
        """0 or None means the whole training set per update (full batch)."""
        self._batch_setting = 0 if not batch_size else int(batch_size)
        if self._batch_setting < 0:
            raise ValueError("batch size must be positive (0 = whole set)")

    @property
    def batch_size(self) -> int:
        n = len(self.order) if hasattr(self, "order") else int(self.trainable_rows.size)
        return n if self._batch_setting == 0 else min(self._batch_setting, n)

    def reset_counters(self):
        """Back to epoch 0, observation 0 (the network itself is re-initialised by the caller)."""
        self.rng = np.random.default_rng(self.seed)
        self.epoch = 0
        self.steps = 0
        self.updates = 0
        self.history: list[EpochRecord] = []
        self._epoch_losses: list[float] = []
        self._epoch_penalties: list[float] = []
        self._epoch_started = time.perf_counter()
        self._new_order()
        self._clear_observation()
        self.last_change = None
        self.diverged: str | None = None
        self.timeline.clear()
        self.stopped_early = False
        self._seq = 0
        self.network.grads.fill(0.0)
        self.optimizer.reset()

    def _new_order(self):
        self.order = self.trainable_rows.copy()
        if self.shuffle:
            self.rng.shuffle(self.order)
        self.k = 0
        self.batch_fill = 0

    def _clear_observation(self):
        self.next_phase = "forward"
        self.phase = "idle"
        self._rows = None
        self._x = self._m = self._x_in = None
        self._trace = None
        self._obs_loss = None
        self._obs_penalty = None
        self._grad_y = None
        self._gradients = None
        self._extra = None

    @property
    def current_step(self) -> CurrentStep | None:
        """The step in flight, for inspection (None between two observations)."""
        if self._trace is None or self.phase == "idle" or self._rows is None:
            return None
        grads = self._gradients if self.phase in ("backward", "update") else None
        return CurrentStep(self._rows, self._trace, self._obs_loss, self._grad_y, grads)

    # ------------------------------------------------------------------------------ positioning
    @property
    def n_observations(self) -> int:
        return int(self.order.size)

    @property
    def current_row(self) -> int:
        return int(self.order[min(self.k, self.order.size - 1)])

    def _batch_bounds(self) -> tuple[int, int]:
        bs = self.batch_size
        start = (self.k // bs) * bs
        return start, min(start + bs, self.order.size)

    def select_observation(self, row: int):
        """Make user `row` the next observation stepped (only between observations)."""
        if self.next_phase != "forward":
            raise PhaseError("finish the current observation before choosing the next one")
        row = int(row)
        hits = np.flatnonzero(self.order == row)
        if hits.size == 0:
            raise ValueError(f"user row {row} has no training ratings")
        pos = int(hits[0])
        self.timeline.edited(self)
        if pos >= self.k:
            self.order[[self.k, pos]] = self.order[[pos, self.k]]
        else:  # already seen this epoch: visit it again now
            self.order = np.insert(self.order, self.k, row)

    # ---------------------------------------------------------------------------------- phases
    @_quiet
    def forward(self):
        """STEP 2-4: feed the current user, encode, decode."""
        self._expect("forward")
        if self.batch_fill == 0:
            self.timeline.before_batch(self)
        self._load_rows(np.array([self.current_row]))
        self._trace = self.network.forward(self._x_in, rng=self.rng)
        t = self._trace
        if not all(np.isfinite(a).all() and np.isfinite(h).all() for a, h in zip(t.preacts, t.outputs)):
            self._diverge("the forward pass")
        self._done("forward", "loss")

    @_quiet
    def compute_loss(self):
        """STEP 5: the reconstruction error on rated entries, plus any penalty."""
        self._expect("loss")
        self._compute_loss()
        self._done("loss", "backward")

    @_quiet
    def backward(self):
        """STEP 6: back-propagate the error; gradients accumulate towards the batch's update."""
        self._expect("backward")
        start, end = self._batch_bounds()
        scale = 1.0 / (end - start)
        self._backward(scale, accumulate=self.batch_fill > 0)
        if not np.isfinite(self.network.grads).all():  # caught here, not at the update: never shown
            self._diverge("the gradients")
        self.batch_fill += 1
        self._record_observation()
        if self.k + 1 >= end:
            self._done("backward", "update")
        else:
            self.k += 1
            self._done("backward", "forward")

    @_quiet
    def update(self):
        """STEP 7: apply the optimizer's change; the end of the batch (and maybe of the epoch)."""
        self._expect("update")
        if self.batch_fill > 1:
            self.timeline.phased_update(self)
        self._apply_update()
        self.k += 1
        self._done("update", "forward")
        if self.k >= self.order.size:
            self._end_epoch()

    def step_phase(self) -> str:
        """Run whichever phase comes next; return its name."""
        phase = self.next_phase
        {"forward": self.forward, "loss": self.compute_loss, "backward": self.backward,
         "update": self.update}[phase]()
        return phase

    def run_to(self, phase: str):
        """Run phases until `phase` has been done, or the observation ends (tests and scripts)."""
        if phase not in PHASES:
            raise ValueError(phase)
        for _ in range(4):
            if self.step_phase() == phase:
                return
            if self.next_phase == "forward":
                return

    # ------------------------------------------------------------------------ coarser granules
    @_quiet
    def step_observation(self):
        """One whole observation: forward, loss, backward (and the update if it closes a batch)."""
        if self.next_phase == "forward" and self.batch_fill == 0 and self.batch_size == 1:
            self._fast_batch()
            return
        start_k, start_epoch = self.k, self.epoch
        while True:
            self.step_phase()
            if self.next_phase == "forward" and (self.k != start_k or self.epoch != start_epoch):
                return

    @_quiet
    def step_batch(self):
        """Finish the current batch, then one update: an observation under way is finished phase by
        phase, the batch's remaining observations go through at once (vectorised, the same
        mathematics: an item model's batch of 32 movies costs one product, not 31)."""
        updates = self.updates
        while self.next_phase != "forward" and self.updates == updates:
            self.step_phase()
        if self.updates == updates:
            self._fast_batch()

    @_quiet
    def step_epoch(self):
        """Run to the end of the current epoch."""
        epoch = self.epoch
        while self.epoch == epoch:
            if self.next_phase == "forward":
                self._fast_batch()
            else:
                self.step_phase()

    def train(self, epochs: int, callback=None, patience: int = 0, progress=None):
        """Up to `epochs` epochs. With `patience`, stop once the validation RMSE has not improved
        for that many epochs and go back to the best epoch's network (early stopping; then
        `stopped_early` is true). `callback(record)` after each epoch may return False to stop;
        `progress(epoch, fraction)` after each update."""
        self.stopped_early = False
        for _ in range(int(epochs)):
            if progress is None:
                self.step_epoch()
            else:
                epoch = self.epoch
                while self.epoch == epoch:
                    self.step_batch()
                    progress(epoch, self.k / max(self.n_observations, 1))
            if callback is not None and callback(self.history[-1]) is False:
                break
            if self.should_stop_early(patience):
                if self.can_restore_best:
                    self.restore_best()
                self.stopped_early = True
                break
        return self.history

    def should_stop_early(self, patience: int) -> bool:
        """The early-stopping rule, for every caller: `patience` (> 0) epochs without a better
        validation RMSE."""
        since = self.epochs_since_best
        return bool(patience) and since is not None and since >= patience

    # -------------------------------------------------------------------------------- internals
    def _expect(self, phase):
        if self.next_phase != phase:
            raise PhaseError(f"the next phase is {self.next_phase}, not {phase}")

    def _done(self, phase, next_phase):
        self.phase = phase
        self.next_phase = next_phase

    def _load_rows(self, rows):
        self._rows = rows
        x, m = self.train_set.dense_rows(rows)
        self._x, self._m = x, m
        self._x_in = self.corruption.corrupt(x, m, self.rng) if self.corruption is not None else x

    def _compute_loss(self):
        y = self._trace.y
        per_obs, self._grad_y = self.loss.value_and_gradient(y, self._x, self._m)
        self._obs_loss = per_obs
        pen = 0.0
        extra = {}
        for p in self.penalties:
            p.at_update(self.updates)
            pen += p.value(self.network, self._trace)
            for layer, g in p.hidden_gradients(self.network, self._trace).items():
                extra[layer] = extra[layer] + g if layer in extra else g
        self._obs_penalty = pen
        self._extra = extra
        if not (math.isfinite(per_obs.sum()) and math.isfinite(pen)):
            self._diverge("the loss")

    def _backward(self, scale, accumulate):
        g = self._grad_y if scale == 1.0 else self._grad_y * np.float32(scale)
        extra = self._extra
        if extra and scale != 1.0:
            extra = {k: v * np.float32(scale) for k, v in extra.items()}
        accumulate = accumulate or (self.accumulate_gradients and self.updates > 0)
        self._gradients = self.network.backward(self._trace, g, accumulate=accumulate,
                                                extra_grad_hidden=extra)
        for p in self.penalties:
            p.add_parameter_gradients(self.network, self._trace, scale)

    def _apply_update(self):
        if self.lr_schedule is not None:
            self.optimizer.hyper["lr"] = self.lr_schedule.at(self.epoch)
        try:
            self.last_change = self.optimizer.step(self.network.params, self.network.grads)
        except NonFiniteStep as exc:
            if not np.isfinite(self.network.grads).all():
                self._diverge("the gradients")
            self._diverge("the update", flat_index=exc.args[0])
        self.updates += 1
        self.batch_fill = 0

    def _record_observation(self):
        losses = self._obs_loss.tolist()
        n = len(losses)
        self._epoch_losses.extend(losses)
        # a penalty's value is already a per-observation (batch-mean) figure, like the loss's mean
        self._epoch_penalties.extend([self._obs_penalty] * n)
        self.steps += n

    def _fast_batch(self):
        """The rest of the current batch at once (vectorised; all of it when none was stepped
        yet): the same mathematics as the phase-by-phase path, whose gradients it adds to.

        A batch bigger than CHUNK_VALUES ratings-matrix cells (the whole of a 20M-rating file, say)
        goes through in chunks of users whose gradients add up, as single observations do."""
        if self.batch_fill == 0:
            self.timeline.before_batch(self)
        else:  # begun phase by phase (its start is kept): replay would round the sum differently
            self.timeline.phased_update(self)
        self._fast_gradients()
        self._apply_update()
        self.k = self._batch_bounds()[1]
        self._done("update", "forward")
        if self.k >= self.order.size:
            self._end_epoch()

    def prepare_update(self):
        """The batch's gradients, vectorised as Play computes them, and stop before its update
        (stepping back shows this: 'Update undone'); `update()` then applies exactly Play's."""
        if self.next_phase != "forward" or self.batch_fill:
            raise PhaseError("a batch is under way: finish it first")
        self.timeline.before_batch(self)
        with np.errstate(all="ignore"):
            self._fast_gradients()
        self.k = self._batch_bounds()[1] - 1
        self._done("backward", "update")

    def _fast_gradients(self):
        start, end = self._batch_bounds()
        rows, n = self.order[self.k:end], end - start  # n: the whole batch, which the mean is over
        step = max(1, CHUNK_VALUES // self.network.sizes[0])
        counted = len(self._epoch_losses), len(self._epoch_penalties), self.steps
        try:
            for a in range(0, rows.size, step):
                chunk = rows[a:a + step]
                self._load_rows(chunk)
                self._trace = self.network.forward(self._x_in, rng=self.rng)
                self._compute_loss()
                self._backward(1.0 if len(chunk) == n else len(chunk) / n,
                               accumulate=a > 0 or self.batch_fill > 0)
                self._record_observation()
        except DivergenceError:  # the chunks before the bad one are not counted either
            del self._epoch_losses[counted[0]:], self._epoch_penalties[counted[1]:]
            self.steps = counted[2]
            raise
        self.batch_fill = n

    def _end_epoch(self):
        ev = evaluate(self.network, self.train_set, self.test_set, clip=self.clip,
                      validation=self.validation_set, orientation=self.orientation)
        losses = np.asarray(self._epoch_losses)
        self.epoch += 1
        now = time.perf_counter()
        self.history.append(EpochRecord(
            epoch=self.epoch, train_rmse=ev.train_rmse, test_rmse=ev.test_rmse,
            test_rmse_per_user=ev.test_rmse_per_user,
            mean_loss=float(losses.mean()) if losses.size else float("nan"),
            penalty=float(np.mean(self._epoch_penalties)) if self._epoch_penalties else 0.0,
            seconds=now - self._epoch_started, val_rmse=ev.val_rmse))
        self._epoch_started = now
        self._epoch_losses = []
        self._epoch_penalties = []
        self._new_order()
        self.timeline.epoch_ended(self)

    # ------------------------------------------------------------------------------ divergence
    def _first_bad_layer(self, flat_index=None) -> str:
        if flat_index is not None:
            return self.network.layer_of_flat_index(flat_index)
        t = self._trace
        if t is not None:
            for l in range(self.network.n_layers):
                if not np.isfinite(t.preacts[l]).all() or not np.isfinite(t.outputs[l]).all():
                    return f"layer {l + 1} ({self.network.sizes[l]} -> {self.network.sizes[l + 1]})"
        for name, a, b in self.network.parameter_spans():
            if not np.isfinite(self.network.grads[a:b]).all():
                return f"the gradient of {name}"
        return "the output"

    def _diverge(self, where, flat_index=None):
        layer = self._first_bad_layer(flat_index)
        lr = self.optimizer.hyper.get("lr")
        msg = (f"Training diverged: {where} became NaN or infinite in {layer} at epoch "
               f"{self.epoch + 1}, observation {self.k + 1}. The network was kept as it was before "
               f"this step. Try a smaller learning rate" + (f" than {lr:g}." if lr else "."))
        self.diverged = msg
        self.network.grads.fill(0.0)
        self.batch_fill = 0
        start, _ = self._batch_bounds()
        self.k = start
        self._clear_observation()
        raise DivergenceError(msg, layer)

    # ------------------------------------------------------------------------- moments, undo
    def moment(self) -> Moment:
        """An exact copy of the state between two updates (timeline.py keeps them)."""
        if self.batch_fill or self.next_phase != "forward":
            raise PhaseError("a moment is taken between two updates: finish the batch first")
        return Moment(self.network.params.copy(), self.optimizer.state_dict(), self.epoch, self.k,
                      self.steps, self.updates, tuple(self.history), self.rng.bit_generator.state,
                      self.order.copy(), np.array(self._epoch_losses, dtype=np.float64),
                      np.array(self._epoch_penalties, dtype=np.float64),
                      self.network.grads.copy() if self.accumulate_gradients else None)

    def go_to(self, m: Moment):
        """Restore a moment: the one way back, for undo, the best epoch and the timeline."""
        self.network.params[...] = m.params
        self.optimizer.reset()  # buffers the moment did not have yet are zero
        self.optimizer.load_state_dict(m.optimizer)
        self.epoch, self.k, self.steps, self.updates = m.epoch, m.k, m.steps, m.updates
        self.history = list(m.history)
        self.rng.bit_generator.state = m.rng_state
        self.order = m.order.copy()
        self._epoch_losses, self._epoch_penalties = m.epoch_losses.tolist(), m.epoch_penalties.tolist()
        self._epoch_started = time.perf_counter()
        if m.grads is not None:
            self.network.grads[...] = m.grads
        else:
            self.network.grads.fill(0.0)
        self.batch_fill = 0
        self._clear_observation()
        self.last_change = None
        self.diverged = None

    @property
    def can_undo(self) -> bool:
        return self.timeline.can_undo(self)

    def undo(self):
        """Back to the start of the last update's batch (weights, optimizer, counters, draws)."""
        if not self.can_undo:
            raise PhaseError("there is no step to undo")
        self.timeline.undo(self)

    # ---------------------------------------------------------------------------- best epoch
    def _history_best(self) -> tuple[int, float] | None:
        """(epoch, validation RMSE) of the lowest validation RMSE in the history, whoever wrote it
        (a saved model's history counts too); cached, as snapshots ask for it many times a second."""
        h = self.history
        key = (h, len(h), h[-1] if h else None)  # the objects themselves: an id can be reused
        old = getattr(self, "_best_key", None)
        if old is None or old[0] is not h or old[1] != key[1] or old[2] is not key[2]:
            finite = [(r.val_rmse, r.epoch) for r in h
                      if r.val_rmse is not None and math.isfinite(r.val_rmse)]
            self._best_cached = None if not finite else min(finite)[::-1]
            self._best_key = key
        return self._best_cached

    @property
    def best_epoch(self) -> int | None:
        """The epoch with the lowest validation RMSE so far (None without a validation set)."""
        best = self._history_best()
        return None if best is None else best[0]

    @property
    def best_val_rmse(self) -> float | None:
        best = self._history_best()
        return None if best is None else best[1]

    @property
    def epochs_since_best(self) -> int | None:
        best = self._history_best()
        return None if best is None else self.epoch - best[0]

    def note_best_epoch(self):
        """At the end of an epoch that has the best validation RMSE so far, keep a way back to it."""
        if self.best_epoch == self.epoch and self.k == 0:
            self.timeline.keep_epoch(self)

    @property
    def can_restore_best(self) -> bool:
        """Whether this session has the best epoch's network to go back to (a model opened from
        a file knows its past best, but not the weights it had then)."""
        return self.timeline.has_epoch(self.best_epoch)

    def restore_best(self):
        """Go back to the end of the best epoch: its weights, optimizer state, counters and
        history (early stopping, after the fact). Training on from there starts a branch."""
        if not self.can_restore_best:
            if self.best_epoch is None:
                raise PhaseError("there is no best epoch yet: it needs a validation set and one finished epoch")
            raise PhaseError(f"the network of epoch {self.best_epoch}, the best, was not kept "
                             f"(it was trained before this model was opened)")
        self.timeline.go_to_epoch(self, self.best_epoch)

    @functools.cached_property
    def baselines(self):
        """The classical baselines' test RMSEs on this split, read-only (None without a test set):
        what the loss plot draws as horizontal lines for the network to beat."""
        if self.test_set is None:
            return None
        return MappingProxyType(baseline_rmses(self.train_set, self.test_set, self.clip))

    # ---------------------------------------------------------------------------- inspection
    @property
    def last_sampling(self) -> dict | None:
        """What a stochastic network drew for the last observation forwarded (the VAE's mu,
        logvar, sigma, eps and, after backward, dL/dz, dL/dlogvar), read-only; else None."""
        side = self._trace.side if self._trace is not None and self.phase != "idle" else None
        if not side:
            return None
        return {k: frozen(np.asarray(v)[-1]) for k, v in side.items()}

    def set_weight(self, layer: int, row: int, col: int, value: float):
        if not np.isfinite(value):
            raise ValueError("a weight must be a finite number")
        self.timeline.edited(self)
        self.network.set_weight(layer, row, col, value)

    def snapshot(self, full_history: bool = True) -> Snapshot:
        """An immutable copy of everything a viewer may draw (last observation of a batch)."""
        net = self.network
        self._seq += 1
        i = -1  # the last observation of the batch in flight
        t = self._trace
        has_fwd = t is not None and self.phase != "idle"
        x_in = self._x_in[i] if has_fwd else None
        x_t = self._x[i] if has_fwd else None
        m = self._m[i] if has_fwd else None
        row = int(self._rows[i]) if has_fwd else self.current_row
        ho_mask = ho_vals = None
        if self.test_set is not None:
            tv, tm = self.test_set.dense_rows([row])
            ho_mask, ho_vals = tm[0], tv[0]
        preacts = acts = err = None
        if has_fwd:
            preacts = [a[i] for a in t.preacts]
            acts = [x_in] + [o[i] for o in t.outputs]
        loss = pen = None
        deltas = gw = gb = None
        if self._obs_loss is not None and has_fwd:
            loss = float(np.atleast_1d(self._obs_loss)[i])
            pen = float(self._obs_penalty)
            err = np.where(m, t.y[i] - x_t, 0.0)
        if self._gradients is not None and self.phase in ("backward", "update"):
            deltas = [d[i] for d in self._gradients.deltas]
            gw, gb = net.split_flat(net.grads)
        cw = cb = None
        if self.last_change is not None and self.phase == "update":
            cw, cb = net.split_flat(self.last_change)
        return Snapshot(
            seq=self._seq, sizes=tuple(net.sizes),
            activation_names=tuple(a.name for a in net.activations), bias=net.bias,
            weights=frozen_list(net.weights), biases=frozen_list(net.biases) if net.bias else (None,) * net.n_layers,
            user_row=row, x_input=frozen(x_in), x_target=frozen(x_t), mask=frozen(m),
            heldout_mask=frozen(ho_mask), heldout_values=frozen(ho_vals),
            preacts=frozen_list(preacts), activations=frozen_list(acts), output_error=frozen(err),
            loss=loss, penalty=pen, deltas=frozen_list(deltas),
            grad_weights=frozen_list(gw), grad_biases=frozen_list(gb) if (gb and net.bias) else None,
            change_weights=frozen_list(cw), change_biases=frozen_list(cb) if (cb and net.bias) else None,
            phase=self.phase, next_phase=self.next_phase, epoch=self.epoch, position=self.k,
            n_observations=self.n_observations, batch_size=self.batch_size,
            batch_fill=self.batch_fill, steps=self.steps, updates=self.updates,
            history=tuple(self.history),
            epoch_losses=frozen(np.asarray(self._epoch_losses, dtype=np.float64)) if full_history else None,
            epoch_penalties=frozen(np.asarray(self._epoch_penalties, dtype=np.float64)) if full_history else None,
            diverged=self.diverged, can_undo=self.can_undo, best_epoch=self.best_epoch,
            can_restore_best=self.can_restore_best, baselines=self.baselines,
            tied_with=tuple(net.tied_with(l) for l in range(net.n_layers)),
            timeline=self.timeline.view(self),
        )
