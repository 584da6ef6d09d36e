"""Saving and loading a trained model: one versioned `.npz` (arrays + a JSON header), no pickle.

The header names the format and its version so a file from a newer aeviz, a file from another
program or a damaged file is refused with a message naming the file and the reason, instead of
loading garbage. Writes go to a temporary file in the same folder and are renamed into place, so a
crash mid-save never leaves half a model where the old one was.
"""
from __future__ import annotations

import json
import math
import os
import pathlib
import zipfile
import zlib
from dataclasses import asdict, dataclass, field, fields

import numpy as np

from ..filekinds import not_readable
from .atomic import atomic_write

from .config import ModelConfig
from .network import Network
from .snapshot import EpochRecord

FORMAT = "aeviz-model"
VERSION = 1


class ModelFileError(ValueError):
    """A model file that cannot be used; the message names the file and the reason."""

    def __init__(self, path, reason: str):
        self.path = os.fspath(path)
        self.reason = reason
        super().__init__(f"{pathlib.Path(self.path).name}: {reason}")


@dataclass
class SavedModel:
    config: ModelConfig
    network: Network
    optimizer_state: dict | None
    history: list = field(default_factory=list)
    dataset: dict = field(default_factory=dict)  # path, content_hash, n_users, n_items, item_ids, user_ids
    format_version: int = VERSION
    # "Save with history": the timeline's kept epoch ends (timeline.Moment), its branch's records
    # and the counters at saving (steps, updates), or empty
    timeline: tuple = ()
    timeline_records: tuple = ()
    counters: dict = field(default_factory=dict)


def dataset_identity(ratings, path=None) -> dict:
    """What a model file remembers about the data it was trained on."""
    return {"path": os.fspath(path) if path is not None else getattr(ratings, "source", "") or "",
            "content_hash": ratings.content_hash() if hasattr(ratings, "content_hash") else "",
            "n_users": int(ratings.n_users), "n_items": int(ratings.n_items),
            "item_ids": np.asarray(getattr(ratings, "item_ids", np.arange(ratings.n_items))),
            "user_ids": np.asarray(getattr(ratings, "user_ids", np.arange(ratings.n_users)))}


def _ids_array(ids) -> np.ndarray:
    a = np.asarray(ids)
    if a.dtype == object or a.dtype.kind in "US":
        return np.array([str(x) for x in a.tolist()], dtype=str)
    return a.astype(np.int64)


def _parts(trainer_or_parts):
    """(network, optimizer_state, history) from a Trainer or a dict with those keys."""
    if isinstance(trainer_or_parts, dict):
        p = trainer_or_parts
        return p["network"], p.get("optimizer_state"), list(p.get("history", []))
    t = trainer_or_parts
    return t.network, t.optimizer.state_dict(), list(t.history)


def save_model(path, trainer_or_parts, config: ModelConfig, dataset_identity: dict | None = None,
               protect=(), timeline=None) -> pathlib.Path:
    """Write the model atomically; returns the path written. ``protect``: files it must never
    replace (the ratings file): refused, like devices and empty names, with a WriteError.
    ``timeline``: a trainer's Timeline whose kept epochs go in too ("Save with history")."""
    path = pathlib.Path(path)
    net, opt, history = _parts(trainer_or_parts)
    ds = dict(dataset_identity or {})
    arrays = {"params": np.asarray(net.params)}
    if "item_ids" in ds:
        arrays["dataset_item_ids"] = _ids_array(ds.pop("item_ids"))
    if "user_ids" in ds:
        arrays["dataset_user_ids"] = _ids_array(ds.pop("user_ids"))
    opt_header = None
    if opt is not None:
        opt_header = {"name": opt["name"], "t": int(opt["t"]),
                      "hyper": {k: (list(v) if isinstance(v, tuple) else v) for k, v in opt["hyper"].items()},
                      "buffers": sorted(opt["buffers"])}
        for k, v in opt["buffers"].items():
            arrays[f"opt_{k}"] = np.asarray(v)
    header = {
        "format": FORMAT, "version": VERSION,
        "network": {"sizes": list(net.sizes), "activations": [a.name for a in net.activations],
                    "bias": net.bias, "tied": net.tied, "init": net.init, "dtype": net.dtype.name},
        "config": config.to_dict(),
        "optimizer": opt_header,
        "history": [asdict(r) if isinstance(r, EpochRecord) else dict(r) for r in history],
        "dataset": {k: (int(v) if isinstance(v, (np.integer,)) else v) for k, v in ds.items()},
    }
    if timeline is not None:
        header["timeline"], more = _timeline_parts(timeline, trainer_or_parts)
        arrays.update(more)
    arrays["header"] = np.frombuffer(json.dumps(header, default=str).encode("utf-8"), dtype=np.uint8)
    return atomic_write(path, lambda fh: np.savez_compressed(fh, **arrays), binary=True, fsync=True,
                        protect=protect)


