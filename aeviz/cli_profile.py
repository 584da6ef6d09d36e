"""`recommend MODEL RATINGS --profile FILE --rate "TITLE OR ID=STARS"`: recommendations for a new
person's own ratings, read by the saved network without training (engine/profile.py), with
`--explain` (exact leave-one-out contributions, engine/explain.py)."""
from __future__ import annotations

import json
import sys


def add_arguments(r):
    """The profile flags of the `recommend` command."""
    g = r.add_argument_group("a profile of your own (instead of --user)")
    g.add_argument("--profile", metavar="FILE", help="a profile JSON file (saved by the app: File > Save profile)")
    g.add_argument("--rate", action="append", default=[], metavar='"TITLE OR ID=STARS"',
                   help="rate a movie (repeatable; the title case-insensitively, or a part of it that "
                        "names one movie); added to --profile's ratings, replacing the same movie's")
    g.add_argument("--explain", action="store_true",
                   help="under each movie, the three ratings of yours that moved its prediction most "
                        "(the change when that rating is removed)")
    g.add_argument("--min-ratings", type=int, default=0, metavar="N",
                   help="only movies with at least N ratings in the data (a popularity floor)")
    g.add_argument("--genre", metavar="NAME", help="only movies of this genre (where the titles file has genres)")
    g.add_argument("--include-rated", action="store_true", help="also list the movies you rated (for checking)")


def wants_profile(a) -> bool:
    return bool(a.profile or a.rate)


def _ratings_of(a, ratings, error):
    """(columns, values) from --profile then --rate (a later rating of a movie replaces it)."""
    from .data.profiles import MovieNotFound, ProfileFileError, find_movie, read_profile, resolve
    chosen = {}
    if a.profile:
        try:
            cols, vals = resolve(read_profile(a.profile), ratings, a.profile)
        except ProfileFileError as exc:
            raise error(str(exc)) from None
        chosen.update(zip(cols, vals))
    for spec in a.rate:
        name, sep, stars = spec.rpartition("=")
        if not sep or not name.strip():
            raise error(f'--rate {spec!r}: write "TITLE OR ID=STARS", e.g. --rate "Star Wars=5"')
        try:
            value = float(stars)
        except ValueError:
            raise error(f"--rate {spec!r}: {stars.strip()!r} is not a number") from None
        if not ratings.scale.contains([value]):
            raise error(f"--rate {spec!r}: {value:g} is off this data's scale ({ratings.scale.describe()})")
        try:
            col = find_movie(ratings, name)
        except MovieNotFound as exc:
            raise error(f"--rate {spec!r}: {exc}") from None
        chosen[col] = value
    if not chosen:
        raise error(f"{a.profile}: the profile has no ratings")
    return list(chosen), list(chosen.values())


def recommend_profile(a, saved, ratings, error) -> int:
    """Print the top-n for the profile; `error(message)` makes the CLI's exit-2 exception."""
    import numpy as np

    from .data.profiles import movie_id
    from .engine.explain import METHOD, explain, strongest
    from .engine.orientation import observations
    from .engine.profile import ProfileModel, ProfileUnsupported, rank

    if a.min_ratings < 0:
        raise error("--min-ratings must be at least 0")
    columns, values = _ratings_of(a, ratings, error)
    orientation = saved.config.orientation
    clip = (ratings.scale.minimum, ratings.scale.maximum)
    try:
        model = ProfileModel(saved.network, orientation, ratings.n_items, clip,
                             item_rows=observations(ratings, "item") if orientation == "item" else None)
        enc = model.encode(columns, values)
    except ProfileUnsupported as exc:
        raise error(f"{a.model}: {exc}") from None
    counts = np.bincount(ratings.indices, minlength=ratings.n_items)
    genres = ratings.movie_genres
    if a.genre and genres is None:
        raise error(f"--genre: {a.ratings} has no genres (give a titles file with genres: --titles)")
    top = rank(enc, a.n, counts, a.min_ratings, genres, a.genre, a.include_rated)
    reasons = {e.column: strongest(e) for e in explain(model, enc, top)} if a.explain else {}
    titles = ratings.movie_titles

    def why(r):
        return {"id": movie_id(ratings, r.column), "title": titles[r.column], "rating": r.rating,
                "contribution": round(r.contribution, 4)}
    items = [{"rank": k + 1, "id": movie_id(ratings, c), "title": titles[c],
              "prediction": round(float(enc.predictions[c]), 3),
              **({"explanations": [why(r) for r in reasons[c]]} if a.explain else {})}
             for k, c in enumerate(top.tolist())]
    if a.json:
        print(json.dumps({"profile": [{"id": movie_id(ratings, c), "title": titles[c], "rating": v}
                                      for c, v in zip(columns, values)],
                          "method": enc.method, "note": enc.note,
                          "explanation_method": METHOD if a.explain else None,
                          "recommendations": items}, ensure_ascii=False))
        return 0
    print(f"Top {len(items)} movies for your {len(columns)} rating{'s' if len(columns) != 1 else ''} "
          f"({enc.method}: {enc.note}):")
    for it in items:
        print(f"{it['rank']:>4}. {it['prediction']:.2f}  {it['title']}")
        for r in it.get("explanations", ()):
            print(f"          because you rated {r['title']} {r['rating']:g}: {r['contribution']:+.2f}")
    if not items:
        print("  (no movie passes the filters)")
    if a.explain:
        print(f"(contributions: {METHOD})", file=sys.stderr)
    return 0
