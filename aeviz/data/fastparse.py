"""The vectorised fast path for numeric long-format chunks (``user,item,rating[,ts]``).

Each chunk is parsed with whole-array NumPy operations: delimiters found with one comparison and
checked with one gather, integers parsed eight bytes at a time from aligned words, a user column
sorted into runs parsed once per run, ratings read from their digits (which also give their range
and grid). Anything unusual (string ids, quotes, a bad value...) returns None and the chunk goes
through the careful parser (careful.py). benchmarks/load.py measures it against
``pandas.read_csv`` on the same files.
"""
from __future__ import annotations

import numpy as np

from .ratings import MAX_RATING
from .reading import _PAD
from .sniff import _Layout


_POW10 = 10 ** np.arange(19, dtype=np.int64)


def _gather(buf, s, e, w):
    idx = e[:, None] - w + np.arange(w)
    np.maximum(idx, 0, out=idx)
    mat = buf[idx]
    valid = np.arange(w) >= (w - (e - s))[:, None]
    return mat, valid


def _fields(buf, s, e, max_width: int):
    """(lengths, width, right-aligned byte matrix, valid mask) of the fields ``buf[s:e]`` (width 0
    if there are none), or None if one is empty or wider than ``max_width`` (the caller's
    digits would overflow)."""
    L = e - s
    if L.size == 0:
        return L, 0, None, None
    w = int(L.max())
    if int(L.min()) < 1 or w > max_width:
        return None
    mat, valid = _gather(buf, s, e, w)
    return L, w, mat, valid


def _fast_uint(buf, s, e):
    f = _fields(buf, s, e, 18)
    if f is None or f[1] == 0:
        return None if f is None else np.zeros(0, np.int64)
    L, w, mat, valid = f
    d = mat - np.uint8(48)
    if not bool(np.all((d <= 9) | ~valid)):
        return None
    d[~valid] = 0
    # canonical: no leading zero unless the number is 0
    lead = mat[np.arange(len(L)), w - L]
    if bool(np.any((lead == 48) & (L > 1))):
        return None
    return d.astype(np.int64) @ _POW10[w - 1::-1] if w > 1 else d[:, 0].astype(np.int64)


def _fast_decimal(buf, s, e):
    f = _fields(buf, s, e, 15)
    if f is None or f[1] == 0:
        return None if f is None else np.zeros(0, np.float64)
    L, w, mat, valid = f
    isdot = (mat == 46) & valid
    d = mat - np.uint8(48)
    isdig = (d <= 9) & valid
    if not bool(np.all(isdig | isdot | ~valid)):
        return None
    ndots = isdot.sum(axis=1)
    if bool(np.any(ndots > 1)) or bool(np.any(L - ndots < 1)):
        return None
    if not bool(ndots.any()):
        d[~valid] = 0
        return (d.astype(np.int64) @ _POW10[w - 1::-1]).astype(np.float64)
    acc = np.zeros(len(L), np.int64)
    for j in range(w):
        dj = isdig[:, j]
        acc = np.where(dj, acc * 10 + d[:, j], acc)
    frac = np.where(ndots > 0, w - 1 - np.argmax(isdot, axis=1), 0)
    return acc / _POW10[frac]


_U = np.uint64
_ZEROS = _U(0x3030303030303030)


def _u64_view(buf):
    """Every 8-byte window of ``buf`` as a little-endian uint64 (unaligned, no copy)."""
    return np.ndarray((len(buf) - 7,), dtype="<u8", buffer=buf, strides=(1,))


class _Words:
    """The 8-byte windows of a byte buffer ending at given positions, as little-endian
    uint64. Two ``take``s from the contiguous word array and a shift: fancy indexing
    on the overlapping stride-1 view (``_u64_view``) goes through NumPy's slow
    unaligned path and cost 3-4x more (a third of the whole parse)."""

    def __init__(self, buf):
        self.buf = buf
        self.count = len(buf) // 8
        self.words = buf[:8 * self.count].view("<u8")

    def __getitem__(self, p):
        """Windows starting at byte positions ``p`` (int64, >= 0, each <= len - 8)."""
        q = p >> 3
        s = (p & 7).view(np.uint64)
        s <<= _U(3)
        lo = self.words.take(q)
        q += 1
        hi = self.words.take(q, mode="clip")
        lo >>= s
        hi <<= _U(1)  # two shifts: a shift by 64 is undefined, by 1 then 63 is 0
        np.subtract(_U(63), s, out=s)
        hi <<= s
        lo |= hi
        if len(q) and int(q.max()) >= self.count:  # windows reaching into the last partial word
            tail = q >= self.count
            lo[tail] = _u64_view(self.buf)[p[tail]]
        return lo


