"""Read ratings files: formats are detected, not configured.

* long ``user, item, rating[, timestamp]`` with or without a header, separated by
  comma, tab, semicolon, ``|`` or ``::`` (MovieLens ml-100k ``u.data``/``u1.base``,
  ml-1m ``ratings.dat``, ml-latest ``ratings.csv``);
* wide matrices: rows users, columns items, 0 or empty = not rated, optional
  header row of titles, optional first column of user ids.

This module runs a load; one idea per module does the rest:

* reading.py: bytes in newline-terminated chunks (progress and cancel between chunks),
  refusing pipes, devices, NUL bytes, UTF-16 and endless lines as soon as they show;
* sniff.py: separator, header, long or wide, from the first whole lines;
* fastparse.py: numeric long chunks parsed with whole-array NumPy operations (in the
  calling thread; in worker threads if ``MAX_WORKERS`` allows and the machine is not busy);
* careful.py: the Python parse of any chunk the fast path refuses, and every precise
  error message (file, line, column, reason);
* wide.py: wide tables, chunk by chunk;
* titles.py: titles files, given or found beside the ratings.

The CSR matrix of a long file is built from per-chunk id tables: a file sorted by
(user, item) needs no sort at all (row pointers come from the runs), any other one
sorts a single packed key (_packed.py). Loading is a pure function: nothing global changes.
"""
from __future__ import annotations

import os
import pathlib
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace as _replace

import numpy as np

from . import _packed
from .errors import LoadCancelled, RatingsFileError
from .ratings import Ratings, build_ratings, canonical_ids, detect_scale, ratings_from_codes, scale_from_stats
from .reading import _PAD, CHUNK_BYTES, _Reader, _check_regular_file, _cut_lines
from .sniff import _decode, _check_not_binary, _Layout, _detect_layout, _sample_lines
from .careful import _parse_long_text
from .fastparse import _fast_long_chunk
from .wide import _load_wide
from .titles import _attach_titles


__all__ = ["load_ratings", "CHUNK_BYTES"]


class _Presence:
    """Which non-negative integer ids occur, marked chunk by chunk (in the main thread,
    while the workers parse the next chunks): the factorisation then costs one lookup."""

    def __init__(self):
        self.table = np.zeros(1024, dtype=bool)
        self.ok = True
        self.n = 0

    def add(self, ids, lo, hi, local=None):
        """Mark ``ids`` (min ``lo``, max ``hi``); ``local``: their table from a worker."""
        if not self.ok:
            return
        self.n += len(ids)
        if lo < 0 or hi >= max(4 * self.n, 1 << 20):
            self.ok = False  # sparse or negative ids: sort them at the end instead
            self.table = None
            return
        if hi >= len(self.table):
            grown = np.zeros(max(hi + 1, 2 * len(self.table)), dtype=bool)
            grown[:len(self.table)] = self.table
            self.table = grown
        if local is not None:
            self.table[:len(local)] |= local
        else:
            self.table[ids] = True

    def finish(self):
        ids = np.flatnonzero(self.table).astype(np.int64)
        lut = np.cumsum(self.table, dtype=np.int32)
        lut -= 1
        return ids, lut


#: at most this many parsing threads (1: always parse in the calling thread).
MAX_WORKERS = 2


def parse_threads() -> int:
    """Parsing threads: as many as there are idle cores (up to MAX_WORKERS), one (the
    calling thread) when the other cores are busy. Measured on 2 cores, 1M ratings:
    idle machine, 2 threads 29 ms vs 37 ms in one; one core busy elsewhere, 2 threads
    42 ms vs 38 ms: threads that cannot run at once only add GIL hand-overs."""
    cores = os.cpu_count() or 1
    limit = min(MAX_WORKERS, cores)
    if limit <= 1:
        return 1
    others = others_running()
    if others is None:
        try:
            others = round(os.getloadavg()[0])  # no instant count: the 1-minute average
        except (AttributeError, OSError):  # no load average (Windows): assume idle
            others = 0
    return max(1, min(limit, cores - others))


