"""`python -m aeviz train|recommend`: the app's engine without the window, for scripts and big runs.

Exit status: 0 done, 2 bad input (file, flag, user, model), 3 training diverged, 130 interrupted,
141 the output pipe was closed (`| head`).
A person never sees a traceback: every expected failure becomes one clear line on stderr.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

EXIT_OK, EXIT_INPUT, EXIT_DIVERGED, EXIT_INTERRUPTED = 0, 2, 3, 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as `yes | head -1` gives `yes`
_UNSET = object()  # a default no flag can produce: what `given_flags` filters out
DEFAULT_PATIENCE = 10  # epochs without a better validation RMSE before early stopping


class CliError(Exception):
    """An expected failure: message for the user, exit status."""

    def __init__(self, message: str, status: int = EXIT_INPUT):
        super().__init__(message)
        self.status = status


# ------------------------------------------------------------------------------ flag value types
def _number(kind, lo=None, hi=None, lo_open=False, hi_open=False, what="value"):
    def parse(text):
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a {'whole ' if kind is int else ''}number") from None
        if kind is float and not math.isfinite(v):
            raise argparse.ArgumentTypeError(f"{what} must be a finite number")
        if lo is not None and (v < lo or (lo_open and v == lo)):
            raise argparse.ArgumentTypeError(f"{what} must be {'above' if lo_open else 'at least'} {lo:g}, got {text}")
        if hi is not None and (v > hi or (hi_open and v == hi)):
            raise argparse.ArgumentTypeError(f"{what} must be {'below' if hi_open else 'at most'} {hi:g}, got {text}")
        return v
    parse.__name__ = what
    return parse


def _layers(text):
    from .engine.config import parse_layers
    try:
        return parse_layers(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# ---------------------------------------------------------------------------------- the parser
class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake gets one line and a pointer to --help instead of the whole usage."""

    def error(self, message):
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message}\nTry '{self.prog} --help'.\n")

    def actions(self) -> list[argparse.Action]:
        """Every option and argument this parser takes, --help included (read-only copy)."""
        return list(self._actions)

    def command(self, name: str) -> "_Parser":
        """The parser of subcommand `name` ("train", "recommend", "export-torch")."""
        for action in self._actions:
            if isinstance(action.choices, dict) and name in action.choices:  # the subcommands
                return action.choices[name]
        raise KeyError(name)