_MIN_OF_LEN = np.array([0, 0] + [10 ** (k - 1) for k in range(2, 9)], dtype=np.int64)


def _swar_uint(buf, s, e, view=None, runs=False):
    """Fields of 1-8 ASCII digits parsed eight bytes at a time (SWAR): one gather per
    field, then about twenty whole-array integer operations. None if any field is not
    a canonical unsigned integer. ``buf`` must have 8 bytes of padding in front.

    ``runs``: the column often repeats the value of the line before (a file sorted by
    user): only the first line of each run is parsed."""
    res = _swar_runs(buf, s, e, view, runs)
    return None if res is None else res[0]


def _swar_runs(buf, s, e, view=None, runs=False):
    """``(values, heads, head_values)``: as _swar_uint, plus (when ``runs`` paid off)
    the index of the first line of each run of equal fields and its value, else
    ``heads`` is None. The runs make the chunk's statistics nearly free."""
    L = e - s
    if L.size == 0:
        return np.zeros(0, np.int64), None, None
    if int(L.min()) < 1 or int(L.max()) > 8:
        return None
    if view is None:
        view = _Words(buf)
    x = view[e - 8]  # the 8 bytes ending with the field: the field is in the high bytes
    shift = L << 3
    shift = np.subtract(np.int64(64), shift, out=shift).view(np.uint64)  # bits of the bytes before the field
    x >>= shift
    x <<= shift  # bytes before the field are now 0: equal words <=> equal fields
    if runs:
        change = np.empty(len(x), dtype=bool)
        change[0] = True
        np.not_equal(x[1:], x[:-1], out=change[1:])
        heads = np.flatnonzero(change)
        if 4 * len(heads) <= len(x):
            v = _swar_digits(x.take(heads), shift.take(heads), L.take(heads))
            if v is None:
                return None
            lengths = np.diff(heads, append=len(x))
            return np.repeat(v, lengths), heads, v
    v = _swar_digits(x, shift, L)
    return None if v is None else (v, None, None)


def _swar_digits(x, shift, L):
    """Values of right-aligned ASCII digit words (see _swar_uint); ``x`` and ``shift``
    are overwritten (in-place operations: each fresh array is a page-fault risk)."""
    t = np.left_shift(_ZEROS, shift, out=shift)
    x -= t  # digit values; a byte below '0' wraps to >= 0xD0
    np.add(x, _U(0x7676767676767676), out=t)  # high bit set where a byte > 9
    t |= x
    t &= _U(0x8080808080808080)
    if bool(t.any()):
        return None
    np.multiply(x, _U(10), out=t)
    x >>= _U(8)
    t += x  # pairs of digits
    np.bitwise_and(t, _U(0x000000FF000000FF), out=x)
    x *= _U(100 + (1000000 << 32))
    t >>= _U(16)
    t &= _U(0x000000FF000000FF)
    t *= _U(1 + (10000 << 32))
    t += x
    t >>= _U(32)
    v = t.view(np.int64)
    if bool(np.any(v < _MIN_OF_LEN.take(L))):  # a leading zero: "007" is a string id, not 7
        return None
    return v


def _fast_ids_runs(buf, s, e, view=None, runs=False):
    res = _swar_runs(buf, s, e, view, runs)
    if res is None:
        v = _fast_uint(buf, s, e)
        return None if v is None else (v, None, None)
    return res


def _fast_ids(buf, s, e, view=None, runs=False):
    v = _swar_uint(buf, s, e, view, runs)
    if v is None:
        v = _fast_uint(buf, s, e)
    return v


_TENTHS = (np.arange(100) / 10.0).astype(np.float32)


