"""The map of the movies (engine/movie_map.py): vectors from the network, PCA, cosine neighbours."""
import numpy as np
import pytest

from aeviz.engine import DenseRows, ModelConfig, build_trainer
from aeviz.engine.movie_map import (build_map, decoder_vectors, encoder_vectors, genre_index, nearest, project,
                                    unit_rows, user_marks)
from aeviz.engine.insights import compute_extras
from aeviz.engine.orientation import observations
from support import genre_ratings, setup, snap


def test_pca_of_a_tiny_matrix_is_the_known_answer():
    # by hand: along d1 = (1, 1)/sqrt2 the centred points sit at -2 sqrt2, 2 sqrt2, 0, 0 (squares
    # summing to 16); along d2 = (1, -1)/sqrt2 at 0, 0, -sqrt2, sqrt2 (4): shares 16/20 and 4/20
    v = np.array([[-2.0, -2.0], [2.0, 2.0], [-1.0, 1.0], [1.0, -1.0]]) + [5.0, 7.0]
    xy, explained, axes = project(v)
    assert explained == pytest.approx((0.8, 0.2))
    s = np.sqrt(2)
    assert np.abs(axes[:, 0]) == pytest.approx([1 / s, 1 / s])
    assert np.abs(xy[:, 0]) == pytest.approx([2 * s, 2 * s, 0, 0], abs=1e-12)
    assert np.abs(xy[:, 1]) == pytest.approx([0, 0, s, s], abs=1e-12)


def test_pca_agrees_with_numpy_svd_and_keeps_its_signs():
    rng = np.random.default_rng(3)
    v = rng.standard_normal((60, 7)) * [5, 3, 2, 1, 1, 0.5, 0.1]
    xy, explained, axes = project(v)
    c = v - v.mean(axis=0)
    _, s, vt = np.linalg.svd(c, full_matrices=False)
    assert explained == pytest.approx(tuple(s[:2] ** 2 / (s ** 2).sum()))
    assert np.abs(xy) == pytest.approx(np.abs(c @ vt[:2].T))
    flipped_prev = -axes
    xy2, _, axes2 = project(v, flipped_prev)  # the next refresh follows the previous axes' signs
    assert axes2 == pytest.approx(-axes) and xy2 == pytest.approx(-xy)


def test_non_finite_rows_get_no_place_and_no_neighbour():
    v = np.array([[1.0, 0.0], [0.9, 0.1], [np.nan, 1.0], [0.0, 1.0]])
    xy, explained, _ = project(v)
    assert np.isnan(xy[2]).all() and np.isfinite(xy[[0, 1, 3]]).all()
    u = unit_rows(v)
    assert (u[2] == 0).all() and np.linalg.norm(u[0]) == pytest.approx(1)
    rows, sims = nearest(u, 0, 2)
    assert rows.tolist() == [1, 3] and sims[0] == pytest.approx(0.9 / np.sqrt(0.82))
    assert nearest(u, 2, 2)[0].size == 0  # a movie without a vector is similar to nothing


def test_nearest_neighbours_by_cosine_not_distance():
    # movie 1 is far from 0 but points the same way (cosine 1); movie 2 is near but turned 45 degrees
    v = np.array([[1.0, 0.0], [10.0, 0.0], [1.0, 1.0], [0.0, 1.0], [-1.0, 0.0]])
    rows, sims = nearest(unit_rows(v), 0, 5)
    assert rows.tolist() == [1, 2, 3, 4]  # only 4 others
    assert sims == pytest.approx([1.0, 1 / np.sqrt(2), 0.0, -1.0])
    rows, _ = nearest(unit_rows(v), 3, 1)
    assert rows.tolist() == [2]


