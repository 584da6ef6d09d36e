"""A person's own ratings as a small JSON file, and finding movies by title or id.

The profile file (version 1)::

    {"format": "aeviz-profile", "version": 1,
     "ratings": [{"id": 50, "title": "Star Wars (1977)", "rating": 5},
                 {"id": 181, "title": "Return of the Jedi (1983)", "rating": 4}]}

`id` is the movie id as written in the ratings file (number or string); `title` is kept so that a
person can read the file and so that a movie is still found by title in a dataset whose ids
differ; `rating` is a number on the dataset's scale (0/1 for like/dislike data). A file that cannot
be used raises ProfileFileError naming the file and the reason.
"""
from __future__ import annotations

import json
import os
import pathlib
import tempfile
from dataclasses import dataclass

from .errors import RatingsFileError, quote

FORMAT, VERSION = "aeviz-profile", 1
MAX_BYTES = 8 << 20  # a profile is a few hundred ratings; a huge file is not one


class ProfileFileError(RatingsFileError):
    """A profile file that cannot be used (its message names the file and the reason)."""


class MovieNotFound(ValueError):
    """A title or id that names no movie, or several (the message lists some)."""


@dataclass(frozen=True)
class ProfileEntry:
    id: object  # the movie id as in the ratings file (int when it looks like one)
    title: str
    rating: float


def profile_json(entries) -> str:
    return json.dumps({"format": FORMAT, "version": VERSION,
                       "ratings": [{"id": e.id, "title": e.title, "rating": e.rating} for e in entries]},
                      indent=1, ensure_ascii=False)


