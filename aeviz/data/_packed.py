"""CSR from entries in any order with ONE plain sort: (row, column, rating) packed in an integer.

A file not sorted by (user, item) (ml-100k ``u.data`` is in random order) needs its
entries sorted. Sorting ``row << b | column`` with the positions attached and then
gathering rows, columns and values in that order costs three random passes over
memory; when the ratings sit on a grid of tenths (stars, half stars, 0/1) the
rating fits in the key's low bits (1-7), so the sorted keys ARE the CSR matrix: one
SIMD sort (of uint32 keys when they fit in 31 bits, like ml-100k's), then the columns and values are read back block by block, in cache.
Repeated (user, item) pairs would lose their file order (the last one must win):
then this returns None and the caller takes the general, stable path.
"""
from __future__ import annotations

import numpy as np

__all__ = ["packed_csr", "fits"]

_BLOCK = 1 << 16  # decode this many entries at a time: the working set stays in cache
# rating -> small code: (bits, multiplier) per scale; other scales use tenths (0..50)
_CODES = {"binary": (1, 1), "stars": (3, 1), "half-stars": (4, 2)}
_TENTHS = (7, 10)


def _bits(n: int) -> int:
    return max(1, int(n - 1).bit_length())


def _layout(n_users: int, n_items: int, scale_kind: str):
    vbits, mult = _CODES.get(scale_kind, _TENTHS)
    total = _bits(n_users) + _bits(n_items) + vbits
    # 31 bits: a uint32 key (half the memory, a faster sort) and room for n_users << shift
    dtype = np.uint32 if total <= 31 else np.int64
    return vbits, mult, dtype, total


def fits(n_users: int, n_items: int, scale_kind: str = "continuous") -> bool:
    """Row, column and rating fit in 62 bits (so that ``n_users << shift`` does not overflow)."""
    return _layout(n_users, n_items, scale_kind)[3] <= 62


def packed_csr(users, items, ratings, lut_u, lut_i, n_users: int, n_items: int, scale_kind: str = "continuous"):
    """``(indptr, indices, values)`` of the entries given chunk by chunk (raw ids
    ``users[k]``, ``items[k]`` mapped to codes by the lookup tables, float32 ratings
    on the grid of ``scale_kind`` (stars, half-stars, binary; else tenths)), or None
    when a (user, item) pair repeats."""
    vbits, mult, dtype, _ = _layout(n_users, n_items, scale_kind)
    cb = _bits(n_items)
    total = sum(len(x) for x in users)
    key = np.empty(total, dtype)
    o = 0
    for u, i, r in zip(users, items, ratings):  # chunk by chunk: 40k entries, in cache
        seg = key[o:o + len(u)]
        o += len(u)
        seg[...] = lut_u.take(u)  # int32 codes widened in place
        seg <<= cb
        seg |= lut_i.take(i).astype(dtype, copy=False)
        seg <<= vbits
        seg |= np.rint(r * np.float32(mult)).astype(dtype)
    key.sort()  # NumPy's SIMD quicksort: no positions, no gathers
    indices = np.empty(total, np.int32)
    values = np.empty(total, np.float32)
    table = (np.arange(1 << vbits) / mult).astype(np.float32)  # float32(k/10) as float("3.5") rounds
    cmask = dtype((1 << cb) - 1)
    vmask = dtype((1 << vbits) - 1)
    prev = None
    for s in range(0, total, _BLOCK):
        kk = key[s:s + _BLOCK]
        pair = kk >> vbits
        if bool(np.any(pair[1:] == pair[:-1])) or (prev is not None and int(pair[0]) == prev):
            return None
        prev = int(pair[-1])
        pair &= cmask
        indices[s:s + len(kk)] = pair
        values[s:s + len(kk)] = table.take(kk & vmask)
    bounds = np.arange(n_users + 1, dtype=dtype)
    bounds <<= cb + vbits
    indptr = np.searchsorted(key, bounds).astype(np.int64)
    return indptr, indices, values