def _fast_rating(buf, s, e, view=None):
    """(float32 ratings, their stats or None) or None if any field is odd. For the
    usual "4" and "3.5" fields the stats (range and grid) come from the digits, as
    cheap uint8 operations."""
    L = e - s
    if L.size == 0:
        return np.zeros(0, np.float32), None
    lmin, lmax = int(L.min()), int(L.max())
    if lmax == 1 and lmin == 1:  # "4"
        d = buf.take(s)
        d -= np.uint8(48)  # digits -> 0..9, anything else wraps above 9
        lo, hi = int(d.min()), int(d.max())
        if hi > 9:
            return None
        return d.astype(np.float32), _stats_of_tenths(10 * lo, 10 * hi, True, True)
    if lmin == 3 and lmax == 3:  # "3.5": three byte gathers (cheaper than words)
        a = buf.take(s)
        s = s + 1
        dot = buf.take(s)
        s += 1
        b = buf.take(s)
        a -= np.uint8(48)
        b -= np.uint8(48)
        if int(np.maximum(a, b).max()) > 9 or bool(np.any(dot != 46)):
            return None
        a *= np.uint8(10)
        a += b  # tenths, 0..99
        whole = not bool(b.any())
        half = whole or bool(np.all((b == 0) | (b == 5)))
        r = a.astype(np.float32)
        r /= np.float32(10)  # correctly rounded k/10: float32(float("3.5")) for every k < 100 (tested)
        return r, _stats_of_tenths(int(a.min()), int(a.max()), whole, half)
    r = _fast_decimal(buf, s, e)
    return None if r is None else (r.astype(np.float32), None)


def _stats_of_tenths(lo, hi, whole, half):
    return {"min": float(_TENTHS[lo]), "max": float(_TENTHS[hi]), "int": whole, "half": half}


def _rating_stats(r, known=None):
    """Range and grid of the ratings of a chunk (``known``: already worked out)."""
    if known is not None:
        return known
    twice = r * np.float32(2)
    return {"min": float(r.min()), "max": float(r.max()),
            "int": bool(np.all(r == np.floor(r))), "half": bool(np.all(twice == np.floor(twice)))}


def _fast_long_chunk(chunk, layout: _Layout, padded: bool = False):
    """(users, items, ratings float32, n_blank, n_lines, stats) or None when the chunk
    needs the careful path (odd characters, string ids, bad values...). ``padded``:
    the chunk already starts with ``_PAD``."""
    if layout.sep == "::":
        chunk = bytes(chunk).replace(b"::", b"\t")
        if b":" in chunk:
            return None
        sepb = 9
    else:
        sepb = ord(layout.sep)
    if len(chunk) == (len(_PAD) if padded else 0):
        return (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32), 0, 0, None)
    if chunk[-1] != 10:  # the last line of a file without a final newline
        chunk = bytes(chunk) + b"\n"
    data = chunk if padded else _PAD + chunk
    del chunk
    res = _fast_long_body(data, layout, sepb)
    if res is None:
        raw = bytes(data)
        if b"\r" in raw:  # CRLF line ends: once more without the CRs
            raw = raw.replace(b"\r\n", b"\n")
            if b"\r" not in raw:
                res = _fast_long_body(raw, layout, sepb)
    return res


