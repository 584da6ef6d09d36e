"""The command line end to end: training summary, saved models, recommendations, and clean failures."""
import json
import subprocess
import sys
import types

import numpy as np
import pytest

from aeviz import cli


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    rng = np.random.default_rng(0)
    u, v = rng.normal(size=(80, 3)), rng.normal(size=(3, 25))
    r = np.clip(np.round(3 + u @ v), 1, 5)
    m = rng.random(r.shape) < 0.4
    m[:, 0] = True
    ratings = d / "ratings.csv"
    lines = ["userId,movieId,rating"] + [f"{i + 1},{j + 101},{int(r[i, j])}" for i, j in zip(*np.nonzero(m))]
    ratings.write_text("\n".join(lines) + "\n")
    titles = d / "movies.csv"
    titles.write_text("movieId,title,genres\n" + "".join(f"{j + 101},Film number {j + 1} (1999),Drama\n"
                                                          for j in range(25)))
    other = d / "other.csv"  # different movies
    other.write_text("userId,movieId,rating\n1,1,5\n1,2,3\n2,1,4\n2,3,2\n")
    return {"dir": d, "ratings": ratings, "titles": titles, "other": other, "n": int(m.sum())}


def run(argv, capsys):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def last_json(out):
    return json.loads(out.strip().splitlines()[-1])


# the tutorial's kind of model, spelled out: the defaults (the recommender preset) are item-based
# I-AutoRec with summed squared errors, a weight penalty and masking noise
USER_MODEL = ["--orientation", "user", "--loss", "mse", "--type", "plain", "--weight-penalty", "0"]


def test_train_prints_epochs_and_a_json_summary(files, capsys):
    code, out, err = run(["train", files["ratings"], "--epochs", 3, "--json"], capsys)
    assert code == 0, err
    s = last_json(out)
    assert s["epochs"] == 3 and s["users"] == 80 and s["items"] == 25 and s["ratings"] == files["n"]
    assert s["train_ratings"] + s["validation_ratings"] + s["test_ratings"] == files["n"]
    assert s["test_ratings"] > 0.15 * files["n"] and 0 < s["validation_ratings"] < 0.1 * files["n"]
    for k in ("train_rmse", "val_rmse", "test_rmse", "test_rmse_per_user", "test_mae", "item_mean_baseline",
              "precision_at_10", "recall_at_10", "ndcg_at_10", "seconds"):
        assert isinstance(s[k], float) and 0 <= s[k] < 5, k
    assert set(s["baselines"]) == {"global_mean", "item_mean", "user_item_bias"}
    assert s["baselines"]["item_mean"] == s["item_mean_baseline"] and s["clipped_to"] == [1, 5]
    assert s["test_mae"] < s["test_rmse"] and s["precision_at_10"] <= 1 and s["recall_at_10"] <= 1
    assert "clipped to 1-5" in out
    table = [l for l in out.splitlines() if l.strip()[:1].isdigit() and "RMSE" not in l]
    epoch_rows = [l for l in table if len(l.split()) == 7]
    assert [int(l.split()[0]) for l in epoch_rows] == [1, 2, 3]
    assert float(epoch_rows[-1].split()[2]) == pytest.approx(s["val_rmse"], abs=1e-4)
    assert float(epoch_rows[-1].split()[3]) == pytest.approx(s["test_rmse"], abs=1e-4)


def test_training_learns_beyond_the_baseline(files, capsys):
    code, out, err = run(["train", files["ratings"], *USER_MODEL, "--epochs", 40, "--batch-size", 8,
                          "--layers", "8", "--lr", 0.02, "--json", "--quiet"], capsys)
    assert code == 0, err
    s = last_json(out)
    assert s["test_rmse"] < s["item_mean_baseline"]


@pytest.mark.parametrize("kind,extra", [("sparse", ["--sparsity-penalty", "kl", "--batch-size", 8]),
                                        ("sparse", ["--sparsity-penalty", "l1", "--activation", "relu"]),
                                        ("contractive", ["--contractive-weight", 0.1]),
                                        ("denoising", ["--noise", "gaussian", "--noise-level", 0.5])])
def test_types_from_the_command_line(files, capsys, kind, extra):
    code, out, err = run(["train", files["ratings"], *USER_MODEL, "--epochs", 2, "--type", kind, *extra, "--json"],
                         capsys)
    assert code == 0, err
    s = last_json(out)
    assert s["type"] == kind
    assert (s["penalty"] > 0) == (kind != "denoising")


