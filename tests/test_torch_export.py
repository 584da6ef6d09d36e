"""The exported PyTorch script against aeviz's own engine: from the same model file, data and seed,
two epochs end at the same weights, for every optimizer and autoencoder type; torchrun with two
processes gives what one gives; what the script saves opens in aeviz and recommends.

The data are small generated (synthetic) ratings; torch is the CPU build (`.[test]` installs it)."""
import gc
import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from aeviz import cli
from aeviz.data import holdout_split, load_ratings
from aeviz.engine import ModelConfig, build_trainer
from aeviz.data.implicit import implicit
from aeviz.engine.network import Network
from aeviz.engine.vae import VAENetwork
from aeviz.engine.serialize import dataset_identity, load_model, save_model

torch = pytest.importorskip("torch")
gc.freeze()  # torch's many module objects out of the per-test collection's way (0.5 s a test)


# ------------------------------------------------------------------------------ helpers
def write_ratings(path, users=23, items=9, per_user=5, seed=1, binary=False, layout="csv"):
    """Generated ratings in one of the long layouts the script reads."""
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(users):
        for m in rng.choice(items, per_user, replace=False):
            r = int(rng.integers(0, 2)) if binary else int(rng.integers(1, 6))
            rows.append((u * 3 + 1, m * 7 + 2, r, 880000000 + len(rows)))
    if layout == "csv":
        text = "userId,movieId,rating,timestamp\n" + "".join(f"{u},{m},{r},{t}\n" for u, m, r, t in rows)
    elif layout == "u.data":
        text = "".join(f"{u}\t{m}\t{r}\t{t}\n" for u, m, r, t in rows)
    elif layout == "ratings.dat":
        text = "".join(f"{u}::{m}::{r}::{t}\n" for u, m, r, t in rows)
    elif layout == "strings":
        text = "user;item;score\n" + "".join(f"u{u};m0{m};{r}\n" for u, m, r, _ in rows)
    elif layout == "swapped":  # items as users: the transposed matrix
        text = "".join(f"{m},{u},{r}\n" for u, m, r, _ in rows)
    path.write_text(text)
    return path


def make_model(path, data, dtype=np.float64, test_fraction=0.25, **settings):
    """A model trained one epoch by aeviz (so its optimizer state is not empty), saved."""
    ratings = load_ratings(data)
    base = dict(hidden=(6, 3, 6), batch_size=5, lr=0.01, seed=3, test_fraction=test_fraction)
    config = ModelConfig(**{**base, **settings})
    kind = VAENetwork if config.kind == "vae" else Network
    more = dict(normalize_input=config.loss == "multinomial") if config.kind == "vae" else {}
    net = kind(config.sizes(ratings.n_items),
               [config.hidden_activation] * len(config.hidden) + [config.output_activation],
               bias=config.bias, tied=config.tied, init=config.init, seed=config.seed, dtype=dtype, **more)
    if test_fraction:
        split = holdout_split(ratings, test_fraction, config.seed)
        train, test = split.train, split.test
    else:
        train, test = ratings, None
    if config.implicit:
        train, test = implicit(train), None
    trainer = build_trainer(config, train, test, network=net)
    trainer.train(1)
    return save_model(path, trainer, config, dataset_identity(ratings, data))


def export(model, tmp_path, name="train_torch.py"):
    script = tmp_path / name
    assert cli.main(["export-torch", str(model), "-o", str(script)]) == 0
    return script


