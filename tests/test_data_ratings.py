"""The Ratings matrix: CSR invariants, rows on demand, ids, titles, statistics."""
import numpy as np
import pytest

from aeviz.data import RatingScale, Ratings, detect_scale, load_ratings
from aeviz.data.ratings import build_ratings


@pytest.fixture
def r():
    # users 5, 9, 2 ; items 30, 10, 20 ; (9,10) given twice: the last (1) wins
    return build_ratings([5, 9, 5, 2, 9, 9], [30, 10, 10, 20, 20, 10], [4, 2, 5, 3, 4.5, 1])


def test_csr_layout(r):
    assert r.user_ids.tolist() == [2, 5, 9]
    assert r.item_ids.tolist() == [10, 20, 30]
    assert r.indptr.tolist() == [0, 1, 3, 5]
    assert r.indices.tolist() == [1, 0, 2, 0, 1]
    assert r.values.tolist() == [3, 5, 4, 1, 4.5]
    assert (r.n_users, r.n_items, r.nnz, r.shape) == (3, 3, 5, (3, 3))
    assert r.warnings == ("1 duplicated user/item pair: kept the last",)
    assert r.scale == RatingScale(0.5, 5, 0.5, "half-stars")


def test_rows_on_demand(r):
    idx, vals = r.row(2)
    assert idx.tolist() == [0, 1] and vals.tolist() == [1, 4.5]
    v, m = r.dense_rows([2, 0])
    assert v.dtype == np.float32 and m.dtype == bool and v.shape == (2, 3)
    assert v.tolist() == [[1, 4.5, 0], [0, 3, 0]]
    assert m.tolist() == [[True, True, False], [False, True, False]]
    v1, m1 = r.dense_rows(1)
    assert v1.shape == (1, 3) and v1.tolist() == [[5, 0, 4]]
    v, m = r.dense_rows(np.array([1, 1]))
    assert v.tolist() == [[5, 0, 4], [5, 0, 4]]
    full, mask = r.to_dense()
    assert full.tolist() == [[0, 3, 0], [5, 0, 4], [1, 4.5, 0]]
    assert mask.sum() == r.nnz
    with pytest.raises(IndexError):
        r.dense_rows([3])
    with pytest.raises(IndexError):
        r.row(-1)


def test_ids_lookup(r):
    assert r.user_index(9) == 2 and r.user_index("9") == 2 and r.user_index(np.int64(2)) == 0
    assert r.item_index(" 30 ") == 2
    with pytest.raises(KeyError, match="no user with id 7"):
        r.user_index(7)
    with pytest.raises(KeyError, match="no item with id 'x'"):
        r.item_index("x")


def test_statistics(r):
    assert r.rated_counts_per_user().tolist() == [1, 2, 2]
    np.testing.assert_allclose(r.mean_per_user(), [3, 4.5, 2.75])
    np.testing.assert_allclose(r.item_means(), [3, 3.75, 4])
    assert r.global_mean() == pytest.approx(17.5 / 5)


def test_mean_per_user_is_nan_free_for_empty_rows(tmp_path):
    p = tmp_path / "w.csv"
    p.write_text("user,A,B,C,D\n1,5,0,3,0\n2,0,0,0,0\n3,1,2,0,4\n")
    w = load_ratings(p)
    assert w.rated_counts_per_user().tolist() == [2, 0, 3]
    np.testing.assert_allclose(w.mean_per_user(), [4, 0, 7 / 3])
    assert "1 user has no ratings" in w.warnings
    assert np.isfinite(w.item_means()).all() and w.item_means()[3] == 4
    v, m = w.dense_rows([1])
    assert not m.any()


def test_with_titles_and_genres(r):
    t = r.with_titles({"10": "Heat", 30: "Up"}, {10: "Action", "20": "Drama"})
    assert t.titles == ("Heat", "20", "Up")
    assert t.genres == ("Action", "Drama", "")
    assert r.titles == ("10", "20", "30")  # the original is unchanged
    assert t.content_hash() == r.content_hash()  # titles are not part of the data


def test_content_hash_changes_with_data(r):
    other = build_ratings([5, 9, 5, 2, 9], [30, 10, 10, 20, 20], [4, 1, 5, 3, 4.5])
    assert other.content_hash() == r.content_hash()
    changed = build_ratings([5, 9, 5, 2, 9], [30, 10, 10, 20, 20], [4, 1, 5, 3, 4])
    assert changed.content_hash() != r.content_hash()
    strs = build_ratings(["5", "9", "5", "2", "9"], ["a", "b", "b", "c", "c"], [4, 1, 5, 3, 4.5])
    assert len(strs.content_hash()) == 64 and strs.content_hash() != r.content_hash()


@pytest.mark.parametrize("values,kind,text", [
    ([1, 2, 5], "stars", "1-5 stars"),
    ([0.5, 3, 4.5], "half-stars", "0.5-5 half stars"),
    ([0, 1, 1], "binary", "0/1 like/dislike"),
    ([1, 1], "binary", "0/1 like/dislike"),
    ([0, 3, 5], "continuous", "0-5 (continuous)"),
    ([1.2, 4.9], "continuous", "1-5 (continuous)"),
])
def test_scale_detection_and_description(values, kind, text):
    s = detect_scale(np.array(values, dtype=np.float32))
    assert s.kind == kind and s.describe() == text
    assert s.contains(values)


def test_scale_clip():
    s = RatingScale(1, 5, 1, "stars")
    out = s.clip([0.2, 3.3, 7])
    assert out.dtype == np.float32 and out.tolist() == pytest.approx([1, 3.3, 5])


def test_frozen(r):
    with pytest.raises(Exception):
        r.source = "x"
    assert isinstance(r, Ratings)


def test_stable_order_keeps_file_order_among_equal_keys():
    from aeviz.data.ratings import _stable_order
    rng = np.random.default_rng(0)
    key = rng.integers(0, 50, 5000).astype(np.int64)
    order, sorted_key = _stable_order(key)
    np.testing.assert_array_equal(order, np.argsort(key, kind="stable"))
    np.testing.assert_array_equal(sorted_key, np.sort(key))
    big = np.array([2**60, 5, 2**60, 1], dtype=np.int64)  # too wide to pack: the fallback
    order, sorted_key = _stable_order(big)
    assert order.tolist() == [3, 1, 0, 2] and sorted_key.tolist() == [1, 5, 2**60, 2**60]


def test_shuffled_with_duplicates_builds_the_same_matrix():
    rng = np.random.default_rng(3)
    u = rng.integers(0, 300, 20000)
    i = rng.integers(0, 200, 20000)
    v = rng.integers(1, 6, 20000)
    r = build_ratings(u, i, v)
    last = {}
    for a, b, c in zip(u.tolist(), i.tolist(), v.tolist()):
        last[(a, b)] = c
    assert r.nnz == len(last)
    assert r.warnings == (f"{20000 - len(last)} duplicated user/item pairs: kept the last",)
    dense, mask = r.to_dense()
    for (a, b), c in list(last.items())[:500]:
        assert dense[r.user_index(a), r.item_index(b)] == c
    assert all(np.all(np.diff(r.row(k)[0]) > 0) for k in range(r.n_users))
