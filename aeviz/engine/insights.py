"""What the network has learned, and the arithmetic of one step, as plain data for the panels.

`compute_extras(trainer, selection)` runs in the worker thread (a few times a second and after every
manual step) and returns read-only NumPy arrays, floats and lists: the UI only draws them, so every
number a panel shows was computed here, from the same objects the trainer uses. Each call stays
cheap on a MovieLens-100k-sized problem: the dense training rows are densified once and cached, and
on huge data a fixed subsample of users stands for everyone in the code scatter.
"""
from __future__ import annotations

import math
import time
import weakref

import numpy as np

from .evaluation import top_n
from .movie_map import build_map, user_marks
from .snapshot import frozen
from .vae_insights import code_ellipses, imagined_reconstruction, sampling_view

PERCENTILES = (0, 7, 16, 31, 50, 69, 84, 93, 100)  # TensorBoard's distribution bands
RING = 512  # distribution samples kept per trainer
MAX_CODE_CELLS = 4_000_000  # dense cells densified for the code scatter (users x items)
MAX_QUANTILE_SAMPLE = 20_000  # parameters looked at per layer for the quantiles (a strided sample)
SLOW_INTERVAL = 0.5  # seconds between refreshes of costly all-users parts while training runs
SLOW_COST = 0.008  # seconds: all-users parts cheaper than this are always recomputed
N_TERMS = 6  # largest w_i x_i terms spelled out in the math inspector

__all__ = ["PERCENTILES", "compute_extras", "matrix_image", "pca_2d", "InsightState"]


# ----------------------------------------------------------------------------------- state
class InsightState:
    """Per-trainer memory between calls: the cached user sample and the distribution ring."""

    def __init__(self):
        self.sample_key = None
        self.rows = self.x = self.m = None
        self.user_mean = self.user_genre = None
        self.genre_names: list[str] = []
        self.item_genre = None
        self.ring_key = None
        self.ring_steps: list[int] = []
        self.ring_w: list[np.ndarray] = []  # each (L, 9)
        self.ring_g: list[np.ndarray] = []
        self.last_updates = -1
        self.zero_fraction: list[float] = []
        self.pca_axes = None
        self.slow = None
        self.slow_key = None
        self.slow_at = 0.0
        self.slow_cost = 0.0
        self.user = 0  # item models: the user whose recommendations are shown
        self.column = self.column_key = None  # and that user's column of the reconstructions


_STATES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _state_for(trainer) -> InsightState:
    st = _STATES.get(trainer)
    if st is None:
        st = InsightState()
        _STATES[trainer] = st
    return st


def _ro(a):
    return frozen(a) if a is not None else None


# ----------------------------------------------------------------------------- data helpers
def item_genres(data) -> tuple[list[str], np.ndarray | None]:
    """(sorted genre names, genre index per item, -1 where unknown), or ([], None)."""
    return _genre_index(getattr(data, "genres", None))


def _genre_index(genres) -> tuple[list[str], np.ndarray | None]:
    if not genres:
        return [], None
    names = sorted({g for g in genres if g})
    if not names:
        return [], None
    lookup = {g: k for k, g in enumerate(names)}
    return names, np.array([lookup.get(g, -1) if g else -1 for g in genres], dtype=np.int64)


