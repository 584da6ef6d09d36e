"""The autoencoder types behave as the theory says: copying, sparsity, denoising, contraction, stacking."""
import numpy as np
import pytest

from aeviz.engine import DenseRows, ModelConfig, build_network, build_trainer, evaluate
from aeviz.engine.corruption import GaussianNoise, MaskingNoise
from aeviz.engine.penalties import Contractive, KLSparsity, L1Sparsity
from aeviz.engine.pretrain import pretrain
from aeviz.engine.types import for_config


def _low_rank(users=60, items=12, density=0.7, seed=0):
    rng = np.random.default_rng(seed)
    u = rng.normal(size=(users, 2))
    v = rng.normal(size=(2, items))
    r = np.clip(np.round(3 + u @ v), 1, 5)
    m = rng.random((users, items)) < density
    return DenseRows(np.where(m, r, 0), m)


def test_unconstrained_overcomplete_network_learns_to_copy():
    rng = np.random.default_rng(3)
    data = DenseRows(rng.integers(1, 6, size=(10, 6)).astype(np.float32))  # every entry rated
    cfg = ModelConfig(hidden=(24,), hidden_activation="identity", lr=0.01, batch_size=0, seed=1)
    tr = build_trainer(cfg, data)
    start = evaluate(tr.network, data).train_rmse
    tr.train(600)
    # random 1-5 ratings have no structure: only copying the input gets this low ...
    assert start > 1.0 and tr.history[-1].train_rmse < 0.02
    # ... which a 3-unit bottleneck cannot do
    narrow = build_trainer(cfg.with_(hidden=(3,)), data)
    narrow.train(600)
    assert narrow.history[-1].train_rmse > 0.3


def _mean_code_activation(tr, data):
    x, _ = data.dense_rows(np.arange(data.n_users))
    return tr.network.encode(x, 1).mean(axis=0)


def test_sparse_training_pulls_mean_activations_to_rho():
    data = _low_rank()
    base = dict(hidden=(16,), batch_size=0, lr=0.02, seed=0, test_fraction=0.0)
    plain = build_trainer(ModelConfig(**base), data)
    plain.train(150)
    sparse = build_trainer(ModelConfig(kind="sparse", sparsity_target=0.05, sparsity_weight=2.0, **base), data)
    sparse.train(150)
    rho_plain = _mean_code_activation(plain, data)
    rho_sparse = _mean_code_activation(sparse, data)
    assert np.median(np.abs(rho_sparse - 0.05)) < 0.015 and np.abs(rho_sparse - 0.05).mean() < 0.03
    assert np.abs(rho_plain - 0.05).mean() > 0.15
    assert sparse.history[-1].penalty > 0 and plain.history[-1].penalty == 0


def test_l1_sparsity_shrinks_codes():
    data = _low_rank()
    base = dict(hidden=(16,), batch_size=0, lr=0.02, seed=0, hidden_activation="relu")
    plain = build_trainer(ModelConfig(**base), data)
    plain.train(100)
    l1 = build_trainer(ModelConfig(kind="sparse", sparsity_penalty="l1", l1_weight=0.5, **base), data)
    l1.train(100)
    assert isinstance(l1.penalties[0], L1Sparsity)
    a, b = _mean_code_activation(plain, data), _mean_code_activation(l1, data)
    assert b.mean() < 0.5 * a.mean()
    assert (b < 1e-6).mean() > (a < 1e-6).mean()  # more units switched off


def test_denoising_target_is_the_clean_input():
    data = _low_rank()
    cfg = ModelConfig(kind="denoising", noise="mask", noise_level=0.5, hidden=(8,), seed=2)
    tr = build_trainer(cfg, data)
    assert isinstance(tr.corruption, MaskingNoise)
    tr.forward()
    tr.compute_loss()
    snap = tr.snapshot()
    clean, mask = data.dense_rows([snap.user_row])
    np.testing.assert_array_equal(snap.x_target, clean[0])
    hidden = mask[0] & (snap.x_input == 0)
    assert hidden.any()  # something was hidden ...
    np.testing.assert_array_equal(snap.x_input[~hidden], clean[0][~hidden])  # ... and nothing else changed
    np.testing.assert_array_equal(snap.mask, mask[0])  # the hidden ratings still count
    y = snap.activations[-1]
    expected = np.sum((y - clean[0])[mask[0]] ** 2) / mask[0].sum()
    assert snap.loss == pytest.approx(expected, rel=1e-5)


def test_gaussian_noise_touches_rated_entries_only():
    x = np.array([[3.0, 0.0, 5.0, 0.0]], dtype=np.float32)
    m = x != 0
    out = GaussianNoise(0.5).corrupt(x, m, np.random.default_rng(0))
    assert (out[~m] == 0).all() and (out[m] != x[m]).all()
    assert out.dtype == np.float32


def test_contractive_type_adds_the_penalty_and_lowers_the_jacobian():
    data = _low_rank()
    base = dict(hidden=(16,), batch_size=0, lr=0.02, seed=0)
    plain = build_trainer(ModelConfig(**base), data)
    plain.train(80)
    cae = build_trainer(ModelConfig(kind="contractive", contractive_weight=1.0, **base), data)
    cae.train(80)
    assert isinstance(cae.penalties[0], Contractive)
    x, _ = data.dense_rows(np.arange(data.n_users))
    c = Contractive(1.0)
    jp = c.frobenius_per_observation(plain.network, plain.network.forward(x)).mean()
    jc = c.frobenius_per_observation(cae.network, cae.network.forward(x)).mean()
    assert jc < 0.5 * jp
    assert cae.history[-1].penalty > 0


