"""Item-based orientation (I-AutoRec): each movie an observation, scored on the same per-user split."""
import numpy as np
import pytest

from aeviz.data import holdout_split
from aeviz.data.ratings import build_ratings
from aeviz.engine import ModelConfig, Network, build_trainer, get_loss
from aeviz.engine.evaluation import evaluate, recommend
from aeviz.engine.orientation import as_users, orient, user_predictions
from aeviz.engine.serialize import check_dataset, dataset_identity, load_model, restore_trainer, save_model


def _ratings(users=12, items=7, seed=0):
    rng = np.random.default_rng(seed)
    u, i = np.nonzero(rng.random((users, items)) < 0.6)
    return build_ratings(u + 100, i + 1, rng.integers(1, 6, size=u.size), source="r.csv",
                         titles=[f"movie {k}" for k in range(1, items + 1)])


def _swapped(r):
    """R transposed, built from scratch (not with Ratings.transposed)."""
    rows = r.row_of_entries()
    return build_ratings(r.item_ids[r.indices], r.user_ids[rows], r.values)


def test_transposed_view_swaps_axes_and_keeps_movie_names():
    r = _ratings()
    t = r.transposed()
    assert t.shape == (r.n_items, r.n_users) and t.nnz == r.nnz
    v, m = r.to_dense()
    tv, tm = t.to_dense()
    np.testing.assert_array_equal(tv, v.T)
    np.testing.assert_array_equal(tm, m.T)
    np.testing.assert_array_equal(t.user_ids, r.item_ids)  # rows are movies
    np.testing.assert_array_equal(t.item_ids, r.user_ids)  # columns are users
    assert t.titles[0] == "user 100" and t.movie_titles == r.titles
    assert t.is_transposed and not r.is_transposed
    assert t.transposed() is r and r.transposed() is t
    assert "movies x" in repr(t)


def test_orientation_is_validated_and_old_configs_default_to_user():
    assert any("orientation" in p for p in ModelConfig(orientation="diagonal").problems())
    d = ModelConfig(orientation="item").to_dict()
    assert d["orientation"] == "item" and ModelConfig.from_dict(d).orientation == "item"
    del d["orientation"]
    assert ModelConfig.from_dict(d).orientation == "user"


def test_item_orientation_gradients_match_finite_differences():
    r = _ratings()
    train, _ = orient(holdout_split(r, 0.2, 0).train, None, "item")
    cfg = ModelConfig(hidden=(4,), orientation="item", batch_size=3, seed=2)
    net = Network([r.n_users, 4, r.n_users], ["sigmoid", "identity"], dtype=np.float64, seed=2)
    tr = build_trainer(cfg, train, network=net)
    rows = tr.order[:3]
    x, m = train.dense_rows(rows)
    assert x.shape == (3, r.n_users)  # movies in, one input per user
    while tr.next_phase != "update":  # movie by movie, the batch's gradients add up
        tr.step_phase()
    analytic = net.grads.copy()
    loss = get_loss("mse")
    numeric = np.zeros_like(net.params)
    for k in range(net.params.size):
        old = net.params[k]
        net.params[k] = old + 1e-6
        up = loss.value(net.forward(x).y, x, m)
        net.params[k] = old - 1e-6
        down = loss.value(net.forward(x).y, x, m)
        net.params[k] = old
        numeric[k] = (up - down) / 2e-6
    assert np.abs(numeric).max() > 1e-3
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7)


def test_item_model_on_r_is_the_user_model_on_r_transposed():
    r = _ratings()
    split = holdout_split(r, 0.25, 0)
    train, test = orient(split.train, split.test, "item")
    cfg = ModelConfig(hidden=(5,), batch_size=2, seed=3)
    item = build_trainer(cfg.with_(orientation="item"), train, test, clip=(1, 5))
    user = build_trainer(cfg, _swapped(split.train), _swapped(split.test), clip=(1, 5))
    item.train(3)
    user.train(3)
    np.testing.assert_array_equal(item.network.params, user.network.params)
    for a, b in zip(item.history, user.history):
        assert (a.train_rmse, a.test_rmse, a.mean_loss) == (b.train_rmse, b.test_rmse, b.mean_loss)
    # the same held-out ratings, so the pooled test RMSE is the same metric as a user model's
    assert evaluate(item.network, train, test, (1, 5), orientation="item").n_test == split.test.nnz