def _timeline_parts(timeline, trainer) -> tuple[dict, dict]:
    """(header part, arrays) of a timeline's kept epoch ends: stacked parameters and optimizer
    buffers (a buffer an early epoch did not have yet is stored as zeros: what it starts as)."""
    moments = [m for m in timeline.epoch_moments() if m.k == 0]
    buffers = sorted({k for m in moments for k in m.optimizer["buffers"]})
    arrays = {}
    if moments:
        arrays["timeline_params"] = np.stack([m.params for m in moments])
        for k in buffers:
            arrays[f"timeline_opt_{k}"] = np.stack([m.optimizer["buffers"].get(k, np.zeros_like(m.params))
                                                    for m in moments])
        arrays["timeline_orders"] = np.concatenate([m.order for m in moments]).astype(np.int64)
        if any(m.grads is not None for m in moments):
            arrays["timeline_grads"] = np.stack([m.grads if m.grads is not None else np.zeros_like(m.params)
                                                 for m in moments])
    part = {"buffers": buffers, "grads": "timeline_grads" in arrays,
            "counters": {"steps": int(getattr(trainer, "steps", 0)), "updates": int(getattr(trainer, "updates", 0))},
            "records": [asdict(r) for r in timeline.records],
            "moments": [{"epoch": m.epoch, "steps": m.steps, "updates": m.updates, "t": int(m.optimizer["t"]),
                         "history": len(m.history), "order": int(m.order.size), "rng": m.rng_state}
                        for m in moments]}
    return part, arrays


#: limits a hostile header cannot pass: the arrays they imply are allocated only within them
MAX_HEADER_BYTES = 64 << 20
MAX_PARAMS = 1 << 28  # 1 GB of float32 weights: far beyond anything aeviz trains
MAX_LAYER = 10_000_000
MAX_EPOCHS = 10_000_000
MAX_IDS_BYTES = 1 << 30
DTYPES = ("float32", "float64")
_READ_BYTES = 1 << 20  # arrays are decompressed this much at a time: progress and cancel in between


class ModelLoadCancelled(Exception):
    """Opening a model was cancelled (not a bad file)."""


def load_model(path, progress=None, cancel=None) -> SavedModel:
    """Read a model file; ModelFileError for anything that is not a whole, known aeviz model.

    Nothing is decompressed blindly: the JSON header is read first and checked against a schema
    (types, ranges, dtypes), then each array's declared shape and dtype (its .npy header inside
    the zip) is checked against what the header implies before its data is read, block by block,
    with ``progress(fraction)`` and ``cancel()`` (True raises ModelLoadCancelled) in between."""
    path = pathlib.Path(path)
    _check_regular(path)
    try:
        with open(path, "rb") as f:
            magic = f.read(2)
    except OSError as exc:
        raise ModelFileError(path, f"cannot be read ({exc.strerror or exc})") from None
    if magic != b"PK":
        raise ModelFileError(path, "is not an aeviz model file (not an .npz archive)")
    try:
        with zipfile.ZipFile(path) as zf:
            return _read_archive(path, zf, progress, cancel)
    except (ModelFileError, ModelLoadCancelled):
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError, KeyError,
            NotImplementedError) as exc:
        raise ModelFileError(path, f"is truncated or corrupted ({_short(exc)})") from None


def _short(exc, limit: int = 120) -> str:
    text = str(exc)
    return text if len(text) <= limit else text[:limit] + "…"


def _check_regular(path: pathlib.Path):
    problem = not_readable(path)
    if problem is not None:
        raise ModelFileError(path, problem)


