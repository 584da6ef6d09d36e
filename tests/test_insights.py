"""compute_extras: every number a panel draws equals the engine's own (issue #6)."""
import dataclasses

import numpy as np
import pytest

from aeviz.data import holdout_split
from aeviz.data.ratings import build_ratings
from aeviz.engine import ModelConfig, build_trainer, recommend
from aeviz.engine.insights import PERCENTILES, compute_extras, matrix_image, pca_2d

from support import GENRES, genre_ratings


def make_trainer(hidden=(8, 3, 8), n_users=60, n_items=20, optimizer="adam", batch_size=1, **kw):
    r = genre_ratings(n_users, n_items)
    split = holdout_split(r, 0.2, 0)
    cfg = ModelConfig(hidden=hidden, batch_size=batch_size, optimizer=optimizer, lr=0.01, seed=1, **kw)
    return build_trainer(cfg, split.train, split.test, clip=(1, 5)), r, split


@pytest.fixture
def trained():
    tr, r, split = make_trainer()
    tr.train(2)
    return tr


def test_math_terms_add_up_to_the_forward_pass_pre_activation(trained):
    tr = trained
    tr.select_observation(7)
    for phase in ("forward", "loss", "backward", "update"):
        tr.step_phase()
        for layer, index in ((1, 2), (2, 1), (3, 0), (4, 5)):
            m = compute_extras(tr, {"layer": layer, "index": index})["math"]
            assert m["row"] == 7 and m["from_step"] and m["phase"] == phase
            shown = sum(t["wx"] for t in m["terms"])
            total = shown + m["rest_sum"] + m["bias"]
            a = float(tr.current_step.trace.preacts[layer - 1][-1][index])
            assert total == pytest.approx(a, abs=1e-5)
            assert m["sum_check"] == pytest.approx(a, abs=1e-5)
            assert m["preact"] == pytest.approx(a)
            assert m["activation_value"] == pytest.approx(float(tr.current_step.trace.outputs[layer - 1][-1][index]))
            # the largest terms come first, by |w x|
            mags = [abs(t["wx"]) for t in m["terms"]]
            assert mags == sorted(mags, reverse=True)
            assert len(m["terms"]) + m["rest_count"] == tr.network.sizes[layer - 1]


def test_output_error_delta_gradient_and_update_are_the_trainers(trained):
    tr = trained
    tr.select_observation(3)
    tr.run_to("backward")
    x, mask = tr.train_set.dense_rows([3])
    j = int(np.flatnonzero(mask[0])[0])
    e = compute_extras(tr, {"layer": 4, "index": j})
    m = e["math"]
    y = float(tr.current_step.trace.y[-1][j])
    assert m["kind"] == "output" and m["rated"]
    assert m["error"] == pytest.approx(y - float(x[0, j]))
    assert m["dL_dy"] == pytest.approx(float(tr.current_step.grad_y[-1][j]))
    assert m["delta"] == pytest.approx(float(tr.current_step.gradients.deltas[3][-1][j]))
    w = m["weight"]
    gw, _ = tr.network.split_flat(tr.network.grads)
    assert w["gradient"] == pytest.approx(float(gw[3][j, w["col"]]))
    assert w["contribution"] == pytest.approx(m["delta"] * w["input"], rel=1e-5)
    predicted = w["update"]["change"]
    w_before = w["value"]
    tr.step_phase()  # the update
    m2 = compute_extras(tr, {"layer": 4, "index": j})["math"]
    u = m2["weight"]["update"]
    assert u["applied"]
    assert u["change"] == pytest.approx(predicted, rel=1e-4)
    assert u["w_after"] == pytest.approx(float(tr.network.weights[3][j, w["col"]]))
    assert u["w_before"] == pytest.approx(w_before, abs=1e-6)
    assert "exp_avg" in u["state"] and u["m_hat"] is not None


@pytest.mark.parametrize("optimizer,extra", [("sgd", {"momentum": 0.9}), ("sgd", {}), ("rmsprop", {})])
def test_previewed_update_equals_the_applied_one(optimizer, extra):
    tr, _, _ = make_trainer(optimizer=optimizer, **extra)
    tr.train(1)
    tr.run_to("backward")
    before = compute_extras(tr, {"layer": 2, "index": 1})["math"]["weight"]
    tr.step_phase()
    after = compute_extras(tr, {"layer": 2, "index": 1})["math"]["weight"]
    assert after["col"] == before["col"]
    assert after["update"]["change"] == pytest.approx(before["update"]["change"], rel=1e-4, abs=1e-9)


