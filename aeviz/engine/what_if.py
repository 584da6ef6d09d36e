"""What if one user had rated one movie differently (or not at all)? Before/after predictions.

The data is never changed: the user's row is copied, edited, and read by the network. For a
user-based model the edited row goes through the forward pass, so every movie's prediction may
move. For an item-based model a rating is one input of one movie's row: only that movie's code
changes, so only that movie's prediction moves (every other movie's is exactly as before, and
the result says so by being equal there).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .orientation import check, user_predictions


@dataclass(frozen=True)
class WhatIf:
    user_row: int
    column: int
    old: float | None  # the rating as in the data (None: unrated)
    new: float | None  # the rating imagined (None: removed)
    before: np.ndarray  # clipped predictions of every movie (float64), from the data as it is
    after: np.ndarray  # the same with the one rating changed

    @property
    def change(self) -> np.ndarray:
        return self.after - self.before

    @property
    def n_moved(self) -> int:
        """How many movies' predictions moved at all."""
        return int(np.count_nonzero(self.change))

    @property
    def largest(self) -> float:
        """The largest move, in rating points (0 when none moved)."""
        return float(np.abs(self.change).max()) if self.change.size else 0.0

    def movers(self, k: int = 10) -> np.ndarray:
        """The (at most k) movies whose prediction moved most, largest move first."""
        c = np.abs(self.change)
        order = np.argsort(-c, kind="stable")[:k]
        return order[c[order] > 0]


def what_if(network, train_obs, orientation: str, user_row: int, column: int, new_value,
            clip=None) -> WhatIf:
    """Predictions of user `user_row` for every movie, before and after setting their rating of
    movie `column` to `new_value` (None removes it). `train_obs` is what the model trains on."""
    check(orientation)
    user_row, column = int(user_row), int(column)
    users = train_obs if orientation == "user" else train_obs.transposed()
    x, m = users.dense_rows([user_row])
    old = float(x[0, column]) if m[0, column] else None
    new = None if new_value is None else float(new_value)
    if new is not None and not np.isfinite(new):
        raise ValueError("the new rating must be a finite number")

    def clipped(y):
        y = np.asarray(y, dtype=np.float64)
        return np.clip(y, clip[0], clip[1]) if clip is not None else y
    if orientation == "user":
        edited = x.copy()
        edited[0, column] = 0.0 if new is None else new
        y = network.predict(np.vstack([x, edited]))
        before, after = clipped(y[0]), clipped(y[1])
    else:
        before = clipped(user_predictions(network, train_obs, "item", [user_row])[0])
        movie, _ = train_obs.dense_rows([column])  # that movie's ratings by every user (a copy)
        movie[0, user_row] = 0.0 if new is None else new
        after = before.copy()
        after[column] = clipped(network.predict(movie)[0, user_row])
    before.flags.writeable = False
    after.flags.writeable = False
    return WhatIf(user_row, column, old, new, before, after)
