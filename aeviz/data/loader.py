"""Read ratings files: formats are detected, not configured.

* long ``user, item, rating[, timestamp]`` with or without a header, separated by
  comma, tab, semicolon, ``|`` or ``::`` (MovieLens ml-100k ``u.data``/``u1.base``,
  ml-1m ``ratings.dat``, ml-latest ``ratings.csv``);
* wide matrices: rows users, columns items, 0 or empty = not rated, optional
  header row of titles, optional first column of user ids.

Numeric long files take a vectorised fast path: the file is read in 1 MB chunks
(progress and cancel between chunks), each chunk is parsed (in the calling thread; in
worker threads if ``MAX_WORKERS`` allows and the machine is not busy) with whole-array
NumPy operations: delimiters found with one comparison and checked with one gather,
integers parsed eight bytes at a time from aligned words, a user column sorted into
runs parsed once per run, ratings read from their digits (which also give their
range and grid). The CSR matrix is built
from per-chunk id tables: a file sorted by (user, item) needs no sort at all (row
pointers come from the runs), any other one sorts a single packed key (_packed.py).
Anything unusual in a chunk (string ids, quotes, a bad value...) sends that chunk
through the careful Python parser, which also produces the precise error messages.
Loading is a pure function: nothing global changes.
"""
from __future__ import annotations

import csv
import math
import os
import pathlib
import re
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace as _replace

import numpy as np

from . import _packed
from .errors import LoadCancelled, RatingsFileError
from .ratings import (MAX_RATING, MIN_RATING, Ratings, build_csr, build_ratings, canonical_ids, detect_scale,
                      ratings_from_codes, scale_from_stats)
from .ratings import _key as _tkey

__all__ = ["load_ratings", "load_titles", "CHUNK_BYTES"]

_PAD = b"00000000"  # 8 bytes before each chunk's data: every field ends >= 8 bytes in
CHUNK_BYTES = 1 << 20  # small chunks stay in cache and reuse freed memory: faster than big ones
SNIFF_BYTES = 64 << 10
SNIFF_LINES = 200
SEPARATORS = ("::", "\t", ",", ";", "|")

USER_WORDS = {"user", "userid", "users", "uid", "customer", "customerid", "reviewer", "reviewerid",
              "person", "rater", "raterid", "id", "name", "u"}
ITEM_WORDS = {"item", "itemid", "items", "movie", "movieid", "movies", "iid", "mid", "film", "filmid",
              "product", "productid", "asin", "book", "bookid", "isbn", "song", "track", "i", "m"}
RATING_WORDS = {"rating", "ratings", "score", "stars", "star", "value", "rate", "preference", "like",
                "liked", "r", "grade"}
TIME_WORDS = {"timestamp", "time", "date", "ts", "datetime", "unixtime", "t", "when"}
LONG_WORDS = USER_WORDS | ITEM_WORDS | RATING_WORDS | TIME_WORDS

U_ITEM_GENRES = ("unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
                 "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
                 "Romance", "Sci-Fi", "Thriller", "War", "Western")


def _norm(word: str) -> str:
    return "".join(ch for ch in word.lower() if ch.isalnum())


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _split(line: str, sep: str) -> list[str]:
    if sep == "::":
        return [f.strip() for f in line.split("::")]
    if '"' in line:
        try:
            return [f.strip() for f in next(csv.reader([line], delimiter=sep))]
        except (csv.Error, StopIteration):
            pass
    return [f.strip() for f in line.split(sep)]


def _number(s: str):
    """float, or None when not a number at all (nan/inf are numbers here)."""
    try:
        return float(s)
    except ValueError:
        return None


def _sep_name(sep: str) -> str:
    return {"::": "'::'", "\t": "tab", ",": "comma", ";": "semicolon", "|": "'|'"}[sep]