def test_save_then_recommend_unrated_movies_with_titles(files, capsys, tmp_path):
    model = tmp_path / "m.npz"
    code, _, err = run(["train", files["ratings"], "--epochs", 2, "--save", model, "--quiet"], capsys)
    assert code == 0, err and model.is_file()
    code, out, err = run(["recommend", model, files["ratings"], "--user", 5, "-n", 4,
                          "--titles", files["titles"], "--json"], capsys)
    assert code == 0, err
    s = last_json(out)
    recs = s["recommendations"]
    assert len(recs) == 4 and [r["rank"] for r in recs] == [1, 2, 3, 4]
    assert all(r["title"].startswith("Film number") for r in recs)
    preds = [r["predicted"] for r in recs]
    assert preds == sorted(preds, reverse=True) and all(1 <= p <= 5 for p in preds)
    rated = {int(l.split(",")[1]) for l in files["ratings"].read_text().splitlines()[1:] if l.startswith("5,")}
    assert not rated & {r["item_id"] for r in recs}
    assert f"Film number {recs[0]['item_id'] - 100} (1999)" in out.splitlines()[1]


def test_recommend_refusals(files, capsys, tmp_path):
    model = tmp_path / "m.npz"
    assert run(["train", files["ratings"], "--epochs", 1, "--save", model, "--quiet"], capsys)[0] == 0
    code, _, err = run(["recommend", model, files["ratings"], "--user", 999], capsys)
    assert code == 2 and "no user '999'" in err
    code, _, err = run(["recommend", model, files["other"], "--user", 1], capsys)
    assert code == 2 and "25 movies" in err and "3" in err
    broken = tmp_path / "broken.npz"
    broken.write_bytes(model.read_bytes()[:300])
    code, _, err = run(["recommend", broken, files["ratings"], "--user", 1], capsys)
    assert code == 2 and "broken.npz" in err and "truncated" in err


@pytest.mark.parametrize("argv,needle", [
    (["--layers", "20,x"], "'x' is not a positive whole number"),
    (["--batch-size", "-1"], "batch size must be at least 0"),
    (["--type", "fancy"], "invalid choice"),
    (["--lr", "0"], "learning rate must be above 0"),
    (["--test-fraction", "1"], "test fraction must be below 1"),
    (["--layers", "10,5", "--tied"], "mirrored"),
    (["--type", "sparse", "--activation", "tanh"], "sigmoid"),
    (["--patience", "3", "--validation-fraction", "0"], "--patience needs a validation set"),
    (["--preset", "fancy"], "no preset 'fancy'"),
    (["--patience", "-2"], "patience must be at least 0"),
])
def test_invalid_values_exit_2_with_a_message(files, capsys, argv, needle):
    code, out, err = run(["train", files["ratings"], "--epochs", 1, *argv], capsys)
    assert code == 2
    assert needle in err and "Traceback" not in err