def _read_archive(path, zf: zipfile.ZipFile, progress, cancel) -> SavedModel:
    members = {n[:-4]: n for n in zf.namelist() if n.endswith(".npy")}
    if "header" not in members:
        raise ModelFileError(path, "is an .npz archive but not an aeviz model (no aeviz header)")
    try:
        raw = _read_member(zf, members["header"], np.dtype(np.uint8), None, MAX_HEADER_BYTES, None, None)
    except ValueError as exc:
        raise ModelFileError(path, f"has a damaged header (the header {exc})") from None
    try:
        header = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ModelFileError(path, "has a damaged header") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ModelFileError(path, "is not an aeviz model (unknown format name)")
    version = header.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ModelFileError(path, f"has an invalid format version {_short(repr(version), 40)}")
    if version > VERSION:
        raise ModelFileError(path, f"was written by a newer aeviz (format version {version}; this one "
                                   f"reads up to version {VERSION}): update aeviz to open it")
    problems = header_problems(header)
    if problems:
        raise ModelFileError(path, "has an invalid header: " + "; ".join(problems[:3]))
    try:
        net = _network(header)
    except (TypeError, ValueError) as exc:
        raise ModelFileError(path, f"is inconsistent and cannot be loaded ({_short(exc)})") from None
    expected = _expected_arrays(header, net, members)
    missing = [k for k in expected if k not in members]
    if missing:
        raise ModelFileError(path, f"is incomplete: the array {missing[0]!r} is missing")
    total = sum(int(np.prod(shape)) * (dtype.itemsize if dtype is not None else 8)
                for shape, dtype in expected.values() if shape is not None) or 1
    done = [0]

    def step(n):
        done[0] += n
        if progress is not None:
            progress(min(done[0] / total, 1.0))
    arrays = {}
    for key, (shape, dtype) in expected.items():
        try:
            arrays[key] = _read_member(zf, members[key], dtype, shape, MAX_IDS_BYTES, step, cancel)
        except ValueError as exc:
            raise ModelFileError(path, f"is inconsistent: {key} {exc}") from None
    try:
        return _build(header, arrays, version, net)
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ModelFileError(path, f"is inconsistent and cannot be loaded ({_short(exc)})") from None


def _read_member(zf, name, dtype, shape, max_bytes, step, cancel) -> np.ndarray:
    """One array of the archive, checked by its .npy header BEFORE its data is decompressed:
    ``dtype`` must match, and ``shape`` (or, if None, a 1-D size within ``max_bytes``)."""
    with zf.open(name) as f:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            got_shape, fortran, got_dtype = np.lib.format.read_array_header_1_0(f)
        elif version in ((2, 0), (3, 0)):
            got_shape, fortran, got_dtype = np.lib.format.read_array_header_2_0(f)
        else:
            raise ValueError(f"unknown .npy version {version}")
        if dtype is None:  # ids: integers or strings, never objects (pickles)
            if got_dtype.hasobject or got_dtype.kind not in "iuU" or got_dtype.itemsize > 4096:
                raise ValueError(f"has dtype {got_dtype}, expected integer or text ids")
            dtype = got_dtype
        if got_dtype.hasobject or got_dtype != dtype:
            raise ValueError(f"has dtype {got_dtype}, expected {dtype}")
        if shape is None:
            if len(got_shape) != 1 or got_shape[0] * dtype.itemsize > max_bytes:
                raise ValueError(f"has shape {got_shape}, expected at most {max_bytes} bytes")
            shape = got_shape
        elif tuple(got_shape) != tuple(shape):
            raise ValueError(f"holds {int(np.prod(got_shape)):,} values {tuple(got_shape)}, the header implies "
                             f"{tuple(shape)}")
        out = np.empty(shape, dtype, order="F" if fortran else "C")
        view = memoryview(out.reshape(-1, order="A")).cast("B") if out.size else memoryview(b"")
        pos = 0
        while pos < len(view):
            if cancel is not None and cancel():
                raise ModelLoadCancelled()
            n = f.readinto(view[pos:pos + _READ_BYTES])
            if not n:
                raise EOFError(f"{name} ends early")
            pos += n
            if step is not None:
                step(n)
    return out