def build_parser(only_given: bool = False) -> argparse.ArgumentParser:
    """The command line. `only_given`: `train` sets only the flags written (see `given_flags`)."""
    from .engine.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
    from .engine.config import KINDS
    from .engine.losses import LOSSES
    from .engine.optimizers import OPTIMIZERS
    from .engine.orientation import ORIENTATIONS
    from .presets import RECOMMENDER as D, get_preset
    DEFAULT_EPOCHS = get_preset("recommender").epochs

    p = _Parser(
        prog="python -m aeviz",
        description="Train and use autoencoder recommenders on movie ratings. "
                    "Without a command, the app opens.")
    sub = p.add_subparsers(dest="command", metavar="{train,recommend,export-torch}", parser_class=_Parser)

    t = sub.add_parser("train", help="train a model headless and report train/test RMSE",
                       description="Train an autoencoder on a ratings file with the app's engine. The "
                                   "defaults are the app's movie recommender preset.",
                       formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    t.add_argument("ratings", metavar="RATINGS", help="ratings file (CSV/TSV/u.data/ratings.dat or a wide table)")
    t.add_argument("--titles", metavar="FILE", help="movie titles file (movies.csv, u.item, movies.dat)")
    t.add_argument("--init", metavar="MODEL", help="continue a saved model (its settings, weights and "
                                                   "optimizer state; the model flags are then ignored)")
    t.add_argument("--preset", metavar="NAME",
                   help="start from a preset's model and training settings (flags given with it "
                        "override them); --preset help lists the names")
    m = t.add_argument_group("model")
    m.add_argument("--layers", type=_layers, default=D.hidden, metavar="SIZES",
                   help="hidden layer sizes, comma separated, e.g. 20,10,20")
    m.add_argument("--activation", choices=HIDDEN_ACTIVATIONS, default=D.hidden_activation,
                   help="activation of the hidden layers")
    m.add_argument("--output-activation", choices=tuple(ACTIVATIONS), default=D.output_activation,
                   help="activation of the output layer")
    m.add_argument("--loss", choices=tuple(LOSSES), default=D.loss, help="reconstruction loss (rated entries only)")
    m.add_argument("--tied", action="store_true", help="decoder weights = encoder weights transposed")
    m.add_argument("--no-bias", action="store_true", help="no bias terms")
    m.add_argument("--orientation", choices=ORIENTATIONS, default=D.orientation,
                   help="what one observation is: a user (their ratings of every movie) or a movie "
                        "(its ratings by every user, I-AutoRec); the split is per user either way")
    o = t.add_argument_group("training")
    o.add_argument("--optimizer", choices=tuple(OPTIMIZERS), default=D.optimizer, help="optimizer")
    o.add_argument("--lr", type=_number(float, 0, lo_open=True, what="learning rate"), default=D.lr,
                   help="learning rate")
    o.add_argument("--lr-decay", type=_number(float, 0, 1, lo_open=True, what="learning-rate decay"),
                   default=D.lr_decay, metavar="GAMMA",
                   help="multiply the learning rate by GAMMA after every epoch (1 = constant)")
    o.add_argument("--momentum", type=_number(float, 0, 1, hi_open=True, what="momentum"), default=D.momentum,
                   help=f"momentum ({', '.join(n for n, o in OPTIMIZERS.items() if 'momentum' in o.defaults)})")
    o.add_argument("--weight-decay", type=_number(float, 0, what="weight decay"), default=D.weight_decay,
                   help="L2 weight decay added to the gradients")
    o.add_argument("--weight-penalty", type=_number(float, 0, what="weight penalty"), default=D.weight_penalty,
                   help="lambda of an L2 penalty (lambda/2)||W||^2 on the weights only, biases free (I-AutoRec)")
    o.add_argument("--batch-size", type=_number(int, 0, what="batch size"), default=D.batch_size,
                   help="users per update (1 = online, 0 = the whole training set)")
    o.add_argument("--epochs", type=_number(int, 1, what="epochs"), default=DEFAULT_EPOCHS,
                   help="passes over the training set")
    o.add_argument("--patience", type=_number(int, 0, what="patience"), default=DEFAULT_PATIENCE, metavar="N",
                   help="early stopping: once the validation RMSE has not improved for N epochs, stop "
                        "and keep the best epoch's network (0 = off; needs a validation set)")
    o.add_argument("--seed", type=_number(int, 0, what="seed"), default=D.seed,
                   help="random seed (weights, split, order)")
    s = o.add_mutually_exclusive_group()
    s.add_argument("--test-fraction", type=_number(float, 0, 1, hi_open=True, what="test fraction"),
                   default=D.test_fraction, help="share of each user's ratings held out for testing (0 = none)")
    s.add_argument("--test", metavar="FILE", help="a separate test ratings file (e.g. MovieLens u1.test)")
    o.add_argument("--validation-fraction", type=_number(float, 0, 1, hi_open=True, what="validation fraction"),
                   default=D.validation_fraction,
                   help="share of each user's training ratings held out to choose the best epoch and "
                        "stop early (0 = none); the test ratings are only reported")
    k = t.add_argument_group("autoencoder type")
    k.add_argument("--type", choices=KINDS, default=D.kind,
                   help="plain, sparse, denoising, contractive or vae (variational; with --implicit "
                        "and no --preset it starts from the vae preset)")
    k.add_argument("--sparsity-target", type=_number(float, 0, 1, True, True, "sparsity target"),
                   default=D.sparsity_target, help="sparse: desired mean activation rho of each code unit")
    k.add_argument("--sparsity-weight", type=_number(float, 0, what="sparsity weight"), default=D.sparsity_weight,
                   help="sparse: weight beta of the KL penalty")
    k.add_argument("--sparsity-penalty", choices=("kl", "l1"), default=D.sparsity_penalty,
                   help="sparse: KL divergence to rho, or an L1 penalty on the activations")
    k.add_argument("--l1-weight", type=_number(float, 0, what="L1 weight"), default=D.l1_weight,
                   help="sparse with --sparsity-penalty l1: weight of the L1 penalty")
    k.add_argument("--noise", choices=("mask", "gaussian"), default=D.noise,
                   help="denoising: hide a fraction of the ratings, or add gaussian noise to them")
    k.add_argument("--noise-level", type=_number(float, 0, what="noise level"), default=D.noise_level,
                   help="denoising: fraction hidden (mask) or standard deviation (gaussian)")
    k.add_argument("--contractive-weight", type=_number(float, 0, what="contractive weight"),
                   default=D.contractive_weight, help="contractive: weight lambda of ||J||_F^2")
    k.add_argument("--pretrain-epochs", type=_number(int, 0, what="pre-training epochs"), default=D.pretrain_epochs,
                   help="stacked: epochs of greedy layer-wise pre-training per encoder layer (0 = none)")
    k.add_argument("--beta", type=_number(float, 0, what="beta"), default=D.beta,
                   help="vae: the cap of the KL term's weight")
    k.add_argument("--anneal-steps", type=_number(int, 0, what="annealing steps"), default=D.anneal_steps,
                   help="vae: updates over which beta warms up linearly from 0 to its cap (0 = none)")
    k.add_argument("--dropout", type=_number(float, 0, 1, hi_open=True, what="dropout"), default=D.dropout,
                   help="vae: fraction of each input row dropped while training")
    k.add_argument("--implicit", action="store_true",
                   help="implicit feedback: ratings >= 4 are 1, every other cell 0; scored by "
                        "recall@20 and NDCG@100 over all unseen movies")
    out = t.add_argument_group("output")
    out.add_argument("--save", metavar="FILE", help="save the trained model (.npz) for `recommend` and the app")
    out.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    out.add_argument("--quiet", action="store_true", help="no per-epoch lines")
    if only_given:  # parser-level defaults override the arguments' own
        t.set_defaults(**dict.fromkeys(vars(t.parse_args(["RATINGS"])), _UNSET))

    r = sub.add_parser("recommend", help="top-N unrated movies for one user from a saved model",
                       description="Print a user's top-N movies they have not rated, with predicted ratings.")
    r.add_argument("model", metavar="MODEL", help="a model saved with `train --save`")
    r.add_argument("ratings", metavar="RATINGS", help="the ratings file the model was trained on")
    r.add_argument("--user", metavar="ID", help="the user's id as written in the ratings file")
    r.add_argument("-n", type=_number(int, 1, what="n"), default=10, help="how many movies")
    r.add_argument("--titles", metavar="FILE", help="movie titles file")
    r.add_argument("--json", action="store_true", help="print the list as JSON (last line)")
    from .cli_profile import add_arguments as profile_arguments
    profile_arguments(r)

    x = sub.add_parser("export-torch", help="write a model as a standalone PyTorch training script",
                       description="Write MODEL as one Python file that trains it with PyTorch, on one "
                                   "process or under torchrun (DistributedDataParallel); it needs only "
                                   "torch and numpy and reads the weights from MODEL.")
    x.add_argument("model", metavar="MODEL", help="a model saved by aeviz (.npz)")
    x.add_argument("-o", "--output", metavar="SCRIPT", default="train_torch.py", help="the script to write")
    return p


# --------------------------------------------------------------------------------- helpers
def _load(path, titles=None):
    from .data import RatingsFileError, load_ratings
    try:
        return load_ratings(path, titles=titles)
    except RatingsFileError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"{path}: {exc.strerror or exc}") from None