def test_bad_file_and_divergence_in_a_real_process(files, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("userId,movieId,rating\n1,2,5\n1,3,abc\n2,2,4\n")
    p = subprocess.run([sys.executable, "-m", "aeviz", "train", str(bad)], capture_output=True, text=True)
    assert p.returncode == 2 and "bad.csv" in p.stderr and "line 3" in p.stderr
    assert "Traceback" not in p.stderr
    p = subprocess.run([sys.executable, "-m", "aeviz", "train", str(files["ratings"]), *USER_MODEL, "--lr", "100",
                        "--optimizer", "sgd", "--activation", "identity", "--epochs", "2"],
                       capture_output=True, text=True)
    assert p.returncode == 3 and "diverged" in p.stderr and "smaller learning rate" in p.stderr
    assert "Traceback" not in p.stderr


def test_missing_file(capsys, tmp_path):
    code, _, err = run(["train", tmp_path / "nope.csv"], capsys)
    assert code == 2 and "nope.csv" in err


def test_separate_test_file(files, capsys, tmp_path):
    lines = files["ratings"].read_text().splitlines()
    head, body = lines[0], lines[1:]
    (tmp_path / "a.csv").write_text("\n".join([head] + body[::5]) + "\n")  # every 5th to test
    (tmp_path / "b.csv").write_text("\n".join([head] + [l for k, l in enumerate(body) if k % 5]) + "\n")
    code, out, err = run(["train", tmp_path / "b.csv", "--test", tmp_path / "a.csv", "--epochs", 1,
                          "--json"], capsys)
    assert code == 0, err
    s = last_json(out)
    assert s["test_ratings"] == len(body[::5]) and s["ratings"] == len(body)


def test_help_documents_every_flag(capsys):
    assert cli.main(["train", "--help"]) == 0
    text = capsys.readouterr().out
    for flag in ("--titles", "--layers", "--activation", "--output-activation", "--optimizer", "--lr",
                 "--momentum", "--weight-decay", "--batch-size", "--epochs", "--test-fraction", "--test",
                 "--seed", "--type", "--sparsity-target", "--sparsity-weight", "--sparsity-penalty",
                 "--noise", "--noise-level", "--contractive-weight", "--pretrain-epochs", "--save", "--json",
                 "--patience"):
        assert flag in text, flag
    parser = cli.build_parser()
    train = parser.command("train")
    assert len(train.actions()) > 20 and all(a.help for a in train.actions())


def test_no_arguments_launches_the_app(monkeypatch):
    calls = []
    fake = types.ModuleType("aeviz.ui.app")
    fake.main = lambda: calls.append("app") or 0
    monkeypatch.setitem(sys.modules, "aeviz.ui.app", fake)
    assert cli.main([]) == 0 and calls == ["app"]


def test_genres_sample_defaults_beat_the_baseline(capsys):
    from aeviz.data import sample_path
    path = sample_path("genres")
    if not path.is_file():
        pytest.skip("the genres sample is not bundled yet")
    code, out, err = run(["train", path, "--json", "--quiet"], capsys)  # the defaults, early stopping on
    assert code == 0, err
    s = last_json(out)
    assert s["users"] == 300 and s["items"] == 60
    assert s["test_rmse"] < s["item_mean_baseline"]  # early stopping ends in the first plateau here


def test_patience_stops_early_and_keeps_the_best_epoch(files, capsys):
    argv = ["train", files["ratings"], "--epochs", 300, "--batch-size", 1, "--lr", 0.02, "--json"]
    code, out, err = run(argv + ["--patience", 4], capsys)
    assert code == 0, err
    s = last_json(out)
    assert s["stopped_early"] and s["epochs"] == s["best_epoch"] < 300
    assert s["epochs_run"] == s["best_epoch"] + 4
    assert f"went back to epoch {s['best_epoch']}" in out
    rows = [l.split() for l in out.splitlines() if l.strip()[:1].isdigit() and len(l.split()) == 7]
    vals = [float(r[2]) for r in rows]
    assert len(rows) == s["best_epoch"] + 4  # it saw four epochs without improvement, then went back
    assert min(vals) == pytest.approx(s["val_rmse"], abs=1e-4) == pytest.approx(vals[s["best_epoch"] - 1], abs=1e-4)
    assert float(rows[s["best_epoch"] - 1][3]) == pytest.approx(s["test_rmse"], abs=1e-4)  # reported, not chosen
    code, out, _ = run(argv[:3] + [10, "--json", "--quiet", "--patience", 0], capsys)
    assert not last_json(out)["stopped_early"]


def test_early_stopping_is_on_by_default(files, capsys):
    from aeviz.cli import DEFAULT_PATIENCE
    code, out, err = run(["train", files["ratings"], "--epochs", 300, "--batch-size", 1, "--lr", 0.02,
                          "--json", "--quiet"], capsys)
    s = last_json(out)
    assert code == 0 and s["stopped_early"] and s["epochs"] == s["best_epoch"] < 300 - DEFAULT_PATIENCE
    code, out, err = run(["train", files["ratings"], "--epochs", 2, "--validation-fraction", 0, "--json",
                          "--quiet"], capsys)  # no validation set: nothing to stop on, and no complaint
    s = last_json(out)
    assert code == 0 and s["validation_ratings"] == 0 and s["val_rmse"] is None and s["best_epoch"] is None


def test_preset_settings_with_flags_given_on_top(files, capsys):
    code, out, _ = run(["train", files["ratings"], "--preset", "help"], capsys)
    assert code == 0 and "denoising" in out and "recommender" in out
    code, out, err = run(["train", files["ratings"], "--preset", "denoising", "--epochs", 2, "--lr", 0.003,
                          "--json"], capsys)
    assert code == 0, err
    s = last_json(out)
    assert s["type"] == "denoising" and s["layers"] == [120] and s["epochs"] == 2 and s["preset"] == "denoising"
    assert "adam(lr=0.003" in out and "batch 1," in out  # the flag overrides; the rest is the preset's


def test_a_preset_brings_its_patience_and_learning_rate_decay_unless_flags_override(files, capsys):
    code, out, err = run(["train", files["ratings"], "--preset", "item-autorec", "--epochs", 1], capsys)
    assert code == 0, err
    assert "early stopping after 40 epochs" in out and "adam(lr=0.0005" in out
    code, out, err = run(["train", files["ratings"], "--preset", "item-autorec", "--epochs", 1,
                          "--patience", 3, "--lr-decay", 0.5, "--json"], capsys)
    assert code == 0, err
    assert "early stopping after 3 epochs" in out