def test_per_user_rmse_of_an_item_model_reads_each_users_column():
    r = _ratings()
    split = holdout_split(r, 0.3, 1)
    train, test = orient(split.train, split.test, "item")
    tr = build_trainer(ModelConfig(hidden=(4,), orientation="item"), train, test, clip=(1, 5))
    tr.train(2)
    y = np.clip(tr.network.predict(train.to_dense()[0]), 1, 5).T  # users x movies
    tv, tm = split.test.to_dense()
    per_user = [np.sqrt(np.mean((y[u][tm[u]] - tv[u][tm[u]]) ** 2)) for u in range(r.n_users) if tm[u].any()]
    ev = evaluate(tr.network, train, test, (1, 5), orientation="item")
    assert ev.test_rmse_per_user == pytest.approx(np.mean(per_user), rel=1e-6)
    assert ev.test_rmse == pytest.approx(np.sqrt(np.mean((y[tm] - tv[tm]) ** 2)), rel=1e-6)
    assert tr.history[-1].test_rmse_per_user == pytest.approx(ev.test_rmse_per_user)


def test_recommendations_from_an_item_model_read_the_users_column():
    r = _ratings(users=15, items=9)
    split = holdout_split(r, 0.2, 0)
    train, _ = orient(split.train, None, "item")
    tr = build_trainer(ModelConfig(hidden=(6,), orientation="item"), train, clip=(1, 5))
    tr.train(2)
    recon = np.clip(tr.network.predict(train.to_dense()[0]), 1, 5)  # movies x users
    u = 4
    top = recommend(tr.network, train, u, n=20, clip=(1, 5), orientation="item")
    rated = set(split.train.row(u)[0].tolist())
    assert {i for i, _ in top} == set(range(r.n_items)) - rated
    for i, p in top:
        assert p == pytest.approx(float(recon[i, u]), abs=1e-6)
    assert [p for _, p in top] == sorted((p for _, p in top), reverse=True)
    # a few users at once, in chunks of one movie: the same columns
    np.testing.assert_allclose(user_predictions(tr.network, train, "item", [u, 0], clip=(1, 5), chunk_cells=1),
                               recon[:, [u, 0]].T, rtol=1e-6)
    assert as_users(train, "item") is split.train


def test_model_file_round_trips_the_orientation(tmp_path):
    r = _ratings()
    split = holdout_split(r, 0.2, 0)
    train, test = orient(split.train, split.test, "item")
    cfg = ModelConfig(hidden=(4,), orientation="item", batch_size=4)
    tr = build_trainer(cfg, train, test, clip=(1, 5))
    tr.train(2)
    path = save_model(tmp_path / "item.aeviz.npz", tr, cfg, dataset_identity(r, "r.csv"))
    saved = load_model(path)
    assert saved.config.orientation == "item" and saved.network.sizes[0] == r.n_users
    assert check_dataset(saved, r) == []
    back = restore_trainer(saved, train, test, clip=(1, 5))
    np.testing.assert_array_equal(back.network.params, tr.network.params)
    assert back.orientation == "item" and back.epoch == 2
    other = build_ratings(r.row_of_entries() + 900, r.item_ids[r.indices], r.values)  # other user ids
    with pytest.raises(ValueError, match="item-based model"):
        check_dataset(saved, other)


@pytest.mark.parametrize("hidden", [(5,), (6, 3, 6)])
def test_the_apps_recommendations_for_a_user_read_the_item_models_column(hidden):
    from aeviz.engine.insights import compute_extras
    r = _ratings(users=15, items=9)
    split = holdout_split(r, 0.2, 0)
    train, test = orient(split.train, split.test, "item")
    tr = build_trainer(ModelConfig(hidden=hidden, orientation="item"), train, test, clip=(1, 5))
    tr.train(2)
    ex = compute_extras(tr, {"user": 6})
    rec = ex["recommendations"]
    expect = recommend(tr.network, train, 6, n=10, clip=(1, 5), orientation="item")
    assert ex["orientation"] == "item" and rec["row"] == 6
    assert rec["items"].tolist() == [i for i, _ in expect]
    np.testing.assert_allclose(rec["predicted"], [p for _, p in expect], rtol=1e-5)
    held = split.test.row(6)[0]
    assert sorted(rec["heldout_items"].tolist()) == sorted(held.tolist())


def test_exported_predictions_of_an_item_model_are_users_by_movies(tmp_path):
    from aeviz.engine.export import write_predictions_csv
    r = _ratings(users=6, items=4)
    train, _ = orient(r, None, "item")
    tr = build_trainer(ModelConfig(hidden=(3,), orientation="item"), train, clip=(1, 5))
    tr.train(1)
    n = write_predictions_csv(tmp_path / "p.csv", tr.network, r, clip=(1, 5), orientation="item")
    lines = (tmp_path / "p.csv").read_text().splitlines()[1:]
    assert n == len(lines) == r.n_users * r.n_items
    recon = np.clip(tr.network.predict(train.to_dense()[0]), 1, 5)  # movies x users
    first = lines[r.n_items * 2 + 3].split(",")  # user row 2, movie 3
    assert first[0] == str(r.user_ids[2]) and first[1] == str(r.item_ids[3])
    assert float(first[3]) == pytest.approx(float(recon[3, 2]), abs=1e-4)