def _expected_arrays(header, net: Network, members) -> dict:
    """name -> (shape or None for 'id arrays: checked below', dtype) of every array to read."""
    n = net.params.shape
    exp = {"params": (n, net.dtype)}
    oh = header.get("optimizer")
    if oh:
        for k in oh["buffers"]:
            exp[f"opt_{k}"] = (n, net.dtype)
    th = header.get("timeline")
    if th:
        stack = (len(th["moments"]), n[0])
        if th["moments"]:
            exp["timeline_params"] = (stack, net.dtype)
            for k in th["buffers"]:
                exp[f"timeline_opt_{k}"] = (stack, net.dtype)
            if th["grads"]:
                exp["timeline_grads"] = (stack, net.dtype)
            exp["timeline_orders"] = ((sum(m["order"] for m in th["moments"]),), np.dtype(np.int64))
    ds = header.get("dataset") or {}
    for key, count in (("dataset_item_ids", ds.get("n_items")), ("dataset_user_ids", ds.get("n_users"))):
        if key in members:
            exp[key] = ((count,) if isinstance(count, int) else None, None)
    return exp


def header_problems(h: dict) -> list[str]:
    """What is wrong with a model header's types and ranges (empty: it can be used)."""
    from .activations import ACTIVATIONS
    from .network import INITS
    from .optimizers import OPTIMIZERS
    p = []

    def whole(x, lo, hi):
        return isinstance(x, int) and not isinstance(x, bool) and lo <= x <= hi

    def number(x):
        return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)

    nh = h.get("network")
    if not isinstance(nh, dict):
        return ["network: expected an object"]
    sizes = nh.get("sizes")
    if not (isinstance(sizes, list) and 2 <= len(sizes) <= 64 and all(whole(s, 1, MAX_LAYER) for s in sizes)):
        p.append("network.sizes: expected 2 to 64 whole layer sizes")
    else:
        weights = sum(a * b for a, b in zip(sizes, sizes[1:]))
        if weights > MAX_PARAMS:
            p.append(f"network.sizes: {weights:,} weights is more than {MAX_PARAMS:,}")
    acts = nh.get("activations")
    if not (isinstance(acts, list) and isinstance(sizes, list) and len(acts) == len(sizes) - 1
            and all(isinstance(a, str) and a in ACTIVATIONS for a in acts)):
        p.append("network.activations: expected one known activation per layer")
    for key in ("bias", "tied"):
        if not isinstance(nh.get(key), bool):
            p.append(f"network.{key}: expected true or false")
    if nh.get("init") not in INITS:
        p.append(f"network.init: expected one of {', '.join(INITS)}")
    if nh.get("dtype") not in DTYPES:
        p.append(f"network.dtype: expected float32 or float64, found {_short(repr(nh.get('dtype')), 40)}")
    cfg = h.get("config")
    if not isinstance(cfg, dict):
        p.append("config: expected an object")
    else:
        try:
            bad = ModelConfig.from_dict(cfg).problems()
        except (TypeError, ValueError, AttributeError) as exc:
            bad = [_short(exc, 80)]
        p += [f"config: {b}" for b in bad[:2]]
    oh = h.get("optimizer")
    if oh is not None:
        if not isinstance(oh, dict):
            p.append("optimizer: expected an object or null")
        else:
            if oh.get("name") not in OPTIMIZERS:
                p.append("optimizer.name: unknown optimizer")
            if not whole(oh.get("t"), 0, 1 << 53):
                p.append("optimizer.t: expected a whole number of steps >= 0")
            hyper = oh.get("hyper")
            if not (isinstance(hyper, dict) and all(
                    isinstance(k, str) and (v is None or number(v) or isinstance(v, bool) or
                                            (isinstance(v, list) and len(v) <= 8 and all(number(x) for x in v)))
                    for k, v in hyper.items())):
                p.append("optimizer.hyper: expected names and numbers")
            buffers = oh.get("buffers")
            if not (isinstance(buffers, list) and len(buffers) <= 16 and all(
                    isinstance(b, str) and b.isidentifier() for b in buffers)):
                p.append("optimizer.buffers: expected a list of names")
    hist = h.get("history", [])
    if not (isinstance(hist, list) and len(hist) <= MAX_EPOCHS and all(
            isinstance(r, dict) and set(r) == _RECORD_FIELDS and whole(r["epoch"], 0, MAX_EPOCHS)
            and all(v is None or number(v) or (isinstance(v, float) and math.isnan(v))
                    for k, v in r.items() if k != "epoch") for r in hist)):
        p.append("history: expected one record of numbers per epoch")
    if "timeline" in h:
        p += _timeline_problems(h["timeline"], whole)
    ds = h.get("dataset", {})
    if not isinstance(ds, dict) or any(k in ds and not whole(ds[k], 0, 1 << 40) for k in ("n_users", "n_items")):
        p.append("dataset: expected an object with whole n_users and n_items")
    return p