def test_selected_edge_is_the_weight_inspected(trained):
    tr = trained
    tr.run_to("backward")
    m = compute_extras(tr, {"layer": 2, "index": 1, "edge": (1, 1, 6)})["math"]
    assert (m["weight"]["layer"], m["weight"]["row"], m["weight"]["col"]) == (1, 1, 6)
    assert m["weight"]["value"] == pytest.approx(float(tr.network.weights[1][1, 6]))


def test_input_node_and_preview_before_any_step():
    tr, r, _ = make_trainer()
    e = compute_extras(tr, {"layer": 0, "index": 4})
    m = e["math"]
    x, mask = tr.train_set.dense_rows([tr.current_row])
    assert m["kind"] == "input" and m["value"] == pytest.approx(float(x[0, 4]))
    assert m["rated"] == bool(mask[0, 4]) and not m["from_step"]
    # a hidden node before stepping: a preview forward pass, consistent with itself
    m = compute_extras(tr, {"layer": 1, "index": 0})["math"]
    assert m["delta"] is None and m["weight"]["gradient"] is None
    assert m["sum_check"] == pytest.approx(m["preact"], abs=1e-5)


def test_reconstruction_and_recommendations_equal_the_engine(trained):
    tr = trained
    tr.select_observation(11)
    tr.step_phase()
    e = compute_extras(tr, {})
    rec = e["reconstruction"]
    x, mask = tr.train_set.dense_rows([11])
    y = tr.network.predict(x)[0]
    assert rec["row"] == 11 == e["row"]
    np.testing.assert_allclose(rec["output"], y, rtol=1e-6)
    np.testing.assert_array_equal(rec["mask"], mask[0])
    d = np.sqrt(np.sum(np.where(mask[0], y - x[0], 0.0) ** 2))
    assert rec["distance"] == pytest.approx(float(d), rel=1e-6)
    tx, tm = tr.test_set.dense_rows([11])
    np.testing.assert_array_equal(rec["heldout_mask"], tm[0])
    # the order: rated first (by rating, high first), then held-out, then unrated
    order = rec["order"]
    n_rated = int(mask[0].sum())
    assert set(order[:n_rated]) == set(np.flatnonzero(mask[0]))
    assert list(x[0][order[:n_rated]]) == sorted(x[0][mask[0]], reverse=True)
    recs = e["recommendations"]
    expected = recommend(tr.network, tr.train_set, 11, n=10, clip=(1, 5))
    assert [int(i) for i in recs["items"]] == [i for i, _ in expected]
    np.testing.assert_allclose(recs["predicted"], [p for _, p in expected], rtol=1e-6)
    assert not mask[0][recs["items"]].any()
    ho = np.flatnonzero(tm[0])
    assert sorted(recs["heldout_items"].tolist()) == ho.tolist()
    np.testing.assert_allclose(recs["heldout_error"], recs["heldout_predicted"] - recs["heldout_values"])


def test_codes_are_the_networks_encodings():
    tr, r, _ = make_trainer(hidden=(8, 2, 8))
    tr.train(1)
    tr.step_phase()
    c = compute_extras(tr, {})["codes"]
    assert c["layer"] == 2 and c["units"] == 2 and c["method"] == "units"
    x, _ = tr.train_set.dense_rows(np.arange(tr.train_set.n_users))
    np.testing.assert_allclose(c["xy"], tr.network.encode(x, 2), rtol=1e-5)
    row = c["current_index"]
    assert c["rows"][row] == tr.current_step.rows[-1]
    np.testing.assert_allclose(c["current_code"], tr.current_step.trace.outputs[1][-1], rtol=1e-6)
    np.testing.assert_allclose(c["current_xy"], c["xy"][row], rtol=1e-4, atol=1e-6)


def test_pca_for_wide_codes_keeps_its_orientation():
    tr, _, _ = make_trainer(hidden=(12, 6, 12))
    tr.train(1)
    c1 = compute_extras(tr, {})["codes"]
    assert c1["method"] == "PCA" and c1["xy"].shape == (60, 2)
    assert 0 < c1["explained"][1] <= c1["explained"][0] <= 1
    tr.step_observation()
    c2 = compute_extras(tr, {})["codes"]
    # one small step: the picture moves a little, it does not flip
    assert np.corrcoef(c1["xy"][:, 0], c2["xy"][:, 0])[0, 1] > 0.9
    rng = np.random.default_rng(0)
    pts = rng.standard_normal((500, 2)) @ np.array([[3.0, 0, 0, 0], [0, 0.5, 0, 0]])
    xy, axes, mean, explained = pca_2d(pts)
    assert abs(axes[0, 0]) == pytest.approx(1.0, abs=1e-6) and explained[0] > 0.95


