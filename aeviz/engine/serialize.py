"""Saving and loading a trained model: one versioned `.npz` (arrays + a JSON header), no pickle.

The header names the format and its version so a file from a newer aeviz, a file from another
program or a damaged file is refused with a message naming the file and the reason, instead of
loading garbage. Writes go to a temporary file in the same folder and are renamed into place, so a
crash mid-save never leaves half a model where the old one was.
"""
from __future__ import annotations

import io
import json
import os
import pathlib
import zipfile
from dataclasses import asdict, dataclass, field

import numpy as np

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


def save_model(path, trainer_or_parts, config: ModelConfig, dataset_identity: dict | None = None) -> pathlib.Path:
    """Write the model atomically; returns the path written."""
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
    arrays["header"] = np.frombuffer(json.dumps(header, default=str).encode("utf-8"), dtype=np.uint8)
    return atomic_write(path, lambda fh: np.savez_compressed(fh, **arrays), binary=True, fsync=True)


def load_model(path) -> SavedModel:
    """Read a model file; ModelFileError for anything that is not a whole, known aeviz model."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise ModelFileError(path, "no such file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelFileError(path, f"cannot be read ({exc.strerror or exc})") from None
    if not data.startswith(b"PK"):
        raise ModelFileError(path, "is not an aeviz model file (not an .npz archive)")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as exc:
        raise ModelFileError(path, f"is truncated or corrupted ({exc})") from None
    if "header" not in arrays:
        raise ModelFileError(path, "is an .npz archive but not an aeviz model (no aeviz header)")
    try:
        header = json.loads(arrays["header"].tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ModelFileError(path, "has a damaged header") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ModelFileError(path, "is not an aeviz model (unknown format name)")
    version = header.get("version")
    if not isinstance(version, int) or version < 1:
        raise ModelFileError(path, f"has an invalid format version {version!r}")
    if version > VERSION:
        raise ModelFileError(path, f"was written by a newer aeviz (format version {version}; this one "
                                   f"reads up to version {VERSION}): update aeviz to open it")
    try:
        return _build(header, arrays, version)
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(path, f"is inconsistent and cannot be loaded ({exc})") from None


def _build(header, arrays, version) -> SavedModel:
    nh = header["network"]
    net = Network(nh["sizes"], nh["activations"], bias=nh["bias"], tied=nh["tied"], init=nh["init"],
                  seed=None, dtype=np.dtype(nh["dtype"]))
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
    return SavedModel(config, net, opt, history, ds, version)


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


def restore_trainer(saved: SavedModel, train, test=None, clip=None):
    """A Trainer continuing from a saved model: its weights, optimizer state and history.
    ``train``/``test`` are what the model sees (`orientation.orient` of a per-user split)."""
    from .config import build_trainer
    from .orientation import as_users
    check_dataset(saved, as_users(train, saved.config.orientation))
    cfg = saved.config.with_(pretrain_epochs=0)
    tr = build_trainer(cfg, train, test, clip=clip, network=saved.network)
    if saved.optimizer_state is not None and saved.optimizer_state.get("name") == tr.optimizer.name:
        tr.optimizer.load_state_dict(saved.optimizer_state)
    tr.history = list(saved.history)
    tr.epoch = len(tr.history)
    tr.note_best_epoch()  # saved at its best epoch: Ctrl+B can come back here
    return tr
