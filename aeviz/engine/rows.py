"""The trainer reads observations through one tiny protocol: `dense_rows(rows) -> (values, mask)`.

The data layer's sparse `Ratings` provides it; `DenseRows` wraps a plain matrix (the seed's tables,
tests), so the engine never needs to import the data layer.
"""
from __future__ import annotations

from typing import Protocol

import numpy as np


class RowSource(Protocol):
    n_users: int
    n_items: int

    def dense_rows(self, rows) -> tuple[np.ndarray, np.ndarray]: ...


class DenseRows:
    """A dense users x items matrix; `mask` defaults to "non-zero means rated"."""

    def __init__(self, values, mask=None):
        self.values = np.atleast_2d(np.asarray(values, dtype=np.float32))
        self.mask = (self.values != 0) if mask is None else np.atleast_2d(np.asarray(mask, dtype=bool))
        if self.mask.shape != self.values.shape:
            raise ValueError("mask and values must have the same shape")

    @property
    def n_users(self) -> int:
        return self.values.shape[0]

    @property
    def n_items(self) -> int:
        return self.values.shape[1]

    def dense_rows(self, rows):
        rows = np.atleast_1d(np.asarray(rows, dtype=np.int64))
        return self.values[rows], self.mask[rows]  # integer indexing already copies

    def rated_counts_per_user(self) -> np.ndarray:
        return self.mask.sum(axis=1)

    def rated_counts_per_item(self) -> np.ndarray:
        return self.mask.sum(axis=0)

    def transposed(self) -> "DenseRows":
        """Columns as rows (an item model's view); transposing twice gives equal matrices."""
        return DenseRows(self.values.T.copy(), self.mask.T.copy())