def others_running():
    """Threads running or ready to run right now, besides the caller (Linux:
    /proc/loadavg's 4th field counts them, this thread included), or None."""
    try:
        with open("/proc/loadavg", "rb") as f:
            return max(0, int(f.read().split()[3].split(b"/")[0]) - 1)
    except (OSError, ValueError, IndexError):
        return None


def _nudge_allocator():
    """Allocate and free (without touching) a 30 MB block.

    glibc's malloc adapts its mmap threshold to the largest block freed so far (up
    to 32 MB) and trims its heaps beyond twice that. Once it has seen a 30 MB block,
    the loader's many 1-10 MB temporaries are recycled from the heap instead of being
    mmapped and unmapped each time: on a VM every fresh page is a fault, and that
    was a third of the loading time. Any program that frees a 30 MB array gets the
    same adaptation; elsewhere (other allocators) this is a no-op.
    """
    block = np.empty(30 << 20, dtype=np.uint8)
    del block


class _Done:
    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


def _load_long(path, reader: _Reader, first: bytes, rest, layout: _Layout, cancel):
    """Parse the chunks of a long file; numeric chunks are parsed in worker threads
    (NumPy releases the GIL), the others (and all error reporting) in this thread,
    in file order."""
    users, items, ratings, stats = [], [], [], []
    blank = 0
    int_ids = True
    pres_u, pres_i = _Presence(), _Presence()
    line_base = reader.lines_before
    workers = parse_threads()
    pool = ThreadPoolExecutor(workers) if workers > 1 and reader.size > (4 << 20) else None
    if reader.size > (4 << 20):
        _nudge_allocator()
    pending = deque()

    def submit(chunk, padded=True):
        if pool is not None:
            pending.append((chunk, padded, pool.submit(_fast_long_chunk, chunk, layout, padded)))
        else:
            pending.append((chunk, padded, _Done(_fast_long_chunk(chunk, layout, padded))))

    def drain():
        nonlocal line_base, blank, int_ids
        chunk, padded, fut = pending.popleft()
        res = fut.result()
        if res is None:
            raw = bytes(chunk[len(_PAD):]) if padded else bytes(chunk)
            nlines = raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)
            res = _parse_long_text(path, _decode(raw), layout, line_base, cancel) + (nlines, "slow")
            del raw
        if padded:
            reader.release(chunk)
        del chunk
        u, i, r, b, nlines, st = res
        stats.append(st)
        blank += b
        if u.dtype == object or i.dtype == object:
            int_ids = False
        elif len(u):
            if isinstance(st, dict):
                pres_u.add(u, st.pop("umin"), st.pop("umax"), st.pop("upres"))
                pres_i.add(i, st.pop("imin"), st.pop("imax"), st.pop("ipres"))
            else:
                pres_u.add(u, int(u.min()), int(u.max()))
                pres_i.add(i, int(i.min()), int(i.max()))
        users.append(u)
        items.append(i)
        ratings.append(r)
        line_base += nlines

    try:
        if layout.header_line is not None:
            # cut the header (and any blank lines before it) off the first chunk
            blank += layout.header_line - line_base - 1
            first, line_base = _cut_lines(first, layout.header_line - line_base, line_base)
        if first:
            submit(first, padded=False)
        del first
        for chunk in rest:
            while len(pending) > 2 * workers + 2:
                drain()
            submit(chunk)
            del chunk
        while pending:
            drain()
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    if cancel is not None and cancel():
        raise LoadCancelled()
    if not any(len(r) for r in ratings):
        if layout.header_line is not None:
            raise RatingsFileError(path, "there is a header row but no ratings below it",
                                   line=layout.header_line)
        raise RatingsFileError(path, "the file is empty")
    warnings = []
    if blank:
        warnings.append(f"{blank} blank line{'s' if blank != 1 else ''} skipped")
    hints = _combine_stats(stats, int_ids)
    if int_ids and pres_u.ok and pres_i.ok:
        # codes straight from the presence tables, chunk by chunk (in parallel):
        # no concatenation of raw ids, no sort
        user_ids, lut_u = pres_u.finish()
        item_ids, lut_i = pres_i.finish()
        scale = hints.get("scale")
        if (not hints.get("presorted") and scale is not None and scale.kind != "continuous"
                and _packed.fits(len(user_ids), len(item_ids), scale.kind)):
            csr = _packed.packed_csr(users, items, ratings, lut_u, lut_i, len(user_ids), len(item_ids),
                                     scale.kind)
            if csr is not None:  # None: a repeated pair, the stable path below keeps the last
                return ("csr", (user_ids, item_ids) + csr, warnings, hints)
        n = sum(len(x) for x in ratings)
        presorted = bool(hints.get("presorted"))
        rows = None if presorted else np.empty(n, np.int32)  # sorted: row pointers from the runs
        cols = np.empty(n, np.int32)
        vals = np.empty(n, np.float32)

        def fill(k, o):
            m = len(ratings[k])
            if rows is not None:
                np.take(lut_u, users[k], out=rows[o:o + m])
            np.take(lut_i, items[k], out=cols[o:o + m])
            vals[o:o + m] = ratings[k]

        offsets = np.concatenate([[0], np.cumsum([len(x) for x in ratings])]).tolist()
        workers = parse_threads()
        if workers > 1 and n > 500_000:
            with ThreadPoolExecutor(workers) as fill_pool:
                list(fill_pool.map(fill, range(len(ratings)), offsets[:-1]))
        else:
            for k in range(len(ratings)):
                fill(k, offsets[k])
        if presorted:
            indptr = _indptr_of_sorted(users, stats, lut_u, len(user_ids))
            return ("csr", (user_ids, item_ids, indptr, cols, vals), warnings, hints)
        return ("codes", (user_ids, rows, item_ids, cols, vals), warnings, hints)
    if int_ids:
        u_all = np.concatenate(users)
        i_all = np.concatenate(items)
    else:
        u_all = _concat_ids(users)
        i_all = _concat_ids(items)
    users = items = None  # the chunks go before the ratings are joined: a lower peak
    r_all = np.concatenate(ratings)
    ratings = None
    return ("raw", (u_all, i_all, r_all), warnings, hints)