def _refresh_sample(st: InsightState, trainer):
    """Densify (a fixed subsample of) the training rows once per training set."""
    train = trainer.train_set
    key = (id(train), train.n_users, train.n_items)
    if st.sample_key == key:
        return
    n_users, n_items = train.n_users, train.n_items
    cap = max(200, MAX_CODE_CELLS // max(n_items, 1))
    if n_users > cap:
        rows = np.sort(np.random.default_rng(0).choice(n_users, cap, replace=False))
    else:
        rows = np.arange(n_users)
    x, m = train.dense_rows(rows)
    counts = m.sum(axis=1)
    sums = np.where(m, x, 0.0).sum(axis=1, dtype=np.float64)
    st.user_mean = np.divide(sums, counts, out=np.full(rows.size, np.nan), where=counts > 0)
    st.genre_names, st.item_genre = item_genres(train)
    if getattr(train, "is_transposed", False):  # rows are movies: each is coloured by its own genre
        st.genre_names, row_genre = _genre_index(train.movie_genres)
        st.user_genre = row_genre[rows] if row_genre is not None else None
    elif st.item_genre is not None:
        g = len(st.genre_names)
        onehot = np.zeros((n_items, g), dtype=np.float32)
        known = st.item_genre >= 0
        onehot[np.flatnonzero(known), st.item_genre[known]] = 1.0
        per_user = m.astype(np.float32) @ onehot
        st.user_genre = np.where(per_user.sum(axis=1) > 0, per_user.argmax(axis=1), -1)
    else:
        st.user_genre = None
    st.rows, st.x, st.m = rows, x, m
    st.sample_key = key
    st.pca_axes = None


def current_row(trainer) -> int:
    """The user the snapshot shows: the last observation forwarded, else the next one."""
    step = trainer.current_step
    return int(step.rows[-1]) if step is not None else int(trainer.current_row)


def _observation(trainer, row):
    """(h_0..h_L, a_1..a_L) of `row` as the trainer computed them, or a fresh forward pass."""
    step = trainer.current_step
    if step is not None and int(step.rows[-1]) == row:
        t = step.trace
        return [a[-1] for a in t.activations], [a[-1] for a in t.preacts], True
    x, _ = trainer.train_set.dense_rows([row])
    t = trainer.network.forward(x)
    return [a[0] for a in t.activations], [a[0] for a in t.preacts], False


# ------------------------------------------------------------------------------------ codes
def pca_2d(codes: np.ndarray, previous_axes=None):
    """Project codes (N, k) on their two main directions; axes keep their sign between calls."""
    c = codes.astype(np.float64)
    mean = c.mean(axis=0)
    c = c - mean
    k = c.shape[1]
    if k <= 256:
        cov = c.T @ c / max(c.shape[0] - 1, 1)
        vals, vecs = np.linalg.eigh(cov)
        axes = vecs[:, ::-1][:, :2]
        var = vals[::-1]
        total = float(max(vals.sum(), 1e-300))
        explained = [float(max(v, 0.0) / total) for v in var[:2]]
    else:  # subspace iteration: two directions without a k x k matrix
        warm = previous_axes is not None and previous_axes.shape == (k, 2)
        # from the last refresh's axes (a few updates ago: nearly there) three rounds do
        q = np.linalg.qr(previous_axes if warm else np.random.default_rng(0).standard_normal((k, 2)))[0]
        for _ in range(3 if warm else 12):
            q = np.linalg.qr(c.T @ (c @ q))[0]
        axes = q
        total = float(max((c * c).sum(), 1e-300))
        explained = [float(((c @ axes[:, j]) ** 2).sum() / total) for j in range(2)]
    if axes.shape[1] < 2:
        axes = np.concatenate([axes, np.zeros((k, 2 - axes.shape[1]))], axis=1)
        explained = explained + [0.0] * (2 - len(explained))
    for j in range(2):  # keep the picture from flipping between refreshes
        ref = previous_axes[:, j] if previous_axes is not None and previous_axes.shape == axes.shape else None
        if ref is not None:
            if float(ref @ axes[:, j]) < 0:
                axes[:, j] = -axes[:, j]
        elif axes[np.argmax(np.abs(axes[:, j])), j] < 0:
            axes[:, j] = -axes[:, j]
    return c @ axes, axes, mean, explained


def _codes_all(st, trainer):
    """Every sampled user's code, projected to 2-D (the slow part: cached between updates)."""
    net = trainer.network
    layer = net.bottleneck_layer()
    codes = net.encode(st.x, layer)
    k = codes.shape[1]
    mean = axes = None
    if k == 2:
        xy = codes.astype(np.float64)
        axis_names, explained, method = ["unit 1", "unit 2"], None, "units"
    elif k == 1:
        xy = np.column_stack([codes[:, 0], np.nan_to_num(st.user_mean)])
        axis_names, explained, method = ["unit 1", "mean rating"], None, "unit vs mean rating"
    else:
        xy, axes, mean, explained = pca_2d(codes, st.pca_axes)
        st.pca_axes = axes
        axis_names, method = [f"PC1 ({explained[0]:.0%})", f"PC2 ({explained[1]:.0%})"], "PCA"
    ellipses = code_ellipses(net, st.x, axes, mean) if k >= 2 else None
    return {"layer": layer, "units": k, "rows": _ro(st.rows), "xy": _ro(xy), "axis_names": axis_names,
            "method": method, "explained": explained, "activation": net.activations[layer - 1].name,
            "ellipses": _ro(ellipses) if ellipses is not None else None, "_mean": mean, "_axes": axes,
            "_codes": codes}


def _codes(st, trainer, row, acts, every):
    """The cached scatter plus this user's own code, which changes with every call."""
    z = np.asarray(acts[every["layer"]], dtype=np.float64)
    if every["method"] == "PCA":
        current = (z - every["_mean"]) @ every["_axes"]
    elif every["units"] == 1:
        current = np.array([z[0], _mean_of(st, trainer, row)])
    else:
        current = z.copy()
    where = np.flatnonzero(st.rows == row)
    out = {k: v for k, v in every.items() if not k.startswith("_")}
    out.update(current_xy=_ro(current), current_code=_ro(z), current_index=int(where[0]) if where.size else -1)
    return out


def _mean_of(st, trainer, row) -> float:
    hit = np.flatnonzero(st.rows == row)
    if hit.size:
        return float(np.nan_to_num(st.user_mean[hit[0]]))
    x, m = trainer.train_set.dense_rows([row])
    return float(x[m].mean()) if m.any() else 0.0


# ---------------------------------------------------------------------- what was learned
def _reconstruction(trainer, row, y_raw, train=None, test=None):
    """The observation `row` of `train` (default: what the trainer trains on) beside its output."""
    train = trainer.train_set if train is None else train
    test = trainer.test_set if train is trainer.train_set else test
    x, m = train.dense_rows([row])
    x, m = x[0].astype(np.float64), m[0]
    y = np.asarray(y_raw, dtype=np.float64)
    yc = np.clip(y, *trainer.clip) if trainer.clip is not None else y
    ho_m = np.zeros_like(m)
    ho_v = np.zeros_like(x)
    if test is not None:
        tv, tm = test.dense_rows([row])
        ho_m, ho_v = tm[0], tv[0].astype(np.float64)
    diff = np.where(m, y - x, 0.0)
    d = float(np.sqrt((diff * diff).sum()))
    n = int(m.sum())
    ho_diff = np.where(ho_m, yc - ho_v, 0.0)
    nh = int(ho_m.sum())
    # rated (by input, high first), then held-out (by truth), then the rest (by prediction)
    kind = np.where(m, 0, np.where(ho_m, 1, 2))
    key2 = np.where(m, -x, np.where(ho_m, -ho_v, -yc))
    order = np.lexsort((np.arange(x.size), key2, kind))
    return {
        "row": row, "input": _ro(x), "output": _ro(y), "output_clipped": _ro(yc), "mask": _ro(m),
        "heldout_mask": _ro(ho_m), "heldout_values": _ro(ho_v), "order": _ro(order),
        "distance": d, "rmse_rated": float(np.sqrt((diff * diff).sum() / n)) if n else None,
        "rmse_heldout": float(np.sqrt((ho_diff * ho_diff).sum() / nh)) if nh else None,
        "n_rated": n, "n_heldout": nh, "clip": tuple(trainer.clip) if trainer.clip is not None else None,
    }


def _recommendations(rec, n=10):
    """Top-n movies the user has not rated in training (held-out ones count as unrated: the
    network never saw them), and every held-out rating beside its prediction."""
    y, raw = rec["output_clipped"], rec["output"]
    top = top_n(np.flatnonzero(~rec["mask"]), y, raw, n)
    ho = np.flatnonzero(rec["heldout_mask"])
    ho = ho[np.argsort(-rec["heldout_values"][ho], kind="stable")]
    return {
        "row": rec["row"], "items": _ro(top), "predicted": _ro(y[top]), "raw": _ro(raw[top]),
        "is_heldout": _ro(rec["heldout_mask"][top]), "heldout_values_of_items": _ro(rec["heldout_values"][top]),
        "heldout_items": _ro(ho), "heldout_values": _ro(rec["heldout_values"][ho]),
        "heldout_predicted": _ro(y[ho]), "heldout_error": _ro(y[ho] - rec["heldout_values"][ho]),
        "heldout_rmse": rec["rmse_heldout"], "label": rec.get("label"),
    }


def _feature_detectors(st, trainer, k=5):
    """Per first-hidden unit: the movies pulling it up and down, and the genre it leans to."""
    w = np.asarray(trainer.network.weights[0], dtype=np.float64)  # (h1, n_items)
    units, n = w.shape
    k = min(k, n)
    pos = np.argpartition(-w, k - 1, axis=1)[:, :k]
    pos = np.take_along_axis(pos, np.argsort(-np.take_along_axis(w, pos, 1), axis=1), 1)
    neg = np.argpartition(w, k - 1, axis=1)[:, :k]
    neg = np.take_along_axis(neg, np.argsort(np.take_along_axis(w, neg, 1), axis=1), 1)
    out = {
        "layer": 1, "k": k, "pos_items": _ro(pos), "pos_weights": _ro(np.take_along_axis(w, pos, 1)),
        "neg_items": _ro(neg), "neg_weights": _ro(np.take_along_axis(w, neg, 1)),
        "genre_names": list(st.genre_names), "genre_mean": None, "dominant_genre": None,
        "dominance": None,  # signed score of the dominant genre; |score| >= 3 is a clear lean
    }
    if st.item_genre is not None and len(st.genre_names):
        g = len(st.genre_names)
        known = st.item_genre >= 0
        onehot = np.zeros((n, g))
        onehot[np.flatnonzero(known), st.item_genre[known]] = 1.0
        counts = np.maximum(onehot.sum(axis=0), 1.0)
        gm = (w @ onehot) / counts  # mean weight from each genre's movies
        spread = w.std(axis=1, keepdims=True) + 1e-12
        # how far each genre's mean weight stands from the unit's mean, in standard errors: a
        # t-like score, so 12 movies per genre and 500 are judged on the same footing
        t = (gm - w.mean(axis=1, keepdims=True)) / spread * np.sqrt(counts)
        dom = np.abs(t).argmax(axis=1)
        z = t[np.arange(units), dom]
        out.update(genre_mean=_ro(gm), dominant_genre=_ro(dom), dominance=_ro(z))
    return out


def _user_of_item_model(st, trainer, selection) -> int:
    """The user whose recommendations an item model shows: one asked for, else a selected
    input/output node (those are users), else the last one shown (first: row 0)."""
    net = trainer.network
    if selection.get("user") is not None:
        st.user = int(selection["user"])
    elif selection.get("layer") in (0, net.n_layers) and selection.get("index") is not None:
        st.user = int(selection["index"])
    return min(max(st.user, 0), trainer.train_set.n_items - 1)


def _item_model_recommendations(st, trainer, user):
    """An item model's recommendations for `user`: that user's column of the reconstructions
    (engine/orientation.py), refreshed with the slow parts. When the code layer is the last hidden
    layer and every movie is in the sample (I-AutoRec on MovieLens), the column is one output unit
    fed by codes already computed: a matrix-vector product instead of a pass of every movie."""
    from .orientation import as_users, user_predictions
    key = (st.slow_key, st.slow_at, user)
    if st.column_key != key:
        net, codes = trainer.network, st.slow["codes"]
        if (codes["layer"] == net.n_layers - 1 and st.rows.size == trainer.train_set.n_users
                and net.activations[-1].name != "softmax"):  # softmax mixes a movie's outputs
            h = np.asarray(codes["_codes"])
            a = h @ net.weights[-1][user] + (net.biases[-1][user] if net.bias else 0)
            y = np.empty(trainer.train_set.n_users, dtype=net.dtype)
            y[st.rows] = net.activations[-1].forward(np.atleast_2d(a))[0]
        else:
            y = user_predictions(net, trainer.train_set, "item", [user])[0]
        st.column, st.column_key = y, key
    rec = _reconstruction(trainer, user, st.column, as_users(trainer.train_set, "item"),
                          as_users(trainer.test_set, "item"))
    return {**_recommendations(rec), "orientation": "item"}


# ------------------------------------------------------------------------------- the math
def _fnum(v):
    v = float(v)
    return v if math.isfinite(v) else None


def _optimizer_view(trainer, flat, w_now, g_batch, applied):
    """The optimizer's rule for one weight, with its state; `applied` = the update just done.
    Before the update, the change shown is the optimizer's own preview (the rule the step runs)."""
    opt = trainer.optimizer
    h = dict(opt.hyper)
    info = {"name": opt.name, "formula": opt.formula(), "hyper": dict(h),
            "t": int(opt.t), "state": opt.state_at(flat), "applied": applied, "change": None,
            "w_before": None, "w_after": None, "gradient_used": None}
    if applied:
        change = float(trainer.last_change[flat])
        info.update(change=change, w_before=w_now - change, w_after=w_now)
        info.update(opt.explain(info["state"], opt.t))
        return info
    if g_batch is None:
        return info
    info["gradient_used"] = g_batch + float(h.get("weight_decay", 0.0) or 0.0) * w_now
    preview = opt.preview(flat, w_now, g_batch)
    change = preview["change"]
    info.update(change=change, w_before=w_now, w_after=w_now + change)
    info.update(opt.explain(preview["state"], opt.t + 1))  # as they will be after this step
    return info


def _math(trainer, selection, row, acts, preacts, from_trainer, titles):
    net = trainer.network
    layer = int(selection.get("layer", net.n_layers) if selection else net.n_layers)
    layer = min(max(layer, 0), net.n_layers)
    index = int(selection.get("index", 0) if selection else 0)
    index = min(max(index, 0), net.sizes[layer] - 1)
    step = trainer.current_step  # not None when from_trainer
    out = {"layer": layer, "index": index, "row": row, "phase": trainer.phase,
           "next_phase": trainer.next_phase, "from_step": from_trainer, "n_layers": net.n_layers}
    x_row, m_row = trainer.train_set.dense_rows([row])
    if layer == 0:
        out.update(kind="input", value=_fnum(acts[0][index]), rated=bool(m_row[0, index]),
                   title=titles[index] if titles and index < len(titles) else None)
        return out
    l = layer - 1  # weight matrix index
    applied = trainer.phase == "update" and trainer.last_change is not None
    w_row = np.asarray(net.weights[l][index], dtype=np.float64)
    if applied:  # the forward pass used the weights from before this update
        cw, cb = net.split_flat(trainer.last_change)
        w_row = w_row - cw[l][index]
    h_in = np.asarray(acts[l], dtype=np.float64)
    terms = w_row * h_in
    order = np.argsort(-np.abs(terms), kind="stable")
    shown = order[:N_TERMS]
    rest = order[N_TERMS:]
    bias = None
    if net.bias:
        bias = float(net.biases[l][index]) - (float(cb[l][index]) if applied else 0.0)
    act = net.activations[l]
    a = float(preacts[l][index])
    z = float(acts[layer][index])
    out.update(
        kind="output" if layer == net.n_layers else "hidden", activation=act.name,
        activation_formula=act.formula(),
        terms=[{"i": int(i), "w": float(w_row[i]), "x": float(h_in[i]), "wx": float(terms[i]),
                "label": (titles[i] if (l == 0 and titles and i < len(titles)) else f"h{l}[{i + 1}]")}
               for i in shown],
        rest_sum=float(terms[rest].sum()), rest_count=int(rest.size),
        nonzero_inputs=int(np.count_nonzero(h_in)),
        bias=bias, preact=a, sum_check=float(terms.sum() + (bias or 0.0)), activation_value=z,
    )
    if layer == net.n_layers:
        out["target"] = float(x_row[0, index])
        out["rated"] = bool(m_row[0, index])
        out["title"] = titles[index] if titles and index < len(titles) else None
        has_loss = from_trainer and step.observation_loss is not None and step.grad_y is not None
        out["error"] = float(z - x_row[0, index]) if m_row[0, index] else None
        out["dL_dy"] = float(np.atleast_2d(step.grad_y)[-1, index]) if has_loss else None
        out["loss_name"] = trainer.loss.label
        out["loss_formula"] = trainer.loss.formula()
        out["observation_loss"] = float(np.atleast_1d(step.observation_loss)[-1]) if has_loss else None
    grads_ready = from_trainer and step.gradients is not None
    out["delta"] = float(step.gradients.deltas[l][-1][index]) if grads_ready else None
    # the weight looked at: the selected edge into this node, else the largest term's
    edge = selection.get("edge") if selection else None
    if edge is not None and int(edge[0]) == l and int(edge[1]) == index:
        col = int(edge[2])
    else:
        col = int(shown[0]) if shown.size else 0
    flat = net.flat_index(l, index, col)
    w_now = float(net.params[flat])
    g_batch = float(net.grads[flat]) if grads_ready else None
    contribution = (out["delta"] * float(h_in[col])) if out["delta"] is not None else None
    parts = None
    mirror = net.tied_with(l)
    if mirror is not None:
        # one shared number, used twice: as W{l+1}[index, col] and as W{mirror+1}[col, index];
        # this observation's gradient is the sum of what each use contributes
        parts = [{"layer": l, "row": index, "col": col, "delta": out["delta"], "input": float(h_in[col]),
                  "product": contribution}]
        d_m = float(step.gradients.deltas[mirror][-1][col]) if grads_ready else None
        x_m = float(np.asarray(acts[mirror], dtype=np.float64)[index])
        parts.append({"layer": mirror, "row": col, "col": index, "delta": d_m, "input": x_m,
                      "product": d_m * x_m if d_m is not None else None})
        parts.sort(key=lambda p: -p["layer"])  # decoder first, as back-propagation meets them
        if contribution is not None:
            contribution = sum(p["product"] for p in parts)
    out["weight"] = {
        "layer": l, "row": index, "col": col, "value": w_now,
        "from_label": (titles[col] if (l == 0 and titles and col < len(titles)) else f"h{l}[{col + 1}]"),
        "input": float(h_in[col]), "contribution": contribution, "tied_parts": parts,
        "gradient": g_batch, "batch_fill": int(trainer.batch_fill), "batch_size": int(trainer.batch_size),
        "update": _optimizer_view(trainer, flat, w_now, g_batch, applied),
    }
    return out


# -------------------------------------------------------------------------- distributions
def _quantiles(a: np.ndarray, nonzero: bool = False) -> np.ndarray:
    """The 9 percentiles; `nonzero` looks only at entries that moved (a rating matrix is sparse:
    most input weights get an exactly-zero gradient from any one batch, which would hide the rest)."""
    flat = np.asarray(a).ravel()
    if flat.size > MAX_QUANTILE_SAMPLE:
        flat = flat[:: int(math.ceil(flat.size / MAX_QUANTILE_SAMPLE))]
    if nonzero:
        flat = flat[flat != 0]
    if flat.size == 0:
        return np.zeros(len(PERCENTILES))
    q = np.percentile(flat.astype(np.float64), PERCENTILES)
    return np.where(np.isfinite(q), q, 0.0)


def _distributions(st: InsightState, trainer):
    net = trainer.network
    key = (id(net), tuple(net.sizes))
    if st.ring_key != key or trainer.updates < st.last_updates:
        st.ring_key = key
        st.ring_steps, st.ring_w, st.ring_g = [], [], []
        st.last_updates = -1
    if trainer.updates != st.last_updates or not st.ring_steps:
        gw, _ = net.split_flat(net.grads)
        st.ring_w.append(np.stack([_quantiles(w) for w in net.weights]))
        st.ring_g.append(np.stack([_quantiles(g, nonzero=True) for g in gw]))
        st.zero_fraction = [float(np.count_nonzero(g == 0) / max(g.size, 1)) for g in gw]
        st.ring_steps.append(int(trainer.updates))
        st.last_updates = trainer.updates
        if len(st.ring_steps) > RING:
            del st.ring_steps[0], st.ring_w[0], st.ring_g[0]
    return {
        "percentiles": list(PERCENTILES), "updates": _ro(np.array(st.ring_steps, dtype=np.int64)),
        "weights": _ro(np.stack(st.ring_w, axis=1)),  # (L, T, 9)
        "gradients": _ro(np.stack(st.ring_g, axis=1)),  # over non-zero gradient entries
        "gradient_zero_fraction": list(st.zero_fraction),  # latest sample, per layer
        "layer_names": [f"W{l + 1} ({net.sizes[l]}\u2192{net.sizes[l + 1]})" for l in range(net.n_layers)],
    }


# ------------------------------------------------------------------------------- the type
def _sparsity(st, trainer):
    """Sparse models: each penalised unit's mean activation over the (sampled) users, beside the
    target rho (None for L1): what the penalty pulls on, for the graph to show per hidden node."""
    pen = next((p for p in trainer.penalties if hasattr(p, "mean_activations") or p.name == "L1 sparsity"), None)
    if pen is None:
        return None
    net = trainer.network
    layers = [net.bottleneck_layer()] if pen.layers is None else sorted({int(l) for l in pen.layers})
    means = {l: _ro(np.asarray(net.encode(st.x, l), dtype=np.float64).mean(axis=0)) for l in layers}
    return {"penalty": "kl" if hasattr(pen, "rho") else "l1", "target": getattr(pen, "rho", None),
            "layers": means, "users": int(st.rows.size), "describe": pen.describe()}


# ---------------------------------------------------------------------------------- entry
def _slow_parts(st, trainer, fresh=False):
    """Codes of every user and the feature detectors depend on the weights only: recomputed
    whenever the weights changed, unless they are costly (> SLOW_COST seconds, wide layers or
    many users) and training is running (updates jumping between calls): then at most every
    SLOW_INTERVAL seconds, so their cost is not paid 4 times a second. `fresh` forces them unless
    the weights are those they were computed from (stepping one observation's phases changes none)."""
    net = trainer.network
    key = (id(net), tuple(net.sizes), st.sample_key, int(trainer.updates),
           float(np.add.reduce(net.params, dtype=np.float64)))
    now = time.perf_counter()
    if st.slow is not None and key == st.slow_key:  # the same weights: the same answer, even fresh
        return st.slow
    if st.slow is not None and not fresh:
        running = key[:3] == st.slow_key[:3] and abs(key[3] - st.slow_key[3]) > 1
        # costlier parts wait longer: at most about a fifth of the worker's time (ML-20M's movie map)
        if running and st.slow_cost > SLOW_COST and now - st.slow_at < max(SLOW_INTERVAL, 4 * st.slow_cost):
            return st.slow
    if st.slow_key is None or key[:3] != st.slow_key[:3]:
        st.pca_axes = None
    codes = _codes_all(st, trainer)
    # an item model whose sample is every movie: its codes and their plane are the map's
    everyone = trainer.orientation == "item" and st.rows.size == trainer.train_set.n_users
    plane = (codes["xy"], codes["explained"], codes["_axes"]) if everyone and codes["method"] == "PCA" else None
    st.slow = {"codes": codes, "feature_detectors": _feature_detectors(st, trainer),
               "sparsity": _sparsity(st, trainer), "movie_map": build_map(
                   net, trainer.orientation, trainer.train_set, codes["_codes"] if everyone else None,
                   (st.slow or {}).get("movie_map"), projection=plane)}
    st.slow_key, st.slow_at = key, now
    st.slow_cost = time.perf_counter() - now
    return st.slow


@np.errstate(all="ignore")  # a diverging network overflows; the panels show "not finite", never NaN
def compute_extras(trainer, selection: dict | None = None, fresh: bool = False) -> dict:
    """Everything the insight panels draw, for the trainer's current observation and node.

    `selection`: {"layer", "index"} of the selected node (layer 0 = inputs), optional "edge"
    (weight layer, row, col) and "row" (a user other than the current observation). `fresh=True`
    recomputes the all-users parts even while training runs (see `_slow_parts`)."""
    selection = dict(selection or {})
    st = _state_for(trainer)
    _refresh_sample(st, trainer)
    slow = _slow_parts(st, trainer, fresh)
    row = int(selection["row"]) if selection.get("row") is not None else current_row(trainer)
    acts, preacts, from_trainer = _observation(trainer, row)
    titles = getattr(trainer.train_set, "titles", None)
    y_now = trainer.network.predict(trainer.train_set.dense_rows([row])[0])[0]
    rec = _reconstruction(trainer, row, y_now)
    item_model = trainer.orientation == "item"
    if selection.get("imagine"):  # the Code panel's walk: the decoder's imaginary user instead
        rec = imagined_reconstruction(trainer, selection["imagine"], slow["codes"], rec)
        recs = _imagined_recommendations(trainer, rec)
    elif item_model:
        recs = _item_model_recommendations(st, trainer, _user_of_item_model(st, trainer, selection))
    else:
        recs = _recommendations(rec)
    extras = {
        "row": row,
        "orientation": "item" if item_model else "user",
        "codes": _codes(st, trainer, row, acts, slow["codes"]),
        "user_property": {
            "rows": _ro(st.rows), "mean_rating": _ro(st.user_mean),
            "genre": _ro(st.user_genre), "genre_names": list(st.genre_names),
        },
        "reconstruction": rec,
        "recommendations": recs,
        "feature_detectors": slow["feature_detectors"],
        "math": _math(trainer, selection, row, acts, preacts, from_trainer, titles),
        "sampling": sampling_view(trainer, row, from_trainer),
        "distributions": _distributions(st, trainer),
        "sparsity": slow["sparsity"],
        "movie_map": slow["movie_map"],
        "movie_marks": user_marks(trainer.train_set, trainer.orientation, recs),
        "penalties": [p.describe() for p in trainer.penalties],
        "corruption": trainer.corruption.describe() if trainer.corruption is not None else None,
    }
    return extras


def code_plane_xy(trainer, code, mean_rating: float = 0.0):
    """Where a code (the bottleneck's values of any row) sits in the Code panel's plane: the very
    projection every user's point got (PCA axes, the two units, or unit vs `mean_rating`); None
    before the panel's plane exists or for another network."""
    st = _STATES.get(trainer)
    if st is None or st.slow is None or st.slow_key[0] != id(trainer.network):
        return None
    every = st.slow["codes"]
    z = np.asarray(code, dtype=np.float64).ravel()
    if every["method"] == "PCA":
        return _ro((z - every["_mean"]) @ every["_axes"])
    if every["units"] == 1:
        return _ro(np.array([z[0], float(mean_rating)]))
    return _ro(z.copy())


def walk_extras(trainer, spec: dict) -> dict:
    """Only what a Code panel walk changes (the Reconstruction and Recommendations records of the
    imaginary user), for the 30-a-second updates of a drag; the rest of the extras stay."""
    st = _state_for(trainer)
    _refresh_sample(st, trainer)
    every = _slow_parts(st, trainer, False)["codes"]
    row = current_row(trainer)
    rec = _reconstruction(trainer, row, np.zeros(trainer.network.sizes[-1]))
    rec = imagined_reconstruction(trainer, spec, every, rec)
    return {"reconstruction": rec, "recommendations": _imagined_recommendations(trainer, rec)}


def _imagined_recommendations(trainer, rec):
    """A walk's top list: an imaginary user's top movies, or (item model) the users an imaginary
    movie would please most ("entries": "users": the list's indices are user rows)."""
    recs = _recommendations(rec)
    return {**recs, "entries": "users"} if trainer.orientation == "item" else recs


def matrix_image(ratings, max_rows: int = 1200, max_cols: int = 1600) -> tuple[np.ndarray, float, float]:
    """A users x items picture of a sparse ratings matrix, block-averaged when too big.

    Returns (image (rows, cols) float32 with NaN where no rating, users per pixel, items per pixel).
    """
    n_u, n_i = ratings.n_users, ratings.n_items
    fu = max(1, int(math.ceil(n_u / max_rows)))
    fi = max(1, int(math.ceil(n_i / max_cols)))
    ru, ri = int(math.ceil(n_u / fu)), int(math.ceil(n_i / fi))
    rows = ratings.row_of_entries() // fu
    cols = np.asarray(ratings.indices, dtype=np.int64) // fi
    cell = rows * ri + cols
    sums = np.bincount(cell, weights=ratings.values.astype(np.float64), minlength=ru * ri)
    counts = np.bincount(cell, minlength=ru * ri)
    img = np.full(ru * ri, np.nan, dtype=np.float32)
    has = counts > 0
    img[has] = sums[has] / counts[has]
    return img.reshape(ru, ri), float(fu), float(fi)