def test_pca_of_wide_codes_warm_started_from_the_last_axes_finds_the_same_directions():
    """More than 256 code units (I-AutoRec's 500): subspace iteration; from the previous refresh's
    axes it takes 3 rounds instead of 12 and must still find the two main directions."""
    rng = np.random.default_rng(1)
    k = 300
    basis = np.linalg.qr(rng.standard_normal((k, 2)))[0]
    pts = rng.standard_normal((400, 2)) * [5.0, 2.0] @ basis.T + 0.3 * rng.standard_normal((400, k))
    _, cold, _, _ = pca_2d(pts)
    moved = pts + 0.05 * rng.standard_normal(pts.shape)  # a few updates later
    _, warm, _, explained = pca_2d(moved, cold)
    for j in range(2):
        assert abs(float(cold[:, j] @ basis[:, j])) > 0.99
        assert float(warm[:, j] @ cold[:, j]) > 0.999  # same direction, same sign
    assert explained[0] > explained[1] > 0.05


def test_user_property_mean_rating_and_genre():
    tr, r, split = make_trainer()
    p = compute_extras(tr, {})["user_property"]
    means = split.train.mean_per_user()
    np.testing.assert_allclose(p["mean_rating"], means, rtol=1e-6)
    assert p["genre_names"] == sorted(GENRES)
    x, m = split.train.dense_rows([5])
    genres = np.array([p["genre_names"].index(g) for g in r.genres])
    assert p["genre"][5] == np.bincount(genres[m[0]], minlength=5).argmax()


def test_feature_detectors_rank_weights_and_align_with_genres_after_training():
    tr, r, _ = make_trainer(hidden=(10,), n_users=300, n_items=60, batch_size=4, hidden_activation="tanh")
    before = compute_extras(tr, {})["feature_detectors"]
    w = tr.network.weights[0]
    for u in range(10):
        assert set(before["pos_items"][u]) == set(np.argsort(-w[u])[:5])
        assert set(before["neg_items"][u]) == set(np.argsort(w[u])[:5])
        assert list(before["pos_weights"][u]) == sorted(before["pos_weights"][u], reverse=True)
    clear_before = int((np.abs(before["dominance"]) >= 3).sum())
    tr.train(15)
    # fresh: right after a burst of updates a plain call is throttled as during Play, and 15 epochs
    # can take less than SLOW_INTERVAL once the kernels are compiled
    after = compute_extras(tr, {}, fresh=True)["feature_detectors"]
    clear_after = int((np.abs(after["dominance"]) >= 3).sum())
    assert clear_before <= 1 and clear_after >= 4
    # the clear units cover several genres, not one
    dom = after["dominant_genre"][np.abs(after["dominance"]) >= 3]
    assert len(set(dom.tolist())) >= 3


def test_distribution_ring_follows_updates_and_resets():
    tr, _, _ = make_trainer()
    d = compute_extras(tr, {})["distributions"]
    assert d["percentiles"] == list(PERCENTILES) and d["weights"].shape == (4, 1, 9)
    for _ in range(5):
        tr.step_observation()
        d = compute_extras(tr, {})["distributions"]
    compute_extras(tr, {})  # no update in between: no new sample
    d = compute_extras(tr, {})["distributions"]
    assert d["weights"].shape == (4, 6, 9) and list(d["updates"]) == [0, 1, 2, 3, 4, 5]
    np.testing.assert_allclose(d["weights"][0, -1], np.percentile(tr.network.weights[0], PERCENTILES), rtol=1e-5)
    g = tr.network.split_flat(tr.network.grads)[0][3]
    np.testing.assert_allclose(d["gradients"][3, -1], np.percentile(g[g != 0], PERCENTILES), rtol=1e-5)
    assert np.all(np.diff(d["weights"][:, -1], axis=1) >= 0)  # quantiles are ordered
    tr.reset_counters()
    assert compute_extras(tr, {})["distributions"]["weights"].shape[1] == 1