def _indptr_of_sorted(users, stats, lut_u, n_users):
    """Row pointers of entries sorted by user, from the runs of equal users the parser
    found (a few hundred per chunk) rather than from a row code per entry."""
    counts = np.zeros(n_users, np.int64)
    for u, st in zip(users, stats):
        if not len(u):
            continue
        if isinstance(st, dict) and st.get("heads") is not None:
            heads, codes = st["heads"], lut_u.take(st["head_u"])
        else:
            c = lut_u.take(u)
            heads = np.flatnonzero(np.diff(c)) + 1
            heads = np.concatenate([[0], heads])
            codes = c[heads]
        counts[codes] += np.diff(heads, append=len(u))  # sorted: no code twice in a chunk
    indptr = np.zeros(n_users + 1, np.int64)
    np.cumsum(counts, out=indptr[1:])
    return indptr


def _combine_stats(stats, int_ids):
    """Build hints from the workers' per-chunk stats (None where unknown)."""
    known = [s for s in stats if s is not None]
    if not int_ids or not known or any(s == "slow" for s in known):
        return {}
    presorted = all(s["sorted"] for s in known) and all(
        a["last"] < b["first"] for a, b in zip(known, known[1:]))
    scale = scale_from_stats(min(s["min"] for s in known), max(s["max"] for s in known),
                             all(s["int"] for s in known), all(s["half"] for s in known))
    return {"presorted": presorted, "scale": scale}


def _concat_ids(parts):
    """Ids from chunks of which some are strings: all as strings (ints if all canonical)."""
    out = []
    for p in parts:
        out.extend(p.tolist())
    return canonical_ids([str(x) for x in out])


