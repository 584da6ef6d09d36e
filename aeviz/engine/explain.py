"""Why a movie is recommended: the exact leave-one-out contribution of each of the person's ratings.

contribution(i -> j) = the network's raw prediction for movie j from the whole profile, minus the
one from the profile without rating i (for a user-based model that input becomes 0, unrated, as
in the training rows; for an item-based model's fold-in, the fit without it: engine/profile.py).
It is exact, not a gradient estimate, and all m removals run at once (`ProfileModel.without_each`:
m rows in one batched pass). Raw outputs, not clipped ones: clipping a 5.4 and a 5.1 both to 5
would hide what a rating did.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .profile import ProfileEncoding, ProfileModel

METHOD = "leave-one-out: the change in the prediction when that rating is removed"


@dataclass(frozen=True)
class Reason:
    column: int  # the movie the person rated
    rating: float
    contribution: float  # signed: what this rating adds to the prediction


@dataclass(frozen=True)
class Explanation:
    column: int  # the recommended movie
    prediction: float  # clipped
    up: tuple  # Reasons pushing it up, strongest first
    down: tuple  # Reasons pushing it down, strongest first


def contributions(model: ProfileModel, encoding: ProfileEncoding, items) -> np.ndarray:
    """(m ratings, len(items)): contribution of each rating to each listed movie's prediction."""
    items = np.asarray(items, dtype=np.int64)
    without = model.without_each(encoding.columns, encoding.values)
    return encoding.raw[items][None, :] - without[:, items]


def explain(model: ProfileModel, encoding: ProfileEncoding, items, k: int = 3) -> list[Explanation]:
    """For each listed movie, its k strongest positive and k strongest negative contributions."""
    items = np.asarray(items, dtype=np.int64)
    c = contributions(model, encoding, items)
    out = []
    for j, item in enumerate(items.tolist()):
        col = c[:, j]
        order = np.argsort(-col, kind="stable")
        up = tuple(Reason(int(encoding.columns[i]), float(encoding.values[i]), float(col[i]))
                   for i in order[:k] if col[i] > 0)
        down = tuple(Reason(int(encoding.columns[i]), float(encoding.values[i]), float(col[i]))
                     for i in order[::-1][:k] if col[i] < 0)
        out.append(Explanation(item, float(encoding.predictions[item]), up, down))
    return out


def strongest(explanation: Explanation, k: int = 3) -> tuple:
    """The k reasons with the largest |contribution|, whatever their sign (the CLI's three)."""
    both = sorted(explanation.up + explanation.down, key=lambda r: -abs(r.contribution))
    return tuple(both[:k])