# =====================================================================================
# reading bytes in chunks
# =====================================================================================
class _Reader:
    """Yields newline-terminated chunks, strips a UTF-8 BOM, refuses NUL bytes,
    reports progress and honours cancel."""

    def __init__(self, path: pathlib.Path, chunk_bytes: int, progress, cancel, share=(0.0, 0.9)):
        self.path = path
        self.chunk_bytes = max(int(chunk_bytes), 1024)
        self.progress = progress
        self.cancel = cancel
        self.share = share
        self.size = os.path.getsize(path)
        self.lines_before = 0  # lines completely consumed before the current chunk
        self.offset = 0  # byte offset in the file of the current chunk
        self._free = []  # buffers given back by release()

    def _report(self, done: int):
        if self.progress is not None:
            lo, hi = self.share
            frac = done / self.size if self.size else 1.0
            self.progress(lo + (hi - lo) * min(frac, 1.0))

    def release(self, chunk):
        """The caller is done with a chunk from ``chunks()``: its buffer may be reused
        (fresh memory costs page faults; recycled buffers are already mapped)."""
        buf = chunk.obj if isinstance(chunk, memoryview) else None
        if isinstance(chunk, memoryview):
            chunk.release()
        if buf is not None and len(self._free) < 16:
            self._free.append(buf)

    def chunks(self):
        """Newline-terminated chunks: memoryviews of buffers with 8 bytes of padding
        (``_PAD``) in front (the fast parser reads 8-byte words ending at any field).
        Read with ``readinto`` into recycled buffers: one copy of the data, no more."""
        done = 0
        carry = b""
        first = True
        pad = len(_PAD)
        with open(self.path, "rb") as f:
            while True:
                if self.cancel is not None and self.cancel():
                    raise LoadCancelled()
                head = pad + len(carry)
                size = head + self.chunk_bytes
                ba = None
                while self._free:
                    cand = self._free.pop()
                    if len(cand) >= size:
                        ba = cand
                        break
                if ba is None:
                    ba = bytearray(max(size, pad + 2 * self.chunk_bytes))
                ba[:pad] = _PAD
                ba[pad:head] = carry
                with memoryview(ba) as mv:
                    got = f.readinto(mv[head:size])
                end = head + got
                if got == 0:
                    if carry:
                        yield self._checked(memoryview(ba)[:end])
                    break
                done += got
                if first:
                    first = False
                    if ba[pad:pad + 3] == b"\xef\xbb\xbf":
                        ba[pad:end - 3] = ba[pad + 3:end]
                        end -= 3
                        self.offset = 3
                cut = ba.rfind(b"\n", pad, end)
                if cut < 0:
                    carry = bytes(ba[pad:end])
                    self._free.append(ba)
                    continue
                carry = bytes(ba[cut + 1:end])
                chunk = memoryview(ba)[:cut + 1]
                yield self._checked(chunk)
                self.offset += cut + 1 - pad
                self._report(done)
        self._report(self.size)

    def _checked(self, chunk: memoryview) -> memoryview:
        nul = chunk.obj.find(b"\x00", len(_PAD), len(chunk))
        if nul >= 0:
            line = _line_at(self.path, self.offset + nul - len(_PAD))
            raise RatingsFileError(self.path, "this is a binary file, not a text table of ratings (NUL byte)",
                                   line=line)
        return chunk


def _line_at(path, offset: int) -> int:
    """1-based line number of a byte offset (slow second pass, for error messages)."""
    with open(path, "rb") as f:
        return f.read(offset).count(b"\n") + 1


_CONTROL = re.compile("[\x00-\x08\x0e-\x1f]")