# flag -> (ModelConfig field, how the flag's value becomes the field's)
_FIELDS = {"layers": ("hidden", tuple), "activation": ("hidden_activation", str),
           "output_activation": ("output_activation", str), "loss": ("loss", str),
           "tied": ("tied", bool), "no_bias": ("bias", lambda v: not v), "optimizer": ("optimizer", str),
           "lr": ("lr", float), "lr_decay": ("lr_decay", float), "momentum": ("momentum", float), "weight_decay": ("weight_decay", float),
           "batch_size": ("batch_size", int), "seed": ("seed", int), "test_fraction": ("test_fraction", float),
           "validation_fraction": ("validation_fraction", float), "type": ("kind", str),
           "sparsity_target": ("sparsity_target", float), "sparsity_weight": ("sparsity_weight", float),
           "sparsity_penalty": ("sparsity_penalty", str), "l1_weight": ("l1_weight", float),
           "noise": ("noise", str), "noise_level": ("noise_level", float),
           "contractive_weight": ("contractive_weight", float), "pretrain_epochs": ("pretrain_epochs", int),
           "beta": ("beta", float), "anneal_steps": ("anneal_steps", int), "dropout": ("dropout", float),
           "implicit": ("implicit", bool), "orientation": ("orientation", str),
           "weight_penalty": ("weight_penalty", float)}


