"""CSR from entries in any order with ONE plain sort: (row, column, rating) packed in an int64.

A file not sorted by (user, item) (ml-100k ``u.data`` is in random order) needs its
entries sorted. Sorting ``row << b | column`` with the positions attached and then
gathering rows, columns and values in that order costs three random passes over
memory; when the ratings sit on a grid of tenths (stars, half stars, 0/1) the
rating fits in the key's low 7 bits, so the sorted keys ARE the CSR matrix: one
SIMD sort, then the columns and values are read back block by block, in cache.
Repeated (user, item) pairs would lose their file order (the last one must win):
then this returns None and the caller takes the general, stable path.
"""
from __future__ import annotations

import numpy as np

__all__ = ["packed_csr", "fits"]

_VBITS = 7  # tenths 0..50 (0.0 .. 5.0)
_BLOCK = 1 << 16  # decode this many entries at a time: the working set stays in cache
TENTHS = (np.arange(1 << _VBITS) / 10.0).astype(np.float32)  # float32(k/10) as float("3.5") rounds


def _bits(n: int) -> int:
    return max(1, int(n - 1).bit_length())


def fits(n_users: int, n_items: int) -> bool:
    """Row, column and rating fit in 62 bits (so that ``n_users << shift`` does not overflow)."""
    return _bits(n_users) + _bits(n_items) + _VBITS <= 62


def packed_csr(users, items, ratings, lut_u, lut_i, n_users: int, n_items: int):
    """``(indptr, indices, values)`` of the entries given chunk by chunk (raw ids
    ``users[k]``, ``items[k]`` mapped to codes by the lookup tables, float32 ratings
    on the tenths grid), or None when a (user, item) pair repeats."""
    cb = _bits(n_items)
    total = sum(len(x) for x in users)
    key = np.empty(total, np.int64)
    o = 0
    for u, i, r in zip(users, items, ratings):  # chunk by chunk: 40k entries, in cache
        seg = key[o:o + len(u)]
        o += len(u)
        seg[...] = lut_u.take(u)  # int32 codes widened in place
        seg <<= cb
        seg |= lut_i.take(i)
        seg <<= _VBITS
        seg |= np.rint(r * np.float32(10)).astype(np.int64)
    key.sort()  # NumPy's SIMD quicksort: no positions, no gathers
    indices = np.empty(total, np.int32)
    values = np.empty(total, np.float32)
    cmask = np.int64((1 << cb) - 1)
    prev = None
    for s in range(0, total, _BLOCK):
        kk = key[s:s + _BLOCK]
        pair = kk >> _VBITS
        if bool(np.any(pair[1:] == pair[:-1])) or (prev is not None and int(pair[0]) == prev):
            return None
        prev = int(pair[-1])
        pair &= cmask
        indices[s:s + len(kk)] = pair
        values[s:s + len(kk)] = TENTHS.take(kk & np.int64((1 << _VBITS) - 1))
    bounds = np.arange(n_users + 1, dtype=np.int64)
    bounds <<= cb + _VBITS
    indptr = np.searchsorted(key, bounds).astype(np.int64)
    return indptr, indices, values