def write_profile(path, entries) -> pathlib.Path:
    """Write the profile (a temporary file swapped in: never half a file)."""
    path = pathlib.Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".profile-", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(profile_json(entries) + "\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def read_profile(path) -> tuple[ProfileEntry, ...]:
    """The entries of a profile file, or ProfileFileError (file and reason)."""
    path = pathlib.Path(path)
    try:
        if not path.is_file():
            raise ProfileFileError(path, "no such file" if not path.exists() else "not a regular file")
        if path.stat().st_size > MAX_BYTES:
            raise ProfileFileError(path, f"larger than {MAX_BYTES >> 20} MB: not a profile")
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProfileFileError(path, "not UTF-8 text: a profile is a JSON file") from None
    except OSError as exc:
        raise ProfileFileError(path, exc.strerror or str(exc)) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProfileFileError(path, f"not JSON ({exc.msg})", line=exc.lineno, column=exc.colno) from None
    return parse_profile(doc, path)


def parse_profile(doc, path="") -> tuple[ProfileEntry, ...]:
    def bad(reason):
        return ProfileFileError(path, reason)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise bad(f'not an aeviz profile (expected {{"format": "{FORMAT}", ...}})')
    if doc.get("version") != VERSION:
        raise bad(f"profile version {doc.get('version')!r} is not supported (this aeviz reads version {VERSION})")
    items = doc.get("ratings")
    if not isinstance(items, list):
        raise bad('"ratings" must be a list of {"id", "title", "rating"}')
    out, seen = [], set()
    for n, it in enumerate(items, 1):
        if not isinstance(it, dict):
            raise bad(f"rating {n} is not an object")
        mid, title, value = it.get("id"), it.get("title", ""), it.get("rating")
        if mid is None and not title:
            raise bad(f"rating {n} has neither an id nor a title")
        if not isinstance(mid, (int, str, type(None))) or isinstance(mid, bool):
            raise bad(f"rating {n}: the id must be a number or a string, not {quote(mid)}")
        if not isinstance(title, str):
            raise bad(f"rating {n}: the title must be a string")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value \
                or value in (float("inf"), float("-inf")):
            raise bad(f"rating {n} ({title or mid}): {quote(value)} is not a number")
        key = mid if mid is not None else title.casefold()
        if key in seen:
            raise bad(f"rating {n}: {title or mid} is rated twice")
        seen.add(key)
        out.append(ProfileEntry(mid, title, float(value)))
    return tuple(out)


def _id_text(x) -> str:
    return str(x.item() if hasattr(x, "item") else x)


def movie_id(ratings, column: int):
    """The movie id of a column, as a plain int or str (JSON-ready)."""
    x = ratings.item_ids[int(column)]
    x = x.item() if hasattr(x, "item") else x
    return x


def find_movie(ratings, text) -> int:
    """The column of the movie named by `text`: an id, else a title (case-insensitive: exactly,
    else the only title containing it). MovieNotFound says why not, listing the candidates."""
    text = str(text).strip()
    if not text:
        raise MovieNotFound("an empty movie name")
    try:
        return ratings.item_index(text)
    except (KeyError, ValueError):
        pass
    key = text.casefold()
    titles = ratings.movie_titles
    exact = [c for c, t in enumerate(titles) if t.casefold() == key]
    found = exact or [c for c, t in enumerate(titles) if key in t.casefold()]
    if len(found) == 1:
        return found[0]
    if not found:
        raise MovieNotFound(f"no movie has the id or title {quote(text)}")
    shown = "; ".join(f"{titles[c]} (id {_id_text(ratings.item_ids[c])})" for c in found[:5])
    more = f" and {len(found) - 5} more" if len(found) > 5 else ""
    raise MovieNotFound(f"{quote(text)} matches {len(found)} movies: {shown}{more}; give the id or the full title")


def resolve(entries, ratings, path="") -> tuple[list[int], list[float]]:
    """(columns, ratings) of the entries in this dataset: by id, else by exact title; a movie
    missing from the data or a rating off its scale is a ProfileFileError."""
    cols, vals = [], []
    lower = {}
    for c, t in enumerate(ratings.movie_titles):
        lower.setdefault(t.casefold(), c)
    scale = ratings.scale
    for e in entries:
        col = None
        if e.id is not None:
            try:
                col = ratings.item_index(e.id)
            except (KeyError, ValueError):
                col = None
        if col is None and e.title:
            col = lower.get(e.title.casefold())
        if col is None:
            raise ProfileFileError(path, f"{e.title or 'movie'} (id {e.id}) is not in this dataset")
        if not scale.contains([e.rating]):
            raise ProfileFileError(path, f"{e.title or e.id}: rating {e.rating:g} is off this data's scale "
                                         f"({scale.describe()})")
        if col in cols:
            raise ProfileFileError(path, f"{e.title or e.id} is rated twice")
        cols.append(int(col))
        vals.append(float(e.rating))
    return cols, vals


def with_new_user(ratings, columns, values):
    """(a copy of `ratings` with one more user holding these ratings, that user's id). The id is
    one above the largest numeric id, or "you" (then "you 2", ...) for text ids. The original
    object is left as it was."""
    import numpy as np
    from dataclasses import replace
    cols = np.asarray(columns, dtype=np.int64)
    vals = np.asarray(values, dtype=np.float32)
    order = np.argsort(cols, kind="stable")
    ids = ratings.user_ids
    if ids.dtype.kind in "iu":
        new_id = int(ids.max()) + 1 if ids.size else 1
    else:
        taken = set(ids.tolist())
        new_id = next(t for t in (["you"] + [f"you {k}" for k in range(2, len(taken) + 3)]) if t not in taken)
    if ids.dtype.kind in "iu":
        user_ids = np.append(ids, np.asarray([new_id], dtype=ids.dtype))
    else:
        user_ids = np.asarray(ids.tolist() + [new_id], dtype=object if ids.dtype == object else None)
    out = replace(ratings,
                  indptr=np.append(ratings.indptr, ratings.indptr[-1] + cols.size).astype(ratings.indptr.dtype),
                  indices=np.concatenate([ratings.indices, cols[order].astype(ratings.indices.dtype)]),
                  values=np.concatenate([ratings.values, vals[order]]),
                  user_ids=user_ids, source=f"{ratings.source} + your profile" if ratings.source else "your profile")
    return out, new_id