def _check_not_binary(path, text: str, line0: int = 0):
    head = text[:SNIFF_BYTES]
    found = _CONTROL.findall(head)
    if len(found) > max(2, len(head) // 200):
        first = _CONTROL.search(head).start()
        line = line0 + text.count("\n", 0, first) + 1
        raise RatingsFileError(path, "this is a binary file, not a text table of ratings (control characters)",
                               line=line)


# =====================================================================================
# layout detection
# =====================================================================================
class _Layout:
    def __init__(self, sep, ncols, wide, header_line, header):
        self.sep = sep
        self.ncols = ncols
        self.wide = wide
        self.header_line = header_line  # 1-based line number of the header, or None
        self.header = header  # list of header cells, or None


def _detect_separator(sample: list[tuple[int, str]]) -> tuple[str, int]:
    best = None
    for prio, sep in enumerate(SEPARATORS):
        counts = [len(_split(line, sep)) if sep in line else 1 for _, line in sample]
        mode = max(set(counts), key=lambda c: (counts.count(c), c))
        if mode < 2:
            continue
        consistency = counts.count(mode) / len(counts)
        score = (consistency == 1.0, consistency, mode, -prio)
        if best is None or score > best[0]:
            best = (score, sep, mode)
    if best is None:
        return "", 1
    return best[1], best[2]


def _half_grid(x: float) -> bool:
    return x * 2 == math.floor(x * 2)


def _in_scale(x) -> bool:
    return x is not None and MIN_RATING <= x <= MAX_RATING and _half_grid(x)


def _detect_layout(path, sample: list[tuple[int, str]]) -> _Layout:
    sep, ncols = _detect_separator(sample)
    first_line = sample[0][0]
    if ncols < 3:
        found = len(_split(sample[0][1], sep)) if sep else 1
        raise RatingsFileError(path, f"too few columns: found {found}, need at least 3 "
                                     "(user, item, rating) or a wide matrix of ratings", line=first_line)
    rows = [(n, _split(line, sep)) for n, line in sample]
    head_cells = rows[0][1]
    words = [_norm(c) for c in head_cells]
    rest = [r for _, r in rows[1:] if len(r) == ncols]
    # does the first row look like a header? a non-number where the data below has numbers
    head_nonnum = [c != "" and _number(c) is None for c in head_cells]
    data_num_cols = set()
    for j in range(ncols):
        vals = [r[j] for r in rest if r[j] != ""]
        if vals and all(_number(v) is not None for v in vals):
            data_num_cols.add(j)
    long_vocab = len(head_cells) == ncols and all(w in LONG_WORDS for w in words) and \
        any(w in RATING_WORDS for w in words)
    header = long_vocab or any(head_nonnum[j] for j in data_num_cols if j < len(head_nonnum)) or \
        (not rest and any(head_nonnum))
    if ncols >= 5:
        wide = True
    elif long_vocab:
        wide = False
    elif header and sum(w in LONG_WORDS for w in words[1:]) == 0:
        wide = True  # a header of titles: "user,Toy Story,Heat,Alien"
    else:
        data = rest if header else [r for _, r in rows if len(r) == ncols]
        wide = _looks_wide(data, ncols)
    return _Layout(sep, ncols, wide, first_line if header else None, head_cells if header else None)


def _looks_wide(data: list[list[str]], ncols: int) -> bool:
    """3-4 columns, no telling header: long unless the values say otherwise."""
    if not data:
        return False
    nums = [[_number(c) if c != "" else 0.0 for c in r] for r in data]
    # in a wide file every column after the first is a rating
    for j in range(1, ncols):
        if not all(_in_scale(r[j]) for r in nums):
            return False  # item ids > 5, timestamps, string ids: long
    if any(c == "" for r in data for c in r[1:]):
        return True  # long files never have empty fields; wide ones use them for "not rated"
    col0 = [r[0] for r in data]
    rating_col = [r[2] for r in nums]
    if 0.0 in rating_col and any(v >= 2 for v in rating_col):
        return True  # 0 next to 2-5 stars means "not rated": only wide files do that
    if any(0.0 == r[j] for r in nums for j in range(1, ncols)) and any(
            v is not None and v >= 2 for r in nums for v in r[1:]):
        return True
    if len(data) >= 2 and len(set(col0)) == len(col0):
        return True  # every "user" would have exactly one rating: it is a row per user
    return False


# =====================================================================================
# parsing: the careful Python path (also the source of error messages)
# =====================================================================================
def _rating_value(path, s: str, line: int, col: int, colname: str) -> float:
    if s == "":
        raise RatingsFileError(path, "the rating is missing", line, col, colname)
    x = _number(s)
    if x is None:
        raise RatingsFileError(path, f"{s!r} is not a number", line, col, colname)
    if math.isnan(x):
        raise RatingsFileError(path, f"{s!r} is not a number (NaN)", line, col, colname)
    if math.isinf(x):
        raise RatingsFileError(path, f"{s!r} is not a finite number", line, col, colname)
    if x < MIN_RATING:
        raise RatingsFileError(path, f"{s} is negative: ratings must be between "
                                     f"{MIN_RATING:g} and {MAX_RATING:g}", line, col, colname)
    if x > MAX_RATING:
        raise RatingsFileError(path, f"{s} is outside the rating scale: ratings must be between "
                                     f"{MIN_RATING:g} and {MAX_RATING:g}", line, col, colname)
    return x


def _parse_long_text(path, text: str, layout: _Layout, line0: int):
    """Python parse of a chunk of a long file. Returns (users, items, ratings, n_blank)."""
    users, items, ratings = [], [], []
    blank = 0
    lines = _lines(text)
    if lines and lines[-1] == "":
        lines.pop()
    sep, ncols = layout.sep, layout.ncols
    for k, line in enumerate(lines):
        n = line0 + k + 1
        if n == layout.header_line:
            continue
        if not line.strip():
            blank += 1
            continue
        f = _split(line, sep)
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


# =====================================================================================
# parsing: the vectorised fast path for numeric long chunks
# =====================================================================================
_POW10 = 10 ** np.arange(19, dtype=np.int64)


def _gather(buf, s, e, w):
    idx = e[:, None] - w + np.arange(w)
    np.maximum(idx, 0, out=idx)
    mat = buf[idx]
    valid = np.arange(w) >= (w - (e - s))[:, None]
    return mat, valid


def _fast_uint(buf, s, e):
    L = e - s
    if L.size == 0:
        return np.zeros(0, np.int64)
    lmin, w = int(L.min()), int(L.max())
    if lmin < 1 or w > 18:
        return None
    mat, valid = _gather(buf, s, e, w)
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
    L = e - s
    if L.size == 0:
        return np.zeros(0, np.float64)
    lmin, w = int(L.min()), int(L.max())
    if lmin < 1 or w > 15:
        return None
    mat, valid = _gather(buf, s, e, w)
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


# =====================================================================================
# the long and wide loaders
# =====================================================================================
def _sample_lines(first_chunk: bytes) -> tuple[str, list[tuple[int, str]]]:
    """The decoded head of the file and its first non-blank lines (line number, text)."""
    head = first_chunk[:SNIFF_BYTES]
    cut = head.rfind(b"\n")
    if cut >= 0 and len(first_chunk) > SNIFF_BYTES:
        head = head[:cut + 1]
    text = _decode(head)
    sample = []
    for k, line in enumerate(_lines(text)):
        if line.strip():
            sample.append((k + 1, line))
            if len(sample) >= SNIFF_LINES:
                break
    return text, sample


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


def _workers() -> int:
    """Parsing threads: as many as there are idle cores (up to MAX_WORKERS), one (the
    calling thread) when the other cores are busy. Measured on 2 cores, 1M ratings:
    idle machine, 2 threads 29 ms vs 37 ms in one; one core busy elsewhere, 2 threads
    42 ms vs 38 ms: threads that cannot run at once only add GIL hand-overs."""
    cores = os.cpu_count() or 1
    limit = min(MAX_WORKERS, cores)
    if limit <= 1:
        return 1
    others = _others_running()
    if others is None:
        try:
            others = round(os.getloadavg()[0])  # no instant count: the 1-minute average
        except (AttributeError, OSError):  # no load average (Windows): assume idle
            others = 0
    return max(1, min(limit, cores - others))


def _others_running():
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
    workers = _workers()
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
            res = _parse_long_text(path, _decode(raw), layout, line_base) + (nlines, "slow")
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
            pos = 0
            skip = layout.header_line - line_base
            for _ in range(skip):
                nl = first.find(b"\n", pos)
                pos = len(first) if nl < 0 else nl + 1
            blank += skip - 1
            line_base += skip
            first = first[pos:]
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
                del users, items, ratings
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
        workers = _workers()
        if workers > 1 and n > 500_000:
            with ThreadPoolExecutor(workers) as fill_pool:
                list(fill_pool.map(fill, range(len(ratings)), offsets[:-1]))
        else:
            for k in range(len(ratings)):
                fill(k, offsets[k])
        if presorted:
            indptr = _indptr_of_sorted(users, stats, lut_u, len(user_ids))
            del users, items, ratings
            return ("csr", (user_ids, item_ids, indptr, cols, vals), warnings, hints)
        del users, items, ratings
        return ("codes", (user_ids, rows, item_ids, cols, vals), warnings, hints)
    if int_ids:
        u_all = np.concatenate(users)
        i_all = np.concatenate(items)
    else:
        u_all = _concat_ids(users)
        i_all = _concat_ids(items)
    del users, items
    r_all = np.concatenate(ratings)
    del ratings
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


def _load_wide(path, text: str, layout: _Layout):
    sep, ncols = layout.sep, layout.ncols
    lines = _lines(text)
    rows = []
    blank = 0
    header_line = layout.header_line
    for k, line in enumerate(lines):
        n = k + 1
        if n == header_line:
            continue
        if not line.strip():
            if k != len(lines) - 1:
                blank += 1
            continue
        f = _split(line, sep)
        if len(f) != ncols:
            raise RatingsFileError(path, f"expected {ncols} columns separated by {_sep_name(sep)}, "
                                         f"found {len(f)}", line=n)
        rows.append((n, f))
    if not rows:
        if header_line is not None:
            raise RatingsFileError(path, "there is a header row but no ratings below it", line=header_line)
        raise RatingsFileError(path, "the file is empty")
    header = layout.header
    col0 = [f[0] for _, f in rows]
    h0 = _norm(header[0]) if header else None
    nums = [_number(c) if c != "" else 0.0 for c in col0]
    if header is not None and (h0 == "" or h0 in USER_WORDS):
        has_id = True
    elif any(not _in_scale(x) for x in nums):
        has_id = True  # names, ids > 5, ...: not ratings
    elif header is not None:
        has_id = False  # the first header cell is a title: the first column is ratings
    else:  # no header, small numbers: ids only if they count the rows (1, 2, 3, ...)
        has_id = (len(col0) >= 3 and all(x == int(x) for x in nums) and int(nums[0]) in (0, 1)
                  and [int(x) for x in nums] == list(range(int(nums[0]), int(nums[0]) + len(nums))))
    first = 1 if has_id else 0
    n_items = ncols - first
    if header is not None:
        titles = [h if h else str(j + 1) for j, h in enumerate(header[first:])]
        colnames = titles
    else:
        titles = [str(j + 1) for j in range(n_items)]
        colnames = ["rating"] * n_items
    users, items, vals = [], [], []
    user_of_row = []
    for r, (n, f) in enumerate(rows):
        if has_id:
            if f[0] == "":
                raise RatingsFileError(path, "the user id is missing", n, 1, "user")
            user_of_row.append(f[0])
        else:
            user_of_row.append(str(r + 1))
        for j in range(n_items):
            s = f[first + j]
            if s == "":
                continue
            x = _rating_value(path, s, n, first + j + 1, colnames[j])
            if x == 0:
                continue
            users.append(r)
            items.append(j)
            vals.append(x)
    uid_arr = canonical_ids(user_of_row)
    # rows keep the file's order; a repeated user id merges into its first row
    seen = {}
    row_of = np.array([seen.setdefault(u, len(seen)) for u in uid_arr.tolist()], dtype=np.int64)
    user_ids = uid_arr[np.array(sorted(set(row_of.tolist())), dtype=np.int64)] if len(seen) != len(uid_arr) else uid_arr
    if len(seen) != len(uid_arr):
        first_pos = {}
        for pos, u in enumerate(uid_arr.tolist()):
            first_pos.setdefault(u, pos)
        user_ids = uid_arr[np.array(sorted(first_pos.values()), dtype=np.int64)]
    rows_arr = row_of[np.array(users, dtype=np.int64)] if users else np.zeros(0, np.int64)
    indptr, indices, values, dups = build_csr(rows_arr, np.array(items, dtype=np.int64),
                                              np.array(vals, dtype=np.float32), len(user_ids), n_items)
    warnings = []
    if blank:
        warnings.append(f"{blank} blank line{'s' if blank != 1 else ''} skipped")
    if dups:
        warnings.append(f"{dups} duplicated user/item pair{'s' if dups != 1 else ''}: kept the last")
    empty_users = int(np.count_nonzero(np.diff(indptr) == 0))
    if empty_users:
        warnings.append(f"{empty_users} user{'s have' if empty_users != 1 else ' has'} no ratings")
    item_ids = np.arange(1, n_items + 1, dtype=np.int64)
    return Ratings(indptr, indices, values, user_ids, item_ids, tuple(titles), detect_scale(values),
                   source=str(path), warnings=tuple(warnings))


# =====================================================================================
# public API
# =====================================================================================
def _read_ratings(path, progress=None, cancel=None, chunk_bytes=CHUNK_BYTES, allow_single=False):
    """(Ratings, is_wide) without titles attached."""
    path = pathlib.Path(path)
    if not path.exists():
        raise RatingsFileError(path, "no such file")
    if path.is_dir():
        raise RatingsFileError(path, "this is a folder, not a file")
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
    text, sample = _sample_lines(first)
    _check_not_binary(path, text, line0)
    sample = [(n + line0, s) for n, s in sample]
    layout = _detect_layout(path, sample)
    if layout.wide:
        parts = [first] + [bytes(c[len(_PAD):]) for c in chunks]  # not released: no reuse
        if cancel is not None and cancel():
            raise LoadCancelled()
        blob = b"".join(parts)
        text = "\n" * line0 + _decode(blob)
        ratings = _load_wide(path, text, layout)
    else:
        kind, arrays, warnings, hints = _load_long(path, reader, first, chunks, layout, cancel)
        build = {"codes": ratings_from_codes, "csr": _ratings_from_csr}.get(kind, build_ratings)
        ratings = build(*arrays, source=str(path), warnings=warnings, **hints)
        del arrays
    if not allow_single:
        _check_enough(path, ratings)
    return ratings, layout.wide


def _ratings_from_csr(user_ids, item_ids, indptr, indices, values, *, source, warnings, scale,
                      presorted=False):
    """A Ratings from finished CSR arrays (no repeated pairs, columns sorted in each row)."""
    return Ratings(indptr, indices, values, user_ids, item_ids, tuple(map(str, item_ids.tolist())), scale,
                   source=source, warnings=tuple(warnings))


def _check_enough(path, ratings: Ratings):
    if ratings.nnz == 0:
        raise RatingsFileError(path, "there are no ratings in this file (every cell is 0 or empty)")
    if ratings.n_users < 2:
        raise RatingsFileError(path, f"only one user (id {ratings.user_ids[0]}): "
                                     "need at least two users to learn anything")
    if ratings.n_items < 2:
        raise RatingsFileError(path, f"only one item (id {ratings.item_ids[0]}): "
                                     "need at least two items to learn anything")


def _titles_beside(path: pathlib.Path):
    folder = path.parent
    name = path.name.lower()
    order = ["u.item", "movies.dat", "movies.csv"]
    if name.endswith(".dat"):
        order = ["movies.dat", "u.item", "movies.csv"]
    elif name.endswith(".csv"):
        order = ["movies.csv", "movies.dat", "u.item"]
    for cand in order:
        p = folder / cand
        if p.is_file() and p.resolve() != path.resolve():
            return p
    return None


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


def _attach_titles(path, ratings: Ratings, titles, wide=False):
    warnings = list(ratings.warnings)
    if titles is not None:
        tpath = pathlib.Path(titles)
        tmap, gmap = load_titles(tpath)
    else:
        tpath = None
        if wide:
            return ratings
        tpath = _titles_beside(path)
        if tpath is None:
            return ratings
        try:
            tmap, gmap = load_titles(tpath)
        except RatingsFileError as exc:
            warnings.append(f"titles not used: {exc}")
            return _replace(ratings, warnings=tuple(warnings))
    out = ratings.with_titles(tmap, gmap or None)
    known = {_tkey(k) for k in tmap}
    missing = sum(1 for i in ratings.item_ids.tolist() if _tkey(i) not in known)
    if missing:
        warnings.append(f"{missing} item{'s have' if missing != 1 else ' has'} no title in {tpath.name}")
    return _replace(out, warnings=tuple(warnings))


def load_titles(path) -> tuple[dict, dict]:
    """``(item_id -> title, item_id -> primary genre)`` from u.item (``|``, latin-1,
    19 genre flags), movies.dat (``::``, ``A|B`` genres) or movies.csv
    (``movieId,title,genres``, quoted titles). Ids are ints when they look like ints."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise RatingsFileError(path, "no such file")
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data:
        raise RatingsFileError(path, "this is a binary file, not a titles table (NUL byte)",
                               line=data.count(b"\n", 0, data.index(b"\x00")) + 1)
    text = _decode(data)
    lines = [(k + 1, line) for k, line in enumerate(_lines(text)) if line.strip()]
    if not lines:
        raise RatingsFileError(path, "the file is empty")
    first = lines[0][1]
    titles, genres = {}, {}

    def key(s):
        return _tkey(s)

    if "::" in first:
        for n, line in lines:
            f = line.split("::")
            if len(f) < 2:
                raise RatingsFileError(path, f"expected id::title::genres, found {len(f)} column", line=n)
            if n == lines[0][0] and _norm(f[0]) in ITEM_WORDS | {"id"}:
                continue
            k = key(f[0].strip())
            titles[k] = f[1].strip()
            g = _primary_genre(f[2]) if len(f) > 2 else ""
            if g:
                genres[k] = g
        return titles, genres
    lead = _norm(first.split("|")[0])
    if "|" in first and (lead.isdigit() or lead in ITEM_WORDS | {"id"}):  # u.item, or any id|title|... table
        for n, line in lines:
            f = line.split("|")
            if len(f) < 2:
                raise RatingsFileError(path, f"expected id|title|..., found {len(f)} column", line=n)
            if n == lines[0][0] and not lead.isdigit():
                continue  # a header: id|title|...
            k = key(f[0].strip())
            titles[k] = f[1].strip()
            flags = f[-19:] if len(f) >= 21 else []
            on = [U_ITEM_GENRES[j] for j, v in enumerate(flags) if v.strip() == "1"]
            named = [g for g in on if g != "unknown"]
            if named or on:
                genres[k] = (named or on)[0]
        return titles, genres
    sep = "\t" if ("\t" in first and "," not in first) else (";" if first.count(";") > first.count(",") else ",")
    reader = csv.reader([line for _, line in lines], delimiter=sep)
    rows = list(reader)
    head = [_norm(c) for c in rows[0]]
    id_col, title_col, genre_col = 0, 1, 2
    start = 0
    if rows[0] and _number(rows[0][0]) is None and any(h in ("title", "name", "movietitle") for h in head):
        start = 1
        id_col = next((j for j, h in enumerate(head) if h in ITEM_WORDS | {"id"}), 0)
        title_col = next((j for j, h in enumerate(head) if h in ("title", "name", "movietitle")), 1)
        genre_col = next((j for j, h in enumerate(head) if h in ("genres", "genre", "category")), None)
    for idx in range(start, len(rows)):
        f = rows[idx]
        n = lines[idx][0]
        if len(f) <= max(id_col, title_col):
            raise RatingsFileError(path, f"expected at least {max(id_col, title_col) + 1} columns "
                                         f"(id, title), found {len(f)}", line=n)
        k = key(f[id_col].strip())
        titles[k] = f[title_col].strip()
        if genre_col is not None and genre_col < len(f):
            g = _primary_genre(f[genre_col])
            if g:
                genres[k] = g
    return titles, genres


def _primary_genre(field: str) -> str:
    for g in field.split("|"):
        g = g.strip()
        if g and not g.startswith("("):
            return g
    return ""