def run_script(script, argv):
    """The script in this process (torch is imported once per session, not once per run)."""
    spec = importlib.util.spec_from_file_location(f"exported_{abs(hash(str(script)))}", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main([str(a) for a in argv])


def aeviz_continues(data, model, out, epochs=2):
    assert cli.main(["train", str(data), "--init", str(model), "--epochs", str(epochs),
                     "--save", str(out), "--quiet"]) == 0
    return load_model(out)


def assert_same_model(a, b, rtol):
    """Weights and optimizer state equal within rtol of their largest magnitude."""
    pa, pb = a.network.params.astype(np.float64), b.network.params.astype(np.float64)
    assert np.abs(pa - pb).max() <= rtol * np.abs(pa).max(), np.abs(pa - pb).max()
    assert a.optimizer_state["t"] == b.optimizer_state["t"]
    assert sorted(a.optimizer_state["buffers"]) == sorted(b.optimizer_state["buffers"])
    for key, va in a.optimizer_state["buffers"].items():
        va, vb = va.astype(np.float64), b.optimizer_state["buffers"][key].astype(np.float64)
        assert np.abs(va - vb).max() <= rtol * max(np.abs(va).max(), 1e-30), key


def script_vs_aeviz(tmp_path, dtype=np.float64, data=None, epochs=2, **settings):
    data = data or write_ratings(tmp_path / "ratings.csv")
    model = make_model(tmp_path / "start.npz", data, dtype=dtype, **settings)
    script = export(model, tmp_path)
    assert run_script(script, [data, "--epochs", epochs, "--save", tmp_path / "torch.npz"]) == 0
    ours = aeviz_continues(data, model, tmp_path / "aeviz.npz", epochs)
    theirs = load_model(tmp_path / "torch.npz")
    start = load_model(model)
    moved = np.abs(ours.network.params - start.network.params).max()
    assert moved > 1e-3 * np.abs(start.network.params).max()  # training really changed the weights
    return ours, theirs


OPTIMIZERS = {"sgd": dict(optimizer="sgd", lr=0.05, momentum=0.9, weight_decay=0.01),
              "rmsprop": dict(optimizer="rmsprop", lr=0.01, momentum=0.5),
              "adam": dict(optimizer="adam", lr=0.01, weight_decay=0.001)}
TYPES = {"plain": dict(kind="plain"),
         "sparse-kl": dict(kind="sparse", sparsity_penalty="kl", sparsity_weight=0.5, sparsity_target=0.1),
         "sparse-l1": dict(kind="sparse", sparsity_penalty="l1", l1_weight=0.05),
         "denoising-mask": dict(kind="denoising", noise="mask", noise_level=0.3),
         "denoising-gaussian": dict(kind="denoising", noise="gaussian", noise_level=0.5),
         "contractive": dict(kind="contractive", contractive_weight=0.5),
         # the KL warms up over 3 of the 10 updates; 30% input dropout; eps from the shared stream
         "vae": dict(kind="vae", hidden_activation="tanh", beta=0.5, anneal_steps=3, dropout=0.3)}
# Mult-VAE on likes: softmax over the logits, unit-length input rows, every cell an observation
MULT_VAE = dict(kind="vae", implicit=True, loss="multinomial", output_activation="identity",
                hidden_activation="tanh", beta=0.2, anneal_steps=4, dropout=0.5, optimizer="adam", lr=0.01)


# ------------------------------------------------------------------------------ equivalence
@pytest.mark.parametrize("kind", TYPES)
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_float64_script_ends_at_aeviz_weights(tmp_path, optimizer, kind):
    ours, theirs = script_vs_aeviz(tmp_path, **OPTIMIZERS[optimizer], **TYPES[kind])
    assert_same_model(ours, theirs, 1e-6)
    assert [round(r.train_rmse, 6) for r in ours.history] == [round(r.train_rmse, 6) for r in theirs.history]


@pytest.mark.parametrize("optimizer,kind", [("adam", "plain"), ("sgd", "denoising-gaussian"),
                                            ("rmsprop", "contractive"), ("adam", "sparse-kl"), ("adam", "vae")])
def test_float32_script_ends_at_aeviz_weights(tmp_path, optimizer, kind):
    ours, theirs = script_vs_aeviz(tmp_path, dtype=np.float32, **OPTIMIZERS[optimizer], **TYPES[kind])
    assert theirs.network.params.dtype == np.float32
    assert_same_model(ours, theirs, 1e-4)


@pytest.mark.parametrize("dtype,rtol", [(np.float64, 1e-6), (np.float32, 1e-4)], ids=["float64", "float32"])
def test_implicit_mult_vae_script_ends_at_aeviz_weights(tmp_path, capsys, dtype, rtol):
    """train --implicit's model (likes, multinomial loss, dropout, eps) continues alike in both
    engines, and the script scores it as the field does (recall@20, NDCG@100)."""
    ours, theirs = script_vs_aeviz(tmp_path, dtype=dtype, **MULT_VAE)
    assert theirs.config.implicit and theirs.network.params.dtype == dtype
    assert_same_model(ours, theirs, rtol)
    assert run_script(tmp_path / "train_torch.py", [tmp_path / "ratings.csv", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert 0 <= summary["recall_at_20"] <= 1 and 0 < summary["ndcg_at_100"] <= 1


@pytest.mark.parametrize("settings", [
    dict(tied=True, hidden_activation="tanh"),
    dict(bias=False, hidden_activation="relu", kind="contractive", contractive_weight=0.2),
    dict(hidden=(4,), hidden_activation="identity", kind="contractive", contractive_weight=0.2),
    dict(loss="distance", optimizer="sgd", lr=0.05),
    dict(batch_size=1, kind="sparse", sparsity_penalty="kl", sparsity_weight=0.5),  # online: running mean
    dict(batch_size=0, optimizer="rmsprop"),  # the whole set per update
    dict(accumulate_gradients=True, optimizer="sgd", lr=0.005),  # the tutorial's missing zero_grad
    dict(shuffle=False, hidden=(5, 5)),
    dict(validation_fraction=0.4),  # a validation set carved from the training ratings, as aeviz does
    dict(lr_decay=0.5, optimizer="adam"),  # the item-autorec preset's decay, from the model's epoch 1 on
], ids=["tied-tanh", "nobias-relu-contractive", "shallow-identity", "distance", "online-kl",
        "full-batch", "accumulate", "no-shuffle", "validation", "lr-decay"])
def test_architecture_and_training_variants_match(tmp_path, settings):
    ours, theirs = script_vs_aeviz(tmp_path, **settings)
    assert_same_model(ours, theirs, 1e-6)
    if "validation_fraction" in settings:  # the same ratings were held out for validation
        assert ours.history[-1].val_rmse is not None
        assert ours.history[-1].val_rmse == pytest.approx(theirs.history[-1].val_rmse, rel=1e-6)


def test_binary_ratings_with_cross_entropy_loss_match(tmp_path):
    data = write_ratings(tmp_path / "likes.csv", binary=True)
    ours, theirs = script_vs_aeviz(tmp_path, data=data, loss="bce", output_activation="sigmoid")
    assert_same_model(ours, theirs, 1e-6)


def _with_header(path, change):
    """Rewrite a model file's JSON header (what another aeviz version would have written)."""
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    header = json.loads(arrays["header"].tobytes())
    change(header, arrays)
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    np.savez_compressed(path, **arrays)


def test_item_orientation_trains_the_transposed_matrix(tmp_path):
    """orientation "item": each movie is an observation. With nothing held out, that is aeviz
    training on the file with its user and movie columns swapped."""
    data = write_ratings(tmp_path / "ratings.csv")
    swapped = write_ratings(tmp_path / "swapped.csv", layout="swapped")
    model = make_model(tmp_path / "items.npz", swapped, test_fraction=0.0, validation_fraction=0.0,
                       optimizer="adam", lr=0.01)
    ours = aeviz_continues(swapped, model, tmp_path / "aeviz.npz")

    by_user = load_ratings(data)

    def to_item_orientation(header, arrays):
        header["config"]["orientation"] = "item"
        header["dataset"] = {k: v for k, v in dataset_identity(by_user, data).items() if "ids" not in k}
        arrays["dataset_item_ids"] = by_user.item_ids
        arrays["dataset_user_ids"] = by_user.user_ids
    _with_header(model, to_item_orientation)
    script = export(model, tmp_path)
    assert "ORIENTATION = 'item'" in script.read_text()
    assert run_script(script, [data, "--epochs", 2, "--save", tmp_path / "torch.npz"]) == 0
    assert_same_model(ours, load_model(tmp_path / "torch.npz"), 1e-6)


def test_item_autorec_recommender_preset_matches(tmp_path):
    """The app's recommender preset, I-AutoRec (item-based, summed squared errors, an L2 penalty
    on the weights only, masking noise), on a split with validation: the same weights."""
    from aeviz.presets import RECOMMENDER, split_for
    data = write_ratings(tmp_path / "ratings.csv")
    config = RECOMMENDER.with_(hidden=(5,), batch_size=4, lr=0.01, test_fraction=0.25, validation_fraction=0.1)
    full = load_ratings(data)
    _, parts = split_for(config, full)
    net = Network(config.sizes(parts["train"].n_items), ["sigmoid", "identity"], seed=config.seed,
                  dtype=np.float64)
    trainer = build_trainer(config, network=net, **parts)
    trainer.train(1)
    model = save_model(tmp_path / "autorec.npz", trainer, config, dataset_identity(full, data))
    script = export(model, tmp_path)
    assert "WEIGHT_PENALTY = 0.1" in script.read_text() and "ORIENTATION = 'item'" in script.read_text()
    assert run_script(script, [data, "--epochs", 2, "--save", tmp_path / "torch.npz"]) == 0
    ours = aeviz_continues(data, model, tmp_path / "aeviz.npz")
    theirs = load_model(tmp_path / "torch.npz")
    assert_same_model(ours, theirs, 1e-6)
    assert ours.history[-1].test_rmse == pytest.approx(theirs.history[-1].test_rmse, rel=1e-6)
    assert ours.history[-1].penalty == pytest.approx(theirs.history[-1].penalty, rel=1e-6)


# ------------------------------------------------------------------------------ distributed
def free_port() -> int:
    """A port no one listens on now (the OS's pick), for one torchrun's rendezvous."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def torchrun(script, args, processes=2, timeout=240):
    """`torchrun --nproc_per_node=2 script args` on an explicit rendezvous port on the loopback.
    A rank once hung at exit (a gloo teardown deadlock, which the script now avoids: see its end).
    Should anything hang again, the script's --timeout bounds every wait between its processes,
    and this call's timeout kills the whole process tree (the agent and its workers, which run in
    sessions of their own) and fails with what torchrun said: a hang fails the test, never the suite."""
    import psutil
    env = dict(os.environ, OMP_NUM_THREADS="1", GLOO_SOCKET_IFNAME="lo")
    argv = [sys.executable, "-m", "torch.distributed.run", "--nnodes=1", f"--nproc_per_node={processes}",
            "--rdzv-backend=c10d", f"--rdzv-endpoint=127.0.0.1:{free_port()}", "--max-restarts=0",
            str(script), *map(str, args), "--timeout", "120"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        tree = psutil.Process(proc.pid)
        for p in [*tree.children(recursive=True), tree]:
            p.kill()
        out, err = proc.communicate()
        raise AssertionError(f"torchrun did not finish in {timeout} s:\n{err[-3000:]}") from None
    return proc.returncode, out, err


def test_torchrun_two_processes_equal_one(tmp_path):
    """DistributedDataParallel over two gloo processes (uneven shares, a last batch of 3, a KL
    penalty whose batch mean crosses processes) ends where one process ends."""
    data = write_ratings(tmp_path / "ratings.csv")  # 23 users: batches of 5, 5, 5, 5, 3
    model = make_model(tmp_path / "start.npz", data, kind="sparse", sparsity_penalty="kl",
                       sparsity_weight=0.5, sparsity_target=0.1)
    script = export(model, tmp_path)
    assert run_script(script, [data, "--epochs", 2, "--save", tmp_path / "one.npz"]) == 0
    code, out, err = torchrun(script, [data, "--epochs", "2", "--save", tmp_path / "two.npz", "--json"])
    assert code == 0, err[-3000:]
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["world_size"] == 2 and summary["epochs"] == 2
    assert out.count("saved the model") == 1  # only rank 0 prints and saves
    assert_same_model(load_model(tmp_path / "one.npz"), load_model(tmp_path / "two.npz"), 1e-9)


# ------------------------------------------------------------------------------ back in aeviz
def test_script_output_opens_in_aeviz_and_recommends(tmp_path, capsys):
    data = write_ratings(tmp_path / "ratings.csv")
    script = export(make_model(tmp_path / "start.npz", data), tmp_path)
    assert run_script(script, [data, "--epochs", 3, "--save", tmp_path / "torch.npz", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"train_rmse", "test_rmse", "epochs", "world_size", "seconds"} <= set(summary)
    assert summary["epochs"] == 3 and summary["world_size"] == 1 and summary["test_rmse"] > 0
    saved = load_model(tmp_path / "torch.npz")
    assert [r.epoch for r in saved.history] == [1, 2, 3, 4]  # aeviz's epoch, then the script's
    assert saved.history[-1].train_rmse == pytest.approx(summary["train_rmse"])
    assert cli.main(["recommend", str(tmp_path / "torch.npz"), str(data), "--user", "4", "-n", "3", "--json"]) == 0
    captured = capsys.readouterr()
    assert "differ" not in captured.err  # the script's dataset fingerprint is aeviz's
    recs = json.loads(captured.out.strip().splitlines()[-1])["recommendations"]
    assert len(recs) == 3 and all(1 <= r["predicted"] <= 5 for r in recs)
    # and aeviz continues it
    assert cli.main(["train", str(data), "--init", str(tmp_path / "torch.npz"), "--epochs", "1", "--json",
                     "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["epochs"] == 5


@pytest.mark.parametrize("layout", ["u.data", "ratings.dat", "csv", "strings"])
def test_script_reads_the_formats_as_aeviz_does(tmp_path, layout):
    """The same matrix, ids and fingerprint as aeviz's loader, for every long layout."""
    data = write_ratings(tmp_path / f"ratings.{layout}.txt", layout=layout)
    script = export(make_model(tmp_path / "m.npz", data), tmp_path)
    spec = importlib.util.spec_from_file_location(f"formats_{layout.replace('.', '_')}", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    matrix, user_ids, item_ids = module.build_matrix(*module.read_long_file(data))
    ratings = load_ratings(data)
    assert module.content_hash(matrix, user_ids, item_ids) == ratings.content_hash()
    assert module.rating_range(matrix.values) == (ratings.scale.minimum, ratings.scale.maximum)


def test_script_refuses_bad_input_with_a_message(tmp_path, capsys):
    data = write_ratings(tmp_path / "ratings.csv")
    script = export(make_model(tmp_path / "m.npz", data), tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("user,item,rating\n1,2,4\n1,3,abc\n")
    assert run_script(script, [bad, "--epochs", 1]) == 2
    assert "bad.csv, line 3, column 3 (rating): 'abc' is not a number" in capsys.readouterr().err
    other = write_ratings(tmp_path / "other.csv", items=7)
    assert run_script(script, [other, "--epochs", 1]) == 2
    assert "other movies" in capsys.readouterr().err


def test_export_torch_refuses_a_bad_model_file(tmp_path, capsys):
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a model")
    assert cli.main(["export-torch", str(junk), "-o", str(tmp_path / "t.py")]) == 2
    assert "junk.npz" in capsys.readouterr().err
    assert not (tmp_path / "t.py").exists()
    data = write_ratings(tmp_path / "ratings.csv")
    model = make_model(tmp_path / "m.npz", data)
    assert cli.main(["export-torch", str(model), "-o", str(model)]) == 2  # never over its own model
    assert "m.npz" in capsys.readouterr().err
    assert load_model(model).network.params.size > 0


def test_exported_script_is_plain_pytorch(tmp_path):
    data = write_ratings(tmp_path / "ratings.csv")
    text = export(make_model(tmp_path / "m.npz", data, **OPTIMIZERS["rmsprop"], **TYPES["sparse-l1"]),
                  tmp_path).read_text()
    imports = {line.split()[1].split(".")[0] for line in text.splitlines()
               if line.startswith(("import ", "from ")) and "__future__" not in line}
    assert imports <= {"argparse", "datetime", "hashlib", "io", "json", "math", "os", "pathlib", "sys", "tempfile",
                       "time", "numpy", "torch"}
    assert "torch.optim.RMSprop(params, lr=0.01, alpha=0.99, eps=1e-08, weight_decay=0.0, momentum=0.5)" in text
    assert "self.layer1 = nn.Linear(9, 6)" in text and "L1_WEIGHT = 0.05" in text