_RECORD_FIELDS = {f.name for f in fields(EpochRecord)}


def _timeline_problems(th, whole) -> list[str]:
    """What is wrong with a saved timeline's header part (types and ranges; the random
    generator's state is checked when it is set)."""
    if not isinstance(th, dict):
        return ["timeline: expected an object"]
    moments, buffers = th.get("moments"), th.get("buffers")
    if not (isinstance(buffers, list) and len(buffers) <= 16 and all(isinstance(b, str) and b.isidentifier()
                                                                    for b in buffers)):
        return ["timeline.buffers: expected a list of names"]
    if not isinstance(th.get("grads"), bool):
        return ["timeline.grads: expected true or false"]
    c = th.get("counters")
    if not (isinstance(c, dict) and whole(c.get("steps"), 0, 1 << 53) and whole(c.get("updates"), 0, 1 << 53)):
        return ["timeline.counters: expected whole steps and updates"]
    records = th.get("records")
    if not (isinstance(records, list) and len(records) <= MAX_EPOCHS and all(
            isinstance(r, dict) and set(r) == _RECORD_FIELDS for r in records)):
        return ["timeline.records: expected one record per epoch"]
    keys = {"epoch", "steps", "updates", "t", "history", "order", "rng"}
    if not (isinstance(moments, list) and len(moments) <= MAX_EPOCHS and all(
            isinstance(m, dict) and set(m) == keys and all(whole(m[k], 0, 1 << 53) for k in keys - {"rng"})
            and m["history"] <= len(records) and m["order"] <= MAX_LAYER and isinstance(m["rng"], dict)
            for m in moments)):
        return ["timeline.moments: expected whole counters per kept epoch"]
    return []


def _network(header) -> Network:
    nh = header["network"]
    kw = dict(bias=nh["bias"], tied=nh["tied"], init=nh["init"], seed=None, dtype=np.dtype(nh["dtype"]))
    cfg = header.get("config") or {}
    if cfg.get("kind") == "vae":  # the log-variance branch's weights follow the layers' in params
        from .vae import VAENetwork
        return VAENetwork(nh["sizes"], nh["activations"], normalize_input=cfg.get("loss") == "multinomial", **kw)
    return Network(nh["sizes"], nh["activations"], **kw)


def _build(header, arrays, version, net: Network) -> SavedModel:
    params = arrays["params"]
    if params.shape != net.params.shape:
        raise ValueError(f"{params.size} parameters stored, the architecture needs {net.params.size}")
    if not np.isfinite(params).all():
        raise ValueError("the stored weights contain NaN or infinity")
    net.params[...] = params
    opt = None
    oh = header.get("optimizer")
    if oh:
        buffers = {k: arrays[f"opt_{k}"] for k in oh["buffers"]}
        hyper = {k: (tuple(v) if isinstance(v, list) else v) for k, v in oh["hyper"].items()}
        opt = {"name": oh["name"], "hyper": hyper, "t": oh["t"], "buffers": buffers}
    history = [EpochRecord(**r) for r in header.get("history", [])]
    ds = dict(header.get("dataset", {}))
    if "dataset_item_ids" in arrays:
        ds["item_ids"] = arrays["dataset_item_ids"]
    if "dataset_user_ids" in arrays:
        ds["user_ids"] = arrays["dataset_user_ids"]
    config = ModelConfig.from_dict(header["config"])
    saved = SavedModel(config, net, opt, history, ds, version)
    if header.get("timeline"):
        _build_timeline(saved, header["timeline"], arrays, opt)
    return saved


