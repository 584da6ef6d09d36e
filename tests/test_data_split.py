"""Train/test splits: seeded, aligned, and never leaking a held-out rating into train."""
import numpy as np
import pytest

from aeviz.data import RatingsFileError, holdout_split, load_ratings, split_from_files
from aeviz.data.ratings import build_ratings


def random_ratings(seed=0, n_users=60, n_items=40, density=0.3):
    rng = np.random.default_rng(seed)
    mask = rng.random((n_users, n_items)) < density
    mask[0, :] = False
    mask[0, 3] = True  # a user with exactly one rating
    mask[1, :] = False  # a user with no ratings at all
    u, i = np.nonzero(mask)
    vals = rng.integers(1, 6, len(u))
    users = np.arange(n_users)[u] * 7 + 3  # ids with gaps
    items = np.arange(n_items)[i] * 11 + 5
    # user 1 still needs a row: give it an id via a rating we later drop
    r = build_ratings(users, items, vals)
    return r


def pairs(r):
    rows = r.row_of_entries()
    return set(zip(r.user_ids[rows].tolist(), r.item_ids[r.indices].tolist()))


def test_no_leak_and_union_is_the_whole():
    r = random_ratings()
    s = holdout_split(r, 0.2, seed=1)
    tr, te = pairs(s.train), pairs(s.test)
    assert not (tr & te)
    assert tr | te == pairs(r)
    assert s.train.nnz + s.test.nnz == r.nnz
    # same rows, columns, ids, titles, scale
    for part in (s.train, s.test):
        assert part.shape == r.shape
        assert part.user_ids.tolist() == r.user_ids.tolist()
        assert part.item_ids.tolist() == r.item_ids.tolist()
        assert part.titles == r.titles and part.scale == r.scale
    # values are carried over unchanged
    full_v, full_m = r.to_dense()
    for part in (s.train, s.test):
        v, m = part.to_dense()
        assert np.all(full_m[m]) and np.array_equal(v[m], full_v[m])
    tv, tm = s.train.to_dense()
    ev, em = s.test.to_dense()
    assert not np.any(tm & em)


def test_per_user_counts_follow_the_rule():
    r = random_ratings(seed=3)
    s = holdout_split(r, 0.25, seed=0)
    n = r.rated_counts_per_user()
    held = s.test.rated_counts_per_user()
    expected = np.minimum(np.floor(0.25 * n + 0.5), np.maximum(n - 1, 0)).astype(int)
    np.testing.assert_array_equal(held, expected)
    assert np.all(s.train.rated_counts_per_user()[n >= 1] >= 1)  # nobody loses all their ratings
    assert s.users_all_held_out == 0


def test_single_rating_users_keep_it_in_train():
    r = build_ratings([1, 2, 2, 2, 2, 3], [1, 1, 2, 3, 4, 2], [5, 4, 3, 2, 1, 4])
    s = holdout_split(r, 0.5, seed=0)
    assert s.train.rated_counts_per_user().tolist() == [1, 2, 1]
    assert s.test.rated_counts_per_user().tolist() == [0, 2, 0]


def test_fraction_one_holds_everything_out():
    r = random_ratings(seed=4)
    s = holdout_split(r, 1.0, seed=0)
    assert s.train.nnz == 0 and s.test.nnz == r.nnz
    assert s.users_all_held_out == int(np.count_nonzero(r.rated_counts_per_user() > 0))


def test_fraction_zero_and_bad_fraction():
    r = random_ratings()
    s = holdout_split(r, 0.0)
    assert s.test.nnz == 0 and s.train.content_hash() == r.content_hash()
    with pytest.raises(ValueError):
        holdout_split(r, 1.5)


def test_seeded():
    r = random_ratings(seed=5)
    a = holdout_split(r, 0.2, seed=7)
    b = holdout_split(r, 0.2, seed=7)
    c = holdout_split(r, 0.2, seed=8)
    assert a.test.content_hash() == b.test.content_hash()
    assert a.train.content_hash() == b.train.content_hash()
    assert a.test.content_hash() != c.test.content_hash()


def test_split_from_files_aligns_ids(tmp_path):
    (tmp_path / "u1.base").write_text("1\t10\t5\t0\n1\t20\t3\t0\n2\t10\t4\t0\n3\t30\t2\t0\n")
    (tmp_path / "u1.test").write_text("1\t30\t4\t0\n4\t20\t1\t0\n")
    s = split_from_files(tmp_path / "u1.base", tmp_path / "u1.test")
    for part in (s.train, s.test):
        assert part.user_ids.tolist() == [1, 2, 3, 4]
        assert part.item_ids.tolist() == [10, 20, 30]
    assert s.train.nnz == 4 and s.test.nnz == 2
    v, m = s.test.to_dense()
    assert v[0, 2] == 4 and v[3, 1] == 1 and m.sum() == 2
    v, m = s.train.to_dense()
    assert v[0, 0] == 5 and v[2, 2] == 2 and not m[3].any()
    assert s.users_all_held_out == 1  # user 4 is only in the test file
    assert not (pairs(s.train) & pairs(s.test))


def test_split_from_files_refuses_a_leak(tmp_path):
    (tmp_path / "a.base").write_text("1\t10\t5\n1\t20\t3\n2\t10\t4\n")
    (tmp_path / "a.test").write_text("2\t20\t4\n1\t20\t1\n")
    with pytest.raises(RatingsFileError) as info:
        split_from_files(tmp_path / "a.base", tmp_path / "a.test")
    e = info.value
    assert e.path.endswith("a.test") and e.line == 2
    assert "1 user/item pair is also in the training file a.base (first: user 1, item 20)" in e.reason


def test_split_from_files_string_ids_and_titles(tmp_path):
    (tmp_path / "movies.csv").write_text("movieId,title,genres\nm1,Heat,Action\nm2,Up,Animation\n")
    (tmp_path / "train.csv").write_text("user,item,rating\nann,m1,4\nbob,m2,3\nbob,m1,2\n")
    (tmp_path / "test.csv").write_text("user,item,rating\nann,m2,5\n")
    s = split_from_files(tmp_path / "train.csv", tmp_path / "test.csv")
    assert s.train.titles == ("Heat", "Up") == s.test.titles
    assert s.test.genres == ("Action", "Animation")
    v, m = s.test.to_dense()
    assert v[s.test.user_index("ann"), s.test.item_index("m2")] == 5


def test_split_of_a_loaded_file_keeps_titles(tmp_path):
    p = tmp_path / "w.csv"
    p.write_text("user,Heat,Alien,Up,Jaws\n1,5,0,3,1\n2,1,4,0,2\n3,2,2,2,2\n")
    r = load_ratings(p)
    s = holdout_split(r, 0.3, seed=2)
    assert s.train.titles == ("Heat", "Alien", "Up", "Jaws")
