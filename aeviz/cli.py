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


def build_parser() -> argparse.ArgumentParser:
    from .engine.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
    from .engine.config import KINDS
    from .engine.losses import LOSSES
    from .engine.optimizers import OPTIMIZERS
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
    o = t.add_argument_group("training")
    o.add_argument("--optimizer", choices=tuple(OPTIMIZERS), default=D.optimizer, help="optimizer")
    o.add_argument("--lr", type=_number(float, 0, lo_open=True, what="learning rate"), default=D.lr,
                   help="learning rate")
    o.add_argument("--momentum", type=_number(float, 0, 1, hi_open=True, what="momentum"), default=D.momentum,
                   help="momentum (sgd, rmsprop)")
    o.add_argument("--weight-decay", type=_number(float, 0, what="weight decay"), default=D.weight_decay,
                   help="L2 weight decay added to the gradients")
    o.add_argument("--batch-size", type=_number(int, 0, what="batch size"), default=D.batch_size,
                   help="users per update (1 = online, 0 = the whole training set)")
    o.add_argument("--epochs", type=_number(int, 1, what="epochs"), default=DEFAULT_EPOCHS,
                   help="passes over the training set")
    o.add_argument("--patience", type=_number(int, 0, what="patience"), default=0, metavar="N",
                   help="early stopping: once the test RMSE has not improved for N epochs, stop and "
                        "keep the best epoch's network (0 = off; needs a test set)")
    o.add_argument("--seed", type=_number(int, 0, what="seed"), default=D.seed,
                   help="random seed (weights, split, order)")
    s = o.add_mutually_exclusive_group()
    s.add_argument("--test-fraction", type=_number(float, 0, 1, hi_open=True, what="test fraction"),
                   default=D.test_fraction, help="share of each user's ratings held out for testing (0 = none)")
    s.add_argument("--test", metavar="FILE", help="a separate test ratings file (e.g. MovieLens u1.test)")
    k = t.add_argument_group("autoencoder type")
    k.add_argument("--type", choices=KINDS, default=D.kind, help="plain, sparse, denoising or contractive")
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
    out = t.add_argument_group("output")
    out.add_argument("--save", metavar="FILE", help="save the trained model (.npz) for `recommend` and the app")
    out.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    out.add_argument("--quiet", action="store_true", help="no per-epoch lines")

    r = sub.add_parser("recommend", help="top-N unrated movies for one user from a saved model",
                       description="Print a user's top-N movies they have not rated, with predicted ratings.")
    r.add_argument("model", metavar="MODEL", help="a model saved with `train --save`")
    r.add_argument("ratings", metavar="RATINGS", help="the ratings file the model was trained on")
    r.add_argument("--user", required=True, metavar="ID", help="the user's id as written in the ratings file")
    r.add_argument("-n", type=_number(int, 1, what="n"), default=10, help="how many movies")
    r.add_argument("--titles", metavar="FILE", help="movie titles file")
    r.add_argument("--json", action="store_true", help="print the list as JSON (last line)")

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


