"""A new person's ratings read by a trained network, without training (cold start).

A profile is a sparse vector of ratings over the movies: `columns` (movie indices) and `values`.
How a network reads it depends on what one observation is (engine/orientation.py):

- **User-based model** (each user is an observation): the profile IS an input row, zeros where
  unrated as in every user's row. Its code is `network.encode(row)`, its predictions
  `network.predict(row)`: exactly the forward pass a training user with those ratings gets.
  METHOD_FORWARD.
- **Item-based model** (each movie is an observation; every user is an input AND an output
  unit): a new person would need a new input column and a new output unit, which the trained
  network does not have, so no forward pass can give their predictions. We say so and use an
  approximation, labelled wherever it is shown (METHOD_FOLD_IN): the movies' codes h_j (the last
  hidden layer, from their existing ratings; the new person's missing input is a 0, as any
  unrated cell) stay as trained, and a new output unit is fitted to the profile by ridge
  regression: bias = the mean of the profile's ratings, weights v minimising
  |H_r v - (r - mean)|^2 + lam |v|^2. In kernel form, with m ratings,
  alpha = (H_r H_r^T + lam I)^-1 (r - mean) and predictions = mean + H H_r^T alpha, where
  lam = RIDGE x the mean of diag(H_r H_r^T). It needs an identity output (I-AutoRec's); other
  outputs raise ProfileUnsupported. There is no code for the person (an item model's codes are
  movies).

Everything returned is a fresh array; the network and the ratings are only read.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .evaluation import top_n

METHOD_FORWARD = "forward pass"
METHOD_FOLD_IN = "fold-in approximation"
METHOD_NOTES = {
    METHOD_FORWARD: "the network's forward pass of your ratings as a user row (no training)",
    METHOD_FOLD_IN: ("approximation: this item-based model has no output unit for a new user; one "
                     "is fitted to your ratings by ridge regression on the movies' codes. A "
                     "user-based model reads a profile exactly"),
}
RIDGE = 1.0  # fold-in: ridge strength, relative to the mean squared length of the rated movies' codes
CHUNK_CELLS = 1 << 22  # fold-in: movies x users cells densified at once when computing the codes


class ProfileUnsupported(ValueError):
    """This network cannot read a profile (the message says why and what would)."""


@dataclass(frozen=True)
class ProfileEncoding:
    """What the network makes of one profile. `raw` is the network's output, `predictions` the
    same clipped to the rating scale; `code` is None for an item-based model."""

    columns: np.ndarray  # int64 movie indices rated
    values: np.ndarray  # float64 their ratings
    raw: np.ndarray  # float64 (n_items,)
    predictions: np.ndarray  # float64 (n_items,), clipped
    code: np.ndarray | None
    method: str

    @property
    def note(self) -> str:
        return METHOD_NOTES[self.method]


def check_profile(columns, values, n_items: int) -> tuple[np.ndarray, np.ndarray]:
    """(columns int64, values float64) validated: in range, finite, each movie once."""
    c = np.asarray(columns, dtype=np.int64).ravel()
    v = np.asarray(values, dtype=np.float64).ravel()
    if c.size != v.size:
        raise ValueError(f"{c.size} movies but {v.size} ratings")
    if c.size and (c.min() < 0 or c.max() >= n_items):
        raise ValueError(f"movie index {int(c[(c < 0) | (c >= n_items)][0])} is out of range (0-{n_items - 1})")
    if not np.all(np.isfinite(v)):
        raise ValueError("ratings must be finite numbers")
    if np.unique(c).size != c.size:
        raise ValueError("a movie is rated twice in the profile")
    return c, v


class ProfileModel:
    """A trained network read as a recommender for profiles (see the module's docstring).

    `network`: the trained network (only read); `orientation`: "user" or "item"; `n_items`: the
    number of movies; `clip`: (lo, hi) of the rating scale or None; `item_rows`: for an item
    model, what it trains on (movies x users, with `dense_rows`), from which the movies' codes are
    computed once here."""

    def __init__(self, network, orientation: str = "user", n_items: int | None = None, clip=None,
                 item_rows=None, ridge: float = RIDGE):
        self.network = network
        self.orientation = orientation
        self.clip = None if clip is None else (float(clip[0]), float(clip[1]))
        self.ridge = float(ridge)
        if orientation == "user":
            self.method = METHOD_FORWARD
            self.n_items = int(network.sizes[0])
            self._codes = None
        elif orientation == "item":
            self.method = METHOD_FOLD_IN
            if item_rows is None:
                raise ProfileUnsupported("an item-based model needs its movies' ratings to read a profile")
            if network.activations[-1].name != "identity":
                raise ProfileUnsupported(
                    f"this item-based model's output is {network.activations[-1].name}, so a new user cannot "
                    f"be fitted to it; profiles need a user-based model (each user an observation)")
            self.n_items = int(item_rows.n_users)
            self._codes = self._movie_codes(item_rows)
        else:
            raise ValueError(f"orientation must be 'user' or 'item', not {orientation!r}")
        if n_items is not None and int(n_items) != self.n_items:
            raise ValueError(f"the model has {self.n_items} movies, the data {n_items}")

    def _movie_codes(self, item_rows) -> np.ndarray:
        """Every movie's last hidden layer (movies x k, float64), in chunks."""
        net = self.network
        layer = net.n_layers - 1
        if layer < 1:
            raise ProfileUnsupported("this item-based model has no hidden layer to fit a new user on")
        out = np.empty((self.n_items, net.sizes[layer]), dtype=np.float64)
        step = max(1, CHUNK_CELLS // max(int(item_rows.n_items), 1))
        for start in range(0, self.n_items, step):
            rows = np.arange(start, min(self.n_items, start + step))
            x, _ = item_rows.dense_rows(rows)
            out[rows] = net.encode(x, layer)
        return out

    # ------------------------------------------------------------------------------ reading
    def _clip(self, raw: np.ndarray) -> np.ndarray:
        return np.clip(raw, *self.clip) if self.clip is not None else raw.copy()

    def _rows(self, columns, values, drop_each: bool) -> np.ndarray:
        """The profile as one input row, or (drop_each) m rows, row i without rating i."""
        m = columns.size
        x = np.zeros((m if drop_each else 1, self.n_items), dtype=self.network.dtype)
        x[:, columns] = values
        if drop_each:
            x[np.arange(m), columns] = 0.0
        return x

    def _fold_in(self, columns, values) -> np.ndarray:
        """Raw predictions (n_items,) of the ridge-fitted output unit (module docstring)."""
        if columns.size == 0:
            return np.zeros(self.n_items)
        h = self._codes[columns]
        k = h @ h.T
        lam = self.ridge * max(float(np.mean(np.diag(k))), 1e-12)
        mean = float(values.mean())
        alpha = np.linalg.solve(k + lam * np.eye(columns.size), values - mean)
        return mean + self._codes @ (h.T @ alpha)

    def encode(self, columns, values) -> ProfileEncoding:
        """The network's reading of a profile: code, raw and clipped predictions of every movie."""
        columns, values = check_profile(columns, values, self.n_items)
        if self.orientation == "user":
            x = self._rows(columns, values, False)
            raw = self.network.predict(x)[0].astype(np.float64)
            code = np.asarray(self.network.encode(x)[0], dtype=np.float64)
        else:
            raw, code = self._fold_in(columns, values), None
        raw.flags.writeable = False
        pred = self._clip(raw)
        pred.flags.writeable = False
        return ProfileEncoding(columns, values, raw, pred, code, self.method)

    def without_each(self, columns, values) -> np.ndarray:
        """Raw predictions (m, n_items): row i is the profile's with rating i removed (exact,
        all m removals at once: m input rows in one forward pass, or m ridge fits batched)."""
        columns, values = check_profile(columns, values, self.n_items)
        m = columns.size
        if m == 0:
            return np.zeros((0, self.n_items))
        if self.orientation == "user":
            return self.network.predict(self._rows(columns, values, True)).astype(np.float64)
        if m == 1:
            return np.zeros((1, self.n_items))  # nothing left: the empty profile's zeros
        keep = ~np.eye(m, dtype=bool)
        idx = np.nonzero(keep)[1].reshape(m, m - 1)  # row i: the other m-1 ratings
        h = self._codes[columns][idx]  # (m, m-1, k)
        r = values[idx]  # (m, m-1)
        k = h @ np.swapaxes(h, 1, 2)
        lam = self.ridge * np.maximum(np.einsum("bii->b", k) / (m - 1), 1e-12)
        mean = r.mean(axis=1)
        alpha = np.linalg.solve(k + lam[:, None, None] * np.eye(m - 1), (r - mean[:, None])[..., None])[..., 0]
        v = np.einsum("bjk,bj->bk", h, alpha)  # each fit's output weights
        return mean[:, None] + v @ self._codes.T


def rank(encoding: ProfileEncoding, n: int = 10, rated_counts=None, min_ratings: int = 0,
         genres=None, genre: str | None = None, include_rated: bool = False) -> np.ndarray:
    """The n best movies for a profile, best first (clipped prediction, ties by the raw output).

    Filters: `min_ratings` hides movies with fewer ratings in the data (`rated_counts`, one per
    movie: a popularity floor); `genre` keeps movies whose genre string (`genres`, one per movie)
    contains it, case-insensitively; `include_rated` keeps the profile's own movies (for checking)."""
    keep = np.ones(encoding.raw.size, dtype=bool)
    if not include_rated:
        keep[encoding.columns] = False
    if min_ratings and rated_counts is not None:
        keep &= np.asarray(rated_counts) >= int(min_ratings)
    if genre and genres is not None:
        g = genre.casefold()
        keep &= np.fromiter((g in (s or "").casefold() for s in genres), dtype=bool, count=keep.size)
    return top_n(np.flatnonzero(keep), encoding.predictions, encoding.raw, int(n))