def test_phase_by_phase_batch_equals_fast_batch_with_penalties():
    data = _low_rank(users=8)
    cfg = ModelConfig(kind="contractive", contractive_weight=0.7, hidden=(5,), batch_size=4, shuffle=False)
    a = build_trainer(cfg, data)
    b = build_trainer(cfg, data)
    for _ in range(20):  # 4 observations, one phase at a time, up to the update
        if a.next_phase == "update":
            break
        a.step_phase()
    b.step_batch()
    np.testing.assert_allclose(a.network.grads, b.network.grads, rtol=1e-4, atol=1e-6)


def test_for_config_refuses_kl_without_sigmoid():
    cfg = ModelConfig(kind="sparse", hidden_activation="tanh")
    with pytest.raises(ValueError, match="sigmoid"):
        for_config(cfg, build_network(cfg, 5))
    pens, corr = for_config(ModelConfig(kind="plain"), build_network(ModelConfig(), 5))
    assert pens == [] and corr is None
    pens, _ = for_config(ModelConfig(kind="sparse", batch_size=1), build_network(ModelConfig(), 5))
    assert isinstance(pens[0], KLSparsity) and pens[0].running > 0


def test_pretraining_gives_every_layer_a_useful_start():
    data = _low_rank(users=80)
    cfg = ModelConfig(hidden=(8, 4, 8), batch_size=8, lr=0.02, seed=0, pretrain_epochs=30)
    random_net = build_network(cfg, data.n_items)
    net = build_network(cfg, data.n_items)
    reports = pretrain(net, cfg, data)
    assert [r.layer for r in reports] == [1, 2] and [r.copied_decoder for r in reports] == [4, 3]
    for r in reports:
        assert r.last_loss < r.first_loss
    for l in range(4):
        assert not np.allclose(net.weights[l], random_net.weights[l])
    before = evaluate(random_net, data).train_rmse
    after = evaluate(net, data).train_rmse
    assert after < 0.8 * before
    # build_trainer pre-trains when asked
    tr = build_trainer(cfg, data)
    np.testing.assert_allclose(tr.network.params, net.params)


# ------------------------------------------------------------------------------------ presets
from aeviz.presets import PRESETS, get_preset  # noqa: E402


def test_every_preset_is_valid_and_loads():
    keys = [p.key for p in PRESETS]
    assert keys == ["toy", "recommender", "overcomplete", "sparse", "denoising", "contractive", "stacked",
                    "vae", "item-autorec"]
    for p in PRESETS:
        assert p.config.problems() == [], p.key
        assert 2 <= p.explanation.count(". ") + 1 <= 5, p.key
        if p.dataset != "toy":
            from aeviz.data import sample_path
            if not sample_path(p.dataset).is_file():
                continue
        r = p.load_dataset()
        assert r.n_items > 0
    kinds = {p.key: p.config.kind for p in PRESETS}
    assert kinds["sparse"] == "sparse" and kinds["denoising"] == "denoising" and kinds["contractive"] == "contractive"
    assert get_preset("stacked").config.pretrain_epochs > 0
    assert get_preset("overcomplete").config.hidden[0] > 60


def test_toy_preset_reproduces_the_seed_example():
    p = get_preset("toy")
    r = p.load_dataset()
    x, m = r.to_dense()
    assert m.all() and np.array_equal(x, np.eye(4)) and r.scale.kind == "binary"
    tr, split = p.make_trainer()
    assert split is None and tr.test_set is None
    tr.forward()
    tr.compute_loss()
    s = tr.snapshot()
    np.testing.assert_allclose(s.activations[1], [1, 1])
    np.testing.assert_allclose(s.preacts[1], [2, 0, 0, -2])
    np.testing.assert_allclose(s.activations[2], [0.7758, 0.1050, 0.1050, 0.0142], atol=1e-4)
    assert s.loss == pytest.approx(-np.log(0.7758), abs=1e-3)
    tr.train(p.epochs)
    y = tr.network.predict(np.eye(4))
    assert (y.argmax(axis=1) == np.arange(4)).all()  # every user's own movie comes out on top


def _genres_or_skip():
    from aeviz.data import sample_path
    if not sample_path("genres").is_file():
        pytest.skip("the genres sample is not bundled yet")


def test_recommender_preset_beats_the_item_mean_baseline():
    _genres_or_skip()
    from aeviz.engine import item_mean_baseline
    p = get_preset("recommender")
    assert p.config.orientation == "item"  # I-AutoRec: the user-based network only drew level with the biases
    tr, split = p.make_trainer()
    tr.train(60)  # 60 movies, two batches of 32 per epoch; 0.89 against 0.96 (measured)
    base = item_mean_baseline(split.train, split.test)
    assert tr.history[-1].test_rmse < base - 0.05


def test_overcomplete_preset_falls_into_the_copying_trap():
    _genres_or_skip()
    tr, _ = get_preset("overcomplete").make_trainer()
    tr.train(25)
    h = tr.history
    best = min(r.test_rmse for r in h)
    assert h[-1].train_rmse < 0.5 * h[0].train_rmse  # keeps learning its training ratings ...
    assert h[-1].test_rmse > best + 0.1  # ... while held-out error turns round and climbs


def test_toy_config_alone_carries_the_seed_weights():
    """The app builds from the config only: the seed's weights must come with it (and survive JSON)."""
    import json
    from aeviz.engine import ModelConfig, build_network
    from aeviz.engine.toy import ENCODER
    cfg = ModelConfig.from_dict(json.loads(json.dumps(get_preset("toy").config.to_dict())))
    net = build_network(cfg, 4)
    np.testing.assert_array_equal(net.weights[0], ENCODER)
    np.testing.assert_array_equal(net.weights[1], ENCODER.T)
    other = build_network(cfg.with_(hidden=(3,)), 4)  # shapes no longer fit: ordinary init
    assert other.weights[0].shape == (3, 4)
