"""train --implicit: recall@20 capped at min(20, relevant), NDCG@100, the popularity baseline, and
the command's JSON (tiny synthetic data)."""
import json
from dataclasses import replace

import numpy as np
import pytest

from aeviz.cli import main
from aeviz.data.implicit import implicit
from aeviz.data.ratings import build_ratings
from aeviz.engine.implicit_training import popularity_predictor, top_n_scores


def _part(full, keep):
    """The entries of `full` where `keep`, same rows and columns (a hand-made split)."""
    rows = full.row_of_entries()[keep]
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=full.n_users))])
    return replace(full, indptr=indptr, indices=full.indices[keep], values=full.values[keep])


def test_recall_at_20_is_capped_and_popularity_counts_training_likes():
    # movies 0..29; training: users 1 and 2 liked movies 0-2, user 3 rated movie 0 low and liked 29;
    # test: user 1 liked every movie 3..28 (26 of them), user 3 rated movie 1 low (not relevant)
    tr = [(1, 0, 5), (1, 1, 5), (1, 2, 4), (2, 0, 5), (2, 1, 4), (2, 2, 4), (3, 0, 1), (3, 29, 5)]
    te = [(1, m, 5) for m in range(3, 29)] + [(3, 1, 2)]
    u, i, r = zip(*(tr + te))
    full = build_ratings(u, i, r)
    is_train = np.zeros(full.nnz, dtype=bool)
    rows, cols = full.row_of_entries(), full.item_ids[full.indices]
    for uu, ii, _ in tr:
        is_train |= (full.user_ids[rows] == uu) & (cols == ii)
    train, test = _part(full, is_train), _part(full, ~is_train)
    predict = popularity_predictor(train)
    scores = predict(np.arange(train.n_users))
    col = {int(m): k for k, m in enumerate(full.item_ids)}
    assert (scores[0, col[0]], scores[0, col[29]], scores[0, col[5]]) == (2, 1, 0)
    s = top_n_scores(predict, implicit(train), test)
    # user 1's candidates: movies 3..29; the top 20 is movie 29 (1 like) then 3..21 (ties, lowest
    # column first): 19 of the 26 relevant, and recall@20 divides by min(20, 26)
    assert s.users == 1
    assert s.recall_at_20 == pytest.approx(19 / 20)


def test_train_implicit_json_reports_top_n_and_the_popularity_baseline(tmp_path, capsys):
    rng = np.random.default_rng(1)
    users, items = np.nonzero(rng.random((40, 25)) < 0.5)
    path = tmp_path / "r.csv"
    path.write_text("user,item,rating\n" + "".join(
        f"{u},{i},{r}\n" for u, i, r in zip(users, items, rng.integers(1, 6, users.size))))
    code = main(["train", str(path), "--implicit", "--type", "vae", "--layers", "8,3,8",
                 "--epochs", "3", "--json", "--quiet"])
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code == 0
    assert 0 < out["recall_at_20"] <= 1 and 0 < out["ndcg_at_100"] <= 1
    assert 0 < out["baselines"]["popularity_recall_at_20"] <= 1
    assert out["type"] == "vae" and out["layers"] == [8, 3, 8] and out["loss"] == "multinomial"
    assert out["epochs"] == 3 and 1 <= out["best_epoch"] <= 3


def test_top_columns_equals_a_stable_argsort_ties_included():
    from aeviz.engine.ranking import top_columns
    rng = np.random.default_rng(5)
    scores = rng.integers(0, 4, size=(30, 50)).astype(float)  # many ties
    scores[3] = -np.inf
    scores[4, :45] = -np.inf
    for n in (1, 7, 20, 50):
        np.testing.assert_array_equal(top_columns(scores, n),
                                      np.argsort(-scores, axis=1, kind="stable")[:, :n])
