"""Wide tables: rows users, columns items, 0 or empty = not rated, optional header of titles,
optional first column of user ids.

Parsed chunk by chunk as they are read: memory follows the ratings (zeros and empty cells are
dropped per chunk), Cancel is checked between chunks, and a garbage file stops at its first bad
line instead of after reading it all. Plain ASCII chunks are parsed vectorised (``fast_wide_chunk``:
one comparison finds every delimiter); anything else (quotes, spaces, blank lines, errors) goes
through the careful per-line parse, which gives the precise messages.
"""
from __future__ import annotations

import numpy as np

from .errors import LoadCancelled, RatingsFileError
from .ratings import MAX_RATING, Ratings, build_csr, canonical_ids, detect_scale
from .reading import _PAD, _Reader, _cut_lines
from .sniff import USER_WORDS, _sniff_rows, _norm, _decode, _lines, split_fields, _number, _sep_name, _Layout, _in_scale
from .careful import _rating_value
from .fastparse import _fast_decimal


def _wide_has_id(header, col0: list[str]) -> bool:
    """Is the first column of a wide file user ids (decided on the sniffed rows)?"""
    h0 = _norm(header[0]) if header else None
    nums = [_number(c) if c != "" else 0.0 for c in col0]
    if header is not None and (h0 == "" or h0 in USER_WORDS):
        return True
    if any(not _in_scale(x) for x in nums):
        return True  # names, ids > 5, ...: not ratings
    if header is not None:
        return False  # the first header cell is a title: the first column is ratings
    # no header, small numbers: ids only if they count the rows (1, 2, 3, ...)
    return (len(col0) >= 3 and all(x == int(x) for x in nums) and int(nums[0]) in (0, 1)
            and [int(x) for x in nums] == list(range(int(nums[0]), int(nums[0]) + len(nums))))


class _WideRows:
    """The rows of a wide file parsed chunk by chunk: memory follows the ratings (the
    zeros and empty cells are dropped as each chunk is read), Cancel is checked between
    chunks, and a bad line stops the load as soon as its chunk is read."""

    def __init__(self, path, layout: _Layout, first_col: int, colnames, cancel):
        self.path, self.layout, self.first_col, self.colnames = path, layout, first_col, colnames
        self.cancel = cancel
        self.sepb = ord(layout.sep) if len(layout.sep) == 1 and layout.sep != '"' else None
        self.user_of_row: list[str] = []
        self.rows, self.cols, self.vals = [], [], []
        self.blank = 0

    def add(self, data: bytes, line_base: int) -> int:
        """Parse one newline-terminated chunk whose first line is ``line_base + 1``; returns
        its number of lines."""
        if self.cancel is not None and self.cancel():
            raise LoadCancelled()
        res = fast_wide_chunk(data, self.sepb, self.layout.ncols, self.first_col) if self.sepb else None
        if res is None:
            res = self._careful(data, line_base)
        users, r, c, v, nlines = res
        r += len(self.user_of_row)
        self.user_of_row.extend(users)
        self.rows.append(r.astype(np.int64))
        self.cols.append(c.astype(np.int32))
        self.vals.append(v.astype(np.float32))
        return nlines

    def _careful(self, data: bytes, line_base: int):
        """The Python parse of a chunk: precise messages, quotes, blank lines."""
        path, sep, ncols, first = self.path, self.layout.sep, self.layout.ncols, self.first_col
        lines = _lines(_decode(data))
        if lines and lines[-1] == "":
            lines.pop()
        users, rows, cols, vals = [], [], [], []
        for k, line in enumerate(lines):
            n = line_base + k + 1
            if k % 256 == 255 and self.cancel is not None and self.cancel():
                raise LoadCancelled()
            if not line.strip():
                self.blank += 1
                continue
            f = split_fields(line, sep)
            if len(f) != ncols:
                raise RatingsFileError(path, f"expected {ncols} columns separated by {_sep_name(sep)}, "
                                             f"found {len(f)}", line=n)
            if first:
                if f[0] == "":
                    raise RatingsFileError(path, "the user id is missing", n, 1, "user")
                users.append(f[0])
            else:
                users.append(None)  # numbered below
            r = len(users) - 1
            for j in range(ncols - first):
                cell = f[first + j]
                if cell == "" or cell == "0":
                    continue
                x = _rating_value(path, cell, n, first + j + 1, self.colnames[j])
                if x != 0:
                    rows.append(r)
                    cols.append(j)
                    vals.append(x)
        return (users, np.array(rows, np.int64), np.array(cols, np.int64), np.array(vals, np.float32),
                len(lines))

    def ratings(self, n_items: int, titles) -> Ratings:
        path = self.path
        if not self.user_of_row:
            if self.layout.header_line is not None:
                raise RatingsFileError(path, "there is a header row but no ratings below it",
                                       line=self.layout.header_line)
            raise RatingsFileError(path, "the file is empty")
        ids = [str(r + 1) if u is None else u for r, u in enumerate(self.user_of_row)]
        uid_arr = canonical_ids(ids)
        # rows keep the file's order; a repeated user id merges into its first row
        seen = {}
        row_of = np.array([seen.setdefault(u, len(seen)) for u in uid_arr.tolist()], dtype=np.int64)
        user_ids = uid_arr
        if len(seen) != len(uid_arr):
            first_pos = {}
            for pos, u in enumerate(uid_arr.tolist()):
                first_pos.setdefault(u, pos)
            user_ids = uid_arr[np.array(sorted(first_pos.values()), dtype=np.int64)]
        rows = np.concatenate(self.rows) if self.rows else np.zeros(0, np.int64)
        cols = np.concatenate(self.cols) if self.cols else np.zeros(0, np.int32)
        vals = np.concatenate(self.vals) if self.vals else np.zeros(0, np.float32)
        self.rows = self.cols = self.vals = []
        indptr, indices, values, dups = build_csr(row_of[rows], cols.astype(np.int64), vals,
                                                  len(user_ids), n_items)
        warnings = []
        if self.blank:
            warnings.append(f"{self.blank} blank line{'s' if self.blank != 1 else ''} skipped")
        if dups:
            warnings.append(f"{dups} duplicated user/item pair{'s' if dups != 1 else ''}: kept the last")
        empty_users = int(np.count_nonzero(np.diff(indptr) == 0))
        if empty_users:
            warnings.append(f"{empty_users} user{'s have' if empty_users != 1 else ' has'} no ratings")
        item_ids = np.arange(1, n_items + 1, dtype=np.int64)
        return Ratings(indptr, indices, values, user_ids, item_ids, tuple(titles), detect_scale(values),
                       source=str(path), warnings=tuple(warnings))