def _fast_long_body(data, layout: _Layout, sepb: int):
    """The vectorised parse of a padded, newline-terminated chunk. Anything odd (quotes,
    spaces, CRs, wrong column counts, non-digits...) makes it return None: either a
    stray byte lands among the delimiters and the counts disagree, or a field fails
    the digit checks."""
    buf = np.frombuffer(data, dtype=np.uint8)
    ncols = layout.ncols
    if sepb < 46:
        # tab and comma sort below '.' and the digits: one comparison finds every
        # delimiter (and any stray character, caught by the checks below)
        m = buf < 46
    else:
        m = buf == sepb
        m |= buf == 10
    D = np.flatnonzero(m)
    del m
    n_blank = 0
    n = len(D) // ncols
    ok = False
    if len(D) % ncols == 0 and n:
        # the byte at each delimiter, line by line, must read sep, sep, ..., newline:
        # then every line has exactly ncols fields and no stray byte < '.' hides anywhere
        at = buf.take(D)
        ok = (int(np.count_nonzero(at == sepb)) == n * (ncols - 1)
              and bool(np.all(at[ncols - 1::ncols] == 10)))
        del at
        if ok:
            D = D.reshape(n, ncols).T.copy()  # one row of positions per delimiter, contiguous:
            # every later operation on a column is then 3-4x cheaper than on a strided view
            ends = D[-1]
    if ok:
        starts = np.empty(n, np.int64)
        starts[0] = len(_PAD)
        starts[1:] = ends[:-1] + 1
        S = D[:-1]
    else:  # blank lines, or a line with the wrong number of columns
        del D
        ends = np.flatnonzero(buf == 10)
        starts = np.empty_like(ends)
        starts[0] = len(_PAD)
        starts[1:] = ends[:-1] + 1
        nonblank = ends > starts
        n_blank = int(len(ends) - np.count_nonzero(nonblank))
        if n_blank:
            starts = starts[nonblank]
            ends = ends[nonblank]
        del nonblank
        seps = np.flatnonzero(buf == sepb)
        k = ncols - 1
        n = len(starts)
        if len(seps) != k * n:
            return None
        S = seps.reshape(n, k).T.copy()
        if n and (bool(np.any(S[0] < starts)) or bool(np.any(S[-1] >= ends))):
            return None
    view = _Words(buf)
    ur = _fast_ids_runs(buf, starts, S[0], view, runs=True)
    if ur is None:
        return None
    u, heads, head_u = ur
    i = _fast_ids(buf, S[0] + 1, S[1], view)
    if i is None:
        return None
    rh = _fast_rating(buf, S[1] + 1, S[2] if ncols > 3 else ends, view)
    if rh is None:
        return None
    r, known = rh
    if len(r) == 0:
        return u, i, r, n_blank, n + n_blank, None
    rstats = _rating_stats(r, known)
    if rstats["max"] > MAX_RATING:
        return None
    # int32 ids when they fit: 12 bytes per rating while the chunks pile up
    uu = u if heads is None else head_u  # the runs' values: the same bounds, 1/100 of the work
    umin, umax, imin, imax = int(uu.min()), int(uu.max()), int(i.min()), int(i.max())
    # the stats from the int64 ids: scattering into the presence tables with intp
    # indices is twice as fast as with int32 ones
    stats = _chunk_stats(u, i, (umin, umax, imin, imax), rstats, heads, head_u)
    if umax < 2**31:
        u = u.astype(np.int32)
    if imax < 2**31:
        i = i.astype(np.int32)
    return u, i, r, n_blank, n + n_blank, stats


def _chunk_stats(u, i, bounds, rstats, heads=None, head_u=None):
    """Worked out in the worker threads so that the final build can skip whole passes:
    is the chunk sorted by (user, item) without repeats, the ids' bounds and tables,
    and the values' range/grid. ``heads``/``head_u``: the runs of equal users (first
    line, value), when the parse found them: then only the items need a full pass."""
    umin, umax, imin, imax = bounds
    if heads is not None:
        # sorted <=> the runs' users increase and the items increase within each run
        inc = np.empty(len(i), dtype=bool)
        np.greater(i[1:], i[:-1], out=inc[1:])
        inc[heads] = True
        strict = bool(np.all(head_u[1:] > head_u[:-1])) and bool(inc.all())
        upres = _local_presence(head_u, umin, umax, len(u))
        runs = {"heads": heads, "head_u": head_u}
    else:
        runs = {}
        if umin >= 0 and imin >= 0 and umax < 2**31 and imax < 2**31:
            strict = True
            for part in (slice(0, 256), slice(None)):  # a shuffled chunk shows it at once
                key = u[part].astype(np.int64)
                key <<= 32
                key |= i[part]
                strict = bool(np.all(key[1:] > key[:-1]))
                if not strict or len(key) == len(u):
                    break
        else:
            du = np.diff(u)
            strict = bool(np.all((du > 0) | ((du == 0) & (np.diff(i) > 0))))
        upres = _local_presence(u, umin, umax)
    return {
        "umin": umin, "umax": umax, "imin": imin, "imax": imax,
        "upres": upres, "ipres": _local_presence(i, imin, imax),
        "sorted": strict, "first": (int(u[0]), int(i[0])), "last": (int(u[-1]), int(i[-1])),
        **rstats, **runs,
    }


def _local_presence(ids, lo, hi, n=None):
    """This chunk's ids (of ``n`` lines) as a bool table (in the worker), or None if
    they are too sparse."""
    if lo < 0 or hi >= max(64 * (len(ids) if n is None else n), 1 << 20):
        return None
    table = np.zeros(hi + 1, dtype=bool)
    table[ids] = True
    return table