def _build_timeline(saved: SavedModel, th: dict, arrays: dict, opt):
    from .timeline import Moment
    records = tuple(EpochRecord(**r) for r in th["records"])
    moments, start = [], 0
    for i, m in enumerate(th["moments"]):
        rng = np.random.default_rng()
        try:
            rng.bit_generator.state = m["rng"]
        except (TypeError, ValueError, KeyError, OverflowError) as exc:
            raise ValueError(f"the timeline's random generator state {i} is invalid ({_short(exc, 60)})") from None
        params = arrays["timeline_params"][i]
        if not np.isfinite(params).all():
            raise ValueError("the timeline's weights contain NaN or infinity")
        order = arrays["timeline_orders"][start:start + m["order"]]
        start += m["order"]
        buffers = {k: arrays[f"timeline_opt_{k}"][i] for k in th["buffers"]}
        state = {"name": opt["name"] if opt else "", "hyper": dict(opt["hyper"]) if opt else {},
                 "t": m["t"], "buffers": buffers}
        grads = arrays["timeline_grads"][i] if th["grads"] else None
        moments.append(Moment(params, state, m["epoch"], 0, m["steps"], m["updates"],
                              records[:m["history"]], rng.bit_generator.state, order,
                              np.zeros(0), np.zeros(0), grads))
    saved.timeline = tuple(moments)
    saved.timeline_records = records
    saved.counters = dict(th["counters"])


def _same_ids(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    return [str(x) for x in a.tolist()] == [str(x) for x in b.tolist()]


def check_dataset(saved: SavedModel, ratings, strict: bool = False) -> list[str]:
    """Refuse (ValueError) ratings (users x items) whose movies differ from the model's; return notes
    on lesser differences.

    A user model's inputs are the movie columns, so the movies must match exactly. Different users
    or ratings are fine for recommending (a note says so) unless `strict`. An item model's inputs
    are the users, so for it the users must match as well.
    """
    ds = saved.dataset
    name = pathlib.Path(str(ds.get("path") or "the training file")).name
    item_model = saved.config.orientation == "item"
    n_items = ds.get("n_items", ratings.n_items if item_model else saved.network.sizes[0])
    if ratings.n_items != n_items or (not item_model and ratings.n_items != saved.network.sizes[0]):
        raise ValueError(f"this model was trained on {n_items} movies ({name}) but the ratings have "
                         f"{ratings.n_items}: use the ratings file the model was trained on")
    if "item_ids" in ds and hasattr(ratings, "item_ids") and not _same_ids(ds["item_ids"], ratings.item_ids):
        raise ValueError(f"the ratings list different movies from those the model was trained on ({name}): "
                         "use the ratings file the model was trained on")
    if item_model and (ratings.n_users != saved.network.sizes[0] or (
            "user_ids" in ds and hasattr(ratings, "user_ids") and not _same_ids(ds["user_ids"], ratings.user_ids))):
        raise ValueError(f"this item-based model has one input per user of {name} ({saved.network.sizes[0]} "
                         f"users) but the ratings list other users: use the ratings file the model was "
                         "trained on")
    notes = []
    h = ds.get("content_hash")
    if h and hasattr(ratings, "content_hash") and ratings.content_hash() != h:
        msg = f"these ratings differ from the ones the model was trained on ({name})"
        if strict:
            raise ValueError(msg)
        notes.append(msg)
    return notes


def restore_trainer(saved: SavedModel, train, test=None, clip=None, validation=None):
    """A Trainer continuing from a saved model: its weights, optimizer state and history.
    ``train``/``test``/``validation`` are what the model sees (`orientation.orient` of a per-user split)."""
    from .config import build_trainer
    from .orientation import as_users
    check_dataset(saved, as_users(train, saved.config.orientation))
    cfg = saved.config.with_(pretrain_epochs=0)
    tr = build_trainer(cfg, train, test, clip=clip, network=saved.network, validation=validation)
    if saved.optimizer_state is not None and saved.optimizer_state.get("name") == tr.optimizer.name:
        tr.optimizer.load_state_dict(saved.optimizer_state)
    tr.history = list(saved.history)
    tr.epoch = len(tr.history)
    if saved.timeline:
        n_rows = train.n_users
        for m in saved.timeline:
            if m.order.size and (m.order.min() < 0 or m.order.max() >= n_rows):
                raise ValueError(f"the saved timeline's order names rows beyond the data's {n_rows}")
        tr.steps, tr.updates = saved.counters.get("steps", 0), saved.counters.get("updates", 0)
        tr.timeline.adopt(tr, saved.timeline, saved.timeline_records)
    tr.note_best_epoch()  # saved at its best epoch: Ctrl+B can come back here
    return tr
