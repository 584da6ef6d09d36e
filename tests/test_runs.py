"""The Runs registry (engine/runs.py): which history belongs to which run, the summary figures,
and the long-format CSV of every run."""
import csv

import pytest

from aeviz.data import load_sample
from aeviz.engine import ModelConfig
from aeviz.engine.runs import RunRegistry, data_identity, describe_config, write_runs_csv
from aeviz.engine.snapshot import EpochRecord


def rec(epoch, train, val, test, loss=0.5):
    return EpochRecord(epoch=epoch, train_rmse=train, test_rmse=test, test_rmse_per_user=None,
                       mean_loss=loss, penalty=0.0, seconds=0.1, val_rmse=val)


@pytest.fixture
def tiny_id():
    return data_identity(load_sample("tiny"), "/some/where/tiny.csv")


def test_data_identity_names_file_shape_and_content(tiny_id):
    r = load_sample("tiny")
    assert (tiny_id.name, tiny_id.n_users, tiny_id.n_items, tiny_id.nnz) == ("tiny.csv", 8, 6, 39)
    assert tiny_id.content_hash == r.content_hash() and len(tiny_id.content_hash) == 64
    assert "tiny.csv (8×6, 39 ratings)" in tiny_id.describe()
    assert data_identity(load_sample("genres")).content_hash != tiny_id.content_hash


def test_describe_config_says_what_differs():
    assert describe_config(ModelConfig()) == "plain, 20-10-20, adam lr 0.001"
    d = describe_config(ModelConfig(kind="denoising", noise_level=0.3, optimizer="sgd", lr=0.01,
                                    orientation="item", batch_size=8))
    assert d == "denoising (mask 0.3), 20-10-20, sgd lr 0.01, batch 8, item-based"


def test_history_goes_to_its_own_run_only(tiny_id):
    reg = RunRegistry()
    a = reg.start(ModelConfig(seed=3), tiny_id)
    old = (rec(1, 1.0, 1.1, 1.2), rec(2, 0.9, 1.0, 1.1))
    assert reg.record(old[:1]) and reg.record(old)
    assert a.epochs == 2 and a.seed == 3 and a.label == "run 1: plain, 20-10-20, adam lr 0.001, seed 3"
    b = reg.start(ModelConfig(kind="denoising"), tiny_id)
    assert reg.current is b and reg.runs == (a, b)
    assert not reg.record(old)  # the replaced network's snapshot, arriving late
    assert reg.record(())  # the new network before its first epoch
    assert b.history == () and a.history == old
    new = (rec(1, 1.05, 1.15, 1.25),)
    assert reg.record(new) and b.history == new
    assert not reg.record(())  # a stale empty history never wipes the curves
    assert b.history == new and a.history == old


def test_summary_figures(tiny_id):
    reg = RunRegistry()
    run = reg.start(ModelConfig(), tiny_id)
    assert run.final("validation_rmse") is None and run.best("validation_rmse") is None
    reg.record((rec(1, 1.0, 1.10, 1.20), rec(2, 0.9, 1.00, 1.15), rec(3, 0.8, 1.05, 1.12)))
    assert run.final("validation_rmse") == 1.05 and run.final("test_rmse") == 1.12
    assert run.best("validation_rmse") == (2, 1.00)
    assert run.test_at_best_validation() == 1.15  # epoch 2's, not the lowest test RMSE (1.12)
    x, y = run.curve("train_rmse")
    assert x.tolist() == [1, 2, 3] and y.tolist() == [1.0, 0.9, 0.8]


def test_csv_is_long_format_and_never_nan(tmp_path, tiny_id):
    reg = RunRegistry()
    reg.start(ModelConfig(), tiny_id, label="plain")
    reg.record((rec(1, 1.0, None, 1.2), rec(2, 0.9, None, float("nan"))))
    reg.start(ModelConfig(kind="denoising"), tiny_id, label="denoising, seed 0")
    reg.record((rec(1, 0.95, 1.0, 1.1),))
    path = write_runs_csv(tmp_path / "runs.csv", reg)
    rows = list(csv.reader(open(path, newline="")))
    assert rows[0] == ["run", "label", "epoch", "metric", "value"]
    body = rows[1:]
    assert "nan" not in open(path).read().lower()
    assert ["1", "plain", "1", "test_rmse", "1.2"] in body
    assert not any(r[0] == "1" and r[3] == "validation_rmse" for r in body)  # no validation set
    assert not any(r[0] == "1" and r[2] == "2" and r[3] == "test_rmse" for r in body)  # NaN left out
    assert ["2", "denoising, seed 0", "1", "validation_rmse", "1.0"] in body
    # 2 epochs x 4 finite metrics (train, test once, loss, penalty) + 1 epoch x 5
    assert len(body) == (4 + 3) + 5