def fast_wide_chunk(data: bytes, sepb: int, ncols: int, first_col: int):
    """Vectorised parse of a wide chunk of plain ASCII cells (ids, empty, digits with at
    most one dot): (user ids, rows, columns, values) of the rated cells, or None when
    anything is odd (the careful parse then reports it).

    Flat arrays throughout: field k ends at delimiter k and starts after delimiter k - 1, so
    the rated cells are where two delimiters are not adjacent. Measured (943 x 1,682, 6% rated,
    best of 5, busy 2-core machine): the whole load takes 1.7x ``np.loadtxt`` of the same file
    (which only gives a dense array: no sniffing, checks or CSR); the per-line Python parse it
    replaces took 14.5x."""
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")
        if b"\r" in data:
            return None
    if not data.endswith(b"\n"):
        data += b"\n"
    pad = len(_PAD)
    buf = np.frombuffer(_PAD + data, dtype=np.uint8)
    # tab and comma sort below '.' and the digits: one comparison finds every delimiter and any
    # stray byte (space, quote, minus...), which then fails the check of the delimiters' bytes
    D = np.flatnonzero(buf < 46) if sepb < 46 else np.flatnonzero((buf == sepb) | (buf == 10))
    n = len(D) // ncols
    if n == 0 or len(D) != n * ncols:
        return None
    at = buf.take(D)
    if int(np.count_nonzero(at == sepb)) != n * (ncols - 1) or not bool(np.all(at[ncols - 1::ncols] == 10)):
        return None
    del at
    prev = np.empty_like(D)  # the delimiter before each field (the padding's last byte for the first)
    prev[0] = pad - 1
    prev[1:] = D[:-1]
    users = [None] * n
    if first_col:
        users = [data[a + 1 - pad:b - pad].decode("ascii", "replace") for a, b in
                 zip(prev[::ncols].tolist(), D[::ncols].tolist())]
        if any(u == "" or u != u.strip() or '"' in u or "\ufffd" in u for u in users):
            return None
    width = D - prev
    if first_col:
        width[::ncols] = 1  # the id column is not a rating
    k = np.flatnonzero(width > 1)  # fields with at least one byte: the rated cells
    s, e = prev[k] + 1, D[k]
    rows, cols = np.divmod(k, ncols)
    cols -= first_col
    vals = np.empty(len(k), np.float32)
    one = (e - s) == 1
    d = buf[s[one]] - np.uint8(48)
    if len(d) and int(d.max()) > 9:
        return None
    vals[one] = d
    other = ~one
    if other.any():
        r = _fast_decimal(buf, s[other], e[other])
        if r is None:
            return None
        vals[other] = r
    if len(vals) and float(vals.max()) > MAX_RATING:
        return None
    keep = vals != 0
    return users, rows[keep], cols[keep], vals[keep], n


def _load_wide(path, reader: _Reader, first: bytes, rest, layout: _Layout, sample, cancel) -> Ratings:
    """Parse a wide file chunk by chunk (see _WideRows)."""
    header = layout.header
    line_base = reader.lines_before
    if layout.header_line is not None:
        first, line_base = _cut_lines(first, layout.header_line - line_base, line_base)
    col0 = [f[0] for n, f in _sniff_rows(sample, layout.sep, layout.ncols)
            if n != layout.header_line and len(f) == layout.ncols]
    first_col = 1 if _wide_has_id(header, col0) else 0
    n_items = layout.ncols - first_col
    if header is not None:
        titles = [h if h else str(j + 1) for j, h in enumerate(header[first_col:])]
        colnames = titles
    else:
        titles = [str(j + 1) for j in range(n_items)]
        colnames = ["rating"] * n_items
    rows = _WideRows(path, layout, first_col, colnames, cancel)
    if first:
        line_base += rows.add(first, line_base)
    del first
    for chunk in rest:
        data = bytes(chunk[len(_PAD):])
        reader.release(chunk)
        del chunk
        line_base += rows.add(data, line_base)
    if cancel is not None and cancel():
        raise LoadCancelled()
    return rows.ratings(n_items, titles)