def _config(a):
    from .engine.config import ModelConfig
    cfg = ModelConfig(hidden=a.layers, hidden_activation=a.activation, output_activation=a.output_activation,
                      loss=a.loss, tied=a.tied, bias=not a.no_bias, optimizer=a.optimizer, lr=a.lr,
                      momentum=a.momentum, weight_decay=a.weight_decay, batch_size=a.batch_size,
                      seed=a.seed, test_fraction=0.0 if a.test else a.test_fraction, kind=a.type,
                      sparsity_target=a.sparsity_target, sparsity_weight=a.sparsity_weight,
                      sparsity_penalty=a.sparsity_penalty, l1_weight=a.l1_weight, noise=a.noise,
                      noise_level=a.noise_level, contractive_weight=a.contractive_weight,
                      pretrain_epochs=a.pretrain_epochs)
    problems = cfg.problems()
    if problems:
        raise CliError("; ".join(problems))
    return cfg


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
def cmd_train(a) -> int:
    from .data import holdout_split, split_from_files
    from .data import RatingsFileError
    from .engine import DivergenceError, build_trainer, item_mean_baseline

    saved = _saved_model(a.init) if a.init else None
    cfg = saved.config if saved is not None else _config(a)
    _check_save_target(a)
    started = time.perf_counter()
    if a.test:
        try:
            split = split_from_files(a.ratings, a.test, titles=a.titles)
        except RatingsFileError as exc:
            raise CliError(str(exc)) from None
        except OSError as exc:
            raise CliError(f"{exc.filename or a.test}: {exc.strerror or exc}") from None
        full, train, test = split.train, split.train, split.test
    else:
        full = _load(a.ratings, a.titles)
        if cfg.test_fraction > 0:
            split = holdout_split(full, cfg.test_fraction, cfg.seed)
            train, test = split.train, split.test
        else:
            train, test = full, None
    for w in full.warnings:
        print(f"note: {w}", file=sys.stderr)
    clip = (full.scale.minimum, full.scale.maximum)
    try:
        if saved is not None:
            from .engine.serialize import restore_trainer
            trainer = restore_trainer(saved, train, test, clip=clip)
        else:
            trainer = build_trainer(cfg, train, test, clip=clip)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if a.patience and (test is None or not test.nnz):
        raise CliError("--patience needs test ratings (--test-fraction above 0, or --test FILE)")
    baseline = item_mean_baseline(train, test) if test is not None and test.nnz else None
    say = (lambda *x: None) if a.quiet else print
    say(f"{full.n_users} users x {full.n_items} movies, {train.nnz} training and "
        f"{test.nnz if test is not None else 0} test ratings ({full.scale.describe()})")
    say(f"network {trainer.network.describe()}, {cfg.kind}, {trainer.optimizer.describe()}, "
        f"batch {cfg.batch_size or 'all'}")
    if baseline is not None:
        say(f"item-mean baseline: test RMSE {baseline:.4f}")
    say(f"{'epoch':>7}  {'train RMSE':>10}  {'test RMSE':>10}  {'per user':>9}  {'penalty':>9}  {'seconds':>7}")
    bar = _Progress(a.epochs)
    stopped_early = False
    first = trainer.epoch  # a model continued with --init has epochs behind it
    try:
        for e in range(first, first + a.epochs):
            while trainer.epoch == e:
                trainer.step_batch()
                bar.update(e - first, trainer.k / max(trainer.n_observations, 1))
            rec = trainer.history[-1]
            bar.clear()
            say(f"{rec.epoch:>7}  {_fmt(rec.train_rmse):>10}  {_fmt(rec.test_rmse):>10}  "
                f"{_fmt(rec.test_rmse_per_user):>9}  {rec.penalty:>9.4g}  {rec.seconds:>7.2f}")
            if a.patience and (trainer.epochs_since_best or 0) >= a.patience:
                trainer.restore_best()  # a fresh run: the best epoch's network was kept
                stopped_early = True
                say(f"test RMSE has not improved for {a.patience} epochs: stopped, and went back to "
                    f"epoch {trainer.best_epoch} (test RMSE {_fmt(trainer.best_test_rmse)})")
                break
    except DivergenceError as exc:
        bar.clear()
        raise CliError(str(exc), EXIT_DIVERGED) from None
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
            "train_rmse": num(last.train_rmse), "test_rmse": num(last.test_rmse),
            "test_rmse_per_user": num(last.test_rmse_per_user), "item_mean_baseline": num(baseline),
            "penalty": num(last.penalty), "epochs": len(trainer.history), "users": full.n_users,
            "items": full.n_items, "ratings": int(train.nnz + (test.nnz if test is not None else 0)),
            "train_ratings": int(train.nnz), "test_ratings": int(test.nnz) if test is not None else 0,
            "type": cfg.kind, "layers": list(cfg.hidden), "seconds": round(seconds, 3),
            "best_epoch": trainer.best_epoch, "stopped_early": stopped_early,
            "saved": str(a.save) if a.save else None}))
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
    from .engine.serialize import check_dataset

    saved = _saved_model(a.model)
    ratings = _load(a.ratings, a.titles)
    try:
        notes = check_dataset(saved, ratings)
    except ValueError as exc:
        raise CliError(f"{a.model}: {exc}") from None
    for n in notes:
        print(f"note: {n}", file=sys.stderr)
    try:
        row = ratings.user_index(a.user)
    except KeyError:
        raise CliError(f"there is no user {a.user!r} in {a.ratings}") from None
    clip = (ratings.scale.minimum, ratings.scale.maximum)
    rated = int(ratings.rated_counts_per_user()[row])
    top = recommend(saved.network, ratings, row, a.n, clip=clip)
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
        return {"train": cmd_train, "recommend": cmd_recommend, "export-torch": cmd_export_torch}[a.command](a)
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
