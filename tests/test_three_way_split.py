"""Train/validation/test: no held-out rating reaches training, and the test set never chooses."""
import numpy as np

from aeviz.data import three_way_split
from aeviz.data.ratings import build_ratings
from aeviz.engine import ModelConfig, build_trainer
from aeviz.presets import split_for


def _ratings(seed=0, n_users=40, n_items=15):
    rng = np.random.default_rng(seed)
    u, i = np.nonzero(rng.random((n_users, n_items)) < 0.5)
    return build_ratings(u + 1, i + 1, rng.integers(1, 6, len(u)))


def _pairs(r):
    rows = r.row_of_entries()
    return set(zip(rows.tolist(), r.indices.tolist()))


def test_three_parts_are_disjoint_cover_everything_and_are_seeded():
    r = _ratings()
    s = three_way_split(r, 0.2, 0.1, seed=3)
    tr, va, te = _pairs(s.train), _pairs(s.validation), _pairs(s.test)
    assert not (tr & va) and not (tr & te) and not (va & te)
    assert tr | va | te == _pairs(r)
    # the validation set is carved from each user's training ratings, not from the test set
    test_only = three_way_split(r, 0.2, 0.0, seed=3)
    assert _pairs(test_only.test) == te and _pairs(test_only.train) == tr | va
    n_train = test_only.train.rated_counts_per_user()
    np.testing.assert_array_equal(s.validation.rated_counts_per_user(),
                                  np.minimum(np.floor(0.1 * n_train + 0.5), n_train - 1))
    again = three_way_split(r, 0.2, 0.1, seed=3)
    assert _pairs(again.validation) == va
    assert _pairs(three_way_split(r, 0.2, 0.1, seed=4).validation) != va


def _trained(parts, patience=0, epochs=12):
    cfg = ModelConfig(hidden=(12,), lr=0.05, validation_fraction=0.2)
    t = build_trainer(cfg, **parts)
    t.train(epochs, patience=patience)
    return t


def _poisoned(r, value):
    """The same ratings with every value replaced: a leak of this set would change training."""
    from dataclasses import replace
    return replace(r, values=np.full_like(r.values, value))


def test_no_validation_or_test_rating_reaches_training_or_model_selection():
    r = _ratings(seed=1)
    cfg = ModelConfig(hidden=(12,), lr=0.05, validation_fraction=0.2)
    split, parts = split_for(cfg, r)
    assert parts["train"] is split.train and not (_pairs(split.train) & (_pairs(split.test) | _pairs(split.validation)))
    # training never reads held-out values: poisoning both leaves every weight unchanged
    a = _trained(parts)
    b = _trained({**parts, "test": _poisoned(parts["test"], 1.0), "validation": _poisoned(parts["validation"], 5.0)})
    np.testing.assert_array_equal(a.network.params, b.network.params)
    # model selection follows the validation set only: another test set changes nothing ...
    c = _trained(parts, patience=3, epochs=60)
    d = _trained({**parts, "test": _poisoned(parts["test"], 5.0)}, patience=3, epochs=60)
    assert c.best_epoch == d.best_epoch and c.epoch == d.epoch
    np.testing.assert_array_equal(c.network.params, d.network.params)
    vals = [h.val_rmse for h in c.history]
    assert c.best_epoch == int(np.argmin(vals)) + 1
    # ... while the validation set does choose (poisoned, it picks another epoch)
    e = _trained({**parts, "validation": _poisoned(parts["validation"], 1.0)}, patience=3, epochs=60)
    assert e.best_epoch != c.best_epoch or e.epoch != c.epoch


def test_without_a_validation_set_the_test_set_chooses_nothing(overfit_split):
    train, held = overfit_split
    t = build_trainer(ModelConfig(hidden=(12,), lr=0.05), train, test=held, clip=(1, 5))
    t.train(5)
    assert all(h.val_rmse is None for h in t.history) and t.best_epoch is None  # no validation: no choice
