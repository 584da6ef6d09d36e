"""Property tests: random ratings written in each format read back to the same matrix and ids."""
import csv
import io
import os

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from aeviz.data import load_ratings

SETTINGS = settings(max_examples=int(os.environ.get("AEVIZ_HYPOTHESIS_EXAMPLES", "40")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

STARS = st.integers(1, 5).map(float)
HALF = st.integers(1, 10).map(lambda k: k / 2)


@st.composite
def ratings_data(draw, string_ids=False, values=STARS):
    n_users = draw(st.integers(2, 8))
    n_items = draw(st.integers(2, 8))
    if string_ids:
        names = st.text("abcdefghijklmnopqrstuvwxyzé", min_size=1, max_size=6)
        users = draw(st.lists(names, min_size=n_users, max_size=n_users, unique=True))
        items = draw(st.lists(names.map(lambda s: "m" + s), min_size=n_items, max_size=n_items, unique=True))
    else:
        # ids >= 10 with gaps: a headerless long file cannot be mistaken for a wide one
        users = draw(st.lists(st.integers(10, 10**12), min_size=n_users, max_size=n_users, unique=True))
        items = draw(st.lists(st.integers(10, 10**6), min_size=n_items, max_size=n_items, unique=True))
    cells = draw(st.lists(st.tuples(st.integers(0, n_users - 1), st.integers(0, n_items - 1)),
                          min_size=1, max_size=40, unique=True))
    # at least two users and two items must have ratings
    cells = sorted(set(cells) | {(0, 0), (1, 1)})
    vals = [draw(values) for _ in cells]
    order = draw(st.permutations(range(len(cells))))
    entries = [(users[cells[k][0]], items[cells[k][1]], vals[k]) for k in order]
    return entries


def as_dict(r):
    v, m = r.to_dense()
    out = {}
    for a, b in zip(*np.nonzero(m)):
        out[(r.user_ids[a].item() if hasattr(r.user_ids[a], "item") else r.user_ids[a],
             r.item_ids[b].item() if hasattr(r.item_ids[b], "item") else r.item_ids[b])] = float(v[a, b])
    return out


def expected(entries):
    return {(u, i): float(v) for u, i, v in entries}


def fmt(v):
    return f"{v:g}" if v != int(v) else str(int(v))


def check(r, entries):
    exp = expected(entries)
    assert as_dict(r) == exp
    assert sorted(r.user_ids.tolist()) == sorted({u for u, _, _ in entries})
    assert sorted(r.item_ids.tolist()) == sorted({i for _, i, _ in entries})


@SETTINGS
@given(entries=ratings_data(), sep=st.sampled_from([",", "\t", ";", "|", "::"]), header=st.booleans(),
       crlf=st.booleans(), timestamp=st.booleans())
def test_long_numeric_roundtrip(tmp_path, entries, sep, header, crlf, timestamp):
    nl = "\r\n" if crlf else "\n"
    lines = []
    if header:
        lines.append(sep.join(["userId", "movieId", "rating"] + (["timestamp"] if timestamp else [])))
    for u, i, v in entries:
        lines.append(sep.join([str(u), str(i), fmt(v)] + (["978300760"] if timestamp else [])))
    p = tmp_path / "r.txt"
    p.write_bytes((nl.join(lines) + nl).encode())
    check(load_ratings(p), entries)


@SETTINGS
@given(entries=ratings_data(values=HALF), bom=st.booleans())
def test_ml_latest_half_stars_roundtrip(tmp_path, entries, bom):
    text = "userId,movieId,rating,timestamp\n" + "".join(f"{u},{i},{v:.1f},1\n" for u, i, v in entries)
    p = tmp_path / "ratings.csv"
    p.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    r = load_ratings(p)
    check(r, entries)
    assert r.scale.kind in ("half-stars", "stars", "binary")


@SETTINGS
@given(entries=ratings_data(string_ids=True), sep=st.sampled_from([",", "\t", "::"]),
       enc=st.sampled_from(["utf-8", "latin-1"]))
def test_long_string_ids_roundtrip(tmp_path, entries, sep, enc):
    text = sep.join(["user", "item", "rating"]) + "\n" + "".join(sep.join([u, i, fmt(v)]) + "\n"
                                                               for u, i, v in entries)
    p = tmp_path / "r.txt"
    p.write_bytes(text.encode(enc))
    check(load_ratings(p), entries)


@SETTINGS
@given(entries=ratings_data(), id_column=st.booleans(), header=st.booleans(),
       titles=st.lists(st.text("abcdefgh ,;'é", min_size=1, max_size=8).map(lambda s: "The " + s.strip()),
                       min_size=8, max_size=8))
def test_wide_roundtrip(tmp_path, entries, id_column, header, titles):
    users = sorted({u for u, _, _ in entries})
    items = sorted({i for _, i, _ in entries})
    assume(len(items) + id_column >= 3)  # 2 columns are refused: too few
    if len(items) + id_column < 5 and not header:
        # a 3-4 column table without header and ids can be read either way: give it a header
        header = True
    grid = {(u, i): v for u, i, v in entries}
    if not header and not id_column:
        # documented ambiguity: a headerless first column counting 0/1, 2, 3... is read as ids
        first = [int(grid.get((u, items[0]), 0)) for u in users]
        assume(not (len(first) >= 3 and first[0] in (0, 1) and first == list(range(first[0], first[0] + len(first)))))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if header:
        w.writerow((["user"] if id_column else []) + titles[:len(items)])
    for u in users:
        w.writerow(([u] if id_column else []) + [fmt(grid.get((u, i), 0)) for i in items])
    p = tmp_path / "wide.csv"
    p.write_text(buf.getvalue(), encoding="utf-8")
    r = load_ratings(p)
    assert r.shape == (len(users), len(items))
    if header:
        assert r.titles == tuple(t.strip() for t in titles[:len(items)])
    if id_column:
        assert r.user_ids.tolist() == users
    v, m = r.to_dense()
    for a, u in enumerate(users):
        for b, i in enumerate(items):
            assert (m[a, b], float(v[a, b])) == ((u, i) in grid, float(grid.get((u, i), 0)))


@SETTINGS
@given(entries=ratings_data(values=HALF), chunk=st.integers(64, 400))
def test_chunking_does_not_change_the_result(tmp_path, entries, chunk):
    text = "".join(f"{u}\t{i}\t{v}\n" for u, i, v in entries)
    p = tmp_path / "u.data"
    p.write_text(text)
    a = load_ratings(p)
    b = load_ratings(p, chunk_bytes=chunk)
    assert a.content_hash() == b.content_hash()
    check(b, entries)