def _read_ratings(path, progress=None, cancel=None, chunk_bytes=CHUNK_BYTES, allow_single=False):
    """(Ratings, is_wide) without titles attached."""
    path = pathlib.Path(path)
    _check_regular_file(path)
    if progress is not None:
        progress(0.0)
    reader = _Reader(path, chunk_bytes, progress, cancel)
    chunks = reader.chunks()
    first = b""
    for padded_first in chunks:
        first = bytes(padded_first[len(_PAD):])
        reader.release(padded_first)
        del padded_first
        if first and not first.isspace():
            break
        reader.lines_before += first.count(b"\n")  # a chunk of only blank lines
    if not first or first.isspace():
        raise RatingsFileError(path, "the file is empty")
    line0 = reader.lines_before
    _, sample = _sample_lines(first)
    sample = [(n + line0, s) for n, s in sample]
    _check_not_binary(path, sample)
    layout = _detect_layout(path, sample)
    if layout.wide:
        ratings = _load_wide(path, reader, first, chunks, layout, sample, cancel)
    else:
        kind, arrays, warnings, hints = _load_long(path, reader, first, chunks, layout, cancel)
        build = {"codes": ratings_from_codes, "csr": _ratings_from_csr}.get(kind, build_ratings)
        ratings = build(*arrays, source=str(path), warnings=warnings, **hints)
        del arrays
        ratings = _drop_unrated_zeros(ratings)
    if not allow_single:
        _check_enough(path, ratings)
    return ratings, layout.wide


def _ratings_from_csr(user_ids, item_ids, indptr, indices, values, *, source, warnings, scale,
                      presorted=False):
    """A Ratings from finished CSR arrays (no repeated pairs, columns sorted in each row)."""
    return Ratings(indptr, indices, values, user_ids, item_ids, tuple(map(str, item_ids.tolist())), scale,
                   source=source, warnings=tuple(warnings))


def _drop_unrated_zeros(ratings: Ratings) -> Ratings:
    """A 0 among ratings above 1 means "not rated" in a long file too, as in wide tables
    and the tutorial (1-5 stars, 0 = not rated): those lines are dropped, with a warning,
    instead of silently turning the scale into "0-5 (continuous)". Files within 0-1
    (like/dislike, or a continuous 0-1 scale) keep their zeros."""
    v = ratings.values
    if not len(v) or ratings.scale.minimum != 0 or float(v.max()) <= 1:
        return ratings
    keep = v != 0
    zeros = len(v) - int(np.count_nonzero(keep))
    if not zeros:
        return ratings
    rows = np.repeat(np.arange(ratings.n_users), np.diff(ratings.indptr))
    indptr = np.zeros(ratings.n_users + 1, np.int64)
    np.cumsum(np.bincount(rows[keep], minlength=ratings.n_users), out=indptr[1:])
    values = v[keep]
    note = (f"{zeros} rating{'s' if zeros != 1 else ''} of 0 skipped: 0 means \"not rated\" "
            f"on a {detect_scale(values).describe()} scale")
    return _replace(ratings, indptr=indptr, indices=ratings.indices[keep], values=values,
                    scale=detect_scale(values), warnings=ratings.warnings + (note,))


def _check_enough(path, ratings: Ratings):
    if ratings.nnz == 0:
        raise RatingsFileError(path, "there are no ratings in this file (every cell is 0 or empty)")
    if ratings.n_users < 2:
        raise RatingsFileError(path, f"only one user (id {ratings.user_ids[0]}): "
                                     "need at least two users to learn anything")
    if ratings.n_items < 2:
        raise RatingsFileError(path, f"only one item (id {ratings.item_ids[0]}): "
                                     "need at least two items to learn anything")


def load_ratings(path, titles=None, progress=None, cancel=None, *, chunk_bytes: int = CHUNK_BYTES) -> Ratings:
    """Load a ratings file, detecting its format.

    ``titles``: explicit titles file (u.item, movies.dat, movies.csv); otherwise one
    found beside a long-format ratings file is used. ``progress(fraction)`` is
    called now and then; ``cancel()`` returning True raises LoadCancelled.
    Any refused file raises RatingsFileError.
    """
    path = pathlib.Path(path)
    ratings, wide = _read_ratings(path, progress, cancel, chunk_bytes)
    ratings = _attach_titles(path, ratings, titles, wide=wide)
    if progress is not None:
        progress(1.0)
    return ratings
