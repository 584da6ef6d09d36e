"""The careful Python parse of long-format chunks: slower, but the source of every precise
message (file, line, column, reason). The fast path (fastparse.py) hands it any chunk it cannot
take whole, so a bad file is reported exactly as if it had been parsed line by line."""
from __future__ import annotations

import math

import numpy as np

from .errors import LoadCancelled, RatingsFileError, quote
from .ratings import MAX_RATING, MIN_RATING, canonical_ids
from .sniff import _lines, split_fields, _number, _sep_name, _Layout


def _rating_value(path, s: str, line: int, col: int, colname: str) -> float:
    if s == "":
        raise RatingsFileError(path, "the rating is missing", line, col, colname)
    x = _number(s)
    if x is None:
        raise RatingsFileError(path, f"{quote(s)} is not a number", line, col, colname)
    if math.isnan(x):
        raise RatingsFileError(path, f"{quote(s)} is not a number (NaN)", line, col, colname)
    if math.isinf(x):
        raise RatingsFileError(path, f"{quote(s)} is not a finite number", line, col, colname)
    if x < MIN_RATING:
        raise RatingsFileError(path, f"{quote(s)[1:-1]} is negative: ratings must be between "
                                     f"{MIN_RATING:g} and {MAX_RATING:g}", line, col, colname)
    if x > MAX_RATING:
        raise RatingsFileError(path, f"{quote(s)[1:-1]} is outside the rating scale: ratings must be between "
                                     f"{MIN_RATING:g} and {MAX_RATING:g}", line, col, colname)
    return x


def _parse_long_text(path, text: str, layout: _Layout, line0: int, cancel=None):
    """Python parse of a chunk of a long file. Returns (users, items, ratings, n_blank).
    ``cancel()`` is asked every 4,096 lines: a 1 MB chunk of odd lines takes a while."""
    users, items, ratings = [], [], []
    blank = 0
    lines = _lines(text)
    if lines and lines[-1] == "":
        lines.pop()
    sep, ncols = layout.sep, layout.ncols
    for k, line in enumerate(lines):
        n = line0 + k + 1
        if k & 4095 == 4095 and cancel is not None and cancel():
            raise LoadCancelled()
        if n == layout.header_line:
            continue
        if not line.strip():
            blank += 1
            continue
        f = split_fields(line, sep)
        if len(f) != ncols:
            raise RatingsFileError(path, f"expected {ncols} columns separated by {_sep_name(sep)}, "
                                         f"found {len(f)}", line=n)
        if f[0] == "":
            raise RatingsFileError(path, "the user id is missing", n, 1, "user")
        if f[1] == "":
            raise RatingsFileError(path, "the item id is missing", n, 2, "item")
        users.append(f[0])
        items.append(f[1])
        ratings.append(_rating_value(path, f[2], n, 3, "rating"))
    return canonical_ids(users), canonical_ids(items), np.array(ratings, dtype=np.float32), blank
