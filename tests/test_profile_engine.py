"""A profile read by a trained network (engine/profile.py), its explanations (engine/explain.py)
and what-if edits (engine/what_if.py), on tiny networks."""
import numpy as np
import pytest

from aeviz.engine import DenseRows, Network
from aeviz.engine.explain import contributions, explain, strongest
from aeviz.engine.orientation import user_predictions
from aeviz.engine.profile import METHOD_FOLD_IN, METHOD_FORWARD, ProfileModel, ProfileUnsupported, rank
from aeviz.engine.what_if import what_if

N = 9


def user_net(seed=0):
    return Network([N, 5, 3, 5, N], ["sigmoid", "sigmoid", "sigmoid", "identity"], seed=seed, dtype=np.float64)


def matrix(seed=0, users=6):
    rng = np.random.default_rng(seed)
    return np.where(rng.random((users, N)) < 0.5, rng.integers(1, 6, (users, N)), 0).astype(np.float64)


PROFILE = (np.array([0, 3, 4, 7]), np.array([5.0, 1.0, 4.0, 2.0]))


def test_user_profile_is_the_forward_pass_of_the_same_user_row():
    net = user_net()
    m = matrix()
    m[2] = 0
    m[2, PROFILE[0]] = PROFILE[1]
    enc = ProfileModel(net, "user", clip=(1, 5)).encode(*PROFILE)
    expect = user_predictions(net, DenseRows(m), "user", [2])[0]
    np.testing.assert_allclose(enc.raw, expect, rtol=1e-12)
    np.testing.assert_allclose(enc.predictions, np.clip(expect, 1, 5))
    np.testing.assert_allclose(enc.code, net.encode(m[2:3])[0])
    assert enc.method == METHOD_FORWARD and enc.code.shape == (3,)


def brute_without(model, columns, values):
    rows = []
    for i in range(columns.size):
        keep = np.arange(columns.size) != i
        rows.append(model.encode(columns[keep], values[keep]).raw)
    return np.array(rows)


@pytest.mark.parametrize("orientation", ["user", "item"])
def test_contributions_equal_brute_force_leave_one_out(orientation):
    if orientation == "user":
        model = ProfileModel(user_net(), "user")
    else:
        item_net = Network([6, 4, 6], ["sigmoid", "identity"], seed=1, dtype=np.float64)
        model = ProfileModel(item_net, "item", item_rows=DenseRows(matrix(1).T))
    enc = model.encode(*PROFILE)
    items = np.arange(N)
    c = contributions(model, enc, items)
    brute = enc.raw[None, :] - brute_without(model, *PROFILE)
    assert c.shape == (4, N) and np.abs(c).max() > 1e-3
    np.testing.assert_allclose(c, brute, atol=1e-10)
    ex = explain(model, enc, [1, 2], k=3)
    for e, j in zip(ex, [1, 2]):
        assert all(r.contribution > 0 for r in e.up) and all(r.contribution < 0 for r in e.down)
        if e.up:
            assert e.up[0].contribution == pytest.approx(brute[:, j].max())
        if e.down:
            assert e.down[0].contribution == pytest.approx(brute[:, j].min())
        top = strongest(e)
        assert abs(top[0].contribution) == pytest.approx(np.abs(brute[:, j]).max())


def test_item_model_fold_in_is_labelled_and_has_no_code():
    item_net = Network([6, 4, 6], ["sigmoid", "identity"], seed=1, dtype=np.float64)
    model = ProfileModel(item_net, "item", item_rows=DenseRows(matrix(1).T), clip=(1, 5))
    enc = model.encode(*PROFILE)
    assert enc.method == METHOD_FOLD_IN and enc.code is None and "approximation" in enc.note
    assert enc.raw.shape == (N,) and np.all(np.isfinite(enc.raw))
    # a fitted unit follows the profile: the 5 is predicted above the 1
    assert enc.raw[0] > enc.raw[3]
    with pytest.raises(ProfileUnsupported, match="user-based"):
        ProfileModel(Network([6, 4, 6], ["sigmoid", "sigmoid"]), "item", item_rows=DenseRows(matrix(1).T))


