"""`train --orientation item` from the command line: same split, same metric, a user's column."""
import json

import numpy as np
import pytest

from aeviz import cli
from aeviz.data import load_ratings
from aeviz.engine.orientation import observations
from aeviz.engine.serialize import load_model


@pytest.fixture(scope="module")
def ratings(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli-item")
    rng = np.random.default_rng(1)
    r = np.clip(np.round(3 + rng.normal(size=(30, 2)) @ rng.normal(size=(2, 12))), 1, 5)
    m = rng.random(r.shape) < 0.5
    m[:, 0] = True
    path = d / "ratings.csv"
    path.write_text("userId,movieId,rating\n" + "".join(f"{i + 1},{j + 101},{int(r[i, j])}\n"
                                                         for i, j in zip(*np.nonzero(m))))
    return path


def _run(argv, capsys):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_item_orientation_trains_on_the_same_held_out_ratings(ratings, capsys):
    base = ["train", ratings, "--epochs", 2, "--layers", 6, "--json"]
    # the defaults are item-based (the recommender preset): the user model is spelled out
    user = json.loads(_run([*base, "--orientation", "user", "--loss", "mse", "--weight-penalty", 0], capsys)
                      .strip().splitlines()[-1])
    out = _run([*base, "--orientation", "item", "--loss", "sse", "--weight-penalty", 0.1], capsys)
    item = json.loads(out.strip().splitlines()[-1])
    assert "each movie is an observation" in out
    assert "-6-30 " in out  # 30 users in and out
    assert (item["train_ratings"], item["test_ratings"]) == (user["train_ratings"], user["test_ratings"])
    assert item["item_mean_baseline"] == user["item_mean_baseline"]
    assert item["test_rmse"] != user["test_rmse"] and item["penalty"] > 0


def test_recommend_from_an_item_model_reads_the_users_column(ratings, capsys, tmp_path):
    model = tmp_path / "item.npz"
    _run(["train", ratings, "--epochs", 2, "--layers", 6, "--orientation", "item", "--save", model,
          "--quiet"], capsys)
    recs = json.loads(_run(["recommend", model, ratings, "--user", 3, "-n", 3, "--json"],
                           capsys).strip().splitlines()[-1])["recommendations"]
    full = load_ratings(ratings)
    net = load_model(model).network
    raw = net.predict(observations(full, "item").to_dense()[0])[:, full.user_index(3)]  # the column
    col = np.clip(raw, 1, 5)
    rated = set(full.row(full.user_index(3))[0].tolist())
    # best clipped prediction first; ties (many clip to the scale's ends) broken by the raw output
    expect = sorted((i for i in range(full.n_items) if i not in rated), key=lambda i: (-col[i], -raw[i]))[:3]
    assert [full.item_index(r["item_id"]) for r in recs] == expect
    assert [r["predicted"] for r in recs] == [round(float(col[i]), 3) for i in expect]
