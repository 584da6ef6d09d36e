"""Sample datasets shipped in ``resources/`` (made by ``scripts/make_sample.py``).

* ``tiny``: a wide 8 users x 6 movies table (1-5 stars, 0 = not rated) for stepping by hand;
* ``genres``: a synthetic ml-latest-like dataset (300 users x 60 movies, five latent genres)
  with ``movies.csv`` titles and genres.
"""
from __future__ import annotations

import pathlib

from .loader import load_ratings
from .ratings import Ratings

__all__ = ["SAMPLE_NAMES", "RESOURCES", "sample_path", "load_sample"]

RESOURCES = pathlib.Path(__file__).resolve().parents[2] / "resources"
_FILES = {"tiny": "tiny.csv", "genres": "genres/ratings.csv"}
SAMPLE_NAMES = tuple(_FILES)


def sample_path(name: str) -> pathlib.Path:
    try:
        return RESOURCES / _FILES[name]
    except KeyError:
        raise KeyError(f"no sample named {name!r}: choose one of {', '.join(SAMPLE_NAMES)}") from None


def load_sample(name: str, progress=None, cancel=None) -> Ratings:
    return load_ratings(sample_path(name), progress=progress, cancel=cancel)