def test_distribution_ring_is_bounded(monkeypatch):
    import aeviz.engine.insights as ins
    monkeypatch.setattr(ins, "RING", 4)
    tr, _, _ = make_trainer()
    for _ in range(7):
        tr.step_observation()
        d = compute_extras(tr, {})["distributions"]
    assert list(d["updates"]) == [4, 5, 6, 7]


def test_extras_are_read_only_and_finite(trained):
    e = compute_extras(trained, {"layer": 2, "index": 0})
    for key in ("codes", "reconstruction", "recommendations", "feature_detectors", "distributions"):
        for name, v in e[key].items():
            if isinstance(v, np.ndarray):
                assert not v.flags.writeable, f"{key}.{name} is writeable"
                if v.dtype.kind == "f":
                    assert np.isfinite(v).all(), f"{key}.{name} has NaN"
    snap = dataclasses.replace(trained.snapshot(), extras=e)
    assert snap.extras["row"] == e["row"]


def test_matrix_image_exact_and_block_averaged():
    r = build_ratings([1, 1, 2, 3, 3, 4], [1, 3, 2, 1, 4, 4], [5.0, 3.0, 1.0, 2.0, 4.0, 1.0])
    img, fu, fi = matrix_image(r)
    assert img.shape == (4, 4) and (fu, fi) == (1.0, 1.0)
    assert img[0, 0] == 5 and img[0, 2] == 3 and np.isnan(img[0, 1]) and img[3, 3] == 1
    small, fu, fi = matrix_image(r, max_rows=2, max_cols=2)
    assert small.shape == (2, 2) and (fu, fi) == (2.0, 2.0)
    assert small[0, 0] == pytest.approx((5 + 1) / 2)  # cells (0,0)=5 and (1,1)=1
    assert small[1, 1] == pytest.approx((4 + 1) / 2)
    assert small[1, 0] == 2.0 and small[0, 1] == 3.0


def test_large_data_uses_a_bounded_user_sample(monkeypatch):
    import aeviz.engine.insights as ins
    monkeypatch.setattr(ins, "MAX_CODE_CELLS", 20 * 100)
    tr, _, _ = make_trainer(n_users=300)
    e = compute_extras(tr, {})
    assert e["codes"]["xy"].shape[0] == 200 and e["user_property"]["mean_rating"].shape == (200,)
    assert np.all(np.diff(e["codes"]["rows"]) > 0)


def test_units_align_with_genres_on_the_bundled_sample():
    from aeviz.data import load_sample
    try:
        r = load_sample("genres")
    except Exception:
        pytest.skip("the bundled genres sample is not there")
    split = holdout_split(r, 0.2, 0)
    cfg = ModelConfig(hidden=(10,), batch_size=4, lr=0.01, weight_decay=1e-3, seed=0)
    tr = build_trainer(cfg, split.train, split.test, clip=(1, 5))
    before = compute_extras(tr, {})["feature_detectors"]
    tr.train(40)
    after = compute_extras(tr, {})["feature_detectors"]
    clear = np.abs(after["dominance"]) >= 3
    assert int((np.abs(before["dominance"]) >= 3).sum()) == 0
    assert clear.sum() >= 3 and len(set(after["dominant_genre"][clear].tolist())) >= 3


def test_costly_all_user_parts_are_throttled_only_while_training_runs(monkeypatch):
    import aeviz.engine.insights as ins
    tr, _, _ = make_trainer()
    first = compute_extras(tr, {})
    monkeypatch.setattr(ins, "SLOW_COST", -1.0)  # pretend they are costly
    tr.step_batch()  # one manual update: recomputed at once
    one = compute_extras(tr, {})
    assert one["codes"]["xy"] is not first["codes"]["xy"]
    tr.step_batch(), tr.step_batch()  # updates jumping: training runs, keep the recent result
    running = compute_extras(tr, {})
    assert running["codes"]["xy"] is one["codes"]["xy"]
    y = tr.network.predict(tr.train_set.dense_rows([running["row"]])[0])[0]
    np.testing.assert_allclose(running["reconstruction"]["output"], y, rtol=1e-6)  # per-user parts stay live
    fresh = compute_extras(tr, {}, fresh=True)
    assert fresh["codes"]["xy"] is not one["codes"]["xy"]
    # an edited weight (no update) is seen at once
    tr.set_weight(0, 0, 0, 5.0)
    edited = compute_extras(tr, {})
    assert edited["feature_detectors"]["pos_weights"][0][0] == pytest.approx(5.0)