def given_flags(argv) -> set:
    """The destinations of the flags written on the command line (not left at their defaults):
    argv parsed again with every default suppressed, so only what was given is set."""
    ns = build_parser(only_given=True).parse_args(argv)
    return {k for k, v in vars(ns).items() if v is not _UNSET}


def _config(a, given=None):
    """(ModelConfig, epochs): the preset's (or the defaults'), with every flag given on top."""
    from .engine.config import ModelConfig
    from .presets import get_preset
    given = set(vars(a)) if given is None else given
    key = a.preset
    if key is None and a.type == "vae" and a.implicit:
        key = "vae"  # the variational preset's settings are the implicit VAE's defaults
    if key is not None:
        try:
            preset = get_preset(key)
        except KeyError as exc:
            raise CliError(exc.args[0]) from None
        base, epochs = preset.config.with_(extras={}), preset.epochs
    else:
        base, epochs = ModelConfig(**{f: conv(getattr(a, dest)) for dest, (f, conv) in _FIELDS.items()}), a.epochs
    changes = {f: conv(getattr(a, dest)) for dest, (f, conv) in _FIELDS.items() if dest in given}
    if a.test:
        changes["test_fraction"] = 0.0
    cfg = base.with_(**changes)
    if "epochs" in given:
        epochs = a.epochs
    problems = cfg.problems()
    if problems:
        raise CliError("; ".join(problems))
    return cfg, epochs


def _fmt(x):
    return "   n/a" if x is None or not math.isfinite(x) else f"{x:.4f}"


class _Progress:
    """A one-line bar on stderr, only when stderr is a terminal (logs stay clean)."""

    def __init__(self, total_epochs):
        self.total = total_epochs
        self.live = sys.stderr.isatty()
        self.last = 0.0

    def update(self, epoch, fraction):
        now = time.perf_counter()
        if not self.live or now - self.last < 0.1:
            return
        self.last = now
        width = 30
        done = (epoch + fraction) / self.total
        bar = "#" * int(done * width)
        sys.stderr.write(f"\r[{bar:<{width}}] epoch {epoch + 1}/{self.total} {fraction:4.0%}")
        sys.stderr.flush()

    def clear(self):
        if self.live:
            sys.stderr.write("\r" + " " * 60 + "\r")
            sys.stderr.flush()


# ---------------------------------------------------------------------------------- commands
def _print_presets():
    from .presets import PRESETS
    print("Presets (train RATINGS --preset NAME; flags given with it override its settings):")
    for p in PRESETS:
        print(f"  {p.key:<14} {p.title} ({p.epochs} epochs)")


