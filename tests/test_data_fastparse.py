"""The fast numeric path and the packed CSR build agree with the plain reference build.

``build_ratings`` (ratings.py: factorise, stable sort, keep the last repeat) is the
reference; the loader's shortcuts (word gathers, run-compressed users, ratings from
their digits, one packed sort for unsorted files) must give the very same matrix.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aeviz.data import load_ratings
from aeviz.data import _packed
from aeviz.data.fastparse import _fast_long_chunk, _fast_rating, _u64_view, _Words
from aeviz.data.sniff import _Layout
from aeviz.data.ratings import build_ratings


def _write(path, users, items, vals, sep=",", header=True, fmt="{:.1f}"):
    lines = [f"{u}{sep}{i}{sep}{fmt.format(v)}{sep}1234567890" for u, i, v in zip(users, items, vals)]
    path.write_text(("userId,movieId,rating,timestamp\n" if header else "") + "\n".join(lines) + "\n")
    return path


def _reference(users, items, vals):
    return build_ratings(np.asarray(users), np.asarray(items), np.asarray(vals, dtype=np.float32))


def _grouped(rng, n_users, per_user, n_items, sort_items=True):
    users = np.repeat(np.arange(1, n_users + 1) * 3, per_user)  # ids with gaps
    items = np.concatenate([rng.choice(n_items, per_user, replace=False) * 7 + 1 for _ in range(n_users)])
    if sort_items:
        items = np.concatenate([np.sort(items[k * per_user:(k + 1) * per_user]) for k in range(n_users)])
    vals = rng.integers(1, 11, len(users)) / 2
    return users, items, vals


# ---------------------------------------------------------------- word gathers
@pytest.mark.parametrize("size", [16, 17, 23, 24, 25, 31, 100, 1003])
def test_words_match_the_unaligned_view_at_every_position_including_the_tail(size):
    rng = np.random.default_rng(size)
    buf = rng.integers(0, 256, size).astype(np.uint8)
    p = np.arange(0, size - 7, dtype=np.int64)
    np.testing.assert_array_equal(_Words(buf)[p.copy()], _u64_view(buf)[p])
    # a buffer starting at an odd address (a view into a bigger one) too
    odd = np.frombuffer(bytes(1) + buf.tobytes(), np.uint8)[1:]
    np.testing.assert_array_equal(_Words(odd)[p.copy()], _u64_view(buf)[p])


# ---------------------------------------------------------------- ratings from their digits
def _rating_fields(text):
    data = b"00000000" + text.encode()
    buf = np.frombuffer(data, np.uint8)
    nl = np.flatnonzero(buf == 10)
    starts = np.concatenate([[8], nl[:-1] + 1]).astype(np.int64)
    return buf, starts, nl


def test_half_star_ratings_give_exact_floats_and_their_stats():
    buf, s, e = _rating_fields("3.5\n0.5\n5.0\n1.0\n")
    r, stats = _fast_rating(buf, s, e)
    assert r.dtype == np.float32 and r.tolist() == [3.5, 0.5, 5.0, 1.0]
    assert stats == {"min": 0.5, "max": 5.0, "int": False, "half": True}
    buf, s, e = _rating_fields("3.0\n4.0\n")
    assert _fast_rating(buf, s, e)[1] == {"min": 3.0, "max": 4.0, "int": True, "half": True}
    buf, s, e = _rating_fields("3.2\n4.0\n")
    r, stats = _fast_rating(buf, s, e)
    assert r[0] == np.float32(float("3.2")) and stats["half"] is False and stats["int"] is False


def test_whole_star_ratings_and_their_stats():
    buf, s, e = _rating_fields("4\n1\n5\n")
    r, stats = _fast_rating(buf, s, e)
    assert r.tolist() == [4.0, 1.0, 5.0] and stats == {"min": 1.0, "max": 5.0, "int": True, "half": True}


@pytest.mark.parametrize("bad", ["3x5", ".35", "35.", "3.a", "a", "/.5"])
def test_odd_rating_fields_leave_the_fast_path(bad):
    buf, s, e = _rating_fields(f"3.5\n{bad}\n")
    assert _fast_rating(buf, s, e) is None


def test_a_rating_like_dot_35_still_loads_through_the_careful_parser(tmp_path):
    r = load_ratings(_write(tmp_path / "r.csv", [1, 1, 2], [1, 2, 1], [0, 0, 0], fmt=".35"))
    assert r.values.tolist() == pytest.approx([0.35] * 3)
    assert r.scale.kind == "continuous"


# ---------------------------------------------------------------- users in runs
def test_users_in_runs_are_parsed_once_per_run_and_expanded():
    text = "".join(f"{u},{i},4,1\n" for u, i in [(7, 1), (7, 2), (7, 3), (7, 4), (7, 5), (12, 1), (12, 9),
                                                   (12, 10), (12, 11), (12, 12)])
    fast = _fast_long_chunk(text.encode(), _Layout(",", 4, False, None, None))
    assert fast[0].tolist() == [7] * 5 + [12] * 5
    assert fast[5]["sorted"] is True
    unsorted = text.replace("12,9,", "12,13,")
    assert _fast_long_chunk(unsorted.encode(), _Layout(",", 4, False, None, None))[5]["sorted"] is False


def test_a_leading_zero_in_a_later_run_makes_string_ids(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("7,1,4\n7,2,3\n07,1,5\n07,2,2\n")
    r = load_ratings(p)
    assert r.user_ids.tolist() == ["07", "7"]


# ---------------------------------------------------------------- the packed CSR build
@pytest.mark.parametrize("declared_items", [900, 1 << 22])  # a uint32 key, an int64 key
def test_packed_csr_matches_the_stable_build_and_declines_repeats(declared_items):
    rng = np.random.default_rng(3)
    n = 5000
    users = rng.integers(0, 300, n).astype(np.int32)
    items = rng.integers(0, 900, n).astype(np.int32)
    key = users.astype(np.int64) * 900 + items
    first = np.unique(key, return_index=True)[1]
    users, items = users[np.sort(first)], items[np.sort(first)]
    vals = (rng.integers(0, 11, len(users)) / 2).astype(np.float32)
    lut_u = np.arange(300, dtype=np.int32)
    lut_i = np.arange(900, dtype=np.int32)
    parts = np.array_split(np.arange(len(users)), 7)
    got = _packed.packed_csr([users[p] for p in parts], [items[p] for p in parts], [vals[p] for p in parts],
                             lut_u, lut_i, 300, declared_items)
    ref = _reference(users, items, vals)
    row_ids = ref.user_ids
    indptr = np.zeros(301, np.int64)
    indptr[row_ids + 1] = np.diff(ref.indptr)
    np.cumsum(indptr, out=indptr)
    np.testing.assert_array_equal(got[0], indptr)
    np.testing.assert_array_equal(got[1], ref.item_ids[ref.indices])
    np.testing.assert_array_equal(got[2], ref.values)
    # a repeated pair in another chunk: the file order matters, so no packed answer
    dup = [users[:10], users[:1]], [items[:10], items[:1]], [vals[:10], vals[:1] + 0.5]
    assert _packed.packed_csr(*dup, lut_u, lut_i, 300, declared_items) is None
    assert _packed.fits(1 << 20, 1 << 20) and not _packed.fits(1 << 30, 1 << 30)


@pytest.mark.parametrize("case", ["shuffled", "grouped_unsorted_items", "shuffled_dups", "shuffled_continuous",
                                  "shuffled_stars", "shuffled_binary"])
def test_unsorted_files_load_exactly_like_the_reference(tmp_path, case, monkeypatch):
    packed = []
    real = _packed.packed_csr
    monkeypatch.setattr(_packed, "packed_csr", lambda *a: packed.append(real(*a)) or packed[-1])
    rng = np.random.default_rng(5)
    users, items, vals = _grouped(rng, 60, 40, 500, sort_items=case != "grouped_unsorted_items")
    if case.startswith("shuffled"):
        perm = rng.permutation(len(users))
        users, items, vals = users[perm], items[perm], vals[perm]
    if case == "shuffled_dups":
        users = np.append(users, users[[3, 100]])
        items = np.append(items, items[[3, 100]])
        vals = np.append(vals, [0.5, 5.0])
    fmt = "{:.1f}"
    if case == "shuffled_stars":
        vals, fmt = np.ceil(vals), "{:.0f}"
    if case == "shuffled_binary":
        vals, fmt = (vals > 2.5).astype(float), "{:.0f}"
    if case == "shuffled_continuous":
        vals = np.round(vals - 0.25, 2).clip(0.25, 5)
        fmt = "{:.2f}"
    ref = _reference(users, items, np.array([float(fmt.format(v)) for v in vals]))
    for chunk in (4096, 64 << 20):
        r = load_ratings(_write(tmp_path / "r.csv", users, items, vals, fmt=fmt), chunk_bytes=chunk)
        assert r.content_hash() == ref.content_hash()
        assert r.warnings == ref.warnings
        assert r.scale == ref.scale and r.scale.kind == {"shuffled_stars": "stars", "shuffled_binary": "binary",
                                                         "shuffled_continuous": "continuous"}.get(case, "half-stars")
    if case == "shuffled_dups":
        assert "2 duplicated user/item pairs: kept the last" in r.warnings
    # the packed sort serves unsorted files on a grid of tenths, and only them
    if case in ("shuffled", "grouped_unsorted_items", "shuffled_stars", "shuffled_binary"):
        assert len(packed) == 2 and all(x is not None for x in packed)
    elif case == "shuffled_dups":
        assert len(packed) == 2 and all(x is None for x in packed)
    else:
        assert packed == []


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 40), st.integers(1, 60), st.integers(0, 10)), min_size=3, max_size=300),
       st.sampled_from([",", "\t"]), st.booleans(), st.sampled_from([64, 200, 1 << 20]))
def test_any_small_long_file_loads_like_the_reference(tmp_path_factory, rows, sep, sort, chunk):
    if sort:
        rows = sorted(rows)
    users, items, twice = (np.array(c) for c in zip(*rows))
    vals = twice / 2
    if len(np.unique(users)) < 2 or len(np.unique(items)) < 2 or not np.any(vals):
        return  # refused files (one user, one item, no ratings) are tested elsewhere
    path = _write(tmp_path_factory.mktemp("h") / "r.tsv", users, items, vals, sep=sep, header=False)
    ref = _reference(users, items, vals)
    r = load_ratings(path, chunk_bytes=max(chunk, 1024))
    if ref.values.min() == 0 and ref.values.max() > 1:
        # a 0 beside real stars means "not rated" (issue 14): its user and movie stay, the entry goes
        keep = ref.values != 0
        rows = np.repeat(np.arange(ref.n_users), np.diff(ref.indptr))[keep]
        counts = np.bincount(rows, minlength=ref.n_users)
        np.testing.assert_array_equal(r.indptr, np.concatenate([[0], np.cumsum(counts)]))
        np.testing.assert_array_equal(r.indices, ref.indices[keep])
        np.testing.assert_array_equal(r.values, ref.values[keep])
        np.testing.assert_array_equal(r.user_ids, ref.user_ids)
        np.testing.assert_array_equal(r.item_ids, ref.item_ids)
        assert any("of 0 skipped" in w for w in r.warnings)
    else:
        assert r.content_hash() == ref.content_hash()
    assert [w for w in r.warnings if "duplicated" in w] == [w for w in ref.warnings if "duplicated" in w]


@pytest.mark.parametrize("per_user", [1, 2, 150])
def test_sorted_files_get_row_pointers_from_the_runs_across_chunks(tmp_path, per_user):
    rng = np.random.default_rng(per_user)
    users, items, vals = _grouped(rng, 3000 // per_user, per_user, 400)
    ref = _reference(users, items, vals)
    p = _write(tmp_path / "r.csv", users, items, vals)
    for chunk in (1024, 4096, 64 << 20):  # runs of one user cut by chunk boundaries
        r = load_ratings(p, chunk_bytes=chunk)
        assert r.content_hash() == ref.content_hash() and r.warnings == ()
    assert np.all(np.diff(r.indptr) == per_user)


def test_parsing_threads_only_on_idle_cores(monkeypatch):
    from aeviz.data import loader
    monkeypatch.setattr(loader.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(loader, "others_running", lambda: 0)
    assert loader.parse_threads() == 2
    monkeypatch.setattr(loader, "others_running", lambda: 1)  # the other core is busy
    assert loader.parse_threads() == 1
    monkeypatch.setattr(loader, "others_running", lambda: None)  # no /proc: the load average
    monkeypatch.setattr(loader.os, "getloadavg", lambda: (2.5, 1.0, 1.0))
    assert loader.parse_threads() == 1
    monkeypatch.setattr(loader.os, "getloadavg", lambda: (0.3, 1.0, 1.0))
    assert loader.parse_threads() == 2
    monkeypatch.setattr(loader.os, "cpu_count", lambda: 8)
    monkeypatch.setattr(loader, "MAX_WORKERS", 4)
    assert loader.parse_threads() == 4
    monkeypatch.setattr(loader, "MAX_WORKERS", 1)
    assert loader.parse_threads() == 1


def test_the_instant_count_of_running_threads_is_read(monkeypatch):
    from aeviz.data import loader
    others = loader.others_running()
    assert others is None or (isinstance(others, int) and others >= 0)


def test_every_one_decimal_rating_is_the_float32_of_its_text():
    texts = [f"{k // 10}.{k % 10}" for k in range(100)]
    buf, s, e = _rating_fields("\n".join(texts) + "\n")
    r, _ = _fast_rating(buf, s, e)
    assert r.tolist() == [float(np.float32(float(t))) for t in texts]