def test_a_user_models_movies_are_its_decoders_rows():
    tr, r, split = setup(hidden=(6, 3, 6), n_users=40, n_items=15, epochs=1)
    net = tr.network
    m = build_map(net, "user", tr.train_set)
    assert m.source == "decoder" and m.dims == 6 and m.n_movies == 15
    assert decoder_vectors(net) == pytest.approx(net.weights[-1])
    with_b = decoder_vectors(net, with_bias=True)
    assert with_b[:, -1] == pytest.approx(net.biases[-1]) and with_b.shape == (15, 7)
    # the neighbours are the cosine of the weight rows, centred on the average movie's row
    w = np.asarray(net.weights[-1], dtype=np.float64)
    w = w - w.mean(axis=0)
    cos = (w @ w[4]) / (np.linalg.norm(w, axis=1) * np.linalg.norm(w[4]))
    cos[4] = -np.inf
    rows, sims = m.neighbours(4)
    assert rows.tolist() == np.argsort(-cos)[:5].tolist()
    assert sims == pytest.approx(np.sort(cos)[::-1][:5], abs=1e-6)
    # genres: the data's primary genre per movie
    assert m.genre_names == ("Action", "Comedy", "Drama", "Horror", "Romance")
    assert [m.genre_names[g] for g in m.genre[:6]] == ["Action", "Comedy", "Drama", "Horror", "Romance", "Action"]
    assert not m.xy.flags.writeable and not m.unit.flags.writeable
    # a popularity floor: only movies with enough training ratings are neighbours
    counts = np.bincount(split.train.indices, minlength=15)
    assert m.counts.tolist() == counts.tolist()
    floor = int(np.sort(counts)[7])
    rows, _ = m.neighbours(4, min_ratings=floor)
    assert len(rows) == 5 and all(counts[j] >= floor for j in rows)
    assert rows.tolist() == [j for j in np.argsort(-cos) if counts[j] >= floor][:5]


def test_an_item_models_movies_are_their_codes():
    r = genre_ratings(30, 12, seed=2)
    obs = observations(r, "item")
    tr = build_trainer(ModelConfig(hidden=(5,), orientation="item", seed=0), obs, clip=(1, 5))
    net = tr.network
    x, _ = obs.dense_rows(np.arange(12))
    codes = net.encode(x)
    assert encoder_vectors(net, obs, cells=40) == pytest.approx(codes)  # in blocks of one movie
    m = build_map(net, "item", obs)
    assert m.source == "encoder" and m.dims == 5 and m.n_movies == 12
    assert m.genre_names == ("Action", "Comedy", "Drama", "Horror", "Romance")
    assert m.unit == pytest.approx(unit_rows(codes - codes.mean(axis=0)), abs=1e-6)
    assert m.counts.tolist() == obs.rated_counts_per_user().tolist()
    # in the worker's extras the map reuses the Code panel's projection of these very codes
    ex = compute_extras(tr, {})
    assert ex["movie_map"].xy == pytest.approx(ex["codes"]["xy"])
    assert ex["movie_map"].explained == pytest.approx(tuple(ex["codes"]["explained"]))
    assert np.abs(ex["movie_map"].xy) == pytest.approx(np.abs(project(codes)[0]), abs=1e-5)


def test_marks_are_the_users_training_ratings_and_recommendations():
    tr, r, split = setup(hidden=(6, 3, 6), n_users=40, n_items=15, epochs=1)
    ex = snap(tr, {"row": 7}).extras
    marks = ex["movie_marks"]
    _, mask = split.train.dense_rows([7])
    assert marks["user"] == 7 and marks["rated"].tolist() == np.flatnonzero(mask[0]).tolist()
    assert marks["recommended"].tolist() == list(ex["recommendations"]["items"])
    assert not set(marks["rated"]) & set(marks["recommended"])
    assert ex["movie_map"].n_movies == 15
    assert user_marks(tr.train_set, "user", None) is None


def test_genre_index_and_a_dataset_without_genres():
    assert genre_index(("B", "", "A", "B")) == (("A", "B"), pytest.approx(np.array([1, -1, 0, 1])))
    assert genre_index(None) == ((), None)
    net_data = DenseRows(np.eye(4) * 3)
    tr = build_trainer(ModelConfig(hidden=(2,), seed=0), net_data)
    m = build_map(tr.network, "user", net_data)
    assert m.genre is None and m.genre_names == ()
    assert m.counts.tolist() == [1, 1, 1, 1]  # a plain matrix's columns count too
    r = genre_ratings(30, 12, seed=2)
    assert r.rated_counts_per_item().tolist() == r.transposed().rated_counts_per_user().tolist()
