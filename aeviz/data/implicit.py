"""Implicit feedback: a rating of 4 or more means "liked" (1); every other cell, rated low or not
rated at all, is 0. The matrix is then *complete*: every cell is an observation, so the mask a
loss sees is all true (Mult-VAE's setting), while the stored entries still say which movies the
user has seen, so ranking never recommends a movie already in the training ratings."""
from __future__ import annotations

from dataclasses import fields

import numpy as np

from .ratings import BINARY, Ratings

LIKED = 4.0  # the threshold: ratings >= 4 are positives, as in the Mult-VAE papers on MovieLens


class ImplicitRatings(Ratings):
    """`ratings` read as 0/1 likes over every cell (dense_rows' mask is all true)."""

    def dense_rows(self, rows):
        x, _ = super().dense_rows(rows)
        return x, np.ones(x.shape, dtype=bool)


def implicit(ratings: Ratings, threshold: float = LIKED) -> ImplicitRatings:
    """The implicit view of `ratings`: the same users, movies and seen entries, values 1 where the
    rating is >= threshold, else 0. Already implicit ratings are returned as they are."""
    if isinstance(ratings, ImplicitRatings):
        return ratings
    kw = {f.name: getattr(ratings, f.name) for f in fields(ratings)}
    kw.update(values=(ratings.values >= threshold).astype(np.float32), scale=BINARY)
    return ImplicitRatings(**kw)
