"""What kind of table is this? Separator, header, long or wide, decided on the first lines.

The rules are summarised in the package docstring (aeviz/data/__init__.py). Sniffing reads whole
lines however long (a 20,000-movie header is one line of 200 KB), skips any number of leading
blank lines in one step, and only takes ASCII digits for numbers (Python's ``float`` also takes
Arabic-Indic and full-width digits and ``3_0``).
"""
from __future__ import annotations

import csv
import math
import re

from .errors import RatingsFileError
from .ratings import MAX_RATING, MIN_RATING


SNIFF_BYTES = 64 << 10
SNIFF_LINES = 200
SEPARATORS = ("::", "\t", ",", ";", "|")
#: a wider table is refused before it is split: 200,000 movies already make a network input
#: far wider than any ratings set the app is for (ml-latest has 60,000 movies)
MAX_COLUMNS = 200_000

USER_WORDS = {"user", "userid", "users", "uid", "customer", "customerid", "reviewer", "reviewerid",
              "person", "rater", "raterid", "id", "name", "u"}
ITEM_WORDS = {"item", "itemid", "items", "movie", "movieid", "movies", "iid", "mid", "film", "filmid",
              "product", "productid", "asin", "book", "bookid", "isbn", "song", "track", "i", "m"}
RATING_WORDS = {"rating", "ratings", "score", "stars", "star", "value", "rate", "preference", "like",
                "liked", "r", "grade"}
TIME_WORDS = {"timestamp", "time", "date", "ts", "datetime", "unixtime", "t", "when"}
LONG_WORDS = USER_WORDS | ITEM_WORDS | RATING_WORDS | TIME_WORDS


def _norm(word: str) -> str:
    return "".join(ch for ch in word.lower() if ch.isalnum())


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def split_fields(line: str, sep: str) -> list[str]:
    if sep == "::":
        return [f.strip() for f in line.split("::")]
    if '"' in line:
        try:
            return [f.strip() for f in next(csv.reader([line], delimiter=sep))]
        except (csv.Error, StopIteration):
            pass
    return [f.strip() for f in line.split(sep)]


_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NON_FINITE = {"nan", "inf", "infinity"}


def _number(s: str):
    """float, or None when not a number at all (nan/inf are numbers here). Only ASCII
    digits: Python's float() also takes Arabic-Indic or full-width digits and ``3_0``."""
    if _NUMBER.fullmatch(s) or s.lower().lstrip("+-") in _NON_FINITE:
        return float(s)
    return None


def _sep_name(sep: str) -> str:
    return {"::": "'::'", "\t": "tab", ",": "comma", ";": "semicolon", "|": "'|'"}[sep]


_CONTROL = re.compile("[\x00-\x08\x0e-\x1f]")


def _check_not_binary(path, sample: list[tuple[int, str]]):
    """Many control characters in the sniffed lines: a binary file (NUL bytes are refused
    by the reader as they are read)."""
    text = "\n".join(line for _, line in sample)[:SNIFF_BYTES]
    if len(_CONTROL.findall(text)) > max(2, len(text) // 200):
        line = next(n for n, s in sample if _CONTROL.search(s))
        raise RatingsFileError(path, "this is a binary file, not a text table of ratings (control characters)",
                               line=line)


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
        # counting is enough without quotes (a 1,682-column row is not split five times)
        counts = [(len(split_fields(line, sep)) if '"' in line else line.count(sep) + 1) if sep in line else 1
                  for _, line in sample]
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
        found = len(split_fields(sample[0][1], sep)) if sep else 1
        raise RatingsFileError(path, f"too few columns: found {found}, need at least 3 "
                                     "(user, item, rating) or a wide matrix of ratings", line=first_line)
    if ncols > MAX_COLUMNS:
        raise RatingsFileError(path, f"{ncols:,} columns: a wide table of more than {MAX_COLUMNS:,} movies is not "
                                     "something aeviz can train on (for many items, use the long format "
                                     "user,item,rating)", line=first_line)
    rows = _sniff_rows(sample, sep, ncols)
    head_cells = rows[0][1]
    words = [_norm(c) for c in head_cells]
    rest = [r for _, r in rows[1:] if len(r) == ncols]
    # does the first row look like a header? a non-number where the data below has numbers
    head_nonnum = [c != "" and _number(c) is None for c in head_cells]

    def numbers_below(j):  # only asked for the header's words: a numeric first row costs nothing
        vals = [r[j] for r in rest if r[j] != ""]
        return bool(vals) and all(_number(v) is not None for v in vals)
    long_vocab = len(head_cells) == ncols and all(w in LONG_WORDS for w in words) and \
        any(w in RATING_WORDS for w in words)
    header = long_vocab or any(numbers_below(j) for j in range(min(ncols, len(head_nonnum))) if head_nonnum[j]) \
        or (not rest and any(head_nonnum))
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


def _sniff_rows(sample: list[tuple[int, str]], sep: str, ncols: int) -> list[tuple[int, list[str]]]:
    """The sample's first lines split into fields, about 20,000 fields at most: enough to tell a
    header and an id column, without splitting 200 rows of a 20,000-movie table."""
    return [(n, split_fields(line, sep)) for n, line in sample[:max(3, 20_000 // max(ncols, 1))]]


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


def _sample_lines(first_chunk: bytes) -> tuple[str, list[tuple[int, str]]]:
    """The decoded first non-blank lines of the file, whole however long (line number,
    text), and their text. Leading blank lines are skipped in one step, not one by one."""
    body = first_chunk.lstrip(b" \t\r\n")
    n = first_chunk.count(b"\n", 0, len(first_chunk) - len(body))
    sample, pos = [], 0
    while pos < len(body) and len(sample) < SNIFF_LINES:
        nl = body.find(b"\n", pos)
        stop = len(body) if nl < 0 else nl + 1
        line = _decode(body[pos:stop]).rstrip("\r\n")
        pos = stop
        n += 1
        if line.strip():
            sample.append((n, line))
    return "\n".join(line for _, line in sample), sample
