"""What the app shows for a person's profile, computed in the worker from the live network.

`profile_view(trainer, dataset, columns, values, filters)` is the function the "You" panel sends
through `bridge.call` (the only safe moment to read the live arrays): it re-encodes the profile
(engine/profile.py), ranks and explains the top movies (engine/explain.py) and places the code in
the Code panel's plane, and returns a `ProfileView` of read-only copies, safe to hand to the GUI.
Nothing of the profile enters the trainer or the data.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass, field

import numpy as np

from .explain import METHOD as EXPLANATION_METHOD, explain
from .insights import code_plane_xy
from .profile import ProfileModel, ProfileUnsupported, rank
from .snapshot import frozen


@dataclass(frozen=True)
class Filters:
    n: int = 10
    min_ratings: int = 0  # the popularity floor
    genre: str = ""  # "" = every genre
    include_rated: bool = False


@dataclass(frozen=True)
class ProfileView:
    """The profile's reading: ratings (columns, values) with the network's output at each; the
    recommended movies (items, predicted) with their explanations; the code and its place in
    the Code panel's plane (None for an item model, or before that plane exists)."""

    columns: np.ndarray
    values: np.ndarray
    output_at_rated: np.ndarray  # raw output of the network at each rated movie
    by_rating: np.ndarray  # positions of the ratings, highest rating first (the order to draw them)
    items: np.ndarray
    predicted: np.ndarray  # clipped to the scale
    raw: np.ndarray  # the network's output for the items, unclipped (ties at the top break on it)
    explanations: tuple  # engine.explain.Explanation per item
    code: np.ndarray | None
    code_xy: np.ndarray | None
    method: str
    note: str
    explanation_method: str = EXPLANATION_METHOD
    filters: Filters = field(default_factory=Filters)


_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # trainer -> (key, ProfileModel)


def model_for(trainer) -> ProfileModel:
    """The trainer's network read as a profile model; built again only when the weights changed
    (an item model computes every movie's code once per set of weights)."""
    net = trainer.network
    key = (id(net), int(trainer.updates), float(np.add.reduce(net.params, dtype=np.float64)))
    hit = _CACHE.get(trainer)
    if hit is not None and hit[0] == key:
        return hit[1]
    model = ProfileModel(net, trainer.orientation, clip=trainer.clip,
                         item_rows=trainer.train_set if trainer.orientation == "item" else None)
    _CACHE[trainer] = (key, model)
    return model


_COUNTS: list = [None, None]  # (weak reference to the dataset, its counts): ML-20M's cost 40 ms each


def rated_counts(dataset) -> np.ndarray:
    """Ratings per movie in the users x movies data (the popularity floor's counts), counted once
    per dataset."""
    ref, counts = _COUNTS
    if ref is None or ref() is not dataset:
        counts = frozen(np.bincount(dataset.indices, minlength=dataset.n_items))
        _COUNTS[:] = [weakref.ref(dataset), counts]
    return counts


def profile_view(trainer, dataset, columns, values, filters: Filters = Filters(), counts=None) -> ProfileView:
    if trainer is None or dataset is None:
        raise ProfileUnsupported("there is no model yet: open ratings first")
    model = model_for(trainer)
    enc = model.encode(columns, values)
    counts = rated_counts(dataset) if counts is None else counts
    genres = getattr(dataset, "movie_genres", None)
    top = rank(enc, filters.n, counts, filters.min_ratings, genres, filters.genre or None, filters.include_rated)
    reasons = tuple(explain(model, enc, top)) if enc.columns.size else tuple()
    xy = None
    if enc.code is not None:
        xy = code_plane_xy(trainer, enc.code, float(enc.values.mean()) if enc.values.size else 0.0)
    by_rating = np.argsort(-enc.values, kind="stable")
    return ProfileView(frozen(enc.columns), frozen(enc.values), frozen(enc.raw[enc.columns]), frozen(by_rating),
                       frozen(top), frozen(enc.predictions[top]), frozen(enc.raw[top]), reasons, frozen(enc.code),
                       xy, enc.method, enc.note, filters=filters)