def _split(a, cfg, full):
    """(split or None, build_trainer's data arguments), from --test FILE or the config's fractions."""
    from .data import RatingsFileError, split_from_files, with_validation
    from .engine.orientation import observations
    from .presets import split_for
    if not a.test:
        return split_for(cfg, full)
    try:
        split = split_from_files(a.ratings, a.test, titles=a.titles)
    except RatingsFileError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"{exc.filename or a.test}: {exc.strerror or exc}") from None
    split = with_validation(split, cfg.validation_fraction, cfg.seed)
    val = split.validation if split.validation is not None and split.validation.nnz else None
    clip = (float(split.train.scale.minimum), float(split.train.scale.maximum))
    return split, {"train": observations(split.train, cfg.orientation),
                   "test": observations(split.test, cfg.orientation),
                   "validation": observations(val, cfg.orientation), "clip": clip}


def cmd_train(a, given=None) -> int:
    from .engine import DivergenceError, baseline_rmses, build_trainer, evaluate
    from .engine.evaluation import network_predictor
    from .engine.orientation import LABELS, user_predictions
    from .engine.ranking import top_n_metrics

    if a.preset == "help":
        _print_presets()
        return EXIT_OK
    saved = _saved_model(a.init) if a.init else None
    cfg, epochs = _config(a, given)
    if saved is not None:
        cfg = saved.config  # the model's own settings: its flags are ignored
    _check_save_target(a)
    started = time.perf_counter()
    full = None if a.test else _load(a.ratings, a.titles)
    split, parts = _split(a, cfg, full)
    full = split.train if full is None else full
    if cfg.implicit:
        from .cli_implicit import train_implicit_command
        return train_implicit_command(a, cfg, epochs, full, parts, started, given)
    train, test, val, clip = parts["train"], parts["test"], parts["validation"], parts["clip"]
    # what the model sees (transposed for an item model) vs. the users x items split that the
    # baselines and the top-N lists read (engine/orientation.py)
    u_train = split.train if split is not None else full
    u_test = split.test if test is not None else None
    u_val = split.validation if val is not None else None
    for w in full.warnings:
        print(f"note: {w}", file=sys.stderr)
    try:
        if saved is not None:
            from .engine.serialize import restore_trainer
            trainer = restore_trainer(saved, **parts)
        else:
            trainer = build_trainer(cfg, **parts)
    except DivergenceError as exc:  # in pre-training
        raise CliError(str(exc), EXIT_DIVERGED) from None
    except ValueError as exc:
        raise CliError(str(exc)) from None
    patience = a.patience
    if a.preset and given is not None and "patience" not in given:  # the preset's own, unless overridden
        from .presets import get_preset
        patience = get_preset(a.preset).patience or patience
    if patience and val is None:
        if given is not None and "patience" in given:
            raise CliError("--patience needs a validation set (--validation-fraction above 0)")
        patience = 0  # the default: early stopping only where there is a validation set
    base = baseline_rmses(u_train, u_test, clip) if u_test is not None else None
    say = (lambda *x: None) if a.quiet else print
    n_val = val.nnz if val is not None else 0
    say(f"{full.n_users} users x {full.n_items} movies, {train.nnz} training, {n_val} validation and "
        f"{test.nnz if test is not None else 0} test ratings ({full.scale.describe()}); predictions are "
        f"clipped to {clip[0]:g}-{clip[1]:g} for scoring")
    say(f"network {trainer.network.describe()}, {cfg.kind}, {trainer.optimizer.describe()}, "
        f"batch {cfg.batch_size or 'all'}, {LABELS[cfg.orientation]}" + (f", early stopping after {patience} epochs without a better "
                                               f"validation RMSE" if patience else ""))
    if base is not None:
        say(f"baselines, test RMSE: global mean {_fmt(base['global_mean'])}, item mean "
            f"{_fmt(base['item_mean'])}, user + item biases {_fmt(base['user_item_bias'])}")
    say(f"{'epoch':>7}  {'train RMSE':>10}  {'val RMSE':>9}  {'test RMSE':>10}  {'per user':>9}  "
        f"{'penalty':>9}  {'seconds':>7}")
    bar = _Progress(epochs)
    ran = []  # every epoch trained, also those early stopping went back over

    def show(rec):
        ran.append(rec.epoch)
        bar.clear()
        say(f"{rec.epoch:>7}  {_fmt(rec.train_rmse):>10}  {_fmt(rec.val_rmse):>9}  {_fmt(rec.test_rmse):>10}  "
            f"{_fmt(rec.test_rmse_per_user):>9}  {rec.penalty:>9.4g}  {rec.seconds:>7.2f}")

    try:
        trainer.train(epochs, callback=show, patience=patience, progress=bar.update)
    except DivergenceError as exc:
        bar.clear()
        raise CliError(str(exc), EXIT_DIVERGED) from None
    if trainer.stopped_early:
        say(f"validation RMSE has not improved for {patience} epochs: stopped, and went back to "
            f"epoch {trainer.best_epoch} (validation RMSE {_fmt(trainer.best_val_rmse)})")
    ev = evaluate(trainer.network, train, test, clip=clip, validation=val, orientation=cfg.orientation)
    top = None
    if test is not None:
        if cfg.orientation == "item":
            def predict(rows):
                return user_predictions(trainer.network, train, "item", rows, clip)
        else:
            predict = network_predictor(trainer.network, train, clip)
        top = top_n_metrics(predict, u_train, u_test, exclude=(u_val,) if u_val is not None else ())
        say(f"test (clipped to {clip[0]:g}-{clip[1]:g}): RMSE {_fmt(ev.test_rmse)} (per user "
            f"{_fmt(ev.test_rmse_per_user)}), MAE {_fmt(ev.test_mae)} (per user {_fmt(ev.test_mae_per_user)})")
        if top.users:
            say(f"top 10 of the unrated movies, against each user's test ratings >= 4 ({top.users} users): "
                f"precision {_fmt(top.precision)}, recall {_fmt(top.recall)}, NDCG {_fmt(top.ndcg)}")
    seconds = time.perf_counter() - started
    last = trainer.history[-1]
    if a.save is not None:
        from .engine.serialize import dataset_identity, save_model
        try:
            path = save_model(a.save, trainer, cfg, dataset_identity(full, a.ratings), protect=_inputs(a))
        except OSError as exc:
            raise CliError(f"cannot save the model to {a.save}: {exc.strerror or exc}") from None
        say(f"saved the model to {path}")
    if a.json:
        def num(x):
            return None if x is None or not math.isfinite(x) else round(float(x), 6)
        print(json.dumps({
            "train_rmse": num(last.train_rmse), "test_rmse": num(ev.test_rmse),
            "test_rmse_per_user": num(ev.test_rmse_per_user), "test_mae": num(ev.test_mae),
            "test_mae_per_user": num(ev.test_mae_per_user), "val_rmse": num(ev.val_rmse),
            "item_mean_baseline": num(base["item_mean"]) if base else None,
            "baselines": {k: num(v) for k, v in base.items()} if base else None,
            "precision_at_10": num(top.precision) if top else None,
            "recall_at_10": num(top.recall) if top else None, "ndcg_at_10": num(top.ndcg) if top else None,
            "penalty": num(last.penalty), "epochs": len(trainer.history), "epochs_run": len(ran),
            "users": full.n_users,
            "items": full.n_items, "ratings": int(train.nnz + n_val + (test.nnz if test is not None else 0)),
            "train_ratings": int(train.nnz), "validation_ratings": int(n_val),
            "test_ratings": int(test.nnz) if test is not None else 0,
            "type": cfg.kind, "layers": list(cfg.hidden), "seconds": round(seconds, 3),
            "best_epoch": trainer.best_epoch, "stopped_early": trainer.stopped_early,
            "clipped_to": list(clip), "preset": a.preset, "saved": str(a.save) if a.save else None}))
    return EXIT_OK