def test_bad_profiles_are_refused():
    model = ProfileModel(user_net(), "user")
    with pytest.raises(ValueError, match="out of range"):
        model.encode([N], [3.0])
    with pytest.raises(ValueError, match="twice"):
        model.encode([1, 1], [3.0, 4.0])
    with pytest.raises(ValueError, match="finite"):
        model.encode([1], [np.nan])


def test_rank_filters():
    model = ProfileModel(user_net(), "user", clip=(1, 5))
    enc = model.encode(*PROFILE)
    top = rank(enc, n=N)
    assert set(top.tolist()) == set(range(N)) - set(PROFILE[0].tolist())
    assert list(enc.predictions[top]) == sorted(enc.predictions[top], reverse=True)
    counts = np.arange(N)  # movie j has j ratings
    assert set(rank(enc, n=N, rated_counts=counts, min_ratings=6).tolist()) == {6, 8}
    genres = tuple("Comedy" if j % 2 else "Drama|Action" for j in range(N))
    assert set(rank(enc, n=N, genres=genres, genre="action").tolist()) == {2, 6, 8}
    assert set(rank(enc, n=N, include_rated=True).tolist()) == set(range(N))


@pytest.mark.parametrize("orientation", ["user", "item"])
def test_what_if_leaves_the_data_unchanged(orientation):
    m = matrix(2)
    data = DenseRows(m if orientation == "user" else m.T)
    keep = data.values.copy()
    net = user_net() if orientation == "user" else Network([6, 4, 6], ["sigmoid", "identity"], seed=1)
    row = 1
    col = int(np.flatnonzero(m[row])[0])
    w = what_if(net, data, orientation, row, col, None, clip=(-9, 9))
    np.testing.assert_array_equal(data.values, keep)
    assert w.old == m[row, col] and w.new is None
    np.testing.assert_allclose(w.before, np.clip(user_predictions(net, data, orientation, [row])[0], -9, 9), rtol=1e-6)
    edited = m.copy()
    edited[row, col] = 0
    expect = np.clip(user_predictions(net, DenseRows(edited if orientation == "user" else edited.T),
                                      orientation, [row])[0], -9, 9)
    np.testing.assert_allclose(w.after, expect, rtol=1e-6)
    assert np.abs(w.change).max() > 0
    if orientation == "item":  # one movie's input changed: only that movie moves
        assert np.count_nonzero(w.change) == 1 and w.change[col] != 0


def test_profile_view_reads_the_trainer_and_filters_by_popularity():
    from aeviz.data.ratings import build_ratings
    from aeviz.engine import ModelConfig, build_trainer
    from aeviz.engine.profile_view import Filters, profile_view, rated_counts
    m = matrix(3, users=20)
    u, i = np.nonzero(m)
    data = build_ratings(u + 1, i + 1, m[u, i], titles=[f"M{k}" for k in range(N)])
    tr = build_trainer(ModelConfig(hidden=(4,), seed=0), data, clip=(1, 5))
    tr.train(1)
    counts = rated_counts(data)
    assert counts.tolist() == (m > 0).sum(axis=0).tolist() and rated_counts(data) is counts
    v = profile_view(tr, data, [0, 5], [5.0, 2.0], Filters(n=3, min_ratings=int(np.median(counts))))
    enc = ProfileModel(tr.network, "user", clip=(1, 5)).encode([0, 5], [5.0, 2.0])
    keep = (counts >= np.median(counts)) & ~np.isin(np.arange(N), [0, 5])
    expect = rank(enc, 3, counts, int(np.median(counts)))
    assert v.items.tolist() == expect.tolist() and keep[v.items].all()
    np.testing.assert_allclose(v.predicted, enc.predictions[expect])
    np.testing.assert_allclose(v.output_at_rated, enc.raw[[0, 5]])
    assert len(v.explanations) == v.items.size and v.code.shape == (4,)
