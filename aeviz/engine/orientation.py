"""What one observation is: a user (their ratings of every movie) or a movie (its ratings by every user).

The rule, written once and used by the CLI, the presets and the app's worker:

- The data is always split per user on the users x items matrix (`holdout_split`), whatever the
  orientation, so both orientations are scored on the very same held-out ratings.
- A "user" model trains on those matrices as they are; an "item" model (I-AutoRec) trains on their
  transposes (items x users: one row per movie, one input and one output per user), `observations()`.
- Pooled RMSE over held-out ratings is the same metric either way. Anything *about a user*
  (their predictions, per-user RMSE, recommendations) reads that user's ROW of a user model's
  reconstructions, or that user's COLUMN of an item model's: `user_predictions()`.

The engine never imports the data layer: a ratings object only has to offer `transposed()`
(the data layer's `Ratings` does; `engine.rows.DenseRows` too).
"""
from __future__ import annotations

import numpy as np

ORIENTATIONS = ("user", "item")
LABELS = {"user": "user-based: each user is an observation",
          "item": "item-based: each movie is an observation"}
#: cells (observations x inputs) densified at once when reading an item model's columns
CHUNK_CELLS = 1 << 22


def check(orientation: str) -> str:
    if orientation not in ORIENTATIONS:
        raise ValueError(f"orientation must be one of {', '.join(ORIENTATIONS)}, not {orientation!r}")
    return orientation


def observations(ratings, orientation: str):
    """The matrix whose rows the model sees: the users x items ratings, or their transpose."""
    if ratings is None or check(orientation) == "user":
        return ratings
    return ratings.transposed()


def as_users(ratings_obs, orientation: str):
    """Back from what the model sees to the users x items matrix (transposing is its own inverse)."""
    return observations(ratings_obs, orientation)


def orient(train, test, orientation: str):
    """(train, test) of a per-user split, as the model of this orientation trains on them."""
    return observations(train, orientation), observations(test, orientation)


def user_predictions(network, train_obs, orientation: str, users, clip=None,
                     chunk_cells: int = CHUNK_CELLS) -> np.ndarray:
    """Predicted ratings (len(users), n_movies) for these user rows, from either kind of model.

    ``train_obs`` is what the model trains on (`observations(train, orientation)`). For an item
    model every movie must pass through the network to fill one user's row, so the movies go in
    chunks of about ``chunk_cells`` cells and only the asked users' columns are kept: memory stays
    bounded by the chunk and the answer, never the whole items x users reconstruction."""
    users = np.atleast_1d(np.asarray(users, dtype=np.int64))
    if check(orientation) == "user":
        x, _ = train_obs.dense_rows(users)
        y = network.predict(x)
    else:
        n_movies = train_obs.n_users  # rows of the transposed matrix are movies
        y = np.empty((users.size, n_movies), dtype=network.dtype)
        step = max(1, int(chunk_cells) // max(train_obs.n_items, 1))
        for start in range(0, n_movies, step):
            rows = np.arange(start, min(n_movies, start + step))
            x, _ = train_obs.dense_rows(rows)
            y[:, start:start + rows.size] = network.predict(x)[:, users].T
    if clip is not None:
        y = np.clip(y, clip[0], clip[1])
    return y