def _inputs(a) -> tuple:
    return tuple(p for p in (a.ratings, a.test, a.titles) if p)


def _check_save_target(a):
    """Refuse a bad --save before training, not after: empty, a device, a folder, an input file."""
    if a.save is None:
        return
    from .engine.atomic import write_target
    try:
        write_target(a.save, _inputs(a))
    except OSError as exc:
        raise CliError(f"cannot save the model to {a.save!r}: {exc}") from None


def _saved_model(path):
    from .engine.serialize import ModelFileError, load_model
    try:
        return load_model(path)
    except ModelFileError as exc:
        raise CliError(str(exc)) from None


def cmd_export_torch(a) -> int:
    from .engine.torch_export import write_script
    _saved_model(a.model)  # a bad file gets the model file's own message
    try:
        path = write_script(a.model, a.output)
    except ValueError as exc:
        raise CliError(f"{a.model}: {exc}") from None
    except OSError as exc:
        raise CliError(f"cannot write {a.output}: {exc.strerror or exc}") from None
    print(f"wrote {path}: python {path} RATINGS --epochs N [--save OUT.npz]; "
          f"torchrun --standalone --nproc_per_node=K {path} RATINGS ...")
    return EXIT_OK


def cmd_recommend(a) -> int:
    from .engine import recommend
    from .engine.orientation import observations
    from .engine.serialize import check_dataset

    saved = _saved_model(a.model)
    ratings = _load(a.ratings, a.titles)
    try:
        notes = check_dataset(saved, ratings)
    except ValueError as exc:
        raise CliError(f"{a.model}: {exc}") from None
    for n in notes:
        print(f"note: {n}", file=sys.stderr)
    from .cli_profile import recommend_profile, wants_profile
    if wants_profile(a) == (a.user is not None):
        raise CliError("give --user ID, or your own ratings with --profile FILE / --rate \"TITLE=STARS\"")
    if wants_profile(a):
        return recommend_profile(a, saved, ratings, CliError)
    try:
        row = ratings.user_index(a.user)
    except KeyError:
        raise CliError(f"there is no user {a.user!r} in {a.ratings}") from None
    clip = (ratings.scale.minimum, ratings.scale.maximum)
    rated = int(ratings.rated_counts_per_user()[row])
    orientation = saved.config.orientation
    top = recommend(saved.network, observations(ratings, orientation), row, a.n, clip=clip,
                    orientation=orientation)
    items = [{"rank": k + 1, "item_id": ratings.item_ids[i].item() if hasattr(ratings.item_ids[i], "item")
              else ratings.item_ids[i], "title": ratings.titles[i], "predicted": round(p, 3)}
             for k, (i, p) in enumerate(top)]
    print(f"Top {len(items)} movies for user {a.user} (who rated {rated} of {ratings.n_items}):")
    for it in items:
        print(f"{it['rank']:>4}. {it['predicted']:.2f}  {it['title']}")
    if not items:
        print("  (this user has rated every movie)")
    if a.json:
        print(json.dumps({"user": a.user, "rated": rated, "recommendations": items}))
    return EXIT_OK


def _launch_app() -> int:
    try:
        from .ui.app import main as app_main
    except ImportError as exc:
        print(f"aeviz: the app cannot start ({exc}). Use `python -m aeviz train --help` for the "
              "command line.", file=sys.stderr)
        return 1
    return app_main() or 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv:
        return _launch_app()
    parser = build_parser()
    try:
        a = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed its message (status 2) or the help (0)
        return int(exc.code or 0)
    if a.command is None:
        parser.print_help()
        return EXIT_OK
    for stream in (sys.stdout, sys.stderr):  # a title the terminal cannot show: '?', not a crash
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    try:
        if a.command == "train":
            return cmd_train(a, given_flags(argv))
        if a.command == "export-torch":
            return cmd_export_torch(a)
        return cmd_recommend(a)
    except BrokenPipeError:  # `train ... | head -1`: the reader has gone, so stop quietly
        try:  # and Python's final flush must not complain either
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        return EXIT_BROKEN_PIPE
    except CliError as exc:
        print(f"aeviz {a.command}: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        print(f"\naeviz {a.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except MemoryError:
        print(f"aeviz {a.command}: not enough memory for this dataset and network", file=sys.stderr)
        return EXIT_INPUT
