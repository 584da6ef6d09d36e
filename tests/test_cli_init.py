"""`python -m aeviz train RATINGS --init MODEL`: continue a saved model in aeviz's own engine, as
File > Open model then training does (the reference the exported PyTorch script is held to)."""
import json

import numpy as np

from aeviz import cli
from aeviz.data import load_ratings
from aeviz.engine.serialize import load_model, restore_trainer
from aeviz.presets import split_for


def _ratings(path, users=20, items=8, seed=0):
    rng = np.random.default_rng(seed)
    lines = ["userId,movieId,rating"]
    for u in range(users):
        for m in rng.choice(items, 4, replace=False):
            lines.append(f"{u + 1},{m + 1},{rng.integers(1, 6)}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_init_continues_the_saved_model(tmp_path, capsys):
    data = _ratings(tmp_path / "r.csv")
    start = tmp_path / "start.npz"
    user_model = ["--orientation", "user", "--loss", "mse", "--type", "plain", "--weight-penalty", "0"]
    assert cli.main(["train", str(data), *user_model, "--epochs", "2", "--layers", "5,3,5", "--batch-size", "4",
                     "--optimizer", "rmsprop", "--lr", "0.01", "--seed", "5", "--save", str(start), "--quiet"]) == 0
    assert cli.main(["train", str(data), "--init", str(start), "--epochs", "3", "--layers", "9",
                     "--save", str(tmp_path / "more.npz"), "--json"]) == 0
    out = capsys.readouterr().out
    assert "network 8-5-3-5-8 " in out and "rmsprop(lr=0.01" in out  # the model's settings, not --layers
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["epochs"] == 5 and summary["layers"] == [5, 3, 5]
    more = load_model(tmp_path / "more.npz")
    assert [r.epoch for r in more.history] == [1, 2, 3, 4, 5]
    assert 2 * more.optimizer_state["t"] == 5 * load_model(start).optimizer_state["t"]  # its steps go on

    # the same as opening the model and training three epochs in the engine
    saved = load_model(start)
    _, parts = split_for(saved.config, load_ratings(data))
    trainer = restore_trainer(saved, **parts)
    trainer.train(3)
    np.testing.assert_array_equal(trainer.network.params, more.network.params)


def test_init_refuses_bad_or_foreign_models(tmp_path, capsys):
    data = _ratings(tmp_path / "r.csv")
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"PK but not really")
    assert cli.main(["train", str(data), "--init", str(junk), "--epochs", "1"]) == 2
    assert "junk.npz" in capsys.readouterr().err
    other = _ratings(tmp_path / "other.csv", items=6, seed=1)
    model = tmp_path / "other.npz"
    assert cli.main(["train", str(other), "--epochs", "1", "--save", str(model), "--quiet"]) == 0
    assert cli.main(["train", str(data), "--init", str(model), "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert "6 movies" in err and "Traceback" not in err
