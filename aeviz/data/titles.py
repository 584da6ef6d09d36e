"""Movie titles (and primary genres) from u.item, movies.dat or movies.csv, given or found beside
the ratings. Titles are optional: a titles file found beside the ratings that cannot be used is a
warning on the ratings, never a refusal; an explicit one is blamed by its own name."""
from __future__ import annotations

import csv
import pathlib
from dataclasses import replace as _replace

from .errors import RatingsFileError
from .ratings import Ratings
from .ratings import _key as _tkey
from .reading import _open, _check_regular_file, _refuse_utf16
from .sniff import ITEM_WORDS, _norm, _decode, _lines, _number


U_ITEM_GENRES = ("unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
                 "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
                 "Romance", "Sci-Fi", "Thriller", "War", "Western")


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
    _check_regular_file(path)
    with _open(path) as f:
        try:
            data = f.read()
        except OSError as exc:
            raise RatingsFileError(path, f"cannot be read ({exc.strerror or exc})") from None
    _refuse_utf16(path, data[:64])
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
    if first.count("|") >= 5 and first.count(",") < first.count("|"):
        for n, line in lines:
            f = line.split("|")
            if len(f) < 2:
                raise RatingsFileError(path, f"expected id|title|..., found {len(f)} column", line=n)
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
