"""`train --implicit`: the command line's report for implicit feedback (liked = rated 4 or more),
scored by recall@20 and NDCG@100 over all unseen movies, next to a popularity baseline."""
from __future__ import annotations

import json
import math
import time

from .cli import EXIT_DIVERGED, EXIT_OK, CliError, _fmt, _saved_model


def _num(x):
    return None if x is None or not math.isfinite(x) else round(float(x), 6)


def train_implicit_command(a, cfg, epochs, full, parts, started, given) -> int:
    from .engine import DivergenceError
    from .implicit_training import train_implicit

    train, test, val = parts["train"], parts["test"], parts["validation"]
    if test is None:
        raise CliError("--implicit needs held-out ratings to score (--test-fraction above 0 or --test FILE)")
    patience = a.patience if val is not None else 0
    say = (lambda *x: None) if a.quiet else print
    cpu = time.process_time()
    say(f"{full.n_users} users x {full.n_items} movies, implicit: ratings >= 4 are liked, every other "
        f"cell 0; {train.nnz} training, {val.nnz if val is not None else 0} validation and {test.nnz} "
        f"test ratings")
    say(f"{'epoch':>7}  {'loss':>10}  {'KL/penalty':>10}  {'val recall@20':>13}  {'val NDCG@100':>12}  {'seconds':>7}")

    def show(ep):
        say(f"{ep.epoch:>7}  {ep.loss:>10.4g}  {ep.kl:>10.4g}  {_fmt(ep.val.recall_at_20):>13}  "
            f"{_fmt(ep.val.ndcg_at_100):>12}  {ep.seconds:>7.2f}")

    try:
        res = train_implicit(cfg, train, test, val, epochs=epochs, callback=show, patience=patience,
                             saved=_saved_model(a.init) if a.init else None)
    except DivergenceError as exc:
        raise CliError(str(exc), EXIT_DIVERGED) from None
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if res.best_epoch is not None:
        say(f"kept epoch {res.best_epoch}, the best validation NDCG@100")
    say(f"test, all unseen movies ranked, against each user's test ratings >= 4 ({res.test.users} users): "
        f"recall@20 {_fmt(res.test.recall_at_20)}, NDCG@100 {_fmt(res.test.ndcg_at_100)}; popularity "
        f"{_fmt(res.popularity.recall_at_20)} and {_fmt(res.popularity.ndcg_at_100)}")
    if a.save:
        from .engine.serialize import dataset_identity, save_model
        try:
            path = save_model(a.save, res.trainer, cfg, dataset_identity(full, a.ratings))
        except OSError as exc:
            raise CliError(f"cannot save the model to {a.save}: {exc.strerror or exc}") from None
        say(f"saved the model to {path}")
    if a.json:
        print(json.dumps({
            "implicit": True, "recall_at_20": _num(res.test.recall_at_20),
            "ndcg_at_100": _num(res.test.ndcg_at_100),
            "val_recall_at_20": _num(res.history[res.best_epoch - 1].val.recall_at_20) if res.best_epoch else None,
            "val_ndcg_at_100": _num(res.history[res.best_epoch - 1].val.ndcg_at_100) if res.best_epoch else None,
            "baselines": {"popularity_recall_at_20": _num(res.popularity.recall_at_20),
                          "popularity_ndcg_at_100": _num(res.popularity.ndcg_at_100)},
            "users_scored": res.test.users, "epochs": len(res.history), "best_epoch": res.best_epoch,
            "type": cfg.kind, "layers": list(cfg.hidden), "loss": cfg.loss, "beta": cfg.beta,
            "anneal_steps": cfg.anneal_steps, "dropout": cfg.dropout, "users": full.n_users,
            "items": full.n_items, "train_ratings": int(train.nnz),
            "validation_ratings": int(val.nnz) if val is not None else 0, "test_ratings": int(test.nnz),
            "seconds": round(time.perf_counter() - started, 3),
            "cpu_seconds": round(time.process_time() - cpu, 3), "preset": a.preset,
            "saved": str(a.save) if a.save else None}))
    return EXIT_OK
